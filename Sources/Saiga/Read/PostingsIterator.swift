/// Iterates one term's postings in one segment: document ids in increasing order, their frequencies, and on
/// request their positions. Decodes a 128-document block at a time into fixed buffers; `advance(to:)` uses the skip
/// entries to jump over blocks without decoding them.
///
/// Reads only the mapped files. If the bytes are inconsistent (a corrupt file read without checksum verification),
/// the iterator stops and sets `isCorrupt` instead of reading out of range; the searcher reports it as an error.
@usableFromInline
final class PostingsIterator {
    @usableFromInline static let noMoreDocs = Int32.max

    // Segment data (borrowed from the segment reader, which outlives every iterator it creates).
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
    @usableFromInline let posStart: Int
    @usableFromInline let hasPositions: Bool
    @usableFromInline let meta: TermMeta

    // Current state.
    @usableFromInline var doc: Int32 = -1
    @usableFromInline let docs: UnsafeMutablePointer<UInt32>
    @usableFromInline let freqs: UnsafeMutablePointer<UInt32>
    @usableFromInline var bufferCount = 0
    @usableFromInline var bufferIndex = -1
    /// Block whose documents are in the buffer (numBlocks = the tail), -1 before the first.
    @usableFromInline var bufferBlock = -1
    @usableFromInline var isCorrupt = false

    // Positions of the buffered block, decoded lazily.
    @usableFromInline var positionDeltas: UnsafeMutablePointer<UInt32>
    @usableFromInline var positionCapacity: Int
    @usableFromInline var positionOffsets: UnsafeMutablePointer<Int>  // per buffered doc
    @usableFromInline var positionsBlock = -2

    convenience init(segment: SegmentReader, meta: TermMeta, hasPositions: Bool) {
        self.init(postings: segment.postings.bytes, positions: segment.positionsFile.bytes, maxDoc: segment.maxDoc,
                  meta: meta, hasPositions: hasPositions)
    }

    /// - Parameters:
    ///   - postings: the whole `.post` file (header and footer included; offsets in `meta` are file offsets).
    ///   - positions: the whole `.pos` file.
    init(postings: UnsafeRawBufferPointer, positions: UnsafeRawBufferPointer, maxDoc: Int, meta: TermMeta,
         hasPositions: Bool) {
        post = postings.baseAddress ?? UnsafeRawPointer(bitPattern: 0x10)!
        postEnd = max(0, postings.count - FileFooter.size)
        pos = positions.baseAddress ?? UnsafeRawPointer(bitPattern: 0x10)!
        posEnd = max(0, positions.count - FileFooter.size)
        self.maxDoc = Int32(clamping: maxDoc)
        self.meta = meta
        docFreq = meta.docFreq
        numBlocks = meta.docFreq >= 2 ? meta.docFreq / PostingsFormat.blockSize : 0
        skipStart = meta.docOffset
        blocksStart = meta.docOffset + numBlocks * PostingsFormat.skipEntrySize
        posStart = meta.posOffset
        self.hasPositions = hasPositions
        docs = .allocate(capacity: PostingsFormat.blockSize)
        freqs = .allocate(capacity: PostingsFormat.blockSize)
        positionCapacity = 256
        positionDeltas = .allocate(capacity: positionCapacity)
        positionOffsets = .allocate(capacity: PostingsFormat.blockSize + 1)
        if docFreq >= 2 && (skipStart < FileHeader.size || blocksStart > postEnd) { isCorrupt = true }
    }

    deinit {
        docs.deallocate()
        freqs.deallocate()
        positionDeltas.deallocate()
        positionOffsets.deallocate()
    }

    /// Frequency of the term in the current document.
    @inlinable var freq: UInt32 { freqs[bufferIndex] }

    /// Moves to the next document; returns it, or `noMoreDocs`.
    @inlinable
    func nextDoc() -> Int32 {
        bufferIndex &+= 1
        if bufferIndex >= bufferCount {
            if !loadBlock(bufferBlock &+ 1) {
                doc = PostingsIterator.noMoreDocs
                return doc
            }
            bufferIndex = 0
        }
        doc = Int32(bitPattern: docs[bufferIndex])
        return doc
    }

    /// Moves to the first document ≥ `target`; returns it, or `noMoreDocs`.
    @inlinable
    func advance(to target: Int32) -> Int32 {
        if doc >= target { return doc }
        // Skip whole blocks whose last document is before the target.
        if bufferCount == 0 || bufferIndex >= bufferCount || Int32(bitPattern: docs[bufferCount &- 1]) < target {
            var b = bufferBlock &+ 1
            while b < numBlocks && Int32(bitPattern: skipLastDoc(b)) < target { b &+= 1 }
            if !loadBlock(b) {
                doc = PostingsIterator.noMoreDocs
                return doc
            }
            bufferIndex = 0
        } else if bufferIndex < 0 {
            bufferIndex = 0
        }
        while bufferIndex < bufferCount {
            let d = Int32(bitPattern: docs[bufferIndex])
            if d >= target {
                doc = d
                return d
            }
            bufferIndex &+= 1
        }
        // Only reachable in the tail or with corrupt skip data: continue block by block.
        while loadBlock(bufferBlock &+ 1) {
            bufferIndex = 0
            while bufferIndex < bufferCount {
                let d = Int32(bitPattern: docs[bufferIndex])
                if d >= target {
                    doc = d
                    return d
                }
                bufferIndex &+= 1
            }
        }
        doc = PostingsIterator.noMoreDocs
        return doc
    }

    @inlinable
    func skipLastDoc(_ b: Int) -> UInt32 {
        UInt32(littleEndian: post.loadUnaligned(fromByteOffset: skipStart &+ b &* PostingsFormat.skipEntrySize,
                                                as: UInt32.self))
    }

    @inlinable
    func skipBlockEnd(_ b: Int) -> Int {
        Int(UInt32(littleEndian: post.loadUnaligned(
            fromByteOffset: skipStart &+ b &* PostingsFormat.skipEntrySize &+ 4, as: UInt32.self)))
    }

    @inlinable
    func skipPositionsEnd(_ b: Int) -> Int {
        Int(UInt32(littleEndian: post.loadUnaligned(
            fromByteOffset: skipStart &+ b &* PostingsFormat.skipEntrySize &+ 8, as: UInt32.self)))
    }

    /// Decodes block `b` (or the tail when b == numBlocks) into the buffers. False when there is none left.
    @usableFromInline
    func loadBlock(_ b: Int) -> Bool {
        if isCorrupt { return false }
        bufferBlock = b
        if docFreq == 1 {
            guard b == 0 else { return false }
            guard meta.singletonDoc < Int(maxDoc) else { return fail() }
            docs[0] = UInt32(meta.singletonDoc)
            freqs[0] = UInt32(meta.totalTermFreq)
            bufferCount = 1
            return true
        }
        if b < numBlocks {
            let start = blocksStart &+ (b == 0 ? 0 : skipBlockEnd(b &- 1))
            let end = blocksStart &+ skipBlockEnd(b)
            guard start >= blocksStart, end <= postEnd, end &- start >= 2 else { return fail() }
            let docBits = Int(post.load(fromByteOffset: start, as: UInt8.self))
            let tfBits = Int(post.load(fromByteOffset: start &+ 1, as: UInt8.self))
            guard docBits <= 32, tfBits <= 32, end &- start == 2 &+ 16 &* (docBits &+ tfBits) else { return fail() }
            BitPacking.unpack(post + (start &+ 2), bitWidth: docBits, into: docs)
            BitPacking.unpack(post + (start &+ 2 &+ 16 &* docBits), bitWidth: tfBits, into: freqs)
            var previous: UInt32 = b == 0 ? 0 : skipLastDoc(b &- 1) &+ 1
            for i in 0..<PostingsFormat.blockSize {
                let d = previous &+ docs[i]
                docs[i] = d
                previous = d &+ 1
                freqs[i] &+= 1
            }
            let last = docs[PostingsFormat.blockSize &- 1]
            guard last == skipLastDoc(b), last < UInt32(maxDoc), b == 0 || docs[0] > skipLastDoc(b &- 1) else {
                return fail()
            }
            bufferCount = PostingsFormat.blockSize
            return true
        }
        guard b == numBlocks else { return false }
        let tailCount = docFreq &- numBlocks &* PostingsFormat.blockSize
        guard tailCount > 0 else { return false }
        let start = blocksStart &+ (numBlocks == 0 ? 0 : skipBlockEnd(numBlocks &- 1))
        guard start >= blocksStart, start <= postEnd else { return fail() }
        var c = ByteCursor(base: post, start: start, end: postEnd)
        var previous: Int64 = numBlocks == 0 ? -1 : Int64(skipLastDoc(numBlocks &- 1))
        do {
            for i in 0..<tailCount {
                let code = try c.readVInt()
                let f = code & 1 == 1 ? 1 : try c.readVInt()
                let d = previous &+ Int64(truncatingIfNeeded: code >> 1)
                guard code >> 1 >= 1, d < Int64(maxDoc), f >= 1, f <= UInt64(UInt32.max) else { return fail() }
                docs[i] = UInt32(d)
                freqs[i] = UInt32(f)
                previous = d
            }
        } catch { return fail() }
        bufferCount = tailCount
        return true
    }

    @usableFromInline
    func fail() -> Bool {
        isCorrupt = true
        bufferCount = 0
        return false
    }

    // MARK: - Positions

    /// Writes the positions of the current document (increasing) into `out`, which must have room for `freq`
    /// values, and returns how many were written (0 if the data is inconsistent).
    func positions(into out: UnsafeMutablePointer<UInt32>) -> Int {
        guard hasPositions else { return 0 }
        if positionsBlock != bufferBlock {
            guard decodeBlockPositions() else {
                isCorrupt = true
                return 0
            }
            positionsBlock = bufferBlock
        }
        let start = positionOffsets[bufferIndex]
        let n = Int(freqs[bufferIndex])
        var p: UInt32 = 0
        for k in 0..<n {
            p &+= positionDeltas[start &+ k]
            out[k] = p
        }
        return n
    }

    /// Decodes the position deltas of every document in the buffered block.
    private func decodeBlockPositions() -> Bool {
        var total = 0
        for i in 0..<bufferCount {
            positionOffsets[i] = total
            total &+= Int(freqs[i])
        }
        positionOffsets[bufferCount] = total
        if total > positionCapacity {
            positionDeltas.deallocate()
            positionCapacity = max(total, positionCapacity * 2)
            positionDeltas = .allocate(capacity: positionCapacity)
        }
        let start: Int
        var packedRuns: Bool
        if docFreq == 1 {
            start = posStart
            packedRuns = false
        } else if bufferBlock < numBlocks {
            start = posStart &+ (bufferBlock == 0 ? 0 : skipPositionsEnd(bufferBlock &- 1))
            packedRuns = true
        } else {
            start = posStart &+ (numBlocks == 0 ? 0 : skipPositionsEnd(numBlocks &- 1))
            packedRuns = false
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
                    BitPacking.unpack(bytes.baseAddress ?? pos, bitWidth: bits, into: positionDeltas + i)
                    i &+= 128
                }
            }
            while i < total {
                positionDeltas[i] = try c.readVInt32()
                i &+= 1
            }
        } catch { return false }
        packedRuns = false
        return true
    }
}
