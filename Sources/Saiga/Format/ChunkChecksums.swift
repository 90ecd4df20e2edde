/// The CRC-32 of every 32 KiB chunk of a segment data file, recorded in the segment's `.meta` next to the file's
/// length and whole-file CRC (docs/FORMAT.md, "Chunk checksums").
///
/// Why: opening an index must cost O(metadata), not O(index size), and still no answer may ever be computed from a
/// damaged byte. A reader verifies each chunk the first time a search reads from it (`ChunkVerifier`), so a
/// one-shot search of a large index checks the few chunks it touches, and a flipped byte anywhere a query reads is
/// a corruption error, never a wrong answer. `saiga check`, merges and a server loading a commit verify every chunk.
///
/// Chunk `i` covers bytes `i << shift ..< min((i + 1) << shift, length)` of the whole file (header and footer
/// included); the last chunk may be short. One writer, reader and checker share this type.
@usableFromInline
struct ChunkChecksums: Sendable, Hashable {
    /// log2 of the chunk size.
    let shift: Int
    let crcs: [UInt32]

    /// 32 KiB: verifying one chunk takes about 8 µs (zlib's CRC-32 runs at ~4 GB/s here), and a 1 GB index needs
    /// 128 KB of checksums in its `.meta` files.
    static let defaultShift = 15
    /// Shifts a reader accepts (4 KiB ... 1 MiB).
    static let validShifts = 12...20

    /// Number of chunks of a file of `length` bytes.
    static func chunkCount(length: Int, shift: Int) -> Int {
        length <= 0 ? 0 : ((length - 1) >> shift) + 1
    }

    /// The checksums of `bytes`, computed in one pass (for tests and for files checked whole).
    static func compute(_ bytes: UnsafeRawBufferPointer, shift: Int = defaultShift) -> ChunkChecksums {
        var builder = ChunkChecksumBuilder(shift: shift)
        builder.update(bytes)
        return builder.finished()
    }

    /// Appends the CRCs (u32 each; the count follows from the file's length).
    func encode(into w: inout ByteWriter) {
        for c in crcs { w.writeU32(c) }
    }

    /// Reads the CRCs of a file of `length` bytes.
    static func decode(_ c: inout ByteCursor, length: Int, shift: Int) throws(DecodeError) -> ChunkChecksums {
        let n = chunkCount(length: length, shift: shift)
        try c.require(n &* 4)
        var crcs: [UInt32] = []
        crcs.reserveCapacity(n)
        for _ in 0..<n { crcs.append(try c.readU32()) }
        return ChunkChecksums(shift: shift, crcs: crcs)
    }
}

/// Computes `ChunkChecksums` incrementally while a file is written front to back (`OutputFile`), and the CRC of
/// everything so far (the footer's) from them: each byte is read once.
struct ChunkChecksumBuilder {
    let shift: Int
    private(set) var crcs: [UInt32] = []
    /// CRC of the completed chunks.
    private var completed: UInt32 = 0
    /// CRC and length of the chunk being filled.
    private var current = CRC32()
    private var filled = 0

    init(shift: Int = ChunkChecksums.defaultShift) { self.shift = shift }

    /// Adds the next bytes of the file.
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        let size = 1 << shift
        var at = 0
        while at < bytes.count {
            let n = min(size - filled, bytes.count - at)
            current.update(UnsafeRawBufferPointer(rebasing: bytes[at..<(at + n)]))
            filled += n
            at += n
            if filled == size {
                crcs.append(current.value)
                completed = CRC32.combine(completed, current.value, lengthOfB: size)
                current = CRC32()
                filled = 0
            }
        }
    }

    /// The CRC-32 of every byte added so far.
    var wholeCRC: UInt32 { filled > 0 ? CRC32.combine(completed, current.value, lengthOfB: filled) : completed }

    /// The checksums of everything added (the last chunk may be short).
    func finished() -> ChunkChecksums {
        ChunkChecksums(shift: shift, crcs: filled > 0 ? crcs + [current.value] : crcs)
    }
}
