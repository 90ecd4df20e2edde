import Testing

@testable import Saiga

/// The snippet picker: which passage it takes, how it marks matches, and how it cuts.
@Suite struct HighlighterTests {
    private func highlighter(
        _ words: [String: Float], prefixes: [String] = [], maxLength: Int = 200,
        tags: (String, String) = ("<b>", "</b>"), stemming: Bool = false
    ) -> Highlighter {
        let analyzer = Analyzer(options: AnalyzerOptions(stemming: stemming, stopWords: false))
        var weights: [[UInt8]: Float] = [:]
        for (w, weight) in words { weights[Array(w.utf8)] = weight }
        return Highlighter(
            analyzer: analyzer, weights: weights, prefixes: prefixes.map { Array($0.utf8) },
            options: SnippetOptions(maxLength: maxLength, preTag: tags.0, postTag: tags.1))
    }

    @Test func marksEveryMatchAndCollapsesWhitespace() {
        let h = highlighter(["saiga": 2])
        #expect(h.snippet("The  Saiga\nand\tthe saiga.") == "The <b>Saiga</b> and the <b>saiga</b>.")
    }

    @Test func tagsAreSettable() {
        let h = highlighter(["steppe": 1], tags: ("[", "]"))
        #expect(h.snippet("on the steppe") == "on the [steppe]")
    }

    @Test func prefixesMatchWholeWords() {
        let h = highlighter([:], prefixes: ["kaz"])
        #expect(h.snippet("Kazakh and Kazakhstan, not Almaty") == "<b>Kazakh</b> and <b>Kazakhstan</b>, not Almaty")
    }

    @Test func stemmedTermsMarkTheWordsAsWritten() {
        let h = highlighter(["run": 1], stemming: true)
        #expect(h.snippet("running runs ran") == "<b>running</b> <b>runs</b> ran")
    }

    @Test func picksThePassageWithTheMostWeightAndCutsWithEllipses() {
        let filler = String(repeating: "lorem ipsum dolor sit amet ", count: 20)
        let text = "saiga at the start. " + filler + "the saiga of the steppe together. " + filler
        let h = highlighter(["saiga": 1, "steppe": 3], maxLength: 80)
        let s = h.snippet(text)
        #expect(s.contains("<b>saiga</b> of the <b>steppe</b>"), "\(s)")
        #expect(s.hasPrefix("… ") && s.hasSuffix(" …"), "\(s)")
        // The text shown (tags and ellipses aside) fits the length budget.
        let shown = s.replacingOccurrences(of: "<b>", with: "").replacingOccurrences(of: "</b>", with: "")
            .replacingOccurrences(of: "… ", with: "").replacingOccurrences(of: " …", with: "")
        #expect(shown.utf8.count <= 80, "\(shown.utf8.count): \(shown)")
    }

    @Test func aTextWithoutMatchesGivesItsStart() {
        let h = highlighter(["absent": 1], maxLength: 30)
        let s = h.snippet("one two three four five six seven eight nine ten")
        #expect(s.hasPrefix("one two three") && s.hasSuffix(" …"), "\(s)")
        #expect(h.snippet("") == "")
    }

    @Test func multiByteTextIsNeverCutInsideACharacter() {
        let h = highlighter(["степь": 1], maxLength: 40)
        let text = String(repeating: "казахская ", count: 10) + "степь " + String(repeating: "сайгак ", count: 10)
        let s = h.snippet(text)
        #expect(s.contains("<b>степь</b>"), "\(s)")
        #expect(String(validating: Array(s.utf8), as: UTF8.self) != nil)
    }
}

extension String {
    fileprivate func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }
}
