import Dispatch

/// How `IndexWriter` treats an index that already exists.
public enum IndexOpenMode: Sendable, Hashable {
    /// Start empty: the first commit replaces whatever the index held (a rebuild).
    case create
    /// Keep the existing documents; fail with `.indexNotFound` if there is no index yet.
    case append
    /// Keep the existing documents, or start a new index if there is none (default).
    case createOrAppend
}

/// Settings of an `IndexWriter`.
public struct IndexWriterOptions: Sendable {
    /// What to do with an existing index. Default `.createOrAppend`.
    public var openMode: IndexOpenMode
    /// Memory for the in-RAM segment; when it fills, the segment is written to disk and a new one starts, so the
    /// writer's memory stays bounded whatever the corpus size. Default 256 MiB.
    public var ramBudgetMB: Int
    /// Analysis settings, recorded in the commit and used by every reader of the index. When appending to an
    /// existing index, the index's own settings win (a mismatch is an error).
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
    /// When to merge segments in the background. `nil` turns background merging off (`forceMerge` still works).
    public var mergePolicy: MergePolicy?
    /// Called after each segment is written to disk, with the segment's document count.
    public var onFlush: (@Sendable (_ documents: Int) -> Void)?
    /// Largest document accepted, in UTF-8 bytes of id, title, body and extra fields; a larger one is refused with
    /// `.invalidDocument` (the writer is unchanged). One document's postings cannot be split across segments, so a
    /// document near the RAM budget would blow through it. nil (default): a quarter of the RAM budget, between
    /// 1 MiB and 64 MiB.
    public var maxDocumentBytes: Int?
    /// Open a directory that holds other files but no index (default false: such a directory is refused with
    /// `.notAnIndex`, so that a mistyped path never becomes an index among someone's files). Only index files
    /// (`_<n>.<ext>`, `manifest_<n>`) are ever deleted, whatever this says.
    public var allowNonIndexDirectory: Bool

    public init(openMode: IndexOpenMode = .createOrAppend, ramBudgetMB: Int = 256, analyzer: AnalyzerOptions = .default,
                positions: Bool = true, storeCompressionLevel: Int = 6, storeText: Bool = true,
                maxBufferedDocuments: Int? = nil, threads: Int = 1, mergePolicy: MergePolicy? = MergePolicy(),
                onFlush: (@Sendable (Int) -> Void)? = nil, maxDocumentBytes: Int? = nil,
                allowNonIndexDirectory: Bool = false) {
        self.maxDocumentBytes = maxDocumentBytes
        self.allowNonIndexDirectory = allowNonIndexDirectory
        self.openMode = openMode
        self.threads = threads
        self.maxBufferedDocuments = maxBufferedDocuments
        self.storeText = storeText
        self.ramBudgetMB = ramBudgetMB
        self.analyzer = analyzer
        self.positions = positions
        self.storeCompressionLevel = storeCompressionLevel
        self.mergePolicy = mergePolicy
        self.onFlush = onFlush
    }
}

/// One segment as the writer sees it: its files (immutable) and its deletions as of now, which may be ahead of
/// the last commit.
final class WriterSegment {
    let info: SegmentInfo
    let directory: IndexDirectory
    var deletions: DeletedDocuments
    /// The deletions file in force in the last commit (0: none).
    var deletionGeneration: Int
    /// Deletions changed since they were last written.
    var deletionsDirty = false
    private var openedReader: SegmentReader?

    init(info: SegmentInfo, directory: IndexDirectory, deletions: DeletedDocuments? = nil, deletionGeneration: Int = 0) {
        self.info = info
        self.directory = directory
        self.deletions = deletions ?? DeletedDocuments(maxDoc: info.maxDoc)
        self.deletionGeneration = deletionGeneration
    }

    /// A committed segment, already opened (with its deletions as of the commit).
    init(reader: SegmentReader, directory: IndexDirectory, deletionGeneration: Int) {
        self.info = reader.info
        self.directory = directory
        self.deletions = reader.deletions ?? DeletedDocuments(maxDoc: reader.info.maxDoc)
        self.deletionGeneration = deletionGeneration
        self.openedReader = reader
    }

    var name: String { info.name }
    var liveDocs: Int { info.maxDoc - deletions.count }

    /// The segment's files, opened once (without deletions: the writer's own are in `deletions`).
    func reader() throws(SaigaError) -> SegmentReader {
        if let openedReader { return openedReader }
        let r = try SegmentReader(directory: directory, info: info, verification: .onFirstRead)
        openedReader = r
        return r
    }

    /// The live document with `id`, if the segment has one.
    func liveDocument(id: String) throws(SaigaError) -> Int? {
        let r = try reader()
        let doc = try withBytes(Array(id.utf8)) { (p: UnsafeRawBufferPointer) throws(SaigaError) -> Int? in
            try r.ids.lookup(p)
        }
        guard let doc, !deletions.contains(doc) else { return nil }
        return doc
    }
}

/// Writes an index: add, update and delete documents, then `commit()` to make the changes visible atomically
/// and durably. Segments are merged in the background (`IndexWriterOptions.mergePolicy`).
///
/// Until a commit, nothing the writer does is visible to readers; a reader keeps searching the commit it opened
/// while writes and merges go on, and files are deleted only when neither of the last two commits uses them
/// (an open reader keeps its mapped files readable even then).
///
/// Only one writer may hold an index at a time (`write.lock`); a second gets `SaigaError.Code.indexLocked` naming
/// the holder's pid. The lock dies with its process, so a crashed writer never blocks the next one.
/// Not thread-safe: use one writer from one thread (`IndexWriterOptions.threads` makes it index in parallel).
public final class IndexWriter {
    public let path: String
    public let options: IndexWriterOptions
    private let directory: IndexDirectory
    private var lock: WriteLock?
    private let analyzer: Analyzer
    private let analyzerOptions: AnalyzerOptions
    private let positions: Bool
    private let shared: IndexingShared
    /// One partition indexed on the calling thread, or one per worker thread.
    private var partition: IndexingPartition?
    private var workers: [IndexingWorker] = []
    private var batch: [Document] = []
    private var nextWorker = 0
    private static let batchSize = 256
    private var generation: UInt64
    /// The last two commits (oldest first): their files are kept.
    private var keptCommits: [Manifest] = []
    /// Commits that just left `keptCommits`, decoded already: the file deleter retires them without reading them.
    private var retiredCommits: [Manifest] = []
    /// The index as of now: the last commit plus flushes, deletions and finished merges since.
    private var segments: [WriterSegment] = []
    /// The segments of the last commit with their deletion state then (restored by `rollback`).
    private var committedState: [(info: SegmentInfo, deletions: DeletedDocuments, generation: Int)] = []
    private var merges: MergeScheduler?
    /// Hashes of every id added through this writer (a pre-filter before exact checks).
    private var idHashes = Set<UInt64>()
    /// True if the index had documents before this writer: every add checks them for the id.
    private var hasEarlierDocuments = false
    /// A rebuild (`.create`) whose first commit has not happened yet: that commit drops the previous ones.
    private var replacesPreviousCommit = false
    /// The names of the extra (stored-only) fields of the index: capped at `Schema.maxExtraFields` per index, so
    /// that no segment, and no merge of segments, ever needs more field numbers than a segment has.
    private var extraFieldNames = Set<String>()
    /// Segments holding only documents from before this writer opened (those it opened with, and merges of
    /// them only).
    private var segmentsAtOpen = Set<String>()
    private var documentsAdded = 0

    /// Opens (creating if needed) the index directory at `path` for writing.
    ///
    /// Refuses (before touching anything):
    /// - a directory that holds other files and no index (`.notAnIndex`; `allowNonIndexDirectory` overrides);
    /// - an index whose newest commit is damaged (`.corruptIndex`): an undecodable newest manifest, a missing or
    ///   inconsistent segment file, or a damaged byte in a file the previous commit does not share (those are
    ///   verified whole). Writing on top of it would keep the damage and retire the sound older commit; `saiga
    ///   check --repair` decides what to drop instead. A rebuild (`.create`) is never refused for damage: it
    ///   replaces the index.
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
        try options.mergePolicy?.validate()
        self.path = path
        self.options = options
        if options.openMode == .append && !IndexDirectory.exists(path) {
            throw SaigaError(.indexNotFound, "no index at \(path) to append to", path: path)
        }
        directory = try IndexDirectory.create(path: path)
        let existing = try directory.list()
        let generations = existing.compactMap(Manifest.generation(ofFileName:)).sorted(by: >)
        if generations.isEmpty && !options.allowNonIndexDirectory {
            // Not an index (yet): only an empty directory, or one left by an interrupted first build, is taken.
            let foreign = existing.filter { !IndexDirectory.isIndexFile($0) && $0 != IndexDirectory.lockFileName }.sorted()
            if !foreign.isEmpty {
                let shown = foreign.prefix(3).map { "\"\($0)\"" }.joined(separator: ", ") + (foreign.count > 3 ? ", …" : "")
                throw SaigaError(.notAnIndex, "\(directory.path) is not an index: it holds \(foreign.count) other "
                    + "file\(foreign.count == 1 ? "" : "s") (\(shown)) and no commit; use an empty or new directory",
                    path: directory.path)
            }
        }
        // The lock releases itself (deinit) on every failure path below.
        let lock = try WriteLock(directory: directory)
        self.lock = lock

        var latest: Manifest?
        // The commit before `latest`, if its manifest decodes: the fallback this writer keeps.
        var previous: Manifest?
        var opened: [SegmentReader] = []
        if options.openMode != .create, let newest = generations.first {
            do {
                let m = try directory.readManifest(generation: newest)
                opened = try CommitSegments.open(m, directory: directory, verification: .onFirstRead)
                if let older = generations.dropFirst().first { previous = try? directory.readManifest(generation: older) }
                // Files the previous commit does not share are verified whole: before this writer's commits retire
                // that commit, the newest must be known sound.
                if let previous {
                    let shared = Set(previous.segments.map { "\($0.name)/\($0.id)" })
                    for r in opened where !shared.contains("\(r.name)/\(r.info.id)") { try r.checkAllFiles() }
                }
                latest = m
            } catch {
                guard error.code == .corruptIndex else { throw error }
                throw SaigaError(.corruptIndex,
                                 "the newest commit (generation \(newest)) is damaged: \(error.message). The writer does "
                                    + "not open on top of it: `saiga check` shows the damage, `saiga check --repair` "
                                    + "goes back to a sound commit", path: error.path, offset: error.offset)
            }
        } else if options.openMode == .append {
            throw SaigaError(.indexNotFound, "no committed index at \(path) to append to", path: path)
        }
        generation = generations.first ?? 0
        var next = latest?.nextSegmentNumber ?? 0
        // Never reuse a name that exists on disk (an orphan of an interrupted build).
        for name in existing {
            if let segment = IndexDirectory.segment(ofFile: name), let n = Int(segment.dropFirst(), radix: 36) {
                next = max(next, n + 1)
            }
        }
        if let latest {
            guard latest.analyzer == options.analyzer || options.analyzer == .default else {
                throw SaigaError(.invalidArgument, "the index was built with other analysis settings (stemming \(latest.analyzer.stemming), stop words \(latest.analyzer.stopWords))")
            }
            analyzerOptions = latest.analyzer
            positions = latest.positions
            for (entry, r) in zip(latest.segments, opened) {
                segments.append(WriterSegment(reader: r, directory: directory, deletionGeneration: entry.deletionGeneration))
            }
            // The commit before it stays the fallback (its files are kept) as long as its manifest decodes.
            keptCommits = [previous, latest].compactMap { $0 }
            hasEarlierDocuments = segments.contains { $0.liveDocs > 0 }
            segmentsAtOpen = Set(segments.map(\.name))
            for s in segments { for f in s.info.fields where f.number >= Schema.firstStoredOnlyField { extraFieldNames.insert(f.name) } }
        } else {
            analyzerOptions = options.analyzer
            positions = options.positions
            // A rebuild keeps the previous commits until its own first commit (a failed rebuild leaves the index as
            // it was), which then retires them all.
            replacesPreviousCommit = !generations.isEmpty
        }
        committedState = segments.map { ($0.info, $0.deletions, $0.deletionGeneration) }
        self.analyzer = Analyzer(options: analyzerOptions)
        shared = IndexingShared(nextSegmentNumber: next)
        var partitionOptions = options
        partitionOptions.positions = positions
        let budget = (options.ramBudgetMB << 20) / options.threads
        if options.threads == 1 {
            partition = IndexingPartition(directory: directory, analyzer: analyzer, options: partitionOptions,
                                          shared: shared, ramBudget: budget)
        } else {
            for _ in 0..<options.threads {
                workers.append(IndexingWorker(partition: IndexingPartition(
                    directory: directory, analyzer: analyzer, options: partitionOptions, shared: shared, ramBudget: budget)))
            }
        }
        if options.mergePolicy != nil {
            merges = MergeScheduler(directory: directory, positions: positions, storeText: options.storeText,
                                    compressionLevel: Int32(options.storeCompressionLevel))
        }
        // Files of interrupted flushes and merges, and of commits older than the two kept, go now.
        if options.openMode != .create { deleteUnusedFiles() }
    }

    deinit {
        if lock != nil { rollback() }
        for w in workers { w.send(.stop) }
        merges?.stop()
    }

    /// Documents added (or updated) through this writer so far.
    public var documentCount: Int { documentsAdded }

    /// True if a document with this id was added or updated through this writer since it opened and is still live
    /// (so that a tool feeding documents can tell an id repeated in its input from an update of an earlier
    /// commit's document). Exact for documents in RAM, in segments this writer wrote and in segments it opened with;
    /// for one in a segment that merged those with this writer's, it rests on a 64-bit hash of the id.
    public func addedThroughThisWriter(id: String) -> Bool {
        let h = IndexWriter.hashID(id)
        guard idHashes.contains(h) else { return false }
        guard let location = try? liveLocation(of: id, hash: h) else { return true }
        switch location {
        case .ram: return true
        case .segment(let s, _): return !segmentsAtOpen.contains(s.name)
        }
    }

    /// Segments in the writer's current view of the index (committed or not).
    public var segmentCount: Int {
        syncFlushed()
        return segments.count
    }

    /// Merges queued or running in the background.
    public var pendingMerges: Int { merges?.pending ?? 0 }

    /// The generation of the last commit (0 before the first).
    public var lastCommitGeneration: UInt64 { keptCommits.last?.generation ?? 0 }

    // MARK: - Adding, updating, deleting

    /// Adds a document. Throws `.invalidDocument` for an empty or oversized id or a reserved field name,
    /// `.duplicateID` if a live document already has the id (use `update` to replace it), and I/O errors from
    /// flushing.
    public func add(_ document: Document) throws(SaigaError) {
        try checkOpen()
        try validate(document)
        let h = IndexWriter.hashID(document.id)
        if hasEarlierDocuments || idHashes.contains(h), try liveLocation(of: document.id, hash: h) != nil {
            throw SaigaError(.duplicateID, "duplicate document id \"\(document.id)\"")
        }
        try addValidated(document, hash: h)
    }

    /// Adds a document, replacing the live document with the same id if there is one (in the same commit: no
    /// snapshot ever sees both or neither). Returns true if a document was replaced.
    @discardableResult
    public func update(_ document: Document) throws(SaigaError) -> Bool {
        try checkOpen()
        try validate(document)
        let h = IndexWriter.hashID(document.id)
        let replaced = try deleteLive(id: document.id, hash: h)
        try addValidated(document, hash: h)
        return replaced
    }

    /// Deletes the live document with this id; returns false if there is none.
    @discardableResult
    public func delete(id: String) throws(SaigaError) -> Bool {
        try checkOpen()
        return try deleteLive(id: id, hash: IndexWriter.hashID(id))
    }

    /// Deletes every live document matching `query` (the search syntax of `IndexReader.search`); returns how many.
    /// Documents still in RAM are flushed first so that the query sees them.
    @discardableResult
    public func delete(query: String) throws(SaigaError) -> Int {
        try checkOpen()
        let parsed = try QueryParser().parse(query)
        let node = try QueryRewriter(analyzer: analyzer, positions: positions).rewrite(parsed)
        try flush()
        syncFlushed()
        var readers: [SegmentReader] = []
        var bases: [Int] = []
        var total = 0
        for s in segments {
            readers.append(try s.reader())
            bases.append(total)
            total += s.info.maxDoc
        }
        var stats: [Int: FieldStatistics] = [:]
        for f in [Schema.titleField, Schema.bodyField] {
            var st = FieldStatistics(docCount: 0, sumTotalTermFreq: 0)
            for r in readers {
                st.docCount += r.info.field(number: f)?.docCount ?? 0
                st.sumTotalTermFreq += r.info.field(number: f)?.sumTotalTermFreq ?? 0
            }
            stats[f] = st
        }
        let executor = QueryExecutor(segments: readers, docBases: bases, fieldStats: stats)
        let prepared = try executor.prepare(node, parameters: BM25Parameters())
        var deleted = 0
        for (i, s) in segments.enumerated() {
            try readers[i].checkNorms()
            var iterators: [PostingsIterator] = []
            guard let scorer = executor.scorer(prepared, segment: i, iterators: &iterators) else { continue }
            var d = scorer.nextDoc()
            while d != PostingsIterator.noMoreDocs {
                if s.deletions.insert(Int(d)) {
                    s.deletionsDirty = true
                    deleted += 1
                }
                d = scorer.nextDoc()
            }
            if iterators.contains(where: { $0.isCorrupt }) { throw readers[i].postingsCorruption() }
        }
        return deleted
    }

    private func checkOpen() throws(SaigaError) {
        guard lock != nil else { throw SaigaError(.closed, "the writer is closed") }
        if let e = shared.error {
            // A background partition failed to flush: its documents are gone, so everything since the last
            // commit goes (all or nothing).
            resetToLastCommit()
            throw e
        }
    }

    /// Runs `body`; if it fails, puts the writer back at the last commit (a failed flush loses in-RAM documents,
    /// and keeping some uncommitted changes but not others would make the next commit publish half of them).
    private func resettingOnFailure<R>(_ body: () throws(SaigaError) -> R) throws(SaigaError) -> R {
        do {
            return try body()
        } catch {
            resetToLastCommit()
            throw error
        }
    }

    /// Checks a document before anything is done with it: a document refused here leaves the writer unchanged, so
    /// a caller may skip it and go on.
    private func validate(_ document: Document) throws(SaigaError) {
        let idBytes = document.id.utf8.count
        guard idBytes > 0 else { throw SaigaError(.invalidDocument, "document id is empty") }
        guard idBytes <= Document.maxIDBytes else {
            throw SaigaError(.invalidDocument, "document id is \(idBytes) bytes; the limit is \(Document.maxIDBytes)")
        }
        let titleBytes = document.title.utf8.count
        guard titleBytes <= Document.maxTitleBytes else {
            throw SaigaError(.invalidDocument, "title is \(titleBytes) bytes; the limit is \(Document.maxTitleBytes)")
        }
        var size = idBytes + titleBytes + document.body.utf8.count
        for f in document.fields { size += f.name.utf8.count + f.value.utf8.count }
        guard size <= maxDocumentBytes else {
            throw SaigaError(.invalidDocument, "document \"\(document.id)\" is \(size) bytes; the limit is "
                + "\(maxDocumentBytes) (IndexWriterOptions.maxDocumentBytes, a quarter of the RAM budget by default)")
        }
        var newNames = Set<String>()
        for f in document.fields {
            guard f.name != Schema.idName && f.name != Schema.titleName && f.name != Schema.bodyName else {
                throw SaigaError(.invalidDocument, "extra field name \"\(f.name)\" is reserved")
            }
            guard !f.name.isEmpty, f.name.utf8.count <= Document.maxFieldNameBytes else {
                throw SaigaError(.invalidDocument, "extra field name must be 1 to \(Document.maxFieldNameBytes) bytes")
            }
            if !extraFieldNames.contains(f.name) { newNames.insert(f.name) }
        }
        if !newNames.isEmpty && extraFieldNames.count + newNames.count > Schema.maxExtraFields {
            throw SaigaError(.invalidDocument, "document \"\(document.id)\" would bring the index to "
                + "\(extraFieldNames.count + newNames.count) distinct extra field names (\"\(newNames.sorted()[0])\" …); "
                + "an index holds at most \(Schema.maxExtraFields)")
        }
    }

    /// Largest document accepted, in UTF-8 bytes of id, title, body and extra fields
    /// (`IndexWriterOptions.maxDocumentBytes`, or its default for the RAM budget).
    public var maxDocumentBytes: Int {
        min(options.maxDocumentBytes ?? max(1 << 20, min(64 << 20, (options.ramBudgetMB << 20) / 4)), 512 << 20)
    }

    private func addValidated(_ document: Document, hash h: UInt64) throws(SaigaError) {
        if let partition {
            try resettingOnFailure { () throws(SaigaError) in try partition.add(document) }
        } else {
            batch.append(document)
            if batch.count >= IndexWriter.batchSize { sendBatch() }
        }
        idHashes.insert(h)
        for f in document.fields { extraFieldNames.insert(f.name) }
        documentsAdded += 1
    }

    /// Where the live document with `id` is: in RAM (not yet flushed), or in a segment.
    private enum Location {
        case ram
        case segment(WriterSegment, doc: Int)
    }

    private func liveLocation(of id: String, hash h: UInt64) throws(SaigaError) -> Location? {
        if idHashes.contains(h) {
            if batch.contains(where: { $0.id == id }) { return .ram }
            try drainWorkers(flush: false)  // workers idle: their in-RAM segments can be read
            if partition?.contains(id: id) == true { return .ram }
            for w in workers where w.partition.contains(id: id) { return .ram }
        }
        syncFlushed()
        for s in segments.reversed() {  // the newest copy is the live one
            if let doc = try s.liveDocument(id: id) { return .segment(s, doc: doc) }
        }
        return nil
    }

    private func deleteLive(id: String, hash h: UInt64) throws(SaigaError) -> Bool {
        guard hasEarlierDocuments || idHashes.contains(h) else { return false }
        var location = try liveLocation(of: id, hash: h)
        if case .ram = location {
            // Documents in RAM cannot be marked: write them out, then delete from the new segment.
            try flush()
            location = try liveLocation(of: id, hash: h)
        }
        guard case .segment(let s, let doc) = location else { return false }
        s.deletions.insert(doc)
        s.deletionsDirty = true
        return true
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
        try checkOpen()
        try resettingOnFailure { () throws(SaigaError) in
            if let partition {
                try partition.flush()
            } else {
                try drainWorkers(flush: true)
            }
        }
        syncFlushed()
    }

    /// Moves segments the partitions flushed into the writer's view.
    private func syncFlushed() {
        let flushed = shared.state.withLock { s -> [SegmentInfo] in
            let f = s.flushed
            s.flushed.removeAll()
            return f
        }
        for info in flushed.sorted(by: { a, b in a.name.count != b.name.count ? a.name.count < b.name.count : a.name < b.name }) {
            segments.append(WriterSegment(info: info, directory: directory))
        }
    }

    // MARK: - Merging

    private func candidates() -> [MergePolicy.Candidate] {
        let busy = merges?.mergingSegments ?? []
        return segments.map { s in
            let bytes = s.info.dataBytes
            let live = s.info.maxDoc == 0 ? 0 : Int(Double(bytes) * Double(s.liveDocs) / Double(s.info.maxDoc))
            return MergePolicy.Candidate(name: s.name, liveBytes: live, maxDoc: s.info.maxDoc, deleted: s.deletions.count,
                                         merging: busy.contains(s.name))
        }
    }

    private func startMerge(_ names: [String]) {
        guard let merges else { return }
        let chosen = segments.filter { names.contains($0.name) }
        guard !chosen.isEmpty else { return }
        let output = IndexDirectory.segmentName(shared.takeSegmentNumber())
        merges.enqueue(MergeScheduler.Task(sources: chosen.map(\.info), deletions: chosen.map { $0.deletions },
                                           output: output))
    }

    /// Starts the merges the policy asks for (one at a time: merges run on one thread).
    private func scheduleMerges() {
        guard let policy = options.mergePolicy, let merges, merges.pending == 0 else { return }
        if let names = policy.findMerge(candidates()) { startMerge(names) }
    }

    /// Replaces merged segments by their merge, carrying over deletions made while the merge ran. A failed merge
    /// leaves its sources in place and is reported (the next commit retries nothing automatically; the sources
    /// stay searchable).
    private func applyCompletedMerges() throws(SaigaError) {
        guard let merges else { return }
        var firstError: SaigaError?
        for done in merges.takeCompleted() {
            switch done.result {
            case .failure(let e):
                if firstError == nil { firstError = e }
            case .success(let out):
                let names = done.task.sources.map(\.name)
                // Every source must still be here (rollback may have reset the view meanwhile).
                let sources = names.compactMap { n in segments.first { $0.name == n } }
                guard sources.count == names.count else {
                    for f in out.info.fileNames { try? directory.delete(f) }
                    continue
                }
                let merged = WriterSegment(info: out.info, directory: directory)
                for (i, s) in sources.enumerated() {
                    let snapshot = done.task.deletions[i] ?? DeletedDocuments(maxDoc: s.info.maxDoc)
                    guard s.deletions.count != snapshot.count else { continue }
                    for d in 0..<s.info.maxDoc where s.deletions.contains(d) && !snapshot.contains(d) {
                        let mapped = Int(out.docMaps[i][d])
                        if mapped >= 0 {
                            merged.deletions.insert(mapped)
                            merged.deletionsDirty = true
                        }
                    }
                }
                if names.allSatisfy(segmentsAtOpen.contains) { segmentsAtOpen.insert(out.info.name) }
                // The merged segment takes the place of its first source, so document order is kept.
                let firstIndex = segments.firstIndex { $0.name == names[0] }!
                segments[firstIndex] = merged
                segments.removeAll { names.dropFirst().contains($0.name) }
            }
        }
        if let firstError { throw firstError }
    }

    /// Blocks until background merges finish, and takes their results into the writer's view (visible at the
    /// next commit).
    public func waitForMerges() throws(SaigaError) {
        try checkOpen()
        guard let merges else { return }
        repeat {
            merges.waitForIdle()
            try applyCompletedMerges()
            scheduleMerges()
        } while merges.pending > 0
    }

    /// Merges segments until at most `maxSegments` remain (and, for 1, until no deleted documents remain),
    /// waiting for the merges. Flushes first; the result is visible at the next commit.
    public func forceMerge(maxSegments: Int = 1) throws(SaigaError) {
        try checkOpen()
        guard maxSegments >= 1 else { throw SaigaError(.invalidArgument, "maxSegments must be at least 1") }
        try flush()
        let scheduler = merges ?? MergeScheduler(directory: directory, positions: positions, storeText: options.storeText,
                                                 compressionLevel: Int32(options.storeCompressionLevel))
        if merges == nil { merges = scheduler }
        defer {
            if options.mergePolicy == nil {
                scheduler.stop()
                merges = nil
            }
        }
        scheduler.waitForIdle()
        try applyCompletedMerges()
        while let names = MergePolicy.forcedMerge(candidates(), maxSegments: maxSegments) {
            startMerge(names)
            scheduler.waitForIdle()
            try applyCompletedMerges()
        }
    }

    // MARK: - Commit

    /// Makes every change so far visible, durably and atomically, and returns the new generation.
    ///
    /// Order (see docs/FORMAT.md): the in-RAM documents are flushed to segment files and new deletions to
    /// deletion files, each fsynced; finished merges replace their sources; then the manifest is written to a
    /// temporary file, fsynced, renamed and the directory fsynced.
    ///
    /// All or nothing: if anything fails (a full disk, an I/O error), the previous commit stays current and
    /// intact, every change since it is dropped (as by `rollback`, but the writer stays open), and the error is
    /// thrown. Re-apply the changes once the cause is fixed (e.g. disk space freed).
    @discardableResult
    public func commit(userData: [String: String] = [:]) throws(SaigaError) -> UInt64 {
        try checkOpen()
        do {
            return try commitChanges(userData: userData)
        } catch {
            // All or nothing: back to the last commit, still open (re-apply the changes after fixing the cause).
            resetToLastCommit()
            throw error
        }
    }

    private func commitChanges(userData: [String: String]) throws(SaigaError) -> UInt64 {
        try flush()
        try applyCompletedMerges()
        // Backpressure: past the cap, wait for merges to bring the count down.
        if let policy = options.mergePolicy, let merges {
            scheduleMerges()
            while segments.count > policy.maxSegments, merges.pending > 0 {
                merges.waitForOne()
                try applyCompletedMerges()
                scheduleMerges()
            }
        }
        let mergingNow = merges?.mergingSegments ?? []
        // Fully deleted segments leave the index (unless a merge is reading them: its result carries them away).
        segments.removeAll { $0.liveDocs == 0 && !mergingNow.contains($0.name) }

        let newGeneration = generation + 1
        var written: [String] = []
        var newDeletionGenerations: [String: Int] = [:]
        var rebuilt = false
        do {
            for s in segments where s.deletionsDirty {
                let g = Int(newGeneration)
                if s.deletions.isEmpty {
                    newDeletionGenerations[s.name] = 0
                } else {
                    try s.deletions.write(directory: directory, segment: s.name, id: s.info.id, generation: g)
                    written.append(DeletedDocuments.fileName(segment: s.name, generation: g))
                    newDeletionGenerations[s.name] = g
                }
            }
            let manifest = Manifest(
                generation: newGeneration, commitID: .random(), analyzer: analyzerOptions, positions: positions,
                nextSegmentNumber: shared.state.withLock { $0.nextSegmentNumber },
                segments: segments.map { s in
                    Manifest.SegmentEntry(name: s.name, id: s.info.id, maxDoc: s.info.maxDoc,
                                          deletionGeneration: newDeletionGenerations[s.name] ?? s.deletionGeneration)
                },
                userData: userData)
            try directory.writeManifest(manifest)
            generation = newGeneration
            for s in segments {
                if let g = newDeletionGenerations[s.name] { s.deletionGeneration = g }
                s.deletionsDirty = false
            }
            if replacesPreviousCommit {
                keptCommits = []
                replacesPreviousCommit = false
                rebuilt = true
            }
            keptCommits.append(manifest)
            if keptCommits.count > 2 {
                retiredCommits += keptCommits.prefix(keptCommits.count - 2)
                keptCommits.removeFirst(keptCommits.count - 2)
            }
            committedState = segments.map { ($0.info, $0.deletions, $0.deletionGeneration) }
            hasEarlierDocuments = hasEarlierDocuments || segments.contains { $0.liveDocs > 0 }
        } catch {
            for name in written { try? directory.delete(name) }
            throw error
        }
        deleteUnusedFiles(retireAllBut: rebuilt ? newGeneration : nil)
        scheduleMerges()
        return generation
    }

    /// Deletes index files nothing needs any more (`FileDeleter`): commits older than the last two (or, after a
    /// rebuild's commit, every other commit), and files of interrupted flushes and merges; never a file that a
    /// manifest on disk, the writer's current view or a flush or merge in progress uses. Readers that mapped a
    /// deleted file keep reading it. Failures are ignored (retried at the next commit).
    private func deleteUnusedFiles(retireAllBut: UInt64? = nil) {
        var inUse = Set<String>()
        for s in segments {
            inUse.formUnion(s.info.fileNames)
            if s.deletionGeneration > 0 {
                inUse.insert(DeletedDocuments.fileName(segment: s.name, generation: s.deletionGeneration))
            }
        }
        var busy = merges?.outputsInProgress ?? []
        // A partition's segment being built has its stored-fields file open already.
        busy.formUnion(([partition].compactMap { $0 } + workers.map(\.partition)).compactMap { $0.builder?.name })
        var known: [UInt64: Manifest] = [:]
        for m in keptCommits + retiredCommits { known[m.generation] = m }
        FileDeleter(directory: directory).deleteUnused(retainFrom: keptCommits.first?.generation,
                                                       retireAllBut: retireAllBut, known: known, inUse: inUse,
                                                       busySegments: busy)
        retiredCommits = []
    }

    /// Discards everything not committed: documents in RAM, segments flushed or merged since the last commit
    /// (their files are deleted), and deletions. Then releases the lock; the writer is closed.
    public func rollback() {
        guard lock != nil else { return }
        resetToLastCommit()
        for w in workers { w.send(.stop) }
        workers.removeAll()
        partition = nil
        merges?.stop()
        merges = nil
        deleteUnusedFiles()
        lock?.release()
        lock = nil
    }

    /// Puts the writer back at its last commit: in-RAM documents, flushed and merged segments, and deletions
    /// since then are dropped (their files deleted). The writer stays open.
    private func resetToLastCommit() {
        if !workers.isEmpty {
            batch.removeAll()
            shared.record(SaigaError(.closed, "the writer was reset"))  // workers skip what is still queued
            let done = DispatchSemaphore(value: 0)
            for w in workers { w.send(.barrier(flush: false, done: done)) }
            for _ in workers { done.wait() }
            for w in workers { w.partition.abort() }
        }
        partition?.abort()
        merges?.abortAll()
        shared.state.withLock { s in
            s.flushed.removeAll()
            s.error = nil
        }
        segments = committedState.map { c in
            WriterSegment(info: c.info, directory: directory, deletions: c.deletions, deletionGeneration: c.generation)
        }
        deleteUnusedFiles()
    }

    /// Waits for running merges (their results are dropped unless committed), discards uncommitted changes and
    /// releases the lock. Call `commit()` first to keep changes.
    public func close() {
        rollback()
    }

    static func hashID(_ id: String) -> UInt64 {
        // FNV-1a over the UTF-8 bytes: the set only pre-filters, exactness comes from the lookups.
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in id.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01B3
        }
        return h
    }
}
