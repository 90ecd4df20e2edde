import Dispatch
import Saiga
import SaigaIngest
import SaigaPosix
import SaigaWire
import Synchronization

/// The server's one writer of its index, on its own thread: it takes WRITE and COMMIT requests from the event loop
/// and acknowledges each only once it is committed and visible (docs/PROTOCOL.md, "Writes").
///
/// **Group commit.** Writes queue here; the thread takes every queued write at once (after waiting
/// `ServerConfiguration.commitWindow` for more to arrive), applies them in arrival order, commits once, has the
/// server serve the new commit (`IndexHolder.install`), then answers them all. So sixteen connections writing small
/// batches pay one fsync per group, not one each, and a search that starts after an answer sees its write.
///
/// **All or nothing per WRITE.** Every document of a WRITE is parsed and validated against the schema before any
/// change is applied; a WRITE with a bad document is answered `invalidDocument` listing every bad one, and nothing of
/// it is applied. A WRITE that fails while being applied (a delete query that does not parse, an id turned
/// duplicate) drops every uncommitted change and the group is applied again without it. If the commit fails (a
/// full disk), every write of the group gets `writeFailed`, the previous commit stays current and intact, and the
/// writer goes on with the next group: writes succeed again once space returns.
///
/// **Backpressure.** At most `ServerConfiguration.maxQueuedWriteBytes` of writes wait; past that a WRITE is answered
/// `retryLater` at once. Queued writes wait while a commit waits for merges to catch up (`IndexWriter.commit`), so a
/// client that writes faster than merges go is told to retry instead of growing the server's memory.
///
/// The `IndexWriter` (and the index's write lock) is opened at the first write and kept while writes come; after
/// `ServerConfiguration.writerIdleTimeout` without one (and no merge running) it is closed, releasing the lock for
/// other processes, and the next write opens it again. Only this thread uses it.
final class GroupCommitWriter: @unchecked Sendable {  // `writer` is touched by the writer thread only
    struct Job: Sendable {
        var request: WriteRequest
        /// What the job holds in memory, for the queue's budget.
        var bytes: Int
        /// When the event loop handed it over (its latency runs from there to the answer).
        var received = Sys.monotonicNanos()
        /// Writes the response to the client and settles its connection's counts (`WorkerPool.answer`).
        var answer: @Sendable (Response) -> Void

        init(request: WriteRequest, bytes: Int, answer: @escaping @Sendable (Response) -> Void) {
            self.request = request
            self.bytes = bytes
            self.answer = answer
        }
    }

    /// Merges the writer had queued or running after its last group (for `/metrics`).
    let pendingMerges = Atomic<Int>(0)

    private struct Queue {
        var jobs: [Job] = []
        var bytes = 0
        var stopping = false
        /// The writer thread was started (decided under this lock, by `submit` and `stop` alike).
        var started = false
        /// The writer thread has ended (after a stop).
        var ended = false
    }

    private let holder: IndexHolder
    private let metrics: ServerMetrics
    private let log: @Sendable (String) -> Void
    private let queue = Mutex(Queue())
    private let available = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let window: Duration
    private let maxQueuedBytes: Int
    private var writer: IndexWriter?
    /// True while this server holds the index's writer (and its lock): nobody else can commit, so polling for
    /// newer commits is pointless, and a reload could only race the writer's own.
    let holdsWriter = Atomic<Bool>(false)

    init(
        holder: IndexHolder, configuration: ServerConfiguration, metrics: ServerMetrics,
        log: @escaping @Sendable (String) -> Void
    ) {
        self.holder = holder
        self.metrics = metrics
        self.log = log
        window = configuration.commitWindow
        maxQueuedBytes = configuration.maxQueuedWriteBytes
        let (seconds, attoseconds) = configuration.writerIdleTimeout.components
        let nanos = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        idleClose = nanos > 0 ? .nanoseconds(nanos) : nil
    }

    /// `ServerConfiguration.writerIdleTimeout` (nil: never close).
    private let idleClose: DispatchTimeInterval?

    /// Queues a write; returns the error to answer at once instead (the queue is full, the index is closing). The
    /// thread starts at the first write: a server of many indexes has no idle writer threads.
    func submit(_ job: Job) -> WireError? {
        var spawn = false
        let refused: WireError? = queue.withLock { q in
            if q.stopping { return WireError(.indexNotFound, "this index is being dropped, or the server stops") }
            if q.bytes + job.bytes > maxQueuedBytes && !q.jobs.isEmpty {
                return WireError(
                    .retryLater,
                    "\(q.bytes) bytes of writes are waiting to be committed (the maximum is \(maxQueuedBytes)): "
                        + "nothing of this write was applied; send it again shortly")
            }
            q.jobs.append(job)
            q.bytes += job.bytes
            if !q.started {
                q.started = true
                spawn = true
            }
            return nil
        }
        if spawn { Sys.spawnThread { [self] in run() } }
        if refused == nil { available.signal() }
        return refused
    }

    /// Commits what is queued, closes the writer (releasing the lock) and ends the thread; returns when done. Safe
    /// to call more than once, from any thread.
    func stop() {
        let (started, ended) = queue.withLock { q -> (Bool, Bool) in
            q.stopping = true
            let was = q.started
            q.started = true  // no thread starts from now on
            return (was, q.ended)
        }
        guard started, !ended else { return }
        available.signal()
        finished.wait()
        finished.signal()  // for any other caller waiting
    }

    private func run() {
        while true {
            if writer != nil, let idleClose {
                // A writer idle this long is closed (its lock released) once no merge runs: other processes may
                // then write the index; the next write here opens it again.
                if available.wait(timeout: .now() + idleClose) == .timedOut {
                    closeIdleWriter()
                    continue
                }
            } else {
                available.wait()
            }
            if window > .zero { Sys.sleep(window) }
            let (group, stopping) = queue.withLock { q -> ([Job], Bool) in
                let jobs = q.jobs
                q.jobs.removeAll()
                q.bytes = 0
                return (jobs, q.stopping)
            }
            if !group.isEmpty {
                process(group)
                pendingMerges.store(writer?.pendingMerges ?? 0, ordering: .relaxed)
            }
            if stopping {
                writer?.close()
                writer = nil
                holdsWriter.store(false, ordering: .releasing)
                queue.withLock { $0.ended = true }
                finished.signal()
                return
            }
        }
    }

    /// After `--writer-idle` without writes: once no merge runs, finished merges are committed (so that their work
    /// is not lost) and the writer is closed, releasing the index's lock. Never waits for a merge: if that commit
    /// starts another one, the writer is closed at a later idle period.
    private func closeIdleWriter() {
        guard let writer else { return }
        let merging = writer.pendingMerges
        pendingMerges.store(merging, ordering: .relaxed)
        guard merging == 0 else { return }  // asked again after the next idle period
        if writer.hasFinishedMerges {
            do throws(SaigaError) {
                let g = try writer.commit(userData: ["tool": "saiga serve"])
                try holder.install(generation: g)
            } catch {
                log("committing the merges of \(holder.path) before closing its idle writer failed: \(error)")
            }
            if writer.pendingMerges > 0 {
                pendingMerges.store(writer.pendingMerges, ordering: .relaxed)
                return
            }
        }
        writer.close()
        self.writer = nil
        holdsWriter.store(false, ordering: .releasing)
        log("closed the idle writer of \(holder.path) (its lock is released; the next write opens it again)")
    }

    // MARK: - One group

    /// A write ready to apply: its documents parsed and validated.
    private struct Accepted {
        var job: Job
        var documents: [Document]
    }

    /// What applying one write did.
    private struct Counts {
        var added = 0
        var replaced = 0
        var deleted = 0
    }

    private func process(_ group: [Job]) {
        let started = Sys.monotonicNanos()
        if self.writer == nil && group.allSatisfy({ $0.request.isEmpty }) {
            // COMMITs alone, no writer open: every acknowledged write is committed and served already. Opening the
            // writer (and taking the index's lock) for them would lock other processes out for nothing.
            commitOnly(group, started: started)
            return
        }
        let writer: IndexWriter
        do { writer = try openWriter() } catch {
            for job in group { reply(.error(error), to: job) }
            return
        }
        var pending: [Accepted] = []
        for job in group {
            switch validate(job, writer: writer) {
            case .success(let docs): pending.append(Accepted(job: job, documents: docs))
            case .failure(let e): reply(.error(e), to: job)
            }
        }
        // Apply in arrival order; a write that fails takes every uncommitted change with it, so the others are
        // applied again without it (all or nothing per write).
        var counts: [Counts] = []
        applying: while true {
            counts = []
            for (i, a) in pending.enumerated() {
                do throws(SaigaError) {
                    counts.append(try apply(a, writer: writer))
                } catch {
                    writer.discardUncommitted()
                    if let rejected = GroupCommitWriter.writeError(error) {
                        reply(.error(rejected), to: a.job)
                        pending.remove(at: i)
                        continue applying
                    }
                    let e = WireError(
                        .writeFailed,
                        "not applied: \(error); the index keeps its previous commit (nothing of the writes since it was kept), "
                            + "and writes succeed again once the cause is fixed")
                    for p in pending { reply(.error(e), to: p.job) }
                    return
                }
            }
            break
        }
        guard !pending.isEmpty else { return }
        let changed = pending.contains { !$0.job.request.isEmpty }
        var generation = writer.lastCommitGeneration
        // Served must be at least what is answered (a COMMIT after a failed install, or after the writer opened on
        // another process's newer commit).
        var mustInstall = holder.reader.generation != generation
        if changed {
            do throws(SaigaError) {
                generation = try writer.commit(userData: ["tool": "saiga serve"])
            } catch {
                // `commit` put the writer back at the last commit: nothing of the group is in the index.
                let e = WireError(
                    .writeFailed,
                    "not committed: \(error); the index keeps its previous commit, and writes succeed again once "
                        + "the cause is fixed")
                for p in pending { reply(.error(e), to: p.job) }
                return
            }
            mustInstall = true
        }
        if mustInstall {
            do throws(SaigaError) {
                try holder.install(generation: generation)
            } catch {
                // Durable but not visible: the contract (visible once acknowledged) is not met, so no write of the
                // group is acknowledged. The next write or COMMIT tries to serve the commit again.
                let e = WireError(
                    .writeFailed,
                    "committed as generation \(generation) (durable), but the server cannot serve that commit yet: "
                        + "\(error)")
                for p in pending { reply(.error(e), to: p.job) }
                return
            }
        }
        let nanos = Sys.monotonicNanos() &- started
        let documents = UInt64(holder.reader.documentCount)
        var touched = 0
        for (a, c) in zip(pending, counts) {
            touched += c.added + c.replaced + c.deleted
            reply(
                .written(
                    WriteResponse(
                        generation: generation, added: UInt64(c.added), replaced: UInt64(c.replaced),
                        deleted: UInt64(c.deleted), commitMicros: nanos / 1000, sharedWith: UInt32(pending.count),
                        documents: documents)), to: a.job)
        }
        metrics.recordCommit(nanos: changed ? nanos : nil, writes: pending.count, documents: touched)
    }

    /// COMMITs with no writer open: answered with the commit served (installing a newer one on disk first, so that
    /// what is answered is served).
    private func commitOnly(_ group: [Job], started: UInt64) {
        var served = holder.reader.generation
        if let newest = holder.newestGenerationOnDisk(), newest > served {
            do throws(SaigaError) {
                try holder.install(generation: newest)
                served = holder.reader.generation
            } catch {
                let e = WireError(.writeFailed, "the newest commit (\(newest)) cannot be served: \(error)")
                for job in group { reply(.error(e), to: job) }
                return
            }
        }
        let documents = UInt64(holder.reader.documentCount)
        for job in group {
            reply(
                .written(
                    WriteResponse(
                        generation: served, commitMicros: (Sys.monotonicNanos() &- started) / 1000,
                        sharedWith: UInt32(group.count), documents: documents)), to: job)
        }
        metrics.recordCommit(nanos: nil, writes: group.count, documents: 0)
    }

    /// Answers a write and counts it (`saiga_requests_total{kind="write"}`, errors by code).
    private func reply(_ response: Response, to job: Job) {
        metrics.record(.write(job.request), nanos: Sys.monotonicNanos() &- job.received, answer: response)
        job.answer(response)
    }

    private func openWriter() throws(WireError) -> IndexWriter {
        if let writer { return writer }
        let path = holder.path
        do {
            // The index's own schema: a field it does not declare is refused, not stored untyped.
            let w = try IndexWriter(
                path: path, options: IndexWriterOptions(openMode: .append, schema: holder.reader.schema))
            writer = w
            holdsWriter.store(true, ordering: .releasing)
            log("opened \(path) for writing (writes over the protocol; other writers are now locked out)")
            return w
        } catch {
            if error.code == .indexLocked {
                throw WireError(.writesRefused, "cannot write: \(error.message)")
            }
            throw WireError(.writeFailed, "cannot open the index for writing: \(error)")
        }
    }

    /// Delete queries one WRITE may carry: each runs over the whole index on the writer's thread, which every other
    /// write waits for.
    static let maxDeleteQueries = 1024
    /// Refused documents listed in one ERROR (field 4).
    static let maxListedRejections = 1000

    /// The write's documents, parsed and validated; or `invalidDocument` listing every bad one.
    private func validate(_ job: Job, writer: IndexWriter) -> Result<[Document], WireError> {
        guard job.request.deleteQueries.count <= GroupCommitWriter.maxDeleteQueries else {
            return .failure(
                WireError(
                    .limitExceeded,
                    "\(job.request.deleteQueries.count) delete queries in one WRITE; at most "
                        + "\(GroupCommitWriter.maxDeleteQueries) (combine them with OR)"))
        }
        // Delete queries are read now, so that applying the group can fail only for the index's sake (I/O): a bad
        // query never makes the others be applied twice.
        for q in job.request.deleteQueries {
            do throws(SaigaError) { try writer.checkQuery(q) } catch {
                return .failure(
                    GroupCommitWriter.writeError(error) ?? WireError(.invalidQuery, "delete query: \(error.message)"))
            }
        }
        var documents: [Document] = []
        var rejected: [RejectedDocument] = []
        var seen: [String: Int] = [:]
        for (i, text) in job.request.documents.enumerated() {
            switch JSONDocument.parse(text) {
            case .failure(let e):
                rejected.append(RejectedDocument(position: UInt32(i), id: nil, message: e.message))
            case .success(let d):
                if let first = seen[d.id] {
                    rejected.append(
                        RejectedDocument(
                            position: UInt32(i), id: d.id,
                            message: "id \"\(d.id)\" is also document \(first) of this write (an id once per write)"))
                    continue
                }
                seen[d.id] = i
                do throws(SaigaError) {
                    try writer.validate(d)
                    documents.append(d)
                } catch {
                    rejected.append(RejectedDocument(position: UInt32(i), id: d.id, message: error.message))
                }
            }
        }
        guard rejected.isEmpty else {
            let n = rejected.count
            // At most 1,000 listed, so that the answer stays far below any frame limit.
            let listed = Array(rejected.prefix(GroupCommitWriter.maxListedRejections))
            let more = n > listed.count ? " (the first \(listed.count) are listed)" : ""
            return .failure(
                WireError(
                    .invalidDocument,
                    "\(n) of \(job.request.documents.count) documents cannot be indexed\(more) (first: \(rejected[0])); "
                        + "nothing of this write was applied", rejected: listed))
        }
        return .success(documents)
    }

    private func apply(_ a: Accepted, writer: IndexWriter) throws(SaigaError) -> Counts {
        var c = Counts()
        for q in a.job.request.deleteQueries { c.deleted += try writer.delete(query: q) }
        for id in a.job.request.deleteIDs where try writer.delete(id: id) { c.deleted += 1 }
        for d in a.documents {
            if try writer.update(d) { c.replaced += 1 } else { c.added += 1 }
        }
        return c
    }

    /// The answer for an error that belongs to one write (its query, its documents), or nil for one that concerns
    /// the index (I/O, damage): the whole group then fails.
    static func writeError(_ e: SaigaError) -> WireError? {
        switch e.code {
        case .invalidDocument, .duplicateID: return WireError(.invalidDocument, e.message)
        case .invalidQuery, .invalidArgument, .limitExceeded: return RequestHandler.wireError(e)
        default: return nil
        }
    }
}
