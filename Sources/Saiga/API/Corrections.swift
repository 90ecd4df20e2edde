/// "Did you mean": a query whose words the index knows under other spellings, for a search that found few
/// matches. Each plain word of the query (not in a phrase, pattern, range or other syntax) is looked up among the
/// words of the default text fields within the typo budget of its length (Meilisearch's rule: one edit from 5
/// characters, two from 9), through the same automaton as fuzzy search; the closest word, then the most frequent,
/// replaces it when it is at least four times as frequent as the word itself. On an index with surface forms the
/// words are the words as written, with the frequencies of the completion index (`CompletionIndex`: a stem that is
/// no word is never offered); without, the terms. The corrected query is kept only if it finds more than the
/// original (consistency over the whole query, not word by word).
extension IndexReader {
    /// Terms a correction must be more frequent than the word's own term by.
    static let correctionFrequencyRatio = 4

    func correction(of query: String, total: Int, options: SearchOptions) throws(SaigaError) -> String? {
        var changed = false
        var pieces: [String] = []
        for piece in query.split(separator: " ", omittingEmptySubsequences: false) {
            // A plain word, optionally required or excluded: other syntax is left as typed.
            var word = Substring(piece)
            var sign = ""
            if let first = word.first, first == "+" || first == "-" {
                sign = String(first)
                word = word.dropFirst()
            }
            if !word.isEmpty, word.allSatisfy({ $0.isLetter || $0.isNumber }), word != "AND", word != "OR",
                word != "NOT", let better = try correction(ofWord: String(word))
            {
                pieces.append(sign + better)
                changed = true
            } else {
                pieces.append(String(piece))
            }
        }
        guard changed else { return nil }
        let corrected = pieces.joined(separator: " ")
        var check = options
        check.didYouMean = false
        check.k = 1
        check.offset = 0
        check.snippets = false
        check.facets = []
        guard let found = try? search(corrected, options: check), found.total > total else { return nil }
        return corrected
    }

    /// A better-known spelling of one word, or nil.
    func correction(ofWord word: String) throws(SaigaError) -> String? {
        if analyzerOptions.indexesSurfaceForms { return try wordCorrection(of: word) }
        let analyzer = analyzers.body
        let stems = analyzer.terms(word)
        guard stems.count == 1 else { return nil }
        let stem = stems[0]
        let scalars = stem.unicodeScalars.map(\.value)
        let length = word.unicodeScalars.count
        let edits = TypoTolerance.edits(forCharacters: length)
        guard edits > 0, scalars.count <= LevenshteinMatcher.maxCharacters else { return nil }
        let fields = rewriter.defaultFields
        // Per term: its distance to the word's term and its document frequency over the fields and segments.
        var found: [[UInt8]: (distance: Int, docFreq: Int)] = [:]
        let matcher = LevenshteinDFA(word: scalars, maxEdits: edits)
        for seg in segments {
            for f in fields {
                try seg.terms.intersect(field: UInt8(f), matcher) {
                    (
                        term: UnsafeRawBufferPointer, meta: TermMeta, state: LevenshteinDFA.State
                    ) throws(SaigaError)
                        -> Bool in
                    let t = Array(term)
                    let d = matcher.distance(state)
                    let known = found[t]
                    found[t] = (min(known?.distance ?? d, d), (known?.docFreq ?? 0) + meta.docFreq)
                    return true
                }
            }
        }
        let own = found[Array(stem.utf8)]?.docFreq ?? 0
        let best = found.filter {
            $0.value.distance > 0 && $0.value.docFreq >= max(1, own * IndexReader.correctionFrequencyRatio)
        }
        .min { a, b in
            a.value.distance != b.value.distance
                ? a.value.distance < b.value.distance
                : a.value.docFreq != b.value.docFreq
                    ? a.value.docFreq > b.value.docFreq : a.key.lexicographicallyPrecedes(b.key)
        }
        guard let best else { return nil }
        let candidate = String(decoding: best.key, as: UTF8.self)
        // The index holds stems: give the word back its ending (`goverment` is stemmed `gover`; `govern` + `ment`),
        // when that spelling stems to the term; else the term itself when it is its own stem.
        let folded = analyzer.unstemmed.terms(word).first ?? word
        if folded.hasPrefix(stem) {
            let respelled = candidate + folded.dropFirst(stem.count)
            if analyzer.terms(respelled) == [candidate] { return respelled }
        }
        return analyzer.terms(candidate) == [candidate] ? candidate : nil
    }

    /// `correction(ofWord:)` over the words as written (an index with surface forms).
    private func wordCorrection(of word: String) throws(SaigaError) -> String? {
        let folded = analyzers.body.unstemmed.terms(word)
        guard folded.count == 1 else { return nil }
        let scalars = folded[0].unicodeScalars.map(\.value)
        let edits = TypoTolerance.edits(forCharacters: scalars.count)
        guard edits > 0, scalars.count <= LevenshteinMatcher.maxCharacters else { return nil }
        let words = try prepareSuggestions().index
        let fields = rewriter.defaultFields
        var distances: [[UInt8]: Int] = [:]
        let matcher = LevenshteinDFA(word: scalars, maxEdits: edits)
        for seg in segments {
            for f in fields {
                for surface in [false, true] {
                    try seg.terms.intersect(field: UInt8(f), surfaceForms: surface, matcher) {
                        (
                            term: UnsafeRawBufferPointer, _: TermMeta, state: LevenshteinDFA.State
                        ) throws(SaigaError)
                            -> Bool in
                        let t = Array(term)
                        let d = matcher.distance(state)
                        distances[t] = min(distances[t] ?? d, d)
                        return true
                    }
                }
            }
        }
        let own = words.frequency(of: Array(folded[0].utf8)) ?? 0
        var best: (word: [UInt8], distance: Int, frequency: Int)?
        for (candidate, distance) in distances where distance > 0 {
            guard let frequency = words.frequency(of: candidate),
                frequency >= max(1, own * IndexReader.correctionFrequencyRatio)
            else { continue }
            if let b = best,
                b.distance < distance
                    || (b.distance == distance
                        && (b.frequency > frequency
                            || (b.frequency == frequency && b.word.lexicographicallyPrecedes(candidate))))
            {
                continue
            }
            best = (candidate, distance, frequency)
        }
        return best.map { String(decoding: $0.word, as: UTF8.self) }
    }
}
