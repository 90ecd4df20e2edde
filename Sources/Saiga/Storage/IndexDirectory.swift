#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// An index directory on disk: its manifests, segment files and write lock.
///
/// Commit protocol (Lucene's order, closing the gap tantivy leaves): every new file is written, fsynced and closed;
/// the directory is fsynced; the manifest is written to `manifest_<N>.tmp`, fsynced, renamed to `manifest_<N>`,
/// and the directory is fsynced again. The rename is the commit point: a crash before it leaves commit N-1
/// current, a crash after it leaves commit N current.
@usableFromInline
struct IndexDirectory: Sendable {
    let path: String

    init(path: String) {
        // Keep paths short in messages: drop a trailing slash.
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        self.path = p
    }

    func file(_ name: String) -> String { path + "/" + name }

    static let lockFileName = "write.lock"

    /// Segment names are `_` followed by base-36 digits.
    static func isValidSegmentName(_ name: String) -> Bool {
        guard name.hasPrefix("_"), name.count > 1, name.count <= 14 else { return false }
        return name.dropFirst().allSatisfy { ($0 >= "0" && $0 <= "9") || ($0 >= "a" && $0 <= "z") }
    }

    static func segmentName(_ number: Int) -> String { "_" + String(number, radix: 36) }

    func exists() -> Bool { Sys.isDirectory(path) }

    func create() throws(SaigaError) {
        do { try Sys.makeDirectories(path) } catch { throw .system(error) }
    }

    func list() throws(SaigaError) -> [String] {
        do { return try Sys.listDirectory(path) } catch {
            if error.errno == ENOENT { throw SaigaError(.indexNotFound, "no index at \(path)", path: path) }
            throw .system(error)
        }
    }

    /// Generations of the `manifest_<N>` files present, newest first.
    func manifestGenerations() throws(SaigaError) -> [UInt64] {
        try list().compactMap(Manifest.generation(ofFileName:)).sorted(by: >)
    }

    func readManifest(generation: UInt64) throws(SaigaError) -> Manifest {
        let name = Manifest.fileName(generation: generation)
        let file = try MappedFile(path: self.file(name))
        let m = try Manifest.decode(file.bytes, path: self.file(name))
        guard m.generation == generation else {
            throw .corrupt(self.file(name), "manifest says generation \(m.generation), its name says \(generation)")
        }
        return m
    }

    /// The newest manifest that decodes and checks. A damaged newest manifest falls back to an older one if one
    /// is still present; if none is valid the error of the newest is thrown.
    func latestManifest() throws(SaigaError) -> Manifest? {
        guard exists() else { return nil }
        let generations = try manifestGenerations()
        var firstError: SaigaError?
        for g in generations {
            do { return try readManifest(generation: g) } catch {
                // A manifest deleted between listing and reading belongs to a commit that was superseded.
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return nil
    }

    /// Writes `manifest` durably and atomically (temp file, fsync, rename, fsync directory).
    func writeManifest(_ manifest: Manifest) throws(SaigaError) {
        do { try Sys.fsyncDirectory(path) } catch { throw .system(error) }
        let name = Manifest.fileName(generation: manifest.generation)
        let tmp = file(name + ".tmp")
        try? Sys.unlink(tmp)
        let out = try OutputFile(path: tmp, bufferSize: 4096)
        do {
            try manifest.encode(to: out)
            try out.finish(sync: true)
        } catch {
            out.abandon()
            throw error
        }
        do {
            try Sys.rename(tmp, file(name))
            try Sys.fsyncDirectory(path)
        } catch {
            try? Sys.unlink(tmp)
            throw .system(error)
        }
    }

    /// True for the files this engine creates in an index directory (segment files, manifests, temp files).
    static func isIndexFile(_ name: String) -> Bool {
        if name.hasPrefix("manifest_") { return true }
        guard name.hasPrefix("_"), let dot = name.firstIndex(of: ".") else { return false }
        return isValidSegmentName(String(name[..<dot]))
    }

    /// Deletes index files not in `keep`. Failures are ignored: a file that cannot be deleted now is retried at the
    /// next commit, and deleting never affects what a reader has already mapped.
    func deleteUnreferenced(keep: Set<String>) {
        guard let names = try? list() else { return }
        for name in names where IndexDirectory.isIndexFile(name) && !keep.contains(name) {
            try? Sys.unlink(file(name))
        }
    }
}

/// The single-writer lock of an index: `write.lock`, held with `flock` for the writer's lifetime and containing
/// the holder's pid. The kernel releases the lock when the holder exits or dies, so a lock left by a crashed
/// process never blocks the next writer.
final class WriteLock {
    let path: String
    private var fd: CInt

    init(directory: IndexDirectory) throws(SaigaError) {
        path = directory.file(IndexDirectory.lockFileName)
        do { fd = try Sys.open(path, O_RDWR | O_CREAT, mode: 0o644) } catch { throw .system(error) }
        let locked: Bool
        do { locked = try Sys.tryLock(fd, path: path) } catch {
            Sys.close(fd)
            throw .system(error)
        }
        guard locked else {
            var buf = [UInt8](repeating: 0, count: 32)
            let n = (try? Sys.preadFully(fd, &buf, 32, at: 0, path: path)) ?? 0
            let holder = String(decoding: buf[0..<n], as: UTF8.self).trimmingWhitespace()
            Sys.close(fd)
            let who = holder.isEmpty ? "another process" : "process \(holder)"
            throw SaigaError(.indexLocked, "the index is being written by \(who); only one writer at a time",
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
    }

    deinit { release() }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
