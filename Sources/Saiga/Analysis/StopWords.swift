/// Lucene's default English stop set (the 33 words of `EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`), used only when
/// `AnalyzerOptions.stopWords` is on.
@usableFromInline
enum StopWords {
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
