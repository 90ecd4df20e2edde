import SaigaPosix

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// What `IndexBackup.backup(index:to:)` made.
public struct BackupSummary: Sendable, Hashable {
    /// The commit the backup holds.
    public var generation: UInt64
    /// Its live documents.
    public var documents: Int
    /// The files of the commit, and how many were hard links and how many copies.
    public var files: Int
    public var linked: Int
    public var copied: Int
    /// Their bytes.
    public var bytes: Int
    /// Commits that went by while the backup was being taken (each made it start again on the newer one).
    public var retries: Int
}

/// A consistent copy of one commit of an index, taken while writers go on: the restored index is the backup
/// directory itself (open it, or serve it). Index files are written once and never changed, and their names are never
/// reused, so a commit's files are hard-linked where the filesystem allows (no bytes copied) and copied otherwise.
///
/// The backup holds the newest commit a reader can open. Its files are opened first: a writer may delete them once
/// two newer commits exist, and an open file can still be copied. A file already gone before it could be opened
/// means the commit was superseded; the backup starts again on the newer one. The manifest is written last and the
/// directory fsynced, so an interrupted backup holds no commit at all, never part of one.
public enum IndexBackup {
    /// Backs up the newest commit of the index at `index` into `destination`, a new directory or an empty one
    /// (created with its parents). `hardLinks: false` copies every file.
    ///
    /// Throws `.invalidArgument` when `destination` is not an empty directory (or is the index itself),
    /// `.indexNotFound` when there is no index, and `.system` errors (a full disk: nothing is left half-written in
    /// `destination` but the files, without a manifest).
    public static func backup(
        index: String, to destination: String, hardLinks: Bool = true
    ) throws(SaigaError) -> BackupSummary {
        let source = try IndexDirectory(path: index)
        let target = try prepareDestination(destination, index: source)
        var retries = 0
        while true {
            let reader = try IndexReader(path: index)
            if var summary = try copyCommit(
                generation: reader.generation, from: source, to: target, hardLinks: hardLinks)
            {
                summary.documents = reader.documentCount
                summary.retries = retries
                return summary
            }
            retries += 1
            guard retries < 100 else {
                throw SaigaError(
                    .limitExceeded,
                    "the index at \(index) committed 100 times while being backed up; try again, or pause writes")
            }
        }
    }

    private static func prepareDestination(_ path: String, index: IndexDirectory) throws(SaigaError) -> IndexDirectory {
        switch Sys.status(path: path)?.type ?? .missing {
        case .missing:
            return try IndexDirectory.create(path: path)
        case .directory:
            let target = try IndexDirectory(path: path)
            let names = try target.list()
            guard names.isEmpty else {
                throw SaigaError(
                    .invalidArgument, "backup destination \(path) is not empty (\(names.count) entries)", path: path)
            }
            return target
        case let other:
            throw SaigaError(
                .invalidArgument, "backup destination \(path) is \(IndexDirectory.describe(other)), not a directory",
                path: path)
        }
    }

    /// Links or copies every file of commit `generation`, the manifest last; nil (after removing what it wrote)
    /// when a file of the commit is gone: a newer commit superseded it.
    private static func copyCommit(
        generation: UInt64, from source: IndexDirectory, to target: IndexDirectory, hardLinks: Bool
    ) throws(SaigaError) -> BackupSummary? {
        let manifestName = Manifest.fileName(generation: generation)
        var open: [(name: String, fd: CInt, size: Int)] = []
        var written: [String] = []
        defer { for f in open { Sys.close(f.fd) } }
        func undo() { for name in written.reversed() { target.removeIfPresent(name) } }
        // The manifest first: while it is open its commit's files are the ones it names.
        let manifest: Manifest
        do { manifest = try source.readManifest(generation: generation) } catch {
            if source.entry(manifestName).type == .missing { return nil }
            throw error
        }
        let names = manifest.fileNames().subtracting([manifestName]).sorted() + [manifestName]
        for name in names {
            do {
                let (fd, size) = try source.openForCopy(name)
                open.append((name, fd, size))
            } catch {
                if source.entry(name).type == .missing { return nil }
                throw error
            }
        }
        var summary = BackupSummary(
            generation: generation, documents: 0, files: names.count, linked: 0, copied: 0, bytes: 0, retries: 0)
        var linking = hardLinks
        do throws(SaigaError) {
            for f in open {
                summary.bytes += f.size
                if linking {
                    do {
                        try source.link(f.name, into: target)
                        written.append(f.name)
                        summary.linked += 1
                        continue
                    } catch {
                        // Gone since it was opened: copy it from the open descriptor. Another filesystem, or one
                        // without hard links: copy this file and every other.
                        if error.errno != ENOENT { linking = false }
                    }
                }
                try target.copy(from: f.fd, size: f.size, sourcePath: source.file(f.name), to: f.name)
                written.append(f.name)
                summary.copied += 1
            }
            do { try target.sync() } catch { throw SaigaError.system(error) }
        } catch {
            undo()
            throw error
        }
        return summary
    }
}
