/// Decides which files of an index directory may go, and deletes them (the job of Lucene's IndexFileDeleter).
///
/// Rules, in order:
/// 1. Commits older than the retention window (the writer keeps its last two commits) are retired: their manifests
///    are deleted first, and the directory is fsynced before any data file is touched, so a crash in the middle
///    never leaves a manifest whose files are partly gone. A rebuild's commit retires every other commit.
/// 2. A manifest that cannot be decoded is never deleted here (only `saiga check --repair` or a rebuild removes
///    one), and while one is on disk no segment file is deleted at all: nothing can tell which files it names.
/// 3. Then a file is deleted only if no manifest on disk names it, the writer's current view does not use it, and
///    no flush or merge in progress writes its segment.
/// 4. Only names of the exact shapes this engine writes are candidates (`IndexDirectory.isIndexFile`).
///
/// Failures to delete are ignored: the file is tried again at the next commit, and deleting never affects what a
/// reader has already mapped.
struct FileDeleter {
    let directory: IndexDirectory

    /// - Parameters:
    ///   - retainFrom: commits with a lower generation are retired (nil: none).
    ///   - retireAllBut: with a generation, every other commit is retired, damaged ones included (a rebuild).
    ///   - inUse: files the writer's current view uses (committed or not).
    ///   - busySegments: segments being written (flushes, merges): none of their files is touched.
    func deleteUnused(retainFrom: UInt64?, retireAllBut: UInt64? = nil, inUse: Set<String>,
                      busySegments: Set<String>) {
        guard let names = try? directory.list() else { return }
        var retired = false
        for name in names {
            guard IndexDirectory.isIndexFile(name), name.hasPrefix("manifest_") else { continue }
            if name.hasSuffix(".tmp") {
                // A manifest being written by a commit that failed or crashed (the writer holds the lock).
                try? directory.delete(name)
                continue
            }
            guard let g = Manifest.generation(ofFileName: name) else { continue }
            if let keep = retireAllBut {
                if g != keep {
                    try? directory.delete(name)
                    retired = true
                }
            } else if let from = retainFrom, g < from, (try? directory.readManifest(generation: g)) != nil {
                try? directory.delete(name)
                retired = true
            }
        }
        if retired { try? directory.sync() }

        // What the manifests still on disk name.
        var named = inUse
        guard let remaining = try? directory.manifestGenerations() else { return }
        for g in remaining {
            guard let m = try? directory.readManifest(generation: g) else {
                // A damaged or unreadable manifest may name any file: delete nothing (rule 2).
                return
            }
            named.formUnion(m.fileNames())
        }
        guard let current = try? directory.list() else { return }
        for name in current where IndexDirectory.isIndexFile(name) && !name.hasPrefix("manifest_") && !named.contains(name) {
            if let segment = IndexDirectory.segment(ofFile: name), busySegments.contains(segment) { continue }
            try? directory.delete(name)
        }
    }
}
