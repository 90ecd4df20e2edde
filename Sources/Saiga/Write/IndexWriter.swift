import Dispatch

/// Settings of an `IndexWriter`.
public struct IndexWriterOptions: Sendable {
    /// Memory for the in-RAM segment; when it fills, the segment is written to disk and a new one starts, so the
    /// writer's memory stays bounded whatever the corpus size. Default 256 MiB.
    public var ramBudgetMB: Int
    /// Analysis settings, recorded in the commit and used by every reader of the index.
    public var analyzer: AnalyzerOptions
    /// Index positions (needed for phrase queries). Default true.
    public var positions: Bool
    /// zlib level (1...9) for the document store. Default 6.
    public var storeCompressionLevel: Int
    /// Keep title and body in the document store (needed for titles and snippets in results). Default true;
    /// false stores only the id and extra fields (benchmarks that compare with engines storing only ids).
    public var storeText: Bool
    /// Also flush a segment after this many documents (Lucene's maxBufferedDocs); nil: only the RAM budget counts.
    public var maxBufferedDocuments: Int?
    /// Indexing threads, each building its own in-RAM segment (the RAM budget is shared between them). With
    /// more than one, `add` hands documents to the threads in batches, and the order of documents across
    /// segments (which only decides ties between equal scores) varies from run to run. Default 1.
    public var threads: Int
    /// Called after each segment is written to disk, with the segment's document count.
    public var onFlush: (@Sendable (_ documents: Int) -> Void)?

    public init(ramBudgetMB: Int = 256, analyzer: AnalyzerOptions = .default, positions: Bool = true,
                storeCompressionLevel: Int = 6, storeText: Bool = true, maxBufferedDocuments: Int? = nil,
                threads: Int = 1, onFlush: (@Sendable (Int) -> Void)? = nil) {
        self.threads = threads
        self.maxBufferedDocuments = maxBufferedDocuments
        self.storeText = storeText
        self.ramBudgetMB = ramBudgetMB
        self.analyzer = analyzer
        self.positions = positions
        self.storeCompressionLevel = storeCompressionLevel
        self.onFlush = onFlush
    }
}

/// Builds an index: add documents, then `commit()` to make them visible atomically.
///
/// A writer replaces the contents of the index it opens: the first commit publishes exactly the documents added
/// through this writer (later commits add to them). Until a commit, nothing it writes is visible to readers, and a
/// reader that has the previous commit open keeps searching it until it closes.
///
/// Only one writer may hold an index at a time (`write.lock`); a second gets `SaigaError.Code.indexLocked`.
/// Not thread-safe: use one writer from one thread (`IndexWriterOptions.threads` makes it index in parallel).
public final class IndexWriter {
    public let path: String
    public let options: IndexWriterOptions
    private let directory: IndexDirectory
    private var lock: WriteLock?
    private let analyzer: Analyzer
    private let shared: IndexingShared
    /// One partition indexed on the calling thread, or one per worker thread.
    private var partition: IndexingPartition?
    private var workers: [IndexingWorker] = []
    private var batch: [Document] = []
    private var nextWorker = 0
    private static let batchSize = 256
    private var generation: UInt64
    /// Segments flushed by this writer and committed.
    private var committed: [SegmentInfo] = []
    private var flushedReaders: [String: SegmentReader] = [:]
    /// Hashes of every id added, to detect duplicates without keeping the ids in memory.
    private var idHashes = Set<UInt64>()
    private var documentsAdded = 0

    /// Opens (creating if needed) the index directory at `path` for writing.
    public init(path: String, options: IndexWriterOptions = IndexWriterOptions()) throws(SaigaError) {
        guard options.ramBudgetMB >= 1 && options.ramBudgetMB <= 64 * 1024 else {
            throw SaigaError(.invalidArgument, "ram budget must be between 1 and 65536 MB (got \(options.ramBudgetMB))")
        }
        if let n = options.maxBufferedDocuments, n < 1 {
            throw SaigaError(.invalidArgument, "maxBufferedDocuments must be at least 1")
        }
        guard (1...9).contains(options.storeCompressionLevel) else {
            throw SaigaError(.invalidArgument, "store compression level must be 1...9")
        }
        guard (1...256).contains(options.threads) else { throw SaigaError(.invalidArgument, "threads must be 1...256") }
        self.path = path
        self.options = options
        self.directory = IndexDirectory(path: path)
        self.analyzer = Analyzer(options: options.analyzer)
        try directory.create()
        lock = try WriteLock(directory: directory)
        // A damaged latest manifest must not stop a rebuild: the new commit replaces it anyway.
        let previous = try? directory.latestManifest()
        let existing = (try? directory.manifestGenerations())?.first ?? 0
        generation = max(previous?.generation ?? 0, existing)
        var next = previous?.nextSegmentNumber ?? 0
        // Never reuse a name that exists on disk (an orphan of an interrupted build).
        for name in (try? directory.list()) ?? [] where IndexDirectory.isIndexFile(name) && name.hasPrefix("_") {
            if let dot = name.firstIndex(of: "."), let n = Int(name[name.index(after: name.startIndex)..<dot], radix: 36) {
                next = max(next, n + 1)
            }
        }
        shared = IndexingShared(nextSegmentNumber: next)
        let budget = (options.ramBudgetMB << 20) / options.threads
        if options.threads == 1 {
            partition = IndexingPartition(directory: directory, analyzer: analyzer, options: options, shared: shared,
                                          ramBudget: budget)
        } else {
            for _ in 0..<options.threads {
                workers.append(IndexingWorker(partition: IndexingPartition(
                    directory: directory, analyzer: analyzer, options: options, shared: shared, ramBudget: budget)))
            }
        }
    }

    deinit {
        if lock != nil { rollback() }
        for w in workers { w.send(.stop) }
    }

    /// Documents added through this writer so far.
    public var documentCount: Int { documentsAdded }

    /// Adds a document. Throws `.invalidDocument` for an empty or oversized id, `.duplicateID` if a document with
    /// the same id was already added through this writer, and I/O errors from flushing.
    public func add(_ document: Document) throws(SaigaError) {
        guard lock != nil else { throw SaigaError(.closed, "the writer is closed") }
        let idBytes = document.id.utf8.count
        guard idBytes > 0 else { throw SaigaError(.invalidDocument, "document id is empty") }
        guard idBytes <= Document.maxIDBytes else {
            throw SaigaError(.invalidDocument, "document id is \(idBytes) bytes; the limit is \(Document.maxIDBytes)")
        }
        for f in document.fields where f.name == Schema.idName || f.name == Schema.titleName || f.name == Schema.bodyName {
            throw SaigaError(.invalidDocument, "extra field name \"\(f.name)\" is reserved")
        }
        if let e = shared.error { throw e }
        let h = IndexWriter.hashID(document.id)
        if idHashes.contains(h), try isDuplicate(document.id) {
            throw SaigaError(.duplicateID, "duplicate document id \"\(document.id)\"")
        }
        if let partition {
            try partition.add(document)
        } else {
            batch.append(document)
            if batch.count >= IndexWriter.batchSize { sendBatch() }
        }
        idHashes.insert(h)
        documentsAdded += 1
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

    /// Writes the in-RAM segments to disk (they stay invisible until the next commit).
    public func flush() throws(SaigaError) {
        if let partition {
            try partition.flush()
        } else {
            try drainWorkers(flush: true)
        }
    }

    /// Flushed segments, committed or not, in segment-number order.
    private var flushed: [SegmentInfo] {
        shared.state.withLock { $0.flushed }.sorted { a, b in
            a.name.count != b.name.count ? a.name.count < b.name.count : a.name < b.name
        }
    }

    /// Makes every document added so far visible, durably and atomically, and returns the new generation.
    @discardableResult
    public func commit(userData: [String: String] = [:]) throws(SaigaError) -> UInt64 {
        guard lock != nil else { throw SaigaError(.closed, "the writer is closed") }
        if let e = shared.error { throw e }
        try flush()
        let segments = flushed
        generation += 1
        let manifest = Manifest(
            generation: generation, commitID: .random(), analyzer: options.analyzer, positions: options.positions,
            nextSegmentNumber: shared.state.withLock { $0.nextSegmentNumber },
            segments: segments.map { Manifest.SegmentEntry(name: $0.name, id: $0.id, maxDoc: $0.maxDoc) },
            userData: userData)
        do {
            try directory.writeManifest(manifest)
        } catch {
            generation -= 1
            throw error
        }
        committed = segments
        // The new commit is durable: files of older commits and of interrupted builds can go. Readers that still
        // map them keep their mappings.
        var keep = Set(segments.flatMap(\.fileNames))
        keep.insert(Manifest.fileName(generation: generation))
        directory.deleteUnreferenced(keep: keep)
        return generation
    }

    /// Discards everything not committed (deleting the files of segments flushed since the last commit) and
    /// releases the lock.
    public func rollback() {
        guard lock != nil else { return }
        if !workers.isEmpty {
            batch.removeAll()
            shared.record(SaigaError(.closed, "the writer was rolled back"))  // workers skip what is still queued
            let done = DispatchSemaphore(value: 0)
            for w in workers { w.send(.barrier(flush: false, done: done)) }
            for _ in workers { done.wait() }
            for w in workers {
                w.partition.abort()
                w.send(.stop)
            }
            workers.removeAll()
        }
        partition?.abort()
        partition = nil
        flushedReaders.removeAll()
        let committedNames = Set(committed.map(\.name))
        shared.state.withLock { s in
            for info in s.flushed where !committedNames.contains(info.name) {
                for name in info.fileNames { try? Sys.unlink(directory.file(name)) }
            }
            s.flushed.removeAll { !committedNames.contains($0.name) }
        }
        lock?.release()
        lock = nil
    }

    /// Releases the lock. Documents added since the last commit are discarded (call `commit()` first).
    public func close() {
        rollback()
    }

    /// Exact duplicate check, run only when the id's hash was seen before.
    private func isDuplicate(_ id: String) throws(SaigaError) -> Bool {
        if batch.contains(where: { $0.id == id }) { return true }
        try drainWorkers(flush: false)  // workers idle: their in-RAM segments can be read
        if partition?.contains(id: id) == true { return true }
        for w in workers where w.partition.contains(id: id) { return true }
        for info in flushed {
            if flushedReaders[info.name] == nil {
                flushedReaders[info.name] = try SegmentReader(directory: directory, info: info, verifyChecksums: false)
            }
            if flushedReaders[info.name]!.lookupID(id) != nil { return true }
        }
        return false
    }

    static func hashID(_ id: String) -> UInt64 {
        // FNV-1a over the UTF-8 bytes: the set only pre-filters, exactness comes from isDuplicate.
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in id.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01B3
        }
        return h
    }
}
