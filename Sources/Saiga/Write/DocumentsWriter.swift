import Dispatch

/// The writer's in-RAM side (Lucene's DocumentsWriter): documents go into one `IndexingPartition` on the calling
/// thread, or in batches to one partition per worker thread; partitions write their segments to disk when their
/// share of the RAM budget fills, or when asked to flush. Flushed segments are collected in `IndexingShared` until
/// the writer takes them into its view (`takeFlushed`).
///
/// Not thread-safe: only the `IndexWriter` that owns it calls it, from one thread.
final class DocumentsWriter {
    let shared: IndexingShared
    /// One partition indexed on the calling thread, or one per worker thread.
    private var partition: IndexingPartition?
    private var workers: [IndexingWorker] = []
    /// Documents not yet handed to a worker.
    private var batch: [Document] = []
    private var nextWorker = 0
    private static let batchSize = 256

    init(
        directory: IndexDirectory, analyzers: FieldAnalyzers, layout: FieldLayout, options: IndexWriterOptions,
        nextSegmentNumber: Int
    ) {
        shared = IndexingShared(nextSegmentNumber: nextSegmentNumber)
        let budget = (options.ramBudgetMB << 20) / options.threads
        if options.threads == 1 {
            partition = IndexingPartition(
                directory: directory, analyzers: analyzers, layout: layout, options: options, shared: shared,
                ramBudget: budget)
        } else {
            for _ in 0..<options.threads {
                workers.append(
                    IndexingWorker(
                        partition: IndexingPartition(
                            directory: directory, analyzers: analyzers, layout: layout, options: options,
                            shared: shared,
                            ramBudget: budget)))
            }
        }
    }

    deinit { stop() }

    /// The error a background partition recorded (its documents are lost), if any.
    var error: SaigaError? { shared.error }

    /// Adds a validated document: indexed now, or queued for a worker.
    func add(_ document: Document) throws(SaigaError) {
        if let partition {
            try partition.add(document)
        } else {
            batch.append(document)
            if batch.count >= DocumentsWriter.batchSize { sendBatch() }
        }
    }

    /// True if a document with `id` is in RAM (queued, or in a partition's segment being built). Waits for the
    /// workers to go idle first, so that their partitions can be read.
    func contains(id: String) throws(SaigaError) -> Bool {
        if batch.contains(where: { $0.id == id }) { return true }
        try drainWorkers(flush: false)
        if partition?.contains(id: id) == true { return true }
        return workers.contains { $0.partition.contains(id: id) }
    }

    /// Writes every in-RAM segment to disk (the segments wait in `shared` for `takeFlushed`).
    func flush() throws(SaigaError) {
        if let partition {
            try partition.flush()
        } else {
            try drainWorkers(flush: true)
        }
    }

    /// The segments flushed since the last call, in the order they were named.
    func takeFlushed() -> [SegmentInfo] {
        let flushed = shared.state.withLock { s -> [SegmentInfo] in
            let f = s.flushed
            s.flushed.removeAll()
            return f
        }
        return flushed.sorted { a, b in a.name.count != b.name.count ? a.name.count < b.name.count : a.name < b.name }
    }

    /// Segments being built in RAM: a partition's segment has its stored-fields file open already, so the file
    /// deleter must not touch it.
    var segmentsInProgress: Set<String> {
        Set(([partition].compactMap { $0 } + workers.map(\.partition)).compactMap { $0.builder?.name })
    }

    /// Drops every document in RAM and every flushed segment not yet taken (their files are left for the file
    /// deleter), and clears a recorded error.
    func reset() {
        if !workers.isEmpty {
            batch.removeAll()
            shared.record(SaigaError(.closed, "the writer was reset"))  // workers skip what is still queued
            let done = DispatchSemaphore(value: 0)
            for w in workers { w.send(.barrier(flush: false, done: done)) }
            for _ in workers { done.wait() }
            for w in workers { w.partition.abort() }
        }
        partition?.abort()
        shared.state.withLock { s in
            s.flushed.removeAll()
            s.error = nil
        }
    }

    /// Stops the worker threads (the writer is closing).
    func stop() {
        for w in workers { w.send(.stop) }
        workers.removeAll()
        partition = nil
    }

    private func sendBatch() {
        guard !batch.isEmpty else { return }
        workers[nextWorker].send(.documents(batch))
        nextWorker = (nextWorker + 1) % workers.count
        batch.removeAll(keepingCapacity: true)
    }

    /// Waits until every worker has indexed what it was given (and flushed its segment, if asked).
    private func drainWorkers(flush: Bool) throws(SaigaError) {
        guard !workers.isEmpty else { return }
        sendBatch()
        let done = DispatchSemaphore(value: 0)
        for w in workers { w.send(.barrier(flush: flush, done: done)) }
        for _ in workers { done.wait() }
        if let e = shared.error { throw e }
    }
}
