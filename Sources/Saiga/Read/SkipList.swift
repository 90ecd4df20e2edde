/// A term's skip entries and the bounds they give, read straight from the mapped `.post` file. Small and trivially
/// copyable: top-k evaluators keep a copy next to each term instead of reaching into the cursor.
@usableFromInline
struct SkipList {
    @usableFromInline let post: UnsafeRawPointer
    @usableFromInline let postEnd: Int
    @usableFromInline let skipStart: Int
    @usableFromInline let blocksStart: Int
    @usableFromInline let numBlocks: Int
    @usableFromInline let docFreq: Int
    @usableFromInline let totalTermFreq: Int

    @inlinable init(
        post: UnsafeRawPointer, postEnd: Int, skipStart: Int, blocksStart: Int, numBlocks: Int,
        docFreq: Int, totalTermFreq: Int
    ) {
        self.post = post
        self.postEnd = postEnd
        self.skipStart = skipStart
        self.blocksStart = blocksStart
        self.numBlocks = numBlocks
        self.docFreq = docFreq
        self.totalTermFreq = totalTermFreq
    }

    /// Where skip entry `b` starts in `.post`.
    @inlinable @inline(__always) func entry(_ b: Int) -> Int { skipStart &+ b &* SkipEntry.size }

    @inlinable @inline(__always) func lastDoc(_ b: Int) -> UInt32 { SkipEntry.lastDoc(at: entry(b), in: post) }

    @inlinable @inline(__always) func blockSize(_ b: Int) -> Int { SkipEntry.blockSize(at: entry(b), in: post) }

    /// Largest frequency in block `b` (`b == numBlocks`: the tail), as a bound.
    @inlinable @inline(__always)
    func maxTf(_ b: Int) -> Float {
        if b >= numBlocks {
            // The tail (or a single document): no document has more than what is left of the total.
            return docFreq == 1 ? Float(totalTermFreq) : Float(totalTermFreq &- docFreq &+ 1)
        }
        let tf = SkipEntry.maxTf(at: entry(b), in: post)
        return UInt32(tf) >= PostingsFormat.saturatedTf ? .infinity : Float(tf)
    }

    /// Smallest norm byte in block `b` (0 for the tail: any length).
    @inlinable @inline(__always)
    func minNorm(_ b: Int) -> UInt8 { b >= numBlocks ? 0 : SkipEntry.minNorm(at: entry(b), in: post) }

    /// Last document of block `b` (for the tail or a single document: a bound at or past the last posting).
    @inlinable @inline(__always)
    func blockLastDoc(_ b: Int) -> Int32 {
        b < numBlocks ? Int32(bitPattern: lastDoc(b)) : PostingsCursor.noMoreDocs &- 1
    }

    /// The block that holds the first document ≥ `target` (numBlocks: the tail), scanning forward from block
    /// `from` whose data starts at `offset` (from `blocksStart`); `offset` is moved along.
    @inlinable
    func block(containing target: Int32, from: Int, offset: inout Int) -> Int {
        var b = max(from, 0)
        while b < numBlocks && Int32(bitPattern: lastDoc(b)) < target {
            offset &+= blockSize(b)
            b &+= 1
        }
        return b
    }

    /// The exact best BM25 bound of full block `b` (data at `offset` from `blocksStart`): the best score over its
    /// stored (tf, norm) Pareto frontier. Falls back to the skip entry's corner bound on inconsistent data, and on
    /// bytes the cursor cannot verify (`cursor.postBytesVerified`: the frontier is read only once verified).
    @inlinable
    func impactBound(
        _ b: Int, offset: Int, weight: Float, cache: UnsafePointer<Float>,
        cursor: UnsafeMutablePointer<PostingsCursor>
    ) -> Float {
        let corner = weight - weight / (1 + maxTf(b) * cache[Int(minNorm(b))])
        let at = blocksStart &+ offset
        let end = at &+ blockSize(b)
        guard end <= postEnd, at < end else { return corner }
        // The skip entry's corner is a valid bound from verified bytes; the frontier is read only once verified
        // (a damaged block then fails when the cursor loads it).
        if !cursor.pointee.postBytesVerified(at, end) { return corner }
        do {
            var frontier = try ImpactFrontier.Decoder(ByteCursor(base: post, start: at, end: end))
            if frontier.count == 0 { return corner }
            var best: Float = 0
            while let p = try frontier.next() {
                best = max(best, weight - weight / (1 + Float(p.tf) * cache[Int(p.norm)]))
            }
            return min(best, corner)
        } catch { return corner }
    }
}
