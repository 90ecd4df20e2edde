/// When an `IndexReader` verifies the checksums of an index's files.
public enum ChecksumVerification: Sendable, Hashable {
    /// Each 32 KiB chunk of a file is verified the first time a search reads from it (the default). Opening costs
    /// O(metadata), not O(index size), and no answer is ever computed from a damaged byte: a search that reads a
    /// damaged chunk fails with `SaigaError.Code.corruptIndex`. Chunks verified once stay verified for the process.
    case onFirstRead
    /// Every byte of every file is verified while opening (one pass over the whole index), so that any damage is
    /// found at open: what `saiga check` and merges do.
    case atOpen
}

/// An open, immutable segment: its files mapped read-only and checked (headers, footers, lengths, the CRCs against
/// the `.meta`, and the bytes read at open: the term index, the trailers), the term index loaded. Everything else is
/// verified chunk by chunk as it is read (`ChunkVerifier`), or all at once with `.atOpen`.
///
/// `@unchecked Sendable`: everything is immutable after `init` and the mappings are never written.
@usableFromInline
final class SegmentReader: @unchecked Sendable {
    let info: SegmentInfo
    let directory: IndexDirectory
    let terms: TermDictionary
    let postings: MappedFile
    let positionsFile: MappedFile
    let normsFile: MappedFile
    /// Per field number, where its norms start in `normsFile` (-1: the field has none).
    let normOffsets: [Int]
    /// The `.cols` file: columns and point indexes of the structured fields.
    let columns: ColumnsReader
    let stored: StoredFieldsReader
    /// Ids both ways, and titles (empty when text is not stored).
    let ids: IdStoreReader
    let fieldHasPositions: [Bool]
    /// Per field number: does the segment's dictionary hold any of its terms.
    let fieldHasTerms: [Bool]
    /// True if title and body are in the document store (false for indexes built with `storeText: false`).
    let storesText: Bool
    /// The deleted documents in this commit, if any, and the same bits at a stable address for the collectors.
    let deletions: DeletedDocuments?
    let deletedBits: UnsafeMutablePointer<UInt8>?
    /// The generation of the deletions file in force (0: none): with the segment's name and id, what a manifest
    /// entry says of it, so that a reopened reader can tell an unchanged segment.
    let deletionGeneration: Int
    /// Documents not deleted.
    var liveDocs: Int { maxDoc - (deletions?.count ?? 0) }

    var maxDoc: Int { info.maxDoc }
    var name: String { info.name }

    /// Opens the segment described by `info`, verifying checksums as `verification` says.
    init(
        directory: IndexDirectory, info: SegmentInfo, verification: ChecksumVerification,
        deletions: DeletedDocuments? = nil, deletionGeneration: Int = 0
    ) throws(SaigaError) {
        self.info = info
        (self.deletions, deletedBits) = try SegmentReader.deletedBits(deletions, info: info, directory: directory)
        self.deletionGeneration = deletionGeneration
        self.directory = directory
        normsVerified = VerifiedOnce()
        var mapped: [FileKind: MappedFile] = [:]
        for record in info.files {
            let name = info.fileName(record.kind)
            let path = directory.file(name)
            let file = try directory.openInput(name, expected: record.expected(segment: info.id))
            guard file.count == record.length else {
                throw .corrupt(
                    path, "file is \(file.count) bytes, the segment info says \(record.length) (truncated or replaced)")
            }
            // Header and footer are read now: verify their chunks first.
            try file.check(0..<FileHeader.size)
            try file.check((file.count - FileFooter.size)..<file.count)
            _ = try FileHeader.check(file.bytes, kind: record.kind, expectedID: info.id, path: path)
            let crc = try FileFooter.check(file.bytes, path: path, verifyChecksum: false)
            guard crc == record.crc else {
                throw .corrupt(
                    path, "checksum in footer (\(hex(crc))) differs from the segment info (\(hex(record.crc)))")
            }
            if verification == .atOpen { try file.checkAll() }
            mapped[record.kind] = file
        }
        let hasPositions = info.fields.byNumber { $0.flags.contains(.positions) }
        fieldHasPositions = hasPositions
        fieldHasTerms = info.fields.byNumber { $0.termCount > 0 }
        terms = try TermDictionary(file: mapped[.terms]!, fieldHasPositions: hasPositions)
        postings = mapped[.postings]!
        positionsFile = mapped[.positions]!
        normsFile = mapped[.norms]!
        let normsBody = FileFooter.body(normsFile.bytes)
        var normOffsets = [Int](repeating: -1, count: 256)
        var normFields = 0
        for f in info.fields.sorted(by: { $0.number < $1.number }) where f.flags.contains(.norms) {
            normOffsets[f.number] = FileHeader.size + normFields * info.maxDoc
            normFields += 1
        }
        self.normOffsets = normOffsets
        guard normsBody.count == normFields * info.maxDoc else {
            throw .corrupt(
                normsFile.path,
                "norms hold \(normsBody.count) bytes for \(normFields) fields of \(info.maxDoc) documents")
        }
        columns = try ColumnsReader(file: mapped[.columns]!, maxDoc: info.maxDoc)
        stored = try StoredFieldsReader(file: mapped[.stored]!, maxDoc: info.maxDoc)
        ids = try IdStoreReader(file: mapped[.ids]!, maxDoc: info.maxDoc)
        storesText = info.field(number: BuiltinFields.titleField)?.flags.contains(.stored) ?? false
    }

    /// The same segment with other deletions (a newer commit's): the mapped files, the loaded term index and the
    /// chunks verified so far are shared, nothing is opened or checked again.
    init(sharingFilesOf other: SegmentReader, deletions: DeletedDocuments?, deletionGeneration: Int) throws(SaigaError)
    {
        info = other.info
        directory = other.directory
        (self.deletions, deletedBits) = try SegmentReader.deletedBits(deletions, info: info, directory: directory)
        self.deletionGeneration = deletionGeneration
        terms = other.terms
        postings = other.postings
        positionsFile = other.positionsFile
        normsFile = other.normsFile
        normOffsets = other.normOffsets
        columns = other.columns
        stored = other.stored
        ids = other.ids
        fieldHasPositions = other.fieldHasPositions
        fieldHasTerms = other.fieldHasTerms
        storesText = other.storesText
        normsVerified = other.normsVerified
    }

    /// The deletions (nil when none) and a copy of their bits at a stable address for the collectors.
    private static func deletedBits(
        _ deletions: DeletedDocuments?, info: SegmentInfo, directory: IndexDirectory
    )
        throws(SaigaError) -> (DeletedDocuments?, UnsafeMutablePointer<UInt8>?)
    {
        guard let deletions, !deletions.isEmpty else { return (nil, nil) }
        guard deletions.maxDoc == info.maxDoc else {
            throw .corrupt(directory.file(info.fileName(.segmentInfo)), "deletions are for another document count")
        }
        let bits = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, deletions.bits.count))
        bits.initialize(repeating: 0, count: max(1, deletions.bits.count))
        deletions.bits.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { bits.update(from: base, count: src.count) }
        }
        return (deletions, bits)
    }

    deinit { deletedBits?.deallocate() }

    /// True if the document is deleted in this commit.
    @inline(__always)
    func isDeleted(_ doc: Int) -> Bool {
        guard let deletedBits else { return false }
        return deletedBits[doc >> 3] & (1 << UInt8(doc & 7)) != 0
    }

    /// The id of a document, from the id store (no decompression of the document store).
    func id(_ doc: Int) throws(SaigaError) -> String { try ids.id(doc) }

    /// The title of a document, from the id store (no decompression of the document store).
    func title(_ doc: Int) throws(SaigaError) -> String { try ids.title(doc) }

    /// Verifies the norms (before a search reads them: scorers index them by document without further checks).
    /// Once they are, a flag saves every later search the walk over their chunks.
    @inline(__always)
    func checkNorms() throws(SaigaError) {
        try normsVerified.check(normsFile, FileFooter.body(normsFile.bytes))
    }

    /// Set once the norms are verified (shared by readers of the same segment files).
    private let normsVerified: VerifiedOnce

    /// The error for an iterator that stopped on bad postings or positions: the damaged chunk if a verifier found
    /// one, else inconsistent (checksum-valid) data.
    func postingsCorruption() -> SaigaError {
        for f in [postings, positionsFile] { if let damage = f.verifier?.damage { return damage } }
        return .corrupt(postings.path, "postings are inconsistent (file damaged)")
    }

    /// The segment's data files.
    var dataFiles: [MappedFile] {
        [terms.file, postings, positionsFile, normsFile, stored.file, ids.file, columns.file]
    }

    /// Verifies every chunk of every file (what `.atOpen` does at open).
    func checkAllFiles() throws(SaigaError) {
        for f in dataFiles { try f.checkAll() }
    }

    /// Norm bytes of an indexed text field, one per document. Call `checkNorms()` first. Only for a field with
    /// norms in this segment (a term of the field was found here).
    func norms(field: Int) -> UnsafePointer<UInt8> {
        let offset = normOffsets[field]
        precondition(offset >= 0, "field \(field) has no norms in segment \(name)")
        return (normsFile.bytes.baseAddress! + offset).assumingMemoryBound(to: UInt8.self)
    }

    /// Term metadata for (field, term), or nil if the term does not occur in this segment.
    func lookup(field: Int, term: UnsafeRawBufferPointer) throws(SaigaError) -> TermMeta? {
        // A field with no terms here (e.g. empty titles) needs no dictionary search.
        guard field < fieldHasTerms.count, fieldHasTerms[field] else { return nil }
        return try withKey(field: field, term: term) { (key: UnsafeRawBufferPointer) throws(SaigaError) in
            try terms.lookup(key)
        }
    }

    /// Builds the dictionary key (field byte, then term bytes) on the stack.
    func withKey<R>(
        field: Int, term: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) throws(SaigaError) -> R
    ) throws(SaigaError) -> R {
        let n = term.count + 1
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: n) {
            (key: UnsafeMutableBufferPointer<UInt8>) throws(SaigaError) -> R in
            key[0] = UInt8(field)
            if term.count > 0 {
                UnsafeMutableRawPointer(key.baseAddress! + 1).copyMemory(from: term.baseAddress!, byteCount: term.count)
            }
            return try body(UnsafeRawBufferPointer(key))
        }
    }

    /// The segment-local number of the live document with this id, if any (a damaged id store throws: "not
    /// found" must never stand in for "cannot read").
    func lookupID(_ id: String) throws(SaigaError) -> Int? {
        guard
            let doc = try withBytes(
                Array(id.utf8),
                { (p: UnsafeRawBufferPointer) throws(SaigaError) -> Int? in
                    try ids.lookup(p)
                })
        else { return nil }
        return isDeleted(doc) ? nil : doc
    }

    func postingsIterator(_ meta: TermMeta, field: Int) -> PostingsIterator {
        PostingsIterator(segment: self, meta: meta, hasPositions: field < 256 && fieldHasPositions[field])
    }

    /// The stored fields of a document, by field name, the id first.
    func document(_ doc: Int) throws(SaigaError) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [(BuiltinFields.idName, try id(doc))]
        for (number, value) in try stored.document(doc) {
            fields.append((info.field(number: number)?.name ?? "field\(number)", value))
        }
        return fields
    }
}
