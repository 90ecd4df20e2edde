import Foundation
@_exported import SaigaTestSupport

@testable import Saiga

/// A brute-force search engine over documents held in memory: it analyzes every document with the same analyzer
/// and evaluates a query by looking at every document, with no index, no postings, no skipping. It is the oracle
/// the real engine's results are compared with.
struct ReferenceIndex {
    struct Field {
        var terms: [[UInt8]]
        var positions: [Int]
        var length: Int { terms.count }
        /// term → positions, precomputed so evaluation is fast enough for debug-build tests.
        var positionsOf: [[UInt8]: [Int]] = [:]
    }
    let documents: [Document]
    let analyzer: Analyzer
    /// fields[doc][field number]
    let fields: [[Int: Field]]
    var docCount: [Int: Int] = [:]
    var sumTotalTermFreq: [Int: Int] = [:]
    var docFreqs: [Int: [[UInt8]: Int]] = [:]
    /// The surface forms of words the stemmer changed (marker byte first, as the engine keys them), per field:
    /// what prefixes and patterns match besides the terms.
    var surfaceDocFreqs: [Int: [[UInt8]: Int]] = [:]
    /// The documents' structured fields, typed and normalized by the schema: values[doc][field number].
    let schema: Schema
    let values: [[Int: [FieldValue]]]
    /// Per field number, the boost of its matches (BM25 weight = boost × idf).
    var boosts: [Int: Float] = [:]
    /// Fuzzy words' and patterns' expansions (computed once per query word, not per document).
    final class FuzzyCache: @unchecked Sendable {
        var expansions: [String: [([UInt8], Float)]] = [:]
        var patterns: [PatternKey: [[UInt8]]] = [:]
        var prefixes: [[UInt8]: [[UInt8]]] = [:]
    }
    struct PatternKey: Hashable {
        let field: Int
        let pattern: TermPattern
    }
    let fuzzyCache = FuzzyCache()
    /// Up to this many terms a prefix or pattern sums its terms' BM25 scores; past it (by default always, as
    /// `SearchOptions.expansionScoring` `.constant`) it scores a constant (`QueryExecutor.scoredExpansions`).
    var scoredExpansions = 0

    init(documents: [Document], analyzer: Analyzer = Analyzer(), schema: Schema = .default) {
        self.documents = documents
        self.schema = schema
        values = documents.map { d in
            var v: [Int: [FieldValue]] = [:]
            for f in d.fields {
                guard let n = schema.fields.firstIndex(where: { $0.name == f.name }) else { continue }
                v[n, default: []].append(try! schema.fields[n].normalize(f.value))
            }
            return v
        }
        self.analyzer = analyzer
        var fields: [[Int: Field]] = []
        for d in documents {
            var f: [Int: Field] = [:]
            // Text fields: title, body and the schema's other text fields (several values analyzed as one text).
            var texts = [(BuiltinFields.titleField, d.title), (BuiltinFields.bodyField, d.body)]
            for n in schema.fields.indices.dropFirst(3) where schema.fields[n].type == .text {
                texts.append(
                    (
                        n,
                        d.fields.filter { $0.name == schema.fields[n].name }.map(\.value.description).joined(
                            separator: "\n")
                    ))
            }
            for (number, text) in texts {
                var sink = CollectingSink(
                    withOffsets: false, surfaceForms: analyzer.options.indexesSurfaceForms)
                var t = text
                _ = t.withUTF8 { analyzer.analyze(UnsafeRawBufferPointer($0), into: &sink) }
                var field = Field(terms: sink.terms, positions: sink.positions)
                for (i, t) in sink.terms.enumerated() { field.positionsOf[t, default: []].append(sink.positions[i]) }
                for (i, word) in sink.surfaces.enumerated() {
                    if let word { field.positionsOf[[0] + word, default: []].append(sink.positions[i]) }
                }
                f[number] = field
            }
            fields.append(f)
        }
        self.fields = fields
        let textFields =
            [BuiltinFields.titleField, BuiltinFields.bodyField]
            + schema.fields.indices.dropFirst(3).filter { schema.fields[$0].type == .text }
        for number in textFields {
            docCount[number] = fields.filter { $0[number]!.length > 0 }.count
            sumTotalTermFreq[number] = fields.reduce(0) { $0 + $1[number]!.length }
            var dfs: [[UInt8]: Int] = [:]
            var surfaces: [[UInt8]: Int] = [:]
            for f in fields {
                for t in f[number]!.positionsOf.keys {
                    if t.first == 0 { surfaces[t, default: 0] += 1 } else { dfs[t, default: 0] += 1 }
                }
            }
            docFreqs[number] = dfs
            surfaceDocFreqs[number] = surfaces
        }
    }

    func docFreq(_ field: Int, _ term: [UInt8]) -> Int {
        term.first == 0 ? surfaceDocFreqs[field]![term] ?? 0 : docFreqs[field]![term] ?? 0
    }

    func stats(_ field: Int) -> FieldStatistics {
        FieldStatistics(docCount: docCount[field]!, sumTotalTermFreq: sumTotalTermFreq[field]!)
    }

    /// The edit distance with transpositions of adjacent characters, each character edited once at most (the
    /// full dynamic-programming matrix).
    static func restrictedDamerauLevenshtein(_ a: [UInt32], _ b: [UInt32]) -> Int {
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in stride(from: 1, through: a.count, by: 1) {
            for j in stride(from: 1, through: b.count, by: 1) {
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }

    /// The field's terms that the pattern matches, through Foundation's regular expressions (ICU): the pattern
    /// written out as an ICU expression anchored at both ends.
    func matching(_ field: Int, _ pattern: TermPattern) -> [[UInt8]] {
        func icu(_ p: TermPattern) -> String {
            switch p {
            case .character(let ranges, let negated):
                if ranges.isEmpty && negated { return "(?s:.)" }
                let body = ranges.map { r in
                    r.lowerBound == r.upperBound
                        ? String(format: "\\x{%X}", r.lowerBound)
                        : String(format: "\\x{%X}-\\x{%X}", r.lowerBound, r.upperBound)
                }.joined()
                return "[" + (negated ? "^" : "") + body + "]"
            case .sequence(let items): return "(?:" + items.map(icu).joined() + ")"
            case .alternatives(let options): return "(?:" + options.map(icu).joined(separator: "|") + ")"
            case .repeated(let inner, let lo, let hi):
                return "(?:" + icu(inner) + ")" + (hi.map { "{\(lo),\($0)}" } ?? "{\(lo),}")
            }
        }
        let regex = try! NSRegularExpression(pattern: "^" + icu(pattern) + "$")
        func matches(_ t: ArraySlice<UInt8>) -> Bool {
            let s = String(decoding: t, as: UTF8.self)
            return regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
        }
        return
            (docFreqs[field]!.keys.filter { matches($0[...]) }
            + surfaceDocFreqs[field]!.keys.filter { matches($0.dropFirst()) }).sorted {
                $0.lexicographicallyPrecedes($1)
            }
    }

    /// Every distinct term of a field with the prefix, sorted.
    func expand(_ field: Int, _ prefix: [UInt8]) -> [[UInt8]] {
        let key = [UInt8(field)] + prefix
        if let known = fuzzyCache.prefixes[key] { return known }
        var set = Set<[UInt8]>()
        for t in docFreqs[field]!.keys where t.starts(with: prefix) { set.insert(t) }
        for t in surfaceDocFreqs[field]!.keys where t.dropFirst().starts(with: prefix) { set.insert(t) }
        let sorted = set.sorted { $0.lexicographicallyPrecedes($1) }
        fuzzyCache.prefixes[key] = sorted
        return sorted
    }

    /// More than `scoredExpansions` terms: the document matches if it holds any, scoring the boost (Lucene's
    /// constant score).
    func constantUnion(_ field: Int, _ terms: [[UInt8]], doc: Int, boost: Float) -> (Bool, Float) {
        let f = fields[doc][field]!
        return terms.contains { f.positionsOf[$0] != nil } ? (true, (boosts[field] ?? 1) * boost) : (false, 0)
    }

    /// Does the document match, and with what score. Mirrors Lucene's semantics as documented in the engine:
    /// BM25 per term in float, boolean sums in double cast to float, phrase idf the sum of term idfs.
    func evaluate(_ node: QueryNode, doc: Int, parameters: BM25Parameters, boost: Float = 1) -> (Bool, Float) {
        switch node {
        case .none:
            return (false, 0)
        case .structured(let q):
            return (matches(q, doc: doc), 0)
        case .boosted(let inner, let b):
            return evaluate(inner, doc: doc, parameters: parameters, boost: b * boost)
        case .pattern(let field, let pattern, _):
            let terms: [[UInt8]]
            if let known = fuzzyCache.patterns[PatternKey(field: field, pattern: pattern)] {
                terms = known
            } else {
                terms = matching(field, pattern)
                fuzzyCache.patterns[PatternKey(field: field, pattern: pattern)] = terms
            }
            if terms.count > scoredExpansions { return constantUnion(field, terms, doc: doc, boost: boost) }
            let expanded = terms.map { QueryNode.term(field: field, term: $0) }
            return evaluate(
                .boolean(must: [], should: expanded, mustNot: []), doc: doc, parameters: parameters, boost: boost)
        case .fuzzy(let field, let word, let maxEdits):
            let scores = fuzzyScores(field, word, maxEdits, doc: doc, parameters: parameters, boost: boost)
            guard !scores.isEmpty else { return (false, 0) }
            var sum = 0.0
            for s in scores { sum += Double(s) }
            return (true, Float(sum))
        case .term(let field, let term):
            let f = fields[doc][field]!
            let freq = f.positionsOf[term]?.count ?? 0
            guard freq > 0 else { return (false, 0) }
            let df = docFreq(field, term)
            let bm25 = BM25Scorer(
                idf: BM25Scorer.idf(docFreq: df, docCount: docCount[field]!), boost: (boosts[field] ?? 1) * boost,
                stats: stats(field), parameters: parameters)
            return (true, bm25.score(freq: Float(freq), norm: SmallFloat.intToByte4(f.length)))
        case .phrase(let field, let terms, let offsets, let slop):
            let dfs = terms.map { docFreq(field, $0) }
            guard !dfs.contains(0) else { return (false, 0) }
            let f = fields[doc][field]!
            let lists = terms.map { f.positionsOf[$0] ?? [] }
            let freq =
                slop == 0 ? Float(exactPhraseCount(lists, offsets)) : sloppyFrequency(lists, offsets, terms, slop)
            guard freq > 0 else { return (false, 0) }
            let bm25 = BM25Scorer(
                idf: BM25Scorer.phraseIDF(docFreqs: dfs, docCount: docCount[field]!),
                boost: (boosts[field] ?? 1) * boost, stats: stats(field), parameters: parameters)
            return (true, bm25.score(freq: freq, norm: SmallFloat.intToByte4(f.length)))
        case .prefix(let field, let prefix):
            let terms = expand(field, prefix)
            if terms.count > scoredExpansions { return constantUnion(field, terms, doc: doc, boost: boost) }
            let expanded = terms.map { QueryNode.term(field: field, term: $0) }
            return evaluate(
                .boolean(must: [], should: expanded, mustNot: []), doc: doc, parameters: parameters, boost: boost)
        case .boolean(let must, let should, let mustNot):
            var sum = 0.0
            for q in must {
                let (m, s) = evaluate(q, doc: doc, parameters: parameters, boost: boost)
                if !m { return (false, 0) }
                sum += Double(s)
            }
            for q in mustNot where evaluate(q, doc: doc, parameters: parameters, boost: boost).0 { return (false, 0) }
            var anyShould = false
            // Optional groups without a boost of their own and fuzzy words join this sum term by term (Lucene
            // flattens nested disjunctions).
            for (q, b) in flattened(should, boost: boost) {
                let parts: [Float]
                if case .fuzzy(let field, let word, let maxEdits) = q {
                    parts = fuzzyScores(field, word, maxEdits, doc: doc, parameters: parameters, boost: b)
                } else {
                    let (m, s) = evaluate(q, doc: doc, parameters: parameters, boost: b)
                    parts = m ? [s] : []
                }
                for s in parts {
                    anyShould = true
                    sum += Double(s)
                }
            }
            if must.isEmpty && !anyShould { return (false, 0) }
            return (true, Float(sum))
        }
    }

    /// Optional clauses with the unboosted pure disjunctions among them replaced by their own clauses.
    func flattened(_ should: [QueryNode], boost: Float) -> [(QueryNode, Float)] {
        should.flatMap { q -> [(QueryNode, Float)] in
            if case .boolean(let m, let inner, let n) = q, m.isEmpty, n.isEmpty {
                return flattened(inner, boost: boost)
            }
            return [(q, boost)]
        }
    }

    /// The scores of a fuzzy word's terms in a document (empty: none matches).
    func fuzzyScores(
        _ field: Int, _ word: [UInt8], _ maxEdits: Int, doc: Int, parameters: BM25Parameters, boost: Float
    ) -> [Float] {
        // Every term of the field, its distance computed with the full matrix; the 50 most similar (computed once
        // per word, not per document).
        let key = "\(field) \(maxEdits) " + String(decoding: word, as: UTF8.self)
        let chosen: [([UInt8], Float)]
        if let known = fuzzyCache.expansions[key] {
            chosen = known
        } else {
            let w = Array(String(decoding: word, as: UTF8.self).unicodeScalars.map(\.value))
            var candidates: [([UInt8], Float)] = []
            for t in docFreqs[field]!.keys {
                let ts = Array(String(decoding: t, as: UTF8.self).unicodeScalars.map(\.value))
                let d = ReferenceIndex.restrictedDamerauLevenshtein(w, ts)
                guard d <= maxEdits else { continue }
                candidates.append((t, d == 0 ? 1 : 1 - Float(d) / Float(min(ts.count, w.count))))
            }
            candidates.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.lexicographicallyPrecedes($1.0) }
            chosen = Array(candidates.prefix(50))
            fuzzyCache.expansions[key] = chosen
        }
        guard !chosen.isEmpty else { return [] }
        let df = chosen.map { docFreq(field, $0.0) }.max()!
        let f = fields[doc][field]!
        var scores: [Float] = []
        for (t, similarity) in chosen.sorted(by: { $0.0.lexicographicallyPrecedes($1.0) }) {
            let freq = f.positionsOf[t]?.count ?? 0
            guard freq > 0 else { continue }
            let bm25 = BM25Scorer(
                idf: BM25Scorer.idf(docFreq: df, docCount: docCount[field]!),
                boost: max(0, similarity) * ((boosts[field] ?? 1) * boost), stats: stats(field),
                parameters: parameters)
            scores.append(bm25.score(freq: Float(freq), norm: SmallFloat.intToByte4(f.length)))
        }
        return scores
    }

    /// Places where every term sits at its offset from the first.
    func exactPhraseCount(_ lists: [[Int]], _ offsets: [Int]) -> Int {
        var count = 0
        for p in lists[0] {
            var all = true
            for k in lists.indices where !lists[k].contains(p + offsets[k] - offsets[0]) { all = false }
            if all { count += 1 }
        }
        return count
    }

    /// Lucene's sloppy phrase frequency, written plainly from `SloppyPhraseMatcher`'s description: walkers at
    /// (position − offset), the least one moved while the spread shrinks, each spread ≤ slop adding 1 / (1 + spread),
    /// walkers of a repeated term kept off each other's positions.
    func sloppyFrequency(_ lists: [[Int]], _ offsets: [Int], _ terms: [[UInt8]], _ slop: Int) -> Float {
        let n = lists.count
        var index = [Int](repeating: 0, count: n)
        var pos = [Int](repeating: 0, count: n)
        func step(_ i: Int) -> Bool {
            guard index[i] < lists[i].count else { return false }
            pos[i] = lists[i][index[i]] - offsets[i]
            index[i] += 1
            return true
        }
        func before(_ a: Int, _ b: Int) -> Bool {
            pos[a] != pos[b] ? pos[a] < pos[b] : offsets[a] != offsets[b] ? offsets[a] < offsets[b] : a < b
        }
        for i in 0..<n where !step(i) { return 0 }
        // Repeat groups, by offset: the j-th moves on j times.
        var groupOf = [Int](repeating: -1, count: n)
        var groups: [[Int]] = []
        for t in Set(terms).sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let members = (0..<n).filter { terms[$0] == t }.sorted { offsets[$0] < offsets[$1] }
            guard members.count > 1 else { continue }
            for m in members { groupOf[m] = groups.count }
            groups.append(members)
        }
        for g in groups {
            for j in 1..<g.count {
                for _ in 0..<j where !step(g[j]) { return 0 }
            }
        }
        var end = pos.max()!
        var queued = Set(0..<n)
        func top() -> Int { queued.min { before($0, $1) }! }
        func advance(_ i: Int) -> Bool {
            guard step(i) else { return false }
            end = max(end, pos[i])
            guard groupOf[i] >= 0 else { return true }
            var w = i
            while let o = groups[groupOf[i]].first(where: { $0 != w && pos[$0] + offsets[$0] == pos[w] + offsets[w] }) {
                w = pos[w] < pos[o] || (pos[w] == pos[o] && offsets[w] < offsets[o]) ? w : o
                guard step(w) else { return false }
                end = max(end, pos[w])
            }
            return true
        }
        var freq: Float = 0
        var running = true
        while running {
            var pp = top()
            queued.remove(pp)
            var matchLength = end - pos[pp]
            var next = pos[top()]
            var found = false
            while advance(pp) {
                if pos[pp] > next {
                    queued.insert(pp)
                    if matchLength <= slop {
                        found = true
                        break
                    }
                    pp = top()
                    queued.remove(pp)
                    next = pos[top()]
                    matchLength = end - pos[pp]
                } else {
                    matchLength = min(matchLength, end - pos[pp])
                }
            }
            if !found {
                running = false
                if matchLength > slop { break }
            }
            freq += 1 / (1 + Float(matchLength))
        }
        return freq
    }

    /// Does the document satisfy a structured clause: by looking at its values.
    func matches(_ q: StructuredQuery, doc: Int) -> Bool {
        let mine = values[doc][q.field] ?? []
        switch q.kind {
        case .all: return true
        case .exists:
            if let text = fields[doc][q.field] { return text.length > 0 }
            return !mine.isEmpty
        case .keyword(let bytes):
            return mine.contains { if case .string(let s) = $0 { return Array(s.utf8) == bytes } else { return false } }
        case .range(let r):
            return mine.contains { $0.sortableInt64.map(r.contains) ?? false }
        }
    }

    /// Top k (score descending, then document order) and the total number of matches.
    func search(
        _ query: String, k: Int, parameters: BM25Parameters = BM25Parameters()
    ) throws -> ([(String, Float)], Int) {
        let parsed = try QueryParser().parse(query)
        let node = try QueryRewriter(analyzer: analyzer).rewrite(parsed)
        var scored: [(Int, Float)] = []
        for d in documents.indices {
            let (m, s) = evaluate(node, doc: d, parameters: parameters)
            if m { scored.append((d, s)) }
        }
        scored.sort { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        return (scored.prefix(k).map { (documents[$0.0].id, $0.1) }, scored.count)
    }
}

/// Random documents and queries over a small vocabulary, so that terms repeat, phrases occur and postings lists
/// cross block boundaries.
struct RandomCorpus {
    static let vocabulary = [
        "steppe", "saiga", "horse", "river", "mountain", "city", "law", "right", "decree", "court", "oil", "gas",
        "trade", "union", "press", "vote", "party", "reform", "prison", "border", "lake", "desert", "wolf", "eagle",
        "bread", "tea", "song", "school", "road", "bridge", "north", "south",
    ]
    static let absent = ["zebra", "volcano", "penguin"]

    static func word(_ rng: inout SeededRandom) -> String {
        // Zipf-like: low indexes much more frequent.
        let r = Double.random(in: 0..<1, using: &rng)
        let i = Int(Double(vocabulary.count) * r * r * r)
        return vocabulary[min(i, vocabulary.count - 1)]
    }

    static func documents(count: Int, rng: inout SeededRandom) -> [Document] {
        (0..<count).map { i in
            let titleLength = Int.random(in: 0...6, using: &rng)
            let bodyLength = Int.random(in: 0...(i % 7 == 0 ? 200 : 40), using: &rng)
            var body: [String] = []
            for _ in 0..<bodyLength {
                body.append(word(&rng))
                if Int.random(in: 0..<10, using: &rng) == 0 { body.append(body.last!) }  // tf > 1 and repeats
            }
            let title = (0..<titleLength).map { _ in word(&rng) }.joined(separator: " ")
            return Document(id: "doc\(i)", title: title.capitalized, body: body.joined(separator: " "))
        }
    }

    static func query(_ rng: inout SeededRandom, depth: Int = 0) -> String {
        func leaf() -> String {
            let w = Int.random(in: 0..<20, using: &rng) == 0 ? absent.randomElement(using: &rng)! : word(&rng)
            let boosts = ["", "", "", "", "", "^2", "^0.5", "^3.7"]
            let boost = boosts[Int.random(in: 0..<boosts.count, using: &rng)]
            func typo(_ w: String) -> String {
                var c = Array(w)
                let i = Int.random(in: 0..<c.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: c[i] = "x"
                case 1: c.remove(at: i)
                default: if i + 1 < c.count { c.swapAt(i, i + 1) } else { c.append("s") }
                }
                return String(c)
            }
            let regexes = ["\(w.prefix(2)).*", "[a-m]+e", "(s|r|l)[aeiou].{1,4}", "\(w)?s?"]
            switch Int.random(in: 0..<17, using: &rng) {
            case 8:  // a wildcard: one character unknown, a star inside, or a leading star
                var c = Array(w)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: c[Int.random(in: 0..<c.count, using: &rng)] = "?"
                case 1: c.insert("*", at: Int.random(in: 1..<c.count, using: &rng))
                default: c = ["*"] + c.suffix(Int.random(in: 1...3, using: &rng))
                }
                return String(c) + boost
            case 9: return "/" + regexes[Int.random(in: 0..<4, using: &rng)] + "/" + boost
            case 10: return typo(w) + ["~", "~1", "~2"][Int.random(in: 0..<3, using: &rng)] + boost
            case 11: return "title:" + typo(w) + "~1"
            case 0: return "\"\(w) \(word(&rng))\"" + boost
            case 1: return "\"\(word(&rng)) \(word(&rng)) \(word(&rng))\"" + boost
            case 2: return String(w.prefix(Int.random(in: 1...3, using: &rng))) + "*" + boost
            case 3: return "title:" + w + boost
            case 4: return "body:\"\(w) \(word(&rng))\"~\(Int.random(in: 0...3, using: &rng))"
            // Sloppy phrases, with repeated terms now and then.
            case 5: return "\"\(w) \(word(&rng))\"~\(Int.random(in: 1...4, using: &rng))" + boost
            case 6: return "\"\(w) \(word(&rng)) \(w)\"~\(Int.random(in: 1...6, using: &rng))"
            case 7: return "\"\(word(&rng)) \(word(&rng)) \(word(&rng))\"~\(Int.random(in: 1...5, using: &rng))"
            default: return w + boost
            }
        }
        let n = Int.random(in: 1...4, using: &rng)
        var parts: [String] = []
        for i in 0..<n {
            var p =
                depth < 2 && Int.random(in: 0..<6, using: &rng) == 0
                ? "(" + query(&rng, depth: depth + 1) + ")" + (Bool.random(using: &rng) ? "^1.5" : "") : leaf()
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: p = "+" + p
            case 1 where n > 1: p = "-" + p
            default: break
            }
            if i > 0 {
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: parts.append("AND")
                case 1: parts.append("OR")
                case 2 where n > 1: parts.append("AND NOT")
                default: break
                }
            }
            parts.append(p)
        }
        return parts.joined(separator: " ")
    }
}

/// Builds an index of `documents` at `path`, flushing a segment after the documents at `flushAfter` positions.
func buildIndex(
    _ documents: [Document], at path: String, flushAfter: Set<Int> = [],
    options: IndexWriterOptions = IndexWriterOptions()
) throws {
    let writer = try IndexWriter(path: path, options: options)
    for (i, d) in documents.enumerated() {
        try writer.add(d)
        if flushAfter.contains(i) { try writer.flush() }
    }
    try writer.commit()
    writer.close()
}
