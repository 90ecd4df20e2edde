/// A set of a segment's documents as bits (bit d of word d / 64), at a stable address: what filters, match sets
/// and facet passes work on. Its bytes are laid out as the deletion bits are (bit d & 7 of byte d / 8, on a
/// little-endian machine), so the top-k collector can take a set of rejected documents where it takes deletions.
final class DocBitSet {
    let maxDoc: Int
    let wordCount: Int
    let words: UnsafeMutablePointer<UInt64>

    /// An empty set, or (`full`) every document below maxDoc.
    init(maxDoc: Int, full: Bool = false) {
        self.maxDoc = maxDoc
        wordCount = max(1, (maxDoc + 63) >> 6)
        words = .allocate(capacity: wordCount)
        words.initialize(repeating: full ? .max : 0, count: wordCount)
        if full { clearTail() }
    }

    deinit { words.deallocate() }

    /// Clears the bits at and past maxDoc in the last word (so counts and complements stay in range).
    private func clearTail() {
        let used = maxDoc & 63
        if maxDoc == 0 {
            words[0] = 0
        } else if used != 0 {
            words[wordCount - 1] &= (1 << UInt64(used)) &- 1
        }
    }

    @inline(__always)
    func insert(_ doc: Int) { words[doc >> 6] |= 1 << UInt64(doc & 63) }

    @inline(__always)
    func remove(_ doc: Int) { words[doc >> 6] &= ~(1 << UInt64(doc & 63)) }

    @inline(__always)
    func contains(_ doc: Int) -> Bool { words[doc >> 6] & (1 << UInt64(doc & 63)) != 0 }

    func formIntersection(_ other: DocBitSet) { for i in 0..<wordCount { words[i] &= other.words[i] } }
    func formUnion(_ other: DocBitSet) { for i in 0..<wordCount { words[i] |= other.words[i] } }
    func subtract(_ other: DocBitSet) { for i in 0..<wordCount { words[i] &= ~other.words[i] } }

    /// Removes the documents whose bit is set in `bytes` (deletion bits: bit d & 7 of byte d / 8).
    func subtract(deletedBits bytes: UnsafePointer<UInt8>) {
        let byteCount = (maxDoc + 7) >> 3
        let raw = UnsafeMutableRawPointer(words)
        for i in 0..<byteCount {
            let b = raw.load(fromByteOffset: i, as: UInt8.self)
            raw.storeBytes(of: b & ~bytes[i], toByteOffset: i, as: UInt8.self)
        }
    }

    /// Flips every bit below maxDoc.
    func complement() {
        for i in 0..<wordCount { words[i] = ~words[i] }
        clearTail()
    }

    var count: Int {
        var n = 0
        for i in 0..<wordCount { n &+= words[i].nonzeroBitCount }
        return n
    }

    /// The bytes, for `TopKCollector.beginSegment(deletedBits:)`.
    var bytes: UnsafePointer<UInt8> { UnsafeRawPointer(words).assumingMemoryBound(to: UInt8.self) }

    /// Calls `body` with each document in the set, in increasing order; stops when it returns false.
    @inline(__always)
    func forEachDocument<E: Error>(_ body: (Int) throws(E) -> Bool) throws(E) {
        for w in 0..<wordCount {
            var word = words[w]
            while word != 0 {
                let d = w << 6 | word.trailingZeroBitCount
                if try !body(d) { return }
                word &= word &- 1
            }
        }
    }

    /// The first document ≥ `target` in the set, or nil.
    func next(atOrAfter target: Int) -> Int? {
        guard target < maxDoc else { return nil }
        var w = target >> 6
        var word = words[w] & (UInt64.max << UInt64(target & 63))
        while true {
            if word != 0 { return w << 6 | word.trailingZeroBitCount }
            w += 1
            guard w < wordCount else { return nil }
            word = words[w]
        }
    }
}

/// A scorer over a set of documents that scores 0: a structured clause (a keyword, a range, `_exists_`, `*:*`) in a
/// query tree, which matches without changing scores (Lucene's FILTER clause, or a constant score of 0).
final class DocBitSetScorer: Scorer {
    let bits: DocBitSet
    /// What every document scores: 0 for a structured clause, the boost of a long expansion (`termUnion`).
    let constant: Float

    init(_ bits: DocBitSet, score: Float = 0) {
        self.bits = bits
        self.constant = score
        super.init(cost: bits.count)
    }

    override func nextDoc() -> Int32 { advance(doc &+ 1) }

    override func advance(_ target: Int32) -> Int32 {
        doc = bits.next(atOrAfter: Int(max(target, 0))).map { Int32($0) } ?? PostingsIterator.noMoreDocs
        return doc
    }

    override func score() -> Float { constant }
}
