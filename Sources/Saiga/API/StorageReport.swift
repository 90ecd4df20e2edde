/// Where the bytes of an index's postings and term dictionary go (for tuning the format and for `saiga stats
/// --detail`).
package struct StorageReport: Sendable, Hashable {
    /// Terms by shape: inlined single postings, lists shorter than one block, lists with full blocks.
    package var singletonTerms = 0
    package var tailOnlyTerms = 0
    package var blockTerms = 0
    /// Postings in full 128-document blocks and in VInt tails (singletons excluded).
    package var blockPostings = 0
    package var tailPostings = 0
    /// Bytes of skip entries, of packed document gaps, of packed frequencies, of block headers, of VInt tails.
    package var skipBytes = 0
    package var docBitBytes = 0
    package var freqBitBytes = 0
    package var blockHeaderBytes = 0
    /// Bytes of the per-block (tf, norm) impact frontiers.
    package var impactBytes = 0
    /// Blocks stored as bit sets.
    package var bitsetBlocks = 0
    package var tailBytes = 0
    /// Bytes of the term dictionary.
    package var termDictionaryBytes = 0
    /// Average bits per packed document gap and per packed frequency.
    package var averageDocBits: Double = 0
    package var averageFreqBits: Double = 0
}

extension IndexReader {
    /// Walks every term of every segment and accounts for its postings bytes.
    ///
    /// Verifies every checksum first, and then still reads the postings through bounds-checked cursors and the
    /// format's own types (`SkipEntry`, `ImpactFrontier`): a damaged index whose checksums were recomputed is
    /// reported as corrupt, never read out of range.
    package func storageReport() throws(SaigaError) -> StorageReport {
        try verifyChecksums()
        var report = StorageReport()
        var sums = BlockBitSums()
        for segment in segments {
            report.termDictionaryBytes += segment.terms.file.count
            let postings = segment.postings
            for field in segment.info.fields where field.flags.contains(.indexed) {
                try segment.terms.forEachTerm(field: UInt8(field.number)) {
                    (_: UnsafeRawBufferPointer, meta: TermMeta) throws(SaigaError) -> Bool in
                    do throws(DecodeError) {
                        try report.addPostings(of: meta, in: postings.bytes, sums: &sums)
                    } catch {
                        throw SaigaError.corrupt(postings.path, "postings: \(error.reason)", offset: error.offset)
                    }
                    return true
                }
            }
            report.tailBytes += postings.count - FileHeader.size - FileFooter.size
        }
        report.tailBytes -=
            report.skipBytes + report.docBitBytes + report.freqBitBytes + report.blockHeaderBytes
            + report.impactBytes
        if sums.blocks > 0 {
            report.averageDocBits = Double(sums.docBits) / Double(sums.blocks)
            report.averageFreqBits = Double(sums.freqBits) / Double(sums.blocks)
        }
        return report
    }
}

/// Bit widths summed over blocks, for the averages.
private struct BlockBitSums {
    var docBits = 0
    var freqBits = 0
    var blocks = 0
}

extension StorageReport {
    /// Accounts for one term's postings in `postings` (the whole `.post` file).
    fileprivate mutating func addPostings(
        of meta: TermMeta, in postings: UnsafeRawBufferPointer,
        sums: inout BlockBitSums
    ) throws(DecodeError) {
        if meta.docFreq == 1 {
            singletonTerms += 1
            return
        }
        let blocks = meta.blockCount
        if blocks == 0 { tailOnlyTerms += 1 } else { blockTerms += 1 }
        let bodyEnd = postings.count - FileFooter.size
        guard meta.docOffset >= FileHeader.size, meta.docOffset <= bodyEnd else {
            throw DecodeError(offset: meta.docOffset, reason: "term postings out of range")
        }
        let base = postings.baseAddress!
        var skips = ByteCursor(base: base, start: meta.docOffset, end: bodyEnd)
        try skips.require(blocks * SkipEntry.size)
        var blockStart = meta.docOffset + blocks * SkipEntry.size
        var previousLastDoc = -1
        for _ in 0..<blocks {
            let entry = try SkipEntry(from: &skips)
            let blockEnd = blockStart + Int(entry.blockSize)
            guard blockEnd <= bodyEnd else { throw DecodeError(offset: blockStart, reason: "block out of range") }
            var block = ByteCursor(base: base, start: blockStart, end: blockEnd)
            var frontier = try ImpactFrontier.Decoder(block)
            block.position = try frontier.skipToEnd()
            impactBytes += block.position - blockStart
            var docBits = Int(try block.readU8())
            var docBytes = BitPacking.packedBytes(bitWidth: docBits)
            if docBits == Int(PostingsFormat.bitsetBlock) {
                // A bit set over (previous block's last doc + 1) ... this block's last doc.
                docBytes = (Int(entry.lastDoc) - previousLastDoc + 7) / 8
                docBits = docBytes * 8 / PostingsFormat.blockSize
                bitsetBlocks += 1
            }
            try block.skip(docBytes)
            let freqBits = Int(try block.readU8() & 0x1F)  // the PFOR token's bit width
            blockHeaderBytes += 2
            docBitBytes += docBytes
            freqBitBytes += blockEnd - block.position  // packed frequencies and PFOR exceptions
            sums.docBits += docBits
            sums.freqBits += freqBits
            sums.blocks += 1
            previousLastDoc = Int(entry.lastDoc)
            blockStart = blockEnd
        }
        skipBytes += blocks * SkipEntry.size
        blockPostings += blocks * PostingsFormat.blockSize
        tailPostings += meta.docFreq - blocks * PostingsFormat.blockSize
    }
}
