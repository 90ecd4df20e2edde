/// Lucene's default English stop set (the 33 words of `EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`), used only when
/// `AnalyzerOptions.stopWords` is on.
@usableFromInline
enum StopWords {
    static let list = "a an and are as at be but by for if in into is it no not of on or such that the their then "
        + "there these they this to was will with"

    /// Each word packed into an integer (bytes little-endian, at most 5), so a lookup allocates nothing.
    @usableFromInline static let packed: Set<UInt64> = Set(list.split(separator: " ").map { word in
        var v: UInt64 = 0
        for (i, b) in word.utf8.enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return v
    })

    @inlinable static func contains(_ p: UnsafeMutablePointer<UInt8>, _ count: Int) -> Bool {
        // Every stop word has 1 to 5 bytes; longer tokens are never looked up.
        guard count >= 1 && count <= 5 else { return false }
        var v: UInt64 = 0
        for i in 0..<count { v |= UInt64(p[i]) << (8 &* UInt64(i)) }
        return packed.contains(v)
    }
}
