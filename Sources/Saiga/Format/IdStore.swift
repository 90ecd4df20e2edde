/// The `.ids` file of a segment: every document's external id, both ways, and every document's title (so that a
/// hit's id and title need no decompression of the store). One file, not two: a commit of one document fsyncs
/// every file of its segment, and a file more cost a tenth of the commit rate.
///
///     id blocks             ids in document order, 16 per block, front-coded against the previous id of the
///                           block: per id one byte of nibbles (shared prefix, suffix length; 15 escapes to a VInt)
///                           and the suffix bytes
///     id block offsets      u32 per block, from the end of the header
///     permutation           u32 per document: document numbers sorted by id bytes (id → document by binary search)
///     title blocks          the titles, coded as the ids (empty titles when the index does not store text)
///     title block offsets   u32 per block, from the start of the title blocks
///     trailer               u64 offsets of: the id block offsets, the permutation, the title blocks, the title
///                           block offsets
///
/// Ids in a news or dictionary corpus share long prefixes with their neighbours, so they take a few bytes each;
/// reading an id or a title decodes at most 16 entries.
enum IdStore {
    static let blockSize = 16
    static let trailerSize = 32

    /// Writes ids and titles (`bytes[offsets[d] ..< offsets[d + 1]]` for document d, in each).
    static func write(
        ids: [UInt8], idOffsets: [UInt32], titles: [UInt8], titleOffsets: [UInt32],
        to out: OutputFile
    ) throws(SaigaError) {
        let count = idOffsets.count - 1
        guard titleOffsets.count == idOffsets.count else {
            throw SaigaError(.invalidArgument, "\(titleOffsets.count - 1) titles for \(count) ids")
        }
        func id(_ d: Int) -> ArraySlice<UInt8> { ids[Int(idOffsets[d])..<Int(idOffsets[d + 1])] }
        let idBlockOffsets = try writeColumn(ids, idOffsets, what: "ids", to: out)
        let permutationStart = out.position
        // Documents ordered by id bytes: by the first 16 bytes as two big-endian integers (zero-padded, so integer
        // order is byte order), and by the whole id only where those tie. Comparing slices throughout took 7% of
        // indexing.
        var keyed: [(high: UInt64, low: UInt64, doc: UInt32)] = []
        keyed.reserveCapacity(count)
        for d in 0..<count {
            var high: UInt64 = 0
            var low: UInt64 = 0
            for (i, b) in id(d).prefix(16).enumerated() {
                if i < 8 {
                    high |= UInt64(b) << (56 &- 8 &* UInt64(i))
                } else {
                    low |= UInt64(b) << (120 &- 8 &* UInt64(i))
                }
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
        let titleBlocks = out.position
        let titleBlockOffsets = try writeColumn(titles, titleOffsets, what: "titles", to: out)
        try out.writeU64(UInt64(idBlockOffsets))
        try out.writeU64(UInt64(permutationStart))
        try out.writeU64(UInt64(titleBlocks))
        try out.writeU64(UInt64(titleBlockOffsets))
    }

    /// Writes one column's blocks, then its block offsets (relative to the first block); returns where the block
    /// offsets start.
    private static func writeColumn(
        _ bytes: [UInt8], _ offsets: [UInt32], what: String,
        to out: OutputFile
    ) throws(SaigaError) -> Int {
        let count = offsets.count - 1
        func value(_ d: Int) -> ArraySlice<UInt8> { bytes[Int(offsets[d])..<Int(offsets[d + 1])] }
        var blockOffsets = ByteWriter(capacity: (count / blockSize + 1) * 4)
        var block = ByteWriter(capacity: 1024)
        var written = 0
        var d = 0
        while d < count {
            block.removeAll()
            var previous: ArraySlice<UInt8> = []
            for k in d..<min(d + blockSize, count) {
                let current = value(k)
                var shared = 0
                let limit = min(previous.count, current.count)
                while shared < limit && previous[previous.startIndex + shared] == current[current.startIndex + shared] {
                    shared += 1
                }
                NibblePair(high: shared, low: current.count - shared).write(to: &block)
                block.write(current.dropFirst(shared))
                previous = current
            }
            guard written <= Int(UInt32.max) else {
                throw SaigaError(.limitExceeded, "\(what) of one segment exceed 4 GiB")
            }
            blockOffsets.writeU32(UInt32(written))
            try out.write(block)
            written += block.count
            d += blockSize
        }
        let start = out.position
        try out.write(blockOffsets)
        return start
    }
}

/// Reads a segment's `.ids` file: ids both ways, and titles.
final class IdStoreReader: @unchecked Sendable {  // immutable after init
    let file: MappedFile
    let maxDoc: Int
    private let idBlockOffsets: Int
    private let permutation: Int
    private let titleBlocks: Int
    private let titleBlockOffsets: Int

    init(file: MappedFile, maxDoc: Int) throws(SaigaError) {
        self.file = file
        self.maxDoc = maxDoc
        let body = FileFooter.body(file.bytes)
        guard body.count >= IdStore.trailerSize else { throw .corrupt(file.path, "id store is truncated") }
        try file.check((body.upperBound - IdStore.trailerSize)..<body.upperBound)
        var c = ByteCursor(
            base: file.bytes.baseAddress!, start: body.upperBound - IdStore.trailerSize,
            end: body.upperBound)
        let blocks = (maxDoc + IdStore.blockSize - 1) / IdStore.blockSize
        do {
            idBlockOffsets = Int(truncatingIfNeeded: try c.readU64())
            permutation = Int(truncatingIfNeeded: try c.readU64())
            titleBlocks = Int(truncatingIfNeeded: try c.readU64())
            titleBlockOffsets = Int(truncatingIfNeeded: try c.readU64())
        } catch { throw .corrupt(file.path, "id store trailer unreadable") }
        // Offsets first bounded by the file (read from possibly damaged bytes: no arithmetic may overflow).
        let end = body.upperBound - IdStore.trailerSize
        guard
            [idBlockOffsets, permutation, titleBlocks, titleBlockOffsets].allSatisfy({
                $0 >= body.lowerBound && $0 <= end
            }),
            maxDoc <= end, permutation == idBlockOffsets + 4 * blocks,
            titleBlocks == permutation + 4 * maxDoc, titleBlockOffsets >= titleBlocks,
            titleBlockOffsets + 4 * blocks == end
        else { throw .corrupt(file.path, "id store sections are inconsistent") }
    }

    /// Decodes entry `doc` of the column whose blocks start at `blocks` (block offsets at `offsets`, blocks end
    /// there), calling `entry` with each entry's shared-prefix length and suffix bytes up to and including `doc`.
    private func decode(
        _ doc: Int, blocks: Int, offsets: Int,
        _ entry: (Int, UnsafeRawBufferPointer) -> Bool
    ) throws(SaigaError) {
        guard doc >= 0 && doc < maxDoc else { throw SaigaError(.invalidArgument, "document \(doc) out of range") }
        let base = file.bytes.baseAddress!
        // The block's bounds: its offset and the next block's (the last block ends where the offsets start). Both
        // offsets and the whole block are verified before anything is decoded.
        let block = doc / IdStore.blockSize
        let offsetAt = offsets + 4 * block
        let isLast = block == (maxDoc - 1) / IdStore.blockSize
        try checkOffsets(offsets)
        let start = blocks + Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offsetAt, as: UInt32.self)))
        let end =
            isLast
            ? offsets
            : blocks + Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offsetAt + 4, as: UInt32.self)))
        guard start >= blocks, start < end, end <= offsets else {
            throw .corrupt(file.path, "block offset out of range")
        }
        try file.check(start..<end)
        var c = ByteCursor(base: base, start: start, end: end)
        do throws(DecodeError) {
            for _ in 0...(doc % IdStore.blockSize) {
                let lengths = try c.readNibblePair()
                guard entry(lengths.high, try c.readBytes(lengths.low)) else {
                    throw DecodeError(offset: c.position, reason: "entry longer than allowed")
                }
            }
        } catch { throw .corrupt(file.path, "block of document \(doc) is unreadable", offset: error.offset) }
    }

    /// Verifies a column's block offsets table, whole, the first time it is read (4 bytes per 16 documents):
    /// every later read of an id or title then checks only its block.
    @inline(__always)
    private func checkOffsets(_ offsets: Int) throws(SaigaError) {
        let table = offsets..<(offsets + 4 * ((maxDoc + IdStore.blockSize - 1) / IdStore.blockSize))
        try (offsets == idBlockOffsets ? idOffsetsVerified : titleOffsetsVerified).check(file, table)
    }

    private let idOffsetsVerified = VerifiedOnce()
    private let titleOffsetsVerified = VerifiedOnce()

    /// Calls `body` with the id bytes of `doc` (valid during the call).
    func withID<R>(_ doc: Int, _ body: (UnsafeRawBufferPointer) -> R) throws(SaigaError) -> R {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Document.maxIDBytes) {
            (key) throws(SaigaError) -> R in
            var length = 0
            try decode(doc, blocks: FileHeader.size, offsets: idBlockOffsets) { shared, suffix in
                guard shared <= length, shared + suffix.count <= key.count else { return false }
                if !suffix.isEmpty {
                    UnsafeMutableRawPointer(key.baseAddress! + shared).copyMemory(
                        from: suffix.baseAddress!,
                        byteCount: suffix.count)
                }
                length = shared + suffix.count
                return true
            }
            return body(UnsafeRawBufferPointer(start: key.baseAddress!, count: length))
        }
    }

    func id(_ doc: Int) throws(SaigaError) -> String {
        let s: String? = try withID(doc) { String(validating: $0, as: UTF8.self) }
        guard let s else { throw .corrupt(file.path, "id of document \(doc) is not valid UTF-8") }
        return s
    }

    /// The title of `doc` (any length).
    func title(_ doc: Int) throws(SaigaError) -> String {
        var value: [UInt8] = []
        try decode(doc, blocks: titleBlocks, offsets: titleBlockOffsets) { shared, suffix in
            guard shared <= value.count else { return false }
            value.removeSubrange(shared...)
            value.append(contentsOf: suffix)
            return true
        }
        guard let s = String(validating: value, as: UTF8.self) else {
            throw .corrupt(file.path, "title of document \(doc) is not valid UTF-8")
        }
        return s
    }

    /// The document with this id, by binary search over the id-ordered permutation.
    func lookup(_ id: UnsafeRawBufferPointer) throws(SaigaError) -> Int? {
        let base = file.bytes.baseAddress!
        var lo = 0
        var hi = maxDoc
        while lo < hi {
            let mid = (lo + hi) / 2
            try file.check((permutation + 4 * mid)..<(permutation + 4 * mid + 4))
            let doc = Int(
                UInt32(littleEndian: base.loadUnaligned(fromByteOffset: permutation + 4 * mid, as: UInt32.self)))
            guard doc < maxDoc else { throw .corrupt(file.path, "id permutation holds document \(doc)") }
            let c = try withID(doc) { compareBytes($0, id) }
            if c == 0 { return doc }
            if c < 0 { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }
}
