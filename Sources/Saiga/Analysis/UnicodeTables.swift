// UnicodeTables.swift
//
// Word-break classes and search folding for every Unicode scalar, backed by the tables in
// UnicodeTables.generated.swift (written by Tools/unicode/gen-unicode-tables.py; the Unicode
// version is recorded there, see `UnicodeTableData.unicodeVersion`).

/// Word-break class of a scalar, in the spirit of UAX #29.
///
/// The raw values are part of the generated table format: do not reorder.
@usableFromInline internal enum WordClass: UInt8, Sendable {
    /// Whitespace (incl. NBSP and all Zs), controls (Cc), U+200B ZERO WIDTH SPACE, punctuation,
    /// dashes (all Pd), colons (':' and its fullwidth/small/vertical forms), symbols (incl. emoji),
    /// unassigned, private use, surrogates.
    case separator = 0
    /// L* (Lu Ll Lt Lm Lo) and Nl, except the ideographs. Katakana, Hangul, Thai, Lao, Khmer,
    /// Myanmar are letters (a run of Thai is one token, as in Lucene's StandardTokenizer).
    /// Also U+05F3 HEBREW GERESH (ALetter in UAX #29).
    case letter
    /// Nd and No (², ①, ½ ...), plus U+066B ARABIC DECIMAL SEPARATOR (Numeric in UAX #29).
    case digit
    /// Mn, Mc, Me, and the format characters (all Cf except U+200B, so ZWJ, ZWNJ, soft hyphen,
    /// bidi controls, BOM, tags), default-ignorables (variation selectors, Hangul fillers),
    /// U+FF9E/U+FF9F halfwidth kana voiced marks, and the Armenian in-word emphasis, exclamation
    /// and question marks (U+055B, U+055C, U+055E): extends the preceding character
    /// (UAX #29 WB4), never starts a token.
    case mark
    /// Scalars that are each a word (one token per scalar): Han (CJK unified ideographs and
    /// all extensions, compatibility ideographs, 々 〆 〇 〻 ...), Hiragana, Tangut, Khitan,
    /// Nushu and Yi syllables.
    case ideograph
    /// U+0027 ', U+2019 ’, U+02BC ʼ, U+FF07 ＇, U+055A ՚ (all fold to ASCII ').
    case apostrophe
    /// UAX #29 MidLetter except the colons: U+00B7 ·, U+0387 ·, U+055F ֟, U+05F4 ״, U+2027 ‧.
    /// Joins letters only.
    case midLetter
    /// UAX #29 MidNumLet except the apostrophes: '.', U+2018 ‘, U+2024 ․, U+FE52 ﹒, U+FF0E ．.
    /// Joins letters or digits.
    case midNumLet
    /// UAX #29 MidNum: ',' ';' U+037E U+0589 U+060C U+060D U+066C U+07F8 U+2044 U+FE10 U+FE14
    /// U+FE50 U+FE54 U+FF0C U+FF1B. Joins digits only.
    case midNum
    /// Connector punctuation (Pc, UAX #29 ExtendNumLet without U+202F): '_' U+203F U+2040 U+2054
    /// U+FE33 U+FE34 U+FE4D-FE4F U+FF3F. Part of a word.
    case connector
}

/// Lookup of `WordClass` and search folding for any scalar value.
///
/// Layout (see the generator): `stage1[cp >> shift]` gives a block, `stage2[block << shift | low bits]`
/// a value index, `values[index]` a 32-bit value:
/// class (bits 0-3) | kind (bits 4-5) | payload (bits 6-31), where kind 0 = the fold is the single
/// scalar `cp + payload` (signed; 0 = identity), kind 1 = the fold is `pool[offset..<offset+length]`
/// with offset = bits 6-24, length = bits 25-31 (0 = folds away), kind 2 = Hangul syllable,
/// decomposed to conjoining jamo algorithmically.
/// The tables are decoded from string literals on first use (well under a millisecond) and live
/// for the rest of the process.
@usableFromInline internal enum UnicodeTables {
    /// The longest fold of any scalar, in UTF-8 bytes (a constant of the generated data).
    @usableFromInline static let maxFoldedBytes: Int = UnicodeTableData.maxFoldedBytes

    /// Class of any scalar value 0...0x10FFFF (ASCII included, so callers may use it as a slow
    /// path for everything). Values above 0x10FFFF are separators.
    @inlinable @inline(__always)
    static func wordClass(_ scalar: UInt32) -> WordClass {
        Lookup().wordClass(scalar)
    }

    /// Writes the folded form of `scalar` as UTF-8 into `out` (which has room for at least
    /// `maxFoldedBytes` bytes) and returns the number of bytes written (0 = the scalar folds
    /// away, e.g. a combining diacritic).
    ///
    /// Folding rules (computed by Tools/unicode/gen-unicode-tables.py):
    /// - Letters, digits and marks: full case folding (`str.casefold()`: ß → ss, ς → σ, İ → i̇),
    ///   then compatibility decomposition (NFKD: ﬁ → fi, Ａ → a, ² → 2, 𝐀 → a), repeated until
    ///   stable; then the special letters below; then the *diacritic* combining marks are removed:
    ///   those in U+0300–036F, U+1AB0–1AFF, U+1DC0–1DFF, U+20D0–20FF, U+FE20–FE2F
    ///   (é → e, Ё → е, й → и, İ → i). Marks of other scripts (Devanagari, Arabic, Hebrew points,
    ///   kana voicing marks) are kept.
    ///   If the NFKD result contains a scalar that is not a letter, digit, mark or ideograph
    ///   (½ → 1⁄2, ⑴ → (1)), the same is done with canonical decomposition (NFD) instead; if that
    ///   fails too, the fold is the scalar's lowercase form (½ → ½).
    /// - Special letters without a decomposition: ø → o, đ ð → d, ł ŀ ƚ → l, ħ → h, ı ɨ → i,
    ///   ŧ → t, þ → th, æ → ae, œ → oe, ŋ → n, ƒ → f, ʉ → u, ƀ → b, ƶ → z, ǥ → g, ȼ → c,
    ///   ɇ → e, ɉ ȷ → j, ɍ → r, ɏ → y (and their capitals, through case folding).
    /// - Hangul syllables decompose to conjoining jamo (NFD), so precomposed and decomposed
    ///   Korean fold alike.
    /// - Apostrophes (' ’ ʼ ＇ ՚) fold to ASCII '. The other joiners fold to their NFKD form
    ///   when that is one scalar of the same class (． → ., ﹐ → ,, ＿ → _, U+037E → ;), else to
    ///   themselves.
    /// - Format characters (ZWJ, ZWNJ, soft hyphen, bidi controls, BOM, tags ...), variation
    ///   selectors and other default-ignorable marks, and the Armenian in-word emphasis,
    ///   exclamation and question marks fold away (0 bytes). Only marks ever fold to 0 bytes.
    /// - Ideographs fold to their canonical decomposition: usually themselves; CJK compatibility
    ///   ideographs become the unified ideograph (U+F900 → U+8C48) and voiced Hiragana decompose
    ///   (が → か + U+3099), so precomposed and decomposed text fold alike. No compatibility
    ///   decomposition (ゟ stays ゟ).
    /// - Separators (including unassigned and private-use scalars) fold to themselves, except
    ///   surrogate code points (and values above 0x10FFFF), which have no UTF-8 form and fold to
    ///   U+FFFD.
    ///
    /// The fold is idempotent: folding each scalar of a fold gives the fold again.
    @inlinable @inline(__always)
    static func fold(_ scalar: UInt32, into out: UnsafeMutablePointer<UInt8>) -> Int {
        Lookup().fold(scalar, into: out)
    }

    /// The table pointers, for hot loops: `let tables = UnicodeTables.Lookup()` once (e.g. per
    /// document), then `tables.wordClass(s)` / `tables.fold(s, into:)`. Same results as the static
    /// functions, which go through the lazily initialised `UnicodeTableStorage.shared` (on Linux
    /// that is a `swift_once` call per lookup unless the optimizer hoists it).
    @usableFromInline
    struct Lookup {
        @usableFromInline let stage1: UnsafePointer<UInt16>
        @usableFromInline let stage2: UnsafePointer<UInt16>
        @usableFromInline let values: UnsafePointer<UInt32>
        @usableFromInline let pool: UnsafePointer<UInt8>

        @inlinable @inline(__always)
        init() {
            let t = UnicodeTableStorage.shared
            stage1 = t.stage1
            stage2 = t.stage2
            values = t.values
            pool = t.pool
        }

        /// See `UnicodeTables.wordClass(_:)`.
        @inlinable @inline(__always)
        func wordClass(_ scalar: UInt32) -> WordClass {
            let v = value(UnicodeTables._clamp(scalar))
            // Every value's class is < 10 (checked when the tables are decoded) and WordClass's
            // raw values are its declaration order, so this is WordClass(rawValue:)! without
            // the check (which the optimizer does not inline).
            return unsafeBitCast(UInt8(truncatingIfNeeded: v & 0xF), to: WordClass.self)
        }

        /// See `UnicodeTables.fold(_:into:)`.
        @inlinable @inline(__always)
        func fold(_ scalar: UInt32, into out: UnsafeMutablePointer<UInt8>) -> Int {
            let cp = UnicodeTables._clamp(scalar)
            let v = value(cp)
            switch (v >> 4) & 3 {
            case 0:
                let folded = UInt32(bitPattern: Int32(bitPattern: cp) &+ (Int32(bitPattern: v) >> 6))
                return UnicodeTables._encodeUTF8(folded, into: out)
            case 1:
                let offset = Int((v >> 6) & 0x7FFFF)
                let count = Int(v >> 25)
                let src = pool + offset
                var i = 0
                while i < count {
                    out[i] = src[i]
                    i &+= 1
                }
                return count
            default:
                return UnicodeTables._decomposeHangul(cp, into: out)
            }
        }

        /// The table value of `cp` (which must be <= 0x10FFFF): three loads.
        @inlinable @inline(__always)
        func value(_ cp: UInt32) -> UInt32 {
            let shift = UnicodeTableData.shift
            let block = UInt32(truncatingIfNeeded: stage1[Int(truncatingIfNeeded: cp >> shift)])
            let index = stage2[Int(truncatingIfNeeded: (block << shift) | (cp & ((1 << shift) - 1)))]
            return values[Int(truncatingIfNeeded: index)]
        }
    }

    // MARK: - Implementation

    /// Values above 0x10FFFF are looked up as U+D800 (a surrogate: separator, folds to U+FFFD).
    @inlinable @inline(__always)
    static func _clamp(_ scalar: UInt32) -> UInt32 {
        scalar <= 0x10FFFF ? scalar : 0xD800
    }

    @inlinable @inline(__always)
    static func _encodeUTF8(_ c: UInt32, into out: UnsafeMutablePointer<UInt8>) -> Int {
        if c < 0x80 {
            out[0] = UInt8(truncatingIfNeeded: c)
            return 1
        } else if c < 0x800 {
            out[0] = UInt8(truncatingIfNeeded: 0xC0 | (c >> 6))
            out[1] = UInt8(truncatingIfNeeded: 0x80 | (c & 0x3F))
            return 2
        } else if c < 0x10000 {
            out[0] = UInt8(truncatingIfNeeded: 0xE0 | (c >> 12))
            out[1] = UInt8(truncatingIfNeeded: 0x80 | ((c >> 6) & 0x3F))
            out[2] = UInt8(truncatingIfNeeded: 0x80 | (c & 0x3F))
            return 3
        } else {
            out[0] = UInt8(truncatingIfNeeded: 0xF0 | (c >> 18))
            out[1] = UInt8(truncatingIfNeeded: 0x80 | ((c >> 12) & 0x3F))
            out[2] = UInt8(truncatingIfNeeded: 0x80 | ((c >> 6) & 0x3F))
            out[3] = UInt8(truncatingIfNeeded: 0x80 | (c & 0x3F))
            return 4
        }
    }

    /// Hangul syllable (U+AC00...U+D7A3) to conjoining jamo L V [T] (UAX #15 / Unicode 3.12).
    /// Every jamo is in U+1100...U+11FF, i.e. three UTF-8 bytes.
    @usableFromInline
    static func _decomposeHangul(_ cp: UInt32, into out: UnsafeMutablePointer<UInt8>) -> Int {
        let s = cp &- 0xAC00
        let l: UInt32 = 0x1100 + s / 588
        let v: UInt32 = 0x1161 + (s % 588) / 28
        let t = s % 28
        var n = _encodeUTF8(l, into: out)
        n &+= _encodeUTF8(v, into: out + n)
        if t != 0 {
            n &+= _encodeUTF8(0x11A7 + t, into: out + n)
        }
        return n
    }
}

/// The decoded tables. Allocated once, on first use, never freed and never written after
/// initialisation, which is what makes the `@unchecked Sendable` sound.
@usableFromInline
internal final class UnicodeTableStorage: @unchecked Sendable {
    @usableFromInline let stage1: UnsafePointer<UInt16>
    @usableFromInline let stage2: UnsafePointer<UInt16>
    @usableFromInline let values: UnsafePointer<UInt32>
    @usableFromInline let pool: UnsafePointer<UInt8>
    /// Total decoded size in bytes.
    let byteCount: Int

    @usableFromInline static let shared = UnicodeTableStorage()

    private init() {
        typealias D = UnicodeTableData
        let s1 = Self.decodeRunLengthVarints(D.stage1Base64, count: D.stage1Count)
        let s2 = Self.decodeRunLengthVarints(D.stage2Base64, count: D.stage2Count)
        let valueBytes = Self.decodeBase64(D.valuesBase64)
        let poolBytes = Self.decodeBase64(D.poolBase64)
        precondition(
            valueBytes.count == D.valueCount * 4 && poolBytes.count == D.poolCount,
            "corrupt UnicodeTables.generated.swift")

        let v = UnsafeMutablePointer<UInt32>.allocate(capacity: D.valueCount)
        var maxIndex: UInt16 = 0
        for i in 0..<D.valueCount {
            let b = i &* 4
            v[i] =
                UInt32(valueBytes[b]) | UInt32(valueBytes[b + 1]) << 8
                | UInt32(valueBytes[b + 2]) << 16 | UInt32(valueBytes[b + 3]) << 24
        }
        // +1 so that an empty pool still gives a valid pointer
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: poolBytes.count + 1)
        for i in 0..<poolBytes.count { p[i] = poolBytes[i] }
        p[poolBytes.count] = 0

        // Validate once so that lookups can go without bounds checks.
        let blockCount = D.stage2Count >> Int(D.shift)
        for i in 0..<D.stage1Count {
            precondition(Int(s1[i]) < blockCount, "corrupt UnicodeTables.generated.swift")
        }
        for i in 0..<D.stage2Count { maxIndex = max(maxIndex, s2[i]) }
        precondition(Int(maxIndex) < D.valueCount, "corrupt UnicodeTables.generated.swift")
        for i in 0..<D.valueCount {
            precondition(
                WordClass(rawValue: UInt8(v[i] & 0xF)) != nil && (v[i] >> 4) & 3 != 3,
                "corrupt UnicodeTables.generated.swift")
        }
        for i in 0..<D.valueCount where (v[i] >> 4) & 3 == 1 {
            precondition(
                Int((v[i] >> 6) & 0x7FFFF) + Int(v[i] >> 25) <= D.poolCount,
                "corrupt UnicodeTables.generated.swift")
        }

        stage1 = UnsafePointer(s1)
        stage2 = UnsafePointer(s2)
        values = UnsafePointer(v)
        pool = UnsafePointer(p)
        byteCount = D.stage1Count * 2 + D.stage2Count * 2 + D.valueCount * 4 + D.poolCount
    }

    /// Base64 (RFC 4648 alphabet; bytes outside it, such as newlines and indentation, are skipped).
    static func decodeBase64(_ text: StaticString) -> [UInt8] {
        var table = [UInt8](repeating: 0xFF, count: 256)
        let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        for i in 0..<64 { table[Int(alphabet.utf8Start[i])] = UInt8(i) }
        let src = text.utf8Start
        let n = text.utf8CodeUnitCount
        var out = [UInt8]()
        out.reserveCapacity(n / 4 * 3)
        var acc: UInt32 = 0
        var bits = 0
        for i in 0..<n {
            let d = table[Int(src[i])]
            if d == 0xFF { continue }  // whitespace, newline, '=' padding
            acc = (acc << 6) | UInt32(d)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        return out
    }

    /// Base64 of (value, count) pairs of varints, expanded into `count` UInt16s.
    static func decodeRunLengthVarints(_ text: StaticString, count: Int) -> UnsafeMutablePointer<UInt16> {
        let bytes = decodeBase64(text)
        let out = UnsafeMutablePointer<UInt16>.allocate(capacity: count)
        var i = 0
        var filled = 0
        func next() -> UInt16 {
            precondition(i < bytes.count, "corrupt UnicodeTables.generated.swift")
            let b = bytes[i]
            i += 1
            if b < 0x80 { return UInt16(b) }
            precondition(i < bytes.count, "corrupt UnicodeTables.generated.swift")
            let lo = bytes[i]
            i += 1
            return UInt16(b & 0x7F) << 8 | UInt16(lo)
        }
        while i < bytes.count {
            let value = next()
            let run = Int(next())
            precondition(filled + run <= count, "corrupt UnicodeTables.generated.swift")
            (out + filled).initialize(repeating: value, count: run)
            filled += run
        }
        precondition(filled == count, "corrupt UnicodeTables.generated.swift")
        return out
    }
}
