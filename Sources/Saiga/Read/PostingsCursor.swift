/// Iterates one term's postings in one segment: document ids in increasing order, their frequencies, and on
/// request their positions. Decodes a 128-document block at a time into a fixed buffer; `advance(to:)` uses the
/// skip entries to jump over blocks without decoding them, and the skip entries' (max tf, min norm) pairs give
/// block-max score bounds without touching the blocks (`blockMaxTf`, `blockMinNorm`).
///
/// Reads only the mapped files, and only bytes its files' `ChunkVerifier`s have verified: the skip entries when it
/// is created, each block before decoding it (the tail and positions right after decoding them, before anything
/// uses them). If a chunk is damaged or the bytes are inconsistent, the iterator stops and sets `isCorrupt` instead
/// of reading out of range or answering from damaged bytes; the searcher reports it as an error.
///
/// It owns its decode buffers (freed by `deinit`), so it cannot be copied; `PostingsIterator` holds it.
///
/// About 480 lines, a third of them comments: it is one state machine over a term's blocks (the buffered block,
/// the lazily expanded bit set, the verified span, the positions of the buffered block), and every method keeps
/// the same invariants over that state; the hot methods are inlined into the evaluators. The skip entries' reading
/// is `SkipList` (SkipList.swift) and the memory is owned by `PostingsIterator` (PostingsIterator.swift).
@usableFromInline
struct PostingsCursor: ~Copyable {
    @usableFromInline static let noMoreDocs = Int32.max

    // Segment data, borrowed: the `PostingsIterator` that holds this cursor holds the segment reader that maps it.
    @usableFromInline let post: UnsafeRawPointer
    @usableFromInline let postEnd: Int
    @usableFromInline let pos: UnsafeRawPointer
    @usableFromInline let posEnd: Int
    @usableFromInline let maxDoc: Int32

    // Term layout.
    @usableFromInline let docFreq: Int
    @usableFromInline let numBlocks: Int
    @usableFromInline let skipStart: Int
    @usableFromInline let blocksStart: Int
    @usableFromInline let posDataStart: Int
    @usableFromInline let hasPositions: Bool
    @usableFromInline let meta: TermMeta
    /// The term's skip entries and block bounds (a small copyable view, so evaluators can keep their own).
    @usableFromInline let skips: SkipList

    // Current state. `docs` and `freqs` are two halves of one allocation.
    @usableFromInline var doc: Int32 = -1
    @usableFromInline let docs: UnsafeMutablePointer<UInt32>
    @usableFromInline let freqs: UnsafeMutablePointer<UInt32>
    @usableFromInline var bufferCount = 0
    @usableFromInline var bufferIndex = -1
    /// Block whose documents are in the buffer (numBlocks = the tail), -1 before the first.
    @usableFromInline var bufferBlock = -1
    /// Offset (from `blocksStart`) of block `bufferBlock + 1`: the sum of the sizes of the blocks before it.
    @usableFromInline var nextBlockOffset = 0
    @usableFromInline var isCorrupt = false
    /// Last document of the buffered block (-1 before the first block and after a failure).
    @usableFromInline var bufferLastDoc: Int32 = -1
    /// While ≥ 0, the buffered block is a bit set that `advance` left unexpanded: its bits start at this offset of
    /// `post` (`lazyBitsBytes` long, bit i = document `lazyBitsBase + i`), `freqs` is decoded, `bufferIndex` is the
    /// current document's rank, and `bufferCount` is 0 so that `nextDoc` takes its slow path and expands the bits
    /// into `docs`. Probing a dense stop-word list at scattered candidates then costs a bit test and a population
    /// count per probe, not 128 extractions per block.
    @usableFromInline var lazyBits = -1
    @usableFromInline var lazyBitsBytes = 0
    @usableFromInline var lazyBitsBase: Int32 = 0

    // Positions of the buffered block, decoded lazily.
    @usableFromInline var positionDeltas: UnsafeMutablePointer<UInt32>?
    @usableFromInline var positionCapacity = 0
    @usableFromInline var positionOffsets: UnsafeMutablePointer<Int>?
    @usableFromInline var positionsBlock = -2

    /// The files' verifiers (unverified in tests), at the end: used once per block, they stay off the cache lines
    /// of the per-document state. The segment reader that owns them outlives every iterator it creates.
    @usableFromInline let postCheck: ChunkCheck
    @usableFromInline let posCheck: ChunkCheck
    /// Whole chunks of `.post` known verified: blocks inside need no check (consecutive blocks mostly share a
    /// chunk).
    @usableFromInline var postVerified: Range<Int> = 0..<0

    /// - Parameters:
    ///   - postings: the whole `.post` file (header and footer included; offsets in `meta` are file offsets).
    ///   - positions: the whole `.pos` file.
    init(
        postings: UnsafeRawBufferPointer, positions: UnsafeRawBufferPointer, maxDoc: Int, meta: TermMeta,
        hasPositions: Bool, postCheck: ChunkCheck = ChunkCheck(), posCheck: ChunkCheck = ChunkCheck()
    ) {
        self.postCheck = postCheck
        self.posCheck = posCheck
        post = postings.baseAddress ?? UnsafeRawPointer(bitPattern: 0x10)!
        postEnd = max(0, postings.count - FileFooter.size)
        pos = positions.baseAddress ?? UnsafeRawPointer(bitPattern: 0x10)!
        posEnd = max(0, positions.count - FileFooter.size)
        self.maxDoc = Int32(clamping: maxDoc)
        self.meta = meta
        docFreq = meta.docFreq
        numBlocks = meta.blockCount
        skipStart = meta.docOffset
        blocksStart = meta.docOffset &+ numBlocks &* SkipEntry.size
        posDataStart = meta.posOffset &+ 4 &* numBlocks
        skips = SkipList(
            post: post, postEnd: postEnd, skipStart: skipStart, blocksStart: blocksStart,
            numBlocks: numBlocks, docFreq: docFreq, totalTermFreq: meta.totalTermFreq)
        self.hasPositions = hasPositions
        docs = .allocate(capacity: 2 * PostingsFormat.blockSize)
        freqs = docs + PostingsFormat.blockSize
        // Offsets come from term metadata that may be damaged (an unverified index): check without wrapping
        // arithmetic that the skip entries lie inside the file before anything reads them.
        if docFreq >= 2
            && (skipStart < FileHeader.size || skipStart > postEnd
                || numBlocks > (postEnd - skipStart) / SkipEntry.size)
        {
            isCorrupt = true
        } else if docFreq == 1 && meta.singletonDoc >= maxDoc {
            isCorrupt = true
        } else if numBlocks > 0, !postCheck.covers(skipStart, blocksStart) {
            // Skip entries decide which blocks are read and bound their scores: verified before any use.
            isCorrupt = true
        }
    }

    deinit {
        docs.deallocate()
        positionDeltas?.deallocate()
        positionOffsets?.deallocate()
    }

    /// Frequency of the term in the current document.
    @inlinable var freq: UInt32 { freqs[bufferIndex] }

    /// Moves to the next document; returns it, or `noMoreDocs`.
    @inlinable @inline(__always)
    mutating func nextDoc() -> Int32 {
        bufferIndex &+= 1
        if _slowPath(bufferIndex >= bufferCount) {
            // A bit set `advance` left unexpanded: expand it and go on inside it if the next document is there.
            if !(lazyBits >= 0 && expandLazyBits() && bufferIndex < bufferCount) {
                if !loadNextBlock(lazy: false) {
                    doc = PostingsCursor.noMoreDocs
                    return doc
                }
                bufferIndex = 0
            }
        }
        doc = Int32(bitPattern: docs[bufferIndex])
        return doc
    }

    /// Moves to the first document ≥ `target`; returns it, or `noMoreDocs`.
    @inlinable
    mutating func advance(to target: Int32) -> Int32 {
        if doc >= target { return doc }
        if bufferLastDoc < target {
            // The target is past the buffered block: skip whole blocks using their last documents.
            var b = bufferBlock &+ 1
            while b < numBlocks && Int32(bitPattern: skipLastDoc(b)) < target {
                nextBlockOffset &+= skipBlockSize(b)
                b &+= 1
            }
            bufferBlock = b &- 1
            // A full block's last document is ≥ target (checked against its skip entry when decoded); the tail
            // (or a single document) may end before the target.
            if !loadNextBlock(lazy: true) || bufferLastDoc < target {
                bufferIndex = bufferCount
                doc = PostingsCursor.noMoreDocs
                return doc
            }
            bufferIndex = 0
        } else if bufferIndex < 0 {
            bufferIndex = 0
        }
        if lazyBits >= 0 { return advanceInLazyBits(to: target) }
        // The target is within the buffered block (its last document is ≥ target): a few linear steps (the
        // common short hop), then a binary search for the rest.
        var i = bufferIndex
        let stop = min(i &+ 8, bufferCount &- 1)
        while i < stop && Int32(bitPattern: docs[i]) < target { i &+= 1 }
        if Int32(bitPattern: docs[i]) < target {
            var lo = i &+ 1
            var hi = bufferCount &- 1  // docs[hi] ≥ target
            while lo < hi {
                let mid = (lo &+ hi) &>> 1
                if Int32(bitPattern: docs[mid]) < target { lo = mid &+ 1 } else { hi = mid }
            }
            i = lo
        }
        bufferIndex = i
        doc = Int32(bitPattern: docs[i])
        return doc
    }

    // MARK: Skip entries and block-max bounds (forwarded to `skips`)

    @inlinable @inline(__always) func skipLastDoc(_ b: Int) -> UInt32 { skips.lastDoc(b) }
    @inlinable @inline(__always) func skipBlockSize(_ b: Int) -> Int { skips.blockSize(b) }
    @inlinable @inline(__always) func blockMaxTf(_ b: Int) -> Float { skips.maxTf(b) }
    @inlinable @inline(__always) func blockMinNorm(_ b: Int) -> UInt8 { skips.minNorm(b) }
    @inlinable @inline(__always) func blockLastDoc(_ b: Int) -> Int32 { skips.blockLastDoc(b) }

    // MARK: Decoding

    /// Decodes block `bufferBlock + 1` (or the tail) into the buffers. False when there is none left. With `lazy`, a
    /// bit-set block is left unexpanded (see `lazyBits`).
    @usableFromInline
    mutating func loadNextBlock(lazy: Bool) -> Bool {
        if isCorrupt { return false }
        lazyBits = -1
        let b = bufferBlock &+ 1
        bufferBlock = b
        if docFreq == 1 {
            guard b == 0 else { return false }
            guard meta.singletonDoc < Int(maxDoc) else { return fail() }
            docs[0] = UInt32(meta.singletonDoc)
            freqs[0] = UInt32(meta.totalTermFreq)
            bufferCount = 1
            bufferLastDoc = Int32(meta.singletonDoc)
            return true
        }
        if b < numBlocks { return loadFullBlock(b, lazy: lazy) }
        guard b == numBlocks else { return false }
        return loadTail()
    }

    @usableFromInline
    mutating func loadFullBlock(_ b: Int, lazy: Bool) -> Bool {
        let blockStart = blocksStart &+ nextBlockOffset
        let end = blockStart &+ skipBlockSize(b)
        nextBlockOffset &+= skipBlockSize(b)
        guard end <= postEnd, end &- blockStart >= 3 else { return fail() }
        if !postBytesVerified(blockStart, end) { return fail() }
        guard let start = ImpactFrontier.end(in: post, blockStart: blockStart, blockEnd: end) else { return fail() }
        if post.load(fromByteOffset: start, as: UInt8.self) == PostingsFormat.bitsetBlock {
            return loadBitsetBlock(b, at: start &+ 1, end: end, lazy: lazy)
        }
        let docBits = Int(post.load(fromByteOffset: start, as: UInt8.self))
        guard docBits <= 32, 1 &+ 16 &* docBits < end &- start else { return fail() }
        BitPacking.unpack(post + (start &+ 1), bitWidth: docBits, into: docs)
        let freqStart = start &+ 1 &+ 16 &* docBits
        guard let used = PatchedFrameOfReference.decode(post + freqStart, available: end &- freqStart, into: freqs),
            freqStart &+ used == end
        else { return fail() }
        // Gaps minus one → documents: a running sum, four lanes at a time (in-register prefix sum, then the
        // previous vector's last lane added), and tf - 1 → tf.
        let start0: UInt32 = b == 0 ? 0 : skipLastDoc(b &- 1) &+ 1
        var carry = SIMD4<UInt32>(repeating: start0 &- 1)
        let one = SIMD4<UInt32>(repeating: 1)
        let rawDocs = UnsafeMutableRawPointer(docs)
        let rawFreqs = UnsafeMutableRawPointer(freqs)
        for j in 0..<(PostingsFormat.blockSize / 4) {
            var v = rawDocs.loadUnaligned(fromByteOffset: j &* 16, as: SIMD4<UInt32>.self) &+ one
            v &+= SIMD4(0, v[0], v[1], v[2])
            v &+= SIMD4(0, 0, v[0], v[1])
            v &+= carry
            rawDocs.storeBytes(of: v, toByteOffset: j &* 16, as: SIMD4<UInt32>.self)
            carry = SIMD4(repeating: v[3])
            let f = rawFreqs.loadUnaligned(fromByteOffset: j &* 16, as: SIMD4<UInt32>.self) &+ one
            rawFreqs.storeBytes(of: f, toByteOffset: j &* 16, as: SIMD4<UInt32>.self)
        }
        let last = docs[PostingsFormat.blockSize &- 1]
        guard last == skipLastDoc(b), last < UInt32(maxDoc), b == 0 || docs[0] > skipLastDoc(b &- 1) else {
            return fail()
        }
        // Gaps of at most 24 bits cannot wrap the running sum (128 × 2^24 = 2^31), so the documents increase and
        // end at `last`, below maxDoc. Wider gaps (a real gap of 16M documents, or a crafted block) could wrap:
        // then every document is checked, since scorers index norms by document without further checks.
        if docBits > 24 {
            var previous = b == 0 ? -1 : Int64(skipLastDoc(b &- 1))
            for i in 0..<PostingsFormat.blockSize {
                guard Int64(docs[i]) > previous else { return fail() }
                previous = Int64(docs[i])
            }
        }
        bufferCount = PostingsFormat.blockSize
        bufferLastDoc = Int32(bitPattern: last)
        return true
    }

    /// A dense block: a bit set over documents (previous last + 1) ... last, then PFOR frequencies. With `lazy` the
    /// bits are only checked (128 set, the highest one the block's last document) and left for `advance` to probe.
    @usableFromInline
    mutating func loadBitsetBlock(_ b: Int, at start: Int, end: Int, lazy: Bool) -> Bool {
        let rangeStart = b == 0 ? 0 : Int(skipLastDoc(b &- 1)) &+ 1
        let last = Int(skipLastDoc(b))
        guard last >= rangeStart, last < Int(maxDoc) else { return fail() }
        let bytes = (last &- rangeStart &+ 1 &+ 7) / 8
        guard start &+ bytes < end else { return fail() }
        let freqStart = start &+ bytes
        guard let used = PatchedFrameOfReference.decode(post + freqStart, available: end &- freqStart, into: freqs),
            freqStart &+ used == end
        else { return fail() }
        let one = SIMD4<UInt32>(repeating: 1)
        let rawFreqs = UnsafeMutableRawPointer(freqs)
        for j in 0..<(PostingsFormat.blockSize / 4) {
            let f = rawFreqs.loadUnaligned(fromByteOffset: j &* 16, as: SIMD4<UInt32>.self) &+ one
            rawFreqs.storeBytes(of: f, toByteOffset: j &* 16, as: SIMD4<UInt32>.self)
        }
        lazyBits = start
        lazyBitsBytes = bytes
        lazyBitsBase = Int32(rangeStart)
        bufferLastDoc = Int32(last)
        if lazy {
            // The checks expansion would make: 128 documents, the last one where the skip entry says.
            var count = 0
            var highest = -1
            for w in 0..<((bytes &+ 7) / 8) {
                let word = lazyWord(w)
                count &+= word.nonzeroBitCount
                if word != 0 { highest = w &* 64 &+ 63 &- word.leadingZeroBitCount }
            }
            guard count == PostingsFormat.blockSize, highest == last &- rangeStart else { return fail() }
            bufferCount = 0
            return true
        }
        return expandLazyBits()
    }

    /// Word `w` of the lazy bit set (little-endian; past the end, zero bits).
    @inlinable @inline(__always)
    func lazyWord(_ w: Int) -> UInt64 {
        let at = w &* 8
        if at &+ 8 <= lazyBitsBytes {
            return UInt64(littleEndian: post.loadUnaligned(fromByteOffset: lazyBits &+ at, as: UInt64.self))
        }
        var word: UInt64 = 0
        var i = at
        while i < lazyBitsBytes {
            word |= UInt64(post.load(fromByteOffset: lazyBits &+ i, as: UInt8.self)) << UInt64((i &- at) &* 8)
            i &+= 1
        }
        return word
    }

    /// Moves to the first document ≥ `target` inside the lazy bit set (`target` ≤ its last document).
    @usableFromInline
    mutating func advanceInLazyBits(to target: Int32) -> Int32 {
        let from = max(Int(target) &- Int(lazyBitsBase), 0)
        let words = (lazyBitsBytes &+ 7) / 8
        var w = from &>> 6
        var word = lazyWord(w) & (UInt64.max << UInt64(from & 63))
        while word == 0 {
            w &+= 1
            guard w < words else {
                _ = fail()
                doc = PostingsCursor.noMoreDocs
                return doc
            }
            word = lazyWord(w)
        }
        let bit = w &* 64 &+ word.trailingZeroBitCount
        // The rank of that bit: the bits set before it.
        var rank = 0
        for i in 0..<w { rank &+= lazyWord(i).nonzeroBitCount }
        rank &+= (lazyWord(w) & ((1 << UInt64(bit & 63)) &- 1)).nonzeroBitCount
        bufferIndex = rank
        doc = lazyBitsBase &+ Int32(bit)
        return doc
    }

    /// Expands the buffered bit set into `docs` (the current document keeps its index).
    @usableFromInline
    mutating func expandLazyBits() -> Bool {
        let rangeStart = Int(lazyBitsBase)
        var n = 0
        for w in 0..<((lazyBitsBytes &+ 7) / 8) {
            var word = lazyWord(w)
            while word != 0 {
                guard n < PostingsFormat.blockSize else { return fail() }
                docs[n] = UInt32(rangeStart &+ w &* 64 &+ word.trailingZeroBitCount)
                n &+= 1
                word &= word &- 1
            }
        }
        lazyBits = -1
        guard n == PostingsFormat.blockSize, Int32(bitPattern: docs[n &- 1]) == bufferLastDoc else { return fail() }
        bufferCount = PostingsFormat.blockSize
        return true
    }

    @usableFromInline
    mutating func loadTail() -> Bool {
        let n = docFreq &- numBlocks &* PostingsFormat.blockSize
        guard n > 0 else { return false }
        let start = blocksStart &+ nextBlockOffset
        guard start < postEnd else { return fail() }
        var previous: Int64 = numBlocks == 0 ? -1 : Int64(skipLastDoc(numBlocks &- 1))
        var c = ByteCursor(base: post, start: start, end: postEnd)
        do {
            for i in 0..<n {
                let code = try c.readVInt()
                let f = code & 1 == 1 ? 1 : try c.readVInt()
                let d = previous &+ Int64(truncatingIfNeeded: code >> 1)
                guard code >> 1 >= 1, d < Int64(maxDoc), f >= 1, f <= UInt64(UInt32.max) else { return fail() }
                docs[i] = UInt32(d)
                freqs[i] = UInt32(f)
                previous = d
            }
        } catch { return fail() }
        // Decoded before being verified (its length is only known now), verified before anything uses it.
        if !postBytesVerified(start, c.position) { return fail() }
        bufferCount = n
        bufferLastDoc = Int32(bitPattern: docs[n &- 1])
        return true
    }

    /// True if bytes `start ..< end` of `.post` are verified (verifying them if needed).
    @inlinable @inline(__always)
    mutating func postBytesVerified(_ start: Int, _ end: Int) -> Bool {
        if start >= postVerified.lowerBound && end <= postVerified.upperBound && start < end { return true }
        guard postCheck.covers(start, end) else { return false }
        postVerified = postCheck.chunkSpan(start, end)
        return true
    }

    @usableFromInline
    mutating func fail() -> Bool {
        isCorrupt = true
        bufferCount = 0
        bufferLastDoc = -1
        lazyBits = -1
        return false
    }

    // MARK: - Positions

    /// Writes the positions of the current document (increasing) into `out`, which must have room for `freq`
    /// values, and returns how many were written (0 if the data is inconsistent).
    mutating func positions(into out: UnsafeMutablePointer<UInt32>) -> Int {
        guard hasPositions else { return 0 }
        if lazyBits >= 0 && !expandLazyBits() { return 0 }
        if positionsBlock != bufferBlock {
            guard decodeBlockPositions() else {
                isCorrupt = true
                return 0
            }
            positionsBlock = bufferBlock
        }
        let start = positionOffsets![bufferIndex]
        let n = Int(freqs[bufferIndex])
        let deltas = positionDeltas!
        var p: UInt32 = 0
        for k in 0..<n {
            p &+= deltas[start &+ k]
            out[k] = p
        }
        return n
    }

    /// Where block `b`'s positions start in the .pos file (after the term's array of block ends).
    private func positionsStart(_ b: Int) -> Int? {
        if b == 0 { return posDataStart }
        let at = meta.posOffset &+ 4 &* (b &- 1)
        guard at >= FileHeader.size, at &+ 4 <= posEnd else { return nil }
        if !posCheck.covers(at, at &+ 4) { return nil }
        return posDataStart &+ Int(UInt32(littleEndian: pos.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
    }

    /// Decodes the position deltas of every document in the buffered block.
    private mutating func decodeBlockPositions() -> Bool {
        var total = 0
        if positionOffsets == nil { positionOffsets = .allocate(capacity: PostingsFormat.blockSize + 1) }
        let offsets = positionOffsets!
        for i in 0..<bufferCount {
            offsets[i] = total
            total &+= Int(freqs[i])
        }
        offsets[bufferCount] = total
        if total > positionCapacity {
            positionDeltas?.deallocate()
            positionCapacity = max(total, positionCapacity * 2, 256)
            positionDeltas = .allocate(capacity: positionCapacity)
        }
        let deltas = positionDeltas!
        let start: Int
        let packedRuns: Bool
        if docFreq == 1 {
            start = meta.posOffset
            packedRuns = false
        } else {
            guard let s = positionsStart(min(bufferBlock, numBlocks)) else { return false }
            start = s
            packedRuns = bufferBlock < numBlocks
        }
        guard start >= FileHeader.size, start <= posEnd else { return false }
        var c = ByteCursor(base: pos, start: start, end: posEnd)
        var i = 0
        do {
            if packedRuns {
                while i &+ 128 <= total {
                    let bits = Int(try c.readU8())
                    guard bits <= 32 else { return false }
                    let bytes = try c.readBytes(BitPacking.packedBytes(bitWidth: bits))
                    BitPacking.unpack(bytes.baseAddress ?? pos, bitWidth: bits, into: deltas + i)
                    i &+= 128
                }
            }
            while i < total {
                deltas[i] = try c.readVInt32()
                i &+= 1
            }
        } catch { return false }
        // Decoded before being verified (their length is only known now), verified before anything uses them.
        if !posCheck.covers(start, c.position) { return false }
        return true
    }
}
