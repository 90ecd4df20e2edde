/// A search's filters in one segment, as checks on single documents: a keyword filter compares the document's
/// ordinals in the keyword column with the value's, a range or `_exists_` filter reads the numeric column, and any
/// other filter (text, a boolean combination, a field without a column) is a bit set computed once. A top-k search
/// checks only the documents that would enter the top k (the collector asks, as it asks about deletions), so a
/// filter costs what the candidates cost, not what the filter matches (Lucene's two-phase verification with doc
/// values, `IndexOrDocValuesQuery`). After a rejection, `firstPossible` tells the evaluator where the next document
/// that may pass is (a keyword's next posting, a range's next block that meets it), so that stretches a filter keeps
/// out are skipped, not checked document by document. An exhaustive pass (sorts, facets, filter-only searches) takes
/// the cheapest filter's matches as a bit set and checks the others per document.
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
    /// The checks by kind, for `accepts`: the single-valued columns' as packed-value tests in manually managed
    /// memory (freed by `deinit`), read with no reference counting or enum copies per document; then the rest.
    private let packed: UnsafeMutableBufferPointer<PackedEntry>
    private let multis: [(column: KeywordColumn, ord: Int, excluded: Bool, index: Int)]
    private let others: [(check: Check, excluded: Bool, index: Int)]
    /// True when there are checks besides the packed ones.
    private let hasOtherChecks: Bool

    struct PackedEntry {
        let check: PackedCheck
        let excluded: Bool
        /// The check's position in `checks`.
        let index: Int
    }

    /// For `firstPossible`: the postings of the required indexed keyword filters (walked forward only, created on
    /// first use), and the required checks that skip by their structure (a range by its column's block ranges, a
    /// bit set by its words).
    private var skipPostings: [PostingsIterator?]
    private let skipTerms: [(field: Int, meta: TermMeta)]
    private let skipRanges: [(column: NumericColumn, range: ClosedRange<Int64>)]
    /// Per range of `skipRanges`: the last block looked up, and the first block from it on whose values meet the
    /// range (blockCount: none), so that increasing targets read each block's bounds once.
    private var rangeScan: [(from: Int, meeting: Int)]
    /// The last target of `firstPossible`: the postings only move forward, so a smaller target does not skip (the
    /// documents from the last target to the last answer are known to fail).
    private var lastTarget: Int32 = -1
    private let skipBits: [DocBitSet]
    private unowned let segment: SegmentReader

    deinit { packed.deallocate() }

    init(_ filters: [PreparedFilter], segment s: Int, executor: QueryExecutor) throws(SaigaError) {
        let seg = executor.segments[s]
        maxDoc = seg.maxDoc
        segment = seg
        var skipTerms: [(field: Int, meta: TermMeta)] = []
        var checks: [(Check, Bool)] = []
        var costs: [Int] = []
        var sources: [StructuredQuery?] = []
        var rejectsAll = false
        for f in filters {
            if case .structured(let sq) = f.query, let (check, cost, postings) = try SegmentFilter.columnCheck(sq, seg)
            {
                guard let check else {
                    // Nothing in the segment matches: an excluded filter passes everything, a required one nothing.
                    if !f.excluded { rejectsAll = true }
                    continue
                }
                checks.append((check, f.excluded))
                costs.append(f.excluded ? seg.maxDoc - cost : cost)
                sources.append(sq)
                if !f.excluded, let postings { skipTerms.append((sq.field, postings)) }
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
        var packedEntries: [PackedEntry] = []
        var multis: [(column: KeywordColumn, ord: Int, excluded: Bool, index: Int)] = []
        var others: [(check: Check, excluded: Bool, index: Int)] = []
        for (i, (check, excluded)) in checks.enumerated() {
            var packedCheck: PackedCheck?
            switch check {
            case .keywordSingle(let c, let ord): packedCheck = c.packedCheck(ordinal: ord)
            case .range(let c, let r): packedCheck = c.packedCheck(r)
            default: break
            }
            if let packedCheck {
                packedEntries.append(PackedEntry(check: packedCheck, excluded: excluded, index: i))
            } else if case .keywordMulti(let c, let ord) = check {
                multis.append((c, ord, excluded, i))
            } else {
                others.append((check, excluded, i))
            }
        }
        packed = .allocate(capacity: packedEntries.count)
        _ = packed.initialize(from: packedEntries)
        hasOtherChecks = !multis.isEmpty || !others.isEmpty
        self.multis = multis
        self.others = others
        self.skipTerms = skipTerms
        skipPostings = Array(repeating: nil, count: skipTerms.count)
        skipRanges = checks.compactMap { check, excluded in
            guard !excluded, case .range(let c, let r) = check, c.blocksAreNarrow else { return nil }
            return (c, r)
        }
        rangeScan = Array(repeating: (-1, -1), count: skipRanges.count)
        skipBits = checks.compactMap { check, excluded in
            guard !excluded, case .bits(let b) = check else { return nil }
            return b
        }
        canSkip = !skipTerms.isEmpty || !skipRanges.isEmpty || !skipBits.isEmpty
    }

    /// The postings of keyword filter `q` when its field is indexed and the segment has the value.
    private static func keywordPostings(_ q: StructuredQuery, _ seg: SegmentReader) throws(SaigaError) -> TermMeta? {
        guard case .keyword(let value) = q.kind, let info = seg.info.field(number: q.field), info.name == q.name,
            info.flags.contains(.indexed)
        else { return nil }
        return try withBytes(value) { (v: UnsafeRawBufferPointer) throws(SaigaError) in
            try seg.lookup(field: q.field, term: v)
        }
    }

    /// True when `firstPossible` can skip: some required filter has postings, narrow blocks or bits.
    let canSkip: Bool

    /// True when a keyword filter's postings read by `firstPossible` turned out damaged (it then stopped skipping
    /// on them, and the evaluator reports the damage after the segment).
    var skipPostingsAreCorrupt: Bool { skipPostings.contains { $0?.isCorrupt ?? false } }

    /// A document at or after `target` before which no document passes the filters (`PostingsCursor.noMoreDocs`:
    /// none does): the largest of the required filters' own next possible documents (a keyword's next posting, a
    /// range's next block whose values meet it, a bit set's next bit). Evaluators call it with increasing targets
    /// after a rejection, and move their cursors there: a filter that keeps whole stretches of the segment out (a
    /// `source` of an index grouped by source) costs a skip, not a check per posting (Lucene's conjunction with
    /// the filter's iterator). A damaged postings list stops skipping (`skipPostingsAreCorrupt`); the checks still
    /// decide.
    func firstPossible(atOrAfter target: Int32) -> Int32 {
        guard target >= lastTarget else { return target }
        lastTarget = target
        var at = target
        var moved = true
        // Each filter's answer may move the others on: repeat until they agree (the leapfrog of a conjunction).
        while moved {
            moved = false
            if Int(at) >= maxDoc { return PostingsCursor.noMoreDocs }
            for i in skipTerms.indices {
                let it: PostingsIterator
                if let existing = skipPostings[i] {
                    it = existing
                } else {
                    it = segment.postingsIterator(skipTerms[i].meta, field: skipTerms[i].field)
                    skipPostings[i] = it
                }
                if it.isCorrupt { continue }
                var d = it.cursor.pointee.doc
                if d < at { d = it.advance(to: at) }
                if it.isCorrupt { continue }
                if d > at {
                    if d == PostingsCursor.noMoreDocs { return d }
                    at = d
                    moved = true
                }
            }
            for i in skipRanges.indices {
                let b = Int(at) / NumericColumn.blockSize
                let column = skipRanges[i].column
                if b >= column.blockCount { continue }  // past the column: the checks decide
                var (from, meeting) = rangeScan[i]
                if b < from || b > meeting {
                    meeting = b
                    while meeting < column.blockCount,
                        !(column.blockRange(meeting).map { $0.overlaps(skipRanges[i].range) } ?? false)
                    {
                        meeting &+= 1
                    }
                    from = b
                    rangeScan[i] = (from, meeting)
                }
                if meeting >= column.blockCount { return PostingsCursor.noMoreDocs }
                let start = Int32(meeting &* NumericColumn.blockSize)
                if start > at {
                    at = start
                    moved = true
                }
            }
            for bits in skipBits {
                guard let d = bits.next(atOrAfter: Int(at)) else { return PostingsCursor.noMoreDocs }
                if Int32(d) > at {
                    at = Int32(d)
                    moved = true
                }
            }
        }
        return at
    }

    /// A check of the column of a simple structured filter (nil check: the filter matches nothing here), an
    /// estimate of its matches, and for an indexed keyword its postings; nil when the filter needs a bit set.
    private static func columnCheck(
        _ q: StructuredQuery, _ seg: SegmentReader
    ) throws(SaigaError) -> (Check?, Int, TermMeta?)? {
        guard let info = seg.info.field(number: q.field), info.name == q.name else {
            // A field this segment has no value of (declared after it was written).
            switch q.kind {
            case .all: return nil
            default: return (nil, 0, nil)
            }
        }
        switch q.kind {
        case .keyword(let value):
            guard let column = try seg.columns.keyword(q.field) else { return nil }
            guard let ord = value.withUnsafeBytes({ column.ordinal(of: $0) }) else { return (nil, 0, nil) }
            let postings = try keywordPostings(q, seg)
            let check: Check = column.isMultiValued ? .keywordMulti(column, ord) : .keywordSingle(column, ord)
            return (check, postings?.docFreq ?? seg.maxDoc, postings)
        case .range(let range):
            guard let column = try seg.columns.numeric(q.field) else { return nil }
            var cost = seg.maxDoc
            if let points = try seg.columns.points(q.field) { cost = points.estimateCount(range) }
            return (.range(column, range), cost, nil)
        case .exists:
            guard let column = try seg.columns.numeric(q.field) else { return nil }
            return (.exists(column), info.docCount, nil)
        case .all:
            return nil
        }
    }

    /// The estimated matches of the most selective filter (maxDoc with none).
    var leadCost: Int { rejectsAll ? 0 : costs.min() ?? maxDoc }

    /// True if document `doc` passes every filter: what a top-k search asks of each candidate.
    @inline(__always)
    func accepts(_ doc: Int) -> Bool {
        for i in 0..<packed.count where packed[i].check.passes(doc) == packed[i].excluded { return false }
        return !hasOtherChecks || passesOtherChecks(doc, skipping: -1)
    }

    /// True if document `doc` passes every filter but check `skipping` (known to pass).
    func accepts(_ doc: Int, skipping: Int) -> Bool {
        for i in 0..<packed.count where packed[i].index != skipping {
            if packed[i].check.passes(doc) == packed[i].excluded { return false }
        }
        return !hasOtherChecks || passesOtherChecks(doc, skipping: skipping)
    }

    @inline(never)
    private func passesOtherChecks(_ doc: Int, skipping: Int) -> Bool {
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
