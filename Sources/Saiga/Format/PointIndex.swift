/// A segment's index of one numeric field's values for range queries (issue 12's points, in the segment's `.cols`
/// file): every (value, document) pair sorted by value, cut into blocks of `blockSize` with each block's first
/// and last value in a table. A range finds its first and last blocks by binary search over the table, takes the
/// blocks inside it whole without reading a value, and checks values only in the two blocks at its ends, so a
/// selective range and a broad one both cost about what they return (Lucene's one-dimensional BKD tree is these
/// sorted leaves under an index). The writer, the reader and the checker share this type.
///
///     points       VInt   (value, document) pairs (a multi-valued document has several)
///     maxDoc       VInt   documents of the segment
///     min          u64    the smallest value (Int64 bits); values are stored as value - min
///     valueBits    u8     bits per stored value (0...64)
///     docBits      u8     bits per document number (0...31)
///     blocks       VInt   blocks; then per block its first and last value, u64 each
///     values       points values packed (`PackedInts`), sorted
///     docs         points documents packed, in the same order (by document within equal values)
struct PointIndex {
    static let blockSize = 512

    let points: Int
    let maxDoc: Int
    let blockCount: Int
    private let min: Int64
    private let base: UnsafeRawPointer
    private let blockTable: Int
    private let values: PackedInts.Reader
    private let docs: PackedInts.Reader

    /// The bytes of the index of `pairs` (documents below `maxDoc`).
    static func encode(_ pairs: [(doc: Int32, value: Int64)], maxDoc: Int) -> [UInt8] {
        let sorted = pairs.sorted { $0.value != $1.value ? $0.value < $1.value : $0.doc < $1.doc }
        let min = sorted.first?.value ?? 0
        let maxOffset = sorted.last.map { UInt64(bitPattern: $0.value &- min) } ?? 0
        var w = ByteWriter()
        w.writeVInt(sorted.count)
        w.writeVInt(maxDoc)
        w.writeU64(UInt64(bitPattern: min))
        let valueBits = PackedInts.bitsRequired(maxOffset)
        let docBits = PackedInts.bitsRequired(UInt64(Swift.max(maxDoc, 1) - 1))
        w.writeU8(UInt8(valueBits))
        w.writeU8(UInt8(docBits))
        let blocks = (sorted.count + blockSize - 1) / blockSize
        w.writeVInt(blocks)
        for b in 0..<blocks {
            w.writeU64(UInt64(bitPattern: sorted[b * blockSize].value))
            w.writeU64(UInt64(bitPattern: sorted[Swift.min(sorted.count, (b + 1) * blockSize) - 1].value))
        }
        PackedInts.write(sorted.map { UInt64(bitPattern: $0.value &- min) }, bitsPerValue: valueBits, to: &w)
        PackedInts.write(sorted.map { UInt64($0.doc) }, bitsPerValue: docBits, to: &w)
        return w.bytes
    }

    /// Reads the index at `c`'s position, checking that every piece lies inside the cursor's bytes; `c` moves past
    /// it. Sortedness and document ranges are checked by `check()`, which a reader runs once before searching.
    init(from c: inout ByteCursor) throws(DecodeError) {
        base = c.base
        let p = try c.readVInt()
        let m = try c.readVInt()
        guard p < UInt64(Int32.max), m < UInt64(Int32.max) else {
            throw DecodeError(offset: c.position, reason: "point counts out of range")
        }
        points = Int(p)
        maxDoc = Int(m)
        min = Int64(bitPattern: try c.readU64())
        let valueBits = Int(try c.readU8())
        let docBits = Int(try c.readU8())
        guard valueBits <= 64, docBits <= 31 else {
            throw DecodeError(offset: c.position, reason: "bad point bit widths")
        }
        blockCount = try c.readLength()
        guard blockCount == (points + PointIndex.blockSize - 1) / PointIndex.blockSize else {
            throw DecodeError(offset: c.position, reason: "block count does not match the point count")
        }
        blockTable = c.position
        try c.skip(16 * blockCount)
        values = PackedInts.Reader(base: c.base, offset: c.position, bitsPerValue: valueBits)
        try c.skip(PackedInts.byteCount(count: points, bitsPerValue: valueBits))
        docs = PackedInts.Reader(base: c.base, offset: c.position, bitsPerValue: docBits)
        try c.skip(PackedInts.byteCount(count: points, bitsPerValue: docBits))
    }

    private func blockFirst(_ b: Int) -> Int64 {
        Int64(
            bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: blockTable + 16 * b, as: UInt64.self)))
    }

    private func blockLast(_ b: Int) -> Int64 {
        Int64(
            bitPattern: UInt64(
                littleEndian: base.loadUnaligned(fromByteOffset: blockTable + 16 * b + 8, as: UInt64.self)))
    }

    /// The value of point `i`.
    func value(_ i: Int) -> Int64 { min &+ Int64(bitPattern: values.get(i)) }

    /// The document of point `i`.
    func doc(_ i: Int) -> Int { Int(docs.get(i)) }

    /// About how many points lie in `range` (whole blocks from the block table, no value read): to choose the most
    /// selective filter.
    func estimateCount(_ range: ClosedRange<Int64>) -> Int {
        var lo = 0
        var hi = blockCount
        while lo < hi {
            let mid = (lo + hi) / 2
            if blockLast(mid) < range.lowerBound { lo = mid + 1 } else { hi = mid }
        }
        var first = lo
        hi = blockCount
        while lo < hi {
            let mid = (lo + hi) / 2
            if blockFirst(mid) <= range.upperBound { lo = mid + 1 } else { hi = mid }
        }
        if first > lo { first = lo }
        return Swift.min(points, (lo - first) * PointIndex.blockSize)
    }

    /// Sets bit d of `bits` (at least (maxDoc + 63) / 64 words) for every document with a value in `range`; returns
    /// how many points matched (a multi-valued document counts once per matching value).
    @discardableResult
    func collect(_ range: ClosedRange<Int64>, into bits: UnsafeMutablePointer<UInt64>) -> Int {
        // The first block whose last value reaches the range, and the last whose first value is inside it.
        var lo = 0
        var hi = blockCount
        while lo < hi {
            let mid = (lo + hi) / 2
            if blockLast(mid) < range.lowerBound { lo = mid + 1 } else { hi = mid }
        }
        var matched = 0
        var b = lo
        while b < blockCount && blockFirst(b) <= range.upperBound {
            let start = b * PointIndex.blockSize
            let end = Swift.min(points, start + PointIndex.blockSize)
            let whole = range.lowerBound <= blockFirst(b) && blockLast(b) <= range.upperBound
            for i in start..<end where whole || range.contains(value(i)) {
                let d = doc(i)
                bits[d >> 6] |= 1 << UInt64(d & 63)
                matched += 1
            }
            b += 1
        }
        return matched
    }

    /// Checks what `collect` relies on: values sorted, the block table equal to the blocks' ends, documents below
    /// maxDoc.
    func check() throws(DecodeError) {
        for i in 0..<points {
            guard doc(i) < maxDoc, i == 0 || value(i - 1) <= value(i) else {
                throw DecodeError(offset: blockTable, reason: "points out of order or out of range")
            }
        }
        for b in 0..<blockCount {
            let start = b * PointIndex.blockSize
            let end = Swift.min(points, start + PointIndex.blockSize)
            guard blockFirst(b) == value(start), blockLast(b) == value(end - 1) else {
                throw DecodeError(offset: blockTable + 16 * b, reason: "point block table does not match the values")
            }
        }
    }
}
