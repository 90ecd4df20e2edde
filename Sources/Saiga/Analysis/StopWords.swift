/// Lucene's default English stop set (the 33 words of `EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`), used only when
/// `AnalyzerOptions.stopWords` is on.
@usableFromInline
enum StopWords {
    @usableFromInline static let words: Set<[UInt8]> = Set(
        ("a an and are as at be but by for if in into is it no not of on or such that the their then there these "
            + "they this to was will with").split(separator: " ").map { Array($0.utf8) })

    @inlinable static func contains(_ p: UnsafeMutablePointer<UInt8>, _ count: Int) -> Bool {
        // Every stop word has at most 5 bytes; skip the set lookup (and its allocation) for longer tokens.
        guard count <= 5 else { return false }
        return words.contains(Array(UnsafeBufferPointer(start: p, count: count)))
    }
}
