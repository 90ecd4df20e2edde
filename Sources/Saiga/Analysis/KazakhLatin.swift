// Kazakh in the Latin alphabet of 2021 (the version published by the government of Kazakhstan on 28 January 2021),
// read back into Cyrillic so that `Qazaqstan` and `Қазақстан` give one term.
//
// Letter table (Latin → Cyrillic; upper case maps as its lower case):
//
//     a а   ä ә   b б   d д   e е   f ф   g г   ğ ғ   h х   ı і   i и (й after a vowel)   j ж   k к   l л
//     m м   n н   ñ ң   o о   ö ө   p п   q қ   r р   s с   ş ш   t т   u у   ū ұ   ü ү   v в   y ы   z з
//     ch ч (c appears in no other native spelling)
//
// - The alphabet writes both и and й as `i`: a `i` after a vowel is й (`üiıne` үйіне, `qalaiyn` қалайын), otherwise
//   и (`kiım` киім, `respublika` республика).
// - `I` is the capital of `ı` (і) and `İ` the capital of `i` (и), as in the alphabet (and Turkish).
// - Both х and һ are `h`; it reads as х, the far more common letter (`halyq` халық).
// - Letters may come precomposed or as a base letter and a combining mark (ä = a + U+0308).
// - A word with any other letter (c outside ch, w, x, any other accent), a digit or an apostrophe is not Kazakh
//   Latin: the caller keeps it as it is. In an `auto` field only a word with a q not before u is tried, and kept
//   only if it then has two letters only Kazakh has (`Qazaqstan`, `Qarağandy`), so `Iraq`, `Qatar` and
//   `Düsseldorf` stay English words.
// Letters only Russian loanwords use in Cyrillic (ц щ ъ ь э ю я ё) have no single Latin letter; a loanword written
// with them reads back differently, so only its Cyrillic spelling finds it.

/// Transliteration of Kazakh Latin (2021) words to Cyrillic.
@usableFromInline enum KazakhLatin {
    /// Writes the Cyrillic spelling of the word in `source[0..<count]` (UTF-8, as written) into `out` (room for
    /// `capacity` bytes) and returns its length in bytes; 0 when the word is not written in the Kazakh Latin
    /// alphabet, or its Cyrillic spelling would be longer than `Analyzer.maxTermBytes`.
    @usableFromInline
    static func toCyrillic(
        _ source: UnsafePointer<UInt8>, _ count: Int, into out: UnsafeMutablePointer<UInt8>, capacity: Int
    ) -> Int {
        let limit = min(capacity, Analyzer.maxTermBytes)
        var written = 0
        // The Cyrillic letter written last (for й and combining marks) and where its bytes start.
        var last: UInt32 = 0
        var lastAt = 0
        var lastLatin: UInt32 = 0
        var i = 0
        while i < count {
            var scalar = UInt32(source[i])
            var length = 1
            if scalar >= 0x80 {
                (scalar, length) = Analyzer.decodeMultibyte(source, i, count)
                if length == 0 { return 0 }
            }
            i &+= length
            let pendingC = lastLatin | 0x20 == 0x63
            let letter: UInt32
            if pendingC && scalar | 0x20 == 0x68 {
                // `ch`: the c written before becomes ч.
                written = lastAt
                letter = 0x447
            } else if pendingC {
                return 0  // c alone is no letter of the alphabet
            } else if (0x0303...0x0327).contains(scalar) {
                // A combining mark: it changes the letter before it.
                guard let changed = combined(lastLatin, scalar) else { return 0 }
                written = lastAt
                letter = changed
            } else {
                guard let l = cyrillic(scalar, after: last) else { return 0 }
                letter = l
            }
            lastLatin = scalar < 0x80 ? scalar : 0
            if written &+ 2 > limit { return 0 }
            lastAt = written
            // c waits for its h (its two bytes are rewritten then).
            out[written] = UInt8(truncatingIfNeeded: 0xC0 | letter >> 6)
            out[written &+ 1] = UInt8(truncatingIfNeeded: 0x80 | letter & 0x3F)
            written &+= 2
            last = letter
        }
        if lastLatin | 0x20 == 0x63 { return 0 }
        return written
    }

    /// The Cyrillic letter of a Latin one (`c` stays `c` until its `h` arrives), nil for a letter the alphabet does
    /// not have.
    @inline(__always)
    private static func cyrillic(_ scalar: UInt32, after previous: UInt32) -> UInt32? {
        switch scalar {
        case 0x61, 0x41: return 0x430  // a
        case 0x62, 0x42: return 0x431  // b
        case 0x63, 0x43: return 0x63  // c, only in ch
        case 0x64, 0x44: return 0x434  // d
        case 0x65, 0x45: return 0x435  // e
        case 0x66, 0x46: return 0x444  // f
        case 0x67, 0x47: return 0x433  // g
        case 0x68, 0x48: return 0x445  // h
        case 0x69, 0x130: return isVowel(previous) ? 0x439 : 0x438  // i, İ
        case 0x49, 0x131: return 0x456  // I, ı
        case 0x6A, 0x4A: return 0x436  // j
        case 0x6B, 0x4B: return 0x43A  // k
        case 0x6C, 0x4C: return 0x43B  // l
        case 0x6D, 0x4D: return 0x43C  // m
        case 0x6E, 0x4E: return 0x43D  // n
        case 0x6F, 0x4F: return 0x43E  // o
        case 0x70, 0x50: return 0x43F  // p
        case 0x71, 0x51: return 0x49B  // q
        case 0x72, 0x52: return 0x440  // r
        case 0x73, 0x53: return 0x441  // s
        case 0x74, 0x54: return 0x442  // t
        case 0x75, 0x55: return 0x443  // u
        case 0x76, 0x56: return 0x432  // v
        case 0x79, 0x59: return 0x44B  // y
        case 0x7A, 0x5A: return 0x437  // z
        case 0xE4, 0xC4: return 0x4D9  // ä
        case 0x11F, 0x11E: return 0x493  // ğ
        case 0xF1, 0xD1: return 0x4A3  // ñ
        case 0xF6, 0xD6: return 0x4E9  // ö
        case 0x15F, 0x15E: return 0x448  // ş
        case 0x16B, 0x16A: return 0x4B1  // ū
        case 0xFC, 0xDC: return 0x4AF  // ü
        default: return nil
        }
    }

    /// A base letter with a combining mark, as its precomposed letter's Cyrillic.
    @inline(__always)
    private static func combined(_ base: UInt32, _ mark: UInt32) -> UInt32? {
        switch (base | 0x20, mark) {
        case (0x61, 0x0308): return 0x4D9  // ä
        case (0x6F, 0x0308): return 0x4E9  // ö
        case (0x75, 0x0308): return 0x4AF  // ü
        case (0x67, 0x0306): return 0x493  // ğ
        case (0x73, 0x0327): return 0x448  // ş
        case (0x75, 0x0304): return 0x4B1  // ū
        case (0x6E, 0x0303): return 0x4A3  // ñ
        case (0x69, 0x0307) where base == 0x49: return 0x438  // İ
        default: return nil
        }
    }

    /// How many letters of the Cyrillic word read from Latin (UTF-8, `word[0..<count]`) only Kazakh has and a Latin
    /// writer can only mean as Kazakh: ә ғ қ ң ө ұ ү, from ä ğ q ñ ö ū ü (not і, which a capital I also gives).
    @usableFromInline
    static func kazakhOnlyLetters(_ word: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
        var found = 0
        var k = 0
        while k &+ 1 < count {
            switch (word[k], word[k &+ 1]) {
            case (0xD2, 0x93), (0xD2, 0x9B), (0xD2, 0xA3), (0xD2, 0xAF), (0xD2, 0xB1), (0xD3, 0x99), (0xD3, 0xA9):
                found &+= 1
            default:
                break
            }
            k &+= 2
        }
        return found
    }

    /// Kazakh's vowels in Cyrillic: а ә е и о ө у ұ ү ы і э ю я.
    @inline(__always)
    private static func isVowel(_ letter: UInt32) -> Bool {
        switch letter {
        case 0x430, 0x4D9, 0x435, 0x438, 0x43E, 0x4E9, 0x443, 0x4B1, 0x4AF, 0x44B, 0x456, 0x44D, 0x44E, 0x44F:
            return true
        default:
            return false
        }
    }
}
