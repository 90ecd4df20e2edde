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
///
/// It also owns which commits are live: the writer tells it each commit it makes (`recordCommit`), and it keeps the
/// last two, the newest and its fallback.
struct FileDeleter {
    let directory: IndexDirectory
    /// The last two commits (oldest first): their files are kept.
    private(set) var keptCommits: [Manifest]
    /// Commits that just left `keptCommits`, decoded already: the next sweep retires them without reading them.
    private var retiredCommits: [Manifest] = []
    /// A rebuild whose first commit has not happened yet: that commit retires every other commit. Until then the
    /// previous commits stay (a failed rebuild leaves the index as it was).
    private var replacesPreviousCommits: Bool
    /// Set by a rebuild's commit for the sweep that follows it: every other commit goes.
    private var retireAllBut: UInt64?

    /// - Parameters:
    ///   - keptCommits: the commits the writer opened with that stay (the newest and, if it decodes, the one
    ///     before).
    ///   - replacesPreviousCommits: the writer rebuilds the index: its first commit retires every other one.
    init(directory: IndexDirectory, keptCommits: [Manifest], replacesPreviousCommits: Bool) {
        self.directory = directory
        self.keptCommits = keptCommits
        self.replacesPreviousCommits = replacesPreviousCommits
    }

    /// The newest commit (nil before the first).
    var lastCommit: Manifest? { keptCommits.last }

    /// A commit was written: it joins the two kept commits (the oldest is retired at the next sweep).
    mutating func recordCommit(_ manifest: Manifest) {
        if replacesPreviousCommits {
            keptCommits = []
            replacesPreviousCommits = false
            retireAllBut = manifest.generation
        }
        keptCommits.append(manifest)
        if keptCommits.count > 2 {
            retiredCommits += keptCommits.prefix(keptCommits.count - 2)
            keptCommits.removeFirst(keptCommits.count - 2)
        }
    }

    /// Deletes what nothing needs any more (the rules above).
    ///
    /// - Parameters:
    ///   - inUse: files the writer's current view uses (committed or not).
    ///   - busySegments: segments being written (flushes, merges): none of their files is touched.
    mutating func deleteUnused(inUse: Set<String>, busySegments: Set<String>) {
        var known: [UInt64: Manifest] = [:]
        for m in keptCommits + retiredCommits { known[m.generation] = m }
        FileDeleter.sweep(
            directory, retainFrom: keptCommits.first?.generation, retireAllBut: retireAllBut,
            known: known, inUse: inUse, busySegments: busySegments)
        retiredCommits = []
        retireAllBut = nil
    }

    /// - Parameters:
    ///   - retainFrom: commits with a lower generation are retired (nil: none).
    ///   - retireAllBut: with a generation, every other commit is retired, damaged ones included (a rebuild).
    ///   - known: manifests the caller has decoded already (its recent commits): not read again.
    private static func sweep(
        _ directory: IndexDirectory, retainFrom: UInt64?, retireAllBut: UInt64?,
        known: [UInt64: Manifest], inUse: Set<String>, busySegments: Set<String>
    ) {
        guard let names = try? directory.list() else { return }
        var present = Set(names)
        var manifests: [UInt64] = []
        for name in names where IndexDirectory.isIndexFile(name) && name.hasPrefix("manifest_") {
            if name.hasSuffix(".tmp") {
                // A manifest being written by a commit that failed or crashed (the writer holds the lock).
                try? directory.delete(name)
                present.remove(name)
            } else if let g = Manifest.generation(ofFileName: name) {
                manifests.append(g)
            }
        }
        func decoded(_ g: UInt64) -> Manifest? { known[g] ?? (try? directory.readManifest(generation: g)) }
        var retired = false
        var remaining: [UInt64] = []
        for g in manifests {
            let retire: Bool
            if let keep = retireAllBut {
                retire = g != keep
            } else if let from = retainFrom, g < from {
                retire = decoded(g) != nil  // a manifest that cannot be decoded is kept (rule 2)
            } else {
                retire = false
            }
            if retire {
                try? directory.delete(Manifest.fileName(generation: g))
                present.remove(Manifest.fileName(generation: g))
                retired = true
            } else {
                remaining.append(g)
            }
        }
        if retired { try? directory.sync() }

        // What the manifests still on disk name.
        var named = inUse
        for g in remaining {
            // A damaged or unreadable manifest may name any file: delete nothing (rule 2).
            guard let m = decoded(g) else { return }
            named.formUnion(m.fileNames())
        }
        for name in present
        where IndexDirectory.isIndexFile(name) && !name.hasPrefix("manifest_") && !named.contains(name) {
            if let segment = IndexDirectory.segment(ofFile: name), busySegments.contains(segment) { continue }
            try? directory.delete(name)
        }
    }
}
