/// How a document's score was computed, as a tree (Lucene's `Explanation`): each node's value and what it is,
/// with the values it came from. The root's value is the score the search gives the document.
public struct Explanation: Sendable, Hashable, Codable, CustomStringConvertible {
    public var value: Float
    public var description: String
    public var details: [Explanation]

    public init(_ value: Float, _ description: String, _ details: [Explanation] = []) {
        self.value = value
        self.description = description
        self.details = details
    }

    /// The tree as indented lines: `0.5234 = weight(body:saiga) …`.
    public var text: String {
        var lines: [String] = []
        func walk(_ e: Explanation, _ depth: Int) {
            lines.append(String(repeating: "  ", count: depth) + "\(e.value) = \(e.description)")
            for d in e.details { walk(d, depth + 1) }
        }
        walk(self, 0)
        return lines.joined(separator: "\n")
    }
}

extension IndexReader {
    /// How document `id` scores for `query` with these options (its BM25 parameters and field boosts; filters,
    /// sorts and paging do not change a score and are not looked at): nil when no live document has the id, an
    /// explanation of value 0 saying "no match" when the document does not match.
    public func explain(
        _ query: String, id: String, options: SearchOptions = SearchOptions()
    ) throws(SaigaError)
        -> Explanation?
    {
        guard let (s, doc) = try locate(id: id) else { return nil }
        let node = try queryNode(query)
        let executor = try executor(for: options)
        let prepared = try executor.prepare(node, parameters: options.bm25)
        try segments[s].checkNorms()
        var labels: [String: String] = [:]
        try collectLabels(node, segment: s, executor: executor, into: &labels)
        return try explain(prepared, segment: s, doc: doc, executor: executor, options: options, labels: labels)
            ?? Explanation(0, "no match: the document does not match the query")
    }

    /// A key for a term of segment `s`: its field and where its postings are.
    static func key(_ field: Int, _ meta: TermMeta) -> String {
        "\(field):\(meta.docFreq):\(meta.docOffset):\(meta.posOffset):\(meta.singletonDoc)"
    }

    /// The text of every term the query may have prepared in segment `s` (words, phrases' words, and the
    /// expansions of prefixes, patterns and fuzzy words), by `key`: prepared terms carry statistics, not text.
    func collectLabels(
        _ node: QueryNode, segment s: Int, executor: QueryExecutor, into labels: inout [String: String]
    ) throws(SaigaError) {
        func add(_ field: Int, _ term: [UInt8]) throws(SaigaError) {
            let meta = try withBytes(term) { (t: UnsafeRawBufferPointer) throws(SaigaError) in
                try segments[s].lookup(field: field, term: t)
            }
            if let meta {
                labels[IndexReader.key(field, meta)] = String(decoding: TermKey.displayBytes(term), as: UTF8.self)
            }
        }
        switch node {
        case .term(let field, let term): try add(field, term)
        case .phrase(let field, let terms, _, _): for t in terms { try add(field, t) }
        case .prefix(let field, let prefix):
            for t in try executor.expand(field: field, prefix: prefix) { try add(field, t) }
        case .pattern(let field, let pattern, let source):
            for t in try executor.expand(field: field, pattern: pattern, source: source) { try add(field, t) }
        case .fuzzy(let field, let word, let maxEdits):
            for e in try executor.fuzzyExpansions(field: field, word: word, maxEdits: maxEdits) {
                if let meta = e.metas[s] {
                    labels[IndexReader.key(field, meta)] = String(decoding: e.term, as: UTF8.self)
                }
            }
        case .boolean(let must, let should, let mustNot):
            for q in must + should + mustNot { try collectLabels(q, segment: s, executor: executor, into: &labels) }
        case .boosted(let inner, _): try collectLabels(inner, segment: s, executor: executor, into: &labels)
        case .none, .structured: break
        }
    }

    /// The segment and segment-local number of the live document with this id.
    private func locate(id: String) throws(SaigaError) -> (Int, Int)? {
        for s in segments.indices.reversed() {
            if let d = try segments[s].lookupID(id) { return (s, d) }
        }
        return nil
    }

    func fieldName(_ field: Int) -> String {
        field < manifest.schema.fields.count ? manifest.schema.fields[field].name : "field \(field)"
    }

    /// The explanation of `q` for one document, nil when it does not match.
    private func explain(
        _ q: PreparedQuery, segment s: Int, doc: Int, executor: QueryExecutor, options: SearchOptions,
        labels: [String: String]
    ) throws(SaigaError) -> Explanation? {
        let seg = segments[s]
        switch q {
        case .none:
            return nil
        case .structured(let sq):
            let bits = try sq.matches(in: seg)
            return bits.contains(doc) ? Explanation(0, "\(sq.name): matches (a structured clause scores 0)") : nil
        case .termUnion(let field, let metas, let score):
            // The terms of the expansion this document holds (their postings looked up one by one: explaining is
            // not a hot path), named as the labels name them.
            var held: [String] = []
            for meta in metas[s] {
                let it = seg.postingsIterator(meta, field: field)
                if it.advance(to: Int32(doc)) == Int32(doc) {
                    held.append(labels[IndexReader.key(field, meta)] ?? "?")
                } else if it.isCorrupt {
                    throw seg.postingsCorruption()
                }
            }
            guard !held.isEmpty else { return nil }
            let shown = held.prefix(5).map { "\(fieldName(field)):\($0)" }.joined(separator: ", ")
            return Explanation(
                score,
                "\(shown)\(held.count > 5 ? " and \(held.count - 5) more" : ""): one of the \(metas[s].count) "
                    + "terms of a prefix, wildcard or regular expression (a constant score: its boost)")
        case .term(let field, let metas, let bm25):
            guard let meta = metas[s] else { return nil }
            let it = seg.postingsIterator(meta, field: field)
            guard it.advance(to: Int32(doc)) == Int32(doc) else {
                if it.isCorrupt { throw seg.postingsCorruption() }
                return nil
            }
            let freq = Float(it.freq)
            let norm = seg.norms(field: field)[doc]
            let score = bm25.score(freq: freq, norm: norm)
            let df = metas.reduce(0) { $0 + ($1?.docFreq ?? 0) }
            let text = labels[IndexReader.key(field, meta)].map { ":\($0)" } ?? " term"
            return Explanation(
                score, "weight(\(fieldName(field))\(text), freq \(freq)): boost × idf × tf",
                termDetails(bm25, freq: freq, norm: norm, field: field, docFreq: df, options: options))
        case .phrase(let field, let metas, _, let slop, _, let bm25):
            let words = metas[s].map { $0.flatMap { labels[IndexReader.key(field, $0)] } ?? "?" }.joined(separator: " ")
            var iterators: [PostingsIterator] = []
            guard let scorer = try executor.scorer(q, segment: s, iterators: &iterators) as? PhraseScorer else {
                return nil
            }
            let d = scorer.advance(Int32(doc))
            if iterators.contains(where: { $0.isCorrupt }) { throw seg.postingsCorruption() }
            guard d == Int32(doc) else { return nil }
            let freq = scorer.phraseFrequency
            let norm = seg.norms(field: field)[doc]
            return Explanation(
                scorer.score(),
                "weight(\(fieldName(field)):\"\(words)\"\(slop > 0 ? "~\(slop)" : ""), "
                    + "\(slop > 0 ? "sloppy frequency" : "frequency") \(freq)): boost × idf (summed over its terms) × tf",
                termDetails(bm25, freq: freq, norm: norm, field: field, docFreq: nil, options: options))
        case .boolean(let must, let should, let mustNot):
            var sum = 0.0
            var details: [Explanation] = []
            for c in must {
                guard let e = try explain(c, segment: s, doc: doc, executor: executor, options: options, labels: labels)
                else {
                    return nil
                }
                sum += Double(e.value)
                details.append(e)
            }
            for c in mustNot
            where try explain(c, segment: s, doc: doc, executor: executor, options: options, labels: labels) != nil {
                return nil
            }
            var anyShould = false
            for c in should {
                if let e = try explain(c, segment: s, doc: doc, executor: executor, options: options, labels: labels) {
                    sum += Double(e.value)
                    details.append(e)
                    anyShould = true
                }
            }
            if must.isEmpty && !anyShould { return nil }
            return Explanation(Float(sum), "sum of:", details)
        }
    }

    /// Boost, idf and tf of a BM25 weight, as Lucene's explanation shows them.
    private func termDetails(
        _ bm25: BM25Scorer, freq: Float, norm: UInt8, field: Int, docFreq: Int?, options: SearchOptions
    ) -> [Explanation] {
        let stats = fieldStats[field] ?? FieldStatistics(docCount: 0, sumTotalTermFreq: 0)
        let k1 = options.bm25.k1
        let b = options.bm25.b
        let dl = SmallFloat.decodedLengths[Int(norm)]
        let avgdl = BM25Scorer.averageLength(stats)
        var idfDetails: [Explanation] = []
        var idfText = "idf"
        if let docFreq, BM25Scorer.idf(docFreq: docFreq, docCount: stats.docCount) == bm25.idf {
            idfText = "idf, ln(1 + (N - n + 0.5) / (n + 0.5))"
            idfDetails = [
                Explanation(Float(docFreq), "n, documents containing the term"),
                Explanation(Float(stats.docCount), "N, documents with the field"),
            ]
        } else if docFreq == nil {
            idfText = "idf, summed over the phrase's terms"
        } else {
            idfText = "idf, shared by a fuzzy word's terms (its largest document frequency)"
        }
        return [
            Explanation(bm25.boost, "boost"),
            Explanation(bm25.idf, idfText, idfDetails),
            Explanation(
                freq / (freq + k1 * (1 - b + b * dl / avgdl)), "tf, freq / (freq + k1 × (1 - b + b × dl / avgdl))",
                [
                    Explanation(freq, "freq"), Explanation(k1, "k1"), Explanation(b, "b"),
                    Explanation(dl, "dl, the field's length (as its one-byte norm keeps it)"),
                    Explanation(avgdl, "avgdl"),
                ]),
        ]
    }
}
