import Saiga

/// Entry points of the input layer for the fuzz targets (`Tests/Fuzz`) and their replay in `swift test`: arbitrary
/// bytes must never crash, hang or touch memory they do not own. The engine's own targets are in `FuzzSupport`.
package enum IngestFuzzSupport {
    /// The JSON line parser, the document it makes and the flattening for typed fields, on any bytes.
    package static func jsonLine(_ data: UnsafeRawBufferPointer) {
        var parser = JSONObjectParser()
        guard let fields = try? parser.parse(data) else { return }
        _ = CorpusReader.document(from: fields)
        // The flattening for typed fields reads the same (now validated) text a second time, structure and all.
        _ = try? parser.parseFlattened(data)
        var strict = JSONObjectParser(maxDepth: 8, duplicateKeys: .reject)
        _ = try? strict.parseFlattened(data)
    }

    /// The article splitter (text and Markdown) and the input encoding checks, on any bytes.
    package static func articles(_ data: UnsafeRawBufferPointer) {
        let bytes = Array(data)
        _ = CorpusReader.notUTF8Text(bytes.prefix(4096))
        _ = CorpusReader.firstInvalidUTF8(bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        for article in ArticleSplitter.splitText(text) + ArticleSplitter.splitText(text, split: false) {
            precondition(article.title.count <= ArticleSplitter.maxTitleCharacters + 1, "unbounded title")
        }
        _ = ArticleSplitter.splitMarkdown(text)
    }
}
