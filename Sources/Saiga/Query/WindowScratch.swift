/// Per-thread window arrays for `MaxScoreDisjunction`, allocated once per thread and handed back in their
/// initial state (scores 0, `inner` -1, no bits set) by every run, so a query neither allocates nor clears
/// them: zeroing 100+ KiB per query cost more than scoring a rare query.
///
/// Thread-local rather than shared: the query path takes no lock, and a search runs on one thread from start
/// to end (it is synchronous).
import SaigaPosix

final class WindowScratch {
    private(set) var contributions: UnsafeMutablePointer<Float>
    private(set) var inner: UnsafeMutablePointer<Double>
    private(set) var essentialSum: UnsafeMutablePointer<Double>
    private(set) var matched: UnsafeMutablePointer<UInt64>
    private(set) var touched: UnsafeMutablePointer<Int32>
    /// Clauses `contributions` has room for.
    private(set) var clauseCapacity: Int
    let windowSize: Int

    private init(windowSize w: Int) {
        windowSize = w
        clauseCapacity = 4
        contributions = .allocate(capacity: clauseCapacity * w)
        contributions.initialize(repeating: 0, count: clauseCapacity * w)
        inner = .allocate(capacity: w)
        inner.initialize(repeating: -1, count: w)
        essentialSum = .allocate(capacity: w)
        essentialSum.initialize(repeating: 0, count: w)
        matched = .allocate(capacity: w / 64)
        matched.initialize(repeating: 0, count: w / 64)
        touched = .allocate(capacity: w)
    }

    deinit {
        contributions.deallocate()
        inner.deallocate()
        essentialSum.deallocate()
        matched.deallocate()
        touched.deallocate()
    }

    /// Makes room for `clauses` clauses in `contributions` (new room zeroed).
    func reserve(clauses: Int) {
        guard clauses > clauseCapacity else { return }
        let grown = max(clauses, clauseCapacity * 2)
        contributions.deallocate()
        contributions = .allocate(capacity: grown * windowSize)
        contributions.initialize(repeating: 0, count: grown * windowSize)
        clauseCapacity = grown
    }

    /// The calling thread's scratch for windows of `windowSize` documents.
    static func current(windowSize: Int) -> WindowScratch {
        if let scratch = perThread.value, scratch.windowSize == windowSize { return scratch }
        let scratch = WindowScratch(windowSize: windowSize)
        perThread.set(scratch)
        return scratch
    }

    private static let perThread = ThreadLocal<WindowScratch>()
}
