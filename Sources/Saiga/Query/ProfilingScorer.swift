import SaigaPosix

/// The counters of one clause of a profiled query (`IndexReader.profile`), summed over the segments, and its
/// children in the order of the prepared query (required, optional, excluded).
final class ProfileNode {
    let description: String
    var children: [ProfileNode]
    var nanoseconds: UInt64 = 0
    var nextDocCalls = 0
    var advanceCalls = 0
    var matches = 0
    var scored = 0

    init(_ description: String, children: [ProfileNode] = []) {
        self.description = description
        self.children = children
    }
}

/// A scorer that counts and times the calls to the scorer it wraps, into a `ProfileNode`. Times are inclusive: a
/// clause's time holds its children's. A clock read per call costs some tens of nanoseconds: a profiled query runs
/// slower than the same query does.
final class ProfilingScorer: Scorer {
    let inner: Scorer
    let node: ProfileNode

    init(_ inner: Scorer, node: ProfileNode) {
        self.inner = inner
        self.node = node
        super.init(cost: inner.cost)
    }

    override func nextDoc() -> Int32 {
        let start = Sys.monotonicNanos()
        doc = inner.nextDoc()
        node.nanoseconds &+= Sys.monotonicNanos() &- start
        node.nextDocCalls += 1
        if doc != PostingsIterator.noMoreDocs { node.matches += 1 }
        return doc
    }

    override func advance(_ target: Int32) -> Int32 {
        let start = Sys.monotonicNanos()
        doc = inner.advance(target)
        node.nanoseconds &+= Sys.monotonicNanos() &- start
        node.advanceCalls += 1
        if doc != PostingsIterator.noMoreDocs { node.matches += 1 }
        return doc
    }

    override func score() -> Float {
        let start = Sys.monotonicNanos()
        let s = inner.score()
        node.nanoseconds &+= Sys.monotonicNanos() &- start
        node.scored += 1
        return s
    }
}
