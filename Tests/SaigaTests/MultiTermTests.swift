import Foundation
import Testing

@testable import Saiga

/// Wildcards, regular expressions and fuzzy words: the automata against independent implementations
/// (Foundation's ICU regular expressions, the full edit-distance matrix), the dictionary walk against a scan of
/// every term, and the queries end to end.
@Suite struct MultiTermTests {
    /// The scalars a matcher accepts, stepping through them.
    func run<M: TermMatcher>(_ m: M, _ s: String) -> M.State? {
        var state = m.start
        for c in s.unicodeScalars {
            guard let next = m.step(state, c.value) else { return nil }
            state = next
        }
        return state
    }

    @Test func regularExpressionsMatchAsICUDoes() throws {
        var rng = SeededRandom(seed: 77)
        let alphabet: [Character] = ["a", "b", "c", "ә", "é"]
        let patterns = [
            "a.c", "a*", "(ab|c)+", "[a-c]{2,3}", "[^a]b?", "ә+é*", "(a|b)*c", "a{0,2}b{1,}", ".*ab.*", "[abc]+ә",
            "((a|b)c)*", "a\\.b", "[é-ә]*", "(a|)b", "c{3}",
        ]
        var strings: [String] = ["", "a", "ab", "abc", "a.b", "ccc"]
        for _ in 0..<300 {
            strings.append(
                String((0..<Int.random(in: 0...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }))
        }
        for p in patterns {
            let matcher = try AutomatonMatcher(try TermPattern.regex(p), source: p)
            let icu = try NSRegularExpression(pattern: "^(?:" + p + ")$")
            for s in strings {
                let expected = icu.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
                let got = run(matcher, s).map { matcher.accepts($0) } ?? false
                #expect(got == expected, "/\(p)/ on '\(s)'")
            }
        }
        // Malformed expressions are errors that say where.
        for (p, words) in [
            ("(ab", "unclosed group"), ("[ab", "unclosed character class"), ("*a", "must follow"),
            ("a{3,1}", "reversed"), ("a{2", "unclosed repetition"), ("a{999}", "limited"), ("ab)", "unexpected ')'"),
        ] {
            #expect {
                _ = try TermPattern.regex(p)
            } throws: { e in
                (e as? SaigaError)?.message.contains(words) ?? false
            }
        }
        // A pattern too large to compile is refused, not run.
        #expect(throws: SaigaError.self) {
            _ = try AutomatonMatcher(try TermPattern.regex("(((a{200}){200}){200})"), source: "big")
        }
    }

    @Test func wildcardsMatchWithinOneWord() throws {
        let fold: (String) -> String? = { run in
            let t = Analyzer(options: AnalyzerOptions(stemming: false)).terms(run)
            return t.count == 1 ? t[0] : nil
        }
        let cases: [(String, String, Bool)] = [
            ("te?t", "test", true), ("te?t", "tet", false), ("*stan", "kazakhstan", true), ("*stan", "stan", true),
            ("k*z*", "kazakh", true), ("k*z*", "kaspi", false), ("T?ST", "test", true),
            ("?", "я", true), ("Қаз*", "қазақстан", true),
        ]
        for (pattern, term, expected) in cases {
            let m = try AutomatonMatcher(try TermPattern.wildcard(pattern, fold: fold), source: pattern)
            #expect((run(m, term).map { m.accepts($0) } ?? false) == expected, "\(pattern) on \(term)")
        }
        // A literal the analyzer splits words at can never be inside a term: an error, not silence.
        #expect(throws: SaigaError.self) { _ = try TermPattern.wildcard("oil-gas*", fold: fold) }
        #expect(throws: SaigaError.self) { _ = try TermPattern.wildcard("a\\?b*", fold: fold) }
        #expect(throws: SaigaError.self) { _ = try TermPattern.wildcard("\\?*", fold: fold) }
    }

    @Test func fuzzyDistancesMatchTheFullMatrix() {
        var rng = SeededRandom(seed: 5)
        let alphabet: [UInt32] = [0x61, 0x62, 0x63, 0x64, 0x4D9, 0x451]
        for _ in 0..<3000 {
            let w = (0..<Int.random(in: 1...7, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let t = (0..<Int.random(in: 0...8, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let d = ReferenceIndex.restrictedDamerauLevenshtein(w, t)
            for k in 0...2 {
                let m = LevenshteinMatcher(word: w, maxEdits: k)
                var state: LevenshteinMatcher.State? = m.start
                for c in t { state = state.flatMap { m.step($0, c) } }
                let accepted = state.map { m.accepts($0) } ?? false
                #expect(accepted == (d <= k), "\(w) \(t) k \(k): distance \(d)")
                if accepted, let state { #expect(m.distance(state) == d) }
            }
            // A required prefix: the first two characters must be the word's.
            let p = LevenshteinMatcher(word: w, maxEdits: 2, prefixLength: 2)
            var state: LevenshteinMatcher.State? = p.start
            for c in t { state = state.flatMap { p.step($0, c) } }
            let keepsPrefix = t.count >= min(2, w.count) && Array(t.prefix(min(2, w.count))) == Array(w.prefix(2))
            let suffixDistance = ReferenceIndex.restrictedDamerauLevenshtein(
                Array(w.dropFirst(min(2, w.count))), Array(t.dropFirst(min(2, w.count))))
            #expect(
                (state.map { p.accepts($0) } ?? false) == (keepsPrefix && suffixDistance <= 2), "\(w) \(t) prefix")
        }
    }

    /// The compiled DFA answers as the row automaton it compiles, on the same words and terms, one DFA per word
    /// reused across many terms (so that cached transitions are exercised), prefixes required or not.
    @Test func theCompiledDFAEqualsTheRowAutomaton() {
        var rng = SeededRandom(seed: 8)
        let alphabet: [UInt32] = [0x61, 0x62, 0x63, 0x64, 0x65, 0x4D9, 0x451, 0x1F600]
        for _ in 0..<300 {
            let w = (0..<Int.random(in: 1...9, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            for k in 0...2 {
                for prefix in [0, 1, 3] {
                    let rows = LevenshteinMatcher(word: w, maxEdits: k, prefixLength: prefix)
                    let dfa = LevenshteinDFA(word: w, maxEdits: k, prefixLength: prefix)
                    for _ in 0..<40 {
                        let t = (0..<Int.random(in: 0...11, using: &rng)).map { _ in
                            // Characters outside the word's alphabet too ("z", U+0436).
                            Int.random(in: 0..<5, using: &rng) == 0
                                ? [0x7A, 0x436].randomElement(using: &rng)! : alphabet.randomElement(using: &rng)!
                        }
                        var a: LevenshteinMatcher.State? = rows.start
                        var b: Int? = dfa.start
                        for c in t {
                            a = a.flatMap { rows.step($0, c) }
                            b = b.flatMap { dfa.step($0, c) }
                            #expect((a == nil) == (b == nil), "\(w) \(t) k \(k) prefix \(prefix)")
                            if let a, let b {
                                #expect(rows.nextLiveScalar(a, after: c) == dfa.nextLiveScalar(b, after: c))
                            }
                        }
                        if let a, let b {
                            #expect(rows.accepts(a) == dfa.accepts(b), "\(w) \(t) k \(k) prefix \(prefix)")
                            if rows.accepts(a) { #expect(rows.distance(a) == dfa.distance(b)) }
                        }
                    }
                }
            }
        }
    }

    /// Counts the characters a matcher is stepped over.
    final class Counter: @unchecked Sendable { var steps = 0 }
    struct CountingMatcher<M: TermMatcher>: TermMatcher {
        let inner: M
        let counter: Counter
        var start: M.State { inner.start }
        func step(_ s: M.State, _ c: UInt32) -> M.State? {
            counter.steps += 1
            return inner.step(s, c)
        }
        func accepts(_ s: M.State) -> Bool { inner.accepts(s) }
    }

    /// Each regular expression's dictionary walk over the body's terms finds exactly the `words` (the body's terms,
    /// in byte order) that ICU matches whole.
    static func expectRegexWalksMatchICU(
        _ patterns: [String], _ terms: TermDictionary, _ words: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        for p in patterns {
            let m = try AutomatonMatcher(try TermPattern.regex(p), source: p)
            var found: [String] = []
            try terms.intersect(field: UInt8(BuiltinFields.bodyField), m) { t, _, _ in
                found.append(String(decoding: t, as: UTF8.self))
                return true
            }
            let icu = try NSRegularExpression(pattern: "^(?:" + p + ")$")
            #expect(
                found == words.filter { icu.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil },
                "/\(p)/", sourceLocation: sourceLocation)
        }
    }

    /// An index without stemming whose body terms are `words` (documents of 40 words each), in one segment.
    static func unstemmedIndex(of words: [String], at path: String) throws -> IndexReader {
        var docs: [Document] = []
        for i in stride(from: 0, to: words.count, by: 40) {
            docs.append(
                Document(id: "d\(i)", title: "", body: words[i..<min(i + 40, words.count)].joined(separator: " ")))
        }
        var options = IndexWriterOptions()
        options.analyzer = AnalyzerOptions(stemming: false)
        try buildIndex(docs, at: path, options: options)
        return try IndexReader(path: path)
    }

    @Test func theDictionaryWalkSkipsWhatCannotMatch() throws {
        var rng = SeededRandom(seed: 99)
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        var words = Set<String>()
        while words.count < 20_000 {
            words.insert(
                String((0..<Int.random(in: 3...10, using: &rng)).map { _ in letters.randomElement(using: &rng)! }))
        }
        let sorted = words.sorted()
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let reader = try Self.unstemmedIndex(of: sorted, at: dir.path)
        let terms = reader.segments[0].terms
        let totalCharacters = sorted.reduce(0) { $0 + $1.count }
        for probe in ["steppe", "qwerty", "abc", sorted[777], sorted[12_345]] {
            let w = probe.unicodeScalars.map(\.value)
            for k in 1...2 {
                let counter = Counter()
                let m = CountingMatcher(inner: LevenshteinMatcher(word: w, maxEdits: k), counter: counter)
                var found: [String] = []
                try terms.intersect(field: UInt8(BuiltinFields.bodyField), m) { t, _, _ in
                    found.append(String(decoding: t, as: UTF8.self))
                    return true
                }
                let expected = sorted.filter {
                    ReferenceIndex.restrictedDamerauLevenshtein(w, $0.unicodeScalars.map(\.value)) <= k
                }
                #expect(found == expected, "\(probe)~\(k)")
                // Dead prefixes are passed over: far fewer characters are looked at than the dictionary holds.
                #expect(counter.steps * 4 < totalCharacters, "\(probe)~\(k): \(counter.steps) of \(totalCharacters)")
            }
        }
        // A regular expression and a wildcard walk the same way, and agree with a scan.
        try Self.expectRegexWalksMatchICU(["ab.*", "[xyz]q.?", "(mo|na)r[a-e]+", ".*zz"], terms, sorted)
    }

    /// A fuzzy word keeps the 50 most similar terms; once they are found, the walk narrows to fewer edits (Lucene's
    /// `FuzzyTermsEnum`). The terms kept, their similarity and every segment's metadata equal an exhaustive walk's,
    /// on a dictionary dense enough that the queue fills early, over three segments, with and without a prefix.
    @Test func narrowingFuzzyWalksKeepWhatAnExhaustiveWalkKeeps() throws {
        var rng = SeededRandom(seed: 21)
        let letters = Array("abcdeéмн")
        var words = Set<String>()
        while words.count < 4_000 {
            words.insert(
                String((0..<Int.random(in: 2...6, using: &rng)).map { _ in letters.randomElement(using: &rng)! }))
        }
        let shuffled = words.sorted().shuffled(using: &rng)
        var docs: [Document] = []
        for i in stride(from: 0, to: shuffled.count, by: 25) {
            docs.append(
                Document(
                    id: "d\(i)", title: "", body: shuffled[i..<min(i + 25, shuffled.count)].joined(separator: " ")))
        }
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        var options = IndexWriterOptions()
        options.analyzer = AnalyzerOptions(stemming: false)
        try buildIndex(docs, at: dir.path, flushAfter: [50, 110], options: options)
        let reader = try IndexReader(path: dir.path)
        #expect(reader.segments.count == 3)
        var narrowed = 0
        for prefix in [0, 1] {
            var executor = QueryExecutor(
                segments: reader.segments, docBases: reader.docBases, fieldStats: reader.fieldStats)
            executor.fuzzyPrefixLength = prefix
            for probe in ["abc", "abcde", "мнab", "éa", "ddddd", "a", "bé", "cadeб", "eeee"] {
                let w = probe.unicodeScalars.map(\.value)
                for k in 1...2 {
                    let got = try executor.fuzzyExpansions(
                        field: BuiltinFields.bodyField, word: Array(probe.utf8), maxEdits: k)
                    // Exhaustive: every term within k edits in every segment, the 50 most similar (ties: smaller).
                    let matcher = LevenshteinDFA(word: w, maxEdits: k, prefixLength: prefix)
                    var all: [[UInt8]: (similarity: Float, metas: [TermMeta?])] = [:]
                    for (s, seg) in reader.segments.enumerated() {
                        try seg.terms.intersect(field: UInt8(BuiltinFields.bodyField), matcher) { t, meta, state in
                            let term = Array(t)
                            let length = String(decoding: term, as: UTF8.self).unicodeScalars.count
                            let d = matcher.distance(state)
                            let similarity: Float = d == 0 ? 1 : 1 - Float(d) / Float(min(length, w.count))
                            var entry = all[term] ?? (similarity, [TermMeta?](repeating: nil, count: 3))
                            entry.metas[s] = meta
                            all[term] = entry
                            return true
                        }
                    }
                    let expected = all.sorted { a, b in
                        a.value.similarity != b.value.similarity
                            ? a.value.similarity > b.value.similarity : a.key.lexicographicallyPrecedes(b.key)
                    }.prefix(QueryExecutor.maxFuzzyExpansions).sorted { $0.key.lexicographicallyPrecedes($1.key) }
                    #expect(got.map(\.term) == expected.map(\.key), "\(probe)~\(k) prefix \(prefix)")
                    #expect(got.map(\.similarity) == expected.map(\.value.similarity), "\(probe)~\(k)")
                    #expect(got.map(\.metas) == expected.map(\.value.metas), "\(probe)~\(k)")
                    if all.count > QueryExecutor.maxFuzzyExpansions { narrowed += 1 }
                }
            }
        }
        #expect(narrowed >= 10)  // most probes have more candidates than the queue holds
    }

    /// The walk over letters of two and three UTF-8 bytes, whose encodings share leading bytes (м and н are D0 BC and
    /// D0 BD): seeks land on the first key that can match, never past it. Fuzzy words and regular expressions find
    /// exactly what a scan of every term finds.
    @Test func theDictionaryWalkOverMultiByteLetters() throws {
        var rng = SeededRandom(seed: 14)
        let letters = Array("мнопрстеёжзийклфхцчшщъыьэюяабвгдәғқңөұүһіaz€")
        var words = Set<String>()
        while words.count < 6_000 {
            words.insert(
                String((0..<Int.random(in: 2...7, using: &rng)).map { _ in letters.randomElement(using: &rng)! }))
        }
        let sorted = words.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let reader = try Self.unstemmedIndex(of: sorted, at: dir.path)
        let terms = reader.segments[0].terms
        // The indexed words as the analysis folds them (ё is е): the dictionary's terms, in byte order.
        let indexed = Array(Set(sorted.flatMap { reader.analyze($0) })).sorted {
            Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8))
        }
        var probes = ["нефть", "мои", "қазақ", "ожидан", "€мн", "az"]
        for _ in 0..<30 { probes.append(indexed.randomElement(using: &rng)!) }
        var matched = 0
        for probe in probes {
            let w = probe.unicodeScalars.map(\.value)
            for k in 1...2 {
                var found: [String] = []
                try terms.intersect(field: UInt8(BuiltinFields.bodyField), LevenshteinDFA(word: w, maxEdits: k)) {
                    t, _, _ in
                    found.append(String(decoding: t, as: UTF8.self))
                    return true
                }
                let expected = indexed.filter {
                    ReferenceIndex.restrictedDamerauLevenshtein(w, $0.unicodeScalars.map(\.value)) <= k
                }
                #expect(found == expected, "\(probe)~\(k)")
                matched += found.count
            }
        }
        #expect(matched > 100)
        try Self.expectRegexWalksMatchICU(["н.*", "[мн]о.?", "(қа|ша)[а-я]+", ".*ь", "[ә-ө].*", "€.*"], terms, indexed)
    }

    /// `*stan` and `*stan*` test each term's bytes instead of running their automaton (`LiteralPattern`): the same
    /// terms, in the same order, over terms and surface forms, ASCII or not, in every segment.
    @Test func literalWildcardsScanAsTheirAutomatonWalks() throws {
        var rng = SeededRandom(seed: 7)
        let letters = Array("abcdestnaéüқңәөі")
        let docs = (0..<300).map { i in
            Document(
                id: "d\(i)", title: "",
                body: (0..<12).map { _ in
                    String((0..<Int.random(in: 1...9, using: &rng)).map { _ in letters.randomElement(using: &rng)! })
                        + ["", "s", "ing", "ed"].randomElement(using: &rng)!
                }.joined(separator: " "))
        }
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(docs, at: dir.path, flushAfter: [150])
        let reader = try IndexReader(path: dir.path)
        #expect(reader.segments.count == 2)
        let fold = { (s: String) -> String? in s.lowercased() }
        var nonEmpty = 0
        for source in ["*s", "*ing", "*an", "*a*", "*қа*", "*әө", "*é*", "*st*", "*nin", "*ed*", "*zzz", "*zzz*"] {
            let pattern = try TermPattern.wildcard(source, fold: fold)
            let literal = try #require(LiteralPattern(pattern), "\(source)")
            let automaton = try AutomatonMatcher(pattern, source: source)
            for segment in reader.segments {
                for surface in [false, true] {
                    var scanned: [[UInt8]] = []
                    var walked: [[UInt8]] = []
                    try segment.terms.scan(
                        field: UInt8(BuiltinFields.bodyField), surfaceForms: surface, literal
                    ) { t, _ in
                        scanned.append(Array(t))
                        return true
                    }
                    try segment.terms.intersect(
                        field: UInt8(BuiltinFields.bodyField), surfaceForms: surface, automaton
                    ) { t, _, _ in
                        walked.append(Array(t))
                        return true
                    }
                    #expect(scanned == walked, "\(source) surface forms: \(surface)")
                    if !scanned.isEmpty { nonEmpty += 1 }
                }
            }
        }
        #expect(nonEmpty >= 20)  // of 48 walks: most patterns match in both segments, terms and surface forms
        // Every other shape runs the automaton.
        for source in ["a*", "*", "**", "*a?b", "*a*b", "?ab", "*a*b*"] {
            #expect(LiteralPattern(try TermPattern.wildcard(source, fold: fold)) == nil, "\(source)")
        }
    }

    @Test func queriesEndToEnd() throws {
        let docs = [
            Document(id: "kz", title: "Kazakhstan", body: "Kazakhstan is the largest country of Central Asia."),
            Document(id: "uz", title: "Uzbekistan", body: "Uzbekistan lies south of Kazakhstan."),
            Document(id: "typo", title: "Kazakstan", body: "Kazakstan, spelled without the h."),
            Document(id: "test", title: "Tests", body: "a test and a text"),
        ]
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(docs, at: dir.path)
        let reader = try IndexReader(path: dir.path)
        func ids(_ q: String) throws -> Set<String> { Set(try reader.search(q).hits.map(\.id)) }
        #expect(try ids("kazakstan") == ["typo"])
        #expect(try ids("kazakstan~1") == ["kz", "uz", "typo"])
        #expect(try ids("kazakhstan~") == ["kz", "uz", "typo"])
        #expect(try ids("title:kazakstan~1") == ["kz", "typo"])
        #expect(try ids("*stan") == ["kz", "uz", "typo"])
        #expect(try ids("te?t") == ["test"])
        #expect(try ids("/ka[sz]akh?stan/") == ["kz", "uz", "typo"])
        #expect(try ids("/uzbek.*/") == ["uz"])
        #expect(try ids("NOT kazakhstan") == ["typo", "test"])
        // The exact spelling ranks first: its similarity is 1, a corrected one's less.
        #expect(try reader.search("kazakstan~1").hits.first?.id == "typo")
        // The terms a fuzzy word or a pattern expanded to are marked in snippets.
        func snippet(_ q: String, _ id: String) throws -> String {
            try reader.search(q).hits.first { $0.id == id }?.snippet ?? ""
        }
        #expect(try snippet("kazakstan~1", "kz").contains("<b>Kazakhstan</b>"))
        #expect(try snippet("*stan", "uz").contains("<b>Uzbekistan</b>"))
        #expect(try snippet("/uzbek.*/", "uz").contains("<b>Uzbekistan</b>"))
        // Errors name what is wrong.
        #expect(throws: SaigaError.self) { try reader.search("/ka[z/") }
        #expect(throws: SaigaError.self) { try reader.search("oil~3") }
    }
}

/// "Did you mean": a better-known spelling of the query's words, for searches that find few matches.
@Suite struct DidYouMeanTests {
    @Test func aMisspelledQueryGetsACorrection() throws {
        var docs: [Document] = []
        for i in 0..<20 {
            docs.append(
                Document(id: "k\(i)", title: "Kazakhstan", body: "The government of Kazakhstan and its decrees."))
        }
        docs.append(Document(id: "typo", title: "Kazakstan", body: "Kazakstan, spelled without the h."))
        docs.append(Document(id: "other", title: "Tea", body: "A steppe tea ceremony."))
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(docs, at: dir.path)
        let reader = try IndexReader(path: dir.path)
        // A rare spelling: the common one is suggested; its ending kept (`goverment` → `government`).
        #expect(try reader.search("kazakstan").didYouMean == "kazakhstan")
        #expect(try reader.search("goverment").didYouMean == "government")
        #expect(try reader.search("+goverment decrees").didYouMean == "+government decrees")
        // Syntax is left as typed; only plain words change.
        #expect(try reader.search("title:kazakstan OR goverment").didYouMean == "title:kazakstan OR government")
        // Enough matches, a word too short for a typo, nothing better known, or the option off: no suggestion.
        #expect(try reader.search("kazakhstan").didYouMean == nil)
        #expect(try reader.search("teaa").didYouMean == nil)
        #expect(try reader.search("volcano").didYouMean == nil)
        var off = SearchOptions()
        off.didYouMean = false
        #expect(try reader.search("kazakstan", options: off).didYouMean == nil)
    }

    /// With surface forms, corrections are words as written, never bare stems, and a correctly spelled rare word
    /// is not "corrected" to a frequent stem one edit away (`running`, stem `run`, is not `unning`, stem `un`).
    @Test func correctionsAreWords() throws {
        var docs: [Document] = []
        for i in 0..<12 {
            docs.append(Document(id: "e\(i)", title: "Economy", body: "The economy and the economies of the UN."))
        }
        docs.append(Document(id: "r", title: "Running", body: "Running on the steppe."))
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(docs, at: dir.path)
        let reader = try IndexReader(path: dir.path)
        // The term of "economy" is the stem economi, which no document spells.
        #expect(try reader.search("econmy").didYouMean == "economy")
        #expect(try reader.search("economyy").didYouMean == "economy")
        #expect(try reader.search("running").didYouMean == nil)
    }
}

/// `SearchOptions.fuzzyPrefixLength`: the first characters of a fuzzy word match as typed.
@Suite struct FuzzyPrefixTests {
    @Test func thePrefixIsNotEdited() throws {
        let docs = [
            Document(id: "s", body: "saiga"), Document(id: "t", body: "taiga"), Document(id: "g", body: "saigas"),
            Document(id: "l", body: "salga"),
        ]
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(docs, at: dir.path, options: IndexWriterOptions(analyzer: AnalyzerOptions(stemming: false)))
        let reader = try IndexReader(path: dir.path)
        func ids(_ q: String, prefix: Int, typos: TypoTolerance = .off) throws -> [String] {
            var o = SearchOptions(snippets: false)
            o.fuzzyPrefixLength = prefix
            o.typos = typos
            return try reader.search(q, options: o).hits.map(\.id).sorted()
        }
        #expect(try ids("saiga~1", prefix: 0) == ["g", "l", "s", "t"])
        #expect(try ids("saiga~1", prefix: 1) == ["g", "l", "s"])
        #expect(try ids("saiga~1", prefix: 3) == ["g", "s"])
        #expect(try ids("saiga~1", prefix: 40) == ["g", "s"])  // the whole word kept; an ending may follow
        #expect(try ids("saiga", prefix: 1, typos: .auto) == ["g", "l", "s"])
        var bad = SearchOptions()
        bad.fuzzyPrefixLength = -1
        #expect(throws: SaigaError.self) { try reader.search("saiga~1", options: bad) }
    }
}

/// Typo tolerance: words of 5+ characters match one typo away (9+: two), exact matches first.
@Suite struct TypoToleranceTests {
    @Test func exactMatchesRankFirstThenCorrections() throws {
        var docs: [Document] = []
        // Documents that only a correction finds, with many occurrences (a high BM25 score)...
        for i in 0..<5 {
            docs.append(Document(id: "typo\(i)", title: "", body: "kazakstan kazakstan kazakstan saiga"))
        }
        // ...and documents with the exact word once.
        for i in 0..<3 { docs.append(Document(id: "exact\(i)", title: "", body: "kazakhstan and other words here")) }
        docs.append(Document(id: "none", title: "", body: "steppe"))
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(docs, at: dir.path)
        let reader = try IndexReader(path: dir.path)
        var options = SearchOptions(k: 10, snippets: false)
        #expect(try reader.search("kazakhstan", options: options).hits.map(\.id) == ["exact0", "exact1", "exact2"])
        options.typos = .auto
        let r = try reader.search("kazakhstan", options: options)
        #expect(r.hits.map(\.id).prefix(3) == ["exact0", "exact1", "exact2"])
        #expect(Set(r.hits.map(\.id).dropFirst(3)) == Set((0..<5).map { "typo\($0)" }))
        #expect(r.total == 8)
        // Pages cut across the two tiers.
        var page = options
        page.k = 2
        page.offset = 2
        #expect(try reader.search("kazakhstan", options: page).hits.map(\.id).first == "exact2")
        // The search box path, and short words stay exact.
        #expect(try reader.search(words: "kazakhstan", options: options).total == 8)
        #expect(try reader.search("saigaa", options: options).total == 5)
        #expect(try reader.search("stepe", options: options).total == 1)
        #expect(try reader.search("step", options: options).total == 0)
    }
}
