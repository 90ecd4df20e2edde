/// One skip entry of a term's postings in `.post`: a fixed 8-byte record per full 128-document block, all of a
/// term's entries stored together before its blocks (docs/FORMAT.md, "Postings").
///
///     offset 0  last doc   u32  the block's last document
///     offset 4  block size u16  bytes of the block (impacts, documents, frequencies)
///     offset 6  max tf     u8   the block's largest frequency, 255 meaning "255 or more"
///     offset 7  min norm   u8   the smallest norm byte of the block's documents (the shortest document)
///
/// The writer (`PostingsEncoder`), the reader (`SkipList`, which reads single fields in the hot loops through the
/// static accessors below), the checker and the storage report all go through this type, so the layout is stated
/// once.
@usableFromInline
struct SkipEntry: Equatable, Sendable {
    /// Bytes per entry.
    @usableFromInline static let size = 8
    @usableFromInline static let lastDocOffset = 0
    @usableFromInline static let blockSizeOffset = 4
    @usableFromInline static let maxTfOffset = 6
    @usableFromInline static let minNormOffset = 7

    @usableFromInline var lastDoc: UInt32
    @usableFromInline var blockSize: UInt16
    @usableFromInline var maxTf: UInt8
    @usableFromInline var minNorm: UInt8

    @inlinable init(lastDoc: UInt32, blockSize: UInt16, maxTf: UInt8, minNorm: UInt8) {
        self.lastDoc = lastDoc
        self.blockSize = blockSize
        self.maxTf = maxTf
        self.minNorm = minNorm
    }

    /// The entry at byte `offset` of `base`; the caller has checked that `offset + size` bytes are in range.
    @inlinable init(at offset: Int, in base: UnsafeRawPointer) {
        self.init(
            lastDoc: SkipEntry.lastDoc(at: offset, in: base),
            blockSize: UInt16(SkipEntry.blockSize(at: offset, in: base)),
            maxTf: SkipEntry.maxTf(at: offset, in: base), minNorm: SkipEntry.minNorm(at: offset, in: base))
    }

    /// Reads an entry with bounds checks (for readers of bytes that may be damaged outside the hot loops).
    @inlinable init(from c: inout ByteCursor) throws(DecodeError) {
        try c.require(SkipEntry.size)
        self.init(at: c.position, in: c.base)
        c.position &+= SkipEntry.size
    }

    /// Appends the entry's 8 bytes.
    @inlinable func write(to w: inout ByteWriter) {
        w.writeU32(lastDoc)
        w.writeU16(blockSize)
        w.writeU8(maxTf)
        w.writeU8(minNorm)
    }

    // Single fields of the entry at `offset`, for the evaluators' inner loops (no struct built, one load each).

    @inlinable @inline(__always)
    static func lastDoc(at offset: Int, in base: UnsafeRawPointer) -> UInt32 {
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset &+ lastDocOffset, as: UInt32.self))
    }

    @inlinable @inline(__always)
    static func blockSize(at offset: Int, in base: UnsafeRawPointer) -> Int {
        Int(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset &+ blockSizeOffset, as: UInt16.self)))
    }

    @inlinable @inline(__always)
    static func maxTf(at offset: Int, in base: UnsafeRawPointer) -> UInt8 {
        base.load(fromByteOffset: offset &+ maxTfOffset, as: UInt8.self)
    }

    @inlinable @inline(__always)
    static func minNorm(at offset: Int, in base: UnsafeRawPointer) -> UInt8 {
        base.load(fromByteOffset: offset &+ minNormOffset, as: UInt8.self)
    }
}
