import Saiga

/// One document given as a JSON object, as a JSONL line of `saiga index` holds it (docs/INGEST.md): what a server
/// receives in a WRITE.
package enum JSONDocument {
    /// The document, or why the text is not one (malformed JSON, no `id`, a `title` that is not a string, ...).
    /// Values keep their JSON types for the schema to check; nested objects flatten to `a.b`, arrays to values.
    package static func parse(_ text: String) -> Result<Document, JSONDocumentError> {
        var text = text
        return text.withUTF8 { bytes -> Result<Document, JSONDocumentError> in
            var parser = JSONObjectParser()
            let line = UnsafeRawBufferPointer(bytes)
            let fields: [JSONField]
            do {
                let flat = try parser.parse(line)
                if flat.contains(where: { if case .composite = $0.value { true } else { false } }) {
                    fields = try parser.parseFlattened(line, validated: true)
                } else {
                    fields = flat.map { JSONField(key: $0.key, values: [$0.value], isArray: false) }
                }
            } catch {
                return .failure(JSONDocumentError(message: "malformed JSON: \(error)"))
            }
            switch CorpusReader.document(from: fields) {
            case .success(let d): return .success(d)
            case .failure(let m): return .failure(JSONDocumentError(message: m.text))
            }
        }
    }
}

/// Why a JSON text is not a document.
package struct JSONDocumentError: Error, Sendable, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}
