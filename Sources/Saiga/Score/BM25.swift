import SaigaPosix

#if canImport(Glibc)
    import Glibc
#endif

/// BM25 parameters. Lucene's defaults; both can change per query without reindexing, because the index stores
/// frequencies and norms, not precomputed scores.
public struct BM25Parameters: Sendable, Hashable {
    /// Term-frequency saturation. Default 1.2.
    public var k1: Float
    /// Length normalisation, 0...1. Default 0.75.
    public var b: Float

    public init(k1: Float = 1.2, b: Float = 0.75) {
        self.k1 = k1
        self.b = b
    }

    func validate() throws(SaigaError) {
        guard k1.isFinite, k1 >= 0, k1 <= 1000 else {
            throw SaigaError(.invalidArgument, "k1 must be in 0...1000 (got \(k1))")
        }
        guard b.isFinite, b >= 0, b <= 1 else { throw SaigaError(.invalidArgument, "b must be in 0...1 (got \(b))") }
    }
}

/// The 256 per-norm factors of a BM25 weight, in manually managed memory (`@unchecked Sendable`: written once in
/// `BM25Scorer.init`, read-only afterwards).
final class ScoreCache: @unchecked Sendable {  // filled in init, read-only afterwards
    let values = UnsafeMutablePointer<Float>.allocate(capacity: 256)
    let k1: Float, b: Float, avgdl: Float

    private init(k1: Float, b: Float, avgdl: Float) {
        self.k1 = k1
        self.b = b
        self.avgdl = avgdl
        for i in 0..<256 {
            values[i] = 1 / (k1 * ((1 - b) + b * SmallFloat.decodedLengths[i] / avgdl))
        }
    }

    deinit { values.deallocate() }

    /// The table for these parameters. It depends on the field's average length and k1, b only, not on the term,
    /// so each thread keeps the last few it built: a query's terms (and the next queries) share one instead of
    /// each allocating and filling 256 entries. Per thread, so the query path takes no lock.
    static func shared(k1: Float, b: Float, avgdl: Float) -> ScoreCache {
        let memo = ScoreCacheMemo.current
        for c in memo.entries
        where c.k1.bitPattern == k1.bitPattern && c.b.bitPattern == b.bitPattern
            && c.avgdl.bitPattern == avgdl.bitPattern
        {
            return c
        }
        let c = ScoreCache(k1: k1, b: b, avgdl: avgdl)
        if memo.entries.count < ScoreCacheMemo.capacity {
            memo.entries.append(c)
        } else {
            memo.entries[memo.next] = c
            memo.next = (memo.next + 1) % ScoreCacheMemo.capacity
        }
        return c
    }
}

/// A thread's recently built `ScoreCache`s (released with the thread).
final class ScoreCacheMemo {
    static let capacity = 8
    var entries: [ScoreCache] = []
    var next = 0

    static var current: ScoreCacheMemo {
        if let memo = perThread.value { return memo }
        let memo = ScoreCacheMemo()
        perThread.set(memo)
        return memo
    }

    private static let perThread = ThreadLocal<ScoreCacheMemo>()
}

/// Collection statistics of one field over a whole snapshot (all segments).
@usableFromInline
struct FieldStatistics: Sendable {
    /// Documents with at least one token in the field (BM25's N).
    @usableFromInline var docCount: Int
    @usableFromInline var sumTotalTermFreq: Int
}

/// BM25 exactly as Lucene 8+ computes it (`BM25Similarity`): float arithmetic in the same order, the idf computed
/// in double and cast, lengths decoded from one-byte norms, and no `(k1 + 1)` factor in the numerator.
///
///     idf    = ln(1 + (N - df + 0.5) / (df + 0.5))
///     cache  = 1 / (k1 * ((1 - b) + b * dl / avgdl))     for each of the 256 norm bytes
///     score  = w - w / (1 + tf * cache[norm])             where w = boost * idf
@usableFromInline
struct BM25Scorer: @unchecked Sendable {  // cache points into `storage`, immutable after init
    /// boost × idf.
    @usableFromInline let weight: Float
    /// The two factors of `weight`, for merging repeated clauses (their boosts add up, Lucene's rewrite).
    let idf: Float
    let boost: Float
    /// 1 / (k1 × ((1 − b) + b × dl / avgdl)) for every norm byte.
    @usableFromInline let cache: UnsafePointer<Float>
    /// Owns `cache`'s memory. Hot loops copy `weight` and `cache` only (no reference counting); whoever holds
    /// the scorer keeps the storage alive.
    let storage: ScoreCache

    /// - Parameter idf: the (summed, for phrases) idf.
    init(idf: Float, boost: Float = 1, stats: FieldStatistics, parameters: BM25Parameters) {
        weight = boost * idf
        self.idf = idf
        self.boost = boost
        storage = ScoreCache.shared(k1: parameters.k1, b: parameters.b, avgdl: BM25Scorer.averageLength(stats))
        cache = UnsafePointer(storage.values)
    }

    static func averageLength(_ stats: FieldStatistics) -> Float {
        stats.docCount == 0 ? 1 : Float(Double(stats.sumTotalTermFreq) / Double(stats.docCount))
    }

    /// Lucene's `BM25Similarity.idf`.
    static func idf(docFreq: Int, docCount: Int) -> Float {
        Float(log(1 + (Double(docCount) - Double(docFreq) + 0.5) / (Double(docFreq) + 0.5)))
    }

    /// A phrase's idf: the term idfs (each a float) summed in double, then cast (Lucene's `idfExplain`).
    static func phraseIDF(docFreqs: [Int], docCount: Int) -> Float {
        var sum = 0.0
        for df in docFreqs { sum += Double(idf(docFreq: df, docCount: docCount)) }
        return Float(sum)
    }

    @inlinable @inline(__always)
    func score(freq: Float, norm: UInt8) -> Float {
        let normInverse = cache[Int(norm)]
        return weight - weight / (1 + freq * normInverse)
    }
}
