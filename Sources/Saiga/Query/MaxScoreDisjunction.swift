/// Top-k evaluation of a disjunction of clauses (each one term, or a disjunction of terms: a word over the title
/// and body fields, a prefix's expansions) with MaxScore and block-max bounds.
///
/// Evaluation is document at a time (`runDocumentAtATime`), with terms as MaxScore's units: terms sorted by their
/// segment bound; the longest prefix of them whose bounds sum to at most the current k-th score is *non-essential*
/// and only the other terms' documents are candidates; once per postings block, a check with the essential terms'
/// block bounds passes over blocks in which nothing can compete (BMW's block-max check).
///
/// Clauses of many terms (a prefix's expansions) take documents a window at a time instead, as Lucene's
/// `MaxScoreBulkScorer` does:
///
/// - For the window, each clause's bound is the largest block-max bound of its terms' blocks overlapping the
///   window (from skip entries, no decoding).
/// - Clauses sorted by bound: the longest prefix whose bounds sum to at most the current k-th score is
///   non-essential: a document matching only those cannot enter the top k. If every clause is non-essential the
///   window is skipped without decoding anything.
/// - The essential clauses are scored for all their documents in the window (dense arrays, no per-document heap);
///   each candidate then checks its bound with the non-essential clauses' bounds and scores those clauses only
///   while it can still compete.
///
/// While the hit count is still exact (fewer than the collector's count limit), nothing is pruned: every matching
/// document is scored. Scores are the clause scores summed in clause order in double and rounded once, so pruned
/// and exhaustive runs give bit-identical results.
///
/// About 490 lines, a third of them comments: the two strategies share the term and clause layout, the bounds and
/// the collector protocol, and splitting them would put one algorithm's invariants in two places. Window scratch
/// memory is `WindowScratch`, the terms are `TermLeaf`s.
struct MaxScoreDisjunction: ~Copyable {
    static let windowSize = 4096

    /// The terms, and the clause boundaries, in manually managed memory (freed by `deinit`: the value cannot be copied): the hot loops
    /// index them without copy-on-write checks or reference counting.
    private var leaves: UnsafeMutableBufferPointer<TermLeaf>
    /// Clause c owns leaves clauseStart[c] ..< clauseStart[c + 1].
    private let clauseStart: UnsafeMutableBufferPointer<Int>
    var clauseCount: Int { clauseStart.count - 1 }

    deinit {
        leaves.deallocate()
        clauseStart.deallocate()
    }

    /// Returns nil when the query has another shape.
    init?(_ q: PreparedQuery, segment s: Int, executor: QueryExecutor, iterators: inout [PostingsIterator]) {
        var leaves: [TermLeaf] = []
        var starts: [Int] = [0]
        func leaf(_ q: PreparedQuery) -> TermLeaf?? {
            guard case .term(let field, let metas, let bm25) = q else { return nil }
            guard let meta = metas[s] else { return .some(nil) }  // absent from this segment
            let seg = executor.segments[s]
            let it = seg.postingsIterator(meta, field: field)
            iterators.append(it)
            return .some(TermLeaf(postings: it, bm25: bm25, norms: seg.norms(field: field)))
        }
        func addClause(_ q: PreparedQuery) -> Bool {
            if let l = leaf(q) {
                if let l {
                    leaves.append(l)
                    starts.append(leaves.count)
                }
                return true
            }
            guard case .boolean(let must, let should, let mustNot) = q, must.isEmpty, mustNot.isEmpty else {
                return false
            }
            let before = leaves.count
            for child in should {
                guard let l = leaf(child) else {
                    leaves.removeSubrange(before...)
                    return false
                }
                if let l { leaves.append(l) }
            }
            if leaves.count > before { starts.append(leaves.count) }
            return true
        }
        if case .boolean(let must, let should, let mustNot) = q {
            guard must.isEmpty, mustNot.isEmpty else { return nil }
            for child in should { guard addClause(child) else { return nil } }
        } else {
            guard addClause(q) else { return nil }
        }
        self.leaves = .allocate(capacity: leaves.count)
        _ = self.leaves.initialize(from: leaves)
        self.clauseStart = .allocate(capacity: starts.count)
        _ = self.clauseStart.initialize(from: starts)
    }

    /// Disjunctions with at most this many postings in a segment run document-at-a-time MaxScore with block-max
    /// checks (`runDocumentAtATime`); longer ones use windows. The default is every length: with the block-max
    /// checks, document-at-a-time beat the windows on the benchmark corpus at every query length (stop-word queries
    /// p50 −40%, OR p99 −9%, 15% fewer instructions); tests set 0 to drive disjunctions through the windows.
    static let shortListPostings = Int.max
    /// Document-at-a-time looks at every essential term at every candidate; clauses of many terms (a prefix's
    /// expansions) take the windows, which go through each term's postings once per window. Up to this many terms
    /// per clause on average (a word over title and body has two) run document at a time.
    static let documentAtATimeTermsPerClause = 4

    /// Scores the segment's matches into `collector`.
    mutating func run(docBase: Int32, maxDoc: Int, prune: Bool, shortListPostings: Int, collector: inout TopKCollector)
    {
        let n = clauseCount
        guard n > 0 else { return }
        var cost = 0
        for l in leaves.indices { cost &+= leaves[l].postings.pointee.docFreq }
        if cost <= shortListPostings && leaves.count <= n &* MaxScoreDisjunction.documentAtATimeTermsPerClause {
            // Specialisations: with no filter the loop has no check at all, and with few terms no heap.
            let heaped = leaves.count >= MaxScoreDisjunction.heapTerms
            switch (collector.hasFilter, heaped) {
            case (true, true):
                runDocumentAtATime(
                    Filtered.self, Heaped.self, docBase: docBase, maxDoc: maxDoc, prune: prune, collector: &collector)
            case (true, false):
                runDocumentAtATime(
                    Filtered.self, Scanned.self, docBase: docBase, maxDoc: maxDoc, prune: prune, collector: &collector)
            case (false, true):
                runDocumentAtATime(
                    Unfiltered.self, Heaped.self, docBase: docBase, maxDoc: maxDoc, prune: prune, collector: &collector)
            case (false, false):
                runDocumentAtATime(
                    Unfiltered.self, Scanned.self, docBase: docBase, maxDoc: maxDoc, prune: prune,
                    collector: &collector)
            }
            return
        }
        let w = MaxScoreDisjunction.windowSize
        // Per clause and window slot: the clause's score (0 where it does not match). The thread's scratch arrays
        // come in their initial state and every window leaves them so (slots are cleared after use).
        let scratch = WindowScratch.current(windowSize: w)
        scratch.reserve(clauses: n)
        let contributions = scratch.contributions
        let inner = scratch.inner  // -1: not touched by the current clause
        let essentialSum = scratch.essentialSum
        let matched = scratch.matched
        let touched = scratch.touched
        let clauseScores = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let bounds = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let order = UnsafeMutablePointer<Int>.allocate(capacity: n)
        let leafBounds = UnsafeMutablePointer<Double>.allocate(capacity: leaves.count)
        defer {
            clauseScores.deallocate()
            bounds.deallocate()
            order.deallocate()
            leafBounds.deallocate()
        }
        for i in leaves.indices { _ = leaves[i].postings.pointee.nextDoc() }

        var windowStart: Int32 = 0
        while Int(windowStart) < maxDoc {
            let windowEnd = windowStart > Int32.max - Int32(w) ? Int32.max : windowStart + Int32(w)
            let last = windowEnd &- 1

            // Partition the clauses by their bounds in this window.
            var essentialFrom = 0
            var nonEssentialBound = 0.0
            let pruning = prune && collector.isPruning
            var windowBound = 0.0  // every clause's bound together
            if pruning {
                for c in 0..<n {
                    var b = 0.0
                    for l in clauseStart[c]..<clauseStart[c + 1] {
                        let leafBound = Double(leaves[l].maxBound(from: windowStart, through: last))
                        leafBounds[l] = leafBound
                        b += leafBound
                    }
                    bounds[c] = b
                    windowBound += b
                    order[c] = c
                }
                MaxScoreDisjunction.sortByBound(order, bounds, n)
                var prefix = 0.0
                while essentialFrom < n && collector.cannotCompete(prefix + bounds[order[essentialFrom]]) {
                    prefix += bounds[order[essentialFrom]]
                    essentialFrom &+= 1
                }
                nonEssentialBound = prefix
            } else {
                for c in 0..<n { order[c] = c }
            }

            // Score the essential clauses over the window (none: nothing in the window can compete).
            var anyMatch = false
            for k in essentialFrom..<n {
                let c = order[k]
                let slots = contributions + c &* w
                var touchedCount = 0
                for l in clauseStart[c]..<clauseStart[c + 1] {
                    let it = leaves[l].postings
                    var d = it.pointee.doc < windowStart ? it.pointee.advance(to: windowStart) : it.pointee.doc
                    // Block-max inside the window: a block of this term whose bound, with every other term's
                    // window bound, cannot compete is passed over on its skip entry alone (`competitiveBlock`).
                    // Each clause's score is its terms' summed in double and rounded once (a one-term clause's
                    // is its term's).
                    let others = windowBound - leafBounds[l]
                    var competitiveThrough: Int32 = pruning ? -1 : PostingsCursor.noMoreDocs
                    while d < windowEnd {
                        if d > competitiveThrough {
                            guard
                                let through = competitiveBlock(
                                    l, from: &d, others: others, windowEnd: windowEnd,
                                    collector: collector)
                            else { break }
                            competitiveThrough = through
                        }
                        let stop = min(competitiveThrough, last)
                        while d <= stop {
                            let s = leaves[l].score()
                            let i = Int(d &- windowStart)
                            if inner[i] < 0 {
                                inner[i] = 0
                                touched[touchedCount] = Int32(i)
                                touchedCount &+= 1
                            }
                            inner[i] += Double(s)
                            d = it.pointee.nextDoc()
                        }
                    }
                }
                for t in 0..<touchedCount {
                    let i = Int(touched[t])
                    let s = Float(inner[i])
                    inner[i] = -1
                    slots[i] = s
                    essentialSum[i] += Double(s)
                    matched[i &>> 6] |= 1 &<< UInt64(i & 63)
                    anyMatch = true
                }
            }

            // Candidates in document order.
            if anyMatch {
                for word in 0..<(w / 64) {
                    var bits = matched[word]
                    if bits == 0 { continue }
                    matched[word] = 0
                    while bits != 0 {
                        let i = word &* 64 &+ bits.trailingZeroBitCount
                        bits &= bits &- 1
                        let doc = windowStart &+ Int32(i)
                        var competes = true
                        if essentialFrom > 0 {
                            // Upper bound with the non-essential clauses, then score them while it can compete.
                            var bound = essentialSum[i] + nonEssentialBound
                            if collector.cannotCompete(bound) {
                                competes = false
                            } else {
                                var k = essentialFrom &- 1
                                while k >= 0 {
                                    let c = order[k]
                                    let s = clauseScore(c, at: doc, inner: inner)
                                    contributions[c &* w &+ i] = s
                                    bound += Double(s) - bounds[c]
                                    if collector.cannotCompete(bound) {
                                        competes = false
                                        break
                                    }
                                    k &-= 1
                                }
                            }
                        }
                        if competes {
                            for c in 0..<n { clauseScores[c] = contributions[c &* w &+ i] }
                            collector.collect(score: sumClauseScores(clauseScores, n), doc: docBase &+ doc)
                        }
                        for c in 0..<n { contributions[c &* w &+ i] = 0 }
                        essentialSum[i] = 0
                    }
                }
            }
            windowStart = windowEnd
            // Move the terms left behind (non-essential ones) past the window, then jump to the next window that
            // holds any posting: the gaps between rare terms' documents cost nothing.
            var next = PostingsIterator.noMoreDocs
            for l in leaves.indices {
                let it = leaves[l].postings
                let d = it.pointee.doc < windowEnd ? it.pointee.advance(to: windowEnd) : it.pointee.doc
                next = min(next, d)
            }
            if next == PostingsIterator.noMoreDocs { break }
            windowStart = max(windowStart, next & ~Int32(w &- 1))
        }
    }

    /// Block-max inside a window, for term `l` at document `d` (inside the window): the first block from `d` on,
    /// on skip entries alone, whose bound with `others` (every other term's or clause's window bound) can compete.
    /// Moves `d` there (decoding that block) and answers its last document; nil if no block before `windowEnd` can
    /// compete (the window's end moves the cursor on). A document of a block passed over that another essential
    /// clause scores stays below the threshold with this term's part missing, as it would with it.
    @inline(__always)
    private mutating func competitiveBlock(
        _ l: Int, from d: inout Int32, others: Double, windowEnd: Int32,
        collector: borrowing TopKCollector
    ) -> Int32? {
        var (b, blockLast) = leaves[l].cachedBlockBound(at: d)
        var target = d
        while collector.cannotCompete(Double(b) + others) {
            target = blockLast &+ 1
            if target >= windowEnd { return nil }
            (b, blockLast) = leaves[l].cachedBlockBound(at: target)
        }
        if target > d { d = leaves[l].postings.pointee.advance(to: target) }
        return blockLast
    }

    /// Document-at-a-time MaxScore with terms, not clauses, as its units (a word over title and body is two terms:
    /// a stop word's body list turns non-essential while its rarer title list stays essential). Terms sorted by
    /// their segment bound; once counting is over, the longest prefix of them whose bounds sum to at most the k-th
    /// score is non-essential: only documents of the other terms are visited, and the non-essential terms are
    /// probed, best first, while the document can still compete. A clause's score is its terms' scores summed in
    /// double and rounded once; the document's, the clause scores summed in clause order, as everywhere else
    /// (`cannotCompete` allows for the clause roundings against bounds summed per term).
    private mutating func runDocumentAtATime<F: CandidateFiltering, H: EssentialOrder>(
        _: F.Type, _: H.Type, docBase: Int32, maxDoc: Int, prune: Bool, collector: inout TopKCollector
    ) {
        // The segment's last document: windows end there.
        let lastDoc = Int32(truncatingIfNeeded: maxDoc &- 1)
        let n = leaves.count
        let oneTermClauses = clauseCount == n
        let best = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let order = UnsafeMutablePointer<Int>.allocate(capacity: n)
        let prefix = UnsafeMutablePointer<Double>.allocate(capacity: n)  // prefix[i]: bounds of order[0...i]
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: n)
        // By position in `order`: the term's cursor and its current document, side by side so that the loop
        // that advances the essential terms and finds the next candidate reads one small array.
        let cursors = UnsafeMutablePointer<UnsafeMutablePointer<PostingsCursor>>.allocate(capacity: n)
        let current = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        defer {
            best.deallocate()
            order.deallocate()
            prefix.deallocate()
            scores.deallocate()
            cursors.deallocate()
            current.deallocate()
        }
        for l in 0..<n {
            _ = leaves[l].postings.pointee.nextDoc()
            best[l] = prune ? Double(leaves[l].segmentBound()) : .infinity
            scores[l] = 0
        }
        MaxScoreDisjunction.order(order, prefix: prefix, by: best, n)
        for i in 0..<n {
            cursors[i] = leaves[order[i]].postings
            current[i] = cursors[i].pointee.doc
        }
        var essentialFrom = 0
        let filterSkips = F.active && collector.filterCanSkip
        // Documents up to `competitiveThrough` passed the block-max check (`passBlocks`); it is made again when a
        // candidate is past them, not when the threshold rises, which would cost a check per candidate.
        var competitiveThrough: Int32 = -1
        // Many essential terms (a fuzzy word's 50): a min-heap of them by current document finds the terms at a
        // candidate and the next candidate in O(matches × log terms), not a scan of every term per candidate. Any
        // step that moves cursors in bulk or turns terms non-essential marks it stale; it is rebuilt before use.
        var heap = EssentialHeap(capacity: H.heaped ? n : 0)
        defer { heap.deallocate() }
        var heapStale = true
        // The leaves scored at the current candidate (their scores are reset after it), when the heap is used.
        let touched = UnsafeMutablePointer<Int>.allocate(capacity: H.heaped ? n : 1)
        defer { touched.deallocate() }
        var touchedCount = 0
        var d = PostingsCursor.noMoreDocs
        for k in 0..<n { d = min(d, current[k]) }
        while true {
            if collector.isPruning {
                var moved = false
                while essentialFrom < n && collector.cannotCompete(prefix[essentialFrom]) {
                    essentialFrom &+= 1
                    moved = true
                }
                if essentialFrom == n {
                    // No document can enter the top k any more: in the segment, or (with windows) in this window,
                    // and then the next window decides.
                    if !H.heaped || competitiveThrough >= lastDoc { return }
                    let start = competitiveThrough >= 0 ? competitiveThrough &+ 1 : d
                    d = start
                    competitiveThrough = start &- 1
                    moved = false
                }
                if moved {
                    // The candidate may have been a document of a term that just turned non-essential.
                    heapStale = true
                    d = PostingsCursor.noMoreDocs
                    for k in essentialFrom..<n { d = min(d, current[k]) }
                }
            }
            // (With windows, the essential terms running out ends only the window: the next one may make others
            // essential.)
            if d == PostingsCursor.noMoreDocs && !(H.heaped && collector.isPruning) { return }
            if H.heaped && d > competitiveThrough && collector.isPruning {
                if competitiveThrough >= lastDoc { return }
                // Many terms: the essential ones are chosen again for each window of documents, on the terms'
                // bounds over the window (their blocks' impacts) rather than over the segment (Lucene's
                // MaxScoreBulkScorer): a common term whose blocks here score low stops leading the candidates.
                guard
                    let window = nextCompetitiveWindow(
                        from: competitiveThrough < 0 ? d : competitiveThrough &+ 1, lastDoc: lastDoc, best: best,
                        order: order, prefix: prefix, collector: collector)
                else { return }
                let start = window.start
                essentialFrom = window.essentialFrom
                competitiveThrough = window.end
                for k in 0..<n {
                    cursors[k] = leaves[order[k]].postings
                    current[k] = cursors[k].pointee.doc
                    if k >= essentialFrom && current[k] < start { current[k] = cursors[k].pointee.advance(to: start) }
                }
                heapStale = true
                d = PostingsCursor.noMoreDocs
                for k in essentialFrom..<n { d = min(d, current[k]) }
                continue
            }
            if !H.heaped && d > competitiveThrough && collector.isPruning {
                competitiveThrough = passBlocks(
                    at: d, essentialFrom: essentialFrom, order: order, prefix: prefix,
                    collector: collector)
                if competitiveThrough < 0 {
                    // The essential terms moved on: a new candidate.
                    heapStale = true
                    d = PostingsCursor.noMoreDocs
                    for k in essentialFrom..<n {
                        current[k] = cursors[k].pointee.doc
                        d = min(d, current[k])
                    }
                    continue
                }
            }
            if F.active && collector.filterRejects(docBase &+ d) {
                // A document the filters reject: move the essential terms on without scoring it, past every
                // document the filters cannot pass either (a filtered-out stretch costs one skip per term).
                heapStale = true
                var next = PostingsCursor.noMoreDocs
                if filterSkips {
                    let global = collector.filterSkip(after: docBase &+ d)
                    if global == PostingsCursor.noMoreDocs { return }
                    let target = global &- docBase
                    for k in essentialFrom..<n {
                        var c = current[k]
                        if c < target {
                            c =
                                c == d && target == d &+ 1
                                ? cursors[k].pointee.nextDoc() : cursors[k].pointee.advance(to: target)
                            current[k] = c
                        }
                        next = min(next, c)
                    }
                } else {
                    for k in essentialFrom..<n {
                        var c = current[k]
                        if c == d {
                            c = cursors[k].pointee.nextDoc()
                            current[k] = c
                        }
                        next = min(next, c)
                    }
                }
                d = next
                continue
            }
            // Score the essential terms at d, move them on, and find the next candidate in the same pass.
            var bound = essentialFrom > 0 ? prefix[essentialFrom &- 1] : 0
            var next = PostingsCursor.noMoreDocs
            if H.heaped {
                if heapStale {
                    heap.rebuild(essentialFrom..<n, current)
                    heapStale = false
                }
                while heap.count > 0 {
                    let k = heap.top
                    guard current[k] == d else { break }
                    let l = order[k]
                    let s = leaves[l].score()
                    scores[l] = s
                    touched[touchedCount] = l
                    touchedCount &+= 1
                    bound += Double(s)
                    current[k] = cursors[k].pointee.nextDoc()
                    heap.topChanged(current)
                }
                if heap.count > 0 { next = current[heap.top] }
            } else {
                for k in essentialFrom..<n {
                    var c = current[k]
                    if c == d {
                        let l = order[k]
                        let s = leaves[l].score()
                        scores[l] = s
                        bound += Double(s)
                        c = cursors[k].pointee.nextDoc()
                        current[k] = c
                    }
                    next = min(next, c)
                }
            }
            var competes = !collector.cannotCompete(bound)
            if competes {
                // Probe the non-essential terms, best bound first, while the document can still compete.
                var k = essentialFrom &- 1
                while k >= 0 {
                    let l = order[k]
                    let it = cursors[k]
                    if it.pointee.doc < d { _ = it.pointee.advance(to: d) }
                    bound -= best[l]
                    if it.pointee.doc == d {
                        let s = leaves[l].score()
                        scores[l] = s
                        if H.heaped {
                            touched[touchedCount] = l
                            touchedCount &+= 1
                        }
                        bound += Double(s)
                    }
                    if collector.cannotCompete(bound) {
                        competes = false
                        break
                    }
                    k &-= 1
                }
            }
            if competes {
                collector.collect(score: documentScore(scores, oneTermClauses: oneTermClauses), doc: docBase &+ d)
            }
            if H.heaped {
                for i in 0..<touchedCount { scores[touched[i]] = 0 }
                touchedCount = 0
            } else {
                for l in 0..<n { scores[l] = 0 }
            }
            d = next
        }
    }

    /// From this many terms on, document-at-a-time keeps its essential terms in an `EssentialHeap`.
    static let heapTerms = 16

    /// A document's score from its terms' scores (0 where a term does not match): a clause's terms summed in double
    /// and rounded once, then the clauses in clause order, in double, rounded once; the same in every strategy.
    @inline(__always)
    private func documentScore(_ scores: UnsafeMutablePointer<Float>, oneTermClauses: Bool) -> Float {
        var sum = 0.0
        if oneTermClauses {
            for l in 0..<leaves.count { sum += Double(scores[l]) }
        } else {
            for c in 0..<clauseCount {
                var inner = 0.0
                for l in clauseStart[c]..<clauseStart[c + 1] { inner += Double(scores[l]) }
                sum += Double(Float(inner))
            }
        }
        return Float(sum)
    }

    /// Scores the documents of `docs` (a selective filter's, deletions removed) in document order: each term's
    /// cursor advances to them on its skip entries, and the terms found there are scored and summed as the other
    /// strategies sum them (so the scores are the same). Lucene's conjunction led by its cheapest clause: the cost is
    /// the filter's documents, not the terms' postings.
    mutating func runLed(by docs: DocBitSet, docBase: Int32, collector: inout TopKCollector) {
        let n = leaves.count
        guard n > 0 else { return }
        let oneTermClauses = clauseCount == n
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: n)
        scores.initialize(repeating: 0, count: n)
        defer { scores.deallocate() }
        var remaining = n
        var exhausted = [Bool](repeating: false, count: n)
        for l in 0..<n where leaves[l].postings.pointee.nextDoc() == PostingsCursor.noMoreDocs {
            exhausted[l] = true
            remaining &-= 1
        }
        guard remaining > 0 else { return }
        // Leapfrog: from each filter document, the terms advance to it, and the next filter document looked at is
        // the first one at or after the nearest term's document (no term matches the ones between).
        var target = 0
        while let doc = docs.next(atOrAfter: target) {
            let d = Int32(doc)
            var any = false
            var nearest = PostingsCursor.noMoreDocs
            for l in 0..<n where !exhausted[l] {
                let cursor = leaves[l].postings
                var c = cursor.pointee.doc
                if c < d { c = cursor.pointee.advance(to: d) }
                if c == PostingsCursor.noMoreDocs {
                    exhausted[l] = true
                    remaining &-= 1
                } else if c == d {
                    scores[l] = leaves[l].score()
                    any = true
                    nearest = d &+ 1
                } else {
                    nearest = min(nearest, c)
                }
            }
            if any {
                collector.collect(score: documentScore(scores, oneTermClauses: oneTermClauses), doc: docBase &+ d)
                for l in 0..<n { scores[l] = 0 }
            }
            if remaining == 0 || nearest == PostingsCursor.noMoreDocs { return }
            target = Int(nearest)
        }
    }

    /// The block-max check of the document-at-a-time loop at candidate `d`: if no document from `d` through the
    /// end of the first block to end can compete, the check moves on to the next range, on skip entries alone,
    /// until one can compete; then the essential terms move to it (decoding one block each) and the answer is -1.
    /// Otherwise it is the last document the check covers. Out of line: the loop makes it about once per block,
    /// and inlined it costs the loop registers.
    @inline(never)
    private mutating func passBlocks(
        at d: Int32, essentialFrom: Int, order: UnsafePointer<Int>,
        prefix: UnsafePointer<Double>, collector: borrowing TopKCollector
    ) -> Int32 {
        let nonEssentialBound = essentialFrom > 0 ? prefix[essentialFrom &- 1] : 0
        var target = d
        while true {
            let (bound, through) = blockBounds(
                at: target, essentialFrom: essentialFrom, order: order,
                nonEssentialBound: nonEssentialBound)
            if !collector.cannotCompete(bound) {
                if target == d { return through }
                break
            }
            if through >= PostingsCursor.noMoreDocs &- 1 {
                target = PostingsCursor.noMoreDocs
                break
            }
            target = through &+ 1
        }
        for k in essentialFrom..<leaves.count {
            let it = leaves[order[k]].postings
            if it.pointee.doc < target { _ = it.pointee.advance(to: target) }
        }
        return -1
    }

    /// A bound for the document-at-a-time loop from document `d` on (the essential terms' cursors at or past the
    /// last candidate, none of them past `d` without a document between): the non-essential terms' bounds plus block
    /// bounds of the essential terms that may match from `d` on, and the last document through which that sum
    /// holds. An essential term at or behind `d` adds the bound of its block holding the first document ≥ `d` (from
    /// the skip entries), and the sum holds until the first of those blocks ends. One already past `d` adds its
    /// current block's bound if its next document comes before then, and nothing otherwise (BMW's block-max
    /// check, over a range of whole blocks, so that it is made once per block, not once per candidate). The
    /// non-essential terms count with their segment bounds: their block bounds would cost a bound computation
    /// for nearly every candidate and rule out little the per-candidate check does not.
    private mutating func blockBounds(
        at d: Int32, essentialFrom: Int, order: UnsafePointer<Int>,
        nonEssentialBound: Double
    ) -> (bound: Double, through: Int32) {
        var bound = nonEssentialBound
        var through = PostingsCursor.noMoreDocs &- 1
        let n = leaves.count
        for k in essentialFrom..<n where leaves[order[k]].postings.pointee.doc <= d {
            let (b, last) = leaves[order[k]].cachedBlockBound(at: d)
            bound += Double(b)
            through = min(through, last)
        }
        for k in essentialFrom..<n {
            let l = order[k]
            let doc = leaves[l].postings.pointee.doc
            if doc > d && doc <= through {
                let (b, last) = leaves[l].cachedBlockBound(at: doc)
                bound += Double(b)
                through = min(through, last)
            }
        }
        return (bound, through)
    }

    /// The first window of documents (of `windowSize`) from `start` on, up to `lastDoc`, in which a document can
    /// still enter the top k, with its essential terms chosen on the terms' bounds over it: `best` gets those bounds,
    /// `order` and `prefix` their order and sums (`order(_:prefix:by:_:)`). Nil when no window is left.
    private mutating func nextCompetitiveWindow(
        from start: Int32, lastDoc: Int32, best: UnsafeMutablePointer<Double>, order: UnsafeMutablePointer<Int>,
        prefix: UnsafeMutablePointer<Double>, collector: borrowing TopKCollector
    ) -> (start: Int32, end: Int32, essentialFrom: Int)? {
        let n = leaves.count
        var start = start
        while start <= lastDoc {
            let end = Int32(min(Int(lastDoc), Int(start) + MaxScoreDisjunction.windowSize - 1))
            for l in 0..<n { best[l] = Double(leaves[l].maxBound(from: start, through: end)) }
            MaxScoreDisjunction.order(order, prefix: prefix, by: best, n)
            var essentialFrom = 0
            while essentialFrom < n && collector.cannotCompete(prefix[essentialFrom]) { essentialFrom &+= 1 }
            if essentialFrom < n { return (start, end, essentialFrom) }
            start = end &+ 1  // nothing in this window can enter the top k
        }
        return nil
    }

    /// Puts the terms in `order[0..<n]` by increasing bound, and their running sums in `prefix` (`prefix[i]`: the
    /// bounds of `order[0...i]`), MaxScore's partition into non-essential and essential terms.
    private static func order(
        _ order: UnsafeMutablePointer<Int>, prefix: UnsafeMutablePointer<Double>, by bounds: UnsafePointer<Double>,
        _ n: Int
    ) {
        for i in 0..<n { order[i] = i }
        sortByBound(order, bounds, n)
        var running = 0.0
        for i in 0..<n {
            running += bounds[order[i]]
            prefix[i] = running
        }
    }

    /// Sorts `order[0..<n]` (indexes into `bounds`) by increasing bound: an insertion sort, as there are few.
    private static func sortByBound(_ order: UnsafeMutablePointer<Int>, _ bounds: UnsafePointer<Double>, _ n: Int) {
        for i in 1..<max(n, 1) {
            let x = order[i]
            var j = i
            while j > 0 && bounds[order[j &- 1]] > bounds[x] {
                order[j] = order[j &- 1]
                j &-= 1
            }
            order[j] = x
        }
    }

    /// Score of clause `c` at `doc` (advancing its terms), 0 if it does not match.
    private mutating func clauseScore(_ c: Int, at doc: Int32, inner: UnsafeMutablePointer<Double>) -> Float {
        let from = clauseStart[c]
        let to = clauseStart[c + 1]
        if to &- from == 1 {
            let it = leaves[from].postings
            if it.pointee.doc < doc { _ = it.pointee.advance(to: doc) }
            return it.pointee.doc == doc ? leaves[from].score() : 0
        }
        var sum = 0.0
        var any = false
        for l in from..<to {
            let it = leaves[l].postings
            if it.pointee.doc < doc { _ = it.pointee.advance(to: doc) }
            if it.pointee.doc == doc {
                sum += Double(leaves[l].score())
                any = true
            }
        }
        return any ? Float(sum) : 0
    }
}

/// Whether an evaluator's loop asks the collector's filter about candidates: a type parameter, so that the
/// unfiltered specialisation has no check in its loop.
protocol CandidateFiltering { static var active: Bool { get } }
enum Filtered: CandidateFiltering { static var active: Bool { true } }
enum Unfiltered: CandidateFiltering { static var active: Bool { false } }

/// How document-at-a-time finds the essential terms at a candidate: a scan of them all (few terms), or an
/// `EssentialHeap` (many): a type parameter, so that the scanning specialisation is the loop it always was.
protocol EssentialOrder { static var heaped: Bool { get } }
enum Heaped: EssentialOrder { static var heaped: Bool { true } }
enum Scanned: EssentialOrder { static var heaped: Bool { false } }

/// A min-heap of essential term positions (indexes into the document-at-a-time loop's `current`), ordered by their
/// current document: the terms at a candidate come off the top. Raw memory, owned by the loop that allocates it.
struct EssentialHeap {
    let capacity: Int
    private let slots: UnsafeMutablePointer<Int>
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        slots = .allocate(capacity: max(1, capacity))
    }

    func deallocate() { slots.deallocate() }

    var top: Int { slots[0] }

    /// The heap of positions `range`, keyed by `current`.
    mutating func rebuild(_ range: Range<Int>, _ current: UnsafePointer<Int32>) {
        count = 0
        for k in range {
            slots[count] = k
            count &+= 1
        }
        var i = count / 2 - 1
        while i >= 0 {
            siftDown(i, current)
            i -= 1
        }
    }

    /// After the top position's document moved on (`noMoreDocs`: it leaves the heap).
    @inline(__always)
    mutating func topChanged(_ current: UnsafePointer<Int32>) {
        if current[slots[0]] == PostingsCursor.noMoreDocs {
            count &-= 1
            slots[0] = slots[count]
            if count == 0 { return }
        }
        siftDown(0, current)
    }

    @inline(__always)
    private func siftDown(_ start: Int, _ current: UnsafePointer<Int32>) {
        var i = start
        let k = slots[i]
        let key = current[k]
        while true {
            let left = 2 &* i &+ 1
            if left >= count { break }
            var child = left
            let right = left &+ 1
            if right < count && current[slots[right]] < current[slots[left]] { child = right }
            if current[slots[child]] >= key { break }
            slots[i] = slots[child]
            i = child
        }
        slots[i] = k
    }
}
