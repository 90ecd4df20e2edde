import Saiga
import SaigaPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The index snapshot requests run against. A request takes the current reader and keeps it (a strong reference)
/// until it finishes; a reload swaps in a newer reader, and the old one (and its mapped files) goes away when the
/// last request using it ends. Nothing is ever closed under a running query.
///
/// Verification: a commit is opened in O(metadata) (each chunk of a file is verified the first time a search reads
/// it, so no answer ever comes from a damaged byte). With `verifyAll`, every byte is verified as well: in the
/// background right after startup (the first query does not wait), and before a reload swaps a commit in (the old
/// commit keeps serving meanwhile); chunks already verified in this process are not verified again.
final class IndexHolder: Sendable {
    let path: String
    let verifyAll: Bool
    private let current: Mutex<IndexReader>
    /// True while a reload runs, so that checks do not pile up.
    private let reloading = Atomic<Bool>(false)
    /// A generation that failed to open; polling does not retry it (SIGHUP does).
    private let failedGeneration = Atomic<UInt64>(0)
    /// Generations whose damage was already logged (each is logged once).
    private let reported = Mutex<Set<UInt64>>([])
    private let log: @Sendable (String) -> Void

    init(path: String, verifyAll: Bool, log: @escaping @Sendable (String) -> Void) throws(SaigaError) {
        self.path = path
        self.verifyAll = verifyAll
        self.log = log
        let reader = try IndexReader(path: path)
        current = Mutex(reader)
        directoryIdentity = Mutex(IndexHolder.identity(of: path))
        reportSkipped(reader)
        // A newer commit skipped as damaged is not retried by polling (SIGHUP retries it).
        if let skipped = reader.openWarnings.first?.generation { failedGeneration.store(skipped, ordering: .relaxed) }
    }

    var reader: IndexReader { current.withLock { $0 } }

    /// The device and inode of the directory the current reader reads (nil if it could not be read): a directory
    /// replaced at `path` (a restore, `mv new idx`) is noticed, and opened anew rather than reopened.
    private let directoryIdentity: Mutex<String?>

    static func identity(of path: String) -> String? { Sys.status(path: path)?.identity }

    /// A directory at the path that failed to open (polling does not retry it).
    private let failedIdentity = Mutex<String?>(nil)

    /// True if the directory at `path` is not the one the current reader reads.
    private var directoryReplaced: Bool {
        guard let now = IndexHolder.identity(of: path) else { return false }
        return now != directoryIdentity.withLock { $0 }
    }

    /// The newest commit at `path`: the current reader reopened (sharing the segments it has), or, when the
    /// directory at `path` is not the one it reads any more, an `IndexReader` of the new one.
    private func openNewest() throws(SaigaError) -> IndexReader {
        let now = IndexHolder.identity(of: path)
        if let now, now != directoryIdentity.withLock({ $0 }) {
            let fresh = try IndexReader(path: path)
            directoryIdentity.withLock { $0 = now }
            return fresh
        }
        return try reader.reopen()
    }

    /// Verifies the commit loaded at startup on a background thread; damage is logged once.
    func verifyInBackground() {
        guard verifyAll else { return }
        let reader = self.reader
        Sys.spawnThread { [self] in
            let start = Posix.monotonicSeconds()
            do throws(SaigaError) {
                try reader.verifyChecksums()
                log(
                    "verified every checksum of commit \(reader.generation) in \(Int((Posix.monotonicSeconds() - start) * 1000)) ms"
                )
            } catch {
                reportOnce(
                    reader.generation,
                    "commit \(reader.generation) is damaged: \(error); searches that read "
                        + "the damaged bytes fail with an index error (`saiga check` shows the damage)")
            }
        }
    }

    /// True if polling should try a reload: a newer generation is on disk that did not fail before, or another
    /// directory is at the path.
    func newerCommitAvailable() -> Bool {
        guard let g = newestGenerationOnDisk() else { return false }
        // Another index moved in at the path (a restore), unless opening it failed already (SIGHUP retries).
        if directoryReplaced, let now = IndexHolder.identity(of: path), now != failedIdentity.withLock({ $0 }) {
            return true
        }
        return g != reader.generation && g != failedGeneration.load(ordering: .relaxed)
    }

    /// The newest committed generation on disk (cheap: a directory listing), or nil.
    func newestGenerationOnDisk() -> UInt64? {
        (try? IndexReader.newestGeneration(path: path)) ?? nil
    }

    /// Opens the newest commit and swaps it in if it is newer than the current one. Returns the new generation,
    /// nil if nothing changed; throws if the newer commit cannot be opened or verified (the current one stays).
    func reload(force: Bool) throws(SaigaError) -> UInt64? {
        guard !reloading.exchange(true, ordering: .acquiring) else { return nil }
        defer { reloading.store(false, ordering: .releasing) }
        let old = reader.generation
        // Any other newest generation is a change: newer, or lower when the index was rebuilt from scratch; and so is
        // another directory at the path (a restore), whatever its generation.
        let replaced = directoryReplaced
        guard let newest = newestGenerationOnDisk(), newest != old || replaced else { return nil }
        if !force && newest == failedGeneration.load(ordering: .relaxed) { return nil }
        let fresh: IndexReader
        do {
            // Segments the current commit shares with the new one stay open (and verified); only new ones are
            // opened and checked.
            fresh = try openNewest()
            if verifyAll { try fresh.verifyChecksums() }
        } catch {
            failedGeneration.store(newest, ordering: .relaxed)
            if replaced { failedIdentity.withLock { $0 = IndexHolder.identity(of: path) } }
            throw error
        }
        reportSkipped(fresh)
        guard fresh.generation == newest else {
            // The newest commit is damaged and opening fell back to an older one: do not keep retrying.
            failedGeneration.store(newest, ordering: .relaxed)
            if fresh.generation == old {
                let why = fresh.openWarnings.first?.description ?? "manifest_\(newest) cannot be read"
                throw SaigaError(.corruptIndex, why)
            }
            guard swap(to: fresh, replaced: replaced) else { return nil }
            prepareSuggestionsInBackground(fresh)
            return fresh.generation
        }
        guard swap(to: fresh, replaced: replaced) else { return nil }
        prepareSuggestionsInBackground(fresh)
        return fresh.generation
    }

    /// Serves `fresh` unless that would go back in time: a commit this server's writer installed meanwhile (while a
    /// reload opened and verified an older one) stays. A lower generation is taken only when the disk's newest is that
    /// low (the index was rebuilt from scratch), or when `fresh` reads another directory put at the path (`replaced`).
    /// Returns whether it swapped.
    private func swap(to fresh: IndexReader, replaced: Bool) -> Bool {
        let rebuilt = fresh.generation < reader.generation && newestGenerationOnDisk() == fresh.generation
        return current.withLock { cur in
            guard fresh.generation > cur.generation || (rebuilt && fresh.generation < cur.generation) || replaced
            else {
                return false
            }
            cur = fresh
            return true
        }
    }

    /// Serves the commit this server's own writer just made, before the writer acknowledges it (so that every search
    /// that starts after the acknowledgment sees it). Segments the current commit shares stay open; the new ones
    /// were just written and fsynced, so they are not verified whole (their chunks are, as searches read them).
    /// Completion words are built by the first SUGGEST that needs them, not per commit.
    func install(generation: UInt64) throws(SaigaError) {
        let fresh = try openNewest()
        guard fresh.generation >= generation else {
            throw SaigaError(
                .corruptIndex, "commit \(generation) was written but opening it gave commit \(fresh.generation)")
        }
        // The writer's commit is the index's newest (its writer holds the lock), even when its generation is lower
        // than what was served: the directory was replaced (a restore) before the writer opened.
        current.withLock { if $0.generation < fresh.generation || fresh.generation == generation { $0 = fresh } }
    }

    /// Builds the completion words of a commit on a background thread, so that the first SUGGEST after a load does
    /// not wait for them (a SUGGEST that comes first builds them itself; a failure is reported by it).
    func prepareSuggestionsInBackground(_ reader: IndexReader) {
        Sys.spawnThread {
            _ = try? reader.prepareSuggestions()
        }
    }

    /// Logs, once per generation, the newer commits a reader skipped as damaged.
    private func reportSkipped(_ reader: IndexReader) {
        for w in reader.openWarnings {
            reportOnce(w.generation, "warning: \(w); serving commit \(reader.generation)")
        }
    }

    private func reportOnce(_ generation: UInt64, _ line: String) {
        let first = reported.withLock { $0.insert(generation).inserted }
        if first { log(line) }
    }
}
