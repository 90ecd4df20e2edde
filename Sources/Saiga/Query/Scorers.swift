/// A document iterator that can score its current document: the building block of query evaluation
/// (document-at-a-time). Subclasses are final; the tree of scorers mirrors the query tree.
@usableFromInline
class Scorer {
    @usableFromInline var doc: Int32 = -1
    /// An estimate of the number of documents this scorer matches (for ordering conjunctions).
    @usableFromInline let cost: Int

    init(cost: Int) { self.cost = cost }

    /// Moves to the next matching document and returns it, or `PostingsIterator.noMoreDocs`.
    func nextDoc() -> Int32 { fatalError("abstract") }
    /// Moves to the first matching document ≥ target (target > doc) and returns it.
    func advance(_ target: Int32) -> Int32 { fatalError("abstract") }
    /// Score of the current document.
    func score() -> Float { fatalError("abstract") }
}

/// Scores one term in one field with BM25.
final class TermScorer: Scorer {
    let postings: PostingsIterator
    let bm25: BM25Scorer
    let norms: UnsafePointer<UInt8>

    init(postings: PostingsIterator, bm25: BM25Scorer, norms: UnsafePointer<UInt8>) {
        self.postings = postings
        self.bm25 = bm25
        self.norms = norms
        super.init(cost: postings.docFreq)
    }

    override func nextDoc() -> Int32 {
        doc = postings.nextDoc()
        return doc
    }

    override func advance(_ target: Int32) -> Int32 {
        doc = postings.advance(to: target)
        return doc
    }

    override func score() -> Float {
        bm25.score(freq: Float(postings.freq), norm: norms[Int(doc)])
    }
}

/// A phrase: documents containing every term, checked position by position. The phrase frequency (the number of
/// places the whole phrase occurs, or with slop the sum of `1 / (1 + spread)` over its sloppy matches,
/// `SloppyPhraseFrequency`) is scored with BM25 using the sum of the terms' idfs, as Lucene does.
final class PhraseScorer: Scorer {
    let postings: [PostingsIterator]  // in phrase order
    let offsets: [Int]
    /// Moves allowed between the terms (0: exact).
    let slop: Int
    /// Equal for equal terms (a term twice in the phrase), for the sloppy matcher.
    let termIDs: [Int]
    let bm25: BM25Scorer
    let norms: UnsafePointer<UInt8>
    private var order: [Int]  // iterators by increasing cost, for leapfrogging
    private var positionBuffers: [UnsafeMutablePointer<UInt32>]
    private var positionCapacities: [Int]
    private var counts: [Int]
    private var freq: Float = 0
    /// Candidates whose bound is at most this are skipped (set by a top-k evaluator once pruning is allowed).
    var threshold: Float = -.infinity
    /// Each term's skip entries, and the block of each that held the last target (with its data offset, which
    /// `SkipList.block(containing:)` keeps): the block-max bounds of `firstCompetitive`.
    private let skipLists: [SkipList]
    /// The sloppy matcher (its walkers and repeat groups set up once), and the exact matcher's cursor per term.
    private var sloppy: SloppyPhraseFrequency
    private let cursors: UnsafeMutablePointer<Int>
    private var blockHints: [Int]
    private var offsetHints: [Int]

    init(
        postings: [PostingsIterator], offsets: [Int], slop: Int = 0, termIDs: [Int]? = nil, bm25: BM25Scorer,
        norms: UnsafePointer<UInt8>
    ) {
        self.postings = postings
        self.offsets = offsets
        self.slop = slop
        self.termIDs = termIDs ?? Array(postings.indices)
        self.bm25 = bm25
        self.norms = norms
        order = postings.indices.sorted { postings[$0].docFreq < postings[$1].docFreq }
        positionCapacities = postings.map { _ in 64 }
        positionBuffers = postings.map { _ in .allocate(capacity: 64) }
        counts = postings.map { _ in 0 }
        skipLists = postings.map { $0.cursor.pointee.skips }
        sloppy = SloppyPhraseFrequency(offsets: offsets, termIDs: termIDs ?? Array(postings.indices), slop: slop)
        cursors = .allocate(capacity: max(1, postings.count))
        blockHints = postings.map { _ in 0 }
        offsetHints = postings.map { _ in 0 }
        super.init(cost: postings.map(\.docFreq).min() ?? 0)
    }

    deinit {
        for b in positionBuffers { b.deallocate() }
        cursors.deallocate()
    }

    override func nextDoc() -> Int32 { advance(doc &+ 1) }

    override func advance(_ target: Int32) -> Int32 {
        var t = target
        while true {
            if threshold > -.infinity { t = firstCompetitive(t) }
            t = allOn(t)
            if t == PostingsIterator.noMoreDocs {
                doc = t
                return t
            }
            // The phrase occurs at most min(tf) times (a sloppy one weighs at most the sum of the tfs: each
            // position heads at most one match, Lucene's `maxFreq`): with the document's norm that bounds its
            // score, so a candidate that cannot enter the top k needs no positions read.
            if threshold > -.infinity {
                var bound: Float
                if slop == 0 {
                    var minFreq = UInt32.max
                    for p in postings { minFreq = min(minFreq, p.freq) }
                    bound = Float(minFreq)
                } else {
                    bound = 0
                    for p in postings { bound += Float(p.freq) }
                }
                if bm25.score(freq: bound, norm: norms[Int(t)]) <= threshold {
                    t &+= 1
                    continue
                }
            }
            if matchPositions() {
                doc = t
                return t
            }
            t &+= 1
        }
    }

    /// The first document ≥ `target` whose blocks may hold a phrase that beats the threshold (Lucene's phrase
    /// impacts): a document with the phrase is in the block of each term that holds it, so the phrase occurs there
    /// at most the smallest of the blocks' largest frequencies (a sloppy one weighs at most their sum), and the
    /// document is at least as long as the longest of the blocks' shortest documents. Blocks whose bound cannot beat
    /// the threshold are passed over together, up to the first of them to end, without decoding any.
    private func firstCompetitive(_ target: Int32) -> Int32 {
        var t = target
        while t != PostingsIterator.noMoreDocs {
            var freq: Float = slop == 0 ? .infinity : 0
            var norm: UInt8 = 0
            var end = PostingsIterator.noMoreDocs
            for i in skipLists.indices {
                let b = skipLists[i].block(containing: t, from: blockHints[i], offset: &offsetHints[i])
                blockHints[i] = b
                let tf = skipLists[i].maxTf(b)
                freq = slop == 0 ? min(freq, tf) : freq + tf
                norm = max(norm, skipLists[i].minNorm(b))
                end = min(end, skipLists[i].blockLastDoc(b))
            }
            if bm25.score(freq: freq, norm: norm) > threshold { return t }
            // Every term in its last (tail) block: nothing after can do better.
            if end >= PostingsIterator.noMoreDocs &- 1 { return PostingsIterator.noMoreDocs }
            t = end &+ 1
        }
        return t
    }

    /// Leapfrogs the iterators to the first document ≥ target that contains every term.
    private func allOn(_ target: Int32) -> Int32 {
        var t = target
        var i = 0
        while i < order.count {
            let d = postings[order[i]].advance(to: t)
            if d == PostingsIterator.noMoreDocs { return d }
            if d > t {
                t = d
                i = 0  // restart: the earlier iterators must catch up
                if order.count > 1 { continue }
            }
            i += 1
        }
        // Every iterator may still sit on an earlier document if the loop never moved them to t.
        for p in postings where p.doc != t {
            let d = p.advance(to: t)
            if d != t { return allOn(d) }
        }
        return t
    }

    /// Counts the occurrences of the phrase in the current document.
    private func matchPositions() -> Bool {
        for k in postings.indices {
            let f = Int(postings[k].freq)
            if f > positionCapacities[k] {
                positionBuffers[k].deallocate()
                positionCapacities[k] = max(f, positionCapacities[k] * 2)
                positionBuffers[k] = .allocate(capacity: positionCapacities[k])
            }
            counts[k] = postings[k].positions(into: positionBuffers[k])
            if counts[k] == 0 { return false }
        }
        if slop > 0 {
            freq = sloppy.frequency(positions: positionBuffers, counts: counts)
            return freq > 0
        }
        // For each position of the first term, check that every other term sits at its offset. All position
        // lists are increasing, so one cursor per term suffices.
        cursors.initialize(repeating: 0, count: postings.count)
        var matches = 0
        let first = positionBuffers[0]
        outer: for a in 0..<counts[0] {
            let anchor = Int(first[a])
            for k in 1..<postings.count {
                let want = anchor + offsets[k] - offsets[0]
                let buf = positionBuffers[k]
                while cursors[k] < counts[k] && Int(buf[cursors[k]]) < want { cursors[k] += 1 }
                if cursors[k] == counts[k] { break outer }
                if Int(buf[cursors[k]]) != want { continue outer }
            }
            matches += 1
        }
        freq = Float(matches)
        return matches > 0
    }

    override func score() -> Float {
        bm25.score(freq: freq, norm: norms[Int(doc)])
    }

    /// The current document's phrase frequency (for explanations).
    var phraseFrequency: Float { freq }
}

/// Boolean evaluation with Lucene's rules: all `must` clauses match; `mustNot` clauses exclude; `should` clauses
/// add to the score, and must match at least once when there is no `must` clause. The score is the sum of the
/// matching clauses' scores, added in double and rounded to float once.
final class BooleanScorer: Scorer {
    private let must: [Scorer]  // by increasing cost
    private let should: [Scorer]
    private let mustNot: [Scorer]
    private var shouldHeap: [Scorer]  // min-heap by doc, used when there is no must clause

    init(must: [Scorer], should: [Scorer], mustNot: [Scorer]) {
        self.must = must.sorted { $0.cost < $1.cost }
        self.should = should
        self.mustNot = mustNot
        self.shouldHeap = must.isEmpty ? should : []
        let cost = must.isEmpty ? should.reduce(0) { $0 + $1.cost } : (must.map(\.cost).min() ?? 0)
        super.init(cost: cost)
    }

    override func nextDoc() -> Int32 { advance(doc &+ 1) }

    override func advance(_ target: Int32) -> Int32 {
        var t = target
        while true {
            t = must.isEmpty ? disjunctionAdvance(t) : conjunctionAdvance(t)
            if t == PostingsIterator.noMoreDocs || !isExcluded(t) {
                doc = t
                return t
            }
            t &+= 1
        }
    }

    private func conjunctionAdvance(_ target: Int32) -> Int32 {
        var t = target
        var i = 0
        while i < must.count {
            var d = must[i].doc
            if d < t { d = must[i].advance(t) }
            if d == PostingsIterator.noMoreDocs { return d }
            if d > t {
                t = d
                if i > 0 {
                    i = 0
                    continue
                }
            }
            i += 1
        }
        return t
    }

    private func disjunctionAdvance(_ target: Int32) -> Int32 {
        guard !shouldHeap.isEmpty else { return PostingsIterator.noMoreDocs }
        while shouldHeap[0].doc < target {
            _ = shouldHeap[0].advance(target)
            siftDown(0)
        }
        return shouldHeap[0].doc
    }

    private func siftDown(_ start: Int) {
        var i = start
        let n = shouldHeap.count
        let node = shouldHeap[i]
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            let r = l + 1
            let c = r < n && shouldHeap[r].doc < shouldHeap[l].doc ? r : l
            if shouldHeap[c].doc >= node.doc { break }
            shouldHeap[i] = shouldHeap[c]
            i = c
        }
        shouldHeap[i] = node
    }

    private func isExcluded(_ d: Int32) -> Bool {
        for s in mustNot {
            var x = s.doc
            if x < d { x = s.advance(d) }
            if x == d { return true }
        }
        return false
    }

    override func score() -> Float {
        var sum = 0.0
        for s in must { sum += Double(s.score()) }
        if must.isEmpty {
            addMatching(0, &sum)
        } else {
            for s in should {
                var x = s.doc
                if x < doc { x = s.advance(doc) }
                if x == doc { sum += Double(s.score()) }
            }
        }
        return Float(sum)
    }

    /// Adds the scores of the heap entries positioned on the current document (a walk of the heap's top).
    private func addMatching(_ i: Int, _ sum: inout Double) {
        guard i < shouldHeap.count, shouldHeap[i].doc == doc else { return }
        sum += Double(shouldHeap[i].score())
        addMatching(2 * i + 1, &sum)
        addMatching(2 * i + 2, &sum)
    }
}
