/// Merges segments into one new segment without the deleted documents: documents keep their relative order
/// (segment by segment), stored fields and ids are copied, norms are copied, and each term's postings are
/// concatenated with documents renumbered and written through the same `PostingsEncoder` as a flush, so a
/// merged segment is byte-for-byte what indexing its documents in that order would have produced (up to the
/// block layout of the stored fields).
///
/// Reads the sources only through their mapped files; writes every output file fsynced, `.meta` last, exactly
/// like a flush. On any error (including `shouldAbort`) the partial output is deleted.
struct SegmentMerger {
    /// A segment to merge and the deletions to apply (a snapshot: later deletions are carried over by the writer
    /// through `docMaps`).
    struct Source {
        let reader: SegmentReader
        let deletions: DeletedDocuments?
    }

    let directory: IndexDirectory
    let sources: [Source]
    let name: String
    let positions: Bool
    let storeText: Bool
    let compressionLevel: Int32
    /// Polled between terms and documents; true stops the merge with `SaigaError.Code.closed`.
    let shouldAbort: () -> Bool

    /// The merged segment's info, and for each source the new number of each of its documents (-1: dropped).
    func merge() throws(SaigaError) -> (info: SegmentInfo, docMaps: [[Int32]]) {
        var docMaps: [[Int32]] = []
        var next: Int32 = 0
        for s in sources {
            var map = [Int32](repeating: -1, count: s.reader.maxDoc)
            for d in 0..<s.reader.maxDoc where !(s.deletions?.contains(d) ?? false) {
                map[d] = next
                next += 1
            }
            docMaps.append(map)
        }
        var outputs: [OutputFile] = []
        do {
            let info = try write(docMaps: docMaps, maxDoc: Int(next), outputs: &outputs)
            return (info, docMaps)
        } catch {
            for o in outputs { o.abandon() }
            for kind in FileKind.segmentDataFiles + [.segmentInfo] {
                try? directory.delete("\(name).\(kind.fileExtension)")
            }
            throw error
        }
    }

    private func checkAbort() throws(SaigaError) {
        if shouldAbort() { throw SaigaError(.closed, "merge into \(name) was aborted") }
    }

    private func write(docMaps: [[Int32]], maxDoc: Int, outputs: inout [OutputFile]) throws(SaigaError) -> SegmentInfo {
        let id = SegmentID.random()
        func create(_ kind: FileKind) throws(SaigaError) -> OutputFile {
            let o = try directory.createOutput("\(name).\(kind.fileExtension)")
            outputs.append(o)
            try FileHeader.write(o, kind: kind, id: id)
            return o
        }
        var fields = BuiltinFields.baseFields(positions: positions)
        if !storeText {
            fields[BuiltinFields.titleField].flags.remove(.stored)
            fields[BuiltinFields.bodyField].flags.remove(.stored)
        }

        // Documents: stored fields (extra fields renumbered by name), ids, norms.
        let storedOut = try create(.stored)
        let stored = StoredFieldsWriter(out: storedOut, compressionLevel: compressionLevel)
        var idBytes: [UInt8] = []
        var idOffsets: [UInt32] = [0]
        idOffsets.reserveCapacity(maxDoc + 1)
        var titleBytes: [UInt8] = []
        var titleOffsets: [UInt32] = [0]
        titleOffsets.reserveCapacity(maxDoc + 1)
        var titleNorms: [UInt8] = []
        var bodyNorms: [UInt8] = []
        titleNorms.reserveCapacity(maxDoc)
        bodyNorms.reserveCapacity(maxDoc)
        var extraNumbers: [String: Int] = [:]
        for (i, s) in sources.enumerated() {
            let r = s.reader
            // This source's stored field numbers → the merged segment's.
            var numberMap = [Int](repeating: -1, count: 256)
            for f in r.info.fields where f.flags.contains(.stored) {
                switch f.number {
                case BuiltinFields.idField: continue
                case BuiltinFields.titleField, BuiltinFields.bodyField: numberMap[f.number] = storeText ? f.number : -1
                default:
                    if let n = extraNumbers[f.name] {
                        numberMap[f.number] = n
                    } else {
                        let n = fields.count
                        guard n < 256 else {
                            throw SaigaError(
                                .limitExceeded, "more than 253 distinct extra fields in one segment (\"\(f.name)\")")
                        }
                        extraNumbers[f.name] = n
                        fields.append(FieldInfo(number: n, name: f.name, flags: [.stored]))
                        numberMap[f.number] = n
                    }
                }
            }
            let title = r.norms(field: BuiltinFields.titleField)
            let body = r.norms(field: BuiltinFields.bodyField)
            let map = docMaps[i]
            // Sequentially: each stored block is decompressed once.
            try r.stored.forEachDocument { (d: Int, fields: [(Int, String)]) throws(SaigaError) in
                guard map[d] >= 0 else { return }
                if d & 1023 == 0 { try checkAbort() }
                var values: [(Int, String)] = []
                for (number, value) in fields where number < 256 && numberMap[number] >= 0 {
                    values.append((numberMap[number], value))
                }
                try stored.add(values)
                try r.ids.withID(d) { idBytes.append(contentsOf: $0) }
                guard idBytes.count <= Int(UInt32.max) else {
                    throw SaigaError(.limitExceeded, "ids of one segment exceed 4 GiB")
                }
                idOffsets.append(UInt32(idBytes.count))
                // The title from the stored record just decoded (the same as the id store's, which `saiga check`
                // verifies), rather than a second decoding per document.
                if storeText, let title = fields.first(where: { $0.0 == BuiltinFields.titleField })?.1 {
                    titleBytes.append(contentsOf: title.utf8)
                }
                guard titleBytes.count <= Int(UInt32.max) else {
                    throw SaigaError(.limitExceeded, "titles of one segment exceed 4 GiB")
                }
                titleOffsets.append(UInt32(titleBytes.count))
                titleNorms.append(title[d])
                bodyNorms.append(body[d])
            }
        }
        for (f, norms) in [(BuiltinFields.titleField, titleNorms), (BuiltinFields.bodyField, bodyNorms)] {
            fields[f].docCount = norms.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
        }
        fields[BuiltinFields.idField].docCount = maxDoc
        fields[BuiltinFields.idField].sumTotalTermFreq = maxDoc

        // Postings: a k-way merge of the term dictionaries.
        let termsOut = try create(.terms)
        let postOut = try create(.postings)
        let posOut = try create(.positions)
        let hasPositions = fields.byNumber { $0.flags.contains(.positions) }
        let termWriter = TermDictionaryWriter(out: termsOut, fieldHasPositions: hasPositions)
        var encoder = PostingsEncoder(postOut: postOut, posOut: posOut)
        // Each source's terms and postings through a checked walk: a source that breaks an invariant the merge
        // relies on (sorted keys, increasing documents in range, sane frequencies and positions) fails the merge
        // with a corruption error instead of trapping or writing a broken segment.
        var walks = sources.map { CheckedTermWalk($0.reader) }
        var live = [Bool](repeating: false, count: sources.count)
        for i in walks.indices { live[i] = try walks[i].next() }
        var term = ArrayTermPostings()
        var termsSeen = 0
        while true {
            guard let smallest = walks.smallestKey(live: live) else { break }
            termsSeen += 1
            if termsSeen & 255 == 0 { try checkAbort() }
            let key = walks[smallest].key
            let field = Int(key[0])
            let withPositions = positions && hasPositions[field]
            term.removeAll()
            for i in walks.indices where live[i] && walks[i].key == key {
                let map = docMaps[i]
                try walks[i].forEachPosting(withPositions: withPositions) {
                    (d: Int32, freq: UInt32, positions: UnsafeBufferPointer<UInt32>) throws(SaigaError) in
                    let mapped = map[Int(d)]  // d < the source's maxDoc: checked by the walk
                    guard mapped >= 0 else { return }
                    term.append(doc: UInt32(mapped), freq: freq)
                    if withPositions {
                        var previous: UInt32 = 0
                        for p in positions {
                            term.appendPosition(p &- previous)
                            previous = p
                        }
                    }
                }
                live[i] = try walks[i].next()
            }
            guard term.count > 0 else { continue }  // every document with the term was deleted
            let norms =
                field == BuiltinFields.titleField ? titleNorms : field == BuiltinFields.bodyField ? bodyNorms : []
            let meta = try encoder.encodeTerm(
                &term, docFreq: term.count, totalTermFreq: term.totalTermFreq,
                norms: norms, positions: withPositions)
            try termWriter.add(key: key, meta: meta)
            if field < fields.count && fields[field].number == field {
                fields[field].sumDocFreq += meta.docFreq
                fields[field].termCount += 1
                fields[field].sumTotalTermFreq += meta.totalTermFreq
            }
        }
        try termWriter.finish()

        let normsOut = try create(.norms)
        try normsOut.write(titleNorms)
        try normsOut.write(bodyNorms)
        try stored.finish()
        let idsOut = try create(.ids)
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

/// Lexicographic order of two keys.
/// One merged term's postings, gathered in arrays before encoding (the encoder needs the document frequency
/// first; with deletions it is only known after reading the sources).
struct ArrayTermPostings: TermPostingsSource {
    private var docs: [UInt32] = []
    private var freqs: [UInt32] = []
    private var positions: [UInt32] = []
    private var readIndex = 0
    private var positionIndex = 0
    private(set) var totalTermFreq = 0

    var count: Int { docs.count }

    mutating func removeAll() {
        docs.removeAll(keepingCapacity: true)
        freqs.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
        readIndex = 0
        positionIndex = 0
        totalTermFreq = 0
    }

    mutating func append(doc: UInt32, freq: UInt32) {
        docs.append(doc)
        freqs.append(freq)
        totalTermFreq += Int(freq)
    }

    mutating func appendPosition(_ code: UInt32) { positions.append(code) }

    mutating func next() -> (doc: UInt32, freq: UInt32) {
        defer { readIndex += 1 }
        return (docs[readIndex], freqs[readIndex])
    }

    mutating func nextPosition() -> UInt32 {
        defer { positionIndex += 1 }
        return positions[positionIndex]
    }
}
