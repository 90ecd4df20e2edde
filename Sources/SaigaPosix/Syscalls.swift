// The POSIX layer (target SaigaPosix, package access): with Sockets.swift, the one place where the engine, the
// server, the client and the tools call the operating system.
//
// Files, directories, memory maps, locks, threads and clocks are here, the NIO `System.swift` pattern: file-scope aliases so that
// a method called `close` or `read` elsewhere can never shadow the C function, an EINTR retry loop, and a typed error
// that carries errno. Nothing here allocates between the call and the errno read.

#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

private func sysOpen(_ path: UnsafePointer<CChar>, _ flags: CInt, _ mode: mode_t) -> CInt {
    open(path, flags, mode)
}
private let sysClose = close
private let sysRead = read
private let sysPread = pread
private let sysWrite = write
private let sysPwrite = pwrite
private let sysFsync = fsync
private let sysFstat = fstat
private let sysRename = rename
private let sysUnlink = unlink
private let sysMkdir = mkdir
private let sysFlock = flock
private let sysFtruncate = ftruncate
private func sysOpenAt(_ dir: CInt, _ name: UnsafePointer<CChar>, _ flags: CInt, _ mode: mode_t) -> CInt {
    openat(dir, name, flags, mode)
}
private let sysUnlinkAt = unlinkat
private let sysRenameAt = renameat
private let sysLinkAt = linkat
private let sysFstatAt = fstatat

/// An operating-system error: the failing call, the path or object it concerned, and errno.
package struct SystemError: Error, CustomStringConvertible, Sendable {
    /// The C function that failed, e.g. `open`.
    package let call: String
    /// The path the call was about, if any.
    package let path: String
    /// The errno value the call left.
    package let errno: CInt
    /// The reason when errno does not tell it (a resolver error).
    package let reason: String?

    package init(call: String, path: String, errno: CInt, reason: String? = nil) {
        self.call = call
        self.path = path
        self.errno = errno
        self.reason = reason
    }

    /// True when the failure means the disk (or the quota, or the file-size limit) is full.
    package var isDiskFull: Bool { errno == ENOSPC || errno == EDQUOT || errno == EFBIG }

    package var description: String {
        let reason = self.reason ?? String(cString: strerror(errno))
        return path.isEmpty ? "\(call) failed: \(reason)" : "\(call) \(path): \(reason)"
    }
}

/// Thin wrappers over the syscalls the engine needs. Each retries on EINTR and throws `SystemError`.
///
/// About 400 lines of small, independent wrappers: the one place the rules of a syscall (EINTR, errno, flags such
/// as `O_CLOEXEC` and `O_NOFOLLOW`) are applied, which is the point of having it in one namespace.
@usableFromInline
package enum Sys {
    @inline(never)
    package static func open(_ path: String, _ flags: CInt, mode: mode_t = 0o644) throws(SystemError) -> CInt {
        while true {
            let fd = path.withCString { sysOpen($0, flags | O_CLOEXEC, mode) }
            if fd >= 0 { return fd }
            let e = Glibc.errno
            if e == EINTR { continue }
            throw SystemError(call: "open", path: path, errno: e)
        }
    }

    /// Opens `name` inside the directory open as `directory`, never following a symbolic link in `name` (the
    /// corresponding C function is `openat` with `O_NOFOLLOW`). `name` is one path component: a name with a `/` or
    /// `..` is refused with EINVAL, so nothing outside the directory can be reached.
    @inline(never)
    package static func openAt(
        _ directory: CInt, _ name: String, _ flags: CInt, mode: mode_t = 0o644
    ) throws(SystemError)
        -> CInt
    {
        guard isPlainName(name) else { throw SystemError(call: "openat", path: name, errno: EINVAL) }
        while true {
            let fd = name.withCString { sysOpenAt(directory, $0, flags | O_CLOEXEC | O_NOFOLLOW, mode) }
            if fd >= 0 { return fd }
            let e = Glibc.errno
            if e == EINTR { continue }
            throw SystemError(call: "open", path: name, errno: e)
        }
    }

    /// True for a name that stays inside its directory: not empty, not `.` or `..`, no `/`, no NUL.
    package static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.utf8.contains(0x2F) && !name.utf8.contains(0)
    }

    /// What kind of file a directory entry is (the entry itself: a symbolic link is reported as one).
    package enum EntryType: Sendable, Equatable {
        case regular, directory, symbolicLink, fifo, socket, device, missing
    }

    package static func entryType(mode: mode_t) -> EntryType {
        switch mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFLNK: return .symbolicLink
        case S_IFIFO: return .fifo
        case S_IFSOCK: return .socket
        default: return .device
        }
    }

    /// What `stat` says of a file, as much as this code uses.
    package struct FileStatus: Sendable {
        package var type: EntryType
        package var size: Int
        package var device: UInt64
        package var inode: UInt64
        /// Modification and status-change times, in nanoseconds.
        package var modified: Int64
        package var changed: Int64

        package init(_ st: stat) {
            type = Sys.entryType(mode: st.st_mode)
            size = Int(st.st_size)
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
            modified = Int64(st.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(st.st_mtim.tv_nsec)
            changed = Int64(st.st_ctim.tv_sec) &* 1_000_000_000 &+ Int64(st.st_ctim.tv_nsec)
        }

        /// "device:inode": the same file whatever the path.
        package var identity: String { "\(device):\(inode)" }
    }

    /// The type and size of `name` in `directory`, without following a symbolic link (the corresponding C function
    /// is `fstatat` with `AT_SYMLINK_NOFOLLOW`); `.missing` when there is no such entry.
    package static func statAt(_ directory: CInt, _ name: String) -> (type: EntryType, size: Int) {
        guard isPlainName(name) else { return (.missing, 0) }
        var st = stat()
        guard name.withCString({ sysFstatAt(directory, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0 else {
            return (.missing, 0)
        }
        return (entryType(mode: st.st_mode), Int(st.st_size))
    }

    /// The status of an open descriptor (the corresponding C function is `fstat`).
    @inline(never)
    package static func status(_ fd: CInt, path: String) throws(SystemError) -> FileStatus {
        var st = stat()
        guard sysFstat(fd, &st) == 0 else { throw SystemError(call: "fstat", path: path, errno: Glibc.errno) }
        return FileStatus(st)
    }

    /// The status of the file at `path`, following symbolic links; nil if there is none (or a dangling link).
    package static func status(path: String) -> FileStatus? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileStatus(st)
    }

    package static func sleep(milliseconds: Int) { sleep(.milliseconds(milliseconds)) }

    /// Sleeps for `duration` (to the nanosecond), resuming after signals.
    package static func sleep(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var ts = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var rest = timespec()
        while nanosleep(&ts, &rest) != 0 && Glibc.errno == EINTR { ts = rest }
    }

    /// Removes the entry `name` of `directory` (a symbolic link itself, never its target; the corresponding C
    /// function is `unlinkat`).
    @inline(never)
    package static func unlinkAt(_ directory: CInt, _ name: String, path: String) throws(SystemError) {
        guard isPlainName(name) else { throw SystemError(call: "unlink", path: path, errno: EINVAL) }
        guard name.withCString({ sysUnlinkAt(directory, $0, 0) }) == 0 else {
            throw SystemError(call: "unlink", path: path, errno: Glibc.errno)
        }
    }

    /// Makes `to` in directory `toDirectory` a hard link to `from` in `fromDirectory` (`linkat`, not following a
    /// symbolic link).
    @inline(never)
    package static func linkAt(
        _ fromDirectory: CInt, _ from: String, _ toDirectory: CInt, _ to: String, path: String
    ) throws(SystemError) {
        guard isPlainName(from), isPlainName(to) else { throw SystemError(call: "link", path: path, errno: EINVAL) }
        let rc = from.withCString { f in to.withCString { t in sysLinkAt(fromDirectory, f, toDirectory, t, 0) } }
        guard rc == 0 else { throw SystemError(call: "link", path: path, errno: Glibc.errno) }
    }

    /// Renames `from` to `to`, both in `directory` (the corresponding C function is `renameat`).
    @inline(never)
    package static func renameAt(_ directory: CInt, _ from: String, _ to: String, path: String) throws(SystemError) {
        guard isPlainName(from), isPlainName(to) else { throw SystemError(call: "rename", path: path, errno: EINVAL) }
        let rc = from.withCString { f in to.withCString { t in sysRenameAt(directory, f, directory, t) } }
        guard rc == 0 else { throw SystemError(call: "rename", path: path, errno: Glibc.errno) }
    }

    /// The names in the directory open as `fd`, without "." and "..".
    @inline(never)
    package static func listDirectory(fd: CInt, path: String) throws(SystemError) -> [String] {
        // fdopendir takes ownership of its descriptor: give it a duplicate, and rewind (the offset is shared).
        let copy = dup(fd)
        guard copy >= 0 else { throw SystemError(call: "dup", path: path, errno: Glibc.errno) }
        _ = fcntl(copy, F_SETFD, FD_CLOEXEC)
        guard let dir = fdopendir(copy) else {
            let e = Glibc.errno
            _ = sysClose(copy)
            throw SystemError(call: "opendir", path: path, errno: e)
        }
        defer { closedir(dir) }
        rewinddir(dir)
        return readNames(dir)
    }

    private static func readNames(_ dir: OpaquePointer) -> [String] {
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Closes a descriptor. Errors from close are ignored on purpose: the data was made durable (or not) by fsync,
    /// and retrying close after EINTR is wrong on Linux.
    package static func close(_ fd: CInt) {
        _ = sysClose(fd)
    }

    /// Writes all of `buffer`, looping over short writes.
    @inline(never)
    package static func writeAll(_ fd: CInt, _ buffer: UnsafeRawBufferPointer, path: String) throws(SystemError) {
        var offset = 0
        while offset < buffer.count {
            let n = sysWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n > 0 {
                offset += n
                continue
            }
            let e = Glibc.errno
            if n < 0 && e == EINTR { continue }
            throw SystemError(call: "write", path: path, errno: n == 0 ? EIO : e)
        }
    }

    /// Writes all of `bytes` at `offset`.
    @inline(never)
    package static func pwriteAll(_ fd: CInt, _ bytes: [UInt8], at offset: Int, path: String) throws(SystemError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes {
                sysPwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(offset + done))
            }
            if n > 0 {
                done += n
                continue
            }
            let e = Glibc.errno
            if n < 0 && e == EINTR { continue }
            throw SystemError(call: "pwrite", path: path, errno: n == 0 ? EIO : e)
        }
    }

    /// Reads up to `count` bytes into `buffer`; returns 0 at end of file.
    @inline(never)
    package static func read(
        _ fd: CInt, _ buffer: UnsafeMutableRawPointer, _ count: Int, path: String
    ) throws(SystemError)
        -> Int
    {
        while true {
            let n = sysRead(fd, buffer, count)
            if n >= 0 { return n }
            let e = Glibc.errno
            if e == EINTR { continue }
            throw SystemError(call: "read", path: path, errno: e)
        }
    }

    /// Reads exactly `count` bytes at `offset` unless the file ends first; returns the number read.
    @inline(never)
    package static func preadFully(
        _ fd: CInt, _ buffer: UnsafeMutableRawPointer, _ count: Int, at offset: Int, path: String
    )
        throws(SystemError) -> Int
    {
        var done = 0
        while done < count {
            let n = sysPread(fd, buffer + done, count - done, off_t(offset + done))
            if n > 0 {
                done += n
                continue
            }
            if n == 0 { break }
            let e = Glibc.errno
            if e == EINTR { continue }
            throw SystemError(call: "pread", path: path, errno: e)
        }
        return done
    }

    @inline(never)
    package static func fsync(_ fd: CInt, path: String) throws(SystemError) {
        while sysFsync(fd) != 0 {
            let e = Glibc.errno
            if e == EINTR { continue }
            // A directory on some filesystems refuses fsync with EINVAL; that is not a durability failure we can act on.
            if e == EINVAL { return }
            throw SystemError(call: "fsync", path: path, errno: e)
        }
    }

    @inline(never)
    package static func fileSize(_ fd: CInt, path: String) throws(SystemError) -> Int {
        var st = stat()
        guard sysFstat(fd, &st) == 0 else { throw SystemError(call: "fstat", path: path, errno: Glibc.errno) }
        return Int(st.st_size)
    }

    /// The bytes of the file at `path`: all of them, or the first `limit`.
    package static func readFile(_ path: String, limit: Int = .max) throws(SystemError) -> [UInt8] {
        let fd = try open(path, O_RDONLY | O_NONBLOCK)
        defer { close(fd) }
        let size = min(try fileSize(fd, path: path), limit)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(size, 1), alignment: 16)
        defer { buffer.deallocate() }
        let got = size > 0 ? try preadFully(fd, buffer, size, at: 0, path: path) : 0
        return Array(UnsafeRawBufferPointer(start: buffer, count: got))
    }

    /// Writes `bytes` as the whole content of the file at `path` (created or truncated), and fsyncs it.
    package static func writeFile(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
        let fd = try open(path, O_WRONLY | O_CREAT | O_TRUNC)
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        try writeAll(fd, UnsafeRawBufferPointer(rebasing: buffer[0..<bytes.count]), path: path)
        try fsync(fd, path: path)
    }

    /// Size of the file at `path`, or 0 if it cannot be read.
    package static func fileSizeOrZero(_ path: String) -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else { return 0 }
        return Int(st.st_size)
    }

    package static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        return (st.st_mode & S_IFMT) == S_IFDIR
    }

    package static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        return (st.st_mode & S_IFMT) == S_IFREG
    }

    package static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    @inline(never)
    package static func rename(_ from: String, _ to: String) throws(SystemError) {
        guard sysRename(from, to) == 0 else {
            throw SystemError(call: "rename", path: "\(from) -> \(to)", errno: Glibc.errno)
        }
    }

    /// Removes `path` and everything under it. A symbolic link is removed itself, never followed (so a link inside
    /// the tree cannot take the removal elsewhere).
    package static func removeTree(_ path: String) throws(SystemError) {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if Glibc.errno == ENOENT { return }
            throw SystemError(call: "lstat", path: path, errno: Glibc.errno)
        }
        if entryType(mode: st.st_mode) == .directory {
            for name in try listDirectory(path) { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 || Glibc.errno == ENOENT else {
                throw SystemError(call: "rmdir", path: path, errno: Glibc.errno)
            }
        } else {
            guard sysUnlink(path) == 0 || Glibc.errno == ENOENT else {
                throw SystemError(call: "unlink", path: path, errno: Glibc.errno)
            }
        }
    }

    @inline(never)
    package static func unlink(_ path: String) throws(SystemError) {
        guard sysUnlink(path) == 0 else { throw SystemError(call: "unlink", path: path, errno: Glibc.errno) }
    }

    @inline(never)
    package static func ftruncate(_ fd: CInt, _ length: Int, path: String) throws(SystemError) {
        while sysFtruncate(fd, off_t(length)) != 0 {
            let e = Glibc.errno
            if e == EINTR { continue }
            throw SystemError(call: "ftruncate", path: path, errno: e)
        }
    }

    /// Creates `path` and any missing parents (mkdir -p).
    @inline(never)
    package static func makeDirectories(_ path: String) throws(SystemError) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if !isDirectory(prefix) {
                if sysMkdir(prefix, 0o755) != 0 && Glibc.errno != EEXIST {
                    throw SystemError(call: "mkdir", path: prefix, errno: Glibc.errno)
                }
            }
            prefix += "/"
        }
    }

    /// The names in a directory, without "." and "..".
    @inline(never)
    package static func listDirectory(_ path: String) throws(SystemError) -> [String] {
        guard let dir = opendir(path) else { throw SystemError(call: "opendir", path: path, errno: Glibc.errno) }
        defer { closedir(dir) }
        return readNames(dir)
    }

    /// fsyncs a directory so that renames and creations in it are durable.
    @inline(never)
    package static func fsyncDirectory(_ path: String) throws(SystemError) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try fsync(fd, path: path)
    }

    /// Tries to take an exclusive advisory lock; returns false if another process holds it.
    /// The kernel drops the lock when the holder dies, so a stale lock never blocks a new writer.
    @inline(never)
    package static func tryLock(_ fd: CInt, path: String) throws(SystemError) -> Bool {
        while sysFlock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = Glibc.errno
            if e == EINTR { continue }
            if e == EWOULDBLOCK { return false }
            throw SystemError(call: "flock", path: path, errno: e)
        }
        return true
    }

    /// Maps `length` bytes of `fd` read-only. `length` must be > 0.
    @inline(never)
    package static func mapReadOnly(_ fd: CInt, length: Int, path: String) throws(SystemError) -> UnsafeRawPointer {
        guard let p = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw SystemError(call: "mmap", path: path, errno: Glibc.errno)
        }
        return UnsafeRawPointer(p)
    }

    package static func unmap(_ pointer: UnsafeRawPointer, length: Int) {
        _ = munmap(UnsafeMutableRawPointer(mutating: pointer), length)
    }

    package static var processID: Int32 { getpid() }

    /// True if a process with this pid exists (signal 0 probe).
    package static func processExists(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || Glibc.errno == EPERM
    }

    /// Monotonic nanoseconds.
    @inlinable
    package static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// CPU time of the calling thread, in nanoseconds.
    package static func threadCPUNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Peak resident set size of this process in bytes (getrusage ru_maxrss is in KiB on Linux).
    package static func peakRSSBytes() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    /// Starts a detached thread running `body`.
    package static func spawnThread(_ body: @escaping @Sendable () -> Void) {
        final class Box: @unchecked Sendable {  // handed to exactly one new thread
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(
            &tid, nil,
            { arg in
                let b = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
                b.body()
                return nil
            }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        pthread_detach(tid)
    }

    package static func randomBytes(_ count: Int) -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &g) }
    }
}

/// One object per thread (POSIX thread-specific data), released when its thread exits: per-thread scratch state
/// for the query path, which takes no lock.
package final class ThreadLocal<Value: AnyObject>: @unchecked Sendable {  // the key is written once, in init
    // Inlinable: the query path reads its per-thread caches through this from another module, and an unspecialized
    // generic call across modules costs more than the lookup itself.
    @usableFromInline var key = pthread_key_t()

    package init() {
        pthread_key_create(&key) { p in
            if let p { Unmanaged<AnyObject>.fromOpaque(p).release() }
        }
    }

    /// The calling thread's object, if it set one.
    @inlinable package var value: Value? {
        pthread_getspecific(key).map { Unmanaged<Value>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Replaces the calling thread's object (releasing the previous one).
    @inlinable package func set(_ value: Value) {
        if let old = pthread_getspecific(key) { Unmanaged<AnyObject>.fromOpaque(old).release() }
        pthread_setspecific(key, Unmanaged.passRetained(value).toOpaque())
    }
}

extension Duration {
    /// The duration in seconds (for arithmetic with the monotonic clock's seconds and for printing).
    package var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
