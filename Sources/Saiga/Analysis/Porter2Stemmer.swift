// The English Porter2 stemmer (the Snowball "english" algorithm, as revised in Snowball 3.1), written directly
// against a byte buffer.
//
// The analyzer calls this once per token at index time and once per query term, so it is written for speed: it works
// in place on the caller's buffer, dispatches on the last byte before comparing suffixes, never allocates, and keeps
// all of its state (the current length and the R1/R2 offsets) in a handful of integers.
//
// Terminology, as in the Snowball definition:
// - Vowels are a e i o u y. A 'y' that begins the word or follows a vowel acts as a consonant; the prelude rewrites
//   those as 'Y' (0x59), which is not a vowel, and the postlude lowers them again.
// - R1 is the region after the first non-vowel that follows a vowel (or after one of a few fixed prefixes such as
//   "gener"); R2 is the same rule applied again inside R1. Both are kept as absolute start offsets: every step only
//   edits the end of the word, so the offsets stay valid while the word shrinks.
// - A suffix "is in R1" when it starts at or after the R1 offset.
// - Each step looks for the longest suffix of its list that the word ends with. If that suffix's condition fails the
//   step does nothing; shorter suffixes are not tried. The code keeps that by testing longer suffixes first and
//   stopping at the first one that matches.
//
// Snowball 3.x folded the old "exceptional forms list 2" (inning, outing, ..., proceed, exceed, succeed) and the
// dying/lying/tying special cases into the -ing and -eed rules of step 1b, which is where this file handles them too;
// the stems are the same as with the separate lists, and the -ing rule also covers hying and vying.

/// English Porter2 (Snowball) stemmer over lowercase ASCII bytes.
@usableFromInline internal enum Porter2Stemmer {
    /// Stems the word in `word[0..<count]` in place and returns the new length (never more than `count`).
    ///
    /// The bytes are expected to be lowercase a-z and apostrophe (0x27). If any other byte is present the word is
    /// returned unchanged (the result is `count`). Nothing on any path allocates.
    @usableFromInline static func stem(_ word: UnsafeMutablePointer<UInt8>, count: Int) -> Int {
        // Anything outside [a-z'] means the tokenizer handed us something that is not plain English (digits,
        // non-ASCII letters, upper case); stemming it would only produce noise, so it is left as it is.
        var i = 0
        while i < count {
            let c = word[i]
            if c &- a > 25 && c != apostrophe { return count }
            i &+= 1
        }
        // Exceptional forms are whole-word matches checked on the raw input, before anything else.
        if let n = exception1(word, count) { return n }
        // Words of one or two letters are never stemmed.
        if count < 3 { return count }

        var n = count
        // Prelude: a single leading apostrophe is dropped ("'tis" stems like "tis"). Shift the word down so that the
        // result still starts at `word[0]`.
        if word[0] == apostrophe {
            i = 1
            while i < n {
                word[i &- 1] = word[i]
                i &+= 1
            }
            n &-= 1
        }

        // Prelude: an initial y, or a y after a vowel, is a consonant; mark it as Y.
        var yFound = false
        if word[0] == y {
            word[0] = upperY
            yFound = true
        }
        i = 1
        while i < n {
            // Left to right, so in "ayy" only the first y is marked: the Y it becomes is not a vowel.
            if word[i] == y && isVowel(word[i &- 1]) {
                word[i] = upperY
                yFound = true
            }
            i &+= 1
        }

        let (p1, p2) = markRegions(word, n)

        step1a(word, &n)
        step1b(word, &n, p1)
        step1c(word, n)
        step2(word, &n, p1)
        step3(word, &n, p1, p2)
        step4(word, &n, p2)
        step5(word, &n, p1, p2)

        // Postlude: Y back to y.
        if yFound {
            i = 0
            while i < n {
                if word[i] == upperY { word[i] = y }
                i &+= 1
            }
        }
        return n
    }

    // MARK: - Character classes

    private static let a: UInt8 = 0x61
    private static let e: UInt8 = 0x65
    private static let y: UInt8 = 0x79
    private static let upperY: UInt8 = 0x59
    private static let apostrophe: UInt8 = 0x27

    /// Bit k set when letter ('a' + k) is a vowel: a e i o u y.
    private static let vowelMask: UInt32 = (1 << 0) | (1 << 4) | (1 << 8) | (1 << 14) | (1 << 20) | (1 << 24)
    /// Vowels plus w and x; 'Y' lies outside a-z and is tested separately.
    private static let vowelWXMask: UInt32 = vowelMask | (1 << 22) | (1 << 23)
    /// Letters that may precede a removable -li in step 2: c d e g h k m n r t.
    private static let validLIMask: UInt32 =
        (1 << 2) | (1 << 3) | (1 << 4) | (1 << 6) | (1 << 7) | (1 << 10) | (1 << 12) | (1 << 13) | (1 << 17) | (1 << 19)
    /// The doubled letters that step 1b undoubles: b d f g m n p r t (never c, h, j, k, q, v, w, x, or l, s, z).
    private static let undoubleMask: UInt32 =
        (1 << 1) | (1 << 3) | (1 << 5) | (1 << 6) | (1 << 12) | (1 << 13) | (1 << 15) | (1 << 17) | (1 << 19)
    /// a, e and o: a double after exactly one of these is the whole word ("add", "egg", "off") and is kept.
    private static let aeoMask: UInt32 = (1 << 0) | (1 << 4) | (1 << 14)

    @inline(__always)
    private static func inMask(_ c: UInt8, _ mask: UInt32) -> Bool {
        let k = c &- a
        return k < 26 && (mask >> UInt32(k)) & 1 != 0
    }

    /// `v` in the Snowball definition. 'Y' and the apostrophe are not vowels.
    @inline(__always)
    private static func isVowel(_ c: UInt8) -> Bool { inMask(c, vowelMask) }

    /// `v_WXY`: vowels plus w, x and Y.
    @inline(__always)
    private static func isVowelWXY(_ c: UInt8) -> Bool { c == upperY || inMask(c, vowelWXMask) }

    /// True when `w[0..<end]` contains a vowel.
    @inline(__always)
    private static func hasVowel(_ w: UnsafeMutablePointer<UInt8>, below end: Int) -> Bool {
        var i = 0
        while i < end {
            if isVowel(w[i]) { return true }
            i &+= 1
        }
        return false
    }

    // MARK: - String helpers

    /// True when `w[0..<n]` ends with `s`. Compares from the last byte backwards, the byte most likely to differ.
    @inline(__always)
    private static func ends(_ w: UnsafeMutablePointer<UInt8>, _ n: Int, _ s: StaticString) -> Bool {
        let m = s.utf8CodeUnitCount
        if m > n { return false }
        let p = s.utf8Start
        let base = n &- m
        var i = m &- 1
        while i >= 0 {
            if w[base &+ i] != p[i] { return false }
            i &-= 1
        }
        return true
    }

    /// True when `w[0..<n]` is exactly `s`.
    @inline(__always)
    private static func equals(_ w: UnsafeMutablePointer<UInt8>, _ n: Int, _ s: StaticString) -> Bool {
        n == s.utf8CodeUnitCount && ends(w, n, s)
    }

    /// True when `w[0..<n]` starts with `s`.
    @inline(__always)
    private static func starts(_ w: UnsafeMutablePointer<UInt8>, _ n: Int, _ s: StaticString) -> Bool {
        let m = s.utf8CodeUnitCount
        return m <= n && ends(w, m, s)
    }

    /// Replaces the last `suffixLength` bytes with `s` and returns the new length. Every replacement in the algorithm
    /// is no longer than the suffix it replaces, so the word never grows past the caller's buffer.
    @inline(__always)
    private static func replace(
        _ w: UnsafeMutablePointer<UInt8>, _ n: Int, _ suffixLength: Int, _ s: StaticString
    ) -> Int {
        let start = n &- suffixLength
        let m = s.utf8CodeUnitCount
        let p = s.utf8Start
        var i = 0
        while i < m {
            w[start &+ i] = p[i]
            i &+= 1
        }
        return start &+ m
    }

    // MARK: - Exceptions

    /// Exceptional forms: whole words with an irregular stem, or that must not be stemmed at all.
    /// Returns the new length when the word is one of them, nil otherwise.
    @inline(__always)
    private static func exception1(_ w: UnsafeMutablePointer<UInt8>, _ n: Int) -> Int? {
        // Every entry is 3 to 6 letters long; the length test rejects most words before any comparison.
        guard n >= 3 && n <= 6 else { return nil }
        switch w[0] {
        case 0x61:  // a: not plurals
            if equals(w, n, "atlas") || equals(w, n, "andes") { return n }
        case 0x62:  // b
            if equals(w, n, "bias") { return n }
        case 0x63:  // c
            if equals(w, n, "cosmos") { return n }
        case 0x65:  // e: -ly words too short for the -li rule to be right
            if equals(w, n, "early") { return replace(w, n, 1, "i") }
        case 0x67:  // g
            if equals(w, n, "gently") { return n &- 1 }
        case 0x68:  // h: a surname, not "how"
            if equals(w, n, "howe") { return n }
        case 0x69:  // i
            if equals(w, n, "idly") { return n &- 1 }
        case 0x6E:  // n: not the plural of "new"
            if equals(w, n, "news") { return n }
        case 0x6F:  // o
            if equals(w, n, "only") { return replace(w, n, 1, "i") }
        case 0x73:  // s: sky/skies/ski/skis would otherwise collide
            if n == 3 { return equals(w, n, "sky") ? n : nil }
            if equals(w, n, "skis") { return n &- 1 }
            if equals(w, n, "skies") { return replace(w, n, 3, "y") }
            if equals(w, n, "singly") { return n &- 1 }
        case 0x75:  // u
            if equals(w, n, "ugly") { return replace(w, n, 1, "i") }
        default:
            break
        }
        return nil
    }

    // MARK: - Regions

    /// Computes the R1 and R2 start offsets (each `n` when the region is empty).
    @inline(__always)
    private static func markRegions(_ w: UnsafeMutablePointer<UInt8>, _ n: Int) -> (Int, Int) {
        // Words built on these prefixes would otherwise get an R1 so short that unrelated words collide
        // ("general"/"generous", "past"/"paste", "organ"/"organize", "intern"/"international", ...), so R1 starts
        // right after the prefix instead.
        var prefix = 0
        switch w[0] {
        case 0x61: if starts(w, n, "arsen") { prefix = 5 }
        case 0x63: if starts(w, n, "commun") { prefix = 6 }
        case 0x65: if starts(w, n, "emerg") { prefix = 5 }
        case 0x67: if starts(w, n, "gener") { prefix = 5 }
        case 0x69: if starts(w, n, "inter") { prefix = 5 }
        case 0x6C: if starts(w, n, "later") { prefix = 5 }
        case 0x6F: if starts(w, n, "organ") { prefix = 5 }
        case 0x70: if starts(w, n, "past") { prefix = 4 }
        case 0x75: if starts(w, n, "univers") { prefix = 7 }
        default: break
        }
        let p1: Int
        if prefix != 0 {
            p1 = prefix
        } else {
            let r = afterVowelConsonant(w, from: 0, n)
            // No vowel-consonant pair at all: both regions are empty.
            if r == n { return (n, n) }
            p1 = r
        }
        return (p1, afterVowelConsonant(w, from: p1, n))
    }

    /// The offset just after the first non-vowel that follows a vowel, searching from `start`; `n` if there is none.
    @inline(__always)
    private static func afterVowelConsonant(_ w: UnsafeMutablePointer<UInt8>, from start: Int, _ n: Int) -> Int {
        var i = start
        while i < n && !isVowel(w[i]) { i &+= 1 }
        i &+= 1
        while i < n && isVowel(w[i]) { i &+= 1 }
        return i < n ? i &+ 1 : n
    }

    /// True when `w[0..<end]` ends in a short syllable: a vowel followed by a non-vowel other than w, x or Y and
    /// preceded by a non-vowel ("trap"), a vowel then a non-vowel that make up the whole word ("at"), or "past"
    /// (so that "pasted" and "pasting" give "paste" rather than colliding with "past").
    @inline(__always)
    private static func endsShortSyllable(_ w: UnsafeMutablePointer<UInt8>, _ end: Int) -> Bool {
        if end >= 3 {
            if !isVowelWXY(w[end &- 1]) && isVowel(w[end &- 2]) && !isVowel(w[end &- 3]) { return true }
            return end >= 4 && ends(w, end, "past")
        }
        return end == 2 && !isVowel(w[1]) && isVowel(w[0])
    }

    // MARK: - Steps

    /// Step 0 and step 1a: possessive apostrophes, then plural -s/-es/-ies.
    @inline(__always)
    private static func step1a(_ w: UnsafeMutablePointer<UInt8>, _ n: inout Int) {
        // Step 0: the longest of ', 's, 's'.
        let last = w[n &- 1]
        if last == apostrophe {
            n = ends(w, n, "'s'") ? n &- 3 : n &- 1
        } else if last == 0x73 && n >= 2 && w[n &- 2] == apostrophe {
            n &-= 2
        }
        // A word such as "''s" can be used up entirely.
        guard n >= 1 else { return }
        switch w[n &- 1] {
        case 0x73:  // s
            if ends(w, n, "sses") {
                n &-= 2
            } else if ends(w, n, "ies") {
                // "ties" -> "tie" but "cries" -> "cri": keep the e when only one letter precedes.
                n = n > 4 ? n &- 2 : n &- 1
            } else if ends(w, n, "ss") || ends(w, n, "us") {
                return
            } else if hasVowel(w, below: n &- 2) {
                // Drop -s only when a vowel occurs before the letter preceding it ("gas" and "this" keep it).
                n &-= 1
            }
        case 0x64:  // d
            if ends(w, n, "ied") { n = n > 4 ? n &- 2 : n &- 1 }
        default:
            break
        }
    }

    /// Step 1b: -eed, -ed, -ing and their -ly forms, then repair the exposed end ("hopp" -> "hop", "hop" -> "hope").
    @inline(__always)
    private static func step1b(_ w: UnsafeMutablePointer<UInt8>, _ n: inout Int, _ p1: Int) {
        guard n >= 2 else { return }
        let suffix: Int
        switch w[n &- 1] {
        case 0x64:  // d
            if ends(w, n, "eed") {
                eed(w, &n, p1, 3)
                return
            }
            guard w[n &- 2] == e else { return }
            suffix = 2
        case 0x79:  // y
            if ends(w, n, "eedly") {
                eed(w, &n, p1, 5)
                return
            }
            if ends(w, n, "ingly") {
                suffix = 5
            } else if ends(w, n, "edly") {
                suffix = 4
            } else {
                return
            }
        case 0x67:  // g
            guard ends(w, n, "ing") else { return }
            let s = n &- 3
            // "dying", "lying", "tying", "hying", "vying": one non-vowel then y before -ing becomes "ie".
            if s == 2 && w[1] == y && !isVowel(w[0]) {
                w[1] = 0x69
                w[2] = e
                n = 3
                return
            }
            // -ing that belongs to the root: "inning" is not "in" and "evening" is not "even".
            if s == 3 {
                if equals(w, s, "inn") || equals(w, s, "out") { return }
            } else if s == 4 {
                if equals(w, s, "cann") || equals(w, s, "herr") || equals(w, s, "earr") || equals(w, s, "even") {
                    return
                }
            }
            suffix = 3
        default:
            return
        }
        // Only verbal endings on a stem that still has a vowel: "bring" and "shed" stay.
        let s = n &- suffix
        guard hasVowel(w, below: s) else { return }
        n = s
        // The stem has a vowel, so at least one letter; a one-letter stem needs no repair.
        guard n >= 2 else { return }
        let c1 = w[n &- 2]
        let c2 = w[n &- 1]
        if (c1 == a && c2 == 0x74) || (c1 == 0x62 && c2 == 0x6C) || (c1 == 0x69 && c2 == 0x7A) {
            // -at, -bl, -iz lost an e ("luxuriat" -> "luxuriate").
            w[n] = e
            n &+= 1
        } else if c1 == c2 && inMask(c2, undoubleMask) {
            // Undouble ("hopp" -> "hop"), except where a, e or o plus the double is the whole word ("add", "egg").
            if !(n == 3 && inMask(w[0], aeoMask)) { n &-= 1 }
        } else if n == p1 && endsShortSyllable(w, n) {
            // A short word lost an e ("hop" -> "hope").
            w[n] = e
            n &+= 1
        }
    }

    /// -eed and -eedly: become -ee when in R1, except in "proceed", "exceed" and "succeed", where it is the root.
    @inline(__always)
    private static func eed(_ w: UnsafeMutablePointer<UInt8>, _ n: inout Int, _ p1: Int, _ suffix: Int) {
        let s = n &- suffix
        guard s >= p1 else { return }
        if (s == 4 && equals(w, s, "proc")) || (s == 3 && equals(w, s, "exc")) || (s == 4 && equals(w, s, "succ")) {
            return
        }
        n = s &+ 2
    }

    /// Step 1c: final y or Y after a non-vowel that is not the first letter becomes i ("cry" -> "cri", "by" stays).
    @inline(__always)
    private static func step1c(_ w: UnsafeMutablePointer<UInt8>, _ n: Int) {
        guard n >= 3 else { return }
        let last = w[n &- 1]
        if (last == y || last == upperY) && !isVowel(w[n &- 2]) { w[n &- 1] = 0x69 }
    }

    /// Step 2: derivational suffixes in R1 mapped to a shorter form.
    @inline(__always)
    private static func step2(_ w: UnsafeMutablePointer<UInt8>, _ n: inout Int, _ p1: Int) {
        // The shortest suffix (-li) has two letters and R1 never starts before offset 2.
        guard n >= 4 else { return }
        switch w[n &- 1] {
        case 0x6C:  // l
            if ends(w, n, "ational") {
                if n &- 7 >= p1 { n = replace(w, n, 7, "ate") }
            } else if ends(w, n, "tional") {
                if n &- 6 >= p1 { n &-= 2 }
            }
        case 0x69:  // i
            step2i(w, &n, p1)
        case 0x72:  // r
            if ends(w, n, "izer") {
                if n &- 4 >= p1 { n &-= 1 }
            } else if ends(w, n, "ator") {
                if n &- 4 >= p1 { n = replace(w, n, 2, "e") }
            }
        case 0x6E:  // n
            if ends(w, n, "ization") {
                if n &- 7 >= p1 { n = replace(w, n, 5, "e") }
            } else if ends(w, n, "ation") {
                if n &- 5 >= p1 { n = replace(w, n, 3, "e") }
            }
        case 0x6D:  // m
            if ends(w, n, "alism") {
                if n &- 5 >= p1 { n &-= 3 }
            }
        case 0x73:  // s
            if ends(w, n, "fulness") || ends(w, n, "ousness") || ends(w, n, "iveness") {
                if n &- 7 >= p1 { n &-= 4 }
            }
        case 0x74:  // t: "geologist" joins "geology"
            if ends(w, n, "ogist") {
                if n &- 5 >= p1 { n &-= 3 }
            }
        default:
            break
        }
    }

    /// Step 2 for words ending in i, which has the most suffixes; dispatches on the second-to-last letter.
    @inline(__always)
    private static func step2i(_ w: UnsafeMutablePointer<UInt8>, _ n: inout Int, _ p1: Int) {
        switch w[n &- 2] {
        case 0x63:  // -ci: enci -> ence, anci -> ance
            if ends(w, n, "enci") || ends(w, n, "anci") {
                if n &- 4 >= p1 { w[n &- 1] = e }
            }
        case 0x67:  // -gi: logi -> log
            if ends(w, n, "ogi") && n &- 3 >= p1 && w[n &- 4] == 0x6C { n &-= 1 }
        case 0x74:  // -ti
            if ends(w, n, "biliti") {
                if n &- 6 >= p1 { n = replace(w, n, 5, "le") }
            } else if ends(w, n, "aliti") {
                if n &- 5 >= p1 { n &-= 3 }
            } else if ends(w, n, "iviti") {
                if n &- 5 >= p1 { n = replace(w, n, 3, "e") }
            }
        case 0x6C:  // -li and its longer forms, longest first
            if ends(w, n, "lessli") {
                if n &- 6 >= p1 { n &-= 2 }
            } else if ends(w, n, "entli") || ends(w, n, "ousli") || ends(w, n, "fulli") {
                if n &- 5 >= p1 { n &-= 2 }
            } else if ends(w, n, "abli") {
                if n &- 4 >= p1 { w[n &- 1] = e }
            } else if ends(w, n, "alli") {
                if n &- 4 >= p1 { n &-= 2 }
            } else if ends(w, n, "bli") {
                if n &- 3 >= p1 { w[n &- 1] = e }
            } else if n &- 2 >= p1 && inMask(w[n &- 3], validLIMask) {
                // A bare -li only after letters that can end an English stem before -ly.
                n &-= 2
            }
        default:
            break
        }
    }

    /// Step 3: more derivational suffixes in R1; -ative only in R2.
    @inline(__always)
    private static func step3(_ w: UnsafeMutablePointer<UInt8>, _ n: inout Int, _ p1: Int, _ p2: Int) {
        // The shortest suffix (-ful) has three letters and R1 never starts before offset 2.
        guard n >= 5 else { return }
        switch w[n &- 1] {
        case 0x6C:  // l
            if ends(w, n, "ational") {
                if n &- 7 >= p1 { n = replace(w, n, 7, "ate") }
            } else if ends(w, n, "tional") {
                if n &- 6 >= p1 { n &-= 2 }
            } else if ends(w, n, "ical") {
                if n &- 4 >= p1 { n &-= 2 }
            } else if ends(w, n, "ful") {
                if n &- 3 >= p1 { n &-= 3 }
            }
        case 0x65:  // e
            if ends(w, n, "alize") || ends(w, n, "icate") {
                if n &- 5 >= p1 { n &-= 3 }
            } else if ends(w, n, "ative") {
                if n &- 5 >= p2 { n &-= 5 }
            }
        case 0x69:  // i
            if ends(w, n, "iciti") {
                if n &- 5 >= p1 { n &-= 3 }
            }
        case 0x73:  // s
            if ends(w, n, "ness") {
                if n &- 4 >= p1 { n &-= 4 }
            }
        default:
            break
        }
    }

    /// Step 4: suffixes removed outright when they lie in R2.
    @inline(__always)
    private static func step4(_ w: UnsafeMutablePointer<UInt8>, _ n: inout Int, _ p2: Int) {
        // R2 never starts before offset 4, and the shortest suffix has two letters.
        guard n >= 6 else { return }
        let len: Int
        switch w[n &- 1] {
        case 0x6C:  // l
            guard w[n &- 2] == a else { return }
            len = 2
        case 0x65:  // e
            if ends(w, n, "ance") || ends(w, n, "ence") || ends(w, n, "able") || ends(w, n, "ible") {
                len = 4
            } else if ends(w, n, "ate") || ends(w, n, "ive") || ends(w, n, "ize") {
                len = 3
            } else {
                return
            }
        case 0x72:  // r
            guard w[n &- 2] == e else { return }
            len = 2
        case 0x63:  // c
            guard w[n &- 2] == 0x69 else { return }
            len = 2
        case 0x74:  // t
            if ends(w, n, "ement") {
                len = 5
            } else if ends(w, n, "ment") {
                len = 4
            } else if ends(w, n, "ant") || ends(w, n, "ent") {
                len = 3
            } else {
                return
            }
        case 0x6D:  // m
            guard ends(w, n, "ism") else { return }
            len = 3
        case 0x69:  // i
            guard ends(w, n, "iti") else { return }
            len = 3
        case 0x73:  // s
            guard ends(w, n, "ous") else { return }
            len = 3
        case 0x6E:  // n
            // -ion only after s or t ("adoption" -> "adopt", but "champion" keeps it).
            guard ends(w, n, "ion") else { return }
            let c = w[n &- 4]
            guard c == 0x73 || c == 0x74 else { return }
            len = 3
        default:
            return
        }
        if n &- len >= p2 { n &-= len }
    }

    /// Step 5: a final e in R2, or in R1 when not after a short syllable; a final ll in R2 loses one l.
    @inline(__always)
    private static func step5(_ w: UnsafeMutablePointer<UInt8>, _ n: inout Int, _ p1: Int, _ p2: Int) {
        guard n >= 3 else { return }
        let at = n &- 1
        let last = w[at]
        if last == e {
            if at >= p2 || (at >= p1 && !endsShortSyllable(w, at)) { n = at }
        } else if last == 0x6C {
            if at >= p2 && w[at &- 1] == 0x6C { n = at }
        }
    }
}
