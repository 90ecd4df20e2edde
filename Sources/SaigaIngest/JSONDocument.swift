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
            let fields: [JSONField]
            do { fields = try fieldsOf(UnsafeRawBufferPointer(bytes), parser: &parser) } catch {
                return .failure(JSONDocumentError(message: "malformed JSON: \(error)"))
            }
            switch CorpusReader.document(from: fields) {
            case .success(let d): return .success(d)
            case .failure(let m): return .failure(JSONDocumentError(message: m.text))
            }
        }
    }
}

extension JSONDocument {
    /// The fields of one JSON object. The flat parse is the fast path; an object with arrays or nested objects is
    /// parsed again, flattened (`a.b`, several values).
    static func fieldsOf(
        _ line: UnsafeRawBufferPointer, parser: inout JSONObjectParser
    ) throws(JSONParseError) -> [JSONField] {
        let flat = try parser.parse(line)
        if flat.contains(where: { if case .composite = $0.value { true } else { false } }) {
            return try parser.parseFlattened(line, validated: true)
        }
        return flat.map { JSONField(key: $0.key, values: [$0.value], isArray: false) }
    }
}

/// Why a JSON text is not a document.
package struct JSONDocumentError: Error, Sendable, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}
