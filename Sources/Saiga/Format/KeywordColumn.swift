/// A segment's column of one keyword field: the field's distinct values in byte order (a per-segment dictionary)
/// and each document's set of value ordinals, read at random by document. Sorting compares ordinals, facets count
/// them, and a filter on a value looks its ordinal up once (Lucene's SortedSetDocValues). The writer, the reader
/// and the checker share this type (in the segment's `.cols` file, `ColumnsFile`).
///
///     count        VInt   documents (the segment's maxDoc)
///     values       VInt   distinct values
///     offsets      (values + 1) × u32: where each value's bytes start, relative to the value bytes; the last is
///                  their total length
///     value bytes  the values, sorted by bytes, each once
///     multi        u8     0: at most one value per document; 1: any number
///     single:      bitsPerOrd u8, then count ordinals packed (`PackedInts`; the ordinal `values` means none)
///     multi:       bitsPerStart u8, then count + 1 starts packed (document d's ordinals are start[d] ..< start[d+1]);
///                  bitsPerOrd u8, then the ordinals packed, each document's strictly increasing
///     blocks       VInt   block count (`NumericColumn.blockSize` documents each); then per block: min u32, max u32
///                  of its documents' ordinals (a block with none: min = 0xFFFF_FFFF, max = 0), so that a sort by
///                  the field passes over blocks that cannot enter its top and a filter over blocks without the value
struct KeywordColumn {
    let count: Int
    let valueCount: Int
    let isMultiValued: Bool
    private let base: UnsafeRawPointer
    private let offsets: Int
    private let valueBytes: Int
    private let starts: PackedInts.Reader?
    private let ords: PackedInts.Reader
    let blockCount: Int
    private let blockTable: Int

    /// The bytes of a column with `values[d]`, document d's values (any order, repeats allowed).
    static func encode(_ values: [[[UInt8]]]) -> [UInt8] {
        var ids: [[UInt8]: Int32] = [:]
        var distinct: [[UInt8]] = []
        var pairs: [(doc: Int32, value: Int32)] = []
        for (d, vs) in values.enumerated() {
            for v in vs {
                let id: Int32
                if let known = ids[v] {
                    id = known
                } else {
                    id = Int32(distinct.count)
                    ids[v] = id
                    distinct.append(v)
                }
                pairs.append((Int32(d), id))
            }
        }
        return encode(count: values.count, values: distinct, pairs: pairs)
    }

    /// The bytes of a column of `count` documents: `values` are the distinct values (any order), `pairs` say which
    /// document has which value (by index into `values`), sorted by document; repeats within a document are
    /// dropped.
    static func encode(count: Int, values: [[UInt8]], pairs: [(doc: Int32, value: Int32)]) -> [UInt8] {
        let order = values.indices.sorted { values[$0].lexicographicallyPrecedes(values[$1]) }
        var ordinal = [UInt64](repeating: 0, count: values.count)
        for (o, i) in order.enumerated() { ordinal[i] = UInt64(o) }
        var w = ByteWriter()
        w.writeVInt(count)
        w.writeVInt(values.count)
        var at: UInt32 = 0
        for i in order {
            w.writeU32(at)
            at += UInt32(values[i].count)
        }
        w.writeU32(at)
        for i in order { w.write(values[i]) }
        // Each document's ordinals, sorted and without repeats.
        var starts = [UInt64](repeating: 0, count: count + 1)
        var ords: [UInt64] = []
        ords.reserveCapacity(pairs.count)
        var i = 0
        var multi = false
        while i < pairs.count {
            let doc = pairs[i].doc
            var j = i
            var mine: [UInt64] = []
            while j < pairs.count && pairs[j].doc == doc {
                mine.append(ordinal[Int(pairs[j].value)])
                j += 1
            }
            if mine.count > 1 {
                mine = Array(Set(mine)).sorted()
                if mine.count > 1 { multi = true }
            }
            ords += mine
            starts[Int(doc) + 1] = UInt64(mine.count)
            i = j
        }
        for d in 0..<count { starts[d + 1] += starts[d] }
        w.writeU8(multi ? 1 : 0)
        if multi {
            let startBits = PackedInts.bitsRequired(UInt64(ords.count))
            w.writeU8(UInt8(startBits))
            PackedInts.write(starts, bitsPerValue: startBits, to: &w)
            let ordBits = PackedInts.bitsRequired(UInt64(max(values.count, 1) - 1))
            w.writeU8(UInt8(ordBits))
            PackedInts.write(ords, bitsPerValue: ordBits, to: &w)
        } else {
            let none = UInt64(values.count)
            var single = [UInt64](repeating: none, count: count)
            for d in 0..<count where starts[d + 1] > starts[d] { single[d] = ords[Int(starts[d])] }
            let ordBits = PackedInts.bitsRequired(none)
            w.writeU8(UInt8(ordBits))
            PackedInts.write(single, bitsPerValue: ordBits, to: &w)
        }
        let blockSize = NumericColumn.blockSize
        let blocks = (count + blockSize - 1) / blockSize
        w.writeVInt(blocks)
        for b in 0..<blocks {
            var lo = UInt64(UInt32.max)
            var hi: UInt64 = 0
            for d in (b * blockSize)..<min(count, (b + 1) * blockSize) where starts[d + 1] > starts[d] {
                lo = min(lo, ords[Int(starts[d])])  // a document's ordinals are sorted
                hi = max(hi, ords[Int(starts[d + 1]) - 1])
            }
            w.writeU32(UInt32(lo))
            w.writeU32(UInt32(hi))
        }
        return w.bytes
    }

    /// Reads the column at `c`'s position, checking that every piece lies inside the cursor's bytes; `c` moves past
    /// the column. The value offsets and the ordinals are checked by `check()`, which a reader runs once before
    /// reading values (as norms are verified once).
    init(from c: inout ByteCursor) throws(DecodeError) {
        base = c.base
        let n = try c.readVInt()
        let v = try c.readVInt()
        guard n < UInt64(Int32.max), v < UInt64(Int32.max) else {
            throw DecodeError(offset: c.position, reason: "keyword column counts out of range")
        }
        count = Int(n)
        valueCount = Int(v)
        offsets = c.position
        try c.require(4 * (valueCount + 1))
        // The last offset is the length of the value bytes; `check()` verifies that the offsets increase up to it.
        let total = UInt32(
            littleEndian: c.base.loadUnaligned(fromByteOffset: offsets + 4 * valueCount, as: UInt32.self))
        try c.skip(4 * (valueCount + 1))
        valueBytes = c.position
        try c.skip(Int(total))
        switch try c.readU8() {
        case 0: isMultiValued = false
        case 1: isMultiValued = true
        default: throw DecodeError(offset: c.position - 1, reason: "unknown keyword column kind")
        }
        if isMultiValued {
            let startBits = Int(try c.readU8())
            guard startBits <= 32 else { throw DecodeError(offset: c.position - 1, reason: "bad bit width") }
            starts = PackedInts.Reader(base: c.base, offset: c.position, bitsPerValue: startBits)
            try c.skip(PackedInts.byteCount(count: count + 1, bitsPerValue: startBits))
            let total = Int(starts!.get(count))
            let ordBits = Int(try c.readU8())
            guard ordBits <= 32, total >= 0, total <= Int(Int32.max) else {
                throw DecodeError(offset: c.position - 1, reason: "bad bit width")
            }
            ords = PackedInts.Reader(base: c.base, offset: c.position, bitsPerValue: ordBits)
            try c.skip(PackedInts.byteCount(count: total, bitsPerValue: ordBits))
        } else {
            starts = nil
            let ordBits = Int(try c.readU8())
            guard ordBits <= 32 else { throw DecodeError(offset: c.position - 1, reason: "bad bit width") }
            ords = PackedInts.Reader(base: c.base, offset: c.position, bitsPerValue: ordBits)
            try c.skip(PackedInts.byteCount(count: count, bitsPerValue: ordBits))
        }
        blockCount = try c.readLength()
        guard blockCount == (count + NumericColumn.blockSize - 1) / NumericColumn.blockSize else {
            throw DecodeError(offset: c.position, reason: "keyword block count does not match the document count")
        }
        blockTable = c.position
        try c.skip(8 * blockCount)
    }

    /// The smallest and largest ordinal of block `b`'s documents (nil when none has a value).
    func blockOrdinals(_ b: Int) -> ClosedRange<Int>? {
        let lo = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: blockTable + 8 * b, as: UInt32.self))
        let hi = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: blockTable + 8 * b + 4, as: UInt32.self))
        return lo <= hi ? Int(lo)...Int(hi) : nil
    }

    /// The first value index whose bytes are not below `value` (valueCount: all are below), and whether that value
    /// equals `value`: where `value` falls among the segment's values, for comparing another segment's value with
    /// ordinals.
    func lowerBound(_ value: UnsafeRawBufferPointer) -> (ordinal: Int, exact: Bool) {
        var lo = 0
        var hi = valueCount
        while lo < hi {
            let mid = (lo + hi) / 2
            if self.value(mid).lexicographicallyPrecedes(value) { lo = mid + 1 } else { hi = mid }
        }
        return (lo, lo < valueCount && !value.lexicographicallyPrecedes(self.value(lo)))
    }

    /// The bytes of value `ord` (< valueCount).
    func value(_ ord: Int) -> UnsafeRawBufferPointer {
        let start = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offsets + 4 * ord, as: UInt32.self)))
        let end = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offsets + 4 * ord + 4, as: UInt32.self)))
        return UnsafeRawBufferPointer(start: base + valueBytes + start, count: end - start)
    }

    /// The ordinal of `value`, if the segment has it.
    func ordinal(of value: UnsafeRawBufferPointer) -> Int? {
        let (ordinal, exact) = lowerBound(value)
        return exact ? ordinal : nil
    }

    /// The ordinal of document `doc` of a single-valued column (`valueCount`: none).
    @inline(__always)
    func singleOrdinal(_ doc: Int) -> Int { Int(ords.get(doc)) }

    /// A check that a document of a single-valued column holds ordinal `ord` (nil for a multi-valued column).
    func packedCheck(ordinal ord: Int) -> PackedCheck? {
        guard starts == nil else { return nil }
        return PackedCheck(values: ords, presence: nil, lo: UInt64(ord), hi: UInt64(ord))
    }

    /// Calls `body` with document `doc`'s ordinals (< count), in increasing order.
    @inline(__always)
    func forEachOrdinal(_ doc: Int, _ body: (Int) -> Void) {
        if let starts {
            let end = Int(starts.get(doc + 1))
            var i = Int(starts.get(doc))
            while i < end {
                body(Int(ords.get(i)))
                i += 1
            }
        } else {
            let ord = Int(ords.get(doc))
            if ord < valueCount { body(ord) }
        }
    }

    /// Checks what a reader relies on without further checks: values strictly increasing, every ordinal below the
    /// value count (or the single-valued "none"), each document's ordinals strictly increasing, starts increasing.
    func check() throws(DecodeError) {
        var previous: UInt32 = 0
        for i in 0...valueCount {
            let o = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offsets + 4 * i, as: UInt32.self))
            guard i == 0 ? o == 0 : o >= previous else {
                throw DecodeError(offset: offsets + 4 * i, reason: "keyword value offsets not increasing")
            }
            previous = o
        }
        for i in 1..<max(valueCount, 1) where !value(i - 1).lexicographicallyPrecedes(value(i)) {
            throw DecodeError(offset: offsets + 4 * i, reason: "keyword values not strictly increasing")
        }
        for d in 0..<count {
            if let starts {
                guard starts.get(d) <= starts.get(d + 1) else {
                    throw DecodeError(offset: 0, reason: "keyword column starts not increasing")
                }
                var previous = -1
                for i in Int(starts.get(d))..<Int(starts.get(d + 1)) {
                    let ord = Int(ords.get(i))
                    guard ord > previous, ord < valueCount else {
                        throw DecodeError(offset: 0, reason: "keyword ordinals out of order or range")
                    }
                    previous = ord
                }
            } else {
                guard Int(ords.get(d)) <= valueCount else {
                    throw DecodeError(offset: 0, reason: "keyword ordinal out of range")
                }
            }
        }
        for b in 0..<blockCount {
            var lo = Int.max
            var hi = Int.min
            for d in (b * NumericColumn.blockSize)..<min(count, (b + 1) * NumericColumn.blockSize) {
                forEachOrdinal(d) { ord in
                    lo = min(lo, ord)
                    hi = max(hi, ord)
                }
            }
            guard blockOrdinals(b) == (lo <= hi ? lo...hi : nil) else {
                throw DecodeError(offset: blockTable + 8 * b, reason: "a block's ordinals do not match its documents")
            }
        }
    }
}
