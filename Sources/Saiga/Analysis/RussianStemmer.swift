// The Russian stemmer of the Snowball project (https://snowballstem.org/algorithms/russian/stemmer.html), written
// here over the word's letters.
//
// The word is read into one byte per letter (а = 0 … я = 31, ё read as е, as Snowball's prelude does), stemmed
// there, and the stem written back as UTF-8 in place: the stem is always a prefix of the word.
//
// Terminology, as in the Snowball definition:
// - Vowels are а е и о у ы э ю я.
// - RV is the region after the first vowel; every ending below must lie inside it (Snowball's `setlimit tomark pV`),
//   and so must the а or я that some endings require before them.
// - R2 is the region after the first non-vowel following a vowel, applied twice (as in the other Snowball stemmers);
//   only the derivational ending (-ост, -ость) needs it.
// - Each step looks for the longest ending of its list that the word ends with, inside RV. If that ending's
//   condition fails, the step fails: shorter endings are not tried.

/// Russian (Snowball) stemmer over lower-case Cyrillic UTF-8 bytes.
@usableFromInline internal enum RussianStemmer {
    /// Stems the word in `word[0..<count]` (UTF-8) in place and returns the new length (never more than `count`).
    ///
    /// Only lower-case Russian letters (а … я and ё) are stemmed; a word with any other character is returned
    /// unchanged. A stem that had ё has е there (Snowball folds ё to е).
    @usableFromInline static func stem(_ word: UnsafeMutablePointer<UInt8>, count: Int) -> Int {
        guard count >= 2, count & 1 == 0 else { return count }
        let letters = count / 2
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: letters) { buffer -> Int in
            let w = buffer.baseAddress!
            for i in 0..<letters {
                guard let code = letterCode(word[2 * i], word[2 * i + 1]) else { return count }
                w[i] = code
            }
            let n = stemLetters(w, letters)
            for i in 0..<n {
                let scalar = 0x430 + Int(w[i])
                word[2 * i] = UInt8(0xC0 | scalar >> 6)
                word[2 * i + 1] = UInt8(0x80 | scalar & 0x3F)
            }
            return 2 * n
        }
    }

    /// The letter's code (а = 0 … я = 31; ё as е), nil for any other two bytes.
    @inline(__always)
    static func letterCode(_ b0: UInt8, _ b1: UInt8) -> UInt8? {
        if b0 == 0xD0 && b1 >= 0xB0 && b1 <= 0xBF { return b1 &- 0xB0 }  // а … п
        if b0 == 0xD1 && b1 >= 0x80 && b1 <= 0x8F { return b1 &- 0x80 &+ 16 }  // р … я
        if b0 == 0xD1 && b1 == 0x91 { return 5 }  // ё → е
        return nil
    }

    // Letter codes used by the rules.
    private static let a: UInt8 = 0  // а
    private static let i: UInt8 = 8  // и
    private static let n: UInt8 = 13  // н
    private static let soft: UInt8 = 28  // ь
    private static let ya: UInt8 = 31  // я

    /// Vowels: а е и о у ы э ю я.
    @inline(__always)
    private static func isVowel(_ c: UInt8) -> Bool {
        switch c {
        case 0, 5, 8, 14, 19, 27, 29, 30, 31: return true
        default: return false
        }
    }

    /// The stem of `w[0..<count]` (letter codes): its new length.
    static func stemLetters(_ w: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
        // RV starts after the first vowel; R2 after a vowel, a non-vowel, a vowel and a non-vowel (R1 twice).
        var pV = count
        var p2 = count
        var k = 0
        while k < count && !isVowel(w[k]) { k += 1 }
        if k < count {
            pV = k + 1
            k += 1
            while k < count && isVowel(w[k]) { k += 1 }  // past a non-vowel: R1
            if k < count {
                k += 1
                while k < count && !isVowel(w[k]) { k += 1 }
                if k < count {
                    k += 1
                    while k < count && isVowel(w[k]) { k += 1 }
                    if k < count { p2 = k + 1 }
                }
            }
        }
        var end = count
        // Step 1: a perfective gerund, or else (after a reflexive ending, if any) an adjectival, verb or noun
        // ending.
        if !removeEnding(w, &end, pV, perfectiveGerund) {
            _ = removeEnding(w, &end, pV, reflexive)
            if !adjectival(w, &end, pV) && !removeEnding(w, &end, pV, verb) {
                _ = removeEnding(w, &end, pV, noun)
            }
        }
        // Step 2: a final и.
        if end > pV && w[end - 1] == i { end -= 1 }
        // Step 3: a derivational ending in R2.
        if let e = longestEnding(w, end, pV, derivational), end - e.length >= p2 { end -= e.length }
        // Step 4: a superlative ending (then нн → н), нн → н, or a final ь.
        if let e = longestEnding(w, end, pV, tidyUp) {
            switch e.rule {
            case .superlative:
                end -= e.length
                if end - 2 >= pV && w[end - 1] == n && w[end - 2] == n { end -= 1 }
            case .doubleN:
                if end - 2 >= pV && w[end - 2] == n { end -= 1 }
            default:
                end -= 1  // ь
            }
        }
        return end
    }

    /// Step 1's adjectival ending: an adjective ending, then, if there is one, a participle ending before it.
    private static func adjectival(_ w: UnsafeMutablePointer<UInt8>, _ end: inout Int, _ pV: Int) -> Bool {
        guard removeEnding(w, &end, pV, adjective) else { return false }
        _ = removeEnding(w, &end, pV, participle)
        return true
    }

    /// What an ending requires before it is removed.
    enum Rule {
        /// Nothing.
        case delete
        /// An а or я before it (inside RV), which stays.
        case afterAOrYa
        /// Step 4's endings.
        case superlative, doubleN, softSign
    }

    struct Ending {
        let letters: [UInt8]
        let rule: Rule
        var length: Int { letters.count }
    }

    /// Removes the longest ending of `list` that `w[..<end]` ends with inside RV, if its rule holds; false when there
    /// is none or its rule fails (shorter endings are then not tried, as Snowball's `among` does).
    private static func removeEnding(
        _ w: UnsafeMutablePointer<UInt8>, _ end: inout Int, _ pV: Int, _ list: [Ending]
    ) -> Bool {
        guard let e = longestEnding(w, end, pV, list) else { return false }
        if e.rule == .afterAOrYa {
            let before = end - e.length - 1
            guard before >= pV, w[before] == a || w[before] == ya else { return false }
        }
        end -= e.length
        return true
    }

    /// The longest ending of `list` (sorted longest first) that `w[..<end]` ends with, starting at or after pV.
    private static func longestEnding(
        _ w: UnsafeMutablePointer<UInt8>, _ end: Int, _ pV: Int, _ list: [Ending]
    ) -> Ending? {
        outer: for e in list {
            let start = end - e.length
            guard start >= pV else { continue }
            for (j, c) in e.letters.enumerated() where w[start + j] != c { continue outer }
            return e
        }
        return nil
    }

    /// Endings from their Cyrillic spelling, longest first.
    private static func endings(_ groups: [(Rule, [String])]) -> [Ending] {
        var all: [Ending] = []
        for (rule, words) in groups {
            for word in words {
                var letters: [UInt8] = []
                let bytes = Array(word.utf8)
                for j in stride(from: 0, to: bytes.count, by: 2) { letters.append(letterCode(bytes[j], bytes[j + 1])!) }
                all.append(Ending(letters: letters, rule: rule))
            }
        }
        return all.sorted { $0.length > $1.length }
    }

    private static let perfectiveGerund = endings([
        (.afterAOrYa, ["в", "вши", "вшись"]),
        (.delete, ["ив", "ивши", "ившись", "ыв", "ывши", "ывшись"]),
    ])
    private static let adjective = endings([
        (
            .delete,
            [
                "ее", "ие", "ые", "ое", "ими", "ыми", "ей", "ий", "ый", "ой", "ем", "им", "ым", "ом", "его", "ого",
                "ему", "ому", "их", "ых", "ую", "юю", "ая", "яя", "ою", "ею",
            ]
        )
    ])
    private static let participle = endings([
        (.afterAOrYa, ["ем", "нн", "вш", "ющ", "щ"]),
        (.delete, ["ивш", "ывш", "ующ"]),
    ])
    private static let reflexive = endings([(.delete, ["ся", "сь"])])
    private static let verb = endings([
        (
            .afterAOrYa,
            ["ла", "на", "ете", "йте", "ли", "й", "л", "ем", "н", "ло", "но", "ет", "ют", "ны", "ть", "ешь", "нно"]
        ),
        (
            .delete,
            [
                "ила", "ыла", "ена", "ейте", "уйте", "ите", "или", "ыли", "ей", "уй", "ил", "ыл", "им", "ым", "ен",
                "ило", "ыло", "ено", "ят", "ует", "уют", "ит", "ыт", "ены", "ить", "ыть", "ишь", "ую", "ю",
            ]
        ),
    ])
    private static let noun = endings([
        (
            .delete,
            [
                "а", "ев", "ов", "ие", "ье", "е", "иями", "ями", "ами", "еи", "ии", "и", "ией", "ей", "ой", "ий", "й",
                "иям", "ям", "ием", "ем", "ам", "ом", "о", "у", "ах", "иях", "ях", "ы", "ь", "ию", "ью", "ю", "ия",
                "ья", "я",
            ]
        )
    ])
    private static let derivational = endings([(.delete, ["ост", "ость"])])
    private static let tidyUp = endings([
        (.superlative, ["ейш", "ейше"]), (.doubleN, ["н"]), (.softSign, ["ь"]),
    ])
}
