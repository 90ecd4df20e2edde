/// The segments of one point in time, read together: where each segment's documents start in the snapshot's
/// numbering, the total, and the BM25 statistics of every searchable field summed over all segments (so a document
/// scores the same whatever segment it lives in, and a multi-segment index scores exactly like the same documents
/// in one segment).
///
/// Built by `IndexReader` for a commit and by `IndexWriter.delete(query:)` for the writer's uncommitted view, so
/// both evaluate a query with the same numbers.
struct SegmentSnapshot {
    let segments: [SegmentReader]
    /// The first document number of each segment.
    let docBases: [Int]
    /// Documents over all segments, deleted ones included.
    let maxDoc: Int
    /// Per searchable field: documents with the field and the sum of their lengths.
    let fieldStats: [Int: FieldStatistics]

    init(_ segments: [SegmentReader]) {
        var bases: [Int] = []
        var total = 0
        for r in segments {
            bases.append(total)
            total += r.maxDoc
        }
        var stats: [Int: FieldStatistics] = [:]
        // Every text field with norms, by number: BM25's N and average length over all segments. A segment whose
        // number belongs to another (undeclared, stored-only) field has no norms for it and adds nothing.
        for r in segments {
            for info in r.info.fields where info.flags.contains(.norms) {
                stats[info.number, default: FieldStatistics(docCount: 0, sumTotalTermFreq: 0)].docCount += info.docCount
                stats[info.number]!.sumTotalTermFreq += info.sumTotalTermFreq
            }
        }
        self.segments = segments
        self.docBases = bases
        self.maxDoc = total
        self.fieldStats = stats
    }

    /// An executor over these segments and statistics.
    var executor: QueryExecutor { QueryExecutor(segments: segments, docBases: docBases, fieldStats: fieldStats) }
}

extension SegmentSnapshot {
    /// Calls `body` with every document matching `node`, deleted ones included, segment by segment and in document
    /// order: an exhaustive, unranked evaluation (delete-by-query). Throws `.corruptIndex` if a posting list turns
    /// out damaged.
    func forEachMatch(_ node: QueryNode, _ body: (_ segment: Int, _ doc: Int) -> Void) throws(SaigaError) {
        let executor = self.executor
        let prepared = try executor.prepare(node, parameters: BM25Parameters())
        for (i, segment) in segments.enumerated() {
            try segment.checkNorms()
            var iterators: [PostingsIterator] = []
            guard let scorer = try executor.scorer(prepared, segment: i, iterators: &iterators) else { continue }
            var doc = scorer.nextDoc()
            while doc != PostingsIterator.noMoreDocs {
                body(i, Int(doc))
                doc = scorer.nextDoc()
            }
            if iterators.contains(where: { $0.isCorrupt }) { throw segment.postingsCorruption() }
        }
    }
}
