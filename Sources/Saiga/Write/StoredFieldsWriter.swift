/// Writes the `.store` file as documents arrive: documents are serialised into a block buffer, and each block of
/// about `blockBytes` is zlib-compressed and appended. At the end, an index of (first doc, offset) per block makes
/// fetching one document a binary search plus one block decompression.
final class StoredFieldsWriter {
    static let blockBytes = 16 * 1024

    private let out: OutputFile
    private let level: Int32
    private var buffer = ByteWriter(capacity: StoredFieldsWriter.blockBytes * 2)
    private var docsInBlock = 0
    private var firstDocOfBlock = 0
    private var nextDoc = 0
    private var index = ByteWriter(capacity: 4096)
    private var blockCount = 0
    /// Uncompressed bytes of stored text (for statistics).
    private(set) var rawBytes = 0

    init(out: OutputFile, compressionLevel: Int32) {
        self.out = out
        self.level = compressionLevel
    }

    /// Adds the next document's stored fields: (field number, UTF-8 value) pairs.
    func add(_ fields: [(Int, String)]) throws(SaigaError) {
        buffer.writeVInt(fields.count)
        for (number, value) in fields {
            buffer.writeVInt(number)
            buffer.writeString(value)
            rawBytes += value.utf8.count
        }
        docsInBlock += 1
        nextDoc += 1
        if buffer.count >= StoredFieldsWriter.blockBytes { try flushBlock() }
    }

    private func flushBlock() throws(SaigaError) {
        guard docsInBlock > 0 else { return }
        index.writeU32(UInt32(firstDocOfBlock))
        index.writeU64(UInt64(out.position))
        guard let compressed = buffer.bytes.withUnsafeBytes({ Deflate.compress($0, level: level) }) else {
            throw SaigaError(
                .io, "zlib could not compress a block of stored documents (out of memory?)", path: out.path)
        }
        var header = ByteWriter(capacity: 16)
        header.writeVInt(docsInBlock)
        header.writeVInt(buffer.count)
        header.writeVInt(compressed.count)
        try out.write(header)
        try out.write(compressed)
        blockCount += 1
        firstDocOfBlock = nextDoc
        docsInBlock = 0
        buffer.removeAll()
    }

    /// Writes the last block, the block index and the trailer (index offset u64, block count u32).
    func finish() throws(SaigaError) {
        try flushBlock()
        let indexOffset = out.position
        try out.write(index)
        var trailer = ByteWriter(capacity: 12)
        trailer.writeU64(UInt64(indexOffset))
        trailer.writeU32(UInt32(blockCount))
        try out.write(trailer)
    }
}
