/// The words of an index's text fields, sorted, each with a frequency: what completes the last word of a search box
/// (`IndexReader.suggest`) in microseconds.
///
/// Built once per reader from the term dictionaries (`build`). A word is a surface form (`TermKey`: a word the
/// stemmer changed, as written) or a term. On a stemmed index a term may be a stem that is no word (`economi`); a
/// document holding term T holds T itself unless one of its surface forms stems to T, so T's frequency as a word is
/// estimated as df(T) minus the document frequencies of the surface forms that stem to it, and a term left with
/// none is not offered. Frequencies are summed over the fields.
///
/// Lookup is a binary search for the prefix's range; a range of at most `scanLimit` words is scanned for the most
/// frequent, and the few prefixes with longer ranges (one- and two-letter ones) have their best `precomputed` words
/// stored at build time, so no lookup scans more than `scanLimit` words.
final class CompletionIndex: Sendable {
    /// The words, UTF-8, concatenated in byte order; word i is `bytes[offsets[i] ..< offsets[i + 1]]`.
    private let bytes: [UInt8]
    private let offsets: [UInt32]
    private let weights: [UInt32]
    /// The best `precomputed` words (indices, best first) of each prefix whose range exceeds `scanLimit`.
    private let large: [[UInt8]: [Int32]]

    static let scanLimit = 4096
    static let precomputed = 32

    var count: Int { weights.count }

    /// `words` sorted by bytes, distinct, with their frequencies (> 0).
    init(sortedWords words: [(word: [UInt8], weight: Int)]) {
        var bytes: [UInt8] = []
        var offsets: [UInt32] = [0]
        var weights: [UInt32] = []
        offsets.reserveCapacity(words.count + 1)
        weights.reserveCapacity(words.count)
        for w in words {
            bytes.append(contentsOf: w.word)
            offsets.append(UInt32(bytes.count))
            weights.append(UInt32(clamping: w.weight))
        }
        self.bytes = bytes
        self.offsets = offsets
        self.weights = weights
        // Prefixes with long ranges, depth by depth: at each depth the ranges are disjoint, so a depth costs one
        // pass over the words at most; the walk ends at the first depth with no long range.
        var large: [[UInt8]: [Int32]] = [:]
        var depth = 1
        var pending = [0..<weights.count]
        while !pending.isEmpty {
            var next: [Range<Int>] = []
            for range in pending {
                var i = range.lowerBound
                while i < range.upperBound {
                    let start = Int(offsets[i])
                    guard Int(offsets[i + 1]) - start >= depth else {
                        i += 1
                        continue
                    }
                    let prefix = bytes[start..<start + depth]
                    var j = i + 1
                    while j < range.upperBound, Int(offsets[j + 1]) - Int(offsets[j]) >= depth,
                        bytes[Int(offsets[j])..<Int(offsets[j]) + depth] == prefix
                    {
                        j += 1
                    }
                    if j - i > CompletionIndex.scanLimit {
                        large[Array(prefix)] = CompletionIndex.best(
                            i..<j, weights: weights, bytes: bytes, offsets: offsets, limit: CompletionIndex.precomputed)
                        next.append(i..<j)
                    }
                    i = j
                }
            }
            pending = next
            depth += 1
        }
        self.large = large
    }

    /// The `limit` most frequent words starting with `prefix` (ties: byte order), with their frequencies.
    func complete(_ prefix: [UInt8], limit: Int) -> [(word: [UInt8], weight: Int)] {
        guard limit > 0 else { return [] }
        let lower = lowerBound(prefix)
        var upper = lower
        // The end of the range: the first word at or after `lower` that does not start with the prefix.
        var hi = weights.count
        while upper < hi {
            let mid = (upper + hi) / 2
            if startsWith(mid, prefix) { upper = mid + 1 } else { hi = mid }
        }
        let indices: [Int32]
        if upper - lower > CompletionIndex.scanLimit, limit <= CompletionIndex.precomputed, let known = large[prefix] {
            indices = Array(known.prefix(limit))
        } else {
            indices = CompletionIndex.best(
                lower..<upper, weights: weights, bytes: bytes, offsets: offsets, limit: limit)
        }
        return indices.map { (word(Int($0)), Int(weights[Int($0)])) }
    }

    /// The frequency of exactly `word`, nil when it is not one of the words.
    func frequency(of word: [UInt8]) -> Int? {
        let i = lowerBound(word)
        guard i < weights.count, bytes[Int(offsets[i])..<Int(offsets[i + 1])].elementsEqual(word) else { return nil }
        return Int(weights[i])
    }

    private func word(_ i: Int) -> [UInt8] { Array(bytes[Int(offsets[i])..<Int(offsets[i + 1])]) }

    private func startsWith(_ i: Int, _ prefix: [UInt8]) -> Bool {
        let start = Int(offsets[i])
        guard Int(offsets[i + 1]) - start >= prefix.count else { return false }
        for k in prefix.indices where bytes[start + k] != prefix[k] { return false }
        return true
    }

    /// The first word not below `key` in byte order.
    private func lowerBound(_ key: [UInt8]) -> Int {
        var lo = 0
        var hi = weights.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let w = bytes[Int(offsets[mid])..<Int(offsets[mid + 1])]
            if w.lexicographicallyPrecedes(key) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The indices of the `limit` heaviest words of `range`, heaviest first, ties in byte order (lower index).
    private static func best(
        _ range: Range<Int>, weights: [UInt32], bytes: [UInt8], offsets: [UInt32], limit: Int
    ) -> [Int32] {
        // A small sorted buffer: limits are small, ranges at most `scanLimit` (or one pass at build time).
        var top: [Int32] = []
        top.reserveCapacity(limit + 1)
        for i in range {
            let w = weights[i]
            if top.count == limit, w <= weights[Int(top[limit - 1])] { continue }
            var at = top.count
            while at > 0 && weights[Int(top[at - 1])] < w { at -= 1 }
            top.insert(Int32(i), at: at)
            if top.count > limit { top.removeLast() }
        }
        return top
    }
}

extension CompletionIndex {
    /// The completion words of `fields` over `segments` (`CompletionIndex`); words seen in fewer than
    /// `minimumFrequency` documents are left out. `analyzers` give each field's stemming: a term counts only the
    /// documents its surface forms do not account for, so a stem that is no word (`happi`, `казахста`) drops out.
    static func build(
        segments: [SegmentReader], fields: [Int], analyzers: FieldAnalyzers, minimumFrequency: Int
    ) throws(SaigaError) -> CompletionIndex {
        // Over all the fields: each surface form's documents, and each term's less those its surface forms account for.
        var words: [[UInt8]: Int] = [:]
        var termFrequency: [[UInt8]: Int] = [:]
        for field in fields {
            var surfaceFrequency: [[UInt8]: Int] = [:]
            var fieldTerms: [[UInt8]: Int] = [:]
            for seg in segments {
                var f = UInt8(field)
                try withUnsafeBytes(of: &f) { (p: UnsafeRawBufferPointer) throws(SaigaError) in
                    try seg.terms.forEachTerm(withPrefix: p) { (key: UnsafeRawBufferPointer, meta: TermMeta) in
                        if TermKey.isSurfaceForm(key) {
                            surfaceFrequency[Array(key[2...]), default: 0] += meta.docFreq
                        } else {
                            fieldTerms[Array(key[1...]), default: 0] += meta.docFreq
                        }
                        return true
                    }
                }
            }
            // A term's documents that a surface form accounts for: what stemming that form gives, in the field's
            // language (a surface form is the word as the field's analysis read it, Kazakh Latin already in
            // Cyrillic, so analyzing it again gives its term).
            let analyzer = analyzers[field]
            if analyzer.stems {
                var scratch = [UInt8](repeating: 0, count: Analyzer.maxTermBytes + 1)
                for (word, df) in surfaceFrequency {
                    let stem: [UInt8]
                    if analyzer.language != .kazakh && word.allSatisfy({ $0 &- 0x61 < 26 }) {
                        // English, the common case, without the analyzer's allocations.
                        let n = scratch.withUnsafeMutableBufferPointer { buffer -> Int in
                            for (k, b) in word.enumerated() { buffer[k] = b }
                            return Porter2Stemmer.stem(buffer.baseAddress!, count: word.count)
                        }
                        stem = Array(scratch[0..<n])
                    } else {
                        let terms = analyzer.terms(String(decoding: word, as: UTF8.self))
                        guard terms.count == 1 else { continue }
                        stem = Array(terms[0].utf8)
                    }
                    if let t = fieldTerms[stem] { fieldTerms[stem] = t - df }
                }
            }
            for (word, df) in surfaceFrequency { words[word, default: 0] += df }
            for (term, df) in fieldTerms { termFrequency[term, default: 0] += df }
        }
        for (term, df) in termFrequency where df > 0 { words[term, default: 0] += df }
        let kept = words.filter { $0.value >= max(1, minimumFrequency) }.map { (word: $0.key, weight: $0.value) }
            .sorted { $0.word.lexicographicallyPrecedes($1.word) }
        return CompletionIndex(sortedWords: kept)
    }
}
