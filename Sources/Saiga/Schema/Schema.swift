/// The fields of an index's documents and how each is kept: the contract between an application's data and the
/// index (issue 12). A schema is a value: build it, check it (`init` throws on an invalid one), compare it, and evolve
/// it by adding fields (`adding`), never by changing one.
///
/// Field types, and what each keeps by default:
///
/// | type | value | indexed (searchable) | stored (returned) | column (sort, facets, ranges) |
/// |---|---|---|---|---|
/// | `text` | analyzed words | yes, with positions | yes | no (not allowed) |
/// | `keyword` | exact strings (`lowercase` folds case) | yes | yes | yes |
/// | `integer` | Int64 | yes (ranges) | yes | yes |
/// | `float` | Double | yes (ranges) | yes | yes |
/// | `date` | `DateValue` (RFC 3339 or epoch seconds, kept in UTC milliseconds) | yes (ranges) | yes | yes |
/// | `boolean` | true/false | yes | yes | yes |
///
/// Any field may hold several values (a JSON array). `Schema.default` is today's documents: `id` (keyword), `title`
/// and `body` (text).
public struct Schema: Sendable, Hashable {
    /// What a field holds.
    public enum FieldType: String, Sendable, Hashable, Codable, CaseIterable {
        case text, keyword, integer, float, date, boolean
    }

    /// One field: its name, type and flags. Flags left nil take the type's defaults.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var type: FieldType
        /// Searchable: terms for text and keywords, points for numbers and dates.
        public var indexed: Bool
        /// Returned with hits.
        public var stored: Bool
        /// Kept per document in a column (doc values) for sorting, facets and range filters.
        public var column: Bool
        /// Text only: word positions, for phrase queries.
        public var positions: Bool
        /// Keyword only: values are lower-cased (so `Astana` and `astana` are one value).
        public var lowercase: Bool
        /// Text only: the default boost of matches in this field (Lucene's field boost).
        public var boost: Float
        /// Text only: the language its words are analyzed in (`TextLanguage`; `auto` by default). Other types have
        /// `none`.
        public var language: TextLanguage

        public init(
            _ name: String, _ type: FieldType, indexed: Bool? = nil, stored: Bool? = nil, column: Bool? = nil,
            positions: Bool? = nil, lowercase: Bool = false, boost: Float = 1,
            language: TextLanguage = .auto
        ) {
            self.name = name
            self.type = type
            self.indexed = indexed ?? true
            self.stored = stored ?? true
            self.column = column ?? (type != .text)
            self.positions = positions ?? (type == .text)
            self.lowercase = lowercase
            self.boost = boost
            self.language = type == .text ? language : .none
        }
    }

    /// The analysis of a text field: which stemmer (and stop list) its words get. Every language folds case and
    /// diacritics alike (docs/ANALYSIS.md).
    public enum TextLanguage: String, Sendable, Hashable, Codable, CaseIterable {
        /// English (Snowball Porter2) for words of a–z; other words are only folded.
        case english
        /// Folding only, no stemming.
        case none
        /// Russian (Snowball) for Cyrillic words, English for Latin ones.
        case russian
        /// Kazakh for Cyrillic words; Latin words written in the Kazakh Latin alphabet of 2021 are read as their
        /// Cyrillic spelling first (`Qazaqstan` is `қазақстан`), other Latin words get English.
        case kazakh
        /// Chosen per word by its letters: English for Latin words (but Kazakh for one that reads in Cyrillic with
        /// two letters only Kazakh has, `Qazaqstan`), Kazakh for Cyrillic words with a letter only Kazakh has
        /// (ә ғ қ ң ө ұ ү һ і), and Russian for other Cyrillic words unless they end as only Kazakh words do. The
        /// default.
        case auto
    }

    /// The fields, in the order they were declared (new fields are appended).
    public private(set) var fields: [Field]

    /// Most fields an index may have: segments number their fields in one byte.
    public static let maxFields = 256
    /// Longest field name, in UTF-8 bytes.
    public static let maxFieldNameBytes = 255

    /// A checked schema. Throws `.invalidArgument` naming the field for a bad name, a duplicate, a flag its type
    /// does not have, a field that keeps nothing, or more than `maxFields` fields.
    public init(_ fields: [Field]) throws(SaigaError) {
        guard fields.count <= Schema.maxFields else {
            throw SaigaError(.limitExceeded, "a schema holds at most \(Schema.maxFields) fields (got \(fields.count))")
        }
        var seen = Set<String>()
        for f in fields {
            try Schema.check(f)
            guard seen.insert(f.name).inserted else {
                throw SaigaError(.invalidArgument, "field \"\(f.name)\" is declared twice")
            }
        }
        if let id = fields.first(where: { $0.name == "id" }), id.type != .keyword {
            throw SaigaError(.invalidArgument, "field \"id\" is the document id: it must be a keyword")
        }
        self.fields = fields
    }

    /// Today's documents: `id` (keyword, stored, no column), `title` and `body` (text, positions).
    public static let `default` = Schema(unchecked: [
        Field("id", .keyword, column: false), Field("title", .text), Field("body", .text),
    ])

    private init(unchecked fields: [Field]) { self.fields = fields }

    /// The field with this name, if any.
    public subscript(name: String) -> Field? { fields.first { $0.name == name } }

    /// This schema with every text field analyzed in `language`.
    func settingTextLanguage(_ language: TextLanguage) throws(SaigaError) -> Schema {
        try Schema(
            fields.map { f in
                var f = f
                if f.type == .text { f.language = language }
                return f
            })
    }

    /// This schema with field `index` (a text field) analyzed in `language`.
    func settingLanguage(_ index: Int, _ language: TextLanguage) throws(SaigaError) -> Schema {
        var fields = self.fields
        fields[index].language = language
        return try Schema(fields)
    }

    /// This schema with the fields of `other` that it does not have appended. A field both have must be declared
    /// the same in both: a changed type or flag throws `.invalidArgument` naming the field and the difference
    /// (changing a field would need every document reindexed).
    public func adding(_ other: Schema) throws(SaigaError) -> Schema {
        var fields = self.fields
        for f in other.fields {
            if let existing = self[f.name] {
                if let difference = Schema.difference(existing, f) {
                    throw SaigaError(
                        .invalidArgument,
                        "field \"\(f.name)\" \(difference); a field cannot change "
                            + "once indexed (add a field with another name, or rebuild the index)")
                }
            } else {
                fields.append(f)
            }
        }
        return try Schema(fields)
    }

    private static func difference(_ a: Field, _ b: Field) -> String? {
        if a.type != b.type { return "is \(a.type.rawValue) in the index and \(b.type.rawValue) in the new schema" }
        for (name, x, y) in [
            ("indexed", a.indexed, b.indexed), ("stored", a.stored, b.stored),
            ("column", a.column, b.column), ("positions", a.positions, b.positions),
            ("lowercase", a.lowercase, b.lowercase),
        ] where x != y {
            return "has \(name) \(x) in the index and \(y) in the new schema"
        }
        if a.boost != b.boost { return "has boost \(a.boost) in the index and \(b.boost) in the new schema" }
        if a.language != b.language {
            return "has language \(a.language.rawValue) in the index and \(b.language.rawValue) in the new schema"
        }
        return nil
    }

    private static func check(_ f: Field) throws(SaigaError) {
        try checkName(f.name)
        func refuse(_ why: String) throws(SaigaError) -> Never {
            throw SaigaError(.invalidArgument, "field \"\(f.name)\" (\(f.type.rawValue)): \(why)")
        }
        if f.type == .text && f.column { try refuse("a text field cannot have a column (use a keyword field)") }
        if f.type != .text && f.positions { try refuse("only text fields have positions") }
        if f.type != .keyword && f.lowercase { try refuse("only keyword fields are lower-cased") }
        if f.type != .text && f.boost != 1 { try refuse("only text fields have a boost") }
        if f.type != .text && f.language != .none { try refuse("only text fields have a language") }
        if f.positions && !f.indexed { try refuse("positions need the field indexed") }
        if !(f.boost.isFinite && f.boost > 0) { try refuse("the boost must be a positive number (got \(f.boost))") }
        if !f.indexed && !f.stored && !f.column {
            try refuse("the field keeps nothing (not indexed, stored or a column)")
        }
    }

    /// Names are 1 to 255 bytes of ASCII letters, digits, `_`, `-` and `.` (nested JSON objects are flattened to
    /// `a.b`), starting with a letter: nothing the query syntax gives a meaning to (`:`, `*`, `^`, spaces).
    static func checkName(_ name: String) throws(SaigaError) {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= maxFieldNameBytes else {
            throw SaigaError(.invalidArgument, "a field name must be 1 to \(maxFieldNameBytes) bytes (got \"\(name)\")")
        }
        func isLetter(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
        guard isLetter(bytes[0]),
            bytes.allSatisfy({ isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E }),
            bytes.last != 0x2E, !name.contains("..")
        else {
            throw SaigaError(
                .invalidArgument,
                "field name \"\(name)\": use ASCII letters, digits, _, - and . "
                    + "(between parts), starting with a letter")
        }
    }
}

// MARK: - JSON form

extension Schema.Field: Codable {
    private enum Key: String, CodingKey, CaseIterable {
        case name, type, indexed, stored, column, positions, lowercase, boost, language
    }

    /// `{"name": "date", "type": "date"}`, flags optional (the type's defaults); an unknown key is an error.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let known = Set(Key.allCases.map(\.rawValue))
        let all = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = all.allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw DecodingError.dataCorruptedError(
                forKey: Key.name, in: c, debugDescription: "unknown field property \"\(unknown.stringValue)\"")
        }
        let type = try c.decode(Schema.FieldType.self, forKey: .type)
        if type != .text && c.contains(.language) {
            throw DecodingError.dataCorruptedError(
                forKey: Key.language, in: c, debugDescription: "only text fields have a language")
        }
        self.init(
            try c.decode(String.self, forKey: .name), type,
            indexed: try c.decodeIfPresent(Bool.self, forKey: .indexed),
            stored: try c.decodeIfPresent(Bool.self, forKey: .stored),
            column: try c.decodeIfPresent(Bool.self, forKey: .column),
            positions: try c.decodeIfPresent(Bool.self, forKey: .positions),
            lowercase: try c.decodeIfPresent(Bool.self, forKey: .lowercase) ?? false,
            boost: try c.decodeIfPresent(Float.self, forKey: .boost) ?? 1,
            language: try c.decodeIfPresent(Schema.TextLanguage.self, forKey: .language) ?? .auto)
    }

    /// Every property written out, so that a printed schema says exactly what the index does.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(name, forKey: .name)
        try c.encode(type, forKey: .type)
        try c.encode(indexed, forKey: .indexed)
        try c.encode(stored, forKey: .stored)
        try c.encode(column, forKey: .column)
        if type == .text {
            try c.encode(positions, forKey: .positions)
            try c.encode(boost, forKey: .boost)
            try c.encode(language, forKey: .language)
        }
        if type == .keyword { try c.encode(lowercase, forKey: .lowercase) }
    }
}

extension Schema: Codable {
    private enum Key: String, CodingKey { case fields }

    /// `{"fields": [ … ]}`, checked as `init(_:)` checks (an invalid schema is a decoding error saying why).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let fields = try c.decode([Field].self, forKey: .fields)
        do { try self.init(fields) } catch {
            throw DecodingError.dataCorruptedError(forKey: .fields, in: c, debugDescription: error.message)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(fields, forKey: .fields)
    }
}

/// Any key, to find the ones a container does not know.
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
