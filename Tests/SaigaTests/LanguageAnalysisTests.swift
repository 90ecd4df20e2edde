import Foundation
import Testing

@testable import Saiga

/// The Russian and Kazakh analysis (issue 14): the Kazakh stemmer against its reference, the conflation figures of
/// the Hunspell paradigms as floors, folding per script, Kazakh in Latin letters, and the choice of stemmer per word.
@Suite struct LanguageAnalysisTests {
    static func resource(_ path: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Resources", withExtension: nil))
            .appendingPathComponent(path)
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func lines(_ path: String) throws -> [String] {
        try resource(path).split(separator: "\n").map(String.init)
    }

    static func kazakhStem(_ word: String) -> String {
        var bytes = Array(word.utf8)
        let count = bytes.count
        let n = bytes.withUnsafeMutableBufferPointer { KazakhStemmer.stem($0.baseAddress!, count: count) }
        return String(decoding: bytes[0..<n], as: UTF8.self)
    }

    static func analyzer(_ language: Schema.TextLanguage, stopWords: Bool = false) -> Analyzer {
        Analyzer(options: AnalyzerOptions(stopWords: stopWords), language: language)
    }

    // MARK: - Kazakh stemmer

    /// 10,000 forms of the Kazakh paradigms (a seeded sample) with the stems of the rules' prototype
    /// (`Tools/kazakh/kkstem.py`, an independent implementation in Python), line for line.
    @Test func kazakhReferenceVocabulary() throws {
        let words = try Self.lines("kazakh-stems/voc.txt")
        let expected = try Self.lines("kazakh-stems/output.txt")
        #expect(words.count == 9_999)
        try #require(words.count == expected.count)
        var mismatches: [String] = []
        for (word, stem) in zip(words, expected) where Self.kazakhStem(word) != stem {
            mismatches.append("\(word): \(Self.kazakhStem(word)), expected \(stem)")
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, e.g. \(mismatches.prefix(20))")
    }

    /// The grammar the rules follow, one example each (docs/ANALYSIS.md).
    @Test(arguments: [
        ("қазақстанның", "қазақстан"),  // genitive
        ("қазақстанға", "қазақстан"),  // dative
        ("балалардың", "бала"),  // plural + genitive
        ("қаласында", "қала"),  // possessive 3 + locative after it
        ("қалалардағы", "қала"),  // plural + attributive locative
        ("тілегім", "тілек"),  // possessive 1sg, г → к
        ("тілек", "тілек"),
        ("кітабымен", "кітап"),  // possessive + instrumental, б → п
        ("келді", "кел"),  // past
        ("барамын", "бар"),  // present 1sg
        ("студентпіз", "студент"),  // predicate 1pl, front variant after a voiceless consonant
        ("алматыда", "алмат"),
        ("алматы", "алмат"),  // final ы after a consonant
        ("мектептерде", "мектеп"),  // т-plural after a voiceless consonant
        ("өзбекстанға", "өзбекстан"),  // -стан is no ablative
        ("мектептен", "мектеп"),  // ablative
        ("үй", "үй"),  // too short to strip
        ("ақ", "ақ"),
    ])
    func kazakhGrammar(_ word: String, _ stem: String) {
        #expect(Self.kazakhStem(word) == stem)
    }

    /// Stems never lose more than the minimum allows, and words with other letters stay as they are.
    @Test func kazakhStemsKeepThreeLettersAndAVowel() throws {
        for line in try Self.lines("paradigms/kk.tsv").prefix(500) {
            for form in line.split(separator: "\t").map(String.init) {
                let stem = Self.kazakhStem(form)
                if stem != form {
                    #expect(stem.count >= KazakhStemmer.minimumStem, "\(form) → \(stem)")
                    #expect(stem.contains { "аәеёиоөуұүыіэюя".contains($0) }, "\(form) → \(stem)")
                }
            }
        }
        for unchanged in ["kazakhstan", "алматы1", "", "алматыda", "ж"] {
            #expect(Self.kazakhStem(unchanged) == unchanged, "\(unchanged)")
        }
    }

    // MARK: - Conflation (../shared/testdata/paradigms, copied into the resources)

    /// conflation-eval's figures: recall is the mean share of a paradigm's forms that reach its most common term;
    /// merged the share of paradigms whose main term is another paradigm's main term. A form that gives no term or
    /// several counts as its own.
    static func conflation(_ file: String, _ analyzer: Analyzer) throws -> (recall: Double, merged: Double) {
        var recall = 0.0
        var mains: [String] = []
        for line in try lines(file) {
            let forms = line.split(separator: "\t").map(String.init)
            var counts: [String: Int] = [:]
            for form in forms {
                let terms = analyzer.terms(form)
                counts[terms.count == 1 ? terms[0] : "\u{0}" + form, default: 0] += 1
            }
            // The most common term; ties go to the one first in the line, as Python's Counter does.
            var best = ("", 0)
            var seen = Set<String>()
            for form in forms {
                let terms = analyzer.terms(form)
                let term = terms.count == 1 ? terms[0] : "\u{0}" + form
                if seen.insert(term).inserted, counts[term]! > best.1 { best = (term, counts[term]!) }
            }
            recall += Double(best.1) / Double(forms.count)
            mains.append(best.0)
        }
        var mainCounts: [String: Int] = [:]
        for m in mains { mainCounts[m, default: 0] += 1 }
        let merged = Double(mains.filter { mainCounts[$0]! > 1 }.count) / Double(mains.count)
        return (recall / Double(mains.count), merged)
    }

    /// The targets as floors: Kazakh recall ≥ 0.90 with merged ≤ 0.03; Russian as Snowball (0.962, 0.024);
    /// `auto` keeps Russian exactly and conflates Kazakh well above no stemming (0.044).
    @Test func conflationFigures() throws {
        let kazakh = try Self.conflation("paradigms/kk.tsv", Self.analyzer(.kazakh))
        #expect(kazakh.recall >= 0.90, "Kazakh recall \(kazakh.recall)")
        #expect(kazakh.merged <= 0.03, "Kazakh merged \(kazakh.merged)")
        let russian = try Self.conflation("paradigms/ru.tsv", Self.analyzer(.russian))
        #expect(russian.recall >= 0.96, "Russian recall \(russian.recall)")
        #expect(russian.merged <= 0.025, "Russian merged \(russian.merged)")
        let autoRussian = try Self.conflation("paradigms/ru.tsv", Self.analyzer(.auto))
        #expect(autoRussian == russian, "auto on Russian \(autoRussian)")
        let autoKazakh = try Self.conflation("paradigms/kk.tsv", Self.analyzer(.auto))
        #expect(autoKazakh.recall >= 0.84, "auto on Kazakh \(autoKazakh)")
        #expect(autoKazakh.merged <= 0.03, "auto on Kazakh \(autoKazakh)")
        let none = try Self.conflation("paradigms/kk.tsv", Self.analyzer(.none))
        #expect(none.recall < 0.05)
    }

    // MARK: - Folding per script

    @Test func foldingKeepsEachScriptsLetters() {
        let none = Self.analyzer(.none)
        // Cyrillic й is a letter of its own (мой and мои differ); ё is е.
        #expect(none.terms("МОЙ мои Йошкар") == ["мой", "мои", "йошкар"])
        #expect(none.terms("ЁЛКА") == ["елка"])
        // The Kazakh letters stay themselves, distinct from the Russian letters they resemble.
        let kazakh = "Ә ә Ғ ғ Қ қ Ң ң Ө ө Ұ ұ Ү ү Һ һ І і"
        #expect(
            none.terms(kazakh) == [
                "ә", "ә", "ғ", "ғ", "қ", "қ", "ң", "ң", "ө", "ө", "ұ", "ұ", "ү", "ү", "һ", "һ", "і", "і",
            ])
        #expect(Set(none.terms("ә ғ қ ң ө ұ ү һ і")).isDisjoint(with: none.terms("а г к н о у у х и")))
        // Latin folding is unchanged.
        #expect(none.terms("Straße vis-à-vis Łódź Düsseldorf") == ["strasse", "vis", "a", "vis", "lodz", "dusseldorf"])
    }

    /// An index of analysis version 1 keeps folding й to и.
    @Test func versionOneFoldsShortI() {
        let v1 = Analyzer(options: .default, language: .english, analysisVersion: 1)
        #expect(v1.terms("мой МОЙ") == ["мои", "мои"])
        #expect(Analyzer(options: .default, language: .english).terms("мой") == ["мой"])
    }

    // MARK: - Kazakh in Latin letters

    /// Every letter of the 2021 alphabet, upper and lower case, precomposed and decomposed.
    @Test func latinAlphabetReadsAsCyrillic() {
        let kazakh = Self.analyzer(.kazakh).unstemmed
        let table: [(String, String)] = [
            ("a", "а"), ("ä", "ә"), ("b", "б"), ("d", "д"), ("e", "е"), ("f", "ф"), ("g", "г"), ("ğ", "ғ"),
            ("h", "х"), ("ı", "і"), ("j", "ж"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("ñ", "ң"),
            ("o", "о"), ("ö", "ө"), ("p", "п"), ("q", "қ"), ("r", "р"), ("s", "с"), ("ş", "ш"), ("t", "т"),
            ("u", "у"), ("ū", "ұ"), ("ü", "ү"), ("v", "в"), ("y", "ы"), ("z", "з"),
        ]
        for (latin, cyrillic) in table {
            #expect(kazakh.terms("t" + latin + "t") == ["т" + cyrillic + "т"], "\(latin)")
            #expect(kazakh.terms("T" + latin.uppercased() + "T") == ["т" + cyrillic + "т"], "\(latin)")
        }
        #expect(kazakh.terms("Qazaqstan QAZAQSTAN") == ["қазақстан", "қазақстан"])
        #expect(kazakh.terms("Qarağandy Qarag\u{306}andy") == ["қарағанды", "қарағанды"])
        // i is й after a vowel, и elsewhere; I is the capital of ı (і), İ of i (и); ch is ч.
        #expect(kazakh.terms("üiıne kiım İnternet Il chempion") == ["үйіне", "киім", "интернет", "іл", "чемпион"])
        // Not the Kazakh alphabet (c alone, w, x, an apostrophe, a digit): left as folded Latin.
        #expect(kazakh.terms("cat wax Iraq's covid19") == ["cat", "wax", "iraq", "covid19"])
    }

    /// Either script finds the other: a Latin word and its Cyrillic spelling give one term.
    @Test func eitherScriptGivesOneTerm() {
        let kazakh = Self.analyzer(.kazakh)
        #expect(kazakh.terms("Qazaqstannyñ Almatyda") == kazakh.terms("Қазақстанның Алматыда"))
        #expect(kazakh.terms("Qazaqstan Almaty") == ["қазақстан", "алмат"])
        // auto reads a Latin word as Kazakh only with a q not before u and two letters only Kazakh has once in
        // Cyrillic; other Latin words are English.
        let auto = Self.analyzer(.auto)
        #expect(auto.terms("Qazaqstan Qazaqstandağy Aqtöbe") == ["қазақстан", "қазақстан", "ақтөбе"])
        #expect(auto.terms("Қазақстанның") == ["қазақстан"])
        #expect(
            auto.terms("Almaty running Quebec Düsseldorf Iraq Qatari Qyzylorda")
                == ["almati", "run", "quebec", "dusseldorf", "iraq", "qatari", "qyzylorda"])
    }

    // MARK: - Choosing the stemmer

    /// The examples, in an `auto` field: Russian and Kazakh forms meet with no option.
    @Test func autoStemsEachWordByItsLetters() {
        let auto = Self.analyzer(.auto)
        func same(_ a: String, _ b: String) { #expect(auto.terms(a) == auto.terms(b), "\(a) / \(b)") }
        same("Казахстан", "Казахстана")
        same("экономики", "экономика")
        same("Қазақстан", "Қазақстанның")
        same("Алматы", "Алматыда")
        same("running", "runs")
        #expect(auto.terms("мой мои") == ["мо", "мо"])  // Snowball stems both so; unstemmed they differ
        #expect(auto.unstemmed.terms("мой мои") == ["мой", "мои"])
        // A Russian word keeps its Russian stem; the bare plural is not taken for Kazakh (доллар).
        #expect(auto.terms("городами доллар") == ["город", "доллар"])
    }

    @Test func eachLanguageStemsItsOwnWords() {
        #expect(
            Self.analyzer(.english).terms("running Казахстана Қазақстанның") == ["run", "казахстана", "қазақстанның"])
        #expect(
            Self.analyzer(.russian).terms("running Казахстана Қазақстанның") == ["run", "казахста", "қазақстанның"])
        #expect(Self.analyzer(.kazakh).terms("Қазақстанның Алматыда") == ["қазақстан", "алмат"])
        #expect(Self.analyzer(.none).terms("running Казахстана") == ["running", "казахстана"])
    }

    @Test func stopWordsOfEachLanguage() {
        #expect(Self.analyzer(.russian, stopWords: true).terms("и в экономике the economy") == ["экономик", "economi"])
        #expect(Self.analyzer(.kazakh, stopWords: true).terms("және бұл қала") == ["қала"])
        #expect(Self.analyzer(.auto, stopWords: true).terms("и және the қала") == ["қала"])
        // Off by default.
        #expect(Self.analyzer(.russian).terms("и") == ["и"])
    }

    /// Surface forms: the Cyrillic word as written (a Latin Kazakh word in Cyrillic), when stemming changed it.
    @Test func surfaceFormsOfEveryLanguage() {
        let auto = Self.analyzer(.auto)
        var sink = CollectingSink(withOffsets: false, surfaceForms: true)
        var text = "Казахстана Қазақстанның Qazaqstandağy Қазақстан"
        _ = text.withUTF8 { auto.analyze(UnsafeRawBufferPointer($0), into: &sink) }
        #expect(
            sink.terms.map { String(decoding: $0, as: UTF8.self) } == [
                "казахста", "қазақстан", "қазақстан", "қазақстан",
            ])
        #expect(
            sink.surfaces.map { $0.map { String(decoding: $0, as: UTF8.self) } } == [
                "казахстана", "қазақстанның", "қазақстандағы", nil,
            ])
    }

    // MARK: - Indexes built before languages

    /// An index of analysis version 1 (every text field English, й folded to и) is read and appended to as it was
    /// built: its queries fold й to и, its next commits stay version 1, and a field in another language is refused.
    @Test func versionOneIndexesKeepTheirAnalysis() throws {
        let dir = try TemporaryDirectory()
        // Built with English fields, as version 1 built every index.
        let english = try Schema([.init("title", .text, language: .english), .init("body", .text, language: .english)])
        var writer = try IndexWriter(path: dir.path, options: IndexWriterOptions(schema: english))
        try writer.add(Document(id: "1", title: "", body: "мои книги running"))
        try writer.commit()
        writer.close()
        // Relabel the commit as version 1, as a build before languages wrote it.
        let directory = try IndexDirectory(path: dir.path)
        let generation = try #require(try directory.manifestGenerations().first)
        var manifest = try directory.readManifest(generation: generation)
        #expect(manifest.analysisVersion == 2)
        manifest.analysisVersion = 1
        manifest.generation = generation + 1
        manifest.schema = try Schema(
            manifest.schema.fields.map { f in
                var f = f
                if f.type == .text { f.language = .english }
                return f
            })
        try directory.writeManifest(manifest)

        var reader = try IndexReader(path: dir.path)
        #expect(reader.schema["body"]?.language == .english)
        #expect(reader.analyze("мой running") == ["мои", "run"])
        #expect(try reader.search("мой").hits.map(\.id) == ["1"])  // the query folds as the index did
        writer = try IndexWriter(path: dir.path)
        try writer.add(Document(id: "2", title: "", body: "мой"))
        try writer.commit()
        writer.close()
        reader = try IndexReader(path: dir.path)
        #expect(reader.manifest.analysisVersion == 1)
        #expect(try reader.search("мои").hits.map(\.id).sorted() == ["1", "2"])
        #expect(throws: SaigaError.self) {
            _ = try IndexWriter(
                path: dir.path,
                options: IndexWriterOptions(schema: try Schema([.init("ru", .text, language: .russian)])))
        }
        // A field that says nothing (auto) takes the index's English.
        writer = try IndexWriter(
            path: dir.path, options: IndexWriterOptions(schema: try Schema([.init("note", .text)])))
        try writer.add(Document(id: "3", title: "", body: "", fields: [.init("note", "running")]))
        try writer.commit()
        writer.close()
        reader = try IndexReader(path: dir.path)
        #expect(reader.schema["note"]?.language == .english)
        #expect(try reader.search("note:run").hits.map(\.id) == ["3"])
    }
}
