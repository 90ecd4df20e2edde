import Testing

@testable import Saiga

/// Folds one scalar to a String (the fold is always valid UTF-8, see `everyScalarFoldsToValidUTF8`).
private func folded(_ scalar: Unicode.Scalar) -> String {
    folded(scalar.value)
}

private func folded(_ value: UInt32) -> String {
    let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: UnicodeTables.maxFoldedBytes)
    defer { buf.deallocate() }
    let n = UnicodeTables.fold(value, into: buf)
    return String(decoding: UnsafeBufferPointer(start: buf, count: n), as: UTF8.self)
}

/// Folds every scalar of `text` and concatenates.
private func folded(text: String) -> String {
    text.unicodeScalars.map { folded($0) }.joined()
}

private func wordClass(_ scalar: Unicode.Scalar) -> WordClass {
    UnicodeTables.wordClass(scalar.value)
}

@Suite struct UnicodeTablesTests {
    @Test func latinDiacriticsFold() {
        #expect(folded("é") == "e")
        #expect(folded("À") == "a")
        #expect(folded("ǿ") == "o")
        #expect(folded(text: "Crème Brûlée") == "creme brulee")
        #expect(wordClass("é") == .letter)
    }

    @Test func fullCaseFolding() {
        #expect(folded("ß") == "ss")
        #expect(folded("ẞ") == "ss")
        #expect(folded("Σ") == "σ")
        #expect(folded("σ") == "σ")
        #expect(folded("ς") == "σ")
        #expect(folded("İ") == "i")  // Turkish dotted capital I
        #expect(folded("ı") == "i")  // dotless i (special list)
        #expect(folded("\u{212A}") == "k")  // KELVIN SIGN
    }

    @Test func cyrillic() {
        #expect(folded("Қ") == "қ")  // Kazakh: descender is not a combining mark
        #expect(folded("қ") == "қ")
        #expect(folded("Ё") == "е")
        #expect(folded("ё") == "е")
        #expect(folded(text: "Москва") == "москва")
    }

    @Test func compatibilityForms() {
        #expect(folded("ﬁ") == "fi")
        #expect(folded("Ａ") == "a")
        #expect(folded("ｚ") == "z")
        #expect(folded("𝐀") == "a")  // MATHEMATICAL BOLD CAPITAL A: NFKD gives 'A', then casefold
        #expect(folded("²") == "2")
        #expect(wordClass("²") == .digit)
        #expect(folded("①") == "1")
        #expect(wordClass("٣") == .digit)
        #expect(folded("Ⅻ") == "xii")  // ROMAN NUMERAL TWELVE (Nl): letter
        #expect(wordClass("Ⅻ") == .letter)
    }

    @Test func fractionFallsBack() {
        // NFKD of ½ is "1⁄2" with U+2044 FRACTION SLASH, not a word scalar: falls back to ½ itself.
        #expect(wordClass("½") == .digit)
        #expect(folded("½") == "½")
        #expect(folded("⑴") == "⑴")  // NFKD "(1)"
    }

    @Test func combiningMarks() {
        let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: UnicodeTables.maxFoldedBytes)
        defer { buf.deallocate() }
        #expect(UnicodeTables.fold(0x0301, into: buf) == 0)
        #expect(UnicodeTables.wordClass(0x0301) == .mark)
        #expect(UnicodeTables.wordClass(0x200D) == .mark)  // ZWJ
        #expect(UnicodeTables.fold(0x200D, into: buf) == 0)
        #expect(UnicodeTables.fold(0x00AD, into: buf) == 0)  // soft hyphen
        #expect(UnicodeTables.wordClass(0x00AD) == .mark)
        // decomposed input folds like precomposed input
        #expect(folded(text: "e\u{0301}") == folded("é"))
        // marks of other scripts are kept
        #expect(UnicodeTables.wordClass(0x093F) == .mark)  // DEVANAGARI VOWEL SIGN I
        #expect(folded(0x093F) == "\u{093F}")
        #expect(folded(0x05B7) == "\u{05B7}")  // HEBREW POINT PATAH
    }

    @Test func separators() {
        #expect(UnicodeTables.wordClass(0x00A0) == .separator)  // NBSP
        #expect(UnicodeTables.wordClass(0x2014) == .separator)  // em dash
        #expect(UnicodeTables.wordClass(0x2013) == .separator)  // en dash
        #expect(UnicodeTables.wordClass(0x3000) == .separator)  // ideographic space
        #expect(UnicodeTables.wordClass(0x200B) == .separator)  // zero width space
        #expect(UnicodeTables.wordClass(0x1F600) == .separator)  // 😀
        #expect(folded(0x1F600) == "😀")
        #expect(UnicodeTables.wordClass(0x10FFFF) == .separator)
        #expect(folded(0x10FFFF) == "\u{10FFFF}")
        #expect(UnicodeTables.wordClass(0xE000) == .separator)  // private use
        #expect(UnicodeTables.wordClass(0x0378) == .separator)  // unassigned
        #expect(UnicodeTables.wordClass(0xD800) == .separator)  // surrogate
        #expect(folded(0xD800) == "\u{FFFD}")
        #expect(UnicodeTables.wordClass(0x110000) == .separator)  // out of range
        #expect(folded(0xFFFF_FFFF) == "\u{FFFD}")
        #expect(wordClass(":") == .separator)
        #expect(wordClass("：") == .separator)
    }

    @Test func apostrophes() {
        for s: Unicode.Scalar in ["'", "\u{2019}", "\u{02BC}", "\u{FF07}"] {
            #expect(wordClass(s) == .apostrophe)
            #expect(folded(s) == "'")
        }
        #expect(folded(text: "don\u{2019}t") == "don't")
    }

    @Test func cjk() {
        #expect(wordClass("中") == .ideograph)
        #expect(folded("中") == "中")
        #expect(wordClass("あ") == .ideograph)  // Hiragana
        #expect(wordClass("の") == .ideograph)
        #expect(wordClass("ア") == .letter)  // Katakana
        #expect(wordClass("ｱ") == .letter)  // halfwidth Katakana
        #expect(folded("ｱ") == "ア")
        #expect(wordClass("ー") == .letter)  // prolonged sound mark
        #expect(wordClass("々") == .ideograph)
        #expect(wordClass("한") == .letter)  // Hangul
        #expect(folded("한") == "\u{1112}\u{1161}\u{11AB}")
        #expect(folded(text: "\u{1112}\u{1161}\u{11AB}") == folded("한"))
        #expect(UnicodeTables.wordClass(0x20000) == .ideograph)  // Extension B
        #expect(folded(0xF900) == "\u{8C48}")  // compatibility ideograph -> unified
        #expect(folded("が") == "か\u{3099}")  // canonical decomposition, voicing kept
        #expect(wordClass("\u{3099}") == .mark)
    }

    @Test func joiners() {
        #expect(wordClass(".") == .midNumLet)
        #expect(wordClass("．") == .midNumLet)
        #expect(folded("．") == ".")
        #expect(wordClass(",") == .midNum)
        #expect(wordClass(";") == .midNum)
        #expect(wordClass("\u{037E}") == .midNum)  // GREEK QUESTION MARK
        #expect(folded("\u{037E}") == ";")
        #expect(wordClass("_") == .connector)
        #expect(wordClass("＿") == .connector)
        #expect(folded("＿") == "_")
        #expect(wordClass("·") == .midLetter)
        #expect(wordClass("-") == .separator)
    }

    @Test func specialLatinLetters() {
        #expect(folded("ø") == "o")
        #expect(folded("Ø") == "o")
        #expect(folded("ł") == "l")
        #expect(folded("Ł") == "l")
        #expect(folded("æ") == "ae")
        #expect(folded("Æ") == "ae")
        #expect(folded("œ") == "oe")
        #expect(folded("þ") == "th")
        #expect(folded("đ") == "d")
        #expect(folded("ð") == "d")
        #expect(folded("ŀ") == "l")
        #expect(folded(text: "Łódź") == "lodz")
    }

    @Test func lookupMatchesStaticAPI() {
        let lookup = UnicodeTables.Lookup()
        let a = UnsafeMutablePointer<UInt8>.allocate(capacity: UnicodeTables.maxFoldedBytes)
        let b = UnsafeMutablePointer<UInt8>.allocate(capacity: UnicodeTables.maxFoldedBytes)
        defer {
            a.deallocate()
            b.deallocate()
        }
        var scalar: UInt32 = 0
        while scalar <= 0x10FFFF {
            #expect(lookup.wordClass(scalar) == UnicodeTables.wordClass(scalar))
            let n = lookup.fold(scalar, into: a)
            #expect(n == UnicodeTables.fold(scalar, into: b))
            scalar += 97
        }
    }

    @Test func asciiMatchesSimpleLowercase() {
        let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: UnicodeTables.maxFoldedBytes)
        defer { buf.deallocate() }
        for c in UInt32(0)..<0x80 {
            let n = UnicodeTables.fold(c, into: buf)
            let lower = (0x41...0x5A).contains(c) ? c + 0x20 : c
            #expect(n == 1 && UInt32(buf[0]) == lower, "ASCII \(c)")
            let expected: WordClass
            switch UInt8(c) {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): expected = .letter
            case UInt8(ascii: "0")...UInt8(ascii: "9"): expected = .digit
            case UInt8(ascii: "'"): expected = .apostrophe
            case UInt8(ascii: "."): expected = .midNumLet
            case UInt8(ascii: ","), UInt8(ascii: ";"): expected = .midNum
            case UInt8(ascii: "_"): expected = .connector
            default: expected = .separator
            }
            #expect(UnicodeTables.wordClass(c) == expected, "ASCII \(c)")
        }
    }

    /// For every scalar value: at most maxFoldedBytes bytes of valid UTF-8, a class that agrees
    /// with `WordClass(rawValue:)`, and a fold that is stable (folding it again changes nothing).
    @Test func everyScalarFoldsToValidUTF8() {
        let max = UnicodeTables.maxFoldedBytes
        let guardBytes = 16
        let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: max + guardBytes)
        let again = UnsafeMutablePointer<UInt8>.allocate(capacity: max * max)
        defer {
            buf.deallocate()
            again.deallocate()
        }
        var longest = 0
        var failures = 0
        for scalar in UInt32(0)...0x10FFFF {
            buf.initialize(repeating: 0xAA, count: max + guardBytes)
            let n = UnicodeTables.fold(scalar, into: buf)
            longest = Swift.max(longest, n)
            var ok = n >= 0 && n <= max
            for i in n..<(max + guardBytes) where buf[i] != 0xAA { ok = false }
            let bytes = UnsafeBufferPointer(start: buf, count: Swift.max(0, Swift.min(n, max)))
            guard ok, let text = String(validating: bytes, as: UTF8.self) else {
                failures += 1
                if failures < 10 { Issue.record("U+\(String(scalar, radix: 16)): \(n) bytes, invalid") }
                continue
            }
            let cls = UnicodeTables.wordClass(scalar)
            if n == 0 && cls != .mark {
                failures += 1
                if failures < 10 { Issue.record("U+\(String(scalar, radix: 16)) folds to nothing but is \(cls)") }
            }
            // idempotence for the classes whose fold ends up in tokens
            if cls != .separator {
                var m = 0
                for s in text.unicodeScalars { m += UnicodeTables.fold(s.value, into: again + m) }
                if !(m == n && memcmpEqual(again, buf, n)) {
                    failures += 1
                    if failures < 10 { Issue.record("U+\(String(scalar, radix: 16)): fold not stable") }
                }
            }
        }
        #expect(failures == 0)
        #expect(longest == max, "maxFoldedBytes is the maximum, not just a bound")
    }

    @Test func wordClassRawValuesAreDeclarationOrder() {
        // UnicodeTables.Lookup.wordClass bit-casts the table's class number to WordClass.
        let all: [WordClass] = [
            .separator, .letter, .digit, .mark, .ideograph, .apostrophe,
            .midLetter, .midNumLet, .midNum, .connector,
        ]
        for (i, c) in all.enumerated() {
            #expect(c.rawValue == UInt8(i))
            #expect(unsafeBitCast(UInt8(i), to: WordClass.self) == c)
        }
    }
}

private func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    for i in 0..<n where a[i] != b[i] { return false }
    return true
}
