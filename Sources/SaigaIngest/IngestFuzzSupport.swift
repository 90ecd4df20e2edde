import Saiga

/// Entry points of the input layer for the fuzz targets (`Tests/Fuzz`) and their replay in `swift test`: arbitrary
/// bytes must never crash, hang or touch memory they do not own. The engine's own targets are in `FuzzSupport`.
package enum IngestFuzzSupport {
    /// The JSON line parser, the document it makes and the flattening for typed fields, on any bytes.
    package static func jsonLine(_ data: UnsafeRawBufferPointer) {
        var parser = JSONObjectParser()
        _ = try? parser.parse(data)
        // The flattening for typed fields, and the document made of it.
        if let fields = try? parser.parseFlattened(data) { _ = CorpusReader.document(from: fields) }
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
