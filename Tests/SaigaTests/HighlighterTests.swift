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

/// Phrase-aware marking, several fragments and titles.
@Suite struct PhraseHighlightTests {
    func highlighter(
        _ words: [String], phrases: [[String]] = [], loose: [String] = [], slop: Int = 0, fragments: Int = 1,
        maxLength: Int = 200
    ) -> Highlighter {
        var weights: [[UInt8]: Float] = [:]
        for w in words { weights[Array(w.utf8)] = 1 }
        var h = Highlighter(
            analyzer: Analyzer(options: AnalyzerOptions(stemming: false)), weights: weights, prefixes: [],
            options: SnippetOptions(maxLength: maxLength, fragments: fragments))
        h.phrases = phrases.map {
            HighlightPhrase(terms: $0.map { Array($0.utf8) }, offsets: Array($0.indices), slop: slop)
        }
        h.phraseOnlyTerms = Set(phrases.flatMap { $0 }.map { Array($0.utf8) }).subtracting(loose.map { Array($0.utf8) })
        return h
    }

    @Test func onlyWordsOfAMatchedPhraseAreMarked() {
        let h = highlighter(["human", "rights"], phrases: [["human", "rights"]])
        #expect(
            h.snippet("Rights of a human: human rights, and rights.")
                == "Rights of a human: <b>human</b> <b>rights</b>, and rights.")
        // The same word also searched alone is marked everywhere.
        let loose = highlighter(["human", "rights"], phrases: [["human", "rights"]], loose: ["rights"])
        #expect(
            loose.snippet("Rights of a human: human rights.")
                == "<b>Rights</b> of a human: <b>human</b> <b>rights</b>.")
        // A sloppy phrase: its words within the slop of their places.
        let sloppy = highlighter(["human", "rights"], phrases: [["human", "rights"]], slop: 2)
        #expect(sloppy.snippet("human and civil rights; rights.") == "<b>human</b> and civil <b>rights</b>; rights.")
    }

    @Test func severalFragmentsInTextOrder() {
        let filler = String(repeating: "lorem ipsum dolor sit amet ", count: 10)
        let text = "alpha beta " + filler + "gamma delta " + filler + "epsilon"
        let one = highlighter(["alpha", "gamma", "epsilon"], maxLength: 40).snippet(text)
        #expect(one.hasPrefix("<b>alpha</b>") && !one.contains("gamma"), "\(one)")
        let three = highlighter(["alpha", "gamma", "epsilon"], fragments: 3, maxLength: 40).snippet(text)
        #expect(three.contains("<b>alpha</b>") && three.contains("<b>gamma</b>") && three.contains("<b>epsilon</b>"))
        let a = three.range(of: "alpha")!.lowerBound
        let g = three.range(of: "gamma")!.lowerBound
        let e = three.range(of: "epsilon")!.lowerBound
        #expect(a < g && g < e, "\(three)")
        #expect(three.contains(" … "), "\(three)")
        // Asking for more fragments than there are matched passages gives what there is.
        let many = highlighter(["alpha"], fragments: 5, maxLength: 40).snippet(text)
        #expect(many == one.replacingOccurrences(of: "<b>gamma</b>", with: "gamma"), "\(many)")
    }

    @Test func titlesAreMarkedWhole() {
        let h = highlighter(["saiga"])
        #expect(h.marked("The Saiga  of the steppe") == "The <b>Saiga</b> of the steppe")
        #expect(h.marked("") == "")
    }

    @Test func snippetOptionsAreChecked() {
        #expect(throws: SaigaError.self) { try SnippetOptions(fragments: 0).validate() }
        #expect(throws: SaigaError.self) { try SnippetOptions(fragments: 11).validate() }
        #expect(throws: SaigaError.self) { try SnippetOptions(maxLength: 5).validate() }
        #expect(throws: SaigaError.self) { try SnippetOptions(preTag: String(repeating: "x", count: 65)).validate() }
        #expect(throws: Never.self) { try SnippetOptions(maxLength: 50, fragments: 3).validate() }
    }
}
