import Saiga

/// Infers a schema from JSON documents when none is given (issue 12): `saiga index` on JSON lines will print what
/// it inferred. The rules, applied to the flattened fields (`parseFlattened`):
///
/// - a string → `text`; an array of strings → `keyword` (tags, categories); a string that is an RFC 3339 date or
///   date-time (`2024-03-01`, `2024-03-01T10:00:00Z`) in every document → `date` (Elasticsearch's date detection),
///   and `text` as soon as one document has another string there;
/// - an integer (fits Int64) → `integer`; any other number → `float`; integers and floats together → `float`;
/// - `true`/`false` → `boolean`; arrays of numbers or booleans → the same types, multi-valued;
/// - `id` is always a `keyword`; `title`, `body` and `contents` are `text`;
/// - `null` says nothing; a field seen only as `null` or `[]` gets no field;
/// - anything else that disagrees (a string in one document and a number in another, a string and an array of
///   strings) is an error naming the field and both documents: declare the field with a schema file instead. With
///   `keepingFirstType` (`saiga index --skip-bad`) the first type seen stays (Elasticsearch's dynamic mapping) and
///   the documents that disagree with it are the bad inputs the indexing pass skips and reports.
package struct SchemaInference {
    private enum Kind: Equatable {
        case text, keyword, integer, float, boolean, date

        var fieldType: Schema.FieldType {
            switch self {
            case .text: return .text
            case .keyword: return .keyword
            case .integer: return .integer
            case .float: return .float
            case .boolean: return .boolean
            case .date: return .date
            }
        }
    }

    private var kinds: [String: (kind: Kind, seenAt: String)] = [:]
    private var order: [String] = []
    /// Single strings are keywords rather than text (the benchmark contract's typing by JSON value).
    private let stringsAsKeywords: Bool
    /// Keep a field's first type when a later document disagrees, rather than fail.
    private let keepingFirstType: Bool

    package init(stringsAsKeywords: Bool = false, keepingFirstType: Bool = false) {
        self.stringsAsKeywords = stringsAsKeywords
        self.keepingFirstType = keepingFirstType
    }

    /// Takes one document's fields; `location` (e.g. `file:line`) names it in errors.
    package mutating func observe(_ fields: [JSONField], at location: String) throws(SaigaError) {
        for field in fields {
            guard var kind = try SchemaInference.kind(of: field, at: location) else { continue }
            if stringsAsKeywords && (kind == .text || kind == .date) && !SchemaInference.builtin.contains(field.key) {
                kind = .keyword
            }
            guard let known = kinds[field.key] else {
                guard kinds.count < Schema.maxFields else {
                    throw SaigaError(
                        .limitExceeded,
                        "\(location): field \"\(field.key)\" would be field number "
                            + "\(Schema.maxFields + 1); an index holds at most \(Schema.maxFields) (flattened nested "
                            + "objects count one field per leaf): declare the fields with a schema file")
                }
                kinds[field.key] = (kind, location)
                order.append(field.key)
                continue
            }
            switch (known.kind, kind) {
            case _ where known.kind == kind: break
            case (.integer, .float), (.float, .integer): kinds[field.key] = (.float, known.seenAt)
            case (.date, .text), (.text, .date): kinds[field.key] = (.text, known.seenAt)
            case _ where keepingFirstType: break
            default:
                throw SaigaError(
                    .invalidDocument,
                    "field \"\(field.key)\" is \(SchemaInference.describe(known.kind)) "
                        + "at \(known.seenAt) and \(SchemaInference.describe(kind)) at \(location): declare it in a schema "
                        + "file")
            }
        }
    }

    /// The inferred schema: `id`, `title` and `body` first when present, then the fields in the order first seen.
    package func schema() throws(SaigaError) -> Schema {
        let leading = ["id", "title", "body", "contents"].filter { kinds[$0] != nil }
        let keys = leading + order.filter { !leading.contains($0) }
        return try Schema(keys.map { key in Schema.Field(key, kinds[key]!.kind.fieldType) })
    }

    private static let builtin: Set<String> = ["id", "title", "body", "contents"]

    private static func kind(of field: JSONField, at location: String) throws(SaigaError) -> Kind? {
        var kind: Kind?
        for value in field.values {
            let k: Kind
            switch value {
            case .null, .composite: continue
            case .bool: k = .boolean
            case .string(let text): k = field.isArray ? .keyword : DateValue(parsing: text) != nil ? .date : .text
            case .number(let text): k = Int64(text) != nil ? .integer : .float
            }
            switch (kind, k) {
            case (nil, _): kind = k
            case (.integer?, .float), (.float?, .integer): kind = .float
            case (.date?, .text), (.text?, .date): kind = .text
            case _ where kind == k: break
            default:
                throw SaigaError(
                    .invalidDocument,
                    "\(location): field \"\(field.key)\" mixes "
                        + "\(plural(kind!)) and \(plural(k)) in one array")
            }
        }
        switch field.key {
        case "id": return kind == nil ? nil : .keyword
        case "title", "body", "contents": return kind == nil ? nil : .text
        default: return kind
        }
    }

    private static func plural(_ kind: Kind) -> String {
        switch kind {
        case .text, .keyword, .date: return "strings"
        case .integer: return "integers"
        case .float: return "numbers"
        case .boolean: return "booleans"
        }
    }

    private static func describe(_ kind: Kind) -> String {
        switch kind {
        case .text: return "a string (text)"
        case .keyword: return "an array of strings (keyword)"
        case .integer: return "an integer"
        case .float: return "a number"
        case .boolean: return "a boolean"
        case .date: return "a date string"
        }
    }

    /// The schema inferred from every line of JSON lines files (plain or gzip); blank lines are skipped. A line
    /// that is not one JSON object is an `.invalidDocument` error naming the file and line, or, with
    /// `skippingMalformedLines`, says nothing, as an unreadable file does (the indexing pass reports them). With
    /// `keepingFirstType`, a field whose documents disagree keeps its first type (the indexing pass skips the
    /// others).
    /// `stringsAsKeywords` types single strings as keywords; `maxLines` stops after that many lines of each file.
    package static func infer(
        files: [String], skippingMalformedLines: Bool = false, keepingFirstType: Bool = false,
        stringsAsKeywords: Bool = false, maxLines: Int = .max
    ) throws -> Schema {
        var inference = SchemaInference(stringsAsKeywords: stringsAsKeywords, keepingFirstType: keepingFirstType)
        var parser = JSONObjectParser()
        for path in files {
            do {
                let reader = try LineReader(path: path)
                try reader.forEachLine { line, number in
                    if number > maxLines { return false }
                    if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return true }
                    let fields: [JSONField]
                    do { fields = try parser.parseFlattened(line) } catch {
                        if skippingMalformedLines { return true }
                        throw SaigaError(.invalidDocument, "\(path):\(number): \(error)")
                    }
                    try inference.observe(fields, at: "\(path):\(number)")
                    return true
                }
            } catch let e as SaigaError {
                throw e
            } catch {
                // An unreadable file (missing, damaged gzip): the indexing pass reports it.
                if !skippingMalformedLines { throw error }
            }
        }
        return try inference.schema()
    }
}
