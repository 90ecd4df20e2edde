/// Top-k evaluation of a conjunction of clauses (each one term, or a disjunction of terms such as a word over the
/// title and body fields) with block-max AND, the approach of tantivy's `block_wand_intersection`: the rarest clause
/// leads; before the others are advanced to a candidate, the sum of every clause's block-max bound at the candidate
/// is compared with the current k-th score, and when it cannot compete the lead jumps past the end of the shortest
/// of those blocks.
///
/// Scores are summed in clause order (double, rounded once), so pruned and exhaustive runs agree exactly.
struct BlockMaxConjunction: ~Copyable {
    /// The terms, and the clause boundaries, in manually managed memory (freed by `deinit`: the value cannot be copied): the hot loops
    /// index them without copy-on-write checks or reference counting.
    private var leaves: UnsafeMutableBufferPointer<TermLeaf>
    private let clauseStart: UnsafeMutableBufferPointer<Int>
    /// Clauses by increasing cost (the first leads).
    private let order: [Int]
    var clauseCount: Int { clauseStart.count - 1 }

    deinit {
        leaves.deallocate()
        clauseStart.deallocate()
    }

    /// Returns nil when the query has another shape or cannot match in this segment (`matchesNothing`).
    init?(
        _ q: PreparedQuery, segment s: Int, executor: QueryExecutor, iterators: inout [PostingsIterator],
        matchesNothing: inout Bool
    ) {
        guard case .boolean(let must, let should, let mustNot) = q, should.isEmpty, mustNot.isEmpty, must.count >= 2
        else {
            return nil
        }
        var leaves: [TermLeaf] = []
        var starts: [Int] = [0]
        var costs: [Int] = []
        for clause in must {
            let children: [PreparedQuery]
            if case .term = clause {
                children = [clause]
            } else if case .boolean(let m, let sh, let n) = clause, m.isEmpty, n.isEmpty {
                children = sh
            } else {
                return nil
            }
            var cost = 0
            for child in children {
                guard case .term(let field, let metas, let bm25) = child else { return nil }
                guard let meta = metas[s] else { continue }
                let seg = executor.segments[s]
                let it = seg.postingsIterator(meta, field: field)
                iterators.append(it)
                leaves.append(TermLeaf(postings: it, bm25: bm25, norms: seg.norms(field: field)))
                cost += meta.docFreq
            }
            if leaves.count == starts.last! {
                matchesNothing = true  // a required clause absent from this segment
                return nil
            }
            starts.append(leaves.count)
            costs.append(cost)
        }
        self.leaves = .allocate(capacity: leaves.count)
        _ = self.leaves.initialize(from: leaves)
        self.clauseStart = .allocate(capacity: starts.count)
        _ = self.clauseStart.initialize(from: starts)
        self.order = costs.indices.sorted { costs[$0] < costs[$1] }
    }

    /// The first document ≥ target of clause c (the smallest of its terms').
    @inline(__always)
    private mutating func advance(_ c: Int, to target: Int32) -> Int32 {
        var d = PostingsIterator.noMoreDocs
        for l in clauseStart[c]..<clauseStart[c + 1] {
            let it = leaves[l].postings
            let x = it.pointee.doc < target ? it.pointee.advance(to: target) : it.pointee.doc
            d = min(d, x)
        }
        return d
    }

    /// The sum of every clause's block-max bound for the documents from `target` on (each term's block holding its
    /// first document ≥ `target`, from the skip entries), and the last document through which it holds.
    @inline(__always)
    private mutating func blockBounds(at target: Int32) -> (bound: Double, through: Int32) {
        var bound = 0.0
        var through = PostingsIterator.noMoreDocs &- 1
        for c in 0..<clauseCount {
            var clauseBound = 0.0
            for l in clauseStart[c]..<clauseStart[c + 1] {
                let (b, last) = leaves[l].cachedBlockBound(at: target)
                clauseBound += Double(b)
                through = min(through, last)
            }
            bound += clauseBound
        }
        return (bound, through)
    }

    mutating func run(docBase: Int32, prune: Bool, collector: inout TopKCollector) {
        let n = clauseCount
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { scores.deallocate() }
        for l in leaves.indices { _ = leaves[l].postings.pointee.nextDoc() }
        let lead = order[0]
        var d = advance(lead, to: 0)
        // Documents up to `checkedThrough` passed the block-max check; it is made again once the candidate is past
        // them (not when the threshold rises, which would cost a check per candidate).
        var checkedThrough: Int32 = -1
        while d != PostingsIterator.noMoreDocs {
            if d > checkedThrough && prune && collector.isPruning {
                // Every clause's block-max bound from d on; while it cannot compete, move on past the first block
                // to end, on skip entries alone, and decode the lead only where a range can compete.
                var target = d
                var through: Int32
                while true {
                    let bound: Double
                    (bound, through) = blockBounds(at: target)
                    if !collector.cannotCompete(bound) { break }
                    if through >= PostingsIterator.noMoreDocs &- 1 {
                        target = PostingsIterator.noMoreDocs
                        break
                    }
                    target = through &+ 1
                }
                if target > d {
                    d = advance(lead, to: target)
                    continue
                }
                checkedThrough = through
            }
            // Leapfrog the other clauses to d.
            var k = 1
            var restart = false
            while k < n {
                let c = order[k]
                let x = advance(c, to: d)
                if x > d {
                    d = advance(lead, to: x)
                    restart = true
                    break
                }
                k &+= 1
            }
            if restart { continue }
            // Every clause matches d.
            for c in 0..<n {
                let from = clauseStart[c]
                let to = clauseStart[c + 1]
                if to &- from == 1 {
                    scores[c] = leaves[from].score()
                } else {
                    var sum = 0.0
                    for l in from..<to where leaves[l].postings.pointee.doc == d { sum += Double(leaves[l].score()) }
                    scores[c] = Float(sum)
                }
            }
            collector.collect(score: sumClauseScores(scores, n), doc: docBase &+ d)
            d = advance(lead, to: d &+ 1)
        }
    }
}
