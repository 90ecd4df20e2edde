/// Collects the top k documents and counts matches: exactly until `countLimit` matches, after which the count is a
/// lower bound and the evaluators may skip documents that cannot beat the current k-th score (`threshold`).
///
/// Documents arrive in increasing document order, so a later document with the same score as the k-th ranks after
/// it (ties go to the lower document number): a candidate matters only if its score is strictly above `threshold`.
struct TopKCollector {
    private(set) var heap: TopKHeap
    let countLimit: Int
    private(set) var total = 0
    /// Score a new document must exceed to enter the top k once counting is over; -inf before that.
    private(set) var threshold: Float = -.infinity

    /// - Parameter countLimit: count matches exactly up to this many (Int.max: always; evaluation is exhaustive).
    init(k: Int, countLimit: Int) {
        heap = TopKHeap(capacity: k)
        self.countLimit = countLimit
        if k == 0 && countLimit == 0 { threshold = .infinity }
    }

    /// True once pruning is allowed (the count stopped being exact).
    var isPruning: Bool { threshold > -.infinity }

    var totalIsExact: Bool { total < countLimit || countLimit == Int.max }

    /// The current segment's deleted documents (nil: none) and its first global document number: a deleted
    /// document is neither counted nor ranked.
    private var deletedBits: UnsafePointer<UInt8>?
    private var deletedBase: Int32 = 0

    /// The current segment's filters (nil: none), held unretained: the caller keeps the filter alive while the
    /// segment is evaluated.
    private var filter: UnsafeMutableRawPointer?

    /// Sets the deletions and filters of the segment about to be evaluated.
    mutating func beginSegment(deletedBits: UnsafePointer<UInt8>?, docBase: Int32, filter: SegmentFilter? = nil) {
        self.deletedBits = deletedBits
        deletedBase = docBase
        self.filter = filter.map { Unmanaged.passUnretained($0).toOpaque() }
    }

    @inline(never)
    private func rejectedByFilter(_ doc: Int32) -> Bool { filterRejects(doc) }

    /// True if the current segment has filters.
    var hasFilter: Bool { filter != nil }

    /// True if the segment's filters reject `doc` (false with no filter): evaluators ask before scoring a
    /// candidate fully, so that a selective filter saves the scoring of the documents it rejects.
    @inline(__always)
    func filterRejects(_ doc: Int32) -> Bool {
        guard let filter else { return false }
        let local = Int(doc &- deletedBase)
        return !Unmanaged<SegmentFilter>.fromOpaque(filter)._withUnsafeGuaranteedRef { $0.accepts(local) }
    }

    /// True if the segment's filters can tell where the next document they may pass is (`filterSkip`).
    @inline(__always)
    var filterCanSkip: Bool {
        guard let filter else { return false }
        return Unmanaged<SegmentFilter>.fromOpaque(filter)._withUnsafeGuaranteedRef { $0.canSkip }
    }

    /// After the filters rejected `doc`: a document after it before which none passes (`PostingsCursor.noMoreDocs`:
    /// none in this segment), for evaluators to move their cursors to (`SegmentFilter.firstPossible`).
    @inline(never)
    func filterSkip(after doc: Int32) -> Int32 {
        guard let filter else { return doc &+ 1 }
        let local = doc &- deletedBase
        let next = Unmanaged<SegmentFilter>.fromOpaque(filter)._withUnsafeGuaranteedRef {
            $0.canSkip ? $0.firstPossible(atOrAfter: local &+ 1) : local &+ 1
        }
        return next == PostingsCursor.noMoreDocs ? next : next &+ deletedBase
    }

    @inline(__always)
    mutating func collect(score: Float, doc: Int32) {
        if let deletedBits {
            let local = Int(doc &- deletedBase)
            if deletedBits[local >> 3] & (1 << UInt8(local & 7)) != 0 { return }
        }
        // Checked only for documents that got this far: a filter costs what the candidates cost. Out of line, so
        // that `collect` stays small enough to inline into the evaluators' loops.
        if filter != nil && rejectedByFilter(doc) { return }
        if total < countLimit { total &+= 1 }
        heap.insert(score: score, doc: doc)
        if total >= countLimit { updateThreshold() }
    }

    /// Counts a match that was not scored (a document skipped by a bound after counting ended does not come here).
    private mutating func updateThreshold() {
        if heap.capacity == 0 {
            threshold = .infinity
        } else if let worst = heap.threshold {
            threshold = worst.score
        }
    }

    /// Safe pruning test: true if a document whose score is at most `bound` (a double sum of float bounds, in any
    /// order) cannot enter the top k. The relative margin covers the differences between that sum and the score:
    /// a clause of several terms rounds its double sum to float once (up by at most 2^-24 of itself, so by at most
    /// 2^-24 of the bound over all clauses), and double sums in another order differ by far less.
    @inline(__always)
    func cannotCompete(_ bound: Double) -> Bool {
        Float(bound * (1 + 2e-7)) <= threshold
    }
}

/// Sums clause scores in clause order, in double, rounded to float once: the score of a boolean query, the same
/// whatever evaluation strategy produced the clause scores.
@inline(__always)
func sumClauseScores(_ scores: UnsafePointer<Float>, _ count: Int) -> Float {
    var sum = 0.0
    for i in 0..<count { sum += Double(scores[i]) }
    return Float(sum)
}

/// A document and its score.
struct ScoredDoc: Sendable, Hashable {
    var score: Float
    var doc: Int32

    /// The ranking order: higher score first, then lower document number.
    @inline(__always)
    func ranksBefore(_ o: ScoredDoc) -> Bool { score > o.score || (score == o.score && doc < o.doc) }
}

/// Keeps the best `capacity` documents seen: a binary heap with the worst kept document on top.
struct TopKHeap {
    let capacity: Int
    private(set) var items: [ScoredDoc] = []

    init(capacity: Int) {
        self.capacity = capacity
        items.reserveCapacity(min(capacity, 1 << 16))
    }

    /// The score a new document must beat to enter (when full).
    var threshold: ScoredDoc? { items.count == capacity ? items.first : nil }

    @inline(__always)
    mutating func insert(score: Float, doc: Int32) {
        guard capacity > 0 else { return }
        let e = ScoredDoc(score: score, doc: doc)
        if items.count < capacity {
            items.append(e)
            siftUp(items.count - 1)
        } else if e.ranksBefore(items[0]) {
            items[0] = e
            siftDown(0)
        }
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        let e = items[i]
        while i > 0 {
            let p = (i - 1) / 2
            // Parent must be worse than (rank after) the child.
            if items[p].ranksBefore(e) {
                items[i] = items[p]
                i = p
            } else {
                break
            }
        }
        items[i] = e
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let e = items[i]
        let n = items.count
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            let r = l + 1
            // The worse child goes up.
            let c = r < n && items[l].ranksBefore(items[r]) ? r : l
            if e.ranksBefore(items[c]) {
                items[i] = items[c]
                i = c
            } else {
                break
            }
        }
        items[i] = e
    }

    func sorted() -> [ScoredDoc] { items.sorted { $0.ranksBefore($1) } }
}
