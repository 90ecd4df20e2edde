// A Kazakh stemmer, written here (the Snowball project has none). The rules, their order and the measurements they
// were chosen on are in docs/ANALYSIS.md ("Kazakh"); in short:
//
// Kazakh is agglutinative: a noun is stem + plural + possessive + case (+ a personal ending when it is a predicate),
// a verb stem + tense + person. The stemmer strips one suffix per slot, from the end of the word in reverse
// grammatical order: person/finite-verb endings, case, possessive, plural (twice: Hunspell's paradigms double it),
// then the verbal noun and converb. Each suffix is listed in its back-vowel form; its front twin (vowel harmony:
// а→е, ы→і, ұ→ү, о→ө, ғ→г, қ→к) is generated. Within a slot the longest suffix that fits is taken. A suffix fits if
// the word ends with it, what is left keeps at least `minimumStem` letters with a vowel, and the letter before it
// allows it:
// - conditioned suffixes need a vowel, a consonant, or ы/і (a third-person possessive) before them;
// - the other suffixes are checked against the consonant assimilation of their first letter: т қ к п after voiceless
//   consonants (and б в г д, for Russian loans), д ғ г б never after voiceless ones, -лар after vowels and р й у,
//   -ның -ны -нан after vowels and м н ң, -дар after consonants; -тан after с is the place-name suffix -стан
//   (Қазақстан), never the ablative.
// Vowel harmony is not enforced: it lost recall on the paradigms (disharmonic loans) and avoided no merge.
// Last, a final ы/і after a consonant is dropped (the third-person possessive the slot order could not reach, and
// stem-final ы/і), and a final г ғ б becomes к қ п (тілек, тілегі and тілегім all give тілек).

/// Kazakh stemmer over lower-case Cyrillic UTF-8 bytes.
@usableFromInline enum KazakhStemmer {
    /// Letters a stem keeps at least (and one of them a vowel).
    static let minimumStem = 3

    /// Stems the word in `word[0..<count]` (UTF-8: Cyrillic letters only, as `WordLetters` found them) in place and
    /// returns its new length. A word with anything else is returned as it is.
    @usableFromInline static func stem(_ word: UnsafeMutablePointer<UInt8>, count: Int) -> Int {
        guard count >= 4, count & 1 == 0 else { return count }
        let letters = count / 2
        return withUnsafeTemporaryAllocation(of: UInt16.self, capacity: letters) { buffer -> Int in
            let w = buffer.baseAddress!
            for i in 0..<letters {
                let b0 = word[2 &* i]
                guard b0 &- 0xD0 < 4 else { return count }
                w[i] = UInt16(b0 & 0x1F) << 6 | UInt16(word[2 &* i &+ 1] & 0x3F)
            }
            let n = stemLetters(w, letters)
            for i in 0..<n {
                word[2 &* i] = UInt8(truncatingIfNeeded: 0xC0 | w[i] >> 6)
                word[2 &* i &+ 1] = UInt8(truncatingIfNeeded: 0x80 | w[i] & 0x3F)
            }
            return 2 &* n
        }
    }

    /// Whether a word of Russian's letters only ends as Kazakh words do and Russian words never do (`auto` fields
    /// stem such a word as Kazakh, any other as Russian): plural + case or possessive chains (never the bare plural:
    /// доллар, удар, дилер), the long instrumentals, person endings, -йды, ы + case (алматыда). Checked against the
    /// Russian paradigms: none of their 27,556 forms ends so (a rare Russian word does: стыда).
    @usableFromInline static func endsLikeKazakh(_ word: UnsafeMutablePointer<UInt8>, count: Int) -> Bool {
        for ending in kazakhOnlyEndings where ending.count < count {
            var k = 0
            let start = count &- ending.count
            while k < ending.count && word[start &+ k] == ending[k] { k &+= 1 }
            if k == ending.count { return true }
        }
        return false
    }

    static let kazakhOnlyEndings: [[UInt8]] = [
        "ларда", "лардан", "ларды", "лармен", "ларменен", "ларым", "ларымыз",
        "дарда", "дардан", "дарды", "дармен", "дарменен", "дарым", "дарымыз",
        "тарда", "тардан", "тарды", "тармен", "тарменен", "тарым", "тарымыз",
        "лерде", "лерден", "лерге", "лермен", "лерменен",
        "дерде", "дерден", "дерге", "дермен", "дерменен",
        "терде", "терден", "терге", "термен", "терменен",
        "менен", "бенен", "пенен",
        "мыз", "сыз", "сыздар", "мын", "йды", "ыны", "ымен", "ыда", "ыдан", "ылар", "ыларда",
    ].map { Array($0.utf8) }

    // MARK: - The rules, over letters (Unicode scalars of the Cyrillic block)

    static func stemLetters(_ w: UnsafeMutablePointer<UInt16>, _ count: Int) -> Int {
        var n = count
        var afterPerson = false
        for (slot, suffixes) in slots.enumerated() {
            let repeats = slot == pluralSlot ? 2 : 1
            for _ in 0..<repeats {
                var stripped = false
                for s in suffixes where s.letters.count < n {
                    // After a person ending only the locative can stand before it (үйдемін: үй + де + мін).
                    if slot == caseSlot && afterPerson && !s.isLocative { continue }
                    if fits(s, w, n) {
                        n &-= s.letters.count
                        stripped = true
                        if slot == personSlot { afterPerson = true }
                        break
                    }
                }
                if !stripped { break }
            }
        }
        if n > minimumStem, w[n &- 1] == y || w[n &- 1] == i, !isVowel(w[n &- 2]), isStem(w, n &- 1) { n &-= 1 }
        if n > 1 {
            switch w[n &- 1] {
            case 0x433: w[n &- 1] = 0x43A  // г → к
            case 0x493: w[n &- 1] = 0x49B  // ғ → қ
            case 0x431: w[n &- 1] = 0x43F  // б → п
            default: break
            }
        }
        return n
    }

    /// Whether the word `w[0..<n]` ends with suffix `s` and may lose it.
    @inline(__always)
    private static func fits(_ s: Suffix, _ w: UnsafeMutablePointer<UInt16>, _ n: Int) -> Bool {
        let length = s.letters.count
        let start = n &- length
        for k in 0..<length where w[start &+ k] != s.letters[k] { return false }
        guard isStem(w, start) else { return false }
        let before = w[start &- 1]
        switch s.condition {
        case .afterVowel: return isVowel(before)
        case .afterConsonant: return !isVowel(before)
        case .afterPossessive: return before == y || before == i
        case .assimilated: return assimilates(s.letters, after: before)
        case .any: return true
        }
    }

    /// Whether `w[0..<n]` can be a stem: `minimumStem` letters, one a vowel.
    @inline(__always)
    private static func isStem(_ w: UnsafeMutablePointer<UInt16>, _ n: Int) -> Bool {
        guard n >= minimumStem else { return false }
        for k in 0..<n where isVowel(w[k]) { return true }
        return false
    }

    /// The consonant assimilation of a suffix's first letter, against the letter before it.
    @inline(__always)
    private static func assimilates(_ suffix: [UInt16], after c: UInt16) -> Bool {
        let first = suffix[0]
        switch first {
        case 0x442, 0x49B, 0x43A, 0x43F:  // т қ к п: after voiceless consonants (and б в г д in loans)
            if !isVoiceless(c) && c != 0x431 && c != 0x432 && c != 0x433 && c != 0x434 { return false }
            // -тан/-тен after с is the place-name suffix -стан (Қазақстан, Өзбекстан, Түркістан), not the ablative.
            if first == 0x442 && c == 0x441 && suffix.count == 3 && suffix[2] == 0x43D { return false }
        case 0x434, 0x493, 0x433, 0x431:  // д ғ г б: never after a voiceless consonant
            if isVoiceless(c) { return false }
            // -дар/-дер: after consonants only.
            if first == 0x434 && suffix.count == 3 && suffix[2] == 0x440 && isVowel(c) { return false }
        case 0x43B:  // л: -лар after vowels and р й у
            if !isVowel(c) && c != 0x440 && c != 0x439 && c != 0x443 && c != 0x44E { return false }
        case 0x43D:  // н: -ның -ны -нан after vowels and м н ң
            if suffix.count <= 3 && suffix.count >= 2
                && (suffix[1] == y || suffix[1] == i || suffix[1] == 0x430
                    || suffix[1] == 0x435)
                && (suffix.count == 2 || suffix[2] == 0x4A3 || suffix[2] == 0x43D)
            {
                if !isVowel(c) && c != 0x43C && c != 0x43D && c != 0x4A3 { return false }
            }
        default:
            break
        }
        return true
    }

    private static let y: UInt16 = 0x44B  // ы
    private static let i: UInt16 = 0x456  // і

    /// а ә е ё и о ө у ұ ү ы і э ю я.
    @inline(__always)
    static func isVowel(_ c: UInt16) -> Bool {
        switch c {
        case 0x430, 0x4D9, 0x435, 0x451, 0x438, 0x43E, 0x4E9, 0x443, 0x4B1, 0x4AF, 0x44B, 0x456, 0x44D, 0x44E, 0x44F:
            return true
        default:
            return false
        }
    }

    /// к қ п с т ф х ц ч ш щ.
    @inline(__always)
    static func isVoiceless(_ c: UInt16) -> Bool {
        switch c {
        case 0x43A, 0x49B, 0x43F, 0x441, 0x442, 0x444, 0x445, 0x446, 0x447, 0x448, 0x449: return true
        default: return false
        }
    }

    // MARK: - The suffixes

    /// What the letter before a suffix must be.
    enum Condition {
        /// Anything.
        case any
        case afterVowel, afterConsonant
        /// ы or і: after a third-person possessive (қаласына: қала + сы + на).
        case afterPossessive
        /// The consonant assimilation of the suffix's first letter (`assimilates`).
        case assimilated
    }

    struct Suffix {
        let letters: [UInt16]
        let condition: Condition
        /// да де та те.
        var isLocative: Bool {
            letters.count == 2 && (letters[0] == 0x434 || letters[0] == 0x442)
                && (letters[1] == 0x430 || letters[1] == 0x435)
        }
    }

    static let personSlot = 0
    static let caseSlot = 1
    static let pluralSlot = 3

    /// The slots in the order they are stripped, each longest suffix first.
    static let slots: [[Suffix]] = [
        // Person endings of a predicate, and finite verbs (tense + person).
        suffixes(
            (.assimilated, "мын бын пын сың сыз мыз быз пыз сыңдар сыздар"),
            // Present-future: -а/-е after a consonant, -й after a vowel, + person.
            (.afterConsonant, "амын асың асыз амыз ады асыңдар асыздар"),
            (.afterVowel, "ймын йсың йсыз ймыз йды йсыңдар йсыздар"),
            // Past: -ды/-ты + person.
            (.assimilated, "дым тым дың тың дық тық дыңыз тыңыз дыңдар тыңдар дыңыздар тыңыздар ды ты"),
            // Optative and imperative.
            (.afterConsonant, "айын айық ыңыз ыңдар ыңыздар"),
            (.afterVowel, "йын йық ңыз ңдар ңыздар"),
            (.assimilated, "сын")),
        // Case, and the attributive -дағы and -нікі that take its place.
        suffixes(
            (.assimilated, "ның дың тың ға қа ны ды ты да та дан тан нан дағы тағы"),
            (.afterPossessive, "на нда ндан ндағы"),
            (.assimilated, "мен менен бен бенен пен пенен нікі дікі тікі")),
        // Possessive.
        suffixes(
            (.afterVowel, "м ң ңыз мыз сы"),
            (.afterConsonant, "ым ың ыңыз ымыз ы")),
        // Plural.
        suffixes((.assimilated, "лар дар тар")),
        // Verbal noun (-у, -ю after й) and converb (-ып).
        suffixes((.assimilated, "у ю"), (.afterConsonant, "ып")),
    ]

    /// A slot's suffixes with their front-vowel twins, longest first; a suffix starting with й counts as one and a
    /// half letters longer, so that -йын (vowel stem) is tried before -айын (consonant stem).
    private static func suffixes(_ groups: (Condition, String)...) -> [Suffix] {
        var all: [Suffix] = []
        var seen = Set<[UInt16]>()
        for (condition, list) in groups {
            for word in list.split(separator: " ") {
                let back = word.unicodeScalars.map { UInt16($0.value) }
                let front = back.map(frontTwin)
                for letters in [back, front] where seen.insert(letters).inserted {
                    all.append(Suffix(letters: letters, condition: condition))
                }
            }
        }
        func weight(_ s: Suffix) -> Int { 2 * s.letters.count + (s.letters[0] == 0x439 ? 3 : 0) }
        return all.enumerated().sorted { a, b in
            weight(a.element) != weight(b.element) ? weight(a.element) > weight(b.element) : a.offset < b.offset
        }.map(\.element)
    }

    /// The front-vowel form of a back-vowel suffix's letter.
    private static func frontTwin(_ c: UInt16) -> UInt16 {
        switch c {
        case 0x430: return 0x435  // а → е
        case 0x44B: return 0x456  // ы → і
        case 0x4B1: return 0x4AF  // ұ → ү
        case 0x43E: return 0x4E9  // о → ө
        case 0x493: return 0x433  // ғ → г
        case 0x49B: return 0x43A  // қ → к
        default: return c
        }
    }
}

/// Kazakh function words: pronouns and their case forms, demonstratives, question words, quantifiers,
/// conjunctions, postpositions, particles (dropped with `AnalyzerOptions.stopWords` in `kazakh` and `auto` fields).
/// Words that are also common content words (қой "sheep", бар "there is"/"go") are left out.
@usableFromInline enum KazakhStopWords {
    static let list =
        "мен сен сіз ол біз сендер сіздер олар менің сенің сіздің оның біздің олардың маған саған сізге оған бізге "
        + "оларға мені сені сізді оны бізді оларды өз өзі бұл осы сол мына анау мұның осының соның мұған осыған "
        + "соған мұны осыны соны мұнда сонда осында онда кім не қай қайда қашан қалай неге неше қанша қандай әр "
        + "барлық бәрі бүкіл кейбір ешкім ештеңе және бен пен да де та те ал бірақ немесе әлде яғни себебі өйткені "
        + "сондықтан егер дейін үшін туралы арқылы бойынша сияқты секілді кейін соң бері қарай гөрі үстінде астында "
        + "ішінде жанында қарсы басқа жоқ емес ғана тек ма ме ба бе па пе ғой ше шы ші әрі тағы әлі енді сонымен "
        + "сондай осындай мұндай"
}
