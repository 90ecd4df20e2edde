/// One term of one segment inside a top-k evaluator: its postings, its BM25 weight and its field's norms, plus a
/// forward-only cursor over skip entries for block-max bounds ("shallow" advancing: no decoding).
struct TermLeaf {
    /// The term's cursor (kept alive by the `PostingsIterator` the evaluator's caller holds).
    let postings: UnsafeMutablePointer<PostingsCursor>
    /// The BM25 weight and per-norm factors (the prepared query keeps their storage alive).
    let weight: Float
    let cache: UnsafePointer<Float>
    let norms: UnsafePointer<UInt8>
    /// The term's skip entries (a copy: bounds never touch the cursor).
    let skips: SkipList
    /// First block that may hold documents at or after the last bound query, and where its data starts.
    var shallowBlock = 0
    var shallowOffset = 0
    /// The last block whose bound was computed, and that bound: a block spanning several windows is decoded once.
    var cachedBlock = -1
    var cachedBound: Float = 0
    /// The last answer of `cachedBlockBound(at:)`: its bound, and the last document of its block.
    var lastBound: Float = 0
    var lastBoundedDoc: Int32 = -1

    init(postings: PostingsIterator, bm25: BM25Scorer, norms: UnsafePointer<UInt8>) {
        self.postings = postings.cursor
        self.skips = postings.cursor.pointee.skips
        self.weight = bm25.weight
        self.cache = bm25.cache
        self.norms = norms
    }

    /// BM25 of a frequency and a norm byte (`BM25Scorer.score`, on the copied weight and factors).
    @inline(__always)
    func score(freq: Float, norm: UInt8) -> Float {
        weight - weight / (1 + freq * cache[Int(norm)])
    }

    /// Score of the current document.
    @inline(__always)
    func score() -> Float {
        score(freq: Float(postings.pointee.freq), norm: norms[Int(postings.pointee.doc)])
    }

    /// Upper bound of the score of any document in block `b` (`numBlocks`: the tail), exact in float arithmetic
    /// because BM25 grows with tf and falls with the norm.
    @inline(__always)
    func blockBound(_ b: Int, blockOffset: Int) -> Float {
        if skips.docFreq == 1 {
            // A single posting: its real norm is at hand.
            let doc = postings.pointee.meta.singletonDoc
            // A document past the segment (damaged metadata) has no norm to read; the cursor reports it as corrupt.
            guard doc < Int(postings.pointee.maxDoc) else { return .infinity }
            return score(freq: Float(postings.pointee.meta.totalTermFreq), norm: norms[doc])
        }
        if b >= skips.numBlocks {
            return score(freq: skips.maxTf(b), norm: skips.minNorm(b))
        }
        return skips.impactBound(b, offset: blockOffset, weight: weight, cache: cache, cursor: postings)
    }

    /// The largest score bound over the blocks that overlap documents `start...last`; 0 if none can.
    @inline(__always)
    mutating func maxBound(from start: Int32, through last: Int32) -> Float {
        // The cursor is never behind `start` here, so a cursor past `last` means no posting in the range: exact
        // absence, where skip entries (and a tail without any) only bound blocks.
        let current = postings.pointee.doc
        if current > last { return 0 }
        if skips.docFreq == 1 {
            let d = Int32(postings.pointee.meta.singletonDoc)
            return d >= start && d <= last ? blockBound(0, blockOffset: 0) : 0
        }
        var offset = shallowOffset
        var b = skips.block(containing: max(start, current), from: shallowBlock, offset: &offset)
        shallowBlock = b
        shallowOffset = offset
        var bound: Float = 0
        while true {
            if b != cachedBlock {
                cachedBound = blockBound(b, blockOffset: offset)
                cachedBlock = b
            }
            bound = max(bound, cachedBound)
            if b >= skips.numBlocks || skips.blockLastDoc(b) >= last { break }
            offset &+= skips.blockSize(b)
            b &+= 1
        }
        return bound
    }

    /// A bound on the term's score in any document of the segment: the best corner bound (max tf with min norm)
    /// over its skip entries and tail. Looser than the impact frontier, but it reads only the skip entries.
    func segmentBound() -> Float {
        // An exhausted cursor needs no bound, and one that found its data inconsistent must read nothing more:
        // its skip entries may point anywhere (an unverified, damaged index).
        if postings.pointee.isCorrupt || postings.pointee.doc == PostingsCursor.noMoreDocs { return 0 }
        if skips.docFreq == 1 { return blockBound(0, blockOffset: 0) }
        var bound = score(freq: skips.maxTf(skips.numBlocks), norm: skips.minNorm(skips.numBlocks))
        for b in 0..<skips.numBlocks { bound = max(bound, score(freq: skips.maxTf(b), norm: skips.minNorm(b))) }
        return bound
    }

    /// The bound for the block holding the first document ≥ `doc`, and that block's last document, for a document
    /// stream in increasing order: the skip entries are walked only when `doc` leaves the block of the previous
    /// answer, and a block's bound is computed once (shared with `maxBound`).
    @inline(__always)
    mutating func cachedBlockBound(at doc: Int32) -> (bound: Float, last: Int32) {
        if doc <= lastBoundedDoc { return (lastBound, lastBoundedDoc) }
        if skips.docFreq == 1 {
            lastBound = blockBound(0, blockOffset: 0)
            lastBoundedDoc = PostingsCursor.noMoreDocs &- 1
            return (lastBound, lastBoundedDoc)
        }
        var offset = shallowOffset
        let b = skips.block(containing: doc, from: shallowBlock, offset: &offset)
        shallowBlock = b
        shallowOffset = offset
        if b != cachedBlock {
            cachedBound = blockBound(b, blockOffset: offset)
            cachedBlock = b
        }
        lastBound = cachedBound
        lastBoundedDoc = skips.blockLastDoc(b)
        return (lastBound, lastBoundedDoc)
    }
}
