import SaigaPosix
import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// An open index directory: every file of an index is created, opened, renamed and deleted through it, relative
/// to the directory's descriptor (`openat` and friends), never by a path that could lead elsewhere.
///
/// Safety rules (a writer may run as another user than whoever can write into the directory):
/// - Nothing follows a symbolic link inside the directory (`O_NOFOLLOW`): a symlink where an index file should be
///   is damage, reported as `corruptIndex`, and a writer never writes through one.
/// - New files are created exclusively (`O_EXCL`): an existing entry of that name (a file, a symlink, a FIFO) makes
///   the creation fail instead of being truncated or followed.
/// - Only regular files are read (a FIFO would block a reader forever; a directory is not a file).
/// - Only names of the exact shapes this engine writes are ever deleted (`isIndexFile`).
///
/// Commit protocol (Lucene's order, closing the gap tantivy leaves): every new file is written, fsynced and closed;
/// the directory is fsynced; the manifest is written to `manifest_<N>.tmp`, fsynced, renamed to `manifest_<N>`,
/// and the directory is fsynced again. The rename is the commit point: a crash before it leaves commit N-1
/// current, a crash after it leaves commit N current.
@usableFromInline
final class IndexDirectory: Sendable {
    let path: String
    /// The directory, open for `openat` (closed in `deinit`).
    private let fd: CInt

    /// Opens the existing directory at `path` (`path` itself may be a symbolic link: the user named it).
    /// Throws `.indexNotFound` when there is no directory there.
    init(path: String) throws(SaigaError) {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }  // short paths in messages
        self.path = p
        do {
            fd = try Sys.open(p, O_RDONLY | O_DIRECTORY)
        } catch {
            if error.errno == ENOENT { throw SaigaError(.indexNotFound, "no index at \(p)", path: p) }
            if error.errno == ENOTDIR { throw SaigaError(.indexNotFound, "\(p) is not a directory", path: p) }
            throw .system(error)
        }
    }

    /// Opens the directory at `path`, creating it and any missing parents first.
    static func create(path: String) throws(SaigaError) -> IndexDirectory {
        do { try Sys.makeDirectories(path) } catch { throw .system(error) }
        return try IndexDirectory(path: path)
    }

    /// True if `path` is a directory (following symbolic links).
    static func exists(_ path: String) -> Bool { Sys.isDirectory(path) }

    deinit { Sys.close(fd) }

    /// The path of a file in the directory, for messages.
    func file(_ name: String) -> String { path + "/" + name }

    static let lockFileName = "write.lock"

    /// Segment names are `_` followed by base-36 digits.
    static func isValidSegmentName(_ name: String) -> Bool {
        guard name.hasPrefix("_"), name.count > 1, name.count <= 14 else { return false }
        return name.dropFirst().allSatisfy { ($0 >= "0" && $0 <= "9") || ($0 >= "a" && $0 <= "z") }
    }

    static func segmentName(_ number: Int) -> String { "_" + String(number, radix: 36) }

    /// The segment a file name belongs to (`_4` for `_4.post` and `_4.3.del`), for index files only.
    static func segment(ofFile name: String) -> String? {
        guard isIndexFile(name), name.hasPrefix("_"), let dot = name.firstIndex(of: ".") else { return nil }
        return String(name[..<dot])
    }

    /// True for exactly the names this engine writes: `manifest_<N>`, `manifest_<N>.tmp`, `_<seg>.<ext>` with a
    /// segment file extension, and `_<seg>.<gen>.del`. Nothing else is ever deleted: a directory shared with other
    /// files (`_notes.txt`, `manifest_final.doc`) keeps them.
    static func isIndexFile(_ name: String) -> Bool {
        func isDigits(_ s: Substring) -> Bool { !s.isEmpty && s.count <= 20 && s.allSatisfy { $0 >= "0" && $0 <= "9" } }
        if name.hasPrefix("manifest_") {
            var rest = name.dropFirst("manifest_".count)
            if rest.hasSuffix(".tmp") { rest = rest.dropLast(4) }
            return isDigits(rest)
        }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, isValidSegmentName(String(parts[0])) else { return false }
        if parts.count == 3 { return isDigits(parts[1]) && parts[2] == Substring(FileKind.deletions.fileExtension) }
        return segmentExtensions.contains(String(parts[1]))
    }

    private static let segmentExtensions: Set<String> = Set(
        ([FileKind.segmentInfo] + FileKind.segmentDataFiles).map(\.fileExtension))

    // MARK: - Listing

    func list() throws(SaigaError) -> [String] {
        do { return try Sys.listDirectory(fd: fd, path: path) } catch { throw .system(error) }
    }

    /// Throws `.notAnIndex` if `names` (the directory's listing, which holds no commit) has files an index never
    /// writes: only an empty directory, or one left by an interrupted first build, becomes an index, so that a
    /// mistyped path never turns someone's folder into one.
    func refuseForeignFiles(_ names: [String]) throws(SaigaError) {
        let foreign = names.filter { !IndexDirectory.isIndexFile($0) && $0 != IndexDirectory.lockFileName }.sorted()
        guard !foreign.isEmpty else { return }
        let shown = foreign.prefix(3).map { "\"\($0)\"" }.joined(separator: ", ") + (foreign.count > 3 ? ", …" : "")
        throw SaigaError(
            .notAnIndex,
            "\(path) is not an index: it holds \(foreign.count) other "
                + "file\(foreign.count == 1 ? "" : "s") (\(shown)) and no commit; use an empty or new directory",
            path: path)
    }

    /// The type and size of an entry, without following a symbolic link.
    func entry(_ name: String) -> (type: Sys.EntryType, size: Int) { Sys.statAt(fd, name) }

    /// Size of a regular file in the directory, 0 if there is none.
    func size(of name: String) -> Int {
        let e = entry(name)
        return e.type == .regular ? e.size : 0
    }

    /// Generations of the `manifest_<N>` files present, newest first.
    func manifestGenerations() throws(SaigaError) -> [UInt64] {
        try list().compactMap(Manifest.generation(ofFileName:)).sorted(by: >)
    }

    // MARK: - Reading

    /// Maps the regular file `name`. A missing file, a symbolic link, a FIFO, a directory or anything else but a
    /// regular file is `corruptIndex` (without blocking: a FIFO is opened non-blocking and refused).
    func openInput(_ name: String, expected: MappedFile.Expected? = nil) throws(SaigaError) -> MappedFile {
        let (fd, status) = try openRegularFile(
            name, O_RDONLY, symlink: "index files must be regular files (not followed)",
            notRegular: "")
        defer { Sys.close(fd) }
        return try MappedFile(fd: fd, status: status, path: file(name), expected: expected)
    }

    /// Opens the regular file `name` for reading and returns its descriptor (the caller closes it): what a backup
    /// holds so that a file a writer deletes meanwhile can still be copied. A missing file, a symbolic link or
    /// anything but a regular file is `corruptIndex`.
    func openForCopy(_ name: String) throws(SaigaError) -> (fd: CInt, size: Int) {
        let (fd, status) = try openRegularFile(
            name, O_RDONLY, symlink: "index files must be regular files (not followed)", notRegular: "")
        return (fd, status.size)
    }

    /// Makes `name` in `destination` a hard link to `name` here.
    func link(_ name: String, into destination: IndexDirectory) throws(SystemError) {
        try Sys.linkAt(fd, name, destination.fd, name, path: destination.file(name))
    }

    /// Writes a new file `name` holding `size` bytes read from `source` (an open descriptor), and fsyncs it.
    func copy(from source: CInt, size: Int, sourcePath: String, to name: String) throws(SaigaError) {
        let out: CInt
        do { out = try Sys.openAt(fd, name, O_WRONLY | O_CREAT | O_EXCL, mode: 0o644) } catch {
            throw .system(SystemError(call: "create", path: file(name), errno: error.errno))
        }
        defer { Sys.close(out) }
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var offset = 0
        do {
            while offset < size {
                let n = try Sys.preadFully(source, buffer, min(chunk, size - offset), at: offset, path: sourcePath)
                guard n > 0 else { throw SaigaError.corrupt(sourcePath, "file shorter than its size", offset: offset) }
                try Sys.writeAll(out, UnsafeRawBufferPointer(start: buffer, count: n), path: file(name))
                offset += n
            }
            try Sys.fsync(out, path: file(name))
        } catch let e as SystemError {
            throw .system(e)
        } catch let e as SaigaError {
            throw e
        } catch {
            throw .system(SystemError(call: "copy", path: file(name), errno: EIO))
        }
    }

    /// Removes `name` if it is there (a failed backup's files).
    func removeIfPresent(_ name: String) {
        try? Sys.unlinkAt(fd, name, path: file(name))
    }

    /// Opens `name` (never following a symbolic link, never blocking on a FIFO) and returns the descriptor and its
    /// status; anything but a regular file is `corruptIndex`, the message ending with `symlink` or `notRegular`.
    private func openRegularFile(
        _ name: String, _ flags: CInt, mode: mode_t = 0o644, symlink: String,
        notRegular: String
    ) throws(SaigaError) -> (CInt, Sys.FileStatus) {
        let full = file(name)
        let fd: CInt
        do { fd = try Sys.openAt(self.fd, name, flags | O_NONBLOCK, mode: mode) } catch {
            switch error.errno {
            case ENOENT: throw .corrupt(full, "index file is missing")
            case ELOOP: throw .corrupt(full, "is a symbolic link; " + symlink)
            default: throw .system(SystemError(call: error.call, path: full, errno: error.errno))
            }
        }
        let status: Sys.FileStatus
        do { status = try Sys.status(fd, path: full) } catch {
            Sys.close(fd)
            throw .system(error)
        }
        guard status.type == .regular else {
            Sys.close(fd)
            throw .corrupt(full, "is \(IndexDirectory.describe(status.type)), not a regular file" + notRegular)
        }
        return (fd, status)
    }

    static func describe(_ type: Sys.EntryType) -> String {
        switch type {
        case .regular: return "a regular file"
        case .directory: return "a directory"
        case .symbolicLink: return "a symbolic link"
        case .fifo: return "a FIFO"
        case .socket: return "a socket"
        case .device: return "a device"
        case .missing: return "missing"
        }
    }

    func readManifest(generation: UInt64) throws(SaigaError) -> Manifest {
        let name = Manifest.fileName(generation: generation)
        let file = try openInput(name)
        let m = try Manifest.decode(file.bytes, path: self.file(name))
        guard m.generation == generation else {
            throw .corrupt(self.file(name), "manifest says generation \(m.generation), its name says \(generation)")
        }
        return m
    }

    // MARK: - Writing

    /// Creates `name`, which must not exist (no entry of any kind: a symbolic link there makes this fail).
    func createOutput(_ name: String, bufferSize: Int = 1 << 18) throws(SaigaError) -> OutputFile {
        let fd: CInt
        do { fd = try Sys.openAt(self.fd, name, O_WRONLY | O_CREAT | O_EXCL, mode: 0o644) } catch {
            throw .system(SystemError(call: "create", path: file(name), errno: error.errno))
        }
        return OutputFile(fd: fd, directory: self, name: name, bufferSize: bufferSize)
    }

    /// Removes the entry `name` (a symbolic link itself, never what it points to).
    func delete(_ name: String) throws(SystemError) {
        try Sys.unlinkAt(fd, name, path: file(name))
    }

    /// fsyncs the directory so that creations, renames and deletions in it are durable.
    func sync() throws(SystemError) {
        try Sys.fsync(fd, path: path)
    }

    /// Writes `manifest` durably and atomically (temp file, fsync, rename, fsync directory).
    func writeManifest(_ manifest: Manifest) throws(SaigaError) {
        do { try sync() } catch { throw .system(error) }
        let name = Manifest.fileName(generation: manifest.generation)
        let tmp = name + ".tmp"
        try? delete(tmp)
        let out = try createOutput(tmp, bufferSize: 4096)
        do {
            try manifest.encode(to: out)
            try out.finish(sync: true)
        } catch {
            out.abandon()
            throw error
        }
        do {
            try Sys.renameAt(fd, tmp, name, path: "\(file(tmp)) -> \(name)")
        } catch {
            try? delete(tmp)
            throw .system(error)
        }
        do { try sync() } catch {
            // The rename happened but may not be durable: the commit fails, so take the manifest back rather than
            // leave a commit visible whose files the caller is about to delete.
            try? delete(name)
            try? sync()
            throw .system(error)
        }
    }

    /// Opens (creating if needed) the lock file, refusing anything but a regular file: a symbolic link there is
    /// not followed (a writer running as root must never truncate or write a file it points to).
    fileprivate func openLockFile() throws(SaigaError) -> (CInt, Sys.FileStatus) {
        try openRegularFile(
            IndexDirectory.lockFileName, O_RDWR | O_CREAT,
            symlink: "refusing to lock the index through it (remove it)",
            notRegular: "; refusing to lock the index")
    }
}

/// The single-writer lock of an index: `write.lock`, held with `flock` for the writer's lifetime and containing
/// the holder's pid. The kernel releases the lock when the holder exits or dies, so a lock left by a crashed
/// process never blocks the next writer. Released in `deinit` too, so no failure path can leak it.
///
/// A process that spawns children shares its open lock with a child for the moment between `fork` and `exec`
/// (close-on-exec closes it only at `exec`): when the lock file names this very process and no writer of this
/// process holds the lock, it is such a child's inherited copy, and taking the lock is retried for a moment.
/// Two writers of one process on one index are refused at once (a set of the locks this process holds).
final class WriteLock {
    let path: String
    private var fd: CInt
    private var identity: String?

    /// Locks held by this process, by device and inode of the lock file.
    private static let held = Mutex<Set<String>>([])

    init(directory: IndexDirectory) throws(SaigaError) {
        path = directory.file(IndexDirectory.lockFileName)
        let status: Sys.FileStatus
        (fd, status) = try directory.openLockFile()
        let id = status.identity
        guard WriteLock.held.withLock({ $0.insert(id).inserted }) else {
            // Closed here and marked closed: the instance is fully initialized, so `deinit` runs after this throw
            // and would close the descriptor again, by then perhaps another thread's file.
            Sys.close(fd)
            fd = -1
            throw SaigaError(
                .indexLocked,
                "the index is being written by another writer of this process "
                    + "(\(Sys.processID)); only one writer at a time", path: path)
        }
        identity = id
        let deadline = Sys.monotonicNanos() + 2_000_000_000
        while true {
            let locked: Bool
            do { locked = try Sys.tryLock(fd, path: path) } catch {
                release()
                throw .system(error)
            }
            if locked { break }
            var buf = [UInt8](repeating: 0, count: 32)
            let n = (try? Sys.preadFully(fd, &buf, 32, at: 0, path: path)) ?? 0
            let holder = String(decoding: buf[0..<n], as: UTF8.self).trimmed()
            if holder == "\(Sys.processID)" && Sys.monotonicNanos() < deadline {
                Sys.sleep(milliseconds: 5)  // a child of ours between fork and exec
                continue
            }
            release()
            let who = holder.isEmpty || !holder.allSatisfy(\.isNumber) ? "another process" : "process \(holder)"
            throw SaigaError(
                .indexLocked, "the index is being written by \(who); only one writer at a time",
                path: path)
        }
        let pid = Array("\(Sys.processID)\n".utf8)
        do {
            try Sys.ftruncate(fd, 0, path: path)
            try Sys.pwriteAll(fd, pid, at: 0, path: path)
        } catch {
            // The pid is informational only.
        }
    }

    func release() {
        if fd >= 0 {
            Sys.close(fd)  // closing the descriptor releases the flock
            fd = -1
        }
        if let identity {
            _ = WriteLock.held.withLock { $0.remove(identity) }
            self.identity = nil
        }
    }

    deinit { release() }
}
