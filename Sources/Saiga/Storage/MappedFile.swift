import SaigaPosix

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A whole file mapped read-only into memory. The mapping lives as long as this object, survives the file being
/// unlinked (so a reader keeps working on a commit that a writer has since replaced), and is unmapped in `deinit`.
///
/// A segment data file carries a `ChunkVerifier`: every read of its bytes is checked against the chunk checksums
/// of the segment's `.meta` first (`check`, or `chunkCheck.covers` on hot paths). Files without one (manifests,
/// `.meta`, deletions) are small and verified whole when they are decoded.
///
/// Created by `IndexDirectory.openInput`, which refuses anything but a regular file.
/// `@unchecked Sendable`: the mapping is immutable after `init` and never written through.
@usableFromInline
final class MappedFile: @unchecked Sendable {
    /// The path the file was opened from (for error messages).
    let path: String
    /// The mapped bytes. Valid only while this object is alive: hold a reference (or use
    /// `withExtendedLifetime`) for as long as pointers into it are used.
    @usableFromInline let bytes: UnsafeRawBufferPointer
    /// Checks reads against the file's chunk checksums (nil: no chunk checksums; the file is checked whole).
    @usableFromInline let verifier: ChunkVerifier?
    /// The verifier's fast path as a plain value (no reference counting per check): what hot paths hold.
    @usableFromInline let chunkCheck: ChunkCheck

    /// What identifies the file's content for `ChunkFlags` (with the segment id and CRC the caller knows).
    struct Expected {
        var checksums: ChunkChecksums
        var segment: SegmentID
        var crc: UInt32
    }

    /// Maps the regular file open as `fd` (which the caller closes), of the given `status`. `expected` attaches a
    /// verifier.
    init(fd: CInt, status: Sys.FileStatus, path: String, expected: Expected? = nil) throws(SaigaError) {
        self.path = path
        let size = status.size
        if size == 0 {
            // mmap of length 0 fails; an empty file is represented by an empty buffer.
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
        } else {
            do {
                let p = try Sys.mapReadOnly(fd, length: size, path: path)
                bytes = UnsafeRawBufferPointer(start: p, count: size)
            } catch { throw .system(error) }
        }
        if let expected {
            let key = ChunkFlags.Key(
                device: status.device, inode: status.inode, size: size, modified: status.modified,
                changed: status.changed, segment: expected.segment, crc: expected.crc)
            verifier = ChunkVerifier(bytes: bytes, checksums: expected.checksums, path: path, identity: key)
        } else {
            verifier = nil
        }
        chunkCheck = ChunkCheck(verifier)
    }

    deinit {
        if let base = bytes.baseAddress { Sys.unmap(base, length: bytes.count) }
    }

    var count: Int { bytes.count }

    /// Verifies the chunks holding `range` (no-op for a file without chunk checksums). Call before reading bytes
    /// that an answer depends on.
    @inline(__always)
    func check(_ range: Range<Int>) throws(SaigaError) {
        if !chunkCheck.covers(range.lowerBound, range.upperBound) { throw failure(range) }
    }

    @inline(never)
    private func failure(_ range: Range<Int>) -> SaigaError {
        verifier?.failure(range) ?? .corrupt(path, "read of bytes \(range) outside the file")
    }

    /// Verifies every chunk.
    func checkAll() throws(SaigaError) {
        if let verifier { try verifier.checkAll() }
    }
}
