import SaigaPosix
import Synchronization

/// A newer commit that `IndexReader` could not use, and why: it opened an older one instead.
public struct IndexOpenWarning: Sendable, Equatable, CustomStringConvertible {
    /// The generation of the commit that was skipped.
    public var generation: UInt64
    /// What is wrong with it (the damaged file is `error.path`).
    public var error: SaigaError

    public init(generation: UInt64, error: SaigaError) {
        self.generation = generation
        self.error = error
    }

    public var description: String {
        "commit \(generation) is damaged and was skipped: \(error.message)" + (error.path.map { " (\($0))" } ?? "")
    }
}

/// A read-only view of one commit of an index: opens every segment (memory-mapped) and searches them.
///
/// A reader never changes: documents committed after it was opened are seen by a new reader. It keeps working
/// after a writer replaces the commit (the mapped files stay valid until the reader is released).
/// Thread-safe: any number of threads may search one reader at once.
public final class IndexReader: Sendable {
    public let path: String
    /// The commit generation this reader sees.
    public let generation: UInt64
    /// Live (not deleted) documents in the snapshot.
    public let documentCount: Int
    /// Documents deleted but still in their segments (they go when merges rewrite the segments).
    public let deletedCount: Int
    /// Document numbers run from 0 to `maxDoc - 1` (deleted ones included).
    public let maxDoc: Int
    public let analyzerOptions: AnalyzerOptions
    let manifest: Manifest
    let directory: IndexDirectory
    /// `vocabularySize`, once computed.
    let vocabulary = Mutex<(terms: Int, surfaceForms: Int)?>(nil)
    /// The words `suggest` completes from, built by its first call (`prepareSuggestions`).
    let completionIndex = Mutex<CompletionIndex?>(nil)
    let segments: [SegmentReader]
    let docBases: [Int]
    let fieldStats: [Int: FieldStatistics]
    /// Each field's analyzer (its language, the index's options and rules).
    let analyzers: FieldAnalyzers

    /// Newer commits that could not be used (a damaged manifest, a missing or damaged segment file), newest first:
    /// this reader opened the newest usable commit instead. Empty normally. `saiga check` reports the damage,
    /// `saiga check --repair` removes it; the command-line tool prints these as warnings.
    public let openWarnings: [IndexOpenWarning]

    /// Opens the newest usable commit of the index at `path`: the newest whose manifest checks and whose segment
    /// files are all present and consistent with it. If a newer commit is damaged, an older one is opened and
    /// `openWarnings` says which commit was skipped and why.
    /// - Parameter verification: when to verify the files' checksums. `.onFirstRead` (default) verifies each chunk
    ///   when a search first reads it: opening is fast whatever the index size, and a damaged byte a search reads
    ///   is a `corruptIndex` error, never a wrong answer. `.atOpen` verifies every byte now.
    public convenience init(path: String, verification: ChecksumVerification = .onFirstRead) throws(SaigaError) {
        let directory = try IndexDirectory(path: path)
        let newest = try IndexReader.newestUsableCommit(directory, verification: verification, reusing: [])
        self.init(
            directory: directory, manifest: newest.manifest, segments: newest.segments,
            warnings: newest.warnings)
    }

    /// The index's newest usable commit, read again: a reader for it that shares with this one every segment both
    /// commits hold (their mapped files, loaded term index and verified chunks; a segment whose deletions changed
    /// gets the new ones), so that only segments new since this reader are opened and checked. Returns this reader
    /// itself when the newest usable commit is the one it reads (and no newer commit was skipped as damaged since).
    /// This reader stays valid either way.
    public func reopen(verification: ChecksumVerification = .onFirstRead) throws(SaigaError) -> IndexReader {
        if let newest = try? IndexReader.newestGeneration(directory), newest == generation { return self }
        let newest = try IndexReader.newestUsableCommit(directory, verification: verification, reusing: segments)
        if newest.manifest.generation == generation && newest.manifest.commitID == manifest.commitID
            && newest.warnings == openWarnings
        {
            return self
        }
        return IndexReader(
            directory: directory, manifest: newest.manifest, segments: newest.segments,
            warnings: newest.warnings)
    }

    /// The newest committed generation in the index directory (a listing, nothing opened), nil if none.
    package static func newestGeneration(path: String) throws(SaigaError) -> UInt64? {
        try newestGeneration(try IndexDirectory(path: path))
    }

    private static func newestGeneration(_ directory: IndexDirectory) throws(SaigaError) -> UInt64? {
        try directory.manifestGenerations().first
    }

    /// Finds and opens the newest commit whose manifest checks and whose segment files are all present and
    /// consistent with it; the newer commits skipped, and why, come back as warnings.
    private static func newestUsableCommit(
        _ directory: IndexDirectory, verification: ChecksumVerification,
        reusing: [SegmentReader]
    ) throws(SaigaError)
        -> (manifest: Manifest, segments: [SegmentReader], warnings: [IndexOpenWarning])
    {
        // A writer may commit while we open (and delete the files of commits older than the last two): when a
        // newer manifest appears, start again from it.
        var attempt = 0
        restart: while true {
            let generations = try directory.manifestGenerations()
            var warnings: [IndexOpenWarning] = []
            var firstError: SaigaError?
            for g in generations {
                do {
                    let manifest = try directory.readManifest(generation: g)
                    let segments = try CommitSegments.open(
                        manifest, directory: directory, verification: verification,
                        reusing: reusing)
                    return (manifest, segments, warnings)
                } catch {
                    attempt += 1
                    if attempt < 50, let newest = try? directory.manifestGenerations().first, newest > generations[0] {
                        continue restart
                    }
                    // A manifest deleted between listing and reading belongs to a superseded commit.
                    if error.code == .corruptIndex
                        && directory.entry(Manifest.fileName(generation: g)).type == .missing
                    {
                        continue
                    }
                    if firstError == nil { firstError = error }
                    warnings.append(IndexOpenWarning(generation: g, error: error))
                }
            }
            if let firstError { throw firstError }
            throw SaigaError(.indexNotFound, "no committed index at \(directory.path)", path: directory.path)
        }
    }

    private init(directory: IndexDirectory, manifest: Manifest, segments: [SegmentReader], warnings: [IndexOpenWarning])
    {
        let snapshot = SegmentSnapshot(segments)
        self.path = directory.path
        self.directory = directory
        self.openWarnings = warnings
        self.manifest = manifest
        self.generation = manifest.generation
        self.segments = snapshot.segments
        self.docBases = snapshot.docBases
        self.maxDoc = snapshot.maxDoc
        let deleted = snapshot.segments.reduce(0) { $0 + ($1.deletions?.count ?? 0) }
        self.deletedCount = deleted
        self.documentCount = snapshot.maxDoc - deleted
        self.fieldStats = snapshot.fieldStats
        self.analyzerOptions = manifest.analyzer
        self.analyzers = FieldAnalyzers(
            schema: manifest.schema, options: manifest.analyzer, analysisVersion: manifest.analysisVersion)
    }

    /// Verifies every byte of every file of this snapshot against its checksums (what `.atOpen` does while
    /// opening): a server does it in the background after loading a commit. Throws `corruptIndex` naming the first
    /// damaged file and bytes. Chunks verified here are not verified again by later searches in this process.
    public func verifyChecksums() throws(SaigaError) {
        for s in segments { try s.checkAllFiles() }
    }

    /// Parses a query string without running it (to validate user input early).
    public func parse(_ query: String) throws(SaigaError) -> ParsedQuery {
        try QueryParser(schema: manifest.schema).parse(query)
    }

    /// The rewriter of this index's queries: its analyzer, schema and positions.
    var rewriter: QueryRewriter {
        QueryRewriter(analyzers: analyzers, positions: manifest.positions, schema: manifest.schema)
    }

    /// A query string as the executor takes it: parsed against the schema, analyzed and rewritten.
    func queryNode(_ query: String) throws(SaigaError) -> QueryNode {
        try rewriter.rewrite(try parse(query))
    }

    /// An executor over this snapshot for a search with `options`: their BM25 parameters, fuzzy prefix length and
    /// field boosts checked, the boosts and the prefix length set.
    func executor(for options: SearchOptions) throws(SaigaError) -> QueryExecutor {
        try options.bm25.validate()
        guard (0...Analyzer.maxTermBytes).contains(options.fuzzyPrefixLength) else {
            throw SaigaError(
                .invalidArgument,
                "fuzzy prefix length must be 0...\(Analyzer.maxTermBytes) (got \(options.fuzzyPrefixLength))")
        }
        var executor = QueryExecutor(segments: segments, docBases: docBases, fieldStats: fieldStats)
        executor.fieldBoosts = try fieldBoosts(options)
        executor.fuzzyPrefixLength = options.fuzzyPrefixLength
        executor.scoredExpansions = options.expansionScoring == .bm25 ? QueryExecutor.maxScoredExpansions : 0
        return executor
    }

    /// Runs a query string (see `QueryParser` for the syntax).
    public func search(_ query: String, options: SearchOptions = SearchOptions()) throws(SaigaError) -> SearchResults {
        let start = Sys.monotonicNanos()
        var results = try search(node: try queryNode(query), options: options, start: start)
        if options.didYouMean && results.total < SearchResults.fewHits {
            results.didYouMean = try correction(of: query, total: results.total, options: options)
        }
        return results
    }

    /// Runs a parsed query.
    public func search(
        _ query: ParsedQuery, options: SearchOptions = SearchOptions()
    ) throws(SaigaError) -> SearchResults {
        try search(node: try rewriter.rewrite(query), options: options, start: Sys.monotonicNanos())
    }

    /// Searches for the words of `text` with no query syntax: the distinct terms `text` analyzes to, any of them
    /// (`.any`, ranked by BM25) or all of them (`.all`). For raw user input that should never be a syntax error.
    public func search(
        words text: String, match: WordMatch = .any, options: SearchOptions = SearchOptions()
    )
        throws(SaigaError) -> SearchResults
    {
        let start = Sys.monotonicNanos()
        let clauses = rewriter.wordClauses(text)
        let node: QueryNode =
            clauses.isEmpty
            ? .none
            : match == .any
                ? .boolean(must: [], should: clauses, mustNot: []) : .boolean(must: clauses, should: [], mustNot: [])
        return try search(node: node, options: options, start: start)
    }

    /// Searches for the analyzed terms of `text` as one exact phrase (no query syntax; a single term is searched
    /// as itself).
    public func search(
        phrase text: String, options: SearchOptions = SearchOptions()
    ) throws(SaigaError) -> SearchResults {
        let start = Sys.monotonicNanos()
        let node = try rewriter.rewrite(.phrase(field: nil, text: text, slop: 0))
        return try search(node: node, options: options, start: start)
    }

    func search(node: QueryNode, options: SearchOptions, start: UInt64) throws(SaigaError) -> SearchResults {
        if options.typos == .auto {
            let tolerant = QueryRewriter.withTypos(node)
            if tolerant != node { return try searchForgivingTypos(exact: node, tolerant: tolerant, options, start) }
        }
        return try searchNode(node, options: options, start: start)
    }

    /// A search with typo tolerance: every match of the tolerant query counts (total, facets), and the documents
    /// that match the exact query come first, in BM25 order, then those found only through corrections, in BM25
    /// order (Meilisearch's "typo" ranking rule before relevance). A sorted search simply runs the tolerant query.
    private func searchForgivingTypos(
        exact: QueryNode, tolerant: QueryNode, _ options: SearchOptions, _ start: UInt64
    ) throws(SaigaError) -> SearchResults {
        var plain = options
        plain.typos = .off
        if !options.sort.isEmpty || options.after != nil {
            return try searchNode(tolerant, options: plain, start: start)
        }
        let window = options.offset + options.k
        // Every match of the tolerant query: the count and the facets.
        var counting = plain
        counting.k = 0
        counting.offset = 0
        let all = try searchNode(tolerant, options: counting, start: start)
        // The exact matches first.
        var first = plain
        first.k = window
        first.offset = 0
        first.facets = []
        let exactHits = try searchNode(exact, options: first, start: start)
        var hits = exactHits.hits
        if hits.count < window {
            // Fewer exact matches than the window: every one is in `hits`; the rest of the window comes from the
            // documents only the corrections find.
            var rest = first
            rest.k = window - hits.count
            let corrected = try searchNode(
                .boolean(must: [tolerant], should: [], mustNot: [exact]), options: rest, start: start)
            hits += corrected.hits
        }
        var results = SearchResults(
            total: max(all.total, hits.count), totalIsExact: all.totalIsExact,
            hits: Array(hits.dropFirst(options.offset)),
            duration: .nanoseconds(Sys.monotonicNanos() - start))
        results.facets = all.facets
        return results
    }

    private func searchNode(
        _ node: QueryNode, options: SearchOptions, start: UInt64
    ) throws(SaigaError)
        -> SearchResults
    {
        guard options.k >= 0, options.offset >= 0, options.k <= SearchOptions.maxK,
            options.offset <= SearchOptions.maxWindow - options.k
        else {
            throw SaigaError(
                .invalidArgument,
                "k must be 0...\(SearchOptions.maxK) and offset ≥ 0 with k + offset ≤ "
                    + "\(SearchOptions.maxWindow) (got k \(options.k), offset \(options.offset))")
        }
        var executor = try executor(for: options)
        if options.snippets { try options.snippet.validate() }
        for name in options.fields where !isKnownStoredField(name) {
            throw SaigaError(.invalidArgument, "no document of the index has a field named \"\(name)\"")
        }
        if options.snippets { executor.expansions = ExpandedTerms() }
        let prepared = try executor.prepare(node, parameters: options.bm25)
        var filters: [PreparedFilter] = []
        for f in options.filter { filters.append(PreparedFilter(query: try prepareFilter(f, executor, options))) }
        let counters = try options.facets.map { (r: FacetRequest) throws(SaigaError) in
            try FacetCounter(r, schema: manifest.schema)
        }
        var total: Int
        var totalIsExact: Bool
        var top: [ScoredDoc]
        var sortedTop: [SortedDoc]?
        if !options.sort.isEmpty || options.after != nil {
            let sort = options.sort.isEmpty ? [SortField.score] : options.sort
            let sorted = try sortedTopDocs(prepared, filters: filters, sort: sort, options: options, executor: executor)
            sortedTop = sorted.hits
            top = sorted.hits.map { ScoredDoc(score: $0.score, doc: $0.doc) }
            total = sorted.total
            totalIsExact = sorted.totalIsExact
        } else if prepared.hasStructured && prepared.isStructuredOnly {
            // No text: the matches in index order, all scoring 0.
            (top, total) = try firstMatches(prepared, filters: filters, count: options.k + options.offset, executor)
            totalIsExact = true
        } else {
            let strategy: QueryExecutor.Strategy =
                options.exhaustive ? .exhaustive : .pruned(countLimit: options.totalHitsThreshold)
            (top, total, totalIsExact) = try executor.topDocs(
                prepared, count: options.k + options.offset, strategy: strategy, filters: filters)
        }
        var facetResults: [FacetResult] = []
        if !counters.isEmpty {
            var counters = counters
            var exact = 0
            for s in segments.indices {
                let docs = try executor.candidates(prepared, filters, segment: s)
                exact += docs.count
                for i in counters.indices { try counters[i].count(segments[s], docs) }
            }
            facetResults = counters.map { $0.result() }
            total = exact
            totalIsExact = true
        }
        // A lower-bound count is never below the rank of the last hit returned: every one of the best
        // `offset + k` is a match (a page past the first 1,000 matches must not report 1,000).
        if !totalIsExact { total = max(total, top.count) }
        let page = top.dropFirst(options.offset)
        let sortedPage = sortedTop?.dropFirst(options.offset)

        // Snippets come from the body, unless the query matched only another of the schema's stored text fields (a
        // product's `description`, `brand`): then from the first such field where a term is marked, and with no
        // mark anywhere, from the first field with text.
        var highlighters: [Int: Highlighter] = [:]
        let snippetFields =
            [BuiltinFields.bodyField]
            + manifest.schema.fields.indices.dropFirst(3).filter {
                manifest.schema.fields[$0].type == .text && manifest.schema.fields[$0].stored
            }
        if options.snippets && !page.isEmpty {
            var terms: [Int: Set<[UInt8]>] = [:]
            var prefixes: [Int: Set<[UInt8]>] = [:]
            node.positiveTerms(into: &terms, prefixes: &prefixes)
            var phrases: [Int: [HighlightPhrase]] = [:]
            var looseTerms: [Int: Set<[UInt8]>] = [:]
            node.positivePhrases(into: &phrases, loose: &looseTerms)
            // Wildcards, regular expressions and fuzzy words: the terms they expanded to are marked too.
            for (field, expanded) in executor.expansions?.byField ?? [:] {
                terms[field, default: []].formUnion(expanded)
            }
            for field in snippetFields + [BuiltinFields.titleField] {
                var weights: [[UInt8]: Float] = [:]
                let stats = fieldStats[field] ?? FieldStatistics(docCount: 0, sumTotalTermFreq: 0)
                let many = (terms[field]?.count ?? 0) > QueryExecutor.maxScoredExpansions
                for t in terms[field] ?? [] {
                    // A long expansion scores as a constant: its terms weigh alike (no lookups per term).
                    if many {
                        weights[t] = 1
                        continue
                    }
                    var df = 0
                    if case .term(_, let metas, _) = try executor.prepare(
                        .term(field: field, term: t), parameters: options.bm25)
                    {
                        df = metas.reduce(0) { $0 + ($1?.docFreq ?? 0) }
                    }
                    weights[t] = df > 0 ? BM25Scorer.idf(docFreq: df, docCount: stats.docCount) : 0.1
                }
                var h = Highlighter(
                    analyzer: analyzers[field], weights: weights, prefixes: Array(prefixes[field] ?? []),
                    options: options.snippet)
                h.phrases = phrases[field] ?? []
                h.phraseOnlyTerms = Set(h.phrases.flatMap(\.terms)).subtracting(looseTerms[field] ?? [])
                highlighters[field] = h
            }
        }
        let highlighter = highlighters[BuiltinFields.bodyField]
        func snippet(_ stored: [String: String]) -> String? {
            guard let highlighter else { return nil }
            var first: String?
            for field in snippetFields {
                let text = stored[manifest.schema.fields[field].name] ?? ""
                guard !text.isEmpty, let h = highlighters[field] else { continue }
                let s = h.snippet(text)
                if s.contains(options.snippet.preTag) { return s }
                if first == nil { first = s }
            }
            return first ?? highlighter.snippet("")
        }
        var hits: [SearchHit] = []
        hits.reserveCapacity(page.count)
        for sd in page {
            guard let (s, local) = locate(Int(sd.doc)) else { throw SaigaError(.corruptIndex, "hit out of range") }
            let seg = segments[s]
            // Id and title come from their columns; the store (a decompression of a block of documents) only when a
            // snippet needs the body or fields are wanted.
            if options.fields.isEmpty && (highlighter == nil || (!seg.storesText && snippetFields.count == 1)) {
                var hit = SearchHit(
                    id: try seg.id(local), score: sd.score, title: try seg.title(local), snippet: nil,
                    fields: [:], docNumber: Int(sd.doc))
                if let highlighter { hit.snippet = highlighter.snippet("") }
                hit.titleHighlight = highlighters[BuiltinFields.titleField]?.marked(hit.title)
                hits.append(hit)
                continue
            }
            let raw = try storedValues(globalDoc: Int(sd.doc))
            let stored = raw.mapValues { $0.joined(separator: "\n") }
            var hit = SearchHit(
                id: stored[BuiltinFields.idName] ?? "", score: sd.score, title: stored[BuiltinFields.titleName] ?? "",
                snippet: nil, fields: [:], docNumber: Int(sd.doc))
            hit.snippet = snippet(stored)
            hit.titleHighlight = highlighters[BuiltinFields.titleField]?.marked(hit.title)
            let wanted = options.fields.contains("*") ? Array(raw.keys) : options.fields
            for f in wanted {
                guard let texts = raw[f] else { continue }
                hit.fields[f] = stored[f]
                hit.values[f] = texts.map { storedValue(f, $0) }
            }
            hits.append(hit)
        }
        var next: String?
        if let sortedPage {
            for (i, sd) in sortedPage.enumerated() {
                hits[i].sortValues = zip(options.sort, sd.keys).map { key, v in sortValue(v, key) }
            }
            next = sortedPage.last?.token(generation: generation)
        } else if options.after != nil, let last = page.last {
            next = SortedDoc(keys: [.score(last.score)], doc: last.doc, score: last.score).token(generation: generation)
        }
        var results = SearchResults(
            total: total, totalIsExact: totalIsExact, hits: hits,
            duration: .nanoseconds(Sys.monotonicNanos() - start))
        results.facets = facetResults
        results.next = next
        return results
    }

    /// The boost of each text field: `SearchOptions.fieldBoosts` where it names the field, else the schema's.
    private func fieldBoosts(_ options: SearchOptions) throws(SaigaError) -> [Int: Float] {
        var boosts: [Int: Float] = [:]
        for (n, f) in manifest.schema.fields.enumerated() where f.type == .text && f.boost != 1 { boosts[n] = f.boost }
        for (name, boost) in options.fieldBoosts {
            guard let n = manifest.schema.fields.firstIndex(where: { $0.name == name }),
                manifest.schema.fields[n].type == .text
            else {
                throw SaigaError(.invalidArgument, "boost \(name)^\(boost): the index has no text field '\(name)'")
            }
            guard boost.isFinite && boost > 0 && boost <= 1_000_000 else {
                throw SaigaError(.invalidArgument, "boost \(name)^\(boost): a boost is a positive number")
            }
            boosts[n] = boost
        }
        return boosts
    }

    /// A filter expression as a query: parsed with the schema; a purely negative one (`-source:bbc`) means every
    /// document but those.
    private func prepareFilter(
        _ text: String, _ executor: QueryExecutor, _ options: SearchOptions
    ) throws(SaigaError) -> PreparedQuery {
        let parsed: ParsedQuery
        do { parsed = try QueryParser(schema: manifest.schema).parse(text) } catch {
            throw SaigaError(error.code, "filter '\(text)': \(error.message)", offset: error.offset)
        }
        let node = try rewriter.rewriteFilter(parsed)
        return try executor.prepare(node, parameters: options.bm25)
    }

    /// A structured-only query (no text): its first `count` matches in index order, scoring 0, and how many match.
    private func firstMatches(
        _ q: PreparedQuery, filters: [PreparedFilter], count: Int, _ executor: QueryExecutor
    ) throws(SaigaError) -> ([ScoredDoc], Int) {
        var top: [ScoredDoc] = []
        var total = 0
        for s in segments.indices {
            let base = docBases[s]
            let filter = try SegmentFilter(filters, segment: s, executor: executor)
            if PointOrderScan.isAll(q) {
                // Every document that passes the filters: the selective keyword's postings, when it has some.
                var n = 0
                let deleted = segments[s].deletedBits.map { UnsafePointer($0) }
                if try filter.forEachAccepted(
                    deletedBits: deleted, executor: executor, segment: s,
                    { d in
                        n += 1
                        if top.count < count { top.append(ScoredDoc(score: 0, doc: Int32(base + d))) }
                    })
                {
                    total += n
                    continue
                }
            }
            let docs = try executor.candidates(q, filter: filter, segment: s)
            total += docs.count
            docs.forEachDocument { (d: Int) -> Bool in
                guard top.count < count else { return false }
                top.append(ScoredDoc(score: 0, doc: Int32(base + d)))
                return true
            }
        }
        return (top, total)
    }

    /// Every match sorted by `sort` (exhaustive: each match's keys are read from the columns; scores computed only
    /// when the score is a key), the best `offset + k` after the cursor, and the exact number of matches.
    private func sortedTopDocs(
        _ q: PreparedQuery, filters: [PreparedFilter], sort: [SortField], options: SearchOptions,
        executor: QueryExecutor
    ) throws(SaigaError) -> (hits: [SortedDoc], total: Int, totalIsExact: Bool) {
        for key in sort where key.field != SortField.scoreField {
            guard let f = manifest.schema[key.field] else {
                throw SaigaError(.invalidArgument, "sort \(key): the index has no field '\(key.field)'")
            }
            guard f.column else {
                throw SaigaError(
                    .invalidArgument, "sort \(key): field '\(key.field)' has no column (sorting reads columns)")
            }
        }
        let after = try options.after.map { (t: String) throws(SaigaError) in try SortedDoc(token: t, sort: sort) }
        var offer = SortOffer(sort: sort, capacity: options.k + options.offset, after: after)
        var total = 0
        var totalIsExact = true
        let needsScores = sort.contains { $0.field == SortField.scoreField }
        for s in segments.indices {
            let seg = segments[s]
            offer.begin(try SortLeaf(sort, schema: manifest.schema, segment: seg), base: Int32(docBases[s]))
            let deleted = seg.deletedBits.map { UnsafePointer($0) }
            let filter = try SegmentFilter(filters, segment: s, executor: executor)
            if filter.rejectsAll { continue }
            if needsScores && !q.isStructuredOnly {
                try seg.checkNorms()
                var iterators: [PostingsIterator] = []
                guard let scorer = try executor.scorer(q, segment: s, iterators: &iterators) else { continue }
                let candidates = SortCandidates.filtered(filter, deleted: deleted)
                var d = scorer.nextDoc()
                while d != PostingsIterator.noMoreDocs {
                    if candidates.contains(Int(d)) {
                        total += 1
                        offer.offer(Int(d), scorer.score())
                    }
                    d = scorer.nextDoc()
                }
                if iterators.contains(where: { $0.isCorrupt }) { throw seg.postingsCorruption() }
                continue
            }
            let noText = PointOrderScan.isAll(q)
            // With text, the candidates: the query's matches that pass the filters (counted exactly).
            let docs = noText ? nil : try executor.candidates(q, filter: filter, segment: s)
            if let docs { total += docs.count }
            if after == nil && options.totalHitsThreshold < .max,
                let scan = try PointOrderScan(sort[0], schema: manifest.schema, segment: seg)
            {
                // Many candidates and a first key with points: visit documents in key order and stop once no later
                // one can enter (Lucene's points-based skipping for sorts). With no text, the filters are checked
                // per visited document, and the count stops at the threshold when the scan is worth it (fewer
                // points visited than filtered documents).
                var candidates: SortCandidates?
                if let docs {
                    if docs.count >= PointOrderScan.minimumCandidates { candidates = .bits(docs) }
                } else {
                    let lead = Int64(filter.leadCost)
                    if lead * lead > 2 * Int64(options.totalHitsThreshold) * Int64(seg.maxDoc) {
                        candidates = .filtered(filter, deleted: deleted)
                    }
                }
                if let candidates {
                    let countAtLeast = docs == nil ? options.totalHitsThreshold : 0
                    let (counted, complete) = scan.run(candidates, countAtLeast: countAtLeast, into: &offer)
                    if complete {
                        // Documents without a value sort last: they come after every point.
                        let rest: DocBitSet
                        if let docs {
                            rest = docs
                        } else {
                            rest = try filter.accepted(deletedBits: deleted, executor: executor, segment: s)
                        }
                        rest.forEachDocument { (d: Int) -> Bool in
                            if !scan.column.hasValue(d) {
                                offer.offer(d, 0)
                                if docs == nil { total += 1 }
                            }
                            return true
                        }
                    }
                    if docs == nil {
                        total += counted
                        if !complete { totalIsExact = false }
                    }
                    continue
                }
            }
            if noText {
                // No text: walk the most selective filter's postings, when it has some, rather than a bit set.
                var count = 0
                let walked = try filter.forEachAccepted(deletedBits: deleted, executor: executor, segment: s) { d in
                    count += 1
                    if !offer.isSaturated { offer.offer(d, 0) }
                }
                if walked {
                    total += count
                    continue
                }
            }
            let all: DocBitSet
            if let docs {
                all = docs
            } else {
                all = try executor.candidates(q, filter: filter, segment: s)
                total += all.count
            }
            all.forEachDocument { (d: Int) -> Bool in
                offer.offer(d, 0)
                return !offer.isSaturated
            }
        }
        return (offer.collector.sorted(), total, totalIsExact)
    }

    /// A sort key's value as the field's type says.
    private func sortValue(_ v: SortValue, _ key: SortField) -> FieldValue? {
        switch v {
        case .missing: return nil
        case .score(let f): return .float(Double(f))
        case .bytes(let b): return .string(String(decoding: b, as: UTF8.self))
        case .int(let i): return FieldValue.fromSortable(i, type: manifest.schema[key.field]?.type ?? .integer)
        }
    }

    /// True for `*`, the base fields and any extra field some segment of the snapshot stores.
    private func isKnownStoredField(_ name: String) -> Bool {
        if name == "*" || name == BuiltinFields.idName || name == BuiltinFields.titleName
            || name == BuiltinFields.bodyName
        {
            return true
        }
        return segments.contains { $0.info.field(named: name) != nil }
    }

    /// Which segment holds a global document number, and the local number in it.
    func locate(_ globalDoc: Int) -> (segment: Int, local: Int)? {
        guard globalDoc >= 0 && globalDoc < maxDoc else { return nil }
        var lo = 0
        var hi = docBases.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if docBases[mid] <= globalDoc { lo = mid + 1 } else { hi = mid }
        }
        let s = lo - 1
        return (s, globalDoc - docBases[s])
    }

    func storedFields(globalDoc: Int) throws(SaigaError) -> [String: String] {
        // A multi-valued field's values, joined by newlines in document order.
        try storedValues(globalDoc: globalDoc).mapValues { $0.joined(separator: "\n") }
    }

    /// Each stored field's values as text, in document order.
    func storedValues(globalDoc: Int) throws(SaigaError) -> [String: [String]] {
        guard let (s, local) = locate(globalDoc) else {
            throw SaigaError(.invalidArgument, "document number \(globalDoc) out of range")
        }
        var result: [String: [String]] = [:]
        for (name, value) in try segments[s].document(local) { result[name, default: []].append(value) }
        return result
    }

    /// A stored value typed again by the schema (stored values are text: integers in decimal, dates in RFC 3339);
    /// a string for text, keywords and fields the schema does not declare.
    func storedValue(_ name: String, _ text: String) -> FieldValue {
        manifest.schema[name]?.queryValue(text) ?? .string(text)
    }

    /// The stored document with this id, or nil.
    public func document(id: String) throws(SaigaError) -> Document? {
        for (s, seg) in segments.enumerated() {
            if let local = try seg.lookupID(id) {
                return try document(number: docBases[s] + local)
            }
        }
        return nil
    }

    /// The stored document with this document number (as in `SearchHit.docNumber`).
    public func document(number: Int) throws(SaigaError) -> Document {
        guard let (s, local) = locate(number) else {
            throw SaigaError(.invalidArgument, "document number \(number) out of range")
        }
        guard !segments[s].isDeleted(local) else {
            throw SaigaError(.invalidArgument, "document number \(number) is deleted")
        }
        var doc = Document(id: "", title: "", body: "")
        for (name, value) in try segments[s].document(local) {
            switch name {
            case BuiltinFields.idName: doc.id = value
            case BuiltinFields.titleName: doc.title = value
            case BuiltinFields.bodyName: doc.body = value
            default: doc.fields.append(Document.Field(name, storedValue(name, value)))
            }
        }
        return doc
    }

    /// Calls `body` with every live document of the snapshot, in document-number order, reading the document
    /// store sequentially (each compressed block once): for exports and consistency checks. Stop early by
    /// throwing; the error reaches the caller as thrown.
    public func forEachDocument(_ body: (Document) throws(SaigaError) -> Void) throws(SaigaError) {
        for seg in segments {
            try seg.stored.forEachDocument { (d: Int, fields: [(Int, String)]) throws(SaigaError) in
                guard !seg.isDeleted(d) else { return }
                var doc = Document(id: try seg.id(d), title: "", body: "")
                for (number, value) in fields {
                    switch number {
                    case BuiltinFields.titleField: doc.title = value
                    case BuiltinFields.bodyField: doc.body = value
                    default:
                        let name = seg.info.field(number: number)?.name ?? "field\(number)"
                        doc.fields.append(Document.Field(name, storedValue(name, value)))
                    }
                }
                try body(doc)
            }
        }
    }

    /// The terms a text analyzes to in the body field (in its language).
    public func analyze(_ text: String) -> [String] { analyzers.body.terms(text) }

    /// The terms a text analyzes to in text field `field`, in its language; nil when the index has no such text
    /// field.
    public func analyze(_ text: String, field: String) -> [String]? {
        guard let n = manifest.schema.fields.firstIndex(where: { $0.name == field && $0.type == .text }) else {
            return nil
        }
        return analyzers[n].terms(text)
    }

}

extension IndexReader {
    /// The schema of this commit: the fields its manifest records, with the built-in `title` and `body` as the
    /// index keeps them (positions unless built without them, stored unless built with `storeText: false`).
    public var schema: Schema {
        let storesText = segments.allSatisfy(\.storesText)
        var fields = manifest.schema.fields
        for i in [BuiltinFields.titleField, BuiltinFields.bodyField] {
            fields[i].stored = storesText
            fields[i].positions = manifest.positions
        }
        // Only flags the checks accept were changed: this cannot fail.
        return try! Schema(fields)
    }
}
