import Dispatch
import Saiga
import SaigaPosix
import SaigaWire
import Synchronization

/// Threads that run searches. The event loop hands them decoded requests; they run each against the snapshot the
/// loop captured, encode the response frame and write it to the socket themselves with one non-blocking write
/// (see `ConnectionOutput`). The loop hears from a worker only when it has to act: output left over for a socket
/// that was full, or the last answer of a connection the loop is waiting to close. A worker never waits on a
/// socket, so a slow or stalled client can never hold one. Connections take turns (`FairQueue`), so a client that
/// pipelines a backlog cannot starve the others.
final class WorkerPool: Sendable {
    struct Job: Sendable {
        var output: ConnectionOutput
        var requestID: UInt32
        var request: Request
        /// The commit the request runs against (nil for admin requests, which name their index themselves).
        var reader: IndexReader?
        /// The connection's rights (admin requests: LIST_INDEXES lists what they may read).
        var rights: TokenRights = .all
    }

    private struct Queue {
        var jobs = FairQueue<Job>()
        var stopping = false
    }

    private let queue = Mutex(Queue())
    private let available = DispatchSemaphore(value: 0)
    /// Connections the loop must look at again (see the type's documentation).
    private let notices = Mutex<[UInt64]>([])
    private let wakeFD: Int32
    private let server: SaigaServer
    /// Notices not yet taken by the loop (lets the loop check without the lock).
    private let pendingNotices = Atomic<Int>(0)
    let count: Int
    private let maxFrameLength: Int

    /// `ServerConfiguration.slowQueryMilliseconds` in nanoseconds.
    private let slowQueryNanos: UInt64?

    init(server: SaigaServer, workers: Int, wakeFD: Int32) {
        self.slowQueryNanos = server.configuration.slowQueryMilliseconds.map { UInt64(max(0, $0) * 1_000_000) }
        self.server = server
        self.count = workers
        self.maxFrameLength = server.configuration.maxFrameLength
        self.wakeFD = wakeFD
        for _ in 0..<workers {
            Sys.spawnThread { [self] in run() }
        }
    }

    func submit(_ job: Job) {
        if case .admin = job.request {
            // Admin work (a backup's copy and check, a drop waiting for its writer) takes seconds: on a queue of
            // its own, one at a time, never on the threads that run searches.
            adminQueue.async { [self] in
                guard case .admin(let a) = job.request else { return }
                let started = Sys.monotonicNanos()
                let response = AdminHandler.handle(
                    a, catalog: server.catalog, rights: job.rights,
                    backupDirectory: server.configuration.backupDirectory)
                server.metrics.record(job.request, nanos: Sys.monotonicNanos() &- started, answer: response)
                answer(response, requestID: job.requestID, on: job.output)
            }
            return
        }
        queue.withLock { $0.jobs.push(job, connection: job.output.connection) }
        available.signal()
    }

    private let adminQueue = DispatchQueue(label: "saiga.admin")

    /// Ends the workers after the jobs already queued.
    func stop() {
        queue.withLock { $0.stopping = true }
        for _ in 0..<count { available.signal() }
    }

    /// Connections that need the loop's attention since the last call.
    func takeNotices() -> [UInt64] {
        guard pendingNotices.load(ordering: .acquiring) > 0 else { return [] }
        return notices.withLock { d in
            let all = d
            d.removeAll(keepingCapacity: true)
            pendingNotices.subtract(all.count, ordering: .releasing)
            return all
        }
    }

    var hasNotices: Bool { pendingNotices.load(ordering: .acquiring) > 0 }

    private func run() {
        while true {
            available.wait()
            // Every job and every stop token signals once, so each worker ends exactly once, after the queue.
            let (next, stop) = queue.withLock { q in (q.jobs.pop(), q.stopping) }
            guard let job = next else {
                if stop { return }
                continue
            }
            let output = job.output
            // A connection closed while its requests waited costs no more searches.
            if !output.isClosed {
                let started = Sys.monotonicNanos()
                let response =
                    job.reader.map { RequestHandler.handle(job.request, reader: $0) }
                    ?? .error(WireError(.internalError, "no index for the request"))
                let elapsed = Sys.monotonicNanos() &- started
                server.metrics.record(job.request, nanos: elapsed, answer: response)
                if let slow = slowQueryNanos, case .search(let search) = job.request, elapsed >= slow {
                    logSlowQuery(search, response, nanos: elapsed, connection: output.connection)
                }
                answer(response, requestID: job.requestID, on: output)
            } else {
                finish(output, outcome: .closed, answered: false)
            }
        }
    }

    /// Writes `response` to `output` and settles the connection's counts: what every request handed off by the loop
    /// ends with, whoever ran it (a worker, or the writer of group commits). Thread-safe.
    func answer(_ response: Response, requestID: UInt32, on output: ConnectionOutput) {
        if case .error(let e) = response { server.log("connection \(output.connection): \(e)") }
        var frame = response.frame(requestID: requestID).encoded()
        if frame.count - Frame.lengthSize > maxFrameLength {
            // Responses obey the frame limit announced in HELLO_OK, so a client can size its buffers.
            let e = WireError(
                .limitExceeded,
                "the answer would be \(frame.count - Frame.lengthSize) bytes, over "
                    + "the maximum frame length of \(maxFrameLength): ask for fewer hits, fields or snippets")
            server.log("connection \(output.connection): \(e)")
            frame = Response.error(e).frame(requestID: requestID).encoded()
        }
        output.unanswered.subtract(1, ordering: .sequentiallyConsistent)
        finish(output, outcome: output.send(frame), answered: true)
    }

    private func finish(_ output: ConnectionOutput, outcome: ConnectionOutput.WriteOutcome, answered: Bool) {
        if !answered { output.unanswered.subtract(1, ordering: .sequentiallyConsistent) }
        server.metrics.inFlight.subtract(1, ordering: .relaxed)
        // Sequentially consistent, paired with the loop's store of `loopWaitsForIdle` and load of `inFlight`:
        // either this thread sees the flag or the loop sees the count at zero.
        let left = output.inFlight.subtract(1, ordering: .sequentiallyConsistent).newValue
        if outcome == .pending || (left == 0 && output.loopWaitsForIdle.load(ordering: .sequentiallyConsistent)) {
            notices.withLock { $0.append(output.connection) }
            pendingNotices.add(1, ordering: .releasing)
            Posix.signalEvent(wakeFD)
        }
    }

    /// One line for a search at or over `ServerConfiguration.slowQueryMilliseconds`: its time, connection, total and
    /// query (at most 1,000 bytes of it; never the token).
    private func logSlowQuery(_ search: SearchRequest, _ response: Response, nanos: UInt64, connection: UInt64) {
        let ms = Double(nanos) / 1e6
        let rounded = (ms * 1000).rounded() / 1000
        var query = search.query
        if query.utf8.count > 1000 { query = String(decoding: query.utf8.prefix(1000), as: UTF8.self) + "…" }
        var total = "null"
        var outcome = "ok"
        switch response {
        case .results(let r): total = "\(r.total)"
        case .error(let e): outcome = "\(e.code)"
        default: break
        }
        server.logEvent(
            "slow_query",
            "slow query: \(rounded) ms, connection \(connection), total \(total), \(outcome): \(JSONText.quoted(query))",
            fields: [
                ("ms", "\(rounded)"), ("connection", "\(connection)"), ("total", total),
                ("outcome", JSONText.quoted(outcome)), ("query", JSONText.quoted(query)),
            ])
    }
}
