/// A column of one string per document: the `.ids` file of a segment (every document's external id, both ways)
/// and the `.titles` file (every document's title, so that a hit's title needs no decompression of the store).
///
///     blocks          values in document order, 16 per block, front-coded against the previous value of the
///                     block: per value one byte of nibbles (shared prefix, suffix length; 15 escapes to a VInt) and
///                     the suffix bytes
///     block offsets   u32 per block, from the end of the header
///     permutation     ids only: u32 per document, document numbers sorted by id bytes (id → document by binary
///                     search); empty in `.titles`
///     trailer         u64 offset of the block offsets, u64 offset of the permutation
///
/// Ids in a news or dictionary corpus share long prefixes with their neighbours, so this takes a few bytes per
/// id; reading one decodes at most 16 entries.
enum IdStore {
    static let blockSize = 16

    /// Writes the values (`bytes[offsets[d] ..< offsets[d + 1]]` for document d); with `lookup`, the permutation
    /// that finds a document by its value (ids).
    static func write(bytes: [UInt8], offsets: [UInt32], lookup: Bool = true, to out: OutputFile) throws(SaigaError) {
        let count = offsets.count - 1
        func id(_ d: Int) -> ArraySlice<UInt8> { bytes[Int(offsets[d])..<Int(offsets[d + 1])] }
        var blockOffsets = ByteWriter(capacity: (count / blockSize + 1) * 4)
        var block = ByteWriter(capacity: 1024)
        var written = 0
        var d = 0
        while d < count {
            block.removeAll()
            var previous: ArraySlice<UInt8> = []
            for k in d..<min(d + blockSize, count) {
                let current = id(k)
                var shared = 0
                let limit = min(previous.count, current.count)
                while shared < limit && previous[previous.startIndex + shared] == current[current.startIndex + shared] {
                    shared += 1
                }
                TermDictionaryWriter.writeLengths(shared: shared, suffix: current.count - shared, into: &block)
                block.write(current.dropFirst(shared))
                previous = current
            }
            guard written <= Int(UInt32.max) else {
                throw SaigaError(.limitExceeded, "\(lookup ? "ids" : "titles") of one segment exceed 4 GiB")
            }
            blockOffsets.writeU32(UInt32(written))
            try out.write(block)
            written += block.count
            d += blockSize
        }
        let blockOffsetsStart = out.position
        try out.write(blockOffsets)
        let permutationStart = out.position
        if lookup {
            // Documents ordered by id bytes: by the first 16 bytes as two big-endian integers (zero-padded, so
            // integer order is byte order), and by the whole id only where those tie. Comparing slices throughout
            // took 7% of indexing.
            var keyed: [(high: UInt64, low: UInt64, doc: UInt32)] = []
            keyed.reserveCapacity(count)
            for d in 0..<count {
                var high: UInt64 = 0, low: UInt64 = 0
                for (i, b) in id(d).prefix(16).enumerated() {
                    if i < 8 { high |= UInt64(b) << (56 &- 8 &* UInt64(i)) } else { low |= UInt64(b) << (120 &- 8 &* UInt64(i)) }
                }
                keyed.append((high, low, UInt32(d)))
            }
            keyed.sort { a, b in
                if a.high != b.high { return a.high < b.high }
                if a.low != b.low { return a.low < b.low }
                return id(Int(a.doc)).lexicographicallyPrecedes(id(Int(b.doc)))
            }
            var perm = ByteWriter(capacity: count * 4)
            for k in keyed { perm.writeU32(k.doc) }
            try out.write(perm)
        }
        try out.writeU64(UInt64(blockOffsetsStart))
        try out.writeU64(UInt64(permutationStart))
    }
}

/// Reads a segment's `.ids` file (`lookup`: with its permutation) or `.titles` file.
final class IdStoreReader: @unchecked Sendable {  // immutable after init
    let file: MappedFile
    let maxDoc: Int
    private let blockOffsets: Int
    private let permutation: Int

    init(file: MappedFile, maxDoc: Int, lookup: Bool = true) throws(SaigaError) {
        self.file = file
        self.maxDoc = maxDoc
        let body = FileFooter.body(file.bytes)
        guard body.count >= 16 else { throw .corrupt(file.path, "id store is truncated") }
        var c = ByteCursor(base: file.bytes.baseAddress!, start: body.upperBound - 16, end: body.upperBound)
        let blocks = (maxDoc + IdStore.blockSize - 1) / IdStore.blockSize
        do {
            blockOffsets = Int(truncatingIfNeeded: try c.readU64())
            permutation = Int(truncatingIfNeeded: try c.readU64())
        } catch { throw .corrupt(file.path, "id store trailer unreadable") }
        guard blockOffsets >= body.lowerBound, permutation == blockOffsets + 4 * blocks,
              permutation + (lookup ? 4 * maxDoc : 0) == body.upperBound - 16
        else { throw .corrupt(file.path, "\(lookup ? "id store" : "title column") sections are inconsistent") }
    }

    /// The value of `doc` (a title: any length), as a string; damaged bytes or invalid UTF-8 are `corruptIndex`.
    func value(_ doc: Int) throws(SaigaError) -> String {
        guard doc >= 0 && doc < maxDoc else { throw SaigaError(.invalidArgument, "document \(doc) out of range") }
        let base = file.bytes.baseAddress!
        let block = doc / IdStore.blockSize
        let start = FileHeader.size + Int(UInt32(littleEndian: base.loadUnaligned(
            fromByteOffset: blockOffsets + 4 * block, as: UInt32.self)))
        guard start >= FileHeader.size, start < blockOffsets else { throw .corrupt(file.path, "block offset out of range") }
        var c = ByteCursor(base: base, start: start, end: blockOffsets)
        var value: [UInt8] = []
        do throws(DecodeError) {
            for _ in 0...(doc % IdStore.blockSize) {
                let lengths = try c.readU8()
                var shared = Int(lengths >> 4), suffix = Int(lengths & 15)
                if shared == 15 { shared += Int(try c.readVInt32()) }
                if suffix == 15 { suffix += Int(try c.readVInt32()) }
                guard shared <= value.count else { throw DecodeError(offset: c.position, reason: "shared prefix too long") }
                let bytes = try c.readBytes(suffix)
                value.removeSubrange(shared...)
                value.append(contentsOf: bytes)
            }
        } catch { throw .corrupt(file.path, "block of document \(doc) is unreadable") }
        guard let s = String(validating: value, as: UTF8.self) else {
            throw .corrupt(file.path, "value of document \(doc) is not valid UTF-8")
        }
        return s
    }

    /// Calls `body` with the id bytes of `doc` (valid during the call).
    func withID<R>(_ doc: Int, _ body: (UnsafeRawBufferPointer) -> R) throws(SaigaError) -> R {
        guard doc >= 0 && doc < maxDoc else { throw SaigaError(.invalidArgument, "document \(doc) out of range") }
        let base = file.bytes.baseAddress!
        let block = doc / IdStore.blockSize
        let start = FileHeader.size + Int(UInt32(littleEndian: base.loadUnaligned(
            fromByteOffset: blockOffsets + 4 * block, as: UInt32.self)))
        guard start >= FileHeader.size, start < blockOffsets else { throw .corrupt(file.path, "id block offset out of range") }
        var c = ByteCursor(base: base, start: start, end: blockOffsets)
        let result: R? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Document.maxIDBytes) { key in
            var length = 0
            do throws(DecodeError) {
                for _ in 0...(doc % IdStore.blockSize) {
                    let lengths = try c.readU8()
                    var shared = Int(lengths >> 4), suffix = Int(lengths & 15)
                    if shared == 15 { shared += Int(try c.readVInt32()) }
                    if suffix == 15 { suffix += Int(try c.readVInt32()) }
                    guard shared <= length, shared + suffix <= key.count else { return nil }
                    let bytes = try c.readBytes(suffix)
                    if suffix > 0 {
                        UnsafeMutableRawPointer(key.baseAddress! + shared).copyMemory(from: bytes.baseAddress!, byteCount: suffix)
                    }
                    length = shared + suffix
                }
            } catch { return nil }
            return body(UnsafeRawBufferPointer(start: key.baseAddress!, count: length))
        }
        guard let result else { throw .corrupt(file.path, "id block of document \(doc) is unreadable") }
        return result
    }

    func id(_ doc: Int) throws(SaigaError) -> String {
        let s: String? = try withID(doc) { String(validating: $0, as: UTF8.self) }
        guard let s else { throw .corrupt(file.path, "id of document \(doc) is not valid UTF-8") }
        return s
    }

    /// The document with this id, by binary search over the id-ordered permutation.
    func lookup(_ id: UnsafeRawBufferPointer) throws(SaigaError) -> Int? {
        let base = file.bytes.baseAddress!
        var lo = 0, hi = maxDoc
        while lo < hi {
            let mid = (lo + hi) / 2
            let doc = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: permutation + 4 * mid, as: UInt32.self)))
            guard doc < maxDoc else { throw .corrupt(file.path, "id permutation holds document \(doc)") }
            let c = try withID(doc) { compareBytes($0, id) }
            if c == 0 { return doc }
            if c < 0 { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }
}
