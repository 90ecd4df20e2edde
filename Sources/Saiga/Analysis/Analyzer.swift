/// Receives the tokens of a text, one call per token, in order.
///
/// The analyzer is generic over its sink so that each use (indexing, querying, highlighting) gets a specialised
/// loop with no closure call and no intermediate token array.
@usableFromInline
protocol TokenSink {
    /// - Parameters:
    ///   - term: the folded (and, if enabled, stemmed) term bytes; valid only during the call.
    ///   - position: the token's position in the field (0-based; stop words and dropped tokens leave gaps).
    ///   - start: byte offset of the token's first byte in the source text.
    ///   - end: byte offset one past the token's last byte in the source text.
    mutating func token(_ term: UnsafeRawBufferPointer, position: Int, start: Int, end: Int)

    /// True when the sink wants the surface form of each word the stemmer changes (`surfaceForm(_:)`).
    var wantsSurfaceForms: Bool { get }

    /// The word, folded but not stemmed, of the token just passed to `token`, when stemming changed it.
    mutating func surfaceForm(_ word: UnsafeRawBufferPointer)
}

extension TokenSink {
    @inlinable var wantsSurfaceForms: Bool { false }
    @inlinable mutating func surfaceForm(_ word: UnsafeRawBufferPointer) {}
}

/// How text is turned into terms. The same settings must be used at index time and query time, so they are
/// recorded in every commit and the reader uses the recorded ones.
public struct AnalyzerOptions: Sendable, Hashable, Codable {
    /// Stemming, in each text field's language (`Schema.Field.language`; on by default). Off, every text field is
    /// analyzed as `none`: folding only.
    public var stemming: Bool
    /// Drop stop words (off by default): Lucene's 33 English ones from Latin words, Snowball's Russian list from
    /// Cyrillic words in Russian fields, the Kazakh list in Kazakh fields, both in `auto` fields.
    public var stopWords: Bool
    /// With stemming, also index each word the stemmer changes as it is written (folded), so that prefixes,
    /// wildcards, regular expressions and completions match whole words: `running*` finds "running" (on by
    /// default; on the benchmark corpus 8 % more index and 16 % more indexing time with stored text, 19 % and 21 %
    /// without).
    public var surfaceForms: Bool

    public init(stemming: Bool = true, stopWords: Bool = false, surfaceForms: Bool = true) {
        self.stemming = stemming
        self.stopWords = stopWords
        self.surfaceForms = surfaceForms
    }

    public static let `default` = AnalyzerOptions()

    /// Whether words the stemmer changes are indexed unstemmed too: `surfaceForms` only counts with stemming.
    var indexesSurfaceForms: Bool { stemming && surfaceForms }
}

/// Turns UTF-8 text into a stream of terms: Unicode word segmentation on bytes, case and diacritic folding,
/// English possessive removal, optional stop words, and stemming in the field's language (`Schema.TextLanguage`).
///
/// Rules (in the spirit of Unicode UAX #29 word boundaries, see docs/ANALYSIS.md):
/// - A token is a run of letters, digits, connector punctuation (`_`) and combining marks. Letters and digits join
///   directly (`covid19`). An apostrophe (’ ' ʼ) or a mid-letter mark between two letters joins them (`don't`);
///   `.` joins letters or digits (`u.s`, `3.14`); `,` and `;` join digits (`2,724,900`).
/// - Everything else separates tokens: spaces of every kind (NBSP included), dashes and hyphens (so
///   `Kassym-Jomart` gives `kassym` `jomart` at consecutive positions), other punctuation, symbols, emoji.
/// - Han ideographs and Hiragana are one token per character.
/// - Folding: full case folding, compatibility decomposition, diacritic marks removed (`vis-à-vis` gives
///   `vis a vis`, `Straße` gives `strasse`), but Cyrillic `й` kept (analysis version 2).
/// - A trailing possessive `'s` is removed and remaining apostrophes are deleted (`Kazakhstan’s` gives
///   `kazakhstan`, `don't` gives `dont`).
/// - Tokens longer than `maxTermBytes` after folding are dropped (their position is still counted).
/// - Each word is stemmed by its script and the field's language (`stemWord`): English for a–z words, Russian or
///   Kazakh for Cyrillic ones; Kazakh written in its Latin alphabet is read as Cyrillic Kazakh first.
package struct Analyzer: Sendable, Hashable {
    package let options: AnalyzerOptions
    /// The field's language: which stemmer and stop words each word gets.
    package let language: Schema.TextLanguage
    /// Analysis version 1 (indexes built before per-field languages) folded `й` to `и`; such indexes keep it.
    @usableFromInline let foldsShortI: Bool

    /// Terms longer than this (in bytes, after folding) are not indexed; 255, as Lucene's StandardTokenizer.
    package static let maxTermBytes = 255

    /// - Parameters:
    ///   - language: the field's language; `nil` takes the one `options.stemming` meant before languages existed
    ///     (English, or none without stemming).
    ///   - analysisVersion: the index's version of these rules (`Manifest.analysisVersion` for new indexes).
    package init(
        options: AnalyzerOptions = .default, language: Schema.TextLanguage? = nil,
        analysisVersion: Int = Manifest.analysisVersion
    ) {
        self.options = options
        self.language = options.stemming ? (language ?? .english) : .none
        self.foldsShortI = analysisVersion < 2
    }

    /// Whether words are stemmed at all.
    @inlinable var stems: Bool { language != .none && options.stemming }

    /// Whether words the stemmer changes are indexed unstemmed too (`AnalyzerOptions.surfaceForms`).
    package var indexesSurfaceForms: Bool { stems && options.surfaceForms }

    /// The same folding and script handling (a Latin Kazakh word still reads as Cyrillic) without stemming or stop
    /// words: the normalization of prefixes, patterns, fuzzy words and completions (Lucene's `normalize`).
    package var unstemmed: Analyzer { Analyzer(unstemmedOf: self) }

    private init(unstemmedOf other: Analyzer) {
        self.options = AnalyzerOptions(stemming: false, stopWords: false, surfaceForms: false)
        // The language stays: it decides how a Latin word is read (`KazakhLatin`), not only how it is stemmed.
        self.language = other.language
        self.foldsShortI = other.foldsShortI
    }

    /// The terms of `text`, in order (a convenience for tools and tests; indexing uses the sink API).
    package func terms(_ text: String) -> [String] {
        var sink = CollectingSink(withOffsets: false)
        var text = text
        _ = text.withUTF8 { analyze(UnsafeRawBufferPointer($0), into: &sink) }
        return sink.terms.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Runs the analysis over `text` (UTF-8; invalid sequences act as separators) and returns the number of
    /// tokens emitted (the field length used for norms).
    @inlinable @discardableResult
    func analyze<Sink: TokenSink>(_ text: UnsafeRawBufferPointer, into sink: inout Sink) -> Int {
        // Room for the longest token we keep plus one scalar's worst-case expansion; and as much again for the
        // unstemmed copy of a word (`TokenSink.surfaceForm`).
        let scratchSize = Analyzer.maxTermBytes + 64
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * scratchSize) { scratch -> Int in
            analyze(text, scratch: scratch.baseAddress!, scratchSize: scratchSize, into: &sink)
        }
    }

    @inlinable
    func analyze<Sink: TokenSink>(
        _ text: UnsafeRawBufferPointer, scratch: UnsafeMutablePointer<UInt8>, scratchSize: Int, into sink: inout Sink
    ) -> Int {
        guard let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        let n = text.count
        var i = 0
        var position = 0
        var emitted = 0
        // Whether words go through `stemWord` at all: to be stemmed, or (Kazakh, auto) read from the Kazakh Latin
        // alphabet even when not stemmed.
        let normalizesWords = stems || language == .kazakh || language == .auto
        // Plain a–z words are English in every language but Kazakh (which reads them as Kazakh Latin).
        let stemsLatinAsEnglish = stems && language != .kazakh
        let stopWords = options.stopWords
        let foldsShortI = self.foldsShortI

        while i < n {
            // Find the start of the next token.
            let (cls, scalar, len) = Analyzer.decode(base, i, n)
            switch cls {
            case .letter, .digit, .connector:
                break
            case .ideograph:
                // One token per ideograph, plus any marks that follow it.
                var end = i &+ len
                var tokenLen = UnicodeTables.fold(scalar, into: scratch)
                while end < n {
                    let (c2, s2, l2) = Analyzer.decode(base, end, n)
                    guard c2 == .mark else { break }
                    if tokenLen &+ UnicodeTables.maxFoldedBytes < scratchSize {
                        tokenLen &+= UnicodeTables.fold(s2, into: scratch + tokenLen)
                    }
                    end &+= l2
                }
                if tokenLen > 0 {
                    sink.token(
                        UnsafeRawBufferPointer(start: scratch, count: tokenLen), position: position, start: i, end: end)
                    emitted &+= 1
                }
                position &+= 1
                i = end
                continue
            default:
                i &+= len
                continue
            }

            // Inside a token: fold scalars into the scratch buffer until a boundary.
            let start = i
            var tokenLen = 0
            var overflow = false
            var lastBase = cls  // class of the last non-mark scalar, for the join rules
            var hasApostrophe = false
            var end = i
            var j = i
            while j < n {
                let (c, s, l) = Analyzer.decode(base, j, n)
                var joinerLength = 0
                switch c {
                case .letter, .digit, .connector, .mark:
                    break
                case .apostrophe, .midLetter, .midNumLet, .midNum:
                    // A joiner stays inside the token only between two word characters of the right kinds.
                    let after = j &+ l
                    guard after < n else { break }
                    let (nextClass, _, _) = Analyzer.decode(base, after, n)
                    let joinsLetters =
                        (c == .apostrophe || c == .midLetter || c == .midNumLet)
                        && lastBase == .letter && nextClass == .letter
                    let joinsDigits =
                        (c == .midNum || c == .midNumLet || c == .apostrophe)
                        && lastBase == .digit && nextClass == .digit
                    if joinsLetters || joinsDigits { joinerLength = l }
                default:
                    break
                }
                let isWord = c == .letter || c == .digit || c == .connector || c == .mark
                if !isWord && joinerLength == 0 { break }
                if c != .mark { lastBase = c }
                if c == .apostrophe { hasApostrophe = true }
                if !overflow {
                    if tokenLen &+ UnicodeTables.maxFoldedBytes > scratchSize {
                        overflow = true
                    } else if s < 0x80 {
                        // ASCII fast path: lowercase letters, keep the rest.
                        let b = UInt8(truncatingIfNeeded: s)
                        scratch[tokenLen] = (b &- 0x41) < 26 ? b | 0x20 : b
                        tokenLen &+= 1
                    } else if foldsShortI && (s == 0x439 || s == 0x419) {
                        // Analysis version 1 folded й to и (the breve is a diacritic); its indexes keep that.
                        scratch[tokenLen] = 0xD0
                        scratch[tokenLen &+ 1] = 0xB8
                        tokenLen &+= 2
                    } else {
                        tokenLen &+= UnicodeTables.fold(s, into: scratch + tokenLen)
                    }
                }
                j &+= l
                end = j
            }
            i = end

            if overflow || tokenLen > Analyzer.maxTermBytes || tokenLen == 0 {
                position &+= 1
                continue
            }
            if hasApostrophe {
                tokenLen = Analyzer.removeApostrophes(scratch, tokenLen)
                if tokenLen == 0 {
                    position &+= 1
                    continue
                }
            }
            if stopWords
                && (scratch[0] < 0x80
                    ? StopWords.contains(scratch, tokenLen)
                    : StopWords.containsCyrillic(scratch, tokenLen, language: language))
            {
                position &+= 1
                continue
            }
            var surfaceLength = 0
            if normalizesWords {
                let letters = WordLetters.of(scratch, tokenLen)
                if letters == .latin && stemsLatinAsEnglish {
                    // English words, the common case, stemmed here as before languages (no call, no dispatch).
                    if tokenLen > 2 {
                        if sink.wantsSurfaceForms {
                            // The word before stemming, kept past the token buffer (`analyze` allocates twice
                            // its size).
                            (scratch + scratchSize).update(from: scratch, count: tokenLen)
                            surfaceLength = tokenLen
                        }
                        tokenLen = Porter2Stemmer.stem(scratch, count: tokenLen)
                        if surfaceLength == tokenLen && Analyzer.same(scratch, scratch + scratchSize, tokenLen) {
                            surfaceLength = 0
                        }
                    }
                } else if letters != .other {
                    (tokenLen, surfaceLength) = stemWord(
                        scratch, tokenLen, letters: letters, scratchSize: scratchSize, source: base + start,
                        sourceCount: end &- start, keepSurface: sink.wantsSurfaceForms)
                }
            }
            sink.token(
                UnsafeRawBufferPointer(start: scratch, count: tokenLen), position: position, start: start, end: end)
            if surfaceLength > 0 {
                sink.surfaceForm(UnsafeRawBufferPointer(start: scratch + scratchSize, count: surfaceLength))
            }
            emitted &+= 1
            position &+= 1
        }
        return emitted
    }

    /// True if every byte is a-z: the only words the English stemmer should touch.
    @inlinable @inline(__always)
    static func isLowercaseASCIIWord(_ p: UnsafeMutablePointer<UInt8>, _ count: Int) -> Bool {
        for k in 0..<count where p[k] &- 0x61 >= 26 { return false }
        return true
    }

    /// Removes a trailing possessive `'s` and then every other apostrophe, in place. Returns the new length.
    @inlinable
    static func removeApostrophes(_ p: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
        var n = count
        if n >= 2 && p[n &- 2] == 0x27 && p[n &- 1] == 0x73 { n &-= 2 }
        var w = 0
        for r in 0..<n where p[r] != 0x27 {
            p[w] = p[r]
            w &+= 1
        }
        return w
    }

    /// Decodes the scalar at `i`: its word class, value and byte length. Invalid UTF-8 decodes as a one-byte
    /// separator, so malformed input can never stall or crash the loop.
    @inlinable @inline(__always)
    static func decode(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> (WordClass, UInt32, Int) {
        let b0 = p[i]
        if b0 < 0x80 {
            return (asciiClass(b0), UInt32(b0), 1)
        }
        let (s, l) = decodeMultibyte(p, i, n)
        if l == 0 { return (.separator, 0xFFFD, 1) }
        return (UnicodeTables.wordClass(s), s, l)
    }

    @inlinable @inline(__always)
    static func asciiClass(_ b: UInt8) -> WordClass {
        if (b | 0x20) &- 0x61 < 26 { return .letter }
        if b &- 0x30 < 10 { return .digit }
        switch b {
        case 0x27: return .apostrophe
        case 0x2E: return .midNumLet
        case 0x2C, 0x3B: return .midNum
        case 0x5F: return .connector
        default: return .separator
        }
    }

    /// Strict UTF-8 decoding of a multi-byte sequence; returns length 0 when invalid.
    @inlinable
    package static func decodeMultibyte(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> (UInt32, Int) {
        let b0 = UInt32(p[i])
        if b0 < 0xC2 { return (0, 0) }
        if b0 < 0xE0 {
            guard i &+ 1 < n else { return (0, 0) }
            let b1 = UInt32(p[i &+ 1])
            guard b1 & 0xC0 == 0x80 else { return (0, 0) }
            return (((b0 & 0x1F) << 6) | (b1 & 0x3F), 2)
        }
        if b0 < 0xF0 {
            guard i &+ 2 < n else { return (0, 0) }
            let b1 = UInt32(p[i &+ 1])
            let b2 = UInt32(p[i &+ 2])
            guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80 else { return (0, 0) }
            let s = ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F)
            guard s >= 0x800, !(0xD800...0xDFFF).contains(s) else { return (0, 0) }
            return (s, 3)
        }
        if b0 < 0xF5 {
            guard i &+ 3 < n else { return (0, 0) }
            let b1 = UInt32(p[i &+ 1])
            let b2 = UInt32(p[i &+ 2])
            let b3 = UInt32(p[i &+ 3])
            guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80, b3 & 0xC0 == 0x80 else { return (0, 0) }
            let s = ((b0 & 0x07) << 18) | ((b1 & 0x3F) << 12) | ((b2 & 0x3F) << 6) | (b3 & 0x3F)
            guard s >= 0x10000, s <= 0x10FFFF else { return (0, 0) }
            return (s, 4)
        }
        return (0, 0)
    }
}

/// Collects terms (and optionally their source offsets) into arrays: for queries, snippets and tools.
@usableFromInline
struct CollectingSink: TokenSink {
    @usableFromInline var terms: [[UInt8]] = []
    @usableFromInline var positions: [Int] = []
    @usableFromInline var starts: [Int] = []
    @usableFromInline var ends: [Int] = []
    @usableFromInline let withOffsets: Bool
    /// With `wantsSurfaceForms`: each token's word before stemming, nil when stemming left it as it was.
    @usableFromInline var surfaces: [[UInt8]?] = []
    @usableFromInline let wantsSurfaceForms: Bool

    @inlinable init(withOffsets: Bool, surfaceForms: Bool = false) {
        self.withOffsets = withOffsets
        self.wantsSurfaceForms = surfaceForms
    }

    @inlinable mutating func surfaceForm(_ word: UnsafeRawBufferPointer) {
        surfaces[surfaces.count - 1] = Array(word)
    }

    @inlinable mutating func token(_ term: UnsafeRawBufferPointer, position: Int, start: Int, end: Int) {
        terms.append(Array(term))
        positions.append(position)
        if wantsSurfaceForms { surfaces.append(nil) }
        if withOffsets {
            starts.append(start)
            ends.append(end)
        }
    }
}
