/// Constants of the postings and term dictionary layout (docs/FORMAT.md describes the bytes).
@usableFromInline
enum PostingsFormat {
    /// Documents per packed postings block (and the skip interval).
    @usableFromInline static let blockSize = 128
    /// The docBits byte of a block whose documents are a bit set.
    @usableFromInline static let bitsetBlock: UInt8 = 0xFF
    /// A max-tf value meaning "at least this much": block-max bounds must then assume any frequency.
    @usableFromInline static let saturatedTf: UInt32 = 0xFF
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

    @inlinable init(docFreq: Int, totalTermFreq: Int, docOffset: Int, posOffset: Int, singletonDoc: Int) {
        self.docFreq = docFreq
        self.totalTermFreq = totalTermFreq
        self.docOffset = docOffset
        self.posOffset = posOffset
        self.singletonDoc = singletonDoc
    }

    /// Full 128-document blocks of the term's postings.
    @inlinable var blockCount: Int { docFreq >= 2 ? docFreq / PostingsFormat.blockSize : 0 }

    /// The largest frequency any document outside the full blocks can have (the tail's bound).
    @inlinable var tailMaxTf: Int { totalTermFreq - docFreq + 1 }
}
