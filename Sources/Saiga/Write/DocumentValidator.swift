/// Checks documents before the writer does anything with them, so that a refused document leaves the writer
/// unchanged and a caller may skip it and go on, and normalizes their values for the schema (a date string becomes a
/// `DateValue`, an integer in a float field a float, a keyword is lower-cased if its field says so).
///
/// A writer opened without a schema of its own stores the fields the index's schema does not declare (as before
/// schemas); their names are capped so that the schema's fields and them fit in a segment's one-byte field numbers,
/// in any segment and any merge of segments. A writer given a schema refuses a field it does not declare.
struct DocumentValidator {
    /// Largest document accepted, in UTF-8 bytes of id, title, body and extra fields.
    let maxDocumentBytes: Int
    let layout: FieldLayout
    private var extraFieldNames = Set<String>()
    /// Most values one field of one document may have.
    static let maxValuesPerField = 10_000

    /// - Parameter existingSegments: the index's segments when the writer opened (their extra field names count).
    init(options: IndexWriterOptions, layout: FieldLayout, existingSegments: [SegmentInfo]) {
        maxDocumentBytes = DocumentValidator.maxDocumentBytes(options)
        self.layout = layout
        for s in existingSegments {
            for f in s.fields where f.number >= layout.fields.count && layout.number(of: f.name) == nil {
                extraFieldNames.insert(f.name)
            }
        }
    }

    /// Distinct undeclared field names one index may hold besides its schema's fields.
    var maxExtraFields: Int { 256 - layout.fields.count }

    /// `IndexWriterOptions.maxDocumentBytes`, or its default: a quarter of the RAM budget, 1 MiB to 64 MiB (and
    /// never more than 512 MiB).
    static func maxDocumentBytes(_ options: IndexWriterOptions) -> Int {
        min(options.maxDocumentBytes ?? max(1 << 20, min(64 << 20, (options.ramBudgetMB << 20) / 4)), 512 << 20)
    }

    /// The document with its values normalized for their fields. Throws `.invalidDocument` for an empty or
    /// oversized id, an oversized title or document, a reserved or malformed field name, a field the schema does not
    /// declare (unless it is the default schema), a value its field's type does not take, too many values in one
    /// field, or one extra field name too many for the index.
    func validate(_ document: Document) throws(SaigaError) -> Document {
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
        for f in document.fields {
            size += f.name.utf8.count
            if case .string(let v) = f.value { size += v.utf8.count } else { size += 8 }
        }
        guard size <= maxDocumentBytes else {
            throw SaigaError(
                .invalidDocument,
                "document \"\(document.id)\" is \(size) bytes; the limit is "
                    + "\(maxDocumentBytes) (IndexWriterOptions.maxDocumentBytes, a quarter of the RAM budget by default)"
            )
        }
        var newNames = Set<String>()
        var normalized = document
        var valueCounts: [Int: Int] = [:]
        for (i, f) in document.fields.enumerated() {
            guard
                f.name != BuiltinFields.idName && f.name != BuiltinFields.titleName && f.name != BuiltinFields.bodyName
            else {
                throw SaigaError(
                    .invalidDocument,
                    "field name \"\(f.name)\" is reserved: set Document.\(f.name) instead")
            }
            if let number = layout.number(of: f.name) {
                do {
                    normalized.fields[i].value = try layout.schema.fields[number].normalize(f.value)
                } catch {
                    throw SaigaError(.invalidDocument, "document \"\(document.id)\": \(error.message)")
                }
                valueCounts[number, default: 0] += 1
                if valueCounts[number]! > DocumentValidator.maxValuesPerField {
                    throw SaigaError(
                        .invalidDocument,
                        "document \"\(document.id)\": field \"\(f.name)\" has more than "
                            + "\(DocumentValidator.maxValuesPerField) values")
                }
                continue
            }
            guard layout.acceptsUndeclaredFields else {
                throw SaigaError(
                    .invalidDocument,
                    "document \"\(document.id)\": field \"\(f.name)\" is not in the index's schema "
                        + "(add it to the schema first)")
            }
            guard !f.name.isEmpty, f.name.utf8.count <= Document.maxFieldNameBytes else {
                throw SaigaError(.invalidDocument, "extra field name must be 1 to \(Document.maxFieldNameBytes) bytes")
            }
            // Undeclared fields are stored as text.
            normalized.fields[i].value = .string(f.value.description)
            if !extraFieldNames.contains(f.name) { newNames.insert(f.name) }
        }
        if !newNames.isEmpty && extraFieldNames.count + newNames.count > maxExtraFields {
            throw SaigaError(
                .invalidDocument,
                "document \"\(document.id)\" would bring the index to "
                    + "\(extraFieldNames.count + newNames.count) distinct extra field names (\"\(newNames.sorted()[0])\" …); "
                    + "an index holds at most \(maxExtraFields)")
        }
        return normalized
    }

    /// Records an accepted document's extra field names.
    mutating func accepted(_ document: Document) {
        for f in document.fields where layout.number(of: f.name) == nil { extraFieldNames.insert(f.name) }
    }
}
