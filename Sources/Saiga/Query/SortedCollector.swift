/// A document's value for one sort key: a number (`FieldValue.sortableInt64`), a keyword's bytes, a score, or
/// nothing (missing values sort last whatever the order).
enum SortValue: Hashable {
    case int(Int64)
    case bytes([UInt8])
    case score(Float)
    case missing

    /// -1, 0, 1 as `self` sorts before, with, after `other` for a key in `order` (missing last either way).
    func compare(_ other: SortValue, _ order: SortField.Order) -> Int {
        let c: Int
        switch (self, other) {
        case (.missing, .missing): return 0
        case (.missing, _): return 1
        case (_, .missing): return -1
        case (.int(let a), .int(let b)): c = a < b ? -1 : a > b ? 1 : 0
        case (.score(let a), .score(let b)): c = a < b ? -1 : a > b ? 1 : 0
        case (.bytes(let a), .bytes(let b)):
            c = a.lexicographicallyPrecedes(b) ? -1 : b.lexicographicallyPrecedes(a) ? 1 : 0
        default: c = 0  // one key has one kind of value
        }
        return order == .ascending ? c : -c
    }
}

/// A sort key's value as one segment compares it (`SortLeaf.bound`): a number, a keyword's position among the
/// segment's values (the first value not below it, and whether it is that value), a score, or missing.
enum KeyBound {
    case int(Int64)
    case ordinal(Int, exact: Bool)
    case score(Float)
    case missing

    var isMissing: Bool {
        if case .missing = self { return true }
        return false
    }
}

/// A candidate of a sorted search: its keys, global document and score.
struct SortedDoc {
    var keys: [SortValue]
    var doc: Int32
    var score: Float
}

/// How one segment reads the sort keys of its documents.
struct SortLeaf {
    enum Source {
        case numeric(NumericColumn, SortField.Mode)
        case keyword(KeywordColumn, SortField.Mode)
        case score
        case none
    }

    let sources: [Source]
    /// The best first key any document of the segment can have (the largest value descending, the smallest
    /// ascending), for a numeric first key: a full heap whose worst has it takes no later document of a
    /// single-key sort.
    let bestFirst: Int64?

    init(_ sort: [SortField], schema: Schema, segment seg: SegmentReader) throws(SaigaError) {
        var sources: [Source] = []
        for key in sort {
            if key.field == SortField.scoreField {
                sources.append(.score)
                continue
            }
            guard let n = schema.fields.firstIndex(where: { $0.name == key.field }),
                let info = seg.info.field(number: n), info.name == key.field
            else {
                sources.append(.none)
                continue
            }
            if let c = try seg.columns.numeric(n) {
                sources.append(.numeric(c, key.effectiveMode))
            } else if let c = try seg.columns.keyword(n) {
                sources.append(.keyword(c, key.effectiveMode))
            } else {
                sources.append(.none)
            }
        }
        self.sources = sources
        var best: Int64?
        if case .numeric(let c, _)? = sources.first {
            for b in 0..<c.blockCount {
                guard let r = c.blockRange(b) else { continue }
                let v = sort[0].order == .descending ? r.upperBound : r.lowerBound
                if best == nil || (sort[0].order == .descending ? v > best! : v < best!) { best = v }
            }
        }
        bestFirst = best
    }

    /// The ordinal a document sorts by: its smallest (mode min) or largest (mode max); nil when it has none.
    @inline(__always)
    static func sortOrdinal(_ c: KeywordColumn, _ mode: SortField.Mode, _ doc: Int) -> Int? {
        var chosen = -1
        c.forEachOrdinal(doc) { ord in if chosen < 0 || mode == .max { chosen = ord } }
        return chosen < 0 ? nil : chosen
    }

    /// Key `i` of another document (the heap's worst) as this segment compares it: a number as itself, a
    /// keyword as where its bytes fall among the segment's values (Lucene's per-segment ordinal comparison), so
    /// that candidates are compared with no value built.
    func bound(_ i: Int, of value: SortValue) -> KeyBound {
        switch (sources[i], value) {
        case (_, .missing): return .missing
        case (.numeric, .int(let v)): return .int(v)
        case (.keyword(let c, _), .bytes(let b)):
            let (ordinal, exact) = b.withUnsafeBytes { c.lowerBound($0) }
            return .ordinal(ordinal, exact: exact)
        case (.score, .score(let f)): return .score(f)
        default: return .missing  // a key of another kind never occurs: one key has one kind of value
        }
    }

    /// How document `doc`'s key `i` sorts against `other` (-1 before, 0 tied, 1 after), from the columns.
    @inline(__always)
    func compare(_ i: Int, doc: Int, score: Float, with other: KeyBound, descending: Bool) -> Int {
        let r: Int
        switch sources[i] {
        case .numeric(let c, let mode):
            let v = mode == .min ? c.value(doc) : c.maxValue(doc)
            guard let x = v else { return other.isMissing ? 0 : 1 }
            guard case .int(let y) = other else { return -1 }
            r = x < y ? -1 : x > y ? 1 : 0
        case .keyword(let c, let mode):
            guard let chosen = SortLeaf.sortOrdinal(c, mode, doc) else { return other.isMissing ? 0 : 1 }
            guard case .ordinal(let o, let exact) = other else { return -1 }
            // Below the bound's position: a smaller value; at it: the same value only when the bound is exact.
            r = chosen < o ? -1 : (chosen == o && exact) ? 0 : 1
        case .score:
            guard case .score(let y) = other else { return -1 }
            r = score < y ? -1 : score > y ? 1 : 0
        case .none:
            return other.isMissing ? 0 : 1
        }
        return descending ? -r : r
    }

    /// True when no document of block `b` (`NumericColumn.blockSize` documents) can have a first key that sorts
    /// before `other` or ties with it: the block's value bounds (its smallest and largest value or ordinal) are
    /// strictly worse, and a document without a value sorts last.
    func blockIsWorse(_ b: Int, than other: KeyBound, descending: Bool) -> Bool {
        if other.isMissing { return false }  // a missing worst: any document ties or beats it
        switch sources[0] {
        case .numeric(let c, _):
            guard b < c.blockCount else { return false }
            guard let range = c.blockRange(b) else { return true }  // every document is missing
            guard case .int(let y) = other else { return false }
            return descending ? range.upperBound < y : range.lowerBound > y
        case .keyword(let c, _):
            guard b < c.blockCount else { return false }
            guard let range = c.blockOrdinals(b) else { return true }
            guard case .ordinal(let o, let exact) = other else { return false }
            // Ordinals below o hold smaller values than the bound's, o itself its value when exact (a larger one
            // otherwise), and those above it larger ones.
            return descending ? range.upperBound < o : (exact ? range.lowerBound > o : range.lowerBound >= o)
        case .score, .none:
            return false
        }
    }

    @inline(__always)
    func value(_ i: Int, doc: Int, score: Float) -> SortValue {
        switch sources[i] {
        case .numeric(let c, let mode):
            let v = mode == .min ? c.value(doc) : c.maxValue(doc)
            return v.map { .int($0) } ?? .missing
        case .keyword(let c, let mode):
            return SortLeaf.sortOrdinal(c, mode, doc).map { .bytes(Array(c.value($0))) } ?? .missing
        case .score:
            return .score(score)
        case .none:
            return .missing
        }
    }
}

/// Keeps the best `capacity` documents of a sorted search (a binary heap, worst on top), optionally only those
/// after a search-after cursor.
struct SortedTopK {
    let sort: [SortField]
    let capacity: Int
    let after: SortedDoc?
    private(set) var items: [SortedDoc] = []

    init(sort: [SortField], capacity: Int, after: SortedDoc?) {
        self.sort = sort
        self.capacity = capacity
        self.after = after
        items.reserveCapacity(min(capacity, 1 << 16))
    }

    /// True if `a` sorts before `b`: key by key, then by document.
    func precedes(_ a: SortedDoc, _ b: SortedDoc) -> Bool {
        for (i, key) in sort.enumerated() {
            let c = a.keys[i].compare(b.keys[i], key.order)
            if c != 0 { return c < 0 }
        }
        return a.doc < b.doc
    }

    mutating func insert(_ e: SortedDoc) {
        guard capacity > 0 else { return }
        if let after, !precedes(after, e) { return }
        if items.count < capacity {
            items.append(e)
            var i = items.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                guard precedes(items[p], items[i]) else { break }
                items.swapAt(p, i)
                i = p
            }
        } else if precedes(e, items[0]) {
            items[0] = e
            var i = 0
            while true {
                let l = 2 * i + 1
                if l >= items.count { break }
                let r = l + 1
                let c = r < items.count && precedes(items[l], items[r]) ? r : l
                guard precedes(items[i], items[c]) else { break }
                items.swapAt(i, c)
                i = c
            }
        }
    }

    func sorted() -> [SortedDoc] { items.sorted { precedes($0, $1) } }

    /// The worst kept document, once the heap is full.
    var worst: SortedDoc? { items.count == capacity ? items.first : nil }

    /// The worst kept document's first key (a number) and document, once the heap is full.
    func worstNumeric() -> (value: Int64, doc: Int32)? {
        guard items.count == capacity, let w = items.first, case .int(let v) = w.keys[0] else { return nil }
        return (v, w.doc)
    }
}

extension SortedDoc {
    /// The search-after token of this hit: its keys and document, in hex, so that it passes through a command line
    /// and the protocol as text.
    func token(generation: UInt64) -> String {
        var w = ByteWriter()
        w.writeU8(1)  // token version
        w.writeVInt(generation)
        w.writeVInt(keys.count)
        for k in keys {
            switch k {
            case .missing: w.writeU8(0)
            case .int(let v):
                w.writeU8(1)
                w.writeU64(UInt64(bitPattern: v))
            case .bytes(let b):
                w.writeU8(2)
                w.writeVInt(b.count)
                w.write(b)
            case .score(let f):
                w.writeU8(3)
                w.writeU32(f.bitPattern)
            }
        }
        w.writeVInt(UInt64(UInt32(bitPattern: doc)))
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in w.bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The cursor a token stands for; `.invalidArgument` for a malformed token or one of another sort.
    init(token: String, sort: [SortField]) throws(SaigaError) {
        let bad = SaigaError(.invalidArgument, "the search-after token is malformed or belongs to another sort")
        let hex = Array(token.utf8)
        guard hex.count % 2 == 0, hex.count <= 2 * 64 * 1024 else { throw bad }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        var bytes: [UInt8] = []
        var i = 0
        while i < hex.count {
            guard let h = nibble(hex[i]), let l = nibble(hex[i + 1]) else { throw bad }
            bytes.append(h << 4 | l)
            i += 2
        }
        do {
            let parsed = try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws(DecodeError) -> SortedDoc? in
                var c = ByteCursor(raw)
                guard try c.readU8() == 1 else { return nil }
                _ = try c.readVInt()
                let n = try c.readLength()
                guard n == sort.count else { return nil }
                var keys: [SortValue] = []
                for k in 0..<n {
                    switch try c.readU8() {
                    case 0: keys.append(.missing)
                    case 1: keys.append(.int(Int64(bitPattern: try c.readU64())))
                    case 2: keys.append(.bytes(Array(try c.readLengthPrefixedBytes())))
                    case 3:
                        guard sort[k].field == SortField.scoreField else { return nil }
                        keys.append(.score(Float(bitPattern: try c.readU32())))
                    default: return nil
                    }
                }
                let doc = try c.readVInt()
                guard doc < UInt64(Int32.max), c.isAtEnd else { return nil }
                return SortedDoc(keys: keys, doc: Int32(doc), score: 0)
            }
            guard let parsed else { throw bad }
            self = parsed
        } catch {
            throw bad
        }
    }
}

/// Visits a segment's documents in the order of a numeric sort key, through the key's point index (sorted by
/// value, then document): the top of a sort is found without looking at the other documents, once the heap is full
/// and the next value cannot enter. Used when a sort has many candidates; a multi-valued field qualifies when its
/// sort mode is the one the scan meets first (the largest value descending, the smallest ascending).
struct PointOrderScan {
    /// Fewer candidates than this are cheaper to visit one by one.
    static let minimumCandidates = 8192

    let points: PointIndex
    let column: NumericColumn
    let descending: Bool

    init?(_ key: SortField, schema: Schema, segment seg: SegmentReader) throws(SaigaError) {
        guard key.field != SortField.scoreField, let n = schema.fields.firstIndex(where: { $0.name == key.field }),
            let info = seg.info.field(number: n), info.name == key.field,
            let points = try seg.columns.points(n), let column = try seg.columns.numeric(n)
        else { return nil }
        descending = key.order == .descending
        guard !column.isMultiValued || key.effectiveMode == (descending ? .max : .min) else { return nil }
        self.points = points
        self.column = column
    }

    static func isAll(_ q: PreparedQuery) -> Bool {
        if case .structured(let sq) = q, case .all = sq.kind { return true }
        return false
    }

    /// Offers the candidates in key order until no later one can enter and at least `countAtLeast` candidates were
    /// seen; returns how many candidates were seen and whether the scan went through every point. Runs of equal
    /// values are visited in document order, so with a single key the first candidate of a run that cannot enter
    /// ends the scan.
    func run(
        _ candidates: SortCandidates, countAtLeast: Int, into offer: inout SortOffer
    ) -> (counted: Int, complete: Bool) {
        let seen = column.isMultiValued ? DocBitSet(maxDoc: column.count) : nil
        let singleKey = offer.sort.count == 1
        var counted = 0
        var worst = offer.worstNumeric()
        var runStart = descending ? points.points : 0
        while descending ? runStart > 0 : runStart < points.points {
            // The next run of equal values, [lo, hi).
            let v = points.value(descending ? runStart - 1 : runStart)
            var lo: Int
            let hi: Int
            if descending {
                hi = runStart
                lo = firstIndex(atLeast: v, below: hi)
                runStart = lo
            } else {
                lo = runStart
                hi = firstIndex(above: v, from: lo)
                runStart = hi
            }
            // A run strictly worse than the heap's worst cannot enter at all.
            var closed = worst.map { descending ? v < $0.value : v > $0.value } ?? false
            if closed && counted >= countAtLeast { return (counted, false) }
            while lo < hi {
                let d = points.doc(lo)
                lo += 1
                if let seen {
                    if seen.contains(d) { continue }
                    seen.insert(d)
                }
                guard candidates.contains(d) else { continue }
                counted += 1
                if !closed, singleKey, let w = worst, w.value == v, offer.base &+ Int32(d) > w.doc {
                    // Ties go to the lower document: neither this one nor any later one can enter.
                    closed = true
                }
                if closed {
                    if counted >= countAtLeast { return (counted, false) }
                    continue
                }
                if offer.offer(d, 0) { worst = offer.worstNumeric() }
            }
        }
        return (counted, true)
    }

    /// The first point index below `hi` whose value is `v` (values sorted; point hi - 1 has value v).
    private func firstIndex(atLeast v: Int64, below hi: Int) -> Int {
        var lo = 0
        var hi = hi
        while lo < hi {
            let mid = (lo + hi) / 2
            if points.value(mid) < v { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The first point index from `lo` whose value is above `v`.
    private func firstIndex(above v: Int64, from lo: Int) -> Int {
        var lo = lo
        var hi = points.points
        while lo < hi {
            let mid = (lo + hi) / 2
            if points.value(mid) <= v { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// Which documents of a segment a sorted search may return: a bit set of candidates, or the live documents that
/// pass the filters (checked one by one, for a scan that visits few of them).
enum SortCandidates {
    case bits(DocBitSet)
    case filtered(SegmentFilter, deleted: UnsafePointer<UInt8>?)

    @inline(__always)
    func contains(_ d: Int) -> Bool {
        switch self {
        case .bits(let b): return b.contains(d)
        case .filtered(let f, let deleted):
            if let deleted, deleted[d >> 3] & (1 << UInt8(d & 7)) != 0 { return false }
            return f.accepts(d)
        }
    }
}

/// The candidates of a sorted search, offered one by one to its heap: against a full heap, a candidate is compared
/// with the worst kept document from the columns (numbers as numbers, keywords by ordinal), and a candidate of a
/// block whose first-key bounds are worse is turned away on the block's bounds alone; only documents that enter
/// have their keys built. A struct with mutating methods, so the hot loop reads and writes its state without
/// closures.
struct SortOffer {
    let sort: [SortField]
    private(set) var collector: SortedTopK
    private var keys: [SortValue]
    private var worst: SortedDoc?
    /// The worst's keys as the current segment compares them.
    private var worstBounds: [KeyBound] = []
    private var leaf: SortLeaf?
    private let descending: [Bool]
    private(set) var base: Int32 = 0
    /// The block (of `NumericColumn.blockSize` documents) last looked at, and whether its bounds turn it away.
    private var block = -1
    private var blockIsWorse = false

    init(sort: [SortField], capacity: Int, after: SortedDoc?) {
        self.sort = sort
        collector = SortedTopK(sort: sort, capacity: capacity, after: after)
        keys = [SortValue](repeating: .missing, count: sort.count)
        descending = sort.map { $0.order == .descending }
    }

    /// Starts a segment: its key readers and first global document.
    mutating func begin(_ leaf: SortLeaf, base: Int32) {
        self.leaf = leaf
        self.base = base
        worstChanged()
    }

    private mutating func worstChanged() {
        worst = collector.worst
        block = -1
        guard let leaf, let worst else {
            worstBounds = []
            return
        }
        worstBounds = (0..<sort.count).map { leaf.bound($0, of: worst.keys[$0]) }
    }

    /// True when no later document of the segment can enter (visited in document order): a single numeric key whose
    /// best possible value the heap's worst already has (a tie goes to the lower document).
    var isSaturated: Bool {
        guard sort.count == 1, let best = leaf?.bestFirst, let w = worst, case .int(let v) = w.keys[0] else {
            return false
        }
        return v == best
    }

    /// Offers segment document `d` (with its score when the score is a key); true if it entered the heap.
    @inline(__always)
    @discardableResult
    mutating func offer(_ d: Int, _ score: Float) -> Bool {
        guard let leaf else { return false }
        if let w = worst {
            // Against a full heap, most candidates lose on their first key, many on their block's bounds.
            let b = d / NumericColumn.blockSize
            if b != block {
                block = b
                blockIsWorse = leaf.blockIsWorse(b, than: worstBounds[0], descending: descending[0])
            }
            if blockIsWorse { return false }
            var better = false
            for i in 0..<sort.count {
                let c = leaf.compare(i, doc: d, score: score, with: worstBounds[i], descending: descending[i])
                if c > 0 { return false }
                if c < 0 {
                    better = true
                    break
                }
            }
            if !better && base &+ Int32(d) > w.doc { return false }
        }
        for i in 0..<sort.count { keys[i] = leaf.value(i, doc: d, score: score) }
        collector.insert(SortedDoc(keys: keys, doc: base &+ Int32(d), score: score))
        if collector.worst?.doc != worst?.doc || worst == nil { worstChanged() }
        return true
    }

    /// The worst kept document's first key (a number) and document, once the heap is full.
    func worstNumeric() -> (value: Int64, doc: Int32)? { collector.worstNumeric() }
}
