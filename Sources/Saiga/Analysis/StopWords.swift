/// The stop words dropped when `AnalyzerOptions.stopWords` is on: Lucene's default English set (the 33 words of
/// `EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`) from Latin words in every field, Snowball's Russian list from Cyrillic
/// words in `russian` and `auto` fields, and the Kazakh list (`KazakhStopWords`) in `kazakh` and `auto` fields.
@usableFromInline
enum StopWords {
    /// True if the folded token is a stop word of the field's language.
    @inlinable @inline(__always)
    static func contains(_ p: UnsafeMutablePointer<UInt8>, _ count: Int, language: Schema.TextLanguage) -> Bool {
        p[0] < 0x80 ? contains(p, count) : containsCyrillic(p, count, language: language)
    }

    /// The Cyrillic lists (a word starts with a lead byte 0xD0–0xD3); other scripts have no stop words.
    @usableFromInline
    static func containsCyrillic(_ p: UnsafeMutablePointer<UInt8>, _ count: Int, language: Schema.TextLanguage) -> Bool
    {
        guard p[0] &- 0xD0 < 4 else { return false }
        switch language {
        case .russian: return CyrillicStopWords.russian.contains(p, count)
        case .kazakh: return CyrillicStopWords.kazakh.contains(p, count)
        case .auto: return CyrillicStopWords.russian.contains(p, count) || CyrillicStopWords.kazakh.contains(p, count)
        case .english, .none: return false
        }
    }

    static let list =
        "a an and are as at be but by for if in into is it no not of on or such that the their then "
        + "there these they this to was will with"

    /// True if the token is a stop word. Each word is packed into an integer (bytes little-endian, at most 5) and
    /// matched by a switch over the 33 constants: no hashing, no lazily initialised global, no allocation (a
    /// `Set` lookup here cost a SipHash per short token, 0.7 s of 5 on the benchmark corpus).
    @inlinable @inline(__always)
    static func contains(_ p: UnsafeMutablePointer<UInt8>, _ count: Int) -> Bool {
        // Every stop word has 1 to 5 bytes; longer tokens are never looked up.
        guard count >= 1 && count <= 5 else { return false }
        var v: UInt64 = 0
        for i in 0..<count { v |= UInt64(p[i]) << (8 &* UInt64(i)) }
        // Each constant is a word's bytes, little-endian; the word is spelled beside it.
        // swift-format-ignore: NoBlockComments
        switch v {
        case 0x61 /* a */, 0x6562 /* be */, 0x6669 /* if */, 0x666F /* of */, 0x6E61 /* an */, 0x6E69 /* in */,
            0x6E6F /* on */, 0x6F6E /* no */, 0x6F74 /* to */, 0x726F /* or */, 0x7361 /* as */, 0x7369 /* is */,
            0x7461 /* at */, 0x7469 /* it */, 0x7962 /* by */, 0x646E61 /* and */, 0x656874 /* the */,
            0x657261 /* are */, 0x726F66 /* for */, 0x736177 /* was */, 0x746F6E /* not */, 0x747562 /* but */,
            0x6863_7573 /* such */, 0x6874_6977 /* with */, 0x6C6C_6977 /* will */, 0x6E65_6874 /* then */,
            0x6F74_6E69 /* into */, 0x7369_6874 /* this */, 0x7461_6874 /* that */, 0x7965_6874 /* they */,
            0x65_7265_6874 /* there */, 0x65_7365_6874 /* these */, 0x72_6965_6874 /* their */:
            return true
        default:
            return false
        }
    }
}

/// A stop list of Cyrillic words, looked up without allocating: a hash of the bytes finds the candidate, the bytes
/// decide.
@usableFromInline
struct CyrillicStopWords: Sendable {
    private let words: [UInt64: [UInt8]]

    init(_ list: String) {
        var words: [UInt64: [UInt8]] = [:]
        for word in list.split(separator: " ") {
            let bytes = Array(word.utf8)
            let hash = bytes.withUnsafeBufferPointer { CyrillicStopWords.hash($0.baseAddress!, $0.count) }
            precondition(words[hash] == nil, "stop words collide")
            words[hash] = bytes
        }
        self.words = words
    }

    @usableFromInline
    func contains(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        guard count <= 40, let word = words[CyrillicStopWords.hash(p, count)], word.count == count else { return false }
        return word.withUnsafeBufferPointer { w in (0..<count).allSatisfy { w[$0] == p[$0] } }
    }

    /// FNV-1a over the bytes.
    private static func hash(_ p: UnsafePointer<UInt8>, _ count: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<count { h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3 }
        return h
    }

    /// Snowball's Russian stop words (snowballstem.org/algorithms/russian/stop.txt), ё written е as the analysis
    /// folds it.
    @usableFromInline static let russian = CyrillicStopWords(
        "а без более больше будет будто бы был была были было быть в вам вас вдруг ведь во вот впрочем все всегда "
            + "всего всех всю вы где говорил да даже два для до другой его ее ей ему если есть еще ж же жизнь за "
            + "зачем здесь и из или им иногда их к кажется как какая какой когда конечно кто куда ли лучше между "
            + "меня мне много может можно мой моя мы на над надо наконец нас не него нее ней нельзя нет ни нибудь "
            + "никогда ним них ничего но ну о об один он она они опять от перед по под после потом потому почти "
            + "при про раз разве с сам свою себе себя сегодня сейчас сказал сказала сказать со совсем так такой "
            + "там тебя тем теперь то тогда того тоже только том тот три тут ты у уж уже хорошо хоть чего человек "
            + "чем через что чтоб чтобы чуть эти этого этой этом этот эту я")

    /// Kazakh function words (KazakhStopWords.list).
    @usableFromInline static let kazakh = CyrillicStopWords(KazakhStopWords.list)
}
