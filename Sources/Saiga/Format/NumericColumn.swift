/// A segment's column of one numeric field (integer, float, date, boolean): each document's values (none, one, or
/// several for a multi-valued field), read at random by document, with per-block minimum and maximum so that range
/// filters and sorts can pass over blocks. The writer, the reader and the checker share this type.
///
/// Lucene's doc-values encoding, simplified: values are stored as `(value - min) / gcd` in a fixed number of bits,
/// so timestamps rounded to days, prices in cents or small enums take a few bits each.
///
///     count        VInt   documents (the segment's maxDoc)
///     layout       u8     0: every document has one value; 1: at most one, a presence bit set follows, bit d set
///                         when document d has a value; 2: any number, packed starts follow
///     bits         (count + 7) / 8 bytes, when layout is 1
///     starts       bitsPerStart u8, then count + 1 starts packed, when layout is 2: document d's values are
///                  start[d] ..< start[d + 1], in increasing order
///     min          u64    the smallest value, as the bits of an Int64
///     gcd          VInt   the greatest common divisor of (value - min) over the values (1 when all are equal)
///     bitsPerValue u8     0...64
///     blocks       VInt   block count (blockSize documents each); then per block: min u64, max u64 of its values
///                         (a block with no value: min = Int64.max, max = Int64.min)
///     packed       the values, bitsPerValue bits each (`PackedInts`): one per document for layouts 0 and 1 (0 for a
///                  document with none), start[count] of them for layout 2
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
    let isMultiValued: Bool
    /// True when the blocks hold narrow stretches of the column's values (on average under half its span): values
    /// that follow the document order, such as dates of documents added over time. Only then can a range filter
    /// pass over blocks (`SegmentFilter.firstPossible`); over values in no order every block meets every range.
    let blocksAreNarrow: Bool
    /// Where the pieces are in `base`.
    private let base: UnsafeRawPointer
    private let presence: Int?
    private let starts: PackedInts.Reader?
    private let blockTable: Int
    private let packed: PackedInts.Reader

    /// The bytes of a column with `values[d]`, document d's values (any order; empty: none).
    static func encode(_ values: [[Int64]]) -> [UInt8] {
        var pairs: [(doc: Int32, value: Int64)] = []
        for (d, vs) in values.enumerated() { for v in vs.sorted() { pairs.append((Int32(d), v)) } }
        return encode(count: values.count, pairs: pairs)
    }

    /// The bytes of a column of `count` documents holding `pairs`, sorted by document and, within a document, by
    /// value (what a flush or merge accumulates).
    static func encode(count: Int, pairs: [(doc: Int32, value: Int64)]) -> [UInt8] {
        var w = ByteWriter()
        w.writeVInt(count)
        var multi = false
        for i in pairs.indices.dropFirst() where pairs[i].doc == pairs[i - 1].doc {
            multi = true
            break
        }
        let allPresent = !multi && pairs.count == count
        let min = pairs.lazy.map(\.value).min() ?? 0
        // One packed value per document (layouts 0 and 1) or per pair (layout 2).
        var flat: [Int64]
        if multi {
            w.writeU8(2)
            var starts = [UInt64](repeating: 0, count: count + 1)
            for p in pairs { starts[Int(p.doc) + 1] += 1 }
            for d in 0..<count { starts[d + 1] += starts[d] }
            let startBits = PackedInts.bitsRequired(UInt64(pairs.count))
            w.writeU8(UInt8(startBits))
            PackedInts.write(starts, bitsPerValue: startBits, to: &w)
            flat = pairs.map(\.value)
        } else if allPresent {
            w.writeU8(0)
            flat = pairs.map(\.value)
        } else {
            w.writeU8(1)
            var bits = [UInt8](repeating: 0, count: (count + 7) / 8)
            flat = [Int64](repeating: min, count: count)
            for p in pairs {
                bits[Int(p.doc) >> 3] |= 1 << UInt8(p.doc & 7)
                flat[Int(p.doc)] = p.value
            }
            w.write(bits)
        }
        var gcd: UInt64 = 0
        for p in pairs where gcd != 1 { gcd = NumericColumn.gcd(gcd, UInt64(bitPattern: p.value &- min)) }
        if gcd == 0 { gcd = 1 }
        var maxOffset: UInt64 = 0
        for p in pairs { maxOffset = Swift.max(maxOffset, UInt64(bitPattern: p.value &- min) / gcd) }
        let bitsPerValue = PackedInts.bitsRequired(maxOffset)
        w.writeU64(UInt64(bitPattern: min))
        w.writeVInt(gcd)
        w.writeU8(UInt8(bitsPerValue))
        let blocks = (count + blockSize - 1) / blockSize
        var blockMin = [Int64](repeating: .max, count: blocks)
        var blockMax = [Int64](repeating: .min, count: blocks)
        for p in pairs {
            let b = Int(p.doc) / blockSize
            blockMin[b] = Swift.min(blockMin[b], p.value)
            blockMax[b] = Swift.max(blockMax[b], p.value)
        }
        w.writeVInt(blocks)
        for b in 0..<blocks {
            w.writeU64(UInt64(bitPattern: blockMin[b]))
            w.writeU64(UInt64(bitPattern: blockMax[b]))
        }
        PackedInts.write(flat.map { UInt64(bitPattern: $0 &- min) / gcd }, bitsPerValue: bitsPerValue, to: &w)
        return w.bytes
    }

    /// Reads the column starting at `c`'s position, checking that every piece lies inside the cursor's bytes and
    /// that the header is consistent; `c` moves past the column. The starts of a multi-valued column are checked by
    /// `check()`, which a reader runs once before reading values.
    init(from c: inout ByteCursor) throws(DecodeError) {
        base = c.base
        let n = try c.readVInt()
        // A segment holds fewer than 2^31 documents (the column of one with no value bits can be far smaller).
        guard n < UInt64(Int32.max) else { throw DecodeError(offset: c.position, reason: "document count too large") }
        count = Int(n)
        var valueCount = count
        switch try c.readU8() {
        case 0:
            presence = nil
            starts = nil
        case 1:
            presence = c.position
            starts = nil
            try c.skip((count + 7) / 8)
        case 2:
            presence = nil
            let startBits = Int(try c.readU8())
            guard startBits <= 32 else { throw DecodeError(offset: c.position - 1, reason: "bad bit width") }
            let s = PackedInts.Reader(base: c.base, offset: c.position, bitsPerValue: startBits)
            try c.skip(PackedInts.byteCount(count: count + 1, bitsPerValue: startBits))
            starts = s
            valueCount = Int(s.get(count))
        default:
            throw DecodeError(offset: c.position - 1, reason: "unknown column layout")
        }
        isMultiValued = starts != nil
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
        blocksAreNarrow = NumericColumn.narrowBlocks(base: c.base, table: blockTable, count: blockCount)
        packed = PackedInts.Reader(base: c.base, offset: c.position, bitsPerValue: bitsPerValue)
        // valueCount < 2^32 and bitsPerValue ≤ 64: no overflow.
        try c.skip(PackedInts.byteCount(count: valueCount, bitsPerValue: bitsPerValue))
    }

    /// Whether the non-empty blocks of the table at `table` span on average under half the values' whole span.
    private static func narrowBlocks(base: UnsafeRawPointer, table: Int, count: Int) -> Bool {
        var lowest = Int64.max
        var highest = Int64.min
        var spans = 0.0
        var blocks = 0
        for b in 0..<count {
            let at = table + 16 * b
            let lo = Int64(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
            let hi = Int64(
                bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self)))
            guard lo <= hi else { continue }
            lowest = Swift.min(lowest, lo)
            highest = Swift.max(highest, hi)
            spans += Double(hi) - Double(lo)
            blocks += 1
        }
        guard blocks > 1, highest > lowest else { return false }
        return spans / Double(blocks) < 0.5 * (Double(highest) - Double(lowest))
    }

    /// A check of a single-valued column against `range` in the packed domain (no decoding per document): the
    /// stored `(value - min) / gcd` of a value in the range lies between the bounds returned. Nil for a
    /// multi-valued column; `lo > hi` when no stored value can lie in the range.
    func packedCheck(_ range: ClosedRange<Int64>) -> PackedCheck? {
        guard starts == nil else { return nil }
        let presenceBits = presence.map { (base + $0).assumingMemoryBound(to: UInt8.self) }
        // Stored values are min + k·gcd with k < 2^bitsPerValue: k from ceil((lower - min) / gcd) through
        // floor((upper - min) / gcd), the differences taken as UInt64 (they fit once each bound is past min).
        guard range.upperBound >= min else { return PackedCheck(values: packed, presence: presenceBits, lo: 1, hi: 0) }
        let hi = UInt64(bitPattern: range.upperBound &- min) / gcd
        var lo: UInt64 = 0
        if range.lowerBound > min {
            let d = UInt64(bitPattern: range.lowerBound &- min)
            lo = d / gcd + (d % gcd == 0 ? 0 : 1)
        }
        return PackedCheck(values: packed, presence: presenceBits, lo: lo, hi: hi)
    }

    @inline(__always)
    private func decode(_ i: Int) -> Int64 { min &+ Int64(bitPattern: packed.get(i) &* gcd) }

    /// True if document `doc` (< count) has a value.
    @inline(__always)
    func hasValue(_ doc: Int) -> Bool {
        if let starts { return starts.get(doc) != starts.get(doc &+ 1) }
        guard let presence else { return true }
        return base.load(fromByteOffset: presence &+ doc >> 3, as: UInt8.self) & (1 << UInt8(doc & 7)) != 0
    }

    /// The (smallest) value of document `doc` (< count), or nil.
    @inline(__always)
    func value(_ doc: Int) -> Int64? {
        if let starts {
            let s = Int(starts.get(doc))
            return s == Int(starts.get(doc &+ 1)) ? nil : decode(s)
        }
        guard hasValue(doc) else { return nil }
        return decode(doc)
    }

    /// The largest value of document `doc` (< count), or nil.
    @inline(__always)
    func maxValue(_ doc: Int) -> Int64? {
        if let starts {
            let s = Int(starts.get(doc))
            let e = Int(starts.get(doc &+ 1))
            return s == e ? nil : decode(e &- 1)
        }
        return value(doc)
    }

    /// Calls `body` with each value of document `doc` (< count), in increasing order.
    @inline(__always)
    func forEachValue(_ doc: Int, _ body: (Int64) -> Void) {
        if let starts {
            var i = Int(starts.get(doc))
            let e = Int(starts.get(doc &+ 1))
            while i < e {
                body(decode(i))
                i &+= 1
            }
        } else if let v = value(doc) {
            body(v)
        }
    }

    /// The smallest and largest value of block `b` (nil when the block has none).
    func blockRange(_ b: Int) -> ClosedRange<Int64>? {
        let at = blockTable + 16 * b
        let lo = Int64(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
        let hi = Int64(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self)))
        return lo <= hi ? lo...hi : nil
    }

    /// Checks the starts of a multi-valued column (increasing, so that no read leaves the packed values), then every
    /// value against its block's range and the header's: what a reader runs once before use, and `saiga check`.
    func check() throws(DecodeError) {
        if let starts {
            for d in 0..<count where starts.get(d) > starts.get(d + 1) {
                throw DecodeError(offset: 0, reason: "column starts not increasing")
            }
        }
        for b in 0..<blockCount {
            var lo = Int64.max
            var hi = Int64.min
            var ordered = true
            for d in (b * NumericColumn.blockSize)..<Swift.min(count, (b + 1) * NumericColumn.blockSize) {
                var previous = Int64.min
                forEachValue(d) { v in
                    if v < previous { ordered = false }
                    previous = v
                    lo = Swift.min(lo, v)
                    hi = Swift.max(hi, v)
                }
            }
            guard ordered, blockRange(b) == (lo <= hi ? lo...hi : nil), lo == .max || lo >= min else {
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

/// A test of one document against a single-valued column, on its packed values: the document passes when it has a
/// value (its presence bit, if the column has them) and the packed value lies in `lo...hi`. A range filter on a
/// numeric column and a keyword filter on a keyword column's ordinals both come down to it, so that a top-k search
/// checks a candidate with one packed read and two comparisons.
struct PackedCheck {
    let values: PackedInts.Reader
    /// Bit d set when document d has a value (nil: every document has one).
    let presence: UnsafePointer<UInt8>?
    let lo: UInt64
    let hi: UInt64

    @inline(__always)
    func passes(_ doc: Int) -> Bool {
        if let presence, presence[doc &>> 3] & (1 &<< UInt8(doc & 7)) == 0 { return false }
        let v = values.get(doc)
        return v >= lo && v <= hi
    }
}
