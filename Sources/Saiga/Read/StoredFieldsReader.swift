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
        var c = ByteCursor(base: file.bytes.baseAddress!, start: body.upperBound - 12, end: body.upperBound)
        do {
            indexOffset = Int(truncatingIfNeeded: try c.readU64())
            blockCount = Int(try c.readU32())
        } catch { throw .corrupt(file.path, "document store trailer unreadable") }
        guard indexOffset >= body.lowerBound, indexOffset + blockCount * 12 == body.upperBound - 12 else {
            throw .corrupt(file.path, "document store index is inconsistent", offset: body.upperBound - 12)
        }
        guard (blockCount == 0) == (maxDoc == 0) else { throw .corrupt(file.path, "document store has no blocks") }
    }

    private func blockFirstDoc(_ i: Int) -> Int {
        Int(UInt32(littleEndian: file.bytes.baseAddress!.loadUnaligned(fromByteOffset: indexOffset + i * 12, as: UInt32.self)))
    }

    private func blockOffset(_ i: Int) -> Int {
        Int(truncatingIfNeeded: UInt64(littleEndian: file.bytes.baseAddress!.loadUnaligned(
            fromByteOffset: indexOffset + i * 12 + 4, as: UInt64.self)))
    }

    /// The stored fields of `doc` as (field number, value) pairs.
    func document(_ doc: Int) throws(SaigaError) -> [(Int, String)] {
        guard doc >= 0 && doc < maxDoc else { throw SaigaError(.invalidArgument, "document \(doc) out of range") }
        // Last block whose first doc ≤ doc.
        var lo = 0, hi = blockCount
        while lo < hi {
            let mid = (lo + hi) >> 1
            if blockFirstDoc(mid) <= doc { lo = mid + 1 } else { hi = mid }
        }
        let block = lo - 1
        guard block >= 0 else { throw .corrupt(file.path, "document store index does not cover doc \(doc)") }
        let first = blockFirstDoc(block)
        let start = blockOffset(block)
        let end = block + 1 < blockCount ? blockOffset(block + 1) : indexOffset
        guard start >= FileHeader.size, start < end, end <= indexOffset else {
            throw .corrupt(file.path, "document store block offset out of range", offset: indexOffset + block * 12)
        }
        var c = ByteCursor(base: file.bytes.baseAddress!, start: start, end: end)
        do {
            let docsInBlock = Int(try c.readVInt32())  // a count of documents, not bounded by this header's bytes
            let rawLength = Int(try c.readVInt32())
            let compressed = try c.readLengthPrefixedBytes()
            guard doc - first < docsInBlock, rawLength <= 1 << 30 else {
                throw SaigaError.corrupt(file.path, "document store block header is inconsistent", offset: start)
            }
            var raw = [UInt8](repeating: 0, count: rawLength)
            let ok = raw.withUnsafeMutableBytes {
                Deflate.decompress(compressed, expectedSize: rawLength, into: $0.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 16)!)
            }
            guard ok else { throw SaigaError.corrupt(file.path, "document store block does not decompress", offset: start) }
            let decoded: Result<[(Int, String)], SaigaError> = raw.withUnsafeBytes { rb in
                var r = ByteCursor(rb)
                do throws(DecodeError) {
                    for _ in 0..<(doc - first) {
                        let n = try r.readLength()
                        for _ in 0..<n {
                            _ = try r.readVInt()
                            try r.skip(try r.readLength())
                        }
                    }
                    let n = try r.readLength()
                    var fields: [(Int, String)] = []
                    fields.reserveCapacity(n)
                    for _ in 0..<n {
                        let number = Int(try r.readVInt32())
                        fields.append((number, try r.readString()))
                    }
                    return .success(fields)
                } catch {
                    return .failure(.corrupt(file.path, "stored document \(doc): \(error.reason)", offset: start))
                }
            }
            return try decoded.get()
        } catch let e as SaigaError {
            throw e
        } catch let e as DecodeError {
            throw .corrupt(file.path, "document store: \(e.reason)", offset: e.offset)
        } catch {
            throw .corrupt(file.path, "document store unreadable")
        }
    }
}
