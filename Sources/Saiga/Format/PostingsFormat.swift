/// Constants of the postings and term dictionary layout (docs/FORMAT.md describes the bytes).
@usableFromInline
enum PostingsFormat {
    /// Documents per packed postings block (and the skip interval).
    @usableFromInline static let blockSize = 128
    /// Bytes per skip entry: last doc u32, block end u32, positions end u32, max tf (24 bits) | min norm (8 bits).
    @usableFromInline static let skipEntrySize = 16
    /// A max-tf field value meaning "at least this much": block-max bounds must then assume any frequency.
    @usableFromInline static let saturatedTf: UInt32 = 0xFF_FFFF
    /// Terms per front-coded term dictionary block.
    static let termsPerBlock = 32
}

/// Per-term metadata held in the term dictionary.
@usableFromInline
struct TermMeta: Sendable, Equatable {
    /// Documents containing the term.
    @usableFromInline var docFreq: Int
    /// Occurrences over all documents.
    @usableFromInline var totalTermFreq: Int
    /// Start of the term's postings in the .post file (unused when docFreq == 1).
    @usableFromInline var docOffset: Int
    /// Start of the term's positions in the .pos file (0 without positions).
    @usableFromInline var posOffset: Int
    /// For docFreq == 1: the document, stored inline (no postings entry).
    @usableFromInline var singletonDoc: Int
    /// Largest frequency of the term in any document (an upper bound, see `PostingsFormat.saturatedTf`).
    @usableFromInline var maxTf: UInt32
    /// Smallest norm byte of any document containing the term.
    @usableFromInline var minNorm: UInt8

    @inlinable init(docFreq: Int, totalTermFreq: Int, docOffset: Int, posOffset: Int, singletonDoc: Int, maxTf: UInt32,
                    minNorm: UInt8) {
        self.docFreq = docFreq
        self.totalTermFreq = totalTermFreq
        self.docOffset = docOffset
        self.posOffset = posOffset
        self.singletonDoc = singletonDoc
        self.maxTf = maxTf
        self.minNorm = minNorm
    }
}
