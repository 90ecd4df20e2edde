/// A segment's column of one numeric field (integer, float, date, boolean): one value or none per document, read at
/// random by document, with per-block minimum and maximum so that range filters and sorts can pass over blocks.
/// The writer, the reader and the checker share this type (issue 12; not yet written into segments).
///
/// Lucene's doc-values encoding, simplified: values are stored as `(value - min) / gcd` in a fixed number of bits,
/// so timestamps rounded to days, prices in cents or small enums take a few bits each.
///
///     count        VInt   documents (the segment's maxDoc)
///     presence     u8     0: every document has a value; 1: a bit set follows, bit d set when document d has one
///     bits         (count + 7) / 8 bytes, when presence is 1
///     min          u64    the smallest value, as the bits of an Int64
///     gcd          VInt   the greatest common divisor of (value - min) over the values (1 when all are equal)
///     bitsPerValue u8     0...64
///     blocks       VInt   block count (blockSize documents each); then per block: min u64, max u64 of its values
///                         (a block with no value: min = Int64.max, max = Int64.min)
///     packed       count values of bitsPerValue bits, little-endian bit order, then 8 bytes of padding
///
/// Floats are stored as `sortableBits` (order-preserving Int64), dates as UTC milliseconds, booleans as 0 and 1.
struct NumericColumn {
    /// Documents per block of the min/max table.
    static let blockSize = 512

    let count: Int
    let min: Int64
    let gcd: UInt64
    let bitsPerValue: Int
    let blockCount: Int
    /// Where the pieces are in `base`.
    private let base: UnsafeRawPointer
    private let presence: Int?
    private let blockTable: Int
    private let packed: PackedInts.Reader

    /// The bytes of a column with `values` (nil: the document has none).
    static func encode(_ values: [Int64?]) -> [UInt8] {
        var w = ByteWriter()
        w.writeVInt(values.count)
        let allPresent = values.allSatisfy { $0 != nil }
        w.writeU8(allPresent ? 0 : 1)
        if !allPresent {
            var bits = [UInt8](repeating: 0, count: (values.count + 7) / 8)
            for (d, v) in values.enumerated() where v != nil { bits[d >> 3] |= 1 << UInt8(d & 7) }
            w.write(bits)
        }
        let present = values.compactMap { $0 }
        let min = present.min() ?? 0
        var gcd: UInt64 = 0
        for v in present { gcd = NumericColumn.gcd(gcd, UInt64(bitPattern: v &- min)) }
        if gcd == 0 { gcd = 1 }
        let maxOffset = present.map { UInt64(bitPattern: $0 &- min) / gcd }.max() ?? 0
        let bitsPerValue = PackedInts.bitsRequired(maxOffset)
        w.writeU64(UInt64(bitPattern: min))
        w.writeVInt(gcd)
        w.writeU8(UInt8(bitsPerValue))
        let blocks = (values.count + blockSize - 1) / blockSize
        w.writeVInt(blocks)
        for b in 0..<blocks {
            let slice = values[(b * blockSize)..<Swift.min(values.count, (b + 1) * blockSize)].compactMap { $0 }
            w.writeU64(UInt64(bitPattern: slice.min() ?? .max))
            w.writeU64(UInt64(bitPattern: slice.max() ?? .min))
        }
        PackedInts.write(
            values.map { v in v.map { UInt64(bitPattern: $0 &- min) / gcd } ?? 0 }, bitsPerValue: bitsPerValue, to: &w)
        return w.bytes
    }

    /// Reads the column starting at `c`'s position, checking that every piece lies inside the cursor's bytes and
    /// that the header is consistent; `c` moves past the column.
    init(from c: inout ByteCursor) throws(DecodeError) {
        base = c.base
        let n = try c.readVInt()
        // A segment holds fewer than 2^31 documents (the column of one with no value bits can be far smaller).
        guard n < UInt64(Int32.max) else { throw DecodeError(offset: c.position, reason: "document count too large") }
        count = Int(n)
        switch try c.readU8() {
        case 0:
            presence = nil
        case 1:
            presence = c.position
            try c.skip((count + 7) / 8)
        default:
            throw DecodeError(offset: c.position - 1, reason: "unknown presence kind")
        }
        min = Int64(bitPattern: try c.readU64())
        gcd = try c.readVInt()
        bitsPerValue = Int(try c.readU8())
        guard gcd >= 1, bitsPerValue <= 64 else { throw DecodeError(offset: c.position, reason: "bad column header") }
        blockCount = try c.readLength()
        guard blockCount == (count + NumericColumn.blockSize - 1) / NumericColumn.blockSize else {
            throw DecodeError(offset: c.position, reason: "block count does not match the document count")
        }
        blockTable = c.position
        try c.skip(16 * blockCount)
        packed = PackedInts.Reader(base: c.base, offset: c.position, bitsPerValue: bitsPerValue)
        // count < 2^31 and bitsPerValue ≤ 64: no overflow.
        try c.skip(PackedInts.byteCount(count: count, bitsPerValue: bitsPerValue))
    }

    /// True if document `doc` (< count) has a value.
    func hasValue(_ doc: Int) -> Bool {
        guard let presence else { return true }
        return base.load(fromByteOffset: presence + doc >> 3, as: UInt8.self) & (1 << UInt8(doc & 7)) != 0
    }

    /// The value of document `doc` (< count), or nil.
    func value(_ doc: Int) -> Int64? {
        guard hasValue(doc) else { return nil }
        return min &+ Int64(bitPattern: packed.get(doc) &* gcd)
    }

    /// The smallest and largest value of block `b` (nil when the block has none).
    func blockRange(_ b: Int) -> ClosedRange<Int64>? {
        let at = blockTable + 16 * b
        let lo = Int64(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
        let hi = Int64(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self)))
        return lo <= hi ? lo...hi : nil
    }

    /// Checks every value against its block's range and the header's (what `saiga check` will run).
    func check() throws(DecodeError) {
        for b in 0..<blockCount {
            var lo = Int64.max
            var hi = Int64.min
            for d in (b * NumericColumn.blockSize)..<Swift.min(count, (b + 1) * NumericColumn.blockSize) {
                guard let v = value(d) else { continue }
                lo = Swift.min(lo, v)
                hi = Swift.max(hi, v)
            }
            guard blockRange(b) == (lo <= hi ? lo...hi : nil), lo == .max || lo >= min else {
                throw DecodeError(offset: blockTable + 16 * b, reason: "a block's range does not match its values")
            }
        }
    }

    private static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    /// An order-preserving Int64 for a Double (Lucene's `NumericUtils.doubleToSortableLong`): a < b exactly when
    /// sortableBits(a) < sortableBits(b), -0.0 before 0.0, NaN last.
    static func sortableBits(_ d: Double) -> Int64 {
        let bits = Int64(bitPattern: d.bitPattern)
        return bits ^ ((bits >> 63) & 0x7FFF_FFFF_FFFF_FFFF)
    }

    /// The Double of `sortableBits`.
    static func double(sortableBits s: Int64) -> Double {
        Double(bitPattern: UInt64(bitPattern: s ^ ((s >> 63) & 0x7FFF_FFFF_FFFF_FFFF)))
    }
}
