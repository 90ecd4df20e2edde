/// A document to index: a unique id, a title, a body, and any number of other fields.
///
/// `title` and `body` are analyzed and searchable (`title:` and `body:` in queries, both by default); all fields,
/// the id included, are stored and returned with hits. What the other fields are depends on the index's `Schema`:
/// a field the schema declares is kept as its type says (searchable text, a keyword, a number or a date, with a
/// column for sorting and facets); an undeclared field is stored only, or refused by a writer given a schema. A field may appear several times
/// (a multi-valued field, a JSON array).
public struct Document: Sendable, Hashable, Codable {
    /// Unique within an index; at most `Document.maxIDBytes` bytes of UTF-8, not empty.
    public var id: String
    public var title: String
    public var body: String
    /// The other fields, kept in this order; a name may repeat (several values). Names must not be `id`, `title`
    /// or `body`.
    public var fields: [Field]

    /// One value of a field.
    public struct Field: Sendable, Hashable, Codable {
        public var name: String
        public var value: FieldValue
        /// A string value: text or a keyword (or a date in RFC 3339, for a date field), as the schema says.
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = .string(value)
        }
        public init(_ name: String, _ value: FieldValue) {
            self.name = name
            self.value = value
        }
    }

    /// Longest accepted id, in UTF-8 bytes.
    public static let maxIDBytes = 1024
    /// Longest accepted title, in UTF-8 bytes (a hit carries its title; longer text belongs in the body).
    public static let maxTitleBytes = 4096
    /// Longest extra field name, in UTF-8 bytes.
    public static let maxFieldNameBytes = 255

    public init(id: String, title: String = "", body: String, fields: [Field] = []) {
        self.id = id
        self.title = title
        self.body = body
        self.fields = fields
    }

    /// The value of a field by name (`id`, `title`, `body` or another field: its first value, as text).
    public subscript(field name: String) -> String? {
        switch name {
        case BuiltinFields.idName: return id
        case BuiltinFields.titleName: return title
        case BuiltinFields.bodyName: return body
        default: return fields.first { $0.name == name }?.value.description
        }
    }

    /// Every value of a field other than `id`, `title` and `body`, in order.
    public func values(of name: String) -> [FieldValue] { fields.filter { $0.name == name }.map(\.value) }
}
