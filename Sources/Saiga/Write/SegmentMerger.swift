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
    /// The writer's fields: the merged segment has every declared field, whatever schema its sources were written
    /// with (a field added since has no values in the older documents).
    let layout: FieldLayout
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
        var fields = layout.fields
        let normFields = layout.normFields
        var normIndex = [Int](repeating: -1, count: 256)
        for (i, f) in normFields.enumerated() { normIndex[f] = i }
        var norms: [[UInt8]] = normFields.map { _ in
            var n: [UInt8] = []
            n.reserveCapacity(maxDoc)
            return n
        }
        let storesTitle = fields[BuiltinFields.titleField].flags.contains(.stored)
        var columns = ColumnsBuilder(layout)

        // Documents: stored fields (renumbered by name), ids, norms, columns.
        let storedOut = try create(.stored)
        let stored = StoredFieldsWriter(out: storedOut, compressionLevel: compressionLevel)
        var idBytes: [UInt8] = []
        var idOffsets: [UInt32] = [0]
        idOffsets.reserveCapacity(maxDoc + 1)
        var titleBytes: [UInt8] = []
        var titleOffsets: [UInt32] = [0]
        titleOffsets.reserveCapacity(maxDoc + 1)
        var extraNumbers: [String: Int] = [:]
        for (i, s) in sources.enumerated() {
            let r = s.reader
            // This source's stored field numbers → the merged segment's (by name: a field the schema declared
            // after the source was written may have been an undeclared one there).
            var numberMap = [Int](repeating: -1, count: 256)
            for f in r.info.fields where f.flags.contains(.stored) && f.number != BuiltinFields.idField {
                if let n = layout.number(of: f.name) {
                    numberMap[f.number] = fields[n].flags.contains(.stored) ? n : -1
                } else if let n = extraNumbers[f.name] {
                    numberMap[f.number] = n
                } else {
                    let n = fields.count
                    guard n < 256 else {
                        throw SaigaError(
                            .limitExceeded,
                            "more than \(256 - layout.fields.count) distinct extra fields in one segment (\"\(f.name)\")"
                        )
                    }
                    extraNumbers[f.name] = n
                    fields.append(FieldInfo(number: n, name: f.name, flags: [.stored]))
                    numberMap[f.number] = n
                }
            }
            // The source's norms of each merged norm field (nil: the source has none: zeros).
            let sourceNorms: [UnsafePointer<UInt8>?] = normFields.map { f in
                guard let info = r.info.field(number: f), info.name == layout.fields[f].name,
                    info.flags.contains(.norms)
                else { return nil }
                return r.norms(field: f)
            }
            let sourceColumns = try SourceColumns(r, layout: layout)
            let map = docMaps[i]
            // Sequentially: each stored block is decompressed once.
            try r.stored.forEachDocument { (d: Int, storedFields: [(Int, String)]) throws(SaigaError) in
                guard map[d] >= 0 else { return }
                if d & 1023 == 0 { try checkAbort() }
                var values: [(Int, String)] = []
                for (number, value) in storedFields where number < 256 && numberMap[number] >= 0 {
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
                if storesTitle, let title = storedFields.first(where: { $0.0 == BuiltinFields.titleField })?.1 {
                    titleBytes.append(contentsOf: title.utf8)
                }
                guard titleBytes.count <= Int(UInt32.max) else {
                    throw SaigaError(.limitExceeded, "titles of one segment exceed 4 GiB")
                }
                titleOffsets.append(UInt32(titleBytes.count))
                for (k, n) in sourceNorms.enumerated() { norms[k].append(n?[d] ?? 0) }
                sourceColumns.copy(doc: d, as: map[d], into: &columns, stats: &fields)
            }
        }
        for (k, f) in normFields.enumerated() {
            fields[f].docCount = norms[k].reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
        }
        fields[BuiltinFields.idField].docCount = maxDoc
        fields[BuiltinFields.idField].sumTotalTermFreq = maxDoc
        // Keyword fields without a column count their documents from their postings below.
        var keywordDocs: [Int: [Bool]] = [:]
        for f in layout.fields
        where f.number != BuiltinFields.idField && f.flags.contains(.indexed) && !f.flags.contains(.norms)
            && !f.flags.contains(.column)
        {
            keywordDocs[f.number] = [Bool](repeating: false, count: maxDoc)
        }

        // Postings: a k-way merge of the term dictionaries.
        let termsOut = try create(.terms)
        let postOut = try create(.postings)
        let posOut = try create(.positions)
        let hasPositions = fields.byNumber { $0.flags.contains(.positions) }
        let positions = hasPositions.contains(true)
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
            let withPositions = positions && TermKey.hasPositions(key, hasPositions)
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
            let meta = try encoder.encodeTerm(
                &term, docFreq: term.count, totalTermFreq: term.totalTermFreq,
                norms: normIndex[field] >= 0 ? norms[normIndex[field]] : [], positions: withPositions)
            try termWriter.add(key: key, meta: meta)
            // A surface form is not a term of the field's statistics (`TermKey`).
            if field < layout.fields.count && !TermKey.isSurfaceForm(key) {
                fields[field].sumDocFreq += meta.docFreq
                fields[field].termCount += 1
                if normIndex[field] >= 0 {
                    fields[field].sumTotalTermFreq += meta.totalTermFreq
                } else if keywordDocs[field] != nil {
                    // A keyword field without a column: (document, value) pairs and documents from the postings.
                    fields[field].sumTotalTermFreq += meta.docFreq
                    term.forEachDoc { keywordDocs[field]![Int($0)] = true }
                }
            }
        }
        try termWriter.finish()
        for (f, docs) in keywordDocs { fields[f].docCount = docs.reduce(0) { $0 + ($1 ? 1 : 0) } }

        let normsOut = try create(.norms)
        for n in norms { try normsOut.write(n) }
        let columnsOut = try create(.columns)
        try columns.write(to: columnsOut, maxDoc: maxDoc)
        try stored.finish()
        let idsOut = try create(.ids)
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

    /// Calls `body` with each document, in order.
    func forEachDoc(_ body: (UInt32) -> Void) { for d in docs { body(d) } }

    mutating func next() -> (doc: UInt32, freq: UInt32) {
        defer { readIndex += 1 }
        return (docs[readIndex], freqs[readIndex])
    }

    mutating func nextPosition() -> UInt32 {
        defer { positionIndex += 1 }
        return positions[positionIndex]
    }
}

/// One merge source's structured values, copied document by document into the merged segment's `ColumnsBuilder`
/// (with the fields' statistics): from its columns, or, for a numeric field indexed without a column, from its points
/// (gathered by document once). A field the source does not have (declared after it was written) adds nothing.
private struct SourceColumns {
    private var keyword: [(field: Int, column: KeywordColumn)] = []
    private var numeric: [(field: Int, column: NumericColumn)] = []
    /// Points-only fields: (document, value) pairs sorted by document.
    private var pointPairs: [(field: Int, pairs: [(doc: Int32, value: Int64)])] = []

    init(_ r: SegmentReader, layout: FieldLayout) throws(SaigaError) {
        for f in layout.fields where !f.flags.isDisjoint(with: [.column, .points]) {
            guard let info = r.info.field(number: f.number), info.name == f.name else { continue }
            if layout.schema.fields[f.number].type == .keyword {
                if f.flags.contains(.column), let c = try r.columns.keyword(f.number) { keyword.append((f.number, c)) }
            } else if f.flags.contains(.column) {
                if let c = try r.columns.numeric(f.number) { numeric.append((f.number, c)) }
            } else if let p = try r.columns.points(f.number) {
                var pairs: [(doc: Int32, value: Int64)] = []
                pairs.reserveCapacity(p.points)
                for i in 0..<p.points { pairs.append((Int32(p.doc(i)), p.value(i))) }
                pairs.sort { $0.doc != $1.doc ? $0.doc < $1.doc : $0.value < $1.value }
                pointPairs.append((f.number, pairs))
            }
        }
    }

    /// Copies document `doc`'s values as document `newDoc` of the merged segment.
    func copy(doc: Int, as newDoc: Int32, into columns: inout ColumnsBuilder, stats fields: inout [FieldInfo]) {
        /// A field's statistics count the documents with a value and the values.
        func counted(_ field: Int, _ n: Int) {
            guard n > 0 else { return }
            fields[field].docCount += 1
            fields[field].sumTotalTermFreq += n
        }
        for (field, c) in keyword {
            var n = 0
            c.forEachOrdinal(doc) { ord in
                columns.add(field: field, doc: newDoc, keyword: c.value(ord))
                n += 1
            }
            counted(field, n)
        }
        for (field, c) in numeric {
            var n = 0
            c.forEachValue(doc) { v in
                columns.add(field: field, doc: newDoc, value: v)
                n += 1
            }
            counted(field, n)
        }
        for (field, pairs) in pointPairs {
            // Binary search: documents are visited in increasing order, but deleted ones are skipped.
            var lo = 0
            var hi = pairs.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if pairs[mid].doc < Int32(doc) { lo = mid + 1 } else { hi = mid }
            }
            var n = 0
            while lo < pairs.count && pairs[lo].doc == Int32(doc) {
                columns.add(field: field, doc: newDoc, value: pairs[lo].value)
                lo += 1
                n += 1
            }
            counted(field, n)
        }
    }
}
