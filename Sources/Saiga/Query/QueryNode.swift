/// A query ready to run: analyzed terms on concrete fields.
@usableFromInline
indirect enum QueryNode: Sendable, Hashable {
    /// One term in one field.
    case term(field: Int, term: [UInt8])
    /// Terms at relative positions in one field (`offsets[i]` is term i's position relative to term 0), exactly
    /// (`slop` 0) or within `slop` moves (Lucene's sloppy phrase).
    case phrase(field: Int, terms: [[UInt8]], offsets: [Int], slop: Int)
    /// Every term of a field starting with `prefix`; expanded against the index before scoring.
    case prefix(field: Int, prefix: [UInt8])
    /// A boolean combination; scores of matching `must` and `should` clauses are summed.
    case boolean(must: [QueryNode], should: [QueryNode], mustNot: [QueryNode])
    /// Matches nothing (a clause whose terms were all dropped by analysis, e.g. stop words).
    case none
    /// A clause on a structured field (or `*:*`), matching without scoring.
    case structured(StructuredQuery)
    /// A clause whose scores are multiplied by a boost (Lucene's `BoostQuery`).
    case boosted(QueryNode, Float)
    /// Every term of a field that a wildcard or regular expression accepts (`source`: how it was written, for
    /// errors); expanded against the index before scoring, like a prefix.
    case pattern(field: Int, TermPattern, source: String)
    /// The terms of a field within `maxEdits` edits of `word` (Lucene's `FuzzyQuery`): the best
    /// `QueryExecutor.maxFuzzyExpansions` by similarity, scored as Lucene's blended top-terms rewrite.
    case fuzzy(field: Int, word: [UInt8], maxEdits: Int)

    /// The analyzed terms per field that can contribute to a match (for highlighting).
    /// The phrases of the query's positive clauses, per field (what snippets mark as phrases), and the terms that
    /// appear outside any phrase.
    func positivePhrases(into out: inout [Int: [HighlightPhrase]], loose: inout [Int: Set<[UInt8]>]) {
        switch self {
        case .term(let f, let t): loose[f, default: []].insert(t)
        case .phrase(let f, let ts, let offsets, let slop):
            if ts.count == 1 {
                loose[f, default: []].insert(ts[0])
            } else {
                out[f, default: []].append(HighlightPhrase(terms: ts, offsets: offsets, slop: slop))
            }
        case .boosted(let q, _): q.positivePhrases(into: &out, loose: &loose)
        case .boolean(let must, let should, _):
            for q in must + should { q.positivePhrases(into: &out, loose: &loose) }
        case .pattern, .fuzzy, .prefix, .none, .structured: break
        }
    }

    func positiveTerms(into out: inout [Int: Set<[UInt8]>], prefixes: inout [Int: Set<[UInt8]>]) {
        switch self {
        case .term(let f, let t): out[f, default: []].insert(t)
        case .phrase(let f, let ts, _, _): for t in ts { out[f, default: []].insert(t) }
        case .boosted(let q, _): q.positiveTerms(into: &out, prefixes: &prefixes)
        case .pattern, .fuzzy: break  // their terms are known once expanded (`QueryExecutor.expansions`)
        case .prefix(let f, let p): prefixes[f, default: []].insert(p)
        case .boolean(let must, let should, _):
            for q in must + should { q.positiveTerms(into: &out, prefixes: &prefixes) }
        case .none, .structured: break
        }
    }
}

/// Turns a `ParsedQuery` into a `QueryNode`: runs the analyzer over every word and phrase, expands unscoped
/// clauses to all searchable fields, and applies Lucene's boolean rules.
struct QueryRewriter {
    /// Each field's analyzer: a word is analyzed in the language of the field it is searched in. Prefixes, patterns
    /// and fuzzy words take the field's `unstemmed` analyzer (folding without stemming, so that `runn*` still
    /// finds `running`).
    let analyzers: FieldAnalyzers
    let defaultFields: [Int]
    /// The index's fields: names to numbers, and how structured values are read.
    let schema: Schema
    /// The index has positions. Without them a word that analyzes to several terms (`Kassym-Jomart`) matches
    /// documents with all of them (an AND), and a quoted phrase of several terms is an error.
    let positions: Bool

    init(
        analyzers: FieldAnalyzers, positions: Bool = true, schema: Schema = .default, defaultFields: [Int]? = nil
    ) {
        self.schema = schema
        // By default a word is searched in every indexed text field.
        self.defaultFields =
            defaultFields
            ?? schema.fields.indices.filter { schema.fields[$0].type == .text && schema.fields[$0].indexed }
        self.analyzers = analyzers
        self.positions = positions
    }

    /// A rewriter whose every field is analyzed by `analyzer`.
    init(analyzer: Analyzer, positions: Bool = true, schema: Schema = .default, defaultFields: [Int]? = nil) {
        self.init(
            analyzers: FieldAnalyzers(uniform: analyzer, schema: schema), positions: positions, schema: schema,
            defaultFields: defaultFields)
    }

    /// The fields grouped by analyzer, in order: a text is analyzed once per distinct analyzer.
    private func groupedByAnalyzer(_ fields: [Int]) -> [(analyzer: Analyzer, fields: [Int])] {
        guard let first = fields.first else { return [] }
        let a = analyzers[first]
        // The common case, every field in one language: one group, nothing to search.
        if fields.allSatisfy({ analyzers[$0] == a }) { return [(a, fields)] }
        var groups: [(analyzer: Analyzer, fields: [Int])] = []
        for f in fields {
            let a = analyzers[f]
            if let i = groups.firstIndex(where: { $0.analyzer == a }) {
                groups[i].fields.append(f)
            } else {
                groups.append((a, [f]))
            }
        }
        return groups
    }

    /// The fields' nodes of one clause, OR-ed: none, the one, or a disjunction.
    static func anyOf(_ nodes: [QueryNode]) -> QueryNode {
        if nodes.isEmpty { return .none }
        return nodes.count == 1 ? nodes[0] : .boolean(must: [], should: nodes, mustNot: [])
    }

    /// One node per field, each from the field's unstemmed analysis of `text` (`make` gets the field and the terms;
    /// nil leaves the field out), OR-ed when there are several.
    private func perFieldUnstemmed(
        _ name: String?, _ text: String, _ make: (Int, [String]) throws(SaigaError) -> QueryNode?
    ) throws(SaigaError) -> QueryNode {
        var nodes: [QueryNode] = []
        for group in groupedByAnalyzer(fieldNumbers(name)) {
            let terms = group.analyzer.unstemmed.terms(text)
            for f in group.fields {
                if let node = try make(f, terms) { nodes.append(node) }
            }
        }
        return QueryRewriter.anyOf(nodes)
    }

    /// The distinct words of `text` (no query syntax) as one clause per word: the word's term in each default field,
    /// OR-ed. Fields analyze a word in their own languages; a word's terms are matched up by its position in the
    /// text.
    func wordClauses(_ text: String) -> [QueryNode] {
        let groups = groupedByAnalyzer(defaultFields)
        if groups.count == 1 {
            // One language: the text is analyzed once and each distinct term makes a clause.
            var sink = CollectingSink(withOffsets: false)
            var text = text
            _ = text.withUTF8 { groups[0].analyzer.analyze(UnsafeRawBufferPointer($0), into: &sink) }
            var seen = Set<[UInt8]>()
            var clauses: [QueryNode] = []
            for term in sink.terms where seen.insert(term).inserted {
                clauses.append(allFields { .term(field: $0, term: term) })
            }
            return clauses
        }
        var byPosition: [Int: [QueryNode]] = [:]
        for group in groups {
            var sink = CollectingSink(withOffsets: false)
            var text = text
            _ = text.withUTF8 { group.analyzer.analyze(UnsafeRawBufferPointer($0), into: &sink) }
            for (term, position) in zip(sink.terms, sink.positions) {
                byPosition[position, default: []].append(contentsOf: group.fields.map { .term(field: $0, term: term) })
            }
        }
        var seen = Set<QueryNode>()
        return byPosition.keys.sorted().compactMap { position in
            let nodes = byPosition[position]!
            let clause: QueryNode = nodes.count == 1 ? nodes[0] : .boolean(must: [], should: nodes, mustNot: [])
            return seen.insert(clause).inserted ? clause : nil
        }
    }

    /// A filter: as `rewrite` (a purely negative one, `-source:bbc`, means every document but those).
    func rewriteFilter(_ parsed: ParsedQuery) throws(SaigaError) -> QueryNode { try rewrite(parsed) }

    static let noPositionsMessage = "this index was built without positions, so phrase queries cannot run"

    /// The query to run. A purely negative query or group (`NOT oil`, `-oil -gas`, `a AND (NOT b)`) matches every
    /// document but those (as Elasticsearch's `query_string` does; Lucene's own parser would match nothing), with a
    /// score of 0.
    func rewrite(_ parsed: ParsedQuery) throws(SaigaError) -> QueryNode { try rewriteNode(parsed) }

    private func fieldNumbers(_ name: String?) -> [Int] {
        guard let name else { return defaultFields }
        return schema.fields.firstIndex { $0.name == name }.map { [$0] } ?? defaultFields
    }

    /// Refuses a clause on a field that keeps nothing to search (not indexed, and for structured fields no column
    /// either): it would match nothing, silently.
    private func checkSearchable(_ name: String?) throws(SaigaError) {
        guard let name, let f = schema[name] else { return }
        let searchable = f.type == .text ? f.indexed : f.indexed || f.column
        guard searchable else {
            throw SaigaError(
                .invalidQuery,
                "field '\(name)' is stored only (not indexed\(f.type == .text ? "" : ", no column")): it cannot be searched"
            )
        }
    }

    /// The number and declaration of a named structured (not text) field.
    private func structuredField(_ name: String?) -> (Int, Schema.Field)? {
        guard let name, let n = schema.fields.firstIndex(where: { $0.name == name }) else { return nil }
        let f = schema.fields[n]
        return f.type == .text ? nil : (n, f)
    }

    /// `field:value` on a structured field: a keyword equals the value; a number, date or boolean has it (a date
    /// written as a day matches the whole day).
    private func structuredTerm(_ n: Int, _ f: Schema.Field, _ text: String) throws(SaigaError) -> QueryNode {
        guard let value = f.queryValue(text) else {
            throw SaigaError(.invalidQuery, "'\(text)' is not a value of \(f.type.rawValue) field '\(f.name)'")
        }
        if case .string(let s) = value {
            return .structured(StructuredQuery(kind: .keyword(Array(s.utf8)), field: n, name: f.name))
        }
        let v = value.sortableInt64!
        let upper = f.type == .date && QueryRewriter.isDay(text) ? v + QueryRewriter.dayEnd : v
        return .structured(StructuredQuery(kind: .range(v...upper), field: n, name: f.name))
    }

    /// Milliseconds from a day's start to its last millisecond.
    static let dayEnd: Int64 = 86_399_999

    /// True for a date written as a day (`2024-01-31`), which stands for the whole day in ranges.
    static func isDay(_ text: String) -> Bool { text.utf8.count == 10 }

    private func structuredRange(
        _ name: String, lower: String?, upper: String?, includeLower: Bool, includeUpper: Bool
    ) throws(SaigaError) -> QueryNode {
        guard let n = schema.fields.firstIndex(where: { $0.name == name }) else {
            throw SaigaError(.invalidQuery, "unknown field '\(name)'")
        }
        let f = schema.fields[n]
        guard f.type != .text && f.type != .keyword else {
            throw SaigaError(
                .invalidQuery,
                "'\(name)' is a \(f.type.rawValue) field: ranges need an integer, float, date or boolean field")
        }
        func bound(_ text: String) throws(SaigaError) -> Int64 {
            guard let v = f.queryValue(text)?.sortableInt64 else {
                throw SaigaError(.invalidQuery, "'\(text)' is not a value of \(f.type.rawValue) field '\(name)'")
            }
            return v
        }
        var lo = Int64.min
        var hi = Int64.max
        if let lower {
            lo = try bound(lower)
            // An exclusive day starts after the day; an exclusive value after the value.
            if !includeLower {
                if f.type == .date && QueryRewriter.isDay(lower) { lo = lo &+ QueryRewriter.dayEnd }
                if lo == .max { return .none }
                lo += 1
            }
        }
        if let upper {
            hi = try bound(upper)
            if includeUpper {
                if f.type == .date && QueryRewriter.isDay(upper) { hi = hi &+ QueryRewriter.dayEnd }
            } else {
                if hi == .min { return .none }
                hi -= 1
            }
        }
        guard lo <= hi else { return .none }
        return .structured(StructuredQuery(kind: .range(lo...hi), field: n, name: name))
    }

    /// Clauses of one kind with the same query merged into one whose boost is the sum of theirs (`oil^2 oil` is
    /// `oil^3`), as Lucene's `BooleanQuery.rewrite` does: each clause's boosts multiplied in double, the sums in
    /// double, the result rounded to a float boost (none when it is 1). The merged clause takes the first one's
    /// place.
    static func mergingRepeats(_ clauses: [QueryNode]) -> [QueryNode] {
        guard clauses.count > 1 else { return clauses }
        func unboosted(_ q: QueryNode) -> QueryNode {
            var q = q
            while case .boosted(let inner, _) = q { q = inner }
            return q
        }
        // Most queries repeat nothing: a pairwise look decides it without hashing.
        if clauses.count <= 16 {
            let plain = clauses.map(unboosted)
            var repeated = false
            outer: for i in plain.indices {
                for j in plain.indices where j > i && plain[i] == plain[j] {
                    repeated = true
                    break outer
                }
            }
            if !repeated { return clauses }
        }
        var order: [QueryNode] = []
        var sums: [QueryNode: Double] = [:]
        for c in clauses {
            var q = c
            var boost = 1.0
            while case .boosted(let inner, let b) = q {
                boost *= Double(b)
                q = inner
            }
            if sums[q] == nil { order.append(q) }
            sums[q, default: 0] += boost
        }
        guard order.count < clauses.count else { return clauses }
        return order.map { q in
            let boost = Float(sums[q]!)
            return boost == 1 ? q : .boosted(q, boost)
        }
    }

    /// The query with each term of 5 characters or more also matching terms within one edit, and of 9 or more
    /// two (a fuzzy node, which keeps the term itself at full weight): typo tolerance (`SearchOptions.typos`).
    /// Phrases, patterns and structured clauses stay as they are.
    static func withTypos(_ node: QueryNode) -> QueryNode {
        switch node {
        case .term(let field, let term):
            let length = String(decoding: term, as: UTF8.self).unicodeScalars.count
            let edits = TypoTolerance.edits(forCharacters: length)
            guard edits > 0, length <= LevenshteinMatcher.maxCharacters else { return node }
            return .fuzzy(field: field, word: term, maxEdits: edits)
        case .boolean(let must, let should, let mustNot):
            return .boolean(must: must.map(withTypos), should: should.map(withTypos), mustNot: mustNot)
        case .boosted(let inner, let b):
            return .boosted(withTypos(inner), b)
        default:
            return node
        }
    }

    /// One node per default field, OR-ed when there are several.
    func allFields(_ make: (Int) -> QueryNode) -> QueryNode { perField(nil, make) }

    /// One node per field, OR-ed when there are several fields.
    private func perField(_ name: String?, _ make: (Int) -> QueryNode) -> QueryNode {
        let nodes = fieldNumbers(name).map(make)
        return nodes.count == 1 ? nodes[0] : .boolean(must: [], should: nodes, mustNot: [])
    }

    /// A word's or phrase's node on one field, from its analyzed terms: a term, a phrase, or (no positions) all the
    /// terms; nil when the field takes no part (no terms, or a phrase on a field without positions, unscoped).
    private func termsNode(
        _ sink: CollectingSink, field f: Int, scoped: Bool, isPhrase: Bool, slop: Int
    ) throws(SaigaError) -> QueryNode? {
        if sink.terms.isEmpty { return nil }
        if sink.terms.count == 1 { return .term(field: f, term: sink.terms[0]) }
        guard positions else {
            if isPhrase { throw SaigaError(.invalidQuery, QueryRewriter.noPositionsMessage) }
            return .boolean(must: sink.terms.map { .term(field: f, term: $0) }, should: [], mustNot: [])
        }
        // A field declared without positions: a quoted phrase on it is an error (unscoped, the field is left out),
        // a word of several terms matches all of them there (an AND), as on an index without positions.
        if schema.fields[f].positions {
            let base = sink.positions[0]
            return .phrase(field: f, terms: sink.terms, offsets: sink.positions.map { $0 - base }, slop: slop)
        }
        if !isPhrase { return .boolean(must: sink.terms.map { .term(field: f, term: $0) }, should: [], mustNot: []) }
        if scoped {
            throw SaigaError(
                .invalidQuery,
                "field '\(schema.fields[f].name)' is indexed without positions, so phrase queries cannot run on it")
        }
        return nil
    }

    private func rewriteNode(_ parsed: ParsedQuery) throws(SaigaError) -> QueryNode {
        switch parsed {
        case .all:
            return .structured(.all)
        case .exists(let name):
            try checkSearchable(name)
            guard let n = schema.fields.firstIndex(where: { $0.name == name }) else {
                throw SaigaError(.invalidQuery, "unknown field '\(name)' in _exists_")
            }
            return .structured(StructuredQuery(kind: .exists, field: n, name: name))
        case .range(let field, let lower, let upper, let includeLower, let includeUpper):
            try checkSearchable(field)
            return try structuredRange(
                field, lower: lower, upper: upper, includeLower: includeLower, includeUpper: includeUpper)
        case .boost(let inner, let boost):
            let node = try rewriteNode(inner)
            switch node {
            case .none, .structured: return node  // nothing to weigh
            default: return .boosted(node, boost)
            }
        case .wildcard(let field, let text):
            try checkSearchable(field)
            if let (_, f) = structuredField(field) {
                throw SaigaError(.invalidQuery, "'\(f.name)' is a \(f.type.rawValue) field: no wildcard search")
            }
            var nodes: [QueryNode] = []
            for group in groupedByAnalyzer(fieldNumbers(field)) {
                let unstemmed = group.analyzer.unstemmed
                let pattern = try TermPattern.wildcard(text) { run in
                    let terms = unstemmed.terms(run)
                    return terms.count == 1 ? terms[0] : nil
                }
                nodes += group.fields.map { .pattern(field: $0, pattern, source: "wildcard '\(text)'") }
            }
            return nodes.count == 1 ? nodes[0] : .boolean(must: [], should: nodes, mustNot: [])
        case .regex(let field, let text):
            try checkSearchable(field)
            if let (_, f) = structuredField(field) {
                throw SaigaError(
                    .invalidQuery, "'\(f.name)' is a \(f.type.rawValue) field: no regular expression search")
            }
            let pattern = try TermPattern.regex(text)
            return perField(field) { .pattern(field: $0, pattern, source: "regular expression /\(text)/") }
        case .fuzzy(let field, let text, let maxEdits):
            try checkSearchable(field)
            if let (_, f) = structuredField(field) {
                throw SaigaError(.invalidQuery, "'\(f.name)' is a \(f.type.rawValue) field: no fuzzy search")
            }
            // Normalized as the index's words are (folded, lower case), not stemmed: Lucene's `normalize`.
            return try perFieldUnstemmed(field, text) { (f, terms) throws(SaigaError) -> QueryNode? in
                guard terms.count == 1 else {
                    if terms.isEmpty { return nil }
                    throw SaigaError(
                        .invalidQuery, "a fuzzy search must be a single word ('\(text)~' is \(terms.count) words)")
                }
                guard terms[0].unicodeScalars.count <= LevenshteinMatcher.maxCharacters else {
                    throw SaigaError(
                        .invalidQuery,
                        "a fuzzy word may have at most \(LevenshteinMatcher.maxCharacters) characters ('\(text)~')")
                }
                return .fuzzy(field: f, word: Array(terms[0].utf8), maxEdits: maxEdits)
            }
        case .term(let field, let text), .phrase(let field, let text, _):
            try checkSearchable(field)
            if let (n, f) = structuredField(field) { return try structuredTerm(n, f, text) }
            var slop = 0
            if case .phrase(_, _, let s) = parsed { slop = s }
            let isPhrase: Bool
            if case .phrase = parsed { isPhrase = true } else { isPhrase = false }
            var nodes: [QueryNode] = []
            for group in groupedByAnalyzer(fieldNumbers(field)) {
                var sink = CollectingSink(withOffsets: false)
                var text = text
                _ = text.withUTF8 { group.analyzer.analyze(UnsafeRawBufferPointer($0), into: &sink) }
                for f in group.fields {
                    if let node = try termsNode(sink, field: f, scoped: field != nil, isPhrase: isPhrase, slop: slop) {
                        nodes.append(node)
                    }
                }
            }
            return QueryRewriter.anyOf(nodes)
        case .prefix(let field, let text):
            try checkSearchable(field)
            if let (_, f) = structuredField(field) {
                throw SaigaError(.invalidQuery, "'\(f.name)' is a \(f.type.rawValue) field: no prefix search")
            }
            return try perFieldUnstemmed(field, text) { (f, terms) throws(SaigaError) -> QueryNode? in
                guard terms.count == 1 else {
                    if terms.isEmpty { return nil }
                    throw SaigaError(
                        .invalidQuery, "a prefix search must be a single word ('\(text)*' is \(terms.count) words)")
                }
                return .prefix(field: f, prefix: Array(terms[0].utf8))
            }
        case .boolean(let clauses):
            var must: [QueryNode] = []
            var should: [QueryNode] = []
            var mustNot: [QueryNode] = []
            for c in clauses {
                let node = try rewriteNode(c.query)
                if case .none = node { continue }  // dropped by analysis: Lucene drops the clause too
                switch c.occur {
                case .must: must.append(node)
                case .should: should.append(node)
                case .mustNot: mustNot.append(node)
                }
            }
            must = QueryRewriter.mergingRepeats(must)
            should = QueryRewriter.mergingRepeats(should)
            if must.isEmpty && should.isEmpty && mustNot.isEmpty { return .none }
            // Only exclusions, at any level (`a AND (NOT b)`): every document but those.
            if must.isEmpty && should.isEmpty {
                return .boolean(must: [.structured(.all)], should: [], mustNot: mustNot)
            }
            if must.isEmpty && mustNot.isEmpty && should.count == 1 { return should[0] }
            if should.isEmpty && mustNot.isEmpty && must.count == 1 { return must[0] }
            return .boolean(must: must, should: should, mustNot: mustNot)
        }
    }
}
