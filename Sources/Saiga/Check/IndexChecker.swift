/// What `IndexChecker` found wrong: the file, the byte offset if known, and the problem.
import SaigaPosix

public struct IndexProblem: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var offset: Int?
    public var message: String
    /// The segment the problem makes unreadable, if it is confined to one (what `repair` would drop).
    public var segment: String?

    public var description: String {
        "\(file)\(offset.map { " at byte \($0)" } ?? ""): \(message)"
    }
}

/// The result of checking an index.
public struct IndexCheckReport: Sendable {
    /// The commit checked (the newest whose manifest decodes), 0 if none does.
    public var generation: UInt64
    public var segments: Int
    public var documents: Int
    public var deleted: Int
    public var problems: [IndexProblem]
    /// Files in the directory that no kept commit uses (left by an interrupted flush or merge; the next writer
    /// removes them). Not a problem.
    public var unreferencedFiles: [String]
    /// How long the check took.
    public var duration: Duration

    public var isSound: Bool { problems.isEmpty }
}

/// Verifies an index: every file's checksum and header, and the structural invariants a reader relies on: the
/// manifest is consistent with the segment files; terms are sorted; each posting list has increasing document
/// numbers below the segment's count, frequencies of at least 1 that add up to the term's total, positions
/// increasing within a document; the statistics add up; every document has norms, a stored record and a unique
/// id that the id index finds; deletion files are consistent.
///
/// Reads every byte of the index once; never modifies anything (see `repair`).
public enum IndexChecker {
    public static func check(path: String) throws(SaigaError) -> IndexCheckReport {
        let start = Sys.monotonicNanos()
        let directory = try IndexDirectory(path: path)
        var report = IndexCheckReport(
            generation: 0, segments: 0, documents: 0, deleted: 0, problems: [],
            unreferencedFiles: [], duration: .zero)
        func problem(_ e: SaigaError, segment: String? = nil) {
            report.problems.append(
                IndexProblem(file: e.path ?? path, offset: e.offset, message: e.message, segment: segment))
        }

        // The manifests: the newest must decode; newer undecodable ones are damaged commits.
        let generations = try directory.manifestGenerations()
        var manifest: Manifest?
        var kept: [Manifest] = []
        for g in generations {
            do {
                let m = try directory.readManifest(generation: g)
                if manifest == nil { manifest = m }
                if kept.count < 2 { kept.append(m) }
            } catch {
                // Newer than the current commit: a damaged newest commit. Older: a damaged fallback commit.
                problem(error)
            }
        }
        guard let manifest else {
            if generations.isEmpty {
                report.problems.append(
                    IndexProblem(file: path, offset: nil, message: "no commit (no manifest_<N> file)"))
            }
            report.duration = .nanoseconds(Sys.monotonicNanos() - start)
            return report
        }
        report.generation = manifest.generation
        report.segments = manifest.segments.count
        var names = Set<String>()
        for entry in manifest.segments {
            guard names.insert(entry.name).inserted else {
                report.problems.append(
                    IndexProblem(
                        file: directory.file(Manifest.fileName(generation: manifest.generation)),
                        offset: nil, message: "segment \(entry.name) listed twice"))
                continue
            }
            do {
                let (live, deleted) = try checkSegment(directory: directory, entry: entry, report: &report)
                report.documents += live
                report.deleted += deleted
            } catch {
                problem(error, segment: entry.name)
            }
        }
        // The previous commit, kept as a fallback: its own files (those the current commit does not share) must
        // be intact too.
        if kept.count == 2 {
            let previous = kept[1]
            let current = Set(manifest.segments.map { "\($0.name)/\($0.deletionGeneration)" })
            for entry in previous.segments where !current.contains("\(entry.name)/\(entry.deletionGeneration)") {
                do throws(SaigaError) {
                    let info = try SegmentInfo.read(directory: directory, name: entry.name, expectedID: entry.id)
                    if entry.deletionGeneration > 0 {
                        _ = try DeletedDocuments.read(
                            directory: directory, segment: entry.name, id: entry.id,
                            generation: entry.deletionGeneration, maxDoc: info.maxDoc)
                    }
                    if !names.contains(entry.name) {
                        _ = try SegmentReader(directory: directory, info: info, verification: .atOpen)
                    }
                } catch {
                    report.problems.append(
                        IndexProblem(
                            file: error.path ?? path, offset: error.offset,
                            message:
                                "\(error.message) (in the previous commit, generation \(previous.generation), kept as a fallback)"
                        ))
                }
            }
        }
        // Files no kept commit uses.
        var used = Set<String>()
        for m in kept { used.formUnion(m.fileNames()) }
        for name in (try? directory.list()) ?? [] where IndexDirectory.isIndexFile(name) && !used.contains(name) {
            if let g = Manifest.generation(ofFileName: name), g > manifest.generation { continue }  // reported above
            report.unreferencedFiles.append(name)
        }
        report.unreferencedFiles.sort()
        report.duration = .nanoseconds(Sys.monotonicNanos() - start)
        return report
    }

    /// Checks one segment; returns its live and deleted document counts. Problems that do not stop the walk are
    /// appended to `report`; the first that does is thrown.
    private static func checkSegment(
        directory: IndexDirectory, entry: Manifest.SegmentEntry,
        report: inout IndexCheckReport
    ) throws(SaigaError) -> (Int, Int) {
        // Opening verifies every header, footer, length and chunk checksum; the whole-file CRCs are recomputed too
        // (the footer's, which the `.meta` records as well), so the two records of each file are known to agree.
        let reader = try CommitSegments.segment(entry, directory: directory, verification: .atOpen)
        let info = reader.info
        let metaPath = directory.file(info.fileName(.segmentInfo))
        for file in reader.dataFiles { _ = try FileFooter.check(file.bytes, path: file.path, verifyChecksum: true) }
        func fail(_ e: SaigaError) {
            report.problems.append(
                IndexProblem(file: e.path ?? metaPath, offset: e.offset, message: e.message, segment: entry.name))
        }

        // Terms and postings: every invariant a reader or a merge relies on (`CheckedTermWalk`).
        var docFreqSum = [Int](repeating: 0, count: 256)
        var ttfSum = [Int](repeating: 0, count: 256)
        var termCount = [Int](repeating: 0, count: 256)
        // Surface forms (`TermKey`): counted apart; they belong to tokenized fields and cannot outnumber the tokens.
        var surfaceTokens = [Int](repeating: 0, count: 256)
        var walk = CheckedTermWalk(reader)
        var termsSound = true
        do {
            while try walk.next() {
                let f = walk.field
                if TermKey.isSurfaceForm(walk.key) {
                    surfaceTokens[f] += walk.meta.totalTermFreq
                    try walk.forEachPosting(withPositions: false) {
                        (_: Int32, _: UInt32, _: UnsafeBufferPointer<UInt32>) throws(SaigaError) in
                    }
                    continue
                }
                termCount[f] += 1
                docFreqSum[f] += walk.meta.docFreq
                ttfSum[f] += walk.meta.totalTermFreq
                try walk.forEachPosting(withPositions: true) {
                    (_: Int32, _: UInt32, _: UnsafeBufferPointer<UInt32>) throws(SaigaError) in
                }
            }
        } catch {
            fail(error)
            termsSound = false
        }
        if termsSound {
            // Text fields count tokens in sumTotalTermFreq; keyword fields count (document, value) pairs, which is
            // their postings count.
            for f in info.fields where f.flags.contains(.indexed) && f.number != BuiltinFields.idField {
                let tokens = f.flags.contains(.norms) ? ttfSum[f.number] : docFreqSum[f.number]
                if surfaceTokens[f.number] > 0 && (!f.flags.contains(.norms) || surfaceTokens[f.number] > tokens) {
                    fail(
                        .corrupt(
                            metaPath,
                            "field \(f.name): \(surfaceTokens[f.number]) surface-form occurrences, for \(tokens) tokens"
                        ))
                }
                if termCount[f.number] != f.termCount || docFreqSum[f.number] != f.sumDocFreq
                    || tokens != f.sumTotalTermFreq
                {
                    fail(
                        .corrupt(
                            metaPath,
                            "field \(f.name): statistics (\(f.termCount) terms, \(f.sumDocFreq) postings, \(f.sumTotalTermFreq) tokens) differ from the postings (\(termCount[f.number]), \(docFreqSum[f.number]), \(ttfSum[f.number]))"
                        ))
                }
            }
        }

        // Columns and points: each structure checked, and the counts agreeing with the field statistics.
        do throws(SaigaError) {
            try reader.columns.checkAll()
            for f in info.fields where !f.flags.isDisjoint(with: [.column, .points]) {
                var documents = 0
                var values = 0
                if let c = try reader.columns.numeric(f.number) {
                    for d in 0..<info.maxDoc {
                        var n = 0
                        c.forEachValue(d) { _ in n += 1 }
                        if n > 0 { documents += 1 }
                        values += n
                    }
                } else if let c = try reader.columns.keyword(f.number) {
                    for d in 0..<info.maxDoc {
                        var n = 0
                        c.forEachOrdinal(d) { _ in n += 1 }
                        if n > 0 { documents += 1 }
                        values += n
                    }
                } else if f.flags.contains(.column) {
                    throw SaigaError.corrupt(reader.columns.file.path, "field \(f.name) has no column")
                } else {
                    documents = f.docCount
                    values = f.sumTotalTermFreq
                }
                if let p = try reader.columns.points(f.number), p.points != values {
                    throw SaigaError.corrupt(
                        reader.columns.file.path,
                        "field \(f.name): the point index holds \(p.points) values, the column \(values)")
                } else if f.flags.contains(.points), try reader.columns.points(f.number) == nil {
                    throw SaigaError.corrupt(reader.columns.file.path, "field \(f.name) has no point index")
                }
                if f.flags.contains(.indexed) && f.sumDocFreq != values {
                    throw SaigaError.corrupt(
                        reader.columns.file.path,
                        "field \(f.name): the column holds \(values) values, the postings \(f.sumDocFreq)")
                }
                guard documents == f.docCount, values == f.sumTotalTermFreq else {
                    throw SaigaError.corrupt(
                        metaPath,
                        "field \(f.name): statistics (\(f.docCount) documents, \(f.sumTotalTermFreq) values) differ "
                            + "from the columns (\(documents), \(values))")
                }
            }
        } catch {
            fail(error)
        }

        // Documents: stored record, title (the id store's equals the stored one), id (unique, found by the id
        // index), norms (checked by length at open).
        do {
            try reader.stored.forEachDocument { (doc: Int, fields: [(Int, String)]) throws(SaigaError) in
                let stored = reader.storesText ? fields.first { $0.0 == BuiltinFields.titleField }?.1 ?? "" : ""
                let column = try reader.title(doc)
                guard column == stored else {
                    throw SaigaError.corrupt(
                        reader.ids.file.path,
                        "title of document \(doc) differs from the stored one")
                }
            }
        } catch {
            fail(error)
        }
        var idsSeen = Set<String>()
        for doc in 0..<info.maxDoc {
            do throws(SaigaError) {
                let id = try reader.id(doc)
                guard !id.isEmpty else {
                    throw SaigaError.corrupt(reader.ids.file.path, "document \(doc) has an empty id")
                }
                guard idsSeen.insert(id).inserted else {
                    throw SaigaError.corrupt(reader.ids.file.path, "id \"\(id)\" appears twice")
                }
                let found = try withBytes(Array(id.utf8)) { (p: UnsafeRawBufferPointer) throws(SaigaError) -> Int? in
                    try reader.ids.lookup(p)
                }
                guard found == doc else {
                    throw SaigaError.corrupt(
                        reader.ids.file.path,
                        "the id index finds \"\(id)\" at \(found.map(String.init) ?? "nothing"), not document \(doc)")
                }
            } catch {
                fail(error)
                break
            }
        }
        let deleted = reader.deletions?.count ?? 0
        return (info.maxDoc - deleted, deleted)
    }

    /// What `repair` did.
    public struct RepairResult: Sendable {
        /// The new commit, or nil if nothing needed repairing.
        public var generation: UInt64?
        /// Segments dropped, with the live documents each held.
        public var droppedSegments: [(name: String, documents: Int)]
        public var documentsLost: Int { droppedSegments.reduce(0) { $0 + $1.documents } }
    }

    /// Writes a new commit without the segments `report` found unreadable (and past any torn newer manifest).
    /// Their documents are lost: the result says which segments and how many documents. Takes the write lock.
    public static func repair(path: String, report: IndexCheckReport) throws(SaigaError) -> RepairResult {
        let directory = try IndexDirectory(path: path)
        guard report.generation > 0 else {
            throw SaigaError(.corruptIndex, "no commit can be read: nothing to repair from", path: path)
        }
        let lock = try WriteLock(directory: directory)
        defer { lock.release() }
        let manifest = try directory.readManifest(generation: report.generation)
        let damaged = Set(report.problems.compactMap(\.segment))
        let tornNewer = (try directory.manifestGenerations()).contains { $0 > manifest.generation }
        guard !damaged.isEmpty || tornNewer || !report.problems.isEmpty else {
            return RepairResult(generation: nil, droppedSegments: [])
        }
        var dropped: [(name: String, documents: Int)] = []
        var kept: [Manifest.SegmentEntry] = []
        for s in manifest.segments {
            if damaged.contains(s.name) {
                var live = s.maxDoc
                if s.deletionGeneration > 0,
                    let d = try? DeletedDocuments.read(
                        directory: directory, segment: s.name, id: s.id, generation: s.deletionGeneration,
                        maxDoc: s.maxDoc)
                {
                    live -= d.count
                }
                dropped.append((s.name, live))
            } else {
                kept.append(s)
            }
        }
        let newest = max(manifest.generation, (try directory.manifestGenerations()).first ?? 0) + 1
        var repaired = manifest
        repaired.generation = newest
        repaired.commitID = .random()
        repaired.segments = kept
        repaired.userData["repaired"] =
            "dropped \(dropped.map(\.name).joined(separator: ",")) from generation \(manifest.generation)"
        try directory.writeManifest(repaired)
        // Older commits still name the damaged segments: they are no fallback any more.
        for g in try directory.manifestGenerations() where g < newest {
            try? directory.delete(Manifest.fileName(generation: g))
        }
        try? directory.sync()
        return RepairResult(generation: newest, droppedSegments: dropped)
    }
}
