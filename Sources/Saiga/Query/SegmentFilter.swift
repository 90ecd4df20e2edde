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
    private(set) var checks: [(Check, Bool)] = []
    /// The estimated number of documents each check passes (for choosing the lead of an exhaustive pass), and the
    /// structured query behind a column check (its postings or points give the lead's bits).
    private var costs: [Int] = []
    private var sources: [StructuredQuery?] = []
    /// True when some filter matches no document of the segment (a keyword value the segment does not have).
    private(set) var rejectsAll = false
    let maxDoc: Int

    init(_ filters: [PreparedFilter], segment s: Int, executor: QueryExecutor) throws(SaigaError) {
        let seg = executor.segments[s]
        maxDoc = seg.maxDoc
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

    /// True if document `doc` passes every filter.
    @inline(__always)
    func accepts(_ doc: Int) -> Bool {
        for (check, excluded) in checks where SegmentFilter.passes(check, doc) == excluded { return false }
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
        let rest = checks.indices.filter { $0 != lead }
        guard !rest.isEmpty else { return result }
        let others = rest.map { checks[$0] }
        try result.forEachDocument { (d: Int) throws(SaigaError) -> Bool in
            for (check, excluded) in others where SegmentFilter.passes(check, d) == excluded {
                result.remove(d)
                break
            }
            return true
        }
        return result
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
