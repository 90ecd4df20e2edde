/// Opens the segments of one commit, checked as a reader needs them: each segment's `.meta` (verified whole), its
/// document count against the manifest, its deletions file (verified whole), and its data files (`SegmentReader`:
/// present, regular files, lengths, headers, footers and CRCs as the `.meta` records them, and the chunks read at
/// open). The one way the reader, the writer and the checker open a commit.
enum CommitSegments {
    /// - Parameter reusing: segments of another commit already open: a segment both commits hold (same name and
    ///   id) is shared, with this commit's deletions, instead of being opened and checked again.
    static func open(
        _ manifest: Manifest, directory: IndexDirectory, verification: ChecksumVerification,
        reusing: [SegmentReader] = []
    ) throws(SaigaError) -> [SegmentReader] {
        var open: [String: SegmentReader] = [:]
        for r in reusing { open["\(r.name)/\(r.info.id)"] = r }
        var readers: [SegmentReader] = []
        var total = 0
        var names = Set<String>()
        for entry in manifest.segments {
            guard names.insert(entry.name).inserted else {
                throw .corrupt(
                    directory.file(Manifest.fileName(generation: manifest.generation)),
                    "segment \(entry.name) is listed twice")
            }
            let reader: SegmentReader
            if let shared = open["\(entry.name)/\(entry.id)"] {
                reader = try sharing(shared, entry, directory: directory)
            } else {
                reader = try segment(entry, directory: directory, verification: verification)
            }
            readers.append(reader)
            total += reader.maxDoc
            guard total < Int(Int32.max) else {
                throw SaigaError(.limitExceeded, "more than 2^31 documents in one index")
            }
        }
        return readers
    }

    /// Opens the segment a manifest entry names, with its deletions.
    static func segment(
        _ entry: Manifest.SegmentEntry, directory: IndexDirectory, verification: ChecksumVerification
    )
        throws(SaigaError) -> SegmentReader
    {
        let info = try SegmentInfo.read(directory: directory, name: entry.name, expectedID: entry.id)
        guard info.maxDoc == entry.maxDoc else {
            throw .corrupt(
                directory.file(info.fileName(.segmentInfo)),
                "segment has \(info.maxDoc) documents, the manifest says \(entry.maxDoc)")
        }
        return try SegmentReader(
            directory: directory, info: info, verification: verification,
            deletions: deletions(entry, maxDoc: info.maxDoc, directory: directory),
            deletionGeneration: entry.deletionGeneration)
    }

    /// An open segment of another commit, with this entry's deletions (the same reader if they are unchanged).
    private static func sharing(
        _ reader: SegmentReader, _ entry: Manifest.SegmentEntry, directory: IndexDirectory
    )
        throws(SaigaError) -> SegmentReader
    {
        guard reader.maxDoc == entry.maxDoc else {
            throw .corrupt(
                directory.file(reader.info.fileName(.segmentInfo)),
                "segment has \(reader.maxDoc) documents, the manifest says \(entry.maxDoc)")
        }
        if reader.deletionGeneration == entry.deletionGeneration { return reader }
        return try SegmentReader(
            sharingFilesOf: reader,
            deletions: deletions(entry, maxDoc: reader.maxDoc, directory: directory),
            deletionGeneration: entry.deletionGeneration)
    }

    /// The entry's deletions file, read and verified whole (nil when it has none).
    private static func deletions(
        _ entry: Manifest.SegmentEntry, maxDoc: Int, directory: IndexDirectory
    )
        throws(SaigaError) -> DeletedDocuments?
    {
        guard entry.deletionGeneration > 0 else { return nil }
        return try DeletedDocuments.read(
            directory: directory, segment: entry.name, id: entry.id,
            generation: entry.deletionGeneration, maxDoc: maxDoc)
    }
}
