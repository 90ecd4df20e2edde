/// Reads documents from a segment's `.store` file: binary search of the block index, one zlib decompression.
final class StoredFieldsReader: @unchecked Sendable {  // immutable after init
    let file: MappedFile
    private let indexOffset: Int
    private let blockCount: Int
    private let maxDoc: Int

    init(file: MappedFile, maxDoc: Int) throws(SaigaError) {
        self.file = file
        self.maxDoc = maxDoc
        let body = FileFooter.body(file.bytes)
        guard body.count >= 12 else { throw .corrupt(file.path, "document store is truncated") }
        try file.check((body.upperBound - 12)..<body.upperBound)
        var c = ByteCursor(base: file.bytes.baseAddress!, start: body.upperBound - 12, end: body.upperBound)
        do {
            indexOffset = Int(truncatingIfNeeded: try c.readU64())
            blockCount = Int(try c.readU32())
        } catch { throw .corrupt(file.path, "document store trailer unreadable") }
        // The offset is bounded first (read from possibly damaged bytes: the sum below must not overflow).
        guard indexOffset >= body.lowerBound, indexOffset <= body.upperBound - 12,
            indexOffset + blockCount * 12 == body.upperBound - 12
        else {
            throw .corrupt(file.path, "document store index is inconsistent", offset: body.upperBound - 12)
        }
        guard (blockCount == 0) == (maxDoc == 0) else { throw .corrupt(file.path, "document store has no blocks") }
    }

    private func blockFirstDoc(_ i: Int) -> Int {
        Int(
            UInt32(
                littleEndian: file.bytes.baseAddress!.loadUnaligned(
                    fromByteOffset: indexOffset + i * 12, as: UInt32.self)))
    }

    private func blockOffset(_ i: Int) -> Int {
        Int(
            truncatingIfNeeded: UInt64(
                littleEndian: file.bytes.baseAddress!.loadUnaligned(
                    fromByteOffset: indexOffset + i * 12 + 4, as: UInt64.self)))
    }

    /// The stored fields of `doc` as (field number, value) pairs.
    func document(_ doc: Int) throws(SaigaError) -> [(Int, String)] {
        guard doc >= 0 && doc < maxDoc else { throw SaigaError(.invalidArgument, "document \(doc) out of range") }
        try checkIndex()
        // Last block whose first doc ≤ doc.
        var lo = 0
        var hi = blockCount
        while lo < hi {
            let mid = (lo + hi) >> 1
            if blockFirstDoc(mid) <= doc { lo = mid + 1 } else { hi = mid }
        }
        let block = lo - 1
        guard block >= 0 else { throw .corrupt(file.path, "document store index does not cover doc \(doc)") }
        var found: [(Int, String)]?
        try decodeBlock(block) { d, fields in
            if d == doc { found = fields }
            return d < doc
        }
        guard let found else { throw .corrupt(file.path, "document store block does not hold document \(doc)") }
        return found
    }

    /// Every document in order, decompressing each block once (merging, checking, exporting).
    func forEachDocument(_ body: (Int, [(Int, String)]) throws(SaigaError) -> Void) throws(SaigaError) {
        try checkIndex()
        var expected = 0
        for block in 0..<blockCount {
            guard blockFirstDoc(block) == expected else {
                throw .corrupt(
                    file.path,
                    "document store block \(block) starts at document \(blockFirstDoc(block)), expected \(expected)",
                    offset: indexOffset + block * 12)
            }
            try decodeBlock(block) { (d: Int, fields: [(Int, String)]) throws(SaigaError) -> Bool in
                try body(d, fields)
                expected = d + 1
                return true
            }
        }
        guard expected == maxDoc else {
            throw .corrupt(file.path, "document store holds \(expected) documents, not \(maxDoc)")
        }
    }

    /// Verifies the block index (binary searches read it directly from the mapping), once.
    private func checkIndex() throws(SaigaError) {
        try indexVerified.check(file, indexOffset..<(indexOffset + blockCount * 12))
    }

    private let indexVerified = VerifiedOnce()

    /// Decompresses block `block` and calls `visit(doc, fields)` for its documents in order until it returns false.
    private func decodeBlock(
        _ block: Int, _ visit: (Int, [(Int, String)]) throws(SaigaError) -> Bool
    ) throws(SaigaError) {
        let first = blockFirstDoc(block)
        let start = blockOffset(block)
        let end = block + 1 < blockCount ? blockOffset(block + 1) : indexOffset
        guard start >= FileHeader.size, start < end, end <= indexOffset else {
            throw .corrupt(file.path, "document store block offset out of range", offset: indexOffset + block * 12)
        }
        try file.check(start..<end)
        var c = ByteCursor(base: file.bytes.baseAddress!, start: start, end: end)
        let docsInBlock: Int
        let rawLength: Int
        let compressed: UnsafeRawBufferPointer
        do {
            docsInBlock = Int(try c.readVInt32())  // a count of documents, not bounded by this header's bytes
            rawLength = Int(try c.readVInt32())
            compressed = try c.readLengthPrefixedBytes()
        } catch {
            throw .corrupt(file.path, "document store: \(error.reason)", offset: error.offset)
        }
        guard docsInBlock >= 1, first + docsInBlock <= maxDoc, rawLength <= 1 << 30 else {
            throw SaigaError.corrupt(file.path, "document store block header is inconsistent", offset: start)
        }
        var raw = [UInt8](repeating: 0, count: rawLength)
        let ok = raw.withUnsafeMutableBytes {
            Deflate.decompress(
                compressed, expectedSize: rawLength, into: $0.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 16)!)
        }
        guard ok else { throw SaigaError.corrupt(file.path, "document store block does not decompress", offset: start) }
        let path = file.path
        let decoded: Result<Void, SaigaError> = raw.withUnsafeBytes { rb in
            var r = ByteCursor(rb)
            do throws(SaigaError) {
                for i in 0..<docsInBlock {
                    var fields: [(Int, String)] = []
                    do throws(DecodeError) {
                        let n = try r.readLength()
                        fields.reserveCapacity(n)
                        for _ in 0..<n {
                            let number = Int(try r.readVInt32())
                            fields.append((number, try r.readString()))
                        }
                    } catch {
                        throw SaigaError.corrupt(path, "stored document \(first + i): \(error.reason)", offset: start)
                    }
                    if try !visit(first + i, fields) { break }
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try decoded.get()
    }
}
