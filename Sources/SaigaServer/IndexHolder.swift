import Saiga
import Synchronization

/// The index snapshot requests run against. A request takes the current reader and keeps it (a strong reference)
/// until it finishes; a reload swaps in a newer reader, and the old one (and its mapped files) goes away when the
/// last request using it ends. Nothing is ever closed under a running query.
final class IndexHolder: Sendable {
    let path: String
    let verifyChecksums: Bool
    private let current: Mutex<IndexReader>
    /// True while a reload runs, so that checks do not pile up.
    private let reloading = Atomic<Bool>(false)
    /// A generation that failed to open; polling does not retry it (SIGHUP does).
    private let failedGeneration = Atomic<UInt64>(0)

    init(path: String, verifyChecksums: Bool) throws(SaigaError) {
        self.path = path
        self.verifyChecksums = verifyChecksums
        current = Mutex(try IndexReader(path: path, verifyChecksums: verifyChecksums))
    }

    var reader: IndexReader { current.withLock { $0 } }

    /// True if polling should try a reload: a newer generation is on disk that did not fail before.
    func newerCommitAvailable() -> Bool {
        guard let g = newestGenerationOnDisk() else { return false }
        return g != reader.generation && g != failedGeneration.load(ordering: .relaxed)
    }

    /// The newest committed generation on disk (cheap: a directory listing), or nil.
    func newestGenerationOnDisk() -> UInt64? {
        try? IndexDirectoryProbe.newestGeneration(path)
    }

    /// Opens the newest commit and swaps it in if it is newer than the current one. Returns the new generation,
    /// nil if nothing changed; throws if the newer commit cannot be opened (the current one stays).
    func reload(force: Bool) throws(SaigaError) -> UInt64? {
        guard !reloading.exchange(true, ordering: .acquiring) else { return nil }
        defer { reloading.store(false, ordering: .releasing) }
        let old = reader.generation
        // Any other newest generation is a change: newer, or lower when the index was rebuilt from scratch.
        guard let newest = newestGenerationOnDisk(), newest != old else { return nil }
        if !force && newest == failedGeneration.load(ordering: .relaxed) { return nil }
        let fresh: IndexReader
        do { fresh = try IndexReader(path: path, verifyChecksums: verifyChecksums) } catch {
            failedGeneration.store(newest, ordering: .relaxed)
            throw error
        }
        guard fresh.generation == newest else {
            // The newest manifest is unreadable and opening fell back to an older commit: do not keep retrying.
            failedGeneration.store(newest, ordering: .relaxed)
            if fresh.generation == old { throw SaigaError(.corruptIndex, fresh.openWarnings.first ?? "manifest_\(newest) cannot be read") }
            current.withLock { $0 = fresh }
            return fresh.generation
        }
        current.withLock { $0 = fresh }
        return fresh.generation
    }
}

/// Lists manifest generations without opening them.
enum IndexDirectoryProbe {
    static func newestGeneration(_ path: String) throws -> UInt64? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var best: UInt64?
        while let e = readdir(dir) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            guard name.hasPrefix("manifest_"), let g = UInt64(name.dropFirst("manifest_".count)) else { continue }
            best = max(best ?? 0, g)
        }
        return best
    }
}

#if canImport(Glibc)
import Glibc
#endif
