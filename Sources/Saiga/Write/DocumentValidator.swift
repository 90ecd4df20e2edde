/// Checks documents before the writer does anything with them, so that a refused document leaves the writer
/// unchanged and a caller may skip it and go on. Remembers the index's extra (stored-only) field names: they are
/// capped at `BuiltinFields.maxExtraFields` per index, so that no segment, and no merge of segments, ever needs more field
/// numbers than a segment has.
struct DocumentValidator {
    /// Largest document accepted, in UTF-8 bytes of id, title, body and extra fields.
    let maxDocumentBytes: Int
    private var extraFieldNames = Set<String>()

    /// - Parameter existingSegments: the index's segments when the writer opened (their extra field names count).
    init(options: IndexWriterOptions, existingSegments: [SegmentInfo]) {
        maxDocumentBytes = DocumentValidator.maxDocumentBytes(options)
        for s in existingSegments {
            for f in s.fields where f.number >= BuiltinFields.firstStoredOnlyField { extraFieldNames.insert(f.name) }
        }
    }

    /// `IndexWriterOptions.maxDocumentBytes`, or its default: a quarter of the RAM budget, 1 MiB to 64 MiB (and
    /// never more than 512 MiB).
    static func maxDocumentBytes(_ options: IndexWriterOptions) -> Int {
        min(options.maxDocumentBytes ?? max(1 << 20, min(64 << 20, (options.ramBudgetMB << 20) / 4)), 512 << 20)
    }

    /// Throws `.invalidDocument` for an empty or oversized id, an oversized title or document, a reserved or
    /// malformed extra field name, or one extra field name too many for the index.
    func validate(_ document: Document) throws(SaigaError) {
        let idBytes = document.id.utf8.count
        guard idBytes > 0 else { throw SaigaError(.invalidDocument, "document id is empty") }
        guard idBytes <= Document.maxIDBytes else {
            throw SaigaError(.invalidDocument, "document id is \(idBytes) bytes; the limit is \(Document.maxIDBytes)")
        }
        let titleBytes = document.title.utf8.count
        guard titleBytes <= Document.maxTitleBytes else {
            throw SaigaError(.invalidDocument, "title is \(titleBytes) bytes; the limit is \(Document.maxTitleBytes)")
        }
        var size = idBytes + titleBytes + document.body.utf8.count
        for f in document.fields { size += f.name.utf8.count + f.value.utf8.count }
        guard size <= maxDocumentBytes else {
            throw SaigaError(
                .invalidDocument,
                "document \"\(document.id)\" is \(size) bytes; the limit is "
                    + "\(maxDocumentBytes) (IndexWriterOptions.maxDocumentBytes, a quarter of the RAM budget by default)"
            )
        }
        var newNames = Set<String>()
        for f in document.fields {
            guard
                f.name != BuiltinFields.idName && f.name != BuiltinFields.titleName && f.name != BuiltinFields.bodyName
            else {
                throw SaigaError(.invalidDocument, "extra field name \"\(f.name)\" is reserved")
            }
            guard !f.name.isEmpty, f.name.utf8.count <= Document.maxFieldNameBytes else {
                throw SaigaError(.invalidDocument, "extra field name must be 1 to \(Document.maxFieldNameBytes) bytes")
            }
            if !extraFieldNames.contains(f.name) { newNames.insert(f.name) }
        }
        if !newNames.isEmpty && extraFieldNames.count + newNames.count > BuiltinFields.maxExtraFields {
            throw SaigaError(
                .invalidDocument,
                "document \"\(document.id)\" would bring the index to "
                    + "\(extraFieldNames.count + newNames.count) distinct extra field names (\"\(newNames.sorted()[0])\" …); "
                    + "an index holds at most \(BuiltinFields.maxExtraFields)")
        }
    }

    /// Records an accepted document's extra field names.
    mutating func accepted(_ document: Document) {
        for f in document.fields { extraFieldNames.insert(f.name) }
    }
}
