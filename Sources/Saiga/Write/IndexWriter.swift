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
///
/// The writer coordinates; the work is done along Lucene's seams by the pieces it owns: `DocumentsWriter` (the
/// in-RAM segments and the indexing threads), `DocumentValidator`, `WritableCommit` (the commit it builds on),
/// `WriterSegment` (each segment's deletions, merges put in place), `MergeScheduler`, and `FileDeleter` (which
/// commits are live and which files may go). It is about 500 lines, over a third of them documentation,
/// because the public API and the ordering rules of commit and rollback belong in one place.
public final class IndexWriter {
    public let path: String
    public let options: IndexWriterOptions
    private let directory: IndexDirectory
    private var lock: WriteLock?
    /// Each field's analyzer (the field's language, the index's options and rules).
    private let analyzers: FieldAnalyzers
    private let analyzerOptions: AnalyzerOptions
    /// The index's version of the analysis rules: a new index gets the newest, an existing one keeps its own.
    private let analysisVersion: Int
    private let positions: Bool
    /// The index's schema: the newest commit's, with `IndexWriterOptions.schema`'s new fields added. Every commit
    /// of this writer records it.
    public let schema: Schema
    private let layout: FieldLayout
    /// Documents in RAM and the threads that index them.
    private let documents: DocumentsWriter
    private var validator: DocumentValidator
    /// Which commits are live, and which files may go.
    private var files: FileDeleter
    private var generation: UInt64
    /// The index as of now: the last commit plus flushes, deletions and finished merges since.
    private var segments: [WriterSegment] = []
    /// The segments of the last commit with their deletion state then (restored by `rollback`).
    private var committedState: [(info: SegmentInfo, deletions: DeletedDocuments, generation: Int)] = []
    private var merges: MergeScheduler?
    /// Hashes of every id added through this writer (a pre-filter before exact checks).
    private var idHashes = Set<UInt64>()
    /// True if the index had documents before this writer: every add checks them for the id.
    private var hasEarlierDocuments = false
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
        try options.validate()
        self.path = path
        self.options = options
        if options.openMode == .append && !IndexDirectory.exists(path) {
            throw SaigaError(.indexNotFound, "no index at \(path) to append to", path: path)
        }
        directory = try IndexDirectory.create(path: path)
        let existing = try directory.list()
        let generations = existing.compactMap(Manifest.generation(ofFileName:)).sorted(by: >)
        if generations.isEmpty && !options.allowNonIndexDirectory { try directory.refuseForeignFiles(existing) }
        // The lock releases itself (deinit) on every failure path below.
        let lock = try WriteLock(directory: directory)
        self.lock = lock

        var newest: WritableCommit?
        if options.openMode != .create, let generation = generations.first {
            newest = try WritableCommit(
                directory: directory, generation: generation,
                previousGeneration: generations.dropFirst().first)
        } else if options.openMode == .append {
            throw SaigaError(.indexNotFound, "no committed index at \(path) to append to", path: path)
        }
        let latest = newest?.manifest
        let previous = newest?.previous
        let opened = newest?.segments ?? []
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
                throw SaigaError(
                    .invalidArgument,
                    "the index was built with other analysis settings (stemming \(latest.analyzer.stemming), stop words \(latest.analyzer.stopWords))"
                )
            }
            analyzerOptions = latest.analyzer
            analysisVersion = latest.analysisVersion
            positions = latest.positions
            for (entry, r) in zip(latest.segments, opened) {
                segments.append(
                    WriterSegment(reader: r, directory: directory, deletionGeneration: entry.deletionGeneration))
            }
            hasEarlierDocuments = segments.contains { $0.liveDocs > 0 }
            segmentsAtOpen = Set(segments.map(\.name))
        } else {
            analyzerOptions = options.analyzer
            analysisVersion = Manifest.analysisVersion
            positions = options.positions
        }
        var schema = latest?.schema ?? .default
        if latest == nil && !analyzerOptions.stemming {
            schema = try schema.settingTextLanguage(.none)
        }
        if var extra = options.schema {
            extra = try IndexWriter.languagesSettled(
                extra, index: schema, isNew: latest == nil, stemming: analyzerOptions.stemming,
                analysisVersion: analysisVersion)
            if latest == nil {
                // A new index's built-in text fields take the languages its schema declares for them.
                for n in [BuiltinFields.titleField, BuiltinFields.bodyField] {
                    if let declared = extra[schema.fields[n].name] {
                        schema = try schema.settingLanguage(n, declared.language)
                    }
                }
            }
            schema = try schema.adding(extra)
        }
        self.schema = schema
        layout = FieldLayout(
            schema: schema, positions: positions, storeText: options.storeText,
            acceptsUndeclaredFields: options.schema == nil)
        // The commit before the newest stays the fallback (its files are kept) as long as its manifest decodes. A
        // rebuild keeps the previous commits until its own first commit (a failed rebuild leaves the index as it
        // was), which then retires them all.
        files = FileDeleter(
            directory: directory, keptCommits: latest.map { [previous, $0].compactMap { $0 } } ?? [],
            replacesPreviousCommits: latest == nil && !generations.isEmpty)
        validator = DocumentValidator(options: options, layout: layout, existingSegments: segments.map(\.info))
        committedState = segments.map { ($0.info, $0.deletions, $0.deletionGeneration) }
        analyzers = FieldAnalyzers(schema: schema, options: analyzerOptions, analysisVersion: analysisVersion)
        var partitionOptions = options
        partitionOptions.positions = positions
        documents = DocumentsWriter(
            directory: directory, analyzers: analyzers, layout: layout, options: partitionOptions,
            nextSegmentNumber: next)
        if options.mergePolicy != nil {
            merges = MergeScheduler(
                directory: directory, layout: layout, compressionLevel: Int32(options.storeCompressionLevel))
        }
        // Files of interrupted flushes and merges, and of commits older than the two kept, go now.
        if options.openMode != .create { deleteUnusedFiles() }
    }

    deinit {
        if lock != nil { rollback() }
        documents.stop()
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

    /// True if background merges finished whose results the next commit will put in place of their sources.
    public var hasFinishedMerges: Bool { merges?.hasCompleted ?? false }

    /// The generation of the last commit (0 before the first).
    public var lastCommitGeneration: UInt64 { files.lastCommit?.generation ?? 0 }

    // MARK: - Adding, updating, deleting

    /// Checks `document` as `add` and `update` would (its id, sizes, fields and their types against the schema)
    /// without adding it or changing the writer: a caller with a batch to apply all or nothing validates every
    /// document first. Throws `.invalidDocument` naming the problem.
    public func validate(_ document: Document) throws(SaigaError) {
        try checkOpen()
        _ = try validator.validate(document)
    }

    /// Checks that `query` parses and can run on this index (as `delete(query:)` would read it) without running it:
    /// a caller applying a batch all or nothing checks its delete queries first. Throws `.invalidQuery` (with the
    /// offset) or `.limitExceeded`.
    public func checkQuery(_ query: String) throws(SaigaError) {
        try checkOpen()
        _ = try rewritten(query)
    }

    /// `query` parsed and rewritten for this index, as `delete(query:)` runs it.
    private func rewritten(_ query: String) throws(SaigaError) -> QueryNode {
        try QueryRewriter(analyzers: analyzers, positions: positions, schema: schema).rewrite(
            try QueryParser(schema: schema).parse(query))
    }

    /// Drops every change since the last commit (documents added, updated and deleted, flushed segments and merges
    /// not yet committed); the writer stays open. What a caller does when a batch it was applying turns out bad.
    public func discardUncommitted() {
        guard lock != nil else { return }
        resetToLastCommit()
    }

    /// Adds a document. Throws `.invalidDocument` for an empty or oversized id or a reserved field name,
    /// `.duplicateID` if a live document already has the id (use `update` to replace it), and I/O errors from
    /// flushing.
    public func add(_ document: Document) throws(SaigaError) {
        try checkOpen()
        let document = try validator.validate(document)
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
        let document = try validator.validate(document)
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
        let node = try rewritten(query)
        try flush()
        syncFlushed()
        var readers: [SegmentReader] = []
        for s in segments { readers.append(try s.reader()) }
        var deleted = 0
        try SegmentSnapshot(readers).forEachMatch(node) { i, doc in
            if segments[i].deletions.insert(doc) {
                segments[i].deletionsDirty = true
                deleted += 1
            }
        }
        return deleted
    }

    private func checkOpen() throws(SaigaError) {
        guard lock != nil else { throw SaigaError(.closed, "the writer is closed") }
        if let e = documents.error {
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

    /// Largest document accepted, in UTF-8 bytes of id, title, body and extra fields
    /// (`IndexWriterOptions.maxDocumentBytes`, or its default for the RAM budget).
    public var maxDocumentBytes: Int { validator.maxDocumentBytes }

    private func addValidated(_ document: Document, hash h: UInt64) throws(SaigaError) {
        try resettingOnFailure { () throws(SaigaError) in try documents.add(document) }
        idHashes.insert(h)
        validator.accepted(document)
        documentsAdded += 1
    }

    /// Where the live document with `id` is: in RAM (not yet flushed), or in a segment.
    private enum Location {
        case ram
        case segment(WriterSegment, doc: Int)
    }

    private func liveLocation(of id: String, hash h: UInt64) throws(SaigaError) -> Location? {
        if idHashes.contains(h), try documents.contains(id: id) { return .ram }
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

    /// Writes the in-RAM segments to disk (they stay invisible until the next commit).
    public func flush() throws(SaigaError) {
        try checkOpen()
        try resettingOnFailure { () throws(SaigaError) in try documents.flush() }
        syncFlushed()
    }

    /// Moves segments the partitions flushed into the writer's view.
    private func syncFlushed() {
        for info in documents.takeFlushed() { segments.append(WriterSegment(info: info, directory: directory)) }
    }

    // MARK: - Merging

    private func candidates() -> [MergePolicy.Candidate] {
        let busy = merges?.mergingSegments ?? []
        return segments.map { s in
            let bytes = s.info.dataBytes
            let live = s.info.maxDoc == 0 ? 0 : Int(Double(bytes) * Double(s.liveDocs) / Double(s.info.maxDoc))
            return MergePolicy.Candidate(
                name: s.name, liveBytes: live, maxDoc: s.info.maxDoc, deleted: s.deletions.count,
                merging: busy.contains(s.name))
        }
    }

    private func startMerge(_ names: [String]) {
        guard let merges else { return }
        let chosen = segments.filter { names.contains($0.name) }
        guard !chosen.isEmpty else { return }
        let output = IndexDirectory.segmentName(documents.shared.takeSegmentNumber())
        merges.enqueue(
            MergeScheduler.Task(
                sources: chosen.map(\.info), deletions: chosen.map { $0.deletions },
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
            case .success(let output):
                if let merged = WriterSegment.merged(
                    output, of: done.task, replacingIn: &segments,
                    directory: directory)
                {
                    let names = done.task.sources.map(\.name)
                    if names.allSatisfy(segmentsAtOpen.contains) { segmentsAtOpen.insert(merged.name) }
                }
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
        let scheduler =
            merges
            ?? MergeScheduler(
                directory: directory, layout: layout, compressionLevel: Int32(options.storeCompressionLevel))
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
        do {
            let newDeletionGenerations = try WriterSegment.writeChangedDeletions(
                segments, generation: Int(newGeneration), directory: directory, written: &written)
            let manifest = Manifest(
                generation: newGeneration, commitID: .random(), analyzer: analyzerOptions, positions: positions,
                nextSegmentNumber: documents.shared.state.withLock { $0.nextSegmentNumber },
                segments: segments.map { s in
                    Manifest.SegmentEntry(
                        name: s.name, id: s.info.id, maxDoc: s.info.maxDoc,
                        deletionGeneration: newDeletionGenerations[s.name] ?? s.deletionGeneration)
                },
                userData: userData, schema: schema, analysisVersion: analysisVersion)
            try directory.writeManifest(manifest)
            generation = newGeneration
            for s in segments {
                if let g = newDeletionGenerations[s.name] { s.deletionGeneration = g }
                s.deletionsDirty = false
            }
            files.recordCommit(manifest)
            committedState = segments.map { ($0.info, $0.deletions, $0.deletionGeneration) }
            hasEarlierDocuments = hasEarlierDocuments || segments.contains { $0.liveDocs > 0 }
        } catch {
            for name in written { try? directory.delete(name) }
            throw error
        }
        deleteUnusedFiles()
        scheduleMerges()
        return generation
    }

    /// Deletes index files nothing needs any more (`FileDeleter`): commits older than the last two (or, after a
    /// rebuild's commit, every other commit), and files of interrupted flushes and merges; never a file that a
    /// manifest on disk, the writer's current view or a flush or merge in progress uses. Readers that mapped a
    /// deleted file keep reading it. Failures are ignored (retried at the next commit).
    private func deleteUnusedFiles() {
        var inUse = Set<String>()
        for s in segments {
            inUse.formUnion(s.info.fileNames)
            if s.deletionGeneration > 0 {
                inUse.insert(DeletedDocuments.fileName(segment: s.name, generation: s.deletionGeneration))
            }
        }
        // A merge reads its sources by name when it starts: their files stay while it is queued or running, even
        // if the writer's view has moved on.
        let merging = (merges?.outputsInProgress ?? []).union(merges?.mergingSegments ?? [])
        files.deleteUnused(inUse: inUse, busySegments: merging.union(documents.segmentsInProgress))
    }

    /// Discards everything not committed: documents in RAM, segments flushed or merged since the last commit
    /// (their files are deleted), and deletions. Then releases the lock; the writer is closed.
    public func rollback() {
        guard lock != nil else { return }
        resetToLastCommit()
        documents.stop()
        merges?.stop()
        merges = nil
        deleteUnusedFiles()
        lock?.release()
        lock = nil
    }

    /// Puts the writer back at its last commit: in-RAM documents, flushed and merged segments, and deletions
    /// since then are dropped (their files deleted). The writer stays open.
    private func resetToLastCommit() {
        documents.reset()
        merges?.abortAll()
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

extension IndexWriter {
    /// The languages of a schema given to a writer, settled against the index: `auto`, the default, stands for
    /// "unsaid" where the index decides (a field the index already has keeps its language; without stemming every
    /// text field is `none`; an index of analysis version 1 analyzes every text field alike), and a language the
    /// index cannot give a field is an error naming it.
    static func languagesSettled(
        _ extra: Schema, index: Schema, isNew: Bool, stemming: Bool, analysisVersion: Int
    ) throws(SaigaError) -> Schema {
        // Version 1 (and no stemming) analyze every text field as the index's body.
        let uniform: Schema.TextLanguage? =
            !stemming
            ? Schema.TextLanguage.none : analysisVersion < 2 ? index.fields[BuiltinFields.bodyField].language : nil
        var fields = extra.fields
        for i in fields.indices where fields[i].type == .text {
            let f = fields[i]
            if let existing = index[f.name], !isNew {
                // Already indexed: a language it was not indexed with is refused by `Schema.adding`.
                if f.language == .auto { fields[i].language = existing.language }
                continue
            }
            guard let uniform else { continue }
            if f.language == .auto {
                fields[i].language = uniform
            } else if f.language != uniform {
                let why =
                    !stemming
                    ? "stemming is off (AnalyzerOptions.stemming), so every text field is none"
                    : "this index was built with analysis version \(analysisVersion), which analyzes every text field "
                        + "as \(uniform.rawValue) (rebuild the index to give fields their own languages)"
                throw SaigaError(
                    .invalidArgument, "field \"\(f.name)\" asks for language \(f.language.rawValue), but \(why)")
            }
        }
        return try Schema(fields)
    }
}
