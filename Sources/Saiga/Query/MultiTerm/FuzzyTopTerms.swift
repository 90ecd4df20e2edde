/// The terms a fuzzy word keeps (`QueryExecutor.fuzzyExpansions`): the `capacity` most similar met so far (ties: the
/// smaller term), with their metadata per segment, and how many edits a term still needs at most to get in, so the
/// walk can narrow its automaton once the queue is full (Lucene's `FuzzyTermsEnum` with `TopTermsRewrite`).
struct FuzzyTopTerms {
    struct Entry {
        var term: [UInt8]
        var similarity: Float
        var metas: [TermMeta?]
    }

    let capacity: Int
    let segmentCount: Int
    /// The fuzzy word's length in characters.
    let wordLength: Int
    private(set) var entries: [Entry] = []
    private var positions: [[UInt8]: Int] = [:]
    /// The least similar entry (the largest term among equals), once full.
    private var bottom = -1

    init(capacity: Int, segmentCount: Int, wordLength: Int) {
        self.capacity = capacity
        self.segmentCount = segmentCount
        self.wordLength = wordLength
    }

    var isFull: Bool { entries.count >= capacity }

    /// Lucene's similarity: `1 - edits / min(term length, word length)` in characters, 1 for the word itself.
    func similarity(edits: Int, termLength: Int) -> Float {
        edits == 0 ? 1 : 1 - Float(edits) / Float(min(termLength, wordLength))
    }

    /// The most similar a term `edits` edits away can be.
    func bestSimilarity(edits: Int) -> Float { edits == 0 ? 1 : 1 - Float(edits) / Float(wordLength) }

    /// Whether (a, aTerm) ranks below (b, bTerm): less similar, or as similar and a larger term.
    private static func ranksBelow(_ a: Float, _ aTerm: UnsafeRawBufferPointer, _ b: Entry) -> Bool {
        if a != b.similarity { return a < b.similarity }
        return b.term.withUnsafeBytes { $0.lexicographicallyPrecedes(aTerm) }
    }

    /// Records term `term` of segment `segment`, `edits` edits from the word.
    mutating func offer(_ term: UnsafeRawBufferPointer, edits: Int, meta: TermMeta, segment: Int) {
        var length = 0
        for b in term where b & 0xC0 != 0x80 { length &+= 1 }
        let sim = similarity(edits: edits, termLength: length)
        if isFull {
            let worst = entries[bottom]
            // Below the bottom: never in the queue (the bottom only rises), so nothing to record.
            if FuzzyTopTerms.ranksBelow(sim, term, worst) { return }
        }
        let key = Array(term)
        if let i = positions[key] {
            entries[i].metas[segment] = meta  // met again in a later segment
            return
        }
        var metas = [TermMeta?](repeating: nil, count: segmentCount)
        metas[segment] = meta
        let entry = Entry(term: key, similarity: sim, metas: metas)
        if isFull {
            positions[entries[bottom].term] = nil
            entries[bottom] = entry
            positions[key] = bottom
        } else {
            positions[key] = entries.count
            entries.append(entry)
        }
        if isFull { findBottom() }
    }

    private mutating func findBottom() {
        var worst = 0
        for i in 1..<entries.count {
            let e = entries[i]
            let w = entries[worst]
            if e.similarity < w.similarity
                || (e.similarity == w.similarity && w.term.lexicographicallyPrecedes(e.term))
            {
                worst = i
            }
        }
        bottom = worst
    }

    /// The most edits a term met from here on can have and still get in, at most `edits`. `pastBottom`: the walk is
    /// at or past the bottom's term, so a later term must be strictly more similar than the bottom (a tie loses).
    func competitiveEdits(_ edits: Int, pastBottom: Bool) -> Int {
        guard isFull else { return edits }
        let b = entries[bottom].similarity
        var e = edits
        while e > 0 && (pastBottom ? b >= bestSimilarity(edits: e) : b > bestSimilarity(edits: e)) { e -= 1 }
        return e
    }

    /// Whether `term` is at or past the bottom's term.
    func isAtOrPastBottom(_ term: UnsafeRawBufferPointer) -> Bool {
        guard isFull else { return false }
        return !term.lexicographicallyPrecedes(entries[bottom].term)
    }
}
