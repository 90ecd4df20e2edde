import CZlib
import Saiga
import SaigaPosix

// LineReader: yields the lines of a plain or gzip-compressed file with large buffered reads.
//
// Gzip is detected by the magic bytes 1f 8b at the start of the file (never by the extension) and inflated with
// zlib; concatenated (multi-member) gzip files are read member after member. Lines are handed to the caller as
// `UnsafeRawBufferPointer`s into an internal buffer: no allocation per line.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An error while reading lines from a file: the path, the line being read when it happened (1-based, `nil` when
/// the file could not be opened) and what went wrong.
package struct LineReaderError: Error, CustomStringConvertible, Equatable, Sendable {
    package enum Kind: Equatable, Sendable {
        /// `open` (or `fstat`) failed, or the path is a directory.
        case cannotOpen(errno: Int32)
        /// `read` failed.
        case readError(errno: Int32)
        /// zlib rejected the compressed data (`detail` is zlib's message or ours), or there are non-gzip bytes
        /// after the last gzip member.
        case corruptGzip(detail: String)
        /// The file ends in the middle of a gzip member.
        case truncatedGzip
        /// A line (without its line terminator) is longer than `limit` bytes.
        case lineTooLong(limit: Int)
        /// zlib could not allocate memory or failed to initialise.
        case zlibFailure(code: Int32)
    }

    package let kind: Kind
    package let path: String
    /// The 1-based number of the line being read when the error happened; `nil` for `cannotOpen`.
    package let line: Int?

    package init(kind: Kind, path: String, line: Int?) {
        self.kind = kind
        self.path = path
        self.line = line
    }

    package var description: String {
        if case .cannotOpen = kind { return "cannot open \(path): \(message)" }
        let at = line.map { "\(path):\($0)" } ?? path
        return "\(at): \(message)"
    }

    /// What went wrong, without the location (for callers that print the location themselves).
    package var message: String {
        switch kind {
        case .cannotOpen(let code):
            return LineReaderError.errnoText(code)
        case .readError(let code):
            return "read error: \(LineReaderError.errnoText(code))"
        case .corruptGzip(let detail):
            return "corrupt gzip data: \(detail)"
        case .truncatedGzip:
            return "truncated gzip data: the file ends in the middle of a compressed stream"
        case .lineTooLong(let limit):
            return "line longer than the limit of \(limit) bytes"
        case .zlibFailure(let code):
            return "zlib failure (code \(code)\(code == Z_MEM_ERROR ? ", out of memory" : ""))"
        }
    }

    static func errnoText(_ code: Int32) -> String {
        if let text = strerror(code) { return String(cString: text) + " (errno \(code))" }
        return "errno \(code)"
    }
}

/// Reads the lines of a plain or gzip-compressed file.
///
/// Lines end at "\n"; a "\r" just before the "\n" is removed too (a "\r" anywhere else, including at the very end
/// of the file, is kept). A final line without a trailing newline is still yielded; an empty file yields no line.
/// Works on pipes too (`/dev/stdin`). Not thread-safe; one reader per file and thread.
internal final class LineReader {
    /// Size of each `read` from the file, and the initial size of the line buffer.
    static let chunkSize = 1 << 20

    let path: String
    let maxLineBytes: Int
    /// Size of the file in bytes as reported by `fstat` when it was opened (0 for pipes and character devices).
    let fileSize: Int
    /// Whether the file starts with the gzip magic bytes and is being inflated.
    let isGzip: Bool
    /// Bytes read from the file so far (compressed bytes for a gzip file), for progress and throughput reports.
    private(set) var bytesRead = 0
    /// Number of lines yielded so far.
    private(set) var linesRead = 0

    private let fd: Int32
    // Line buffer: bytes [start, end) are not yet consumed; no "\n" in [start, scanFrom).
    private var buf: UnsafeMutablePointer<UInt8>
    private var cap: Int
    private var start = 0
    private var end = 0
    private var scanFrom = 0
    /// No more data will come into the line buffer.
    private var atEnd = false
    /// Once an error is thrown it is thrown again by every later call.
    private var failure: LineReaderError?

    // gzip state (only when isGzip)
    private var stream: UnsafeMutablePointer<z_stream>?
    private var inBuf: UnsafeMutablePointer<UInt8>?
    private var fileEOF = false
    private var memberEnded = false

    /// Opens `path`. Throws `.cannotOpen` if it cannot be opened or is a directory; reads the first chunk to detect
    /// gzip, so it may also throw `.readError`.
    init(path: String, maxLineBytes: Int = 64 << 20) throws(LineReaderError) {
        precondition(maxLineBytes > 0, "maxLineBytes must be positive")
        self.path = path
        self.maxLineBytes = min(maxLineBytes, Int.max / 4)

        let fd: Int32
        let status: Sys.FileStatus
        do throws(SystemError) {
            fd = try Sys.open(path, O_RDONLY)
            do { status = try Sys.status(fd, path: path) } catch {
                Sys.close(fd)
                throw error
            }
        } catch { throw LineReaderError(kind: .cannotOpen(errno: error.errno), path: path, line: nil) }
        if status.type == .directory {
            Sys.close(fd)
            throw LineReaderError(kind: .cannotOpen(errno: EISDIR), path: path, line: nil)
        }
        self.fd = fd
        self.fileSize = status.type == .regular ? status.size : 0
        self.cap = LineReader.chunkSize
        self.buf = .allocate(capacity: LineReader.chunkSize)

        // Read the first bytes (at least 2 unless the file is shorter) to look for the gzip magic.
        var got = 0
        var readFailure: Int32 = 0
        while got < 2 {
            let (n, failure) = LineReader.readSome(fd, path, buf + got, cap - got)
            if n < 0 {
                readFailure = failure
                break
            }
            if n == 0 { break }
            got += n
        }
        bytesRead = got
        if readFailure != 0 {
            // deinit closes fd and frees buf (all stored properties are initialised at this point).
            self.isGzip = false
            throw LineReaderError(kind: .readError(errno: readFailure), path: path, line: 1)
        }
        if got >= 2 && buf[0] == 0x1F && buf[1] == 0x8B {
            isGzip = true
            let input = UnsafeMutablePointer<UInt8>.allocate(capacity: LineReader.chunkSize)
            input.update(from: buf, count: got)
            inBuf = input
            let zs = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            zs.initialize(to: z_stream())
            // windowBits 15 + 32: zlib detects the gzip header itself.
            let rc = inflateInit2_(zs, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            guard rc == Z_OK else {
                zs.deinitialize(count: 1)
                zs.deallocate()
                throw LineReaderError(kind: .zlibFailure(code: rc), path: path, line: 1)
            }
            zs.pointee.next_in = input
            zs.pointee.avail_in = UInt32(got)
            stream = zs
        } else {
            isGzip = false
            end = got
            if got == 0 { atEnd = true }
        }
    }

    deinit {
        if let zs = stream {
            inflateEnd(zs)
            zs.deinitialize(count: 1)
            zs.deallocate()
        }
        inBuf?.deallocate()
        buf.deallocate()
        if fd >= 0 { Sys.close(fd) }
    }

    /// Calls `body` with every line (without "\n" or "\r\n") and its 1-based line number, in order. The buffer is
    /// valid only during the call. `body` returns `false` to stop early; a later call continues with the next line.
    /// Throws `LineReaderError` for I/O, gzip and line-length problems (the same error again on later calls), and
    /// rethrows what `body` throws (the line that threw counts as consumed).
    func forEachLine(_ body: (_ line: UnsafeRawBufferPointer, _ lineNumber: Int) throws -> Bool) throws {
        if let failure { throw failure }
        while true {
            let remaining = end - scanFrom
            if remaining > 0, let hit = memchr(buf + scanFrom, 0x0A, remaining) {
                let newline = UnsafeMutableRawPointer(buf).distance(to: hit)
                let lineStart = start
                var lineEnd = newline
                if lineEnd > lineStart && buf[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                start = newline + 1
                scanFrom = start
                linesRead += 1
                if lineEnd - lineStart > maxLineBytes { throw fail(.lineTooLong(limit: maxLineBytes), line: linesRead) }
                if try !body(UnsafeRawBufferPointer(start: buf + lineStart, count: lineEnd - lineStart), linesRead) {
                    return
                }
                continue
            }
            scanFrom = end
            if atEnd {
                if start < end {
                    // Final line without a newline.
                    let lineStart = start
                    let length = end - start
                    start = end
                    scanFrom = end
                    linesRead += 1
                    if length > maxLineBytes { throw fail(.lineTooLong(limit: maxLineBytes), line: linesRead) }
                    _ = try body(UnsafeRawBufferPointer(start: buf + lineStart, count: length), linesRead)
                }
                return
            }
            try fill()
        }
    }

    // MARK: - Buffer filling

    /// Records and returns an error about `line` (by default the line being read, i.e. the one after the last
    /// line yielded).
    private func fail(_ kind: LineReaderError.Kind, line: Int? = nil) -> LineReaderError {
        let error = LineReaderError(kind: kind, path: path, line: line ?? linesRead + 1)
        failure = error
        return error
    }

    /// Moves the partial line to the front of the buffer, grows the buffer if the partial line fills it, and adds
    /// at least one byte to it, or sets `atEnd`.
    private func fill() throws(LineReaderError) {
        if start > 0 {
            let partial = end - start
            if partial > 0 { buf.update(from: buf + start, count: partial) }
            start = 0
            end = partial
            scanFrom = partial
        }
        if end > maxLineBytes + 1 {
            // Even if the next byte is "\n" and the last one here is "\r", the line is too long.
            throw fail(.lineTooLong(limit: maxLineBytes))
        }
        if end == cap {
            let newCap = min(cap * 2, maxLineBytes + 2)
            let newBuf = UnsafeMutablePointer<UInt8>.allocate(capacity: newCap)
            newBuf.update(from: buf, count: end)
            buf.deallocate()
            buf = newBuf
            cap = newCap
        }
        if isGzip { try inflateMore() } else { try readMore() }
    }

    private func readMore() throws(LineReaderError) {
        // Read at most a few chunks at a time even into a grown buffer, so progress stays fine-grained.
        let want = min(cap - end, 4 * LineReader.chunkSize)
        let (n, failure) = LineReader.readSome(fd, path, buf + end, want)
        if n < 0 { throw fail(.readError(errno: failure)) }
        if n == 0 {
            atEnd = true
            return
        }
        end += n
        bytesRead += n
    }

    /// Refills the compressed input buffer; returns false at end of file.
    private func readInput(keeping keep: Int) throws(LineReaderError) -> Bool {
        guard let zs = stream, let input = inBuf else { return false }
        if keep > 0, let next = zs.pointee.next_in, next != input {
            input.update(from: next, count: keep)
        }
        let (n, failure) = LineReader.readSome(fd, path, input + keep, LineReader.chunkSize - keep)
        if n < 0 { throw fail(.readError(errno: failure)) }
        zs.pointee.next_in = input
        zs.pointee.avail_in = UInt32(keep + max(n, 0))
        if n == 0 {
            fileEOF = true
            return false
        }
        bytesRead += n
        return true
    }

    private func inflateMore() throws(LineReaderError) {
        guard let zs = stream else {
            atEnd = true
            return
        }
        let room = min(cap - end, Int(UInt32.max))
        zs.pointee.next_out = buf + end
        zs.pointee.avail_out = UInt32(room)
        defer { end += room - Int(zs.pointee.avail_out) }
        while zs.pointee.avail_out == UInt32(room) {
            if memberEnded {
                // Between gzip members: end of data, or the magic of the next member.
                while zs.pointee.avail_in < 2 && !fileEOF {
                    _ = try readInput(keeping: Int(zs.pointee.avail_in))
                }
                let available = Int(zs.pointee.avail_in)
                if available == 0 {
                    atEnd = true
                    return
                }
                guard available >= 2, let next = zs.pointee.next_in, next[0] == 0x1F, next[1] == 0x8B else {
                    let what = available < 2 ? "trailing byte" : "trailing garbage"
                    throw fail(.corruptGzip(detail: "\(what) after the last gzip member"))
                }
                let rc = inflateReset(zs)
                guard rc == Z_OK else { throw fail(.zlibFailure(code: rc)) }
                memberEnded = false
            }
            if zs.pointee.avail_in == 0 {
                if fileEOF { throw fail(.truncatedGzip) }
                if !(try readInput(keeping: 0)) { throw fail(.truncatedGzip) }
            }
            let rc = inflate(zs, Z_NO_FLUSH)
            switch rc {
            case Z_OK:
                continue
            case Z_STREAM_END:
                memberEnded = true
            case Z_BUF_ERROR:
                // No progress possible: zlib needs more input (output space is never zero here).
                if zs.pointee.avail_in == 0 { continue }
                throw fail(.corruptGzip(detail: "inflate made no progress"))
            case Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR:
                let fallback = rc == Z_NEED_DICT ? "needs a preset dictionary" : "invalid data"
                let message = zs.pointee.msg.map { String(cString: $0) } ?? fallback
                throw fail(.corruptGzip(detail: message))
            default:
                throw fail(.zlibFailure(code: rc))
            }
        }
    }

    /// Reads up to `count` bytes (`Sys.read`, EINTR retried): the count (0 at the end), or -1 and the errno.
    private static func readSome(
        _ fd: Int32, _ path: String, _ into: UnsafeMutablePointer<UInt8>, _ count: Int
    )
        -> (Int, Int32)
    {
        do { return (try Sys.read(fd, into, count, path: path), 0) } catch { return (-1, error.errno) }
    }
}
