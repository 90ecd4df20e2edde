import SaigaPosix

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A new file written once, front to back, through a buffer, with the CRC-32 of each 32 KiB chunk
/// (`ChunkChecksums`, recorded in the segment's `.meta`) and, combined from them, of everything written.
///
/// Index files are write-once: created exclusively (`IndexDirectory.createOutput`), appended to, checksummed,
/// fsynced, closed. Nothing ever modifies a file after `finish()`.
final class OutputFile {
    let path: String
    let name: String
    private let directory: IndexDirectory
    private var fd: CInt
    private let buffer: UnsafeMutableRawPointer
    private let capacity: Int
    private var used = 0
    private var flushed = 0
    private var chunks = ChunkChecksumBuilder()

    /// Takes over `fd`, just created exclusively as `name` in `directory`.
    init(fd: CInt, directory: IndexDirectory, name: String, bufferSize: Int) {
        self.fd = fd
        self.directory = directory
        self.name = name
        self.path = directory.file(name)
        capacity = bufferSize
        buffer = .allocate(byteCount: bufferSize, alignment: 16)
    }

    deinit {
        buffer.deallocate()
        if fd >= 0 { Sys.close(fd) }
    }

    /// Bytes written so far (the offset the next write lands at).
    var position: Int { flushed + used }

    /// The CRC of everything written so far.
    func checksum() throws(SaigaError) -> UInt32 {
        try flushBuffer()
        return chunks.wholeCRC
    }

    @inline(__always)
    func write(_ bytes: UnsafeRawBufferPointer) throws(SaigaError) {
        if bytes.count > capacity - used {
            try flushBuffer()
            if bytes.count > capacity {
                chunks.update(bytes)
                do { try Sys.writeAll(fd, bytes, path: path) } catch { throw .system(error) }
                flushed += bytes.count
                return
            }
        }
        if bytes.count > 0 {
            (buffer + used).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            used += bytes.count
        }
    }

    func write(_ bytes: [UInt8]) throws(SaigaError) {
        // Not `try bytes.withUnsafeBytes { try write($0) }`: withUnsafeBytes rethrows untyped errors, and passing a
        // typed-throwing closure to it crashes the 6.3 compiler in IRGen. Carry the error out by value instead.
        let failure: SaigaError? = bytes.withUnsafeBytes { b in
            do throws(SaigaError) {
                try self.write(b)
                return nil
            } catch { return error }
        }
        if let failure { throw failure }
    }

    func write(_ writer: ByteWriter) throws(SaigaError) { try write(writer.bytes) }

    @inline(__always)
    func writeU8(_ v: UInt8) throws(SaigaError) {
        if used == capacity { try flushBuffer() }
        buffer.storeBytes(of: v, toByteOffset: used, as: UInt8.self)
        used += 1
    }

    func writeU32(_ v: UInt32) throws(SaigaError) {
        if capacity - used < 4 { try flushBuffer() }
        buffer.storeBytes(of: v.littleEndian, toByteOffset: used, as: UInt32.self)
        used += 4
    }

    func writeU64(_ v: UInt64) throws(SaigaError) {
        if capacity - used < 8 { try flushBuffer() }
        buffer.storeBytes(of: v.littleEndian, toByteOffset: used, as: UInt64.self)
        used += 8
    }

    @inline(__always)
    func writeVInt(_ v: UInt64) throws(SaigaError) {
        if capacity - used < 10 { try flushBuffer() }
        var v = v
        while v >= 0x80 {
            buffer.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: used, as: UInt8.self)
            used += 1
            v &>>= 7
        }
        buffer.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: used, as: UInt8.self)
        used += 1
    }

    private func flushBuffer() throws(SaigaError) {
        guard used > 0 else { return }
        let chunk = UnsafeRawBufferPointer(start: buffer, count: used)
        chunks.update(chunk)
        do { try Sys.writeAll(fd, chunk, path: path) } catch { throw .system(error) }
        flushed += used
        used = 0
    }

    /// The checksums of each chunk of everything written (complete after `finish()`).
    var chunkChecksums: ChunkChecksums { chunks.finished() }

    /// Flushes, fsyncs and closes the file. After this the file is durable (its directory entry is made durable
    /// by the caller's directory fsync).
    func finish(sync: Bool = true) throws(SaigaError) {
        try flushBuffer()
        if sync {
            do { try Sys.fsync(fd, path: path) } catch { throw .system(error) }
        }
        Sys.close(fd)
        fd = -1
    }

    /// Closes and deletes a file that will not be finished (after an error).
    func abandon() {
        if fd >= 0 {
            Sys.close(fd)
            fd = -1
        }
        try? directory.delete(name)
    }
}
