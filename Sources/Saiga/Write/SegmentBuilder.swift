/// Builds one segment in memory and writes it out: the postings buffer, the norms, the field statistics and the
/// stored-fields stream (written to disk as documents arrive, so stored text never counts against the RAM budget).
final class SegmentBuilder {
    let directory: IndexDirectory
    let name: String
    let id: SegmentID
    let analyzers: FieldAnalyzers
    let layout: FieldLayout
    private var postings = PostingsBuffer()
    /// One norm byte per document for each indexed text field (`layout.normFields`, in that order).
    private var norms: [[UInt8]]
    /// Field number → index into `norms` (-1: no norms).
    private let normIndex: [Int]
    /// The fields with norms, in `norms` order.
    private let normFields: [Int]
    /// The id column: every id's UTF-8 bytes, and where each starts (`maxDoc + 1` offsets).
    private var idBytes: [UInt8] = []
    private var idOffsets: [UInt32] = [0]
    private var titleBytes: [UInt8] = []
    private var titleOffsets: [UInt32] = [0]
    private var columns: ColumnsBuilder
    private var fields: [FieldInfo]
    /// Numbers of the stored-only fields the schema does not declare (default schema only), from the schema's
    /// field count up.
    private var undeclaredNumbers: [String: Int] = [:]
    private let storedOut: OutputFile
    private let stored: StoredFieldsWriter
    private var freed = false
    private(set) var maxDoc = 0
    /// Per document, the lengths of its text fields (reused).
    private var lengths: [Int]

    init(
        directory: IndexDirectory, number: Int, analyzers: FieldAnalyzers, layout: FieldLayout, compressionLevel: Int32
    ) throws(SaigaError) {
        self.directory = directory
        self.name = IndexDirectory.segmentName(number)
        self.id = SegmentID.random()
        self.analyzers = analyzers
        self.layout = layout
        self.fields = layout.fields
        let normFields = layout.normFields
        norms = normFields.map { _ in [] }
        var normIndex = [Int](repeating: -1, count: 256)
        for (i, f) in normFields.enumerated() { normIndex[f] = i }
        self.normIndex = normIndex
        self.normFields = normFields
        lengths = [Int](repeating: 0, count: layout.fields.count)
        columns = ColumnsBuilder(layout)
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
        postings.bytesUsed + norms.count * maxDoc + idBytes.count + idOffsets.count * 4 + titleBytes.count
            + titleOffsets.count * 4 + columns.bytesUsed
    }

    /// True if the postings pool is close to its 4 GiB address limit.
    var isNearlyFull: Bool { postings.pool.isNearlyFull || maxDoc >= Int(Int32.max) - 1 }

    /// True if this segment already has a document with `id`.
    func contains(id: String) -> Bool {
        var id = id
        return id.withUTF8 { postings.find(UInt8(BuiltinFields.idField), UnsafeRawBufferPointer($0)) } != nil
    }

    /// Adds a document: validated, its values normalized for their fields (`DocumentValidator`), its id checked for
    /// duplicates.
    func add(_ document: Document) throws(SaigaError) {
        let doc = Int32(maxDoc)
        postings.currentDoc = doc
        for i in lengths.indices { lengths[i] = 0 }
        lengths[BuiltinFields.titleField] = indexText(BuiltinFields.titleField, document.title)
        lengths[BuiltinFields.bodyField] = indexText(BuiltinFields.bodyField, document.body)
        var id = document.id
        _ = id.withUTF8 { postings.addKeyword(UInt8(BuiltinFields.idField), UnsafeRawBufferPointer($0)) }
        fields[BuiltinFields.idField].docCount += 1
        fields[BuiltinFields.idField].sumTotalTermFreq += 1

        idBytes.append(contentsOf: document.id.utf8)
        idOffsets.append(UInt32(idBytes.count))
        // The titles, next to the ids: hits read their title there, without decompressing the store (empty when
        // text is not stored, as in the store).
        let storesTitle = fields[BuiltinFields.titleField].flags.contains(.stored)
        if storesTitle { titleBytes.append(contentsOf: document.title.utf8) }
        guard titleBytes.count <= Int(UInt32.max) else {
            throw SaigaError(.limitExceeded, "titles of one segment exceed 4 GiB")
        }
        titleOffsets.append(UInt32(titleBytes.count))
        // The id lives in the id column; the store keeps the other stored fields.
        var values: [(Int, String)] = []
        if storesTitle { values.append((BuiltinFields.titleField, document.title)) }
        if fields[BuiltinFields.bodyField].flags.contains(.stored) {
            values.append((BuiltinFields.bodyField, document.body))
        }
        var texts: [Int: String] = [:]
        // The distinct keyword values and the numeric value count of each kept field, for its statistics.
        var keywordValues: [Int: [String]] = [:]
        var numericCounts: [Int: Int] = [:]
        for f in document.fields {
            guard let number = layout.number(of: f.name) else {
                values.append((try undeclaredNumber(f.name), f.value.description))
                continue
            }
            let flags = fields[number].flags
            if flags.contains(.stored) { values.append((number, f.value.description)) }
            switch f.value {
            case .string(let s):
                if layout.schema.fields[number].type == .text {
                    // The values of a multi-valued text field are analyzed as one text (positions keep rising).
                    if let earlier = texts[number] { texts[number] = earlier + "\n" + s } else { texts[number] = s }
                } else if !flags.isDisjoint(with: [.indexed, .column]) {
                    var s = s
                    s.withUTF8 { raw in
                        let bytes = UnsafeRawBufferPointer(raw)
                        if flags.contains(.indexed) { _ = postings.addKeyword(UInt8(number), bytes) }
                        if flags.contains(.column) { columns.add(field: number, doc: doc, keyword: bytes) }
                    }
                    if !(keywordValues[number]?.contains(s) ?? false) { keywordValues[number, default: []].append(s) }
                }
            default:
                if let v = f.value.sortableInt64, columns.keeps(number) {
                    columns.add(field: number, doc: doc, value: v)
                    numericCounts[number, default: 0] += 1
                }
            }
        }
        for (number, distinct) in keywordValues {
            fields[number].docCount += 1
            fields[number].sumTotalTermFreq += distinct.count
        }
        for (number, count) in numericCounts {
            fields[number].docCount += 1
            fields[number].sumTotalTermFreq += count
        }
        for (number, text) in texts { lengths[number] = indexText(number, text) }
        for (i, field) in normFields.enumerated() {
            let length = lengths[field]
            norms[i].append(SmallFloat.intToByte4(length))
            if length > 0 {
                fields[field].docCount += 1
                fields[field].sumTotalTermFreq += length
            }
        }
        try stored.add(values)
        maxDoc += 1
    }

    private func undeclaredNumber(_ name: String) throws(SaigaError) -> Int {
        if let n = undeclaredNumbers[name] { return n }
        let number = fields.count
        guard number < 256 else {
            throw SaigaError(
                .limitExceeded,
                "more than \(256 - layout.fields.count) distinct extra fields in one segment (\"\(name)\")")
        }
        undeclaredNumbers[name] = number
        fields.append(FieldInfo(number: number, name: name, flags: [.stored]))
        return number
    }

    /// Analyzes `text` into `field`'s postings; returns its token count.
    private func indexText(_ field: Int, _ text: String) -> Int {
        guard fields[field].flags.contains(.indexed) else { return 0 }
        postings.currentField = UInt8(field)
        postings.withPositions = fields[field].flags.contains(.positions)
        let analyzer = analyzers[field]
        postings.wantsSurfaceForms = analyzer.indexesSurfaceForms
        var text = text
        return text.withUTF8 { analyzer.analyze(UnsafeRawBufferPointer($0), into: &postings) }
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
        let columnsOut = try create(.columns)

        let hasPositions = fields.byNumber { $0.flags.contains(.positions) }
        let termWriter = TermDictionaryWriter(out: termsOut, fieldHasPositions: hasPositions)
        var encoder = PostingsEncoder(postOut: postOut, posOut: posOut)

        postings.closeAllEntries()
        let order = postings.sortedTermIDs()
        var key: [UInt8] = []
        key.reserveCapacity(Analyzer.maxTermBytes + 1)
        for t32 in order {
            let t = Int(t32)
            let field = Int(postings.termField[t])
            // Ids are interned in RAM (to catch duplicates) but looked up through the id store, not the dictionary.
            if field == BuiltinFields.idField { continue }
            key.removeAll(keepingCapacity: true)
            key.append(UInt8(field))
            key.append(contentsOf: postings.termBytes(t))
            let meta = try encoder.encodeTerm(
                postings: postings, term: t, norms: normIndex[field] >= 0 ? norms[normIndex[field]] : [],
                positions: TermKey.hasPositions(key, hasPositions))
            try termWriter.add(key: key, meta: meta)
            // A surface form is not a term of the field's statistics (`TermKey`).
            if !TermKey.isSurfaceForm(key) {
                fields[field].sumDocFreq += meta.docFreq
                fields[field].termCount += 1
            }
        }
        try termWriter.finish()

        for n in norms { try normsOut.write(n) }
        try columns.write(to: columnsOut, maxDoc: maxDoc)

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
                .ids: idsOut, .columns: columnsOut,
            ], directory: directory)
    }
}
