#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// A whole file mapped read-only into memory. The mapping lives as long as this object, survives the file being
/// unlinked (so a reader keeps working on a commit that a writer has since replaced), and is unmapped in `deinit`.
///
/// `@unchecked Sendable`: the mapping is immutable after `init` and never written through.
@usableFromInline
final class MappedFile: @unchecked Sendable {
    /// The path the file was opened from (for error messages).
    let path: String
    /// The mapped bytes. Valid only while this object is alive: hold a reference (or use
    /// `withExtendedLifetime`) for as long as pointers into it are used.
    @usableFromInline let bytes: UnsafeRawBufferPointer

    init(path: String) throws(SaigaError) {
        self.path = path
        let fd: CInt
        do { fd = try Sys.open(path, O_RDONLY) } catch {
            if error.errno == ENOENT { throw SaigaError(.corruptIndex, "index file is missing", path: path) }
            throw .system(error)
        }
        defer { Sys.close(fd) }
        do {
            let size = try Sys.fileSize(fd, path: path)
            if size == 0 {
                // mmap of length 0 fails; an empty file is represented by an empty buffer.
                bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            } else {
                let p = try Sys.mapReadOnly(fd, length: size, path: path)
                bytes = UnsafeRawBufferPointer(start: p, count: size)
            }
        } catch { throw .system(error) }
    }

    deinit {
        if let base = bytes.baseAddress { Sys.unmap(base, length: bytes.count) }
    }

    var count: Int { bytes.count }
}
