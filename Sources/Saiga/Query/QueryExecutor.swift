/// A query tree with its index-wide statistics resolved: per segment term metadata, and BM25 weights computed
/// from N, df and avgdl summed over every segment of the snapshot (so a document scores the same whatever segment
/// it lives in, and a multi-segment index scores exactly like the same documents in one segment).
indirect enum PreparedQuery {
    case term(field: Int, metas: [TermMeta?], bm25: BM25Scorer)
    /// `termIDs`: equal for equal terms of the phrase (the sloppy matcher keeps their walkers apart).
    case phrase(field: Int, metas: [[TermMeta?]], offsets: [Int], slop: Int, termIDs: [Int], bm25: BM25Scorer)
    case boolean(must: [PreparedQuery], should: [PreparedQuery], mustNot: [PreparedQuery])
    /// A structured clause: matches without scoring.
    case structured(StructuredQuery)
    /// A prefix, wildcard or regular expression scored as a constant (always by default; past
    /// `QueryExecutor.scoredExpansions` terms with BM25 expansion scoring): the union of their documents, each
    /// scoring `score` (the boost), as Lucene scores every multi-term query. `metas[s]`: the terms segment `s` has.
    case termUnion(field: Int, metas: [[TermMeta]], score: Float)
    case none

    /// True if the query scores nothing (structured clauses only).
    var isStructuredOnly: Bool {
        switch self {
        case .structured, .none: return true
        case .term, .phrase, .termUnion: return false
        case .boolean(let must, let should, let mustNot):
            return must.allSatisfy(\.isStructuredOnly) && should.allSatisfy(\.isStructuredOnly)
                && mustNot.allSatisfy(\.isStructuredOnly)
        }
    }

    /// True if the query has a structured clause anywhere (none: nothing to hoist or filter).
    var hasStructured: Bool {
        switch self {
        case .structured: return true
        case .term, .phrase, .none, .termUnion: return false
        case .boolean(let must, let should, let mustNot):
            return must.contains(where: \.hasStructured) || should.contains(where: \.hasStructured)
                || mustNot.contains(where: \.hasStructured)
        }
    }
}

/// The terms that multi-term clauses expanded to while a query was prepared (`QueryExecutor.expansions`).
final class ExpandedTerms {
    private(set) var byField: [Int: Set<[UInt8]>] = [:]

    func add(_ field: Int, _ terms: [[UInt8]]) { byField[field, default: []].formUnion(terms) }
}

/// A restriction on the documents a query may return, without scoring: the documents matching `query` (or, when
/// `excluded`, those not matching it).
struct PreparedFilter {
    var query: PreparedQuery
    var excluded = false
}

/// Prepares and runs queries over the segments of one snapshot: exhaustive document-at-a-time evaluation with a
/// top-k heap and an exact hit count.
struct QueryExecutor {
    let segments: [SegmentReader]
    let docBases: [Int]
    let fieldStats: [Int: FieldStatistics]
    /// Per field number, the boost of its matches (Lucene's `BoostQuery`: the BM25 weight is boost × idf); 1 when
    /// absent.
    var fieldBoosts: [Int: Float] = [:]
    /// `SearchOptions.fuzzyPrefixLength`.
    var fuzzyPrefixLength = 0
    /// Single-term disjunctions with at most this many postings in a segment are evaluated document by document
    /// rather than in MaxScore windows (see `MaxScoreDisjunction.shortListPostings`: by default all of them; tests
    /// set 0 to drive every disjunction through the windows).
    var shortListPostings = MaxScoreDisjunction.shortListPostings
    /// When set, `prepare` records here the terms that wildcards, regular expressions and fuzzy words expanded
    /// to, by field (snippets mark them), so that nothing is expanded twice.
    var expansions: ExpandedTerms?

    /// Up to this many terms, a prefix, wildcard or regular expression sums its terms' BM25 scores; past it (or
    /// always: 0, Lucene's constant-score rewrite and the default) it scores as a constant (`termUnion`).
    /// `SearchOptions.expansionScoring`.
    var scoredExpansions = 0

    /// `scoredExpansions` with `ExpansionScoring.bm25` (Lucene's max clause count).
    static let maxScoredExpansions = 1024
    /// Past this many terms a prefix, wildcard or regular expression is refused (`limitExceeded`): the expansion is
    /// held in memory.
    static let maxPrefixExpansions = 1 << 20
    /// Terms a fuzzy word keeps: the most similar (Lucene's `FuzzyQuery.defaultMaxExpansions`).
    static let maxFuzzyExpansions = 50

    // MARK: Preparation

    /// - Parameter boost: the product of the boosts around `node` (Lucene passes a query's boost down to its
    ///   clauses' weights); a field's boost multiplies it last, as the innermost `BoostQuery`.
    func prepare(_ node: QueryNode, parameters: BM25Parameters, boost: Float = 1) throws(SaigaError) -> PreparedQuery {
        switch node {
        case .none:
            return .none
        case .structured(let q):
            return .structured(q)
        case .boosted(let inner, let b):
            return try prepare(inner, parameters: parameters, boost: b * boost)
        case .term(let field, let term):
            let metas = try lookup(field: field, term: term)
            let df = metas.reduce(0) { $0 + ($1?.docFreq ?? 0) }
            if df == 0 { return .none }
            let stats = fieldStats[field] ?? FieldStatistics(docCount: 0, sumTotalTermFreq: 0)
            let bm25 = BM25Scorer(
                idf: BM25Scorer.idf(docFreq: df, docCount: stats.docCount),
                boost: (fieldBoosts[field] ?? 1) * boost, stats: stats, parameters: parameters)
            return .term(field: field, metas: metas, bm25: bm25)
        case .phrase(let field, let terms, let offsets, let slop):
            var perTerm: [[TermMeta?]] = []
            var dfs: [Int] = []
            for t in terms {
                let metas = try lookup(field: field, term: t)
                let df = metas.reduce(0) { $0 + ($1?.docFreq ?? 0) }
                if df == 0 { return .none }
                perTerm.append(metas)
                dfs.append(df)
            }
            let stats = fieldStats[field] ?? FieldStatistics(docCount: 0, sumTotalTermFreq: 0)
            let bm25 = BM25Scorer(
                idf: BM25Scorer.phraseIDF(docFreqs: dfs, docCount: stats.docCount),
                boost: (fieldBoosts[field] ?? 1) * boost, stats: stats, parameters: parameters)
            // metas[segment][term]
            let metas = segments.indices.map { s in perTerm.map { $0[s] } }
            let termIDs = terms.map { t in terms.firstIndex(of: t)! }
            return .phrase(
                field: field, metas: metas, offsets: offsets, slop: slop, termIDs: termIDs, bm25: bm25)
        case .prefix(let field, let prefix):
            let found = try expansion(field: field, prefix: prefix)
            if found.terms.count > scoredExpansions { return termUnion(field: field, found, boost: boost) }
            return try prepare(
                .boolean(must: [], should: found.terms.map { .term(field: field, term: $0) }, mustNot: []),
                parameters: parameters, boost: boost)
        case .pattern(let field, let pattern, let source):
            let found = try expansion(field: field, pattern: pattern, source: source)
            expansions?.add(field, found.terms)
            if found.terms.count > scoredExpansions { return termUnion(field: field, found, boost: boost) }
            return try prepare(
                .boolean(must: [], should: found.terms.map { .term(field: field, term: $0) }, mustNot: []),
                parameters: parameters, boost: boost)
        case .fuzzy(let field, let word, let maxEdits):
            return try prepareFuzzy(field: field, word: word, maxEdits: maxEdits, parameters: parameters, boost: boost)
        case .boolean(let must, let should, let mustNot):
            var m: [PreparedQuery] = []
            var s: [PreparedQuery] = []
            var n: [PreparedQuery] = []
            for q in must {
                let p = try prepare(q, parameters: parameters, boost: boost)
                if case .none = p { return .none }  // a required clause that matches nothing
                m.append(p)
            }
            for q in should {
                let p = try prepare(q, parameters: parameters, boost: boost)
                if case .none = p { continue }
                // A disjunction with no boost of its own among optional clauses (a group `(a b)`, a word over
                // several fields, a fuzzy word's terms) joins them: Lucene's rewrite flattens nested disjunctions,
                // so their scores are summed with the others' in one sum. A boosted group stays one clause.
                if QueryExecutor.flattens(q), case .boolean(let im, let ish, let imn) = p, im.isEmpty, imn.isEmpty {
                    s.append(contentsOf: ish)
                } else {
                    s.append(p)
                }
            }
            // Excluded clauses' expansions are not matches: they are not recorded.
            var excluding = self
            excluding.expansions = nil
            for q in mustNot {
                let p = try excluding.prepare(q, parameters: parameters, boost: boost)
                if case .none = p { continue }
                n.append(p)
            }
            m = mergingRepeatedTerms(m, parameters: parameters)
            s = mergingRepeatedTerms(s, parameters: parameters)
            if m.isEmpty && s.isEmpty { return .none }
            // One scoring clause and nothing to exclude: the clause itself (the same score: a float sum of one).
            if n.isEmpty && m.count + s.count == 1 { return m.first ?? s[0] }
            return .boolean(must: m, should: s, mustNot: n)
        }
    }

    private func lookup(field: Int, term: [UInt8]) throws(SaigaError) -> [TermMeta?] {
        var result: [TermMeta?] = []
        result.reserveCapacity(segments.count)
        for s in segments {
            let m = try withBytes(term) { (b: UnsafeRawBufferPointer) throws(SaigaError) in
                try s.lookup(field: field, term: b)
            }
            result.append(m)
        }
        return result
    }

    /// Clauses of one kind that are the same term (from two fuzzy words, or a word and a fuzzy word) merged into
    /// one whose boost is the sum of theirs and whose idf is the first one's, as Lucene's rewrite merges equal term
    /// queries after expanding them (`rewrite` merged the equal clauses it could see before expansion).
    private func mergingRepeatedTerms(_ clauses: [PreparedQuery], parameters: BM25Parameters) -> [PreparedQuery] {
        guard clauses.count > 1 else { return clauses }
        // Repeats can only come from expansions (fuzzy words): a pairwise look at the terms decides it cheaply.
        var repeated = false
        outer: for i in clauses.indices {
            guard case .term(let f, let a, _) = clauses[i] else { continue }
            for j in clauses.indices where j > i {
                if case .term(let g, let b, _) = clauses[j], f == g, a == b {
                    repeated = true
                    break outer
                }
            }
        }
        guard repeated else { return clauses }
        var result: [PreparedQuery] = []
        var sums: [Double] = []
        var indexOf: [Int: [Int]] = [:]  // field → positions in result of its term clauses
        var merged = false
        for c in clauses {
            guard case .term(let field, let metas, let bm25) = c else {
                result.append(c)
                sums.append(0)
                continue
            }
            if let at = indexOf[field]?.first(where: {
                if case .term(_, let other, _) = result[$0] { return other == metas }
                return false
            }) {
                sums[at] += Double(bm25.boost)
                merged = true
                continue
            }
            indexOf[field, default: []].append(result.count)
            result.append(c)
            sums.append(Double(bm25.boost))
        }
        guard merged else { return clauses }
        for i in result.indices {
            guard case .term(let field, let metas, let bm25) = result[i], Float(sums[i]) != bm25.boost else { continue }
            let stats = fieldStats[field] ?? FieldStatistics(docCount: 0, sumTotalTermFreq: 0)
            result[i] = .term(
                field: field, metas: metas,
                bm25: BM25Scorer(idf: bm25.idf, boost: Float(sums[i]), stats: stats, parameters: parameters))
        }
        return result
    }

    /// True for the optional clauses whose disjunction Lucene flattens into the enclosing one: a boolean node of
    /// optional clauses only, and a fuzzy word (its rewrite is such a boolean). Not a boosted clause (a `BoostQuery`
    /// is not a `BooleanQuery`), nor a prefix, wildcard or regular expression (a constant-score query in Lucene; with
    /// BM25 expansion scoring Saiga keeps their terms one clause, which keeps MaxScore's windows for long ones).
    static func flattens(_ q: QueryNode) -> Bool {
        switch q {
        case .fuzzy: return true
        case .boolean(let must, _, let mustNot): return must.isEmpty && mustNot.isEmpty
        default: return false
        }
    }

    /// An expansion as one constant-score clause: each segment's metadata of the terms it has (as the walk found
    /// them: no term is looked up again).
    private func termUnion(field: Int, _ found: Expansion, boost: Float) -> PreparedQuery {
        var metas = [[TermMeta]](repeating: [], count: segments.count)
        for perSegment in found.metas {
            for (s, m) in perSegment.enumerated() {
                if let m { metas[s].append(m) }
            }
        }
        return .termUnion(field: field, metas: metas, score: (fieldBoosts[field] ?? 1) * boost)
    }

    /// The terms a prefix or pattern expanded to, sorted, with each one's metadata per segment (nil where a segment
    /// lacks it). A surface form (`TermKey`) keeps its marker byte first.
    struct Expansion {
        var terms: [[UInt8]] = []
        var metas: [[TermMeta?]] = []
    }

    /// Gathers an `Expansion` as the walks find its terms; more than `maxPrefixExpansions` is an error. In one
    /// segment the walks deliver distinct terms in order when the surface forms (whose marker sorts first) are walked
    /// before the terms: they are appended as they come. Across segments a term may come from several: they are
    /// gathered by term and sorted at the end.
    struct ExpansionBuilder {
        let segmentCount: Int
        let tooMany: () -> String
        private var result = Expansion()
        private var byTerm: [[UInt8]: [TermMeta?]] = [:]

        init(segmentCount: Int, tooMany: @escaping () -> String) {
            self.segmentCount = segmentCount
            self.tooMany = tooMany
        }

        mutating func add(_ term: [UInt8], _ meta: TermMeta, segment s: Int) throws(SaigaError) {
            if segmentCount == 1 {
                guard result.terms.count < QueryExecutor.maxPrefixExpansions else {
                    throw SaigaError(.limitExceeded, tooMany())
                }
                result.terms.append(term)
                result.metas.append([meta])
                return
            }
            if byTerm[term] == nil {
                guard byTerm.count < QueryExecutor.maxPrefixExpansions else {
                    throw SaigaError(.limitExceeded, tooMany())
                }
                byTerm[term] = [TermMeta?](repeating: nil, count: segmentCount)
            }
            byTerm[term]![s] = meta
        }

        func build() -> Expansion {
            if segmentCount == 1 { return result }
            let terms = byTerm.keys.sorted { $0.lexicographicallyPrecedes($1) }
            return Expansion(terms: terms, metas: terms.map { byTerm[$0]! })
        }
    }

    /// The documents of segment `s` holding any of a union's terms.
    func unionDocuments(field: Int, metas: [TermMeta], segment s: Int) throws(SaigaError) -> DocBitSet {
        let seg = segments[s]
        let bits = DocBitSet(maxDoc: seg.maxDoc)
        for meta in metas { try StructuredQuery.addPostings(meta, field: field, seg: seg, to: bits) }
        return bits
    }

    /// The distinct terms of `field` that `pattern` accepts, over all segments, sorted; more than
    /// `maxPrefixExpansions` is an error. The field's surface forms (`TermKey`) are matched too, so that a pattern
    /// finds whole words on a stemmed field; they come back with their marker byte first.
    func expand(field: Int, pattern: TermPattern, source: String) throws(SaigaError) -> [[UInt8]] {
        try expansion(field: field, pattern: pattern, source: source).terms
    }

    /// `expand(field:pattern:source:)` with the terms' metadata.
    func expansion(field: Int, pattern: TermPattern, source: String) throws(SaigaError) -> Expansion {
        // `*stan` and `*stan*` test each term's bytes; other patterns run their automaton.
        let literal = LiteralPattern(pattern)
        let matcher = literal == nil ? try AutomatonMatcher(pattern, source: source) : nil
        var found = ExpansionBuilder(segmentCount: segments.count) {
            "\(source) matches more than \(QueryExecutor.maxPrefixExpansions) terms; make it more specific"
        }
        for (s, seg) in segments.enumerated() {
            // Surface forms first: their keys sort before the terms (`ExpansionBuilder`).
            for surface in [true, false] {
                func add(_ term: UnsafeRawBufferPointer, _ meta: TermMeta) throws(SaigaError) -> Bool {
                    try found.add(surface ? [TermKey.surfaceMarker] + Array(term) : Array(term), meta, segment: s)
                    return true
                }
                if let literal {
                    try seg.terms.scan(field: UInt8(field), surfaceForms: surface, literal) {
                        (term: UnsafeRawBufferPointer, meta: TermMeta) throws(SaigaError) -> Bool in
                        try add(term, meta)
                    }
                } else if let matcher {
                    try seg.terms.intersect(field: UInt8(field), surfaceForms: surface, matcher) {
                        (term: UnsafeRawBufferPointer, meta: TermMeta, _: Int) throws(SaigaError) -> Bool in
                        try add(term, meta)
                    }
                }
            }
        }
        return found.build()
    }

    /// A fuzzy word as Lucene's `FuzzyQuery` scores it (`TopTermsBlendedFreqScoringRewrite`): the terms within
    /// `maxEdits` edits, each with the similarity `1 - edits / min(its length, the word's length)` in characters
    /// (1 for the word itself); the `maxFuzzyExpansions` most similar (ties: the smaller term); every one scored
    /// with the idf of the largest document frequency among them (so a rare misspelling does not outscore the
    /// common spelling), its weight multiplied by its similarity (0 if negative).
    private func prepareFuzzy(
        field: Int, word: [UInt8], maxEdits: Int, parameters: BM25Parameters, boost: Float
    ) throws(SaigaError) -> PreparedQuery {
        let chosen = try fuzzyExpansions(field: field, word: word, maxEdits: maxEdits)
        expansions?.add(field, chosen.map(\.term))
        guard !chosen.isEmpty else { return .none }
        let df = chosen.map { $0.metas.reduce(0) { $0 + ($1?.docFreq ?? 0) } }.max()!
        let stats = fieldStats[field] ?? FieldStatistics(docCount: 0, sumTotalTermFreq: 0)
        let idf = BM25Scorer.idf(docFreq: df, docCount: stats.docCount)
        let outer = (fieldBoosts[field] ?? 1) * boost
        let clauses = chosen.map { entry in
            PreparedQuery.term(
                field: field, metas: entry.metas,
                bm25: BM25Scorer(
                    idf: idf, boost: max(0, entry.similarity) * outer, stats: stats, parameters: parameters))
        }
        return clauses.count == 1 ? clauses[0] : .boolean(must: [], should: clauses, mustNot: [])
    }

    /// A fuzzy word's terms: the `maxFuzzyExpansions` most similar within `maxEdits` (ties: the smaller term), in
    /// term order, with their similarity and per-segment metadata.
    ///
    /// As Lucene's `FuzzyTermsEnum`: once the queue is full, a term with as many edits as the walk allows may be
    /// unable to beat its bottom; the walk then goes on past the current term with the automaton of one edit fewer
    /// (far fewer prefixes live). Each segment starts again with the edits a term before the bottom's could need,
    /// so every segment's entry of a kept term is met. The terms kept are those of an exhaustive walk.
    func fuzzyExpansions(
        field: Int, word: [UInt8], maxEdits: Int
    ) throws(SaigaError) -> [(term: [UInt8], similarity: Float, metas: [TermMeta?])] {
        let scalars = String(decoding: word, as: UTF8.self).unicodeScalars.map(\.value)
        var top = FuzzyTopTerms(
            capacity: QueryExecutor.maxFuzzyExpansions, segmentCount: segments.count, wordLength: scalars.count)
        var matchers = [LevenshteinDFA?](repeating: nil, count: maxEdits + 1)
        for (s, seg) in segments.enumerated() {
            var edits = top.competitiveEdits(maxEdits, pastBottom: false)
            var after: [UInt8]?
            while true {
                let matcher =
                    matchers[edits]
                    ?? LevenshteinDFA(word: scalars, maxEdits: edits, prefixLength: fuzzyPrefixLength)
                matchers[edits] = matcher
                var narrowed = false
                try seg.terms.intersect(field: UInt8(field), matcher, after: after) {
                    (
                        term: UnsafeRawBufferPointer, meta: TermMeta, state: LevenshteinDFA.State
                    ) throws(SaigaError)
                        -> Bool in
                    top.offer(term, edits: matcher.distance(state), meta: meta, segment: s)
                    guard top.isFull else { return true }
                    let fewer = top.competitiveEdits(edits, pastBottom: top.isAtOrPastBottom(term))
                    guard fewer < edits else { return true }
                    edits = fewer
                    after = Array(term)
                    narrowed = true
                    return false
                }
                if !narrowed { break }
            }
        }
        return top.entries.sorted { $0.term.lexicographicallyPrecedes($1.term) }.map {
            (term: $0.term, similarity: $0.similarity, metas: $0.metas)
        }
    }

    /// The distinct terms of `field` starting with `prefix`, over all segments, sorted.
    func expand(field: Int, prefix: [UInt8]) throws(SaigaError) -> [[UInt8]] {
        try expansion(field: field, prefix: prefix).terms
    }

    /// `expand(field:prefix:)` with the terms' metadata.
    func expansion(field: Int, prefix: [UInt8]) throws(SaigaError) -> Expansion {
        var found = ExpansionBuilder(segmentCount: segments.count) {
            "prefix '\(String(decoding: prefix, as: UTF8.self))*' matches more than \(QueryExecutor.maxPrefixExpansions) terms; use a longer prefix"
        }
        for (s, seg) in segments.enumerated() {
            // The surface forms (`TermKey`: whole words on a stemmed field, marker byte kept), then the terms: in
            // key order (`ExpansionBuilder`).
            // (An empty prefix: the field's one key range holds both.)
            let keys =
                prefix.isEmpty
                ? [[UInt8(field)]] : [[UInt8(field), TermKey.surfaceMarker] + prefix, [UInt8(field)] + prefix]
            for key in keys {
                try withBytes(key) { (k: UnsafeRawBufferPointer) throws(SaigaError) in
                    try seg.terms.forEachTerm(withPrefix: k) {
                        (term: UnsafeRawBufferPointer, meta: TermMeta) throws(SaigaError) -> Bool in
                        try found.add(Array(term.dropFirst()), meta, segment: s)
                        return true
                    }
                }
            }
        }
        return found.build()
    }

    // MARK: Execution

    /// Builds the scorer tree of one segment; nil when the segment cannot match. With `profile` (the node of `q`
    /// in a tree shaped as the query), every scorer is wrapped in a `ProfilingScorer` counting into its node.
    func scorer(
        _ q: PreparedQuery, segment s: Int, iterators: inout [PostingsIterator], profile: ProfileNode? = nil
    ) throws(SaigaError) -> Scorer? {
        guard let profile else { return try makeScorer(q, segment: s, iterators: &iterators, profile: nil) }
        return try makeScorer(q, segment: s, iterators: &iterators, profile: profile).map {
            ProfilingScorer($0, node: profile)
        }
    }

    private func makeScorer(
        _ q: PreparedQuery, segment s: Int, iterators: inout [PostingsIterator], profile: ProfileNode?
    ) throws(SaigaError) -> Scorer? {
        let seg = segments[s]
        switch q {
        case .none:
            return nil
        case .structured(let sq):
            let bits = try sq.matches(in: seg)
            return bits.count == 0 ? nil : DocBitSetScorer(bits)
        case .termUnion(let field, let metas, let score):
            let bits = try unionDocuments(field: field, metas: metas[s], segment: s)
            return bits.count == 0 ? nil : DocBitSetScorer(bits, score: score)
        case .term(let field, let metas, let bm25):
            guard let meta = metas[s] else { return nil }
            let it = seg.postingsIterator(meta, field: field)
            iterators.append(it)
            return TermScorer(postings: it, bm25: bm25, norms: seg.norms(field: field))
        case .phrase(let field, let metas, let offsets, let slop, let termIDs, let bm25):
            var its: [PostingsIterator] = []
            for m in metas[s] {
                guard let m else { return nil }
                let it = seg.postingsIterator(m, field: field)
                its.append(it)
                iterators.append(it)
            }
            return PhraseScorer(
                postings: its, offsets: offsets, slop: slop, termIDs: termIDs, bm25: bm25,
                norms: seg.norms(field: field))
        case .boolean(let must, let should, let mustNot):
            var m: [Scorer] = []
            var sh: [Scorer] = []
            var n: [Scorer] = []
            let children = profile?.children
            for (i, q) in must.enumerated() {
                guard let x = try scorer(q, segment: s, iterators: &iterators, profile: children?[i]) else {
                    return nil
                }
                m.append(x)
            }
            for (i, q) in should.enumerated() {
                if let x = try scorer(q, segment: s, iterators: &iterators, profile: children?[must.count + i]) {
                    sh.append(x)
                }
            }
            for (i, q) in mustNot.enumerated() {
                if let x = try scorer(
                    q, segment: s, iterators: &iterators, profile: children?[must.count + should.count + i])
                {
                    n.append(x)
                }
            }
            if m.isEmpty && sh.isEmpty { return nil }
            if n.isEmpty && sh.isEmpty && m.count == 1 { return m[0] }
            if n.isEmpty && m.isEmpty && sh.count == 1 { return sh[0] }
            return BooleanScorer(must: m, should: sh, mustNot: n)
        }
    }

    /// Runs the query over every segment: the best `count` documents (score descending, then document order) and
    /// the exact number of matches.
    /// How `topDocs` evaluates.
    enum Strategy {
        /// Block-max pruning once `countLimit` matches were counted (the count is then a lower bound).
        case pruned(countLimit: Int)
        /// Every match scored and counted, with the same specialised evaluators (the oracle for `pruned`).
        case exhaustive
        /// The general document-at-a-time scorers for everything (the oracle for the specialised evaluators).
        case documentAtATime
    }

    /// Runs the query over every segment: the best `count` documents (score descending, then document order) and
    /// the number of matches (exact, or a lower bound once pruning started).
    func topDocs(
        _ q: PreparedQuery, count: Int, strategy: Strategy = .exhaustive, filters: [PreparedFilter] = []
    ) throws(SaigaError)
        -> (hits: [ScoredDoc], total: Int, totalIsExact: Bool)
    {
        // Structured clauses required at the top of the query restrict like filters (their score is 0), so that the
        // scoring part runs through the specialised evaluators.
        let (q, hoisted) = QueryExecutor.hoistFilters(q)
        let filters = filters + hoisted
        var countLimit = Int.max
        var prune = false
        if case .pruned(let limit) = strategy {
            countLimit = max(limit, 0)
            prune = true
        }
        var collector = TopKCollector(k: count, countLimit: countLimit)
        let specialised: Bool
        if case .documentAtATime = strategy { specialised = false } else { specialised = true }
        for s in segments.indices {
            var iterators: [PostingsIterator] = []
            let base = Int32(docBases[s])
            var matchesNothing = false
            var done = false
            try segments[s].checkNorms()  // scorers read them by document, unchecked
            // With filters, the collector rejects the documents outside them as it rejects deleted ones.
            var filter: SegmentFilter?
            if !filters.isEmpty {
                let f = try SegmentFilter(filters, segment: s, executor: self)
                if f.rejectsAll { continue }
                filter = f
            }
            defer { withExtendedLifetime(filter) {} }
            if let filter, filter.leadCost &* QueryExecutor.filterLedRatio < cost(q, segment: s) {
                // A filter far more selective than the query: its documents lead, and the query's iterators
                // advance to them (Lucene's conjunction led by its cheapest clause). Pruning would gain little: most
                // of the query's best documents fail the filter.
                let docs = try filter.accepted(
                    deletedBits: segments[s].deletedBits.map { UnsafePointer($0) }, executor: self, segment: s)
                if docs.count == 0 { continue }
                collector.beginSegment(deletedBits: nil, docBase: base)
                iterators.removeAll()
                if specialised,
                    var disjunction = MaxScoreDisjunction(q, segment: s, executor: self, iterators: &iterators)
                {
                    disjunction.runLed(by: docs, docBase: base, collector: &collector)
                } else {
                    iterators.removeAll()
                    guard let text = try scorer(q, segment: s, iterators: &iterators) else { continue }
                    let led = BooleanScorer(must: [DocBitSetScorer(docs), text], should: [], mustNot: [])
                    var d = led.nextDoc()
                    while d != PostingsIterator.noMoreDocs {
                        collector.collect(score: led.score(), doc: base &+ d)
                        d = led.nextDoc()
                    }
                }
                if iterators.contains(where: { $0.isCorrupt }) { throw segments[s].postingsCorruption() }
                continue
            }
            collector.beginSegment(
                deletedBits: segments[s].deletedBits.map { UnsafePointer($0) }, docBase: base, filter: filter)
            if specialised, case .termUnion(let field, let metas, let score) = q {
                // A constant-score union alone (a prefix, wildcard or regular expression): its documents in order.
                // Once the top k are full and the count reached its limit, no later document can enter (equal
                // scores keep index order), in this segment or the next: the count is then a lower bound.
                let bits = try unionDocuments(field: field, metas: metas[s], segment: s)
                var full = false
                bits.forEachDocument { (d: Int) -> Bool in
                    collector.collect(score: score, doc: base &+ Int32(d))
                    full = collector.total >= countLimit && collector.heap.items.count >= count
                    return !full
                }
                if full { break }
                continue
            }
            if specialised {
                if var disjunction = MaxScoreDisjunction(q, segment: s, executor: self, iterators: &iterators) {
                    disjunction.run(
                        docBase: base, maxDoc: segments[s].maxDoc, prune: prune,
                        shortListPostings: shortListPostings, collector: &collector)
                    done = true
                } else {
                    iterators.removeAll()
                    if var conjunction = BlockMaxConjunction(
                        q, segment: s, executor: self, iterators: &iterators,
                        matchesNothing: &matchesNothing)
                    {
                        conjunction.run(docBase: base, prune: prune, collector: &collector)
                        done = true
                    }
                }
            }
            if matchesNothing { continue }
            if !done {
                iterators.removeAll()
                guard let scorer = try scorer(q, segment: s, iterators: &iterators) else { continue }
                let phrase = specialised && prune ? scorer as? PhraseScorer : nil
                var d = scorer.nextDoc()
                while d != PostingsIterator.noMoreDocs {
                    collector.collect(score: scorer.score(), doc: base &+ d)
                    if let phrase, collector.isPruning { phrase.threshold = collector.threshold }
                    d = scorer.nextDoc()
                }
            }
            if iterators.contains(where: { $0.isCorrupt }) || filter?.skipPostingsAreCorrupt == true {
                throw segments[s].postingsCorruption()
            }
        }
        return (collector.heap.sorted(), collector.total, collector.totalIsExact)
    }
}

extension QueryExecutor {
    /// A filter leads when it matches fewer documents than the query has postings (times this ratio: measured on
    /// the structured benchmark, 1 beat 2, 4 and 8).
    static let filterLedRatio = 1

    /// About how many postings evaluating `q` in segment `s` walks (document frequencies, summed over optional
    /// clauses, the cheapest required clause otherwise).
    func cost(_ q: PreparedQuery, segment s: Int) -> Int {
        switch q {
        case .none: return 0
        case .structured: return segments[s].maxDoc
        case .termUnion(_, let metas, _): return metas[s].reduce(0) { $0 + $1.docFreq }
        case .term(_, let metas, _): return metas[s]?.docFreq ?? 0
        case .phrase(_, let metas, _, _, _, _): return metas[s].map { $0?.docFreq ?? 0 }.min() ?? 0
        case .boolean(let must, let should, _):
            if !must.isEmpty { return must.map { cost($0, segment: s) }.min() ?? 0 }
            return should.reduce(0) { $0 + cost($1, segment: s) }
        }
    }

    /// The query without the structured clauses that are required at its top (`+source:bbc`, `-flag:true`), and
    /// those clauses as filters, when taking them out does not change what matches: the rest must still have a
    /// required clause, or only optional clauses and nothing else (Lucene: once a query has a required clause, its
    /// optional ones stop being needed to match).
    static func hoistFilters(_ q: PreparedQuery) -> (PreparedQuery, [PreparedFilter]) {
        guard case .boolean(let must, let should, let mustNot) = q, q.hasStructured else { return (q, []) }
        let structuredMust = must.filter(\.isStructuredOnly)
        let structuredNot = mustNot.filter(\.isStructuredOnly)
        guard !structuredMust.isEmpty || !structuredNot.isEmpty else { return (q, []) }
        let restMust = must.filter { !$0.isStructuredOnly }
        let restNot = mustNot.filter { !$0.isStructuredOnly }
        // Without a required clause left, optional clauses would become required (or nothing would match).
        guard !restMust.isEmpty || (structuredMust.isEmpty && !should.isEmpty) else {
            return (q, [])
        }
        let filters =
            structuredMust.map { PreparedFilter(query: $0) }
            + structuredNot.map { PreparedFilter(query: $0, excluded: true) }
        if restNot.isEmpty && restMust.count + should.count == 1 { return (restMust.first ?? should[0], filters) }
        return (.boolean(must: restMust, should: should, mustNot: restNot), filters)
    }

    /// The live documents of segment `s` that match `q` and pass every filter: the query's matches checked against
    /// the filters, or, for a query of every document, the filters' own matches (`SegmentFilter.accepted`).
    func candidates(_ q: PreparedQuery, _ filters: [PreparedFilter], segment s: Int) throws(SaigaError) -> DocBitSet {
        try candidates(q, filter: try SegmentFilter(filters, segment: s, executor: self), segment: s)
    }

    /// `candidates` with the segment's filters already built.
    func candidates(_ q: PreparedQuery, filter: SegmentFilter, segment s: Int) throws(SaigaError) -> DocBitSet {
        let deleted = segments[s].deletedBits.map { UnsafePointer($0) }
        if filter.rejectsAll { return DocBitSet(maxDoc: segments[s].maxDoc) }
        if case .structured(let sq) = q, case .all = sq.kind {
            return try filter.accepted(deletedBits: deleted, executor: self, segment: s)
        }
        let m = try matches(q, segment: s)
        if let deleted { m.subtract(deletedBits: deleted) }
        if !filter.checks.isEmpty {
            // Clearing bits of the word being walked is safe: the walk reads each word once.
            m.forEachDocument { (d: Int) -> Bool in
                if !filter.accepts(d) { m.remove(d) }
                return true
            }
        }
        return m
    }

    /// The documents of segment `s` that match `q` (deletions not applied), without scoring: what the scorers would
    /// visit, computed with bit operations.
    func matches(_ q: PreparedQuery, segment s: Int) throws(SaigaError) -> DocBitSet {
        let seg = segments[s]
        switch q {
        case .none:
            return DocBitSet(maxDoc: seg.maxDoc)
        case .structured(let sq):
            return try sq.matches(in: seg)
        case .termUnion(let field, let metas, _):
            return try unionDocuments(field: field, metas: metas[s], segment: s)
        case .term(let field, let metas, _):
            let bits = DocBitSet(maxDoc: seg.maxDoc)
            if let meta = metas[s] { try StructuredQuery.addPostings(meta, field: field, seg: seg, to: bits) }
            return bits
        case .phrase:
            let bits = DocBitSet(maxDoc: seg.maxDoc)
            var iterators: [PostingsIterator] = []
            try seg.checkNorms()
            if let scorer = try scorer(q, segment: s, iterators: &iterators) {
                var d = scorer.nextDoc()
                while d != PostingsIterator.noMoreDocs {
                    bits.insert(Int(d))
                    d = scorer.nextDoc()
                }
            }
            if iterators.contains(where: { $0.isCorrupt }) { throw seg.postingsCorruption() }
            return bits
        case .boolean(let must, let should, let mustNot):
            let bits: DocBitSet
            if let first = must.first {
                bits = try matches(first, segment: s)
                for m in must.dropFirst() { bits.formIntersection(try matches(m, segment: s)) }
            } else {
                bits = DocBitSet(maxDoc: seg.maxDoc)
                for m in should { bits.formUnion(try matches(m, segment: s)) }
            }
            for m in mustNot { bits.subtract(try matches(m, segment: s)) }
            return bits
        }
    }
}
