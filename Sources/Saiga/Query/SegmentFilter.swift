/// A search's filters in one segment, as checks on single documents: a keyword filter compares the document's
/// ordinals in the keyword column with the value's, a range or `_exists_` filter reads the numeric column, and any
/// other filter (text, a boolean combination, a field without a column) is a bit set computed once. A top-k search
/// checks only the documents that would enter the top k (the collector asks, as it asks about deletions), so a
/// filter costs what the candidates cost, not what the filter matches (Lucene's two-phase verification with doc
/// values, `IndexOrDocValuesQuery`). An exhaustive pass (sorts, facets, filter-only searches) takes the cheapest
/// filter's matches as a bit set and checks the others per document.
final class SegmentFilter {
    enum Check {
        /// A single-valued keyword column holds ordinal `ord`.
        case keywordSingle(KeywordColumn, Int)
        /// A keyword column (multi-valued) holds ordinal `ord`.
        case keywordMulti(KeywordColumn, Int)
        /// A numeric column has a value in the range.
        case range(NumericColumn, ClosedRange<Int64>)
        /// The document has a value in the numeric column.
        case exists(NumericColumn)
        /// Precomputed matches.
        case bits(DocBitSet)
    }

    /// (check, excluded): an excluded filter passes the documents its check fails.
    let checks: [(Check, Bool)]
    /// The estimated number of documents each check passes (for choosing the lead of an exhaustive pass), and the
    /// structured query behind a column check (its postings or points give the lead's bits).
    private let costs: [Int]
    private let sources: [StructuredQuery?]
    /// True when some filter matches no document of the segment (a keyword value the segment does not have).
    let rejectsAll: Bool
    let maxDoc: Int
    /// The checks by kind, for `accepts`: plain arrays of small values, read without copying an enum per document.
    private let singles: [(column: KeywordColumn, ord: Int, excluded: Bool, index: Int)]
    private let multis: [(column: KeywordColumn, ord: Int, excluded: Bool, index: Int)]
    private let ranges: [(column: NumericColumn, range: ClosedRange<Int64>, excluded: Bool, index: Int)]
    private let others: [(check: Check, excluded: Bool, index: Int)]

    init(_ filters: [PreparedFilter], segment s: Int, executor: QueryExecutor) throws(SaigaError) {
        let seg = executor.segments[s]
        maxDoc = seg.maxDoc
        var checks: [(Check, Bool)] = []
        var costs: [Int] = []
        var sources: [StructuredQuery?] = []
        var rejectsAll = false
        for f in filters {
            if case .structured(let sq) = f.query, let (check, cost) = try SegmentFilter.columnCheck(sq, seg) {
                guard let check else {
                    // Nothing in the segment matches: an excluded filter passes everything, a required one nothing.
                    if !f.excluded { rejectsAll = true }
                    continue
                }
                checks.append((check, f.excluded))
                costs.append(f.excluded ? seg.maxDoc - cost : cost)
                sources.append(sq)
                continue
            }
            let bits = try executor.matches(f.query, segment: s)
            let count = bits.count
            if !f.excluded && count == 0 { rejectsAll = true }
            checks.append((.bits(bits), f.excluded))
            costs.append(f.excluded ? seg.maxDoc - count : count)
            sources.append(nil)
        }
        self.checks = checks
        self.costs = costs
        self.sources = sources
        self.rejectsAll = rejectsAll
        var singles: [(column: KeywordColumn, ord: Int, excluded: Bool, index: Int)] = []
        var multis: [(column: KeywordColumn, ord: Int, excluded: Bool, index: Int)] = []
        var ranges: [(column: NumericColumn, range: ClosedRange<Int64>, excluded: Bool, index: Int)] = []
        var others: [(check: Check, excluded: Bool, index: Int)] = []
        for (i, (check, excluded)) in checks.enumerated() {
            switch check {
            case .keywordSingle(let c, let ord): singles.append((c, ord, excluded, i))
            case .keywordMulti(let c, let ord): multis.append((c, ord, excluded, i))
            case .range(let c, let r) where !c.isMultiValued: ranges.append((c, r, excluded, i))
            default: others.append((check, excluded, i))
            }
        }
        self.singles = singles
        self.multis = multis
        self.ranges = ranges
        self.others = others
    }

    /// A check of the column of a simple structured filter (nil check: the filter matches nothing here) and an
    /// estimate of its matches; nil when the filter needs a bit set.
    private static func columnCheck(
        _ q: StructuredQuery, _ seg: SegmentReader
    ) throws(SaigaError) -> (Check?, Int)? {
        guard let info = seg.info.field(number: q.field), info.name == q.name else {
            // A field this segment has no value of (declared after it was written).
            switch q.kind {
            case .all: return nil
            default: return (nil, 0)
            }
        }
        switch q.kind {
        case .keyword(let value):
            guard let column = try seg.columns.keyword(q.field) else { return nil }
            guard let ord = value.withUnsafeBytes({ column.ordinal(of: $0) }) else { return (nil, 0) }
            var cost = seg.maxDoc
            if info.flags.contains(.indexed),
                let meta = try withBytes(
                    value,
                    { (v: UnsafeRawBufferPointer) throws(SaigaError) in
                        try seg.lookup(field: q.field, term: v)
                    })
            {
                cost = meta.docFreq
            }
            return (column.isMultiValued ? .keywordMulti(column, ord) : .keywordSingle(column, ord), cost)
        case .range(let range):
            guard let column = try seg.columns.numeric(q.field) else { return nil }
            var cost = seg.maxDoc
            if let points = try seg.columns.points(q.field) { cost = points.estimateCount(range) }
            return (.range(column, range), cost)
        case .exists:
            guard let column = try seg.columns.numeric(q.field) else { return nil }
            return (.exists(column), info.docCount)
        case .all:
            return nil
        }
    }

    /// The estimated matches of the most selective filter (maxDoc with none).
    var leadCost: Int { rejectsAll ? 0 : costs.min() ?? maxDoc }

    /// True if document `doc` passes every filter (but check `skipping`, known to pass).
    @inline(__always)
    func accepts(_ doc: Int, skipping: Int = -1) -> Bool {
        for i in singles.indices where singles[i].index != skipping {
            if (singles[i].column.singleOrdinal(doc) == singles[i].ord) == singles[i].excluded { return false }
        }
        for i in ranges.indices where ranges[i].index != skipping {
            let inRange = ranges[i].column.value(doc).map { ranges[i].range.contains($0) } ?? false
            if inRange == ranges[i].excluded { return false }
        }
        for i in multis.indices where multis[i].index != skipping {
            let ord = multis[i].ord
            var found = false
            multis[i].column.forEachOrdinal(doc) { if $0 == ord { found = true } }
            if found == multis[i].excluded { return false }
        }
        for i in others.indices where others[i].index != skipping {
            if SegmentFilter.passes(others[i].check, doc) == others[i].excluded { return false }
        }
        return true
    }

    @inline(__always)
    private static func passes(_ check: Check, _ doc: Int) -> Bool {
        switch check {
        case .keywordSingle(let c, let ord):
            return c.singleOrdinal(doc) == ord
        case .keywordMulti(let c, let ord):
            var found = false
            c.forEachOrdinal(doc) { if $0 == ord { found = true } }
            return found
        case .range(let c, let range):
            if c.isMultiValued {
                var found = false
                c.forEachValue(doc) { if range.contains($0) { found = true } }
                return found
            }
            guard let v = c.value(doc) else { return false }
            return range.contains(v)
        case .exists(let c):
            return c.hasValue(doc)
        case .bits(let b):
            return b.contains(doc)
        }
    }

    /// The documents of the segment that pass every filter and are not deleted, as a bit set: the cheapest filter's
    /// matches (a column scan, or its bit set), the others checked per document.
    func accepted(
        deletedBits: UnsafePointer<UInt8>?, executor: QueryExecutor, segment s: Int
    ) throws(SaigaError)
        -> DocBitSet
    {
        let result: DocBitSet
        var lead = -1
        if rejectsAll {
            return DocBitSet(maxDoc: maxDoc)
        } else if let cheapest = costs.indices.min(by: { costs[$0] < costs[$1] }) {
            lead = cheapest
            result = try leadBits(cheapest, executor: executor, segment: s)
        } else {
            result = DocBitSet(maxDoc: maxDoc, full: true)
        }
        if let deletedBits { result.subtract(deletedBits: deletedBits) }
        guard checks.count > 1 else { return result }
        result.forEachDocument { (d: Int) -> Bool in
            if !accepts(d, skipping: lead) { result.remove(d) }
            return true
        }
        return result
    }

    /// Calls `body` with every live document that passes the filters, in document order, without building a bit
    /// set when the most selective filter is an indexed keyword: its postings are walked and the other filters
    /// checked per document (for filter-only searches, whose filter is often a rare value). Returns false when it
    /// cannot (the caller builds `accepted`).
    func forEachAccepted(
        deletedBits: UnsafePointer<UInt8>?, executor: QueryExecutor, segment s: Int, _ body: (Int) -> Void
    ) throws(SaigaError) -> Bool {
        guard !rejectsAll, let lead = costs.indices.min(by: { costs[$0] < costs[$1] }), !checks[lead].1,
            let sq = sources[lead], case .keyword(let value) = sq.kind
        else { return rejectsAll }
        let seg = executor.segments[s]
        guard let info = seg.info.field(number: sq.field), info.name == sq.name, info.flags.contains(.indexed) else {
            return false
        }
        let meta = try withBytes(value) { (v: UnsafeRawBufferPointer) throws(SaigaError) in
            try seg.lookup(field: sq.field, term: v)
        }
        guard let meta else { return true }
        let it = seg.postingsIterator(meta, field: sq.field)
        var d = it.nextDoc()
        while d != PostingsIterator.noMoreDocs {
            let doc = Int(d)
            if let deletedBits, deletedBits[doc >> 3] & (1 << UInt8(doc & 7)) != 0 {
            } else if accepts(doc, skipping: lead) {
                body(doc)
            }
            d = it.nextDoc()
        }
        if it.isCorrupt { throw seg.postingsCorruption() }
        return true
    }

    /// The matches of check `i` as a bit set: from its postings or points (`StructuredQuery.matches`), or its bits.
    private func leadBits(_ i: Int, executor: QueryExecutor, segment s: Int) throws(SaigaError) -> DocBitSet {
        let (check, excluded) = checks[i]
        let bits: DocBitSet
        if let sq = sources[i] {
            bits = try sq.matches(in: executor.segments[s])
        } else {
            bits = DocBitSet(maxDoc: maxDoc)
            if case .bits(let b) = check { bits.formUnion(b) }
        }
        if excluded { bits.complement() }
        return bits
    }
}
