/// Which stemmer a word gets: decided per word, from its script and the field's language (docs/ANALYSIS.md,
/// "Languages").
@usableFromInline
enum WordStemmer {
    case none, english, russian, kazakh
    /// Cyrillic with Russian letters only, in an `auto` field: Russian, unless the word ends the way Kazakh words do
    /// and Russian words do not (`KazakhStemmer.endsLikeKazakh`).
    case russianOrKazakh
}

/// The letters of a folded word, as far as choosing its stemmer needs.
@usableFromInline
enum WordLetters {
    /// Not a word any stemmer takes (digits, mixed scripts, other scripts).
    case other
    /// a–z only.
    case latin
    /// a–z only, with a `q` not followed by `u`: how Kazakh in Latin letters may give itself away in an English
    /// text (`Qazaqstan`, `Aqtöbe`); an `auto` field reads it as Kazakh if its Cyrillic has two letters only Kazakh
    /// has.
    case latinWithQ
    /// Russian's letters only (а–я; ё is folded to е).
    case russian
    /// Cyrillic with at least one letter only Kazakh has (ә ғ қ ң ө ұ ү һ і), the rest Russian's.
    case kazakh

    /// The letters of `word[0..<count]` (folded UTF-8). The a–z loop is the only part English text runs: it is
    /// inlined into the analyzer's token loop, and looks for a q not before u only in the rare word with a q.
    @inlinable @inline(__always)
    static func of(_ word: UnsafeMutablePointer<UInt8>, _ count: Int) -> WordLetters {
        guard word[0] < 0x80 else { return cyrillic(word, count) }
        var q: UInt8 = 0
        for k in 0..<count {
            let c = word[k]
            if c &- 0x61 >= 26 { return .other }
            q |= c == 0x71 ? 1 : 0
        }
        return q != 0 && hasQNotBeforeU(word, count) ? .latinWithQ : .latin
    }

    /// Whether a q in the word is followed by anything but u (or ends it).
    @usableFromInline
    static func hasQNotBeforeU(_ word: UnsafeMutablePointer<UInt8>, _ count: Int) -> Bool {
        for k in 0..<count where word[k] == 0x71 && (k &+ 1 == count || word[k &+ 1] != 0x75) { return true }
        return false
    }

    /// The letters of a word that does not start with ASCII: Russian's, Kazakh's, or other.
    @usableFromInline
    static func cyrillic(_ word: UnsafeMutablePointer<UInt8>, _ count: Int) -> WordLetters {
        guard count & 1 == 0 else { return .other }
        var kazakh = false
        var k = 0
        while k < count {
            let lead = word[k]
            let next = word[k &+ 1]
            switch lead {
            case 0xD0:
                if next < 0xB0 || next > 0xBF { return .other }  // а … п
            case 0xD1:
                if next == 0x96 {
                    kazakh = true  // і
                } else if next < 0x80 || next > 0x8F {
                    return .other  // р … я
                }
            case 0xD2:
                // ғ қ ң ү ұ һ
                guard next == 0x93 || next == 0x9B || next == 0xA3 || next == 0xAF || next == 0xB1 || next == 0xBB
                else { return .other }
                kazakh = true
            case 0xD3:
                guard next == 0x99 || next == 0xA9 else { return .other }  // ә ө
                kazakh = true
            default:
                return .other
            }
            k &+= 2
        }
        return kazakh ? .kazakh : .russian
    }
}

extension Analyzer {
    /// The stemmer for a word with these letters in this analyzer's field.
    ///
    /// | letters | english | russian | kazakh | auto |
    /// |---|---|---|---|---|
    /// | a–z | English | English | Kazakh, read from Latin | English |
    /// | a–z with q not before u | English | English | Kazakh, read from Latin | Kazakh, read from Latin, if it then
    /// has two letters only Kazakh has (else English) |
    /// | Russian's | none | Russian | Kazakh | Russian or Kazakh by the ending |
    /// | with a Kazakh letter | none | none | Kazakh | Kazakh |
    ///
    /// A word read from Latin that is not written in the Kazakh Latin alphabet (`KazakhLatin`) gets English instead.
    @inlinable @inline(__always)
    func stemmer(for letters: WordLetters) -> WordStemmer {
        switch (letters, language) {
        case (.other, _), (_, .none): return .none
        case (.latin, .kazakh), (.latinWithQ, .kazakh), (.latinWithQ, .auto): return .kazakh
        case (.latin, _), (.latinWithQ, _): return .english
        case (.russian, .russian): return .russian
        case (.russian, .kazakh), (.kazakh, .kazakh), (.kazakh, .auto): return .kazakh
        case (.russian, .auto): return .russianOrKazakh
        case (.russian, .english), (.kazakh, .english), (.kazakh, .russian): return .none
        }
    }

    /// Stems the folded word in `word[0..<count]` (with these `letters`) in place, by its letters and the field's
    /// language; a Kazakh word in
    /// Latin letters is first rewritten in Cyrillic from its source (`source`, as written: folding has dropped the
    /// marks that tell ä from a). Returns the word's new length and, with `keepSurface`, the length of the
    /// unstemmed word left at `word + scratchSize` (0 when stemming did not change it).
    /// (The analyzer stems plain English words itself; every other word comes here.)
    @usableFromInline
    func stemWord(
        _ word: UnsafeMutablePointer<UInt8>, _ count: Int, letters: WordLetters, scratchSize: Int,
        source: UnsafePointer<UInt8>, sourceCount: Int, keepSurface: Bool
    ) -> (Int, Int) {
        var stemmer = stemmer(for: letters)
        var n = count
        if stemmer == .kazakh && (letters == .latin || letters == .latinWithQ) {
            // The second half of the scratch space is free until the surface copy below.
            let cyrillic = KazakhLatin.toCyrillic(source, sourceCount, into: word + scratchSize, capacity: scratchSize)
            // In an `auto` field the word must read as unmistakably Kazakh: two letters only Kazakh has (Qazaqstan,
            // Qarağandy, Aqtöbe), not the one q of a name an English text quotes (Iraq, Qatar).
            let isKazakh =
                cyrillic > 0
                && (language == .kazakh
                    || KazakhLatin.kazakhOnlyLetters(word + scratchSize, cyrillic) >= 2)
            if isKazakh {
                word.update(from: word + scratchSize, count: cyrillic)
                n = cyrillic
            } else {
                stemmer = .english
            }
        }
        guard stems && stemmer != .none else { return (n, 0) }
        if keepSurface { (word + scratchSize).update(from: word, count: n) }
        let stemmed: Int
        switch stemmer {
        case .english: stemmed = n > 2 ? Porter2Stemmer.stem(word, count: n) : n
        case .russian: stemmed = RussianStemmer.stem(word, count: n)
        case .kazakh: stemmed = KazakhStemmer.stem(word, count: n)
        case .russianOrKazakh:
            stemmed =
                KazakhStemmer.endsLikeKazakh(word, count: n)
                ? KazakhStemmer.stem(word, count: n) : RussianStemmer.stem(word, count: n)
        case .none: stemmed = n
        }
        guard keepSurface else { return (stemmed, 0) }
        // Stemming that changed nothing leaves no surface form (a Kazakh stem may change a letter, not the length).
        if stemmed == n && Analyzer.same(word, word + scratchSize, n) { return (stemmed, 0) }
        return (stemmed, n)
    }

    /// Whether the first `count` bytes at `a` and `b` are equal.
    @inlinable @inline(__always)
    static func same(_ a: UnsafeMutablePointer<UInt8>, _ b: UnsafeMutablePointer<UInt8>, _ count: Int) -> Bool {
        var k = 0
        while k < count && a[k] == b[k] { k &+= 1 }
        return k == count
    }
}
