import FoundationEssentials
import Saiga
import SaigaIngest
import SaigaPosix

/// Reads `saiga index --schema FILE.json`: the JSON form `saiga schema` prints (`{"fields": [...]}`), decoded by the
/// schema's own `Codable` rules (unknown keys and invalid fields are errors naming them).
enum SchemaFile {
    static func read(_ path: String) throws -> Schema {
        let bytes: [UInt8]
        do { bytes = try Sys.readFile(path, limit: 1 << 20) } catch {
            throw UsageError("--schema \(path): \(error)")
        }
        do {
            return try JSONDecoder().decode(Schema.self, from: Data(bytes))
        } catch let DecodingError.dataCorrupted(context) {
            throw UsageError("--schema \(path): \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, _) {
            throw UsageError("--schema \(path): a field needs \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            throw UsageError(
                "--schema \(path): wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw UsageError("--schema \(path): not a schema (\(error))")
        }
    }

    /// The schema `saiga index` uses for `inputs` when none is given: the article fields for text and Markdown
    /// inputs, and for JSON lines the fields inferred from them (`SchemaInference`; `id`, `title`, `body` and
    /// `contents` are the built-in fields). Fields the index already has keep their declaration. With `skipBad`
    /// (`--skip-bad`), a field whose documents disagree keeps its first type and the others are skipped as bad.
    static func infer(
        corpus: CorpusReader, existing: Schema?, skipBad: Bool
    ) throws -> (schema: Schema, inferred: [Schema.Field]) {
        var fields: [Schema.Field] = []
        if corpus.files.contains(where: { $0.kind != .jsonl }) { fields += CorpusReader.articleSchema.fields }
        let jsonFiles = corpus.files.filter { $0.kind == .jsonl }.map(\.path)
        var inferred: [Schema.Field] = []
        if !jsonFiles.isEmpty {
            let schema = try SchemaInference.infer(
                files: jsonFiles, skippingMalformedLines: true, keepingFirstType: skipBad)
            inferred = schema.fields.filter { !["id", "title", "body", "contents"].contains($0.name) }
            fields += inferred
        }
        // A field the index declares keeps its declaration (a string inferred as text may be a keyword there).
        if let existing { fields.removeAll { existing[$0.name] != nil } }
        var seen = Set<String>()
        fields.removeAll { !seen.insert($0.name).inserted }
        return (try Schema(fields), inferred.filter { existing?[$0.name] == nil })
    }
}
