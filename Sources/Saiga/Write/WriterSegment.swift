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

    init(info: SegmentInfo, directory: IndexDirectory, deletions: DeletedDocuments? = nil, deletionGeneration: Int = 0)
    {
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

/// The newest commit, opened for a writer to build on: its manifest, its segments, and the commit before it (the
/// fallback the writer keeps, if its manifest decodes).
///
/// A writer must not build on a damaged commit: its commits would keep the damage and retire the sound older one.
/// So beyond what a reader checks at open, the files the previous commit does not share are verified whole, and any
/// damage is refused with `.corruptIndex` pointing at `saiga check`.
struct WritableCommit {
    let manifest: Manifest
    let previous: Manifest?
    let segments: [SegmentReader]

    init(directory: IndexDirectory, generation: UInt64, previousGeneration: UInt64?) throws(SaigaError) {
        do {
            manifest = try directory.readManifest(generation: generation)
            segments = try CommitSegments.open(manifest, directory: directory, verification: .onFirstRead)
            previous = previousGeneration.flatMap { try? directory.readManifest(generation: $0) }
            if let previous {
                let shared = Set(previous.segments.map { "\($0.name)/\($0.id)" })
                for r in segments where !shared.contains("\(r.name)/\(r.info.id)") { try r.checkAllFiles() }
            }
        } catch {
            guard error.code == .corruptIndex else { throw error }
            throw SaigaError(
                .corruptIndex,
                "the newest commit (generation \(generation)) is damaged: \(error.message). The writer "
                    + "does not open on top of it: `saiga check` shows the damage, `saiga check --repair` "
                    + "goes back to a sound commit", path: error.path, offset: error.offset)
        }
    }
}

extension WriterSegment {
    /// Puts a finished merge into the writer's view: the merged segment takes the place of its first source (so
    /// document order is kept) and the other sources leave, and deletions made while the merge ran are carried
    /// over through the merge's document maps. Returns the merged segment, or nil if a source is gone (a rollback
    /// reset the view meanwhile): the merge's files are then deleted.
    static func merged(
        _ output: MergeScheduler.MergeOutput, of task: MergeScheduler.Task, replacingIn segments: inout [WriterSegment],
        directory: IndexDirectory
    ) -> WriterSegment? {
        let names = task.sources.map(\.name)
        let sources = names.compactMap { n in segments.first { $0.name == n } }
        guard sources.count == names.count else {
            for f in output.info.fileNames { try? directory.delete(f) }
            return nil
        }
        let merged = WriterSegment(info: output.info, directory: directory)
        for (i, source) in sources.enumerated() {
            let atStart = task.deletions[i] ?? DeletedDocuments(maxDoc: source.info.maxDoc)
            guard source.deletions.count != atStart.count else { continue }
            for d in 0..<source.info.maxDoc where source.deletions.contains(d) && !atStart.contains(d) {
                let mapped = Int(output.docMaps[i][d])
                if mapped >= 0 {
                    merged.deletions.insert(mapped)
                    merged.deletionsDirty = true
                }
            }
        }
        let firstIndex = segments.firstIndex { $0.name == names[0] }!
        segments[firstIndex] = merged
        segments.removeAll { names.dropFirst().contains($0.name) }
        return merged
    }
}

extension WriterSegment {
    /// Writes the deletions changed since the last commit as files of commit `generation`, appending each file's
    /// name to `written` as soon as it exists (the caller deletes them if the commit fails). Returns each changed
    /// segment's new deletions generation (0: no deletions left, no file).
    static func writeChangedDeletions(
        _ segments: [WriterSegment], generation: Int, directory: IndexDirectory,
        written: inout [String]
    ) throws(SaigaError) -> [String: Int] {
        var generations: [String: Int] = [:]
        for s in segments where s.deletionsDirty {
            if s.deletions.isEmpty {
                generations[s.name] = 0
            } else {
                try s.deletions.write(directory: directory, segment: s.name, id: s.info.id, generation: generation)
                written.append(DeletedDocuments.fileName(segment: s.name, generation: generation))
                generations[s.name] = generation
            }
        }
        return generations
    }
}
