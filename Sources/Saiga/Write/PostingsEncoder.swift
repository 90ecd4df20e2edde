/// Encodes one term's postings from the in-RAM doc and position streams into the `.post` and `.pos` files.
///
/// `.post`, per term with docFreq ≥ 2 (docFreq == 1 is inlined in the term dictionary):
///
///     skip entries   (docFreq / 128) `SkipEntry`s of 8 bytes
///     full blocks    impacts: the block's `ImpactFrontier`;
///                    documents: docBits u8 and 128 (doc gap - 1) packed, or 0xFF and a bit set over the
///                    block's document range (previous block's last doc + 1 ... this block's last doc) when
///                    that is smaller; then 128 (tf - 1) as PFOR
///     tail           per remaining doc: VInt(gap << 1 | (tf == 1)), then VInt(tf) if tf != 1
///
/// `.pos`, per term: if it has full blocks, one u32 per block: where the block's positions end (relative to the
/// end of this array); then for each full block the position deltas of its documents (first position of a
/// document absolute, then deltas), cut into packed runs of 128 (bitWidth u8 + packed) and a VInt remainder; then
/// the tail documents' deltas as VInts.
struct PostingsEncoder: ~Copyable {  // owns its block buffers (freed by deinit)
    let postOut: OutputFile
    let posOut: OutputFile
    private let docs: UnsafeMutablePointer<UInt32>
    private let freqs: UnsafeMutablePointer<UInt32>
    private let scratch: UnsafeMutablePointer<UInt32>
    private let packed: UnsafeMutableRawPointer
    private var positions: [UInt32] = []
    private var skips = ByteWriter(capacity: 1024)
    private var blocks = ByteWriter(capacity: 1 << 16)
    private var positionBytes = ByteWriter(capacity: 1 << 16)
    private var positionEnds = ByteWriter(capacity: 1024)

    init(postOut: OutputFile, posOut: OutputFile) {
        self.postOut = postOut
        self.posOut = posOut
        docs = .allocate(capacity: 128)
        freqs = .allocate(capacity: 128)
        scratch = .allocate(capacity: 128)
        packed = .allocate(byteCount: 512, alignment: 16)
    }

    deinit {
        docs.deallocate()
        freqs.deallocate()
        scratch.deallocate()
        packed.deallocate()
    }

    /// Encodes term `t` of the in-RAM postings.
    mutating func encodeTerm(
        postings: PostingsBuffer, term t: Int, norms: [UInt8], positions hasPositions: Bool
    )
        throws(SaigaError) -> TermMeta
    {
        var source = BufferedTermPostings(postings: postings, term: t)
        return try encodeTerm(
            &source, docFreq: Int(postings.docFreq[t]), totalTermFreq: Int(postings.totalTermFreq[t]),
            norms: norms, positions: hasPositions)
    }

    /// Encodes one term's postings read from `source`: `docFreq` (doc, freq) entries in increasing doc order and,
    /// if `hasPositions`, the documents' position codes in the same order (read after their entries, possibly
    /// after several more entries).
    mutating func encodeTerm<Source: TermPostingsSource>(
        _ source: inout Source, docFreq df: Int, totalTermFreq ttf: Int,
        norms: [UInt8], positions hasPositions: Bool
    )
        throws(SaigaError) -> TermMeta
    {
        let posStart = hasPositions ? posOut.position : 0
        var previous: Int64 = -1
        @inline(__always) func nextEntry(_ source: inout Source) -> (doc: UInt32, freq: UInt32) {
            let e = source.next()
            previous = Int64(e.doc)
            return e
        }

        if df == 1 {
            let (doc, freq) = nextEntry(&source)
            if hasPositions {
                for _ in 0..<freq { try posOut.writeVInt(UInt64(source.nextPosition())) }
            }
            return TermMeta(
                docFreq: 1, totalTermFreq: Int(freq), docOffset: 0, posOffset: posStart,
                singletonDoc: Int(doc))
        }

        let docOffset = postOut.position
        skips.removeAll()
        blocks.removeAll()
        positionBytes.removeAll()
        positionEnds.removeAll()
        var remaining = df
        var blockStart = 0
        var lastDocOfPreviousBlock: Int64 = -1
        while remaining >= 128 {
            var blockMaxTf: UInt32 = 0
            var blockMinNorm: UInt8 = 255
            for i in 0..<128 {
                let (doc, freq) = nextEntry(&source)
                docs[i] = doc
                freqs[i] = freq
                blockMaxTf = max(blockMaxTf, freq)
                if Int(doc) < norms.count { blockMinNorm = min(blockMinNorm, norms[Int(doc)]) }
            }
            if norms.isEmpty { blockMinNorm = 0 }
            // Doc gaps minus one (gaps are at least 1), then frequencies minus one.
            let lastDocOfPreviousBlockBeforeThis = lastDocOfPreviousBlock
            var prev = lastDocOfPreviousBlock
            for i in 0..<128 {
                scratch[i] = UInt32(Int64(docs[i]) - prev - 1)
                prev = Int64(docs[i])
            }
            lastDocOfPreviousBlock = prev
            ImpactFrontier(docs: docs, freqs: freqs, norms: norms).write(to: &blocks)
            let docBits = BitPacking.bitWidth(scratch)
            let rangeStart = Int(lastDocOfPreviousBlockBeforeThis + 1)
            let bitsetBytes = (Int(docs[127]) - rangeStart + 1 + 7) / 8
            if bitsetBytes < BitPacking.packedBytes(bitWidth: docBits) {
                // Dense block: one bit per document of the range.
                blocks.writeU8(PostingsFormat.bitsetBlock)
                var bitset = [UInt8](repeating: 0, count: bitsetBytes)
                for i in 0..<128 {
                    let bit = Int(docs[i]) - rangeStart
                    bitset[bit >> 3] |= 1 << UInt8(bit & 7)
                }
                blocks.write(bitset)
            } else {
                blocks.writeU8(UInt8(docBits))
                BitPacking.pack(scratch, bitWidth: docBits, into: packed)
                blocks.write(UnsafeRawBufferPointer(start: packed, count: BitPacking.packedBytes(bitWidth: docBits)))
            }
            guard blockMaxTf < 1 << 31 else {
                throw SaigaError(.limitExceeded, "a term occurs 2^31 times or more in one document")
            }
            for i in 0..<128 { freqs[i] &-= 1 }
            PatchedFrameOfReference.encode(freqs, into: &blocks, scratch: scratch, packed: packed)

            if hasPositions {
                positions.removeAll(keepingCapacity: true)
                // freqs hold tf - 1 here: 0...freqs[i] is tf iterations.
                for i in 0..<128 {
                    for _ in 0...freqs[i] { positions.append(source.nextPosition()) }
                }
                writePositionRun()
                guard positionBytes.count <= UInt32.max else {
                    throw SaigaError(.limitExceeded, "positions of one term exceed 4 GiB in one segment")
                }
                positionEnds.writeU32(UInt32(positionBytes.count))
            }
            guard blocks.count <= UInt32.max else {
                throw SaigaError(.limitExceeded, "postings of one term exceed 4 GiB in one segment")
            }
            guard blocks.count - blockStart <= Int(UInt16.max) else {
                throw SaigaError(.limitExceeded, "a postings block exceeds 64 KiB")
            }
            SkipEntry(
                lastDoc: docs[127], blockSize: UInt16(blocks.count - blockStart),
                maxTf: UInt8(min(blockMaxTf, PostingsFormat.saturatedTf)), minNorm: blockMinNorm
            )
            .write(to: &skips)
            blockStart = blocks.count
            remaining -= 128
        }
        // Tail: VInt entries. (Bit-packed and Rice-coded tails were tried: the gaps of rare terms vary too much
        // for one width, and Rice's per-tail parameter byte costs more than it saves.)
        while remaining > 0 {
            let before = previous
            let (doc, freq) = nextEntry(&source)
            let gap = UInt64(Int64(doc) - before)
            if freq == 1 {
                blocks.writeVInt(gap << 1 | 1)
            } else {
                blocks.writeVInt(gap << 1)
                blocks.writeVInt(freq)
            }
            if hasPositions {
                for _ in 0..<freq { positionBytes.writeVInt(UInt64(source.nextPosition())) }
            }
            remaining -= 1
        }
        try postOut.write(skips)
        try postOut.write(blocks)
        if hasPositions {
            try posOut.write(positionEnds)
            try posOut.write(positionBytes)
        }
        return TermMeta(docFreq: df, totalTermFreq: ttf, docOffset: docOffset, posOffset: posStart, singletonDoc: 0)
    }

    /// Appends `positions` as packed runs of 128 and a VInt remainder.
    private mutating func writePositionRun() {
        let count = positions.count
        var i = 0
        positions.withUnsafeBufferPointer { p in
            while i + 128 <= count {
                let chunk = p.baseAddress! + i
                let bits = BitPacking.bitWidth(chunk)
                positionBytes.writeU8(UInt8(bits))
                BitPacking.pack(chunk, bitWidth: bits, into: packed)
                positionBytes.write(
                    UnsafeRawBufferPointer(start: packed, count: BitPacking.packedBytes(bitWidth: bits)))
                i += 128
            }
            while i < count {
                positionBytes.writeVInt(UInt64(p[i]))
                i += 1
            }
        }
    }
}

/// Where `PostingsEncoder` reads one term's postings from: the in-RAM buffer when flushing, merged segments when
/// merging.
protocol TermPostingsSource {
    /// The next (document, frequency) entry.
    mutating func next() -> (doc: UInt32, freq: UInt32)
    /// The next position code of the current document: its first position absolute, then deltas.
    mutating func nextPosition() -> UInt32
}

/// One term of the in-RAM postings (VInt streams in the byte-slice pool).
struct BufferedTermPostings: TermPostingsSource {
    private var docReader: ByteStreamReader
    private var posReader: ByteStreamReader
    private var previous: Int64 = -1

    init(postings: PostingsBuffer, term t: Int) {
        docReader = ByteStreamReader(pool: postings.pool, stream: postings.docStream[t])
        posReader = ByteStreamReader(pool: postings.pool, stream: postings.posStream[t])
    }

    @inline(__always)
    mutating func next() -> (doc: UInt32, freq: UInt32) {
        let code = docReader.readVInt()
        let freq = code & 1 == 1 ? 1 : docReader.readVInt()
        let doc = previous + Int64(code >> 1)
        previous = doc
        return (UInt32(doc), freq)
    }

    @inline(__always)
    mutating func nextPosition() -> UInt32 { posReader.readVInt() }
}
