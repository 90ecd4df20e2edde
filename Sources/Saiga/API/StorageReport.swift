/// Where the bytes of an index's postings and term dictionary go (for tuning the format and for `saiga stats
/// --detail`).
public struct StorageReport: Sendable, Hashable {
    /// Terms by shape: inlined single postings, lists shorter than one block, lists with full blocks.
    public var singletonTerms = 0
    public var tailOnlyTerms = 0
    public var blockTerms = 0
    /// Postings in full 128-document blocks and in VInt tails (singletons excluded).
    public var blockPostings = 0
    public var tailPostings = 0
    /// Bytes of skip entries, of packed document gaps, of packed frequencies, of block headers, of VInt tails.
    public var skipBytes = 0
    public var docBitBytes = 0
    public var freqBitBytes = 0
    public var blockHeaderBytes = 0
    /// Bytes of the per-block (tf, norm) impact frontiers.
    public var impactBytes = 0
    /// Blocks stored as bit sets.
    public var bitsetBlocks = 0
    public var tailBytes = 0
    /// Bytes of the term dictionary.
    public var termDictionaryBytes = 0
    /// Average bits per packed document gap and per packed frequency.
    public var averageDocBits: Double = 0
    public var averageFreqBits: Double = 0
}

extension IndexReader {
    /// Walks every term of every segment and accounts for its postings bytes.
    public func storageReport() throws(SaigaError) -> StorageReport {
        // It reads the postings directly, block by block: every byte verified first, every offset bounded below.
        try verifyChecksums()
        var r = StorageReport()
        var docBitsSum = 0, freqBitsSum = 0, blocks = 0
        for seg in segments {
            r.termDictionaryBytes += seg.terms.file.count
            let post = seg.postings.bytes.baseAddress!
            var lastEnd = FileHeader.size
            var postingsEnd = FileHeader.size
            for field in 0..<3 {
                try seg.terms.forEachTerm(field: UInt8(field)) { (_: UnsafeRawBufferPointer, m: TermMeta) throws(SaigaError) -> Bool in
                    if m.docFreq == 1 {
                        r.singletonTerms += 1
                        return true
                    }
                    let n = m.docFreq / PostingsFormat.blockSize
                    if n == 0 {
                        r.tailOnlyTerms += 1
                    } else {
                        r.blockTerms += 1
                    }
                    r.skipBytes += n * PostingsFormat.skipEntrySize
                    let blocksStart = m.docOffset + n * PostingsFormat.skipEntrySize
                    let postEnd = seg.postings.count - FileFooter.size
                    guard m.docOffset >= FileHeader.size, blocksStart <= postEnd else {
                        throw SaigaError.corrupt(seg.postings.path, "term postings out of range")
                    }
                    var start = blocksStart
                    for b in 0..<n {
                        let end = start + Int(UInt16(littleEndian: post.loadUnaligned(
                            fromByteOffset: m.docOffset + b * PostingsFormat.skipEntrySize + 4, as: UInt16.self)))
                        guard end <= postEnd, end - start >= 3 else {
                            throw SaigaError.corrupt(seg.postings.path, "postings block out of range")
                        }
                        guard let at = PostingsCursor.skipImpacts(post, at: start, end: end) else {
                            throw SaigaError.corrupt(seg.postings.path, "block impacts unreadable")
                        }
                        r.impactBytes += at - start
                        var db = Int(post.load(fromByteOffset: at, as: UInt8.self))
                        var docBytes = 16 * db
                        if db == Int(PostingsFormat.bitsetBlock) {
                            // Bit set over (previous block's last doc + 1) ... this block's last doc.
                            let last = Int(UInt32(littleEndian: post.loadUnaligned(
                                fromByteOffset: m.docOffset + b * PostingsFormat.skipEntrySize, as: UInt32.self)))
                            let previous = b == 0 ? -1 : Int(UInt32(littleEndian: post.loadUnaligned(
                                fromByteOffset: m.docOffset + (b - 1) * PostingsFormat.skipEntrySize, as: UInt32.self)))
                            docBytes = (last - previous + 7) / 8
                            db = docBytes * 8 / 128
                            r.bitsetBlocks += 1
                        }
                        guard at + 1 + docBytes < end else {
                            throw SaigaError.corrupt(seg.postings.path, "postings block layout out of range")
                        }
                        let token = post.load(fromByteOffset: at + 1 + docBytes, as: UInt8.self)
                        let fb = Int(token & 0x1F)
                        r.blockHeaderBytes += 2
                        r.docBitBytes += docBytes
                        r.freqBitBytes += end - at - 2 - docBytes  // packed frequencies and PFOR exceptions
                        docBitsSum += db
                        freqBitsSum += fb
                        blocks += 1
                        start = end
                    }
                    r.blockPostings += n * PostingsFormat.blockSize
                    r.tailPostings += m.docFreq - n * PostingsFormat.blockSize
                    lastEnd = start
                    postingsEnd = max(postingsEnd, m.docOffset)
                    _ = lastEnd
                    return true
                }
            }
            let body = seg.postings.count - FileHeader.size - FileFooter.size
            r.tailBytes += body
        }
        r.tailBytes -= r.skipBytes + r.docBitBytes + r.freqBitBytes + r.blockHeaderBytes + r.impactBytes
        if blocks > 0 {
            r.averageDocBits = Double(docBitsSum) / Double(blocks)
            r.averageFreqBits = Double(freqBitsSum) / Double(blocks)
        }
        return r
    }
}
