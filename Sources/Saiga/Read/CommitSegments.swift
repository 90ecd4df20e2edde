/// Opens the segments of one commit, checked as a reader needs them: each segment's `.meta` (verified whole), its
/// document count against the manifest, its deletions file (verified whole), and its data files (`SegmentReader`:
/// present, regular files, lengths, headers, footers and CRCs as the `.meta` records them, and the chunks read at
/// open). The one way the reader, the writer and the checker open a commit.
enum CommitSegments {
    static func open(_ manifest: Manifest, directory: IndexDirectory, verification: ChecksumVerification)
        throws(SaigaError) -> [SegmentReader]
    {
        var readers: [SegmentReader] = []
        var total = 0
        var names = Set<String>()
        for entry in manifest.segments {
            guard names.insert(entry.name).inserted else {
                throw .corrupt(directory.file(Manifest.fileName(generation: manifest.generation)),
                               "segment \(entry.name) is listed twice")
            }
            let reader = try segment(entry, directory: directory, verification: verification)
            readers.append(reader)
            total += reader.maxDoc
            guard total < Int(Int32.max) else { throw SaigaError(.limitExceeded, "more than 2^31 documents in one index") }
        }
        return readers
    }

    /// Opens the segment a manifest entry names, with its deletions.
    static func segment(_ entry: Manifest.SegmentEntry, directory: IndexDirectory, verification: ChecksumVerification)
        throws(SaigaError) -> SegmentReader
    {
        let info = try SegmentInfo.read(directory: directory, name: entry.name, expectedID: entry.id)
        guard info.maxDoc == entry.maxDoc else {
            throw .corrupt(directory.file(info.fileName(.segmentInfo)),
                           "segment has \(info.maxDoc) documents, the manifest says \(entry.maxDoc)")
        }
        var deletions: DeletedDocuments?
        if entry.deletionGeneration > 0 {
            deletions = try DeletedDocuments.read(directory: directory, segment: entry.name, id: entry.id,
                                                  generation: entry.deletionGeneration, maxDoc: info.maxDoc)
        }
        return try SegmentReader(directory: directory, info: info, verification: verification, deletions: deletions)
    }
}
