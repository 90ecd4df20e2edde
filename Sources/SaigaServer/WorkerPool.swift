import Dispatch
import Saiga
import SaigaWire
import Synchronization

/// Threads that run searches. The event loop hands them decoded requests; they run each against the snapshot the
/// loop captured, encode the response frame, queue it, and wake the loop through an eventfd. A worker never touches
/// a socket, so a slow or stalled client can never hold one.
final class WorkerPool: Sendable {
    struct Job: Sendable {
        var connection: UInt64
        var requestID: UInt32
        var request: Request
        var reader: IndexReader
    }

    struct Completion: Sendable {
        var connection: UInt64
        var bytes: [UInt8]
        /// Set when the answer is an ERROR (for the log).
        var error: WireError?
    }

    private struct Queue {
        var jobs: [Job?] = []
        var head = 0
    }

    private let queue = Mutex(Queue())
    /// Connections closed with requests still queued: their remaining jobs are answered without running.
    private let cancelled = Mutex<Set<UInt64>>([])
    private let available = DispatchSemaphore(value: 0)
    private let done = Mutex<[Completion]>([])
    private let wakeFD: Int32
    private let spinSeconds: Double
    /// Completions not yet taken by the loop (lets a spinning loop poll without the lock).
    private let pendingCompletions = Atomic<Int>(0)
    let count: Int

    init(workers: Int, wakeFD: Int32, spinMicroseconds: Int) {
        self.count = workers
        self.wakeFD = wakeFD
        self.spinSeconds = Double(spinMicroseconds) / 1e6
        for _ in 0..<workers {
            Posix.spawnThread { [self] in run() }
        }
    }

    func submit(_ job: Job) {
        queue.withLock { $0.jobs.append(job) }
        available.signal()
    }

    /// Marks a closed connection: its queued jobs are skipped (a client that hung up costs no more searches).
    func cancel(connection: UInt64) {
        cancelled.withLock { _ = $0.insert(connection) }
    }

    /// Called when the loop drops an answer for a closed connection; forgets the mark once nothing is queued.
    func finishedCancelled(connection: UInt64) {
        let queued = queue.withLock { q in q.jobs[q.head...].contains { $0?.connection == connection } }
        if !queued { cancelled.withLock { _ = $0.remove(connection) } }
    }

    /// Ends the workers after the jobs already queued.
    func stop() {
        queue.withLock { q in for _ in 0..<count { q.jobs.append(nil) } }
        for _ in 0..<count { available.signal() }
    }

    /// Responses finished since the last call.
    func takeCompletions() -> [Completion] {
        guard pendingCompletions.load(ordering: .acquiring) > 0 else { return [] }
        return done.withLock { d in
            let all = d
            d.removeAll(keepingCapacity: true)
            pendingCompletions.subtract(all.count, ordering: .releasing)
            return all
        }
    }

    var hasCompletions: Bool { pendingCompletions.load(ordering: .acquiring) > 0 }

    /// Waits for a job signal, spinning briefly first: a request that arrives within the spin window is picked
    /// up without a futex sleep and wake-up (tens of microseconds on a virtual machine).
    private func waitForJob() {
        if spinSeconds > 0 {
            let until = Posix.monotonicSeconds() + spinSeconds
            repeat {
                if available.wait(timeout: .now()) == .success { return }
            } while Posix.monotonicSeconds() < until
        }
        available.wait()
    }

    private func run() {
        while true {
            waitForJob()
            let next: Job?? = queue.withLock { q in
                guard q.head < q.jobs.count else { return .none }
                let j = q.jobs[q.head]
                q.head += 1
                if q.head > 1024 && q.head * 2 > q.jobs.count {
                    q.jobs.removeSubrange(0..<q.head)
                    q.head = 0
                }
                return .some(j)
            }
            guard let job = next ?? nil else {
                if next != nil { return }  // a stop sentinel
                continue
            }
            let skip = cancelled.withLock { $0.contains(job.connection) }
            let response = skip ? Response.error(WireError(.shuttingDown, "connection closed"))
                : RequestHandler.handle(job.request, reader: job.reader)
            let bytes = response.frame(requestID: job.requestID).encoded()
            var error: WireError?
            if case .error(let e) = response { error = e }
            done.withLock { $0.append(Completion(connection: job.connection, bytes: bytes, error: error)) }
            pendingCompletions.add(1, ordering: .releasing)
            Posix.signalEvent(wakeFD)
        }
    }
}
