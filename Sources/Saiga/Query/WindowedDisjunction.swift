/// Exhaustive evaluation of a pure disjunction of terms, a window of documents at a time (Lucene's "BS1" bulk
/// scorer idea): each clause's postings in the window are scored and added into a dense score array, then the
/// window's matches go to the top-k heap. No per-document heap of iterators, no virtual calls: a few nanoseconds
/// per posting instead of a hundred.
///
/// Shape handled: a disjunction of clauses, each clause one term or a disjunction of terms (a word over the title
/// and body fields, a prefix's expansions). Scores are summed exactly as the document-at-a-time scorers and the
/// reference do: a clause's terms in double, rounded to float, then the clauses in order in double, rounded to float.
struct WindowedDisjunction {
    struct Leaf {
        let postings: PostingsIterator
        let bm25: BM25Scorer
        let norms: UnsafePointer<UInt8>
    }

    static let windowBits = 12
    static let windowSize = 1 << windowBits

    let clauses: [[Leaf]]

    /// Returns nil when the query has another shape (then the general scorers run).
    init?(_ q: PreparedQuery, segment s: Int, executor: QueryExecutor, iterators: inout [PostingsIterator]) {
        func leaf(_ q: PreparedQuery) -> Leaf?? {
            guard case .term(let field, let metas, let bm25) = q else { return nil }
            guard let meta = metas[s] else { return .some(nil) }  // a term absent from this segment
            let seg = executor.segments[s]
            let it = seg.postingsIterator(meta, field: field)
            iterators.append(it)
            return .some(Leaf(postings: it, bm25: bm25, norms: seg.norms(field: field)))
        }
        func clause(_ q: PreparedQuery) -> [Leaf]? {
            if let l = leaf(q) { return l.map { [$0] } ?? [] }
            guard case .boolean(let must, let should, let mustNot) = q, must.isEmpty, mustNot.isEmpty else { return nil }
            var leaves: [Leaf] = []
            for child in should {
                guard let l = leaf(child) else { return nil }
                if let l { leaves.append(l) }
            }
            return leaves
        }
        var clauses: [[Leaf]] = []
        if let single = leaf(q) {
            if let single { clauses = [[single]] }
        } else {
            guard case .boolean(let must, let should, let mustNot) = q, must.isEmpty, mustNot.isEmpty else { return nil }
            for child in should {
                guard let c = clause(child) else { return nil }
                if !c.isEmpty { clauses.append(c) }
            }
        }
        self.clauses = clauses
    }

    /// Scores every matching document of the segment into `heap`; returns the number of matches.
    func run(docBase: Int32, maxDoc: Int, heap: inout TopKHeap) -> Int {
        guard !clauses.isEmpty else { return 0 }
        let n = WindowedDisjunction.windowSize
        let outer = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let inner = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let matched = UnsafeMutablePointer<UInt64>.allocate(capacity: n / 64)
        let touched = UnsafeMutablePointer<Int>.allocate(capacity: n)
        defer {
            outer.deallocate()
            inner.deallocate()
            matched.deallocate()
            touched.deallocate()
        }
        outer.initialize(repeating: 0, count: n)
        inner.initialize(repeating: -1, count: n)  // -1: not touched by the current clause
        matched.initialize(repeating: 0, count: n / 64)
        for c in clauses { for l in c { _ = l.postings.nextDoc() } }

        var total = 0
        var windowStart: Int32 = 0
        while Int(windowStart) < maxDoc {
            let windowEnd = windowStart > Int32.max - Int32(n) ? Int32.max : windowStart + Int32(n)
            for c in clauses {
                if c.count == 1 {
                    let l = c[0]
                    let it = l.postings
                    var d = it.doc
                    while d < windowEnd {
                        let s = l.bm25.score(freq: Float(it.freq), norm: l.norms[Int(d)])
                        let i = Int(d &- windowStart)
                        outer[i] += Double(s)
                        matched[i &>> 6] |= 1 &<< UInt64(i & 63)
                        d = it.nextDoc()
                    }
                } else {
                    var touchedCount = 0
                    for l in c {
                        let it = l.postings
                        var d = it.doc
                        while d < windowEnd {
                            let s = l.bm25.score(freq: Float(it.freq), norm: l.norms[Int(d)])
                            let i = Int(d &- windowStart)
                            if inner[i] < 0 {
                                inner[i] = 0
                                touched[touchedCount] = i
                                touchedCount &+= 1
                            }
                            inner[i] += Double(s)
                            d = it.nextDoc()
                        }
                    }
                    for k in 0..<touchedCount {
                        let i = touched[k]
                        outer[i] += Double(Float(inner[i]))
                        inner[i] = -1
                        matched[i &>> 6] |= 1 &<< UInt64(i & 63)
                    }
                }
            }
            // Collect the window's matches in document order.
            for w in 0..<(n / 64) {
                var bits = matched[w]
                if bits == 0 { continue }
                matched[w] = 0
                while bits != 0 {
                    let i = w &* 64 &+ bits.trailingZeroBitCount
                    bits &= bits &- 1
                    total &+= 1
                    heap.insert(score: Float(outer[i]), doc: docBase &+ windowStart &+ Int32(i))
                    outer[i] = 0
                }
            }
            // Jump over windows no clause has documents in.
            var next = PostingsIterator.noMoreDocs
            for c in clauses { for l in c { next = min(next, l.postings.doc) } }
            if next == PostingsIterator.noMoreDocs { break }
            windowStart = max(windowEnd, next & ~Int32(n - 1))
        }
        return total
    }
}
