/// Builds one segment in memory and writes it out: the postings buffer, the norms, the field statistics and the
/// stored-fields stream (written to disk as documents arrive, so stored text never counts against the RAM budget).
final class SegmentBuilder {
    let directory: IndexDirectory
    let name: String
    let id: SegmentID
    let analyzer: Analyzer
    let positions: Bool
    let storeText: Bool
    private var postings = PostingsBuffer()
    private var titleNorms: [UInt8] = []
    /// The id column: every id's UTF-8 bytes, and where each starts (`maxDoc + 1` offsets).
    private var idBytes: [UInt8] = []
    private var idOffsets: [UInt32] = [0]
    private var titleBytes: [UInt8] = []
    private var titleOffsets: [UInt32] = [0]
    private var bodyNorms: [UInt8] = []
    private var fields: [FieldInfo]
    private var storedFieldNumbers: [String: Int] = [:]
    private let storedOut: OutputFile
    private let stored: StoredFieldsWriter
    private var freed = false
    private(set) var maxDoc = 0

    init(
        directory: IndexDirectory, number: Int, analyzer: Analyzer, positions: Bool, compressionLevel: Int32,
        storeText: Bool = true
    ) throws(SaigaError) {
        self.storeText = storeText
        self.directory = directory
        self.name = IndexDirectory.segmentName(number)
        self.id = SegmentID.random()
        self.analyzer = analyzer
        self.positions = positions
        self.fields = BuiltinFields.baseFields(positions: positions)
        if !storeText {
            fields[BuiltinFields.titleField].flags.remove(.stored)
            fields[BuiltinFields.bodyField].flags.remove(.stored)
        }
        postings.withPositions = positions
        storedOut = try directory.createOutput("\(name).\(FileKind.stored.fileExtension)")
        stored = StoredFieldsWriter(out: storedOut, compressionLevel: compressionLevel)
        do { try FileHeader.write(storedOut, kind: .stored, id: id) } catch {
            storedOut.abandon()
            postings.deallocate()
            freed = true
            throw error
        }
    }

    deinit {
        if !freed { postings.deallocate() }
    }

    /// Memory held by the in-RAM index (stored fields excluded: they are streamed to disk).
    var bytesUsed: Int {
        postings.bytesUsed + titleNorms.count + bodyNorms.count + idBytes.count + idOffsets.count * 4 + titleBytes.count
            + titleOffsets.count * 4
    }

    /// True if the postings pool is close to its 4 GiB address limit.
    var isNearlyFull: Bool { postings.pool.isNearlyFull || maxDoc >= Int(Int32.max) - 1 }

    /// True if this segment already has a document with `id`.
    func contains(id: String) -> Bool {
        var id = id
        return id.withUTF8 { postings.find(UInt8(BuiltinFields.idField), UnsafeRawBufferPointer($0)) } != nil
    }

    /// Adds a document (the caller has validated it and checked the id for duplicates).
    func add(_ document: Document) throws(SaigaError) {
        let doc = Int32(maxDoc)
        postings.currentDoc = doc
        postings.withPositions = positions
        let titleLength = indexField(BuiltinFields.titleField, document.title)
        let bodyLength = indexField(BuiltinFields.bodyField, document.body)
        titleNorms.append(SmallFloat.intToByte4(titleLength))
        bodyNorms.append(SmallFloat.intToByte4(bodyLength))
        var id = document.id
        _ = id.withUTF8 { postings.addKeyword(UInt8(BuiltinFields.idField), UnsafeRawBufferPointer($0)) }
        fields[BuiltinFields.idField].docCount += 1
        fields[BuiltinFields.idField].sumTotalTermFreq += 1

        idBytes.append(contentsOf: document.id.utf8)
        idOffsets.append(UInt32(idBytes.count))
        // The titles, next to the ids: hits read their title there, without decompressing the store (empty when
        // text is not stored, as in the store).
        if storeText { titleBytes.append(contentsOf: document.title.utf8) }
        guard titleBytes.count <= Int(UInt32.max) else {
            throw SaigaError(.limitExceeded, "titles of one segment exceed 4 GiB")
        }
        titleOffsets.append(UInt32(titleBytes.count))
        // The id lives in the id column; the store keeps the text fields and the extra fields.
        var values: [(Int, String)] = []
        if storeText {
            values.append((BuiltinFields.titleField, document.title))
            values.append((BuiltinFields.bodyField, document.body))
        }
        for f in document.fields {
            let number: Int
            if let n = storedFieldNumbers[f.name] {
                number = n
            } else {
                number = fields.count
                guard number < 256 else {
                    throw SaigaError(
                        .limitExceeded, "more than 253 distinct extra fields in one segment (\"\(f.name)\")")
                }
                storedFieldNumbers[f.name] = number
                fields.append(FieldInfo(number: number, name: f.name, flags: [.stored]))
            }
            values.append((number, f.value))
        }
        try stored.add(values)
        maxDoc += 1
    }

    private func indexField(_ field: Int, _ text: String) -> Int {
        postings.currentField = UInt8(field)
        var text = text
        let length = text.withUTF8 { analyzer.analyze(UnsafeRawBufferPointer($0), into: &postings) }
        if length > 0 {
            fields[field].docCount += 1
            fields[field].sumTotalTermFreq += length
        }
        return length
    }

    /// Deletes the files written so far (the segment will not be committed).
    func abort() {
        storedOut.abandon()
        for kind in FileKind.segmentDataFiles + [.segmentInfo] {
            try? directory.delete("\(name).\(kind.fileExtension)")
        }
    }

    /// Writes every file of the segment, fsynced, and returns its info. The builder is spent afterwards.
    func flush() throws(SaigaError) -> SegmentInfo {
        var outputs: [OutputFile] = []
        do {
            let info = try writeFiles(&outputs)
            postings.deallocate()
            freed = true
            return info
        } catch {
            for o in outputs { o.abandon() }
            abort()
            throw error
        }
    }

    private func writeFiles(_ outputs: inout [OutputFile]) throws(SaigaError) -> SegmentInfo {
        func create(_ kind: FileKind) throws(SaigaError) -> OutputFile {
            let o = try directory.createOutput("\(name).\(kind.fileExtension)")
            outputs.append(o)
            try FileHeader.write(o, kind: kind, id: id)
            return o
        }
        let termsOut = try create(.terms)
        let postOut = try create(.postings)
        let posOut = try create(.positions)
        let normsOut = try create(.norms)
        let idsOut = try create(.ids)

        let hasPositions = fields.byNumber { $0.flags.contains(.positions) }
        let termWriter = TermDictionaryWriter(out: termsOut, fieldHasPositions: hasPositions)
        var encoder = PostingsEncoder(postOut: postOut, posOut: posOut)

        postings.closeAllEntries()
        let order = postings.sortedTermIDs()
        let norms = [[UInt8](), titleNorms, bodyNorms]
        var key: [UInt8] = []
        key.reserveCapacity(Analyzer.maxTermBytes + 1)
        for t32 in order {
            let t = Int(t32)
            let field = Int(postings.termField[t])
            // Ids are interned in RAM (to catch duplicates) but looked up through the id store, not the dictionary.
            if field == BuiltinFields.idField { continue }
            let meta = try encoder.encodeTerm(
                postings: postings, term: t, norms: field < norms.count ? norms[field] : [],
                positions: hasPositions[field])
            key.removeAll(keepingCapacity: true)
            key.append(UInt8(field))
            key.append(contentsOf: postings.termBytes(t))
            try termWriter.add(key: key, meta: meta)
            fields[field].sumDocFreq += meta.docFreq
            fields[field].termCount += 1
        }
        try termWriter.finish()

        try normsOut.write(titleNorms)
        try normsOut.write(bodyNorms)

        try stored.finish()

        guard idBytes.count <= Int(UInt32.max) else {
            throw SaigaError(.limitExceeded, "ids of one segment exceed 4 GiB")
        }
        try IdStore.write(
            ids: idBytes, idOffsets: idOffsets, titles: titleBytes, titleOffsets: titleOffsets, to: idsOut)

        return try SegmentInfo.seal(
            name: name, id: id, maxDoc: maxDoc, fields: fields,
            files: [
                .terms: termsOut, .postings: postOut, .positions: posOut, .norms: normsOut, .stored: storedOut,
                .ids: idsOut,
            ], directory: directory)
    }
}
