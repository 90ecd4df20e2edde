/// What an index does with a field.
@usableFromInline
struct FieldFlags: OptionSet, Sendable, Hashable {
    @usableFromInline var rawValue: UInt8
    @inlinable init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Terms of the field are in the term dictionary.
    static let indexed = FieldFlags(rawValue: 1)
    /// Postings carry term frequencies and positions (text fields); without it, documents only (the id).
    static let positions = FieldFlags(rawValue: 2)
    /// One length-norm byte per document.
    static let norms = FieldFlags(rawValue: 4)
    /// The value is kept in the document store.
    static let stored = FieldFlags(rawValue: 8)
    /// The value goes through the analyzer (otherwise the whole value is one term).
    static let tokenized = FieldFlags(rawValue: 16)
    /// Each document's values are in a column of the `.cols` file (a keyword or a numeric column).
    static let column = FieldFlags(rawValue: 32)
    /// A numeric field's values are in a point index of the `.cols` file (range queries).
    static let points = FieldFlags(rawValue: 64)

    static let all: FieldFlags = [.indexed, .positions, .norms, .stored, .tokenized]
}

/// A field of a segment: number, name, flags, and the statistics BM25 needs.
@usableFromInline
struct FieldInfo: Sendable, Hashable {
    @usableFromInline var number: Int
    @usableFromInline var name: String
    @usableFromInline var flags: FieldFlags
    /// Documents with at least one token in the field (Lucene's docCount, BM25's N).
    @usableFromInline var docCount: Int = 0
    /// Tokens in the field over all documents (for the average field length).
    @usableFromInline var sumTotalTermFreq: Int = 0
    /// Postings in the field (Σ df).
    @usableFromInline var sumDocFreq: Int = 0
    /// Distinct terms in the field.
    @usableFromInline var termCount: Int = 0
}

/// The three fields every schema starts with (`Schema.default`), at fixed numbers: the id (kept in the `.ids` file),
/// the title and the body. The schema's own fields follow from number 3 (`FieldLayout`).
@usableFromInline
enum BuiltinFields {
    static let idField = 0
    static let titleField = 1
    static let bodyField = 2
    /// Distinct undeclared field names an index with the default schema may hold: every segment numbers its fields
    /// in one byte, and a merge of any segments must still fit (`DocumentValidator.maxExtraFields`).
    static let maxExtraFields = 256 - 3

    static let idName = "id"
    static let titleName = "title"
    static let bodyName = "body"
}

extension [FieldInfo] {
    /// Per field number (0...255), whether the field has that flag: the tables that readers and writers index by
    /// the field byte of a term key.
    func byNumber(_ has: (FieldInfo) -> Bool) -> [Bool] {
        var table = [Bool](repeating: false, count: 256)
        for f in self where has(f) { table[f.number] = true }
        return table
    }
}
