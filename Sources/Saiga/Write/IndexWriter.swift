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
    /// Called after each segment is written to disk, with the segment's document count.
    public var onFlush: (@Sendable (_ documents: Int) -> Void)?

    public init(ramBudgetMB: Int = 256, analyzer: AnalyzerOptions = .default, positions: Bool = true,
                storeCompressionLevel: Int = 6, storeText: Bool = true, maxBufferedDocuments: Int? = nil,
                onFlush: (@Sendable (Int) -> Void)? = nil) {
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
/// Not thread-safe: use one writer from one thread.
public final class IndexWriter {
    public let path: String
    public let options: IndexWriterOptions
    private let directory: IndexDirectory
    private var lock: WriteLock?
    private let analyzer: Analyzer
    private var builder: SegmentBuilder?
    private var nextSegmentNumber: Int
    private var generation: UInt64
    /// Segments flushed by this writer (committed or not).
    private var flushed: [SegmentInfo] = []
    /// How many of `flushed` the last commit included.
    private var committedCount = 0
    private var flushedReaders: [SegmentReader?] = []
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
        nextSegmentNumber = next
    }

    deinit {
        if lock != nil { rollback() }
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
        let h = IndexWriter.hashID(document.id)
        if idHashes.contains(h), try isDuplicate(document.id) {
            throw SaigaError(.duplicateID, "duplicate document id \"\(document.id)\"")
        }
        if builder == nil { builder = try newBuilder() }
        try builder!.add(document)
        idHashes.insert(h)
        documentsAdded += 1
        if builder!.bytesUsed >= options.ramBudgetMB << 20 || builder!.isNearlyFull
            || builder!.maxDoc >= options.maxBufferedDocuments ?? Int.max {
            try flush()
        }
    }

    /// Writes the in-RAM segment to disk (it stays invisible until the next commit).
    public func flush() throws(SaigaError) {
        guard let b = builder, b.maxDoc > 0 else { return }
        builder = nil
        let info = try b.flush()
        flushed.append(info)
        flushedReaders.append(nil)
        options.onFlush?(info.maxDoc)
    }

    /// Makes every document added so far visible, durably and atomically, and returns the new generation.
    @discardableResult
    public func commit(userData: [String: String] = [:]) throws(SaigaError) -> UInt64 {
        guard lock != nil else { throw SaigaError(.closed, "the writer is closed") }
        try flush()
        generation += 1
        let manifest = Manifest(
            generation: generation, commitID: .random(), analyzer: options.analyzer, positions: options.positions,
            nextSegmentNumber: nextSegmentNumber,
            segments: flushed.map { Manifest.SegmentEntry(name: $0.name, id: $0.id, maxDoc: $0.maxDoc) },
            userData: userData)
        do {
            try directory.writeManifest(manifest)
        } catch {
            generation -= 1
            throw error
        }
        committedCount = flushed.count
        // The new commit is durable: files of older commits and of interrupted builds can go. Readers that still
        // map them keep their mappings.
        var keep = Set(flushed.flatMap(\.fileNames))
        keep.insert(Manifest.fileName(generation: generation))
        if let b = builder {
            for kind in FileKind.segmentDataFiles + [.segmentInfo] { keep.insert("\(b.name).\(kind.fileExtension)") }
        }
        directory.deleteUnreferenced(keep: keep)
        return generation
    }

    /// Discards everything not committed (deleting the files of segments flushed since the last commit) and
    /// releases the lock.
    public func rollback() {
        builder?.abort()
        builder = nil
        flushedReaders.removeAll()
        for info in flushed[committedCount...] {
            for name in info.fileNames { try? Sys.unlink(directory.file(name)) }
        }
        flushed.removeSubrange(committedCount...)
        lock?.release()
        lock = nil
    }

    /// Releases the lock. Documents added since the last commit are discarded (call `commit()` first).
    public func close() {
        rollback()
    }

    private func newBuilder() throws(SaigaError) -> SegmentBuilder {
        let number = nextSegmentNumber
        nextSegmentNumber += 1
        return try SegmentBuilder(
            directory: directory, number: number, analyzer: analyzer, positions: options.positions,
            compressionLevel: Int32(options.storeCompressionLevel), storeText: options.storeText)
    }

    /// Exact duplicate check, run only when the id's hash was seen before.
    private func isDuplicate(_ id: String) throws(SaigaError) -> Bool {
        if builder?.contains(id: id) == true { return true }
        for i in flushed.indices {
            if flushedReaders[i] == nil {
                flushedReaders[i] = try SegmentReader(directory: directory, info: flushed[i], verifyChecksums: false)
            }
            if flushedReaders[i]!.lookupID(id) != nil { return true }
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
