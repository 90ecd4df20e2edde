/// How a segment lays out the fields of a schema: the field numbers, and for each field its `FieldInfo` flags (what
/// goes into the term dictionary, the norms, the document store and the `.cols` file). Flushes and merges build
/// segments from it; readers take the same facts from each segment's own `FieldInfo` table.
///
/// A field's number is its position in the schema. Schemas only grow by appending fields, so a number never changes
/// meaning within an index: `id`, `title` and `body` are 0, 1 and 2 in every index (`BuiltinFields`), and a term
/// key's first byte names the same field in every segment. Stored-only fields (not declared, accepted when the writer
/// was opened without a schema of its own) are numbered after the schema's fields, per segment, and matched by name.
struct FieldLayout: Sendable {
    let schema: Schema
    /// One per schema field, in schema order (`fields[n].number == n`).
    let fields: [FieldInfo]
    private let numbers: [String: Int]
    /// True when fields the schema does not declare are stored only, as before schemas (a writer opened without a
    /// schema of its own); false: they are errors.
    let acceptsUndeclaredFields: Bool

    init(schema: Schema, positions: Bool, storeText: Bool, acceptsUndeclaredFields: Bool = false) {
        self.schema = schema
        var fields: [FieldInfo] = []
        var numbers: [String: Int] = [:]
        for (n, f) in schema.fields.enumerated() {
            numbers[f.name] = n
            fields.append(
                FieldInfo(
                    number: n, name: f.name, flags: FieldLayout.flags(f, positions: positions, storeText: storeText)))
        }
        self.fields = fields
        self.numbers = numbers
        self.acceptsUndeclaredFields = acceptsUndeclaredFields || schema == .default
    }

    static func flags(_ f: Schema.Field, positions: Bool, storeText: Bool) -> FieldFlags {
        if f.name == BuiltinFields.idName { return [.indexed, .stored] }
        var flags: FieldFlags = []
        switch f.type {
        case .text:
            if f.indexed {
                flags.formUnion([.indexed, .norms, .tokenized])
                if positions && f.positions { flags.insert(.positions) }
            }
            if f.stored && storeText { flags.insert(.stored) }
        case .keyword:
            if f.indexed { flags.insert(.indexed) }
            if f.stored { flags.insert(.stored) }
            if f.column { flags.insert(.column) }
        case .integer, .float, .date, .boolean:
            if f.indexed { flags.insert(.points) }
            if f.stored { flags.insert(.stored) }
            if f.column { flags.insert(.column) }
        }
        return flags
    }

    /// The number of a declared field.
    func number(of name: String) -> Int? { numbers[name] }

    /// The declared text fields that are indexed, in number order: those with a norm byte per document.
    var normFields: [Int] { fields.filter { $0.flags.contains(.norms) }.map(\.number) }
}
