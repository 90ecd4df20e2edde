/// Owns a `PostingsCursor` in manually managed memory, and keeps alive the segment whose mapped files the cursor
/// reads. Evaluators work on `cursor` directly: its state lives behind a pointer, so the hot loops pay no
/// exclusivity checks and no reference counting (a class's stored `var`s would cost a runtime access check on every
/// document). The object keeps the memory alive and frees it.
@usableFromInline
final class PostingsIterator {
    @usableFromInline static let noMoreDocs = PostingsCursor.noMoreDocs
    @usableFromInline let cursor: UnsafeMutablePointer<PostingsCursor>
    /// The segment reader owning the mapped files the cursor points into (nil: the caller owns the buffers).
    private let segment: SegmentReader?

    init(segment: SegmentReader, meta: TermMeta, hasPositions: Bool) {
        self.segment = segment
        cursor = .allocate(capacity: 1)
        cursor.initialize(
            to: PostingsCursor(
                postings: segment.postings.bytes, positions: segment.positionsFile.bytes, maxDoc: segment.maxDoc,
                meta: meta, hasPositions: hasPositions, postCheck: segment.postings.chunkCheck,
                posCheck: segment.positionsFile.chunkCheck))
    }

    /// Over buffers the caller keeps alive for the iterator's lifetime (tests).
    init(
        postings: UnsafeRawBufferPointer, positions: UnsafeRawBufferPointer, maxDoc: Int, meta: TermMeta,
        hasPositions: Bool
    ) {
        segment = nil
        cursor = .allocate(capacity: 1)
        cursor.initialize(
            to: PostingsCursor(
                postings: postings, positions: positions, maxDoc: maxDoc, meta: meta,
                hasPositions: hasPositions))
    }

    deinit {
        cursor.deinitialize(count: 1)
        cursor.deallocate()
    }

    @inlinable var doc: Int32 { cursor.pointee.doc }
    @inlinable var freq: UInt32 { cursor.pointee.freq }
    @inlinable var docFreq: Int { cursor.pointee.docFreq }
    @inlinable var meta: TermMeta { cursor.pointee.meta }
    @inlinable var isCorrupt: Bool { cursor.pointee.isCorrupt }
    @inlinable func nextDoc() -> Int32 { cursor.pointee.nextDoc() }
    @inlinable func advance(to target: Int32) -> Int32 { cursor.pointee.advance(to: target) }
    func positions(into out: UnsafeMutablePointer<UInt32>) -> Int { cursor.pointee.positions(into: out) }
}
