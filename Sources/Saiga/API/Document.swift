/// A document to index: a unique id, a title, a body, and any number of extra stored fields.
///
/// `title` and `body` are analyzed and searchable (`title:` and `body:` in queries, both by default); all fields,
/// the id included, are stored and returned with hits.
public struct Document: Sendable, Hashable, Codable {
    /// Unique within an index; at most `Document.maxIDBytes` bytes of UTF-8, not empty.
    public var id: String
    public var title: String
    public var body: String
    /// Extra stored (not searchable) fields, kept in this order. Names must not be `id`, `title` or `body`.
    public var fields: [Field]

    /// A stored field.
    public struct Field: Sendable, Hashable, Codable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
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

    /// The value of a field by name (`id`, `title`, `body` or an extra field).
    public subscript(field name: String) -> String? {
        switch name {
        case BuiltinFields.idName: return id
        case BuiltinFields.titleName: return title
        case BuiltinFields.bodyName: return body
        default: return fields.first { $0.name == name }?.value
        }
    }
}
