import Testing

@testable import Saiga

@Suite struct AnalyzerTests {
    let analyzer = Analyzer()
    let plain = Analyzer(options: AnalyzerOptions(stemming: false))

    @Test func foldsCaseAndDiacritics() {
        #expect(plain.terms("vis-à-vis") == ["vis", "a", "vis"])
        #expect(plain.terms("Straße CAFÉ Łódź naïve") == ["strasse", "cafe", "lodz", "naive"])
        #expect(plain.terms("Қазақстан") == ["қазақстан"])
        // Decomposed é (e + U+0301) folds like the precomposed one.
        #expect(plain.terms("e\u{301}cole") == plain.terms("école"))
    }

    @Test func possessivesAndApostrophes() {
        for s in ["Kazakhstan’s", "Kazakhstan's", "Kazakhstanʼs"] { #expect(analyzer.terms(s) == ["kazakhstan"]) }
        #expect(plain.terms("don't") == ["dont"])
        #expect(plain.terms("the countries’ rights") == ["the", "countries", "rights"])
    }

    @Test func separators() {
        // NBSP, narrow NBSP, em and en dashes, hyphens, slashes all separate.
        #expect(plain.terms("human\u{00A0}rights\u{202F}today") == ["human", "rights", "today"])
        #expect(plain.terms("Kassym-Jomart Tokayev") == ["kassym", "jomart", "tokayev"])
        #expect(plain.terms("2019–2021 reforms—finally") == ["2019", "2021", "reforms", "finally"])
        #expect(plain.terms("KGS/USD = 0.01144") == ["kgs", "usd", "0.01144"])
        #expect(plain.terms("€20M project") == ["20m", "project"])
    }

    @Test func positionsKeepHyphenatedNamesAdjacent() {
        var a = CollectingSink(withOffsets: true)
        var text = "President Kassym-Jomart Tokayev"
        _ = text.withUTF8 { analyzer.analyze(UnsafeRawBufferPointer($0), into: &a) }
        #expect(a.positions == [0, 1, 2, 3])
        #expect(a.starts == [0, 10, 17, 24])
        #expect(a.ends == [9, 16, 23, 31])
    }

    @Test func numbersAndJoiners() {
        #expect(
            plain.terms("3.14 and 2,724,900 and U.S. policy") == ["3.14", "and", "2,724,900", "and", "u.s", "policy"])
        #expect(plain.terms("covid19 COVID-19") == ["covid19", "covid", "19"])
        #expect(plain.terms("snake_case") == ["snake_case"])
    }

    @Test func ideographsAreOneTokenEach() {
        #expect(plain.terms("中文 搜索") == ["中", "文", "搜", "索"])
    }

    @Test func stemming() {
        #expect(analyzer.terms("running rights decrees generously") == ["run", "right", "decre", "generous"])
        // Only ASCII-letter words are stemmed.
        #expect(analyzer.terms("runnings2") == ["runnings2"])
    }

    @Test func stopWords() {
        let a = Analyzer(options: AnalyzerOptions(stemming: true, stopWords: true))
        var sink = CollectingSink(withOffsets: false)
        var text = "the rights of the people"
        _ = text.withUTF8 { a.analyze(UnsafeRawBufferPointer($0), into: &sink) }
        #expect(sink.terms.map { String(decoding: $0, as: UTF8.self) } == ["right", "peopl"])
        // Removed stop words leave position gaps, so phrases do not match across them.
        #expect(sink.positions == [1, 4])
    }

    @Test func exactlyLucenesThirtyThreeStopWords() {
        let a = Analyzer(options: AnalyzerOptions(stemming: false, stopWords: true))
        func terms(_ text: String) -> [String] {
            var sink = CollectingSink(withOffsets: false)
            var t = text
            _ = t.withUTF8 { a.analyze(UnsafeRawBufferPointer($0), into: &sink) }
            return sink.terms.map { String(decoding: $0, as: UTF8.self) }
        }
        let lucene =
            "a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with"
        #expect(lucene.split(separator: " ").count == 33)
        #expect(terms(lucene).isEmpty)
        #expect(terms(lucene.uppercased()).isEmpty)
        // Near misses, prefixes and extensions stay.
        let kept = "i ab ant thee th then1 theirs tho thes wil nor aa withh b"
        #expect(terms(kept) == kept.split(separator: " ").map(String.init))
    }

    @Test func invalidUTF8AndLongTokensNeverCrash() {
        let bytes: [UInt8] = [0x61, 0xC3, 0x28, 0x62, 0xFF, 0xF0, 0x9F, 0x98, 0x80, 0x63, 0xED, 0xA0, 0x80, 0x64]
        var sink = CollectingSink(withOffsets: false)
        bytes.withUnsafeBytes { _ = analyzer.analyze($0, into: &sink) }
        #expect(sink.terms.map { String(decoding: $0, as: UTF8.self) } == ["a", "b", "c", "d"])
        let long = String(repeating: "x", count: 300) + " ok"
        #expect(plain.terms(long) == ["ok"])
    }

    @Test func corpusSentences() {
        // From the bundled corpus.
        #expect(
            analyzer.terms("the government is responsive to the people’s demands")
                == ["the", "govern", "is", "respons", "to", "the", "peopl", "demand"])
        #expect(plain.terms("EU-Kazakhstan Enhanced cooperation") == ["eu", "kazakhstan", "enhanced", "cooperation"])
    }
}
