// Backups (issue 15's first step), through the public API: a consistent copy of a commit taken while a writer adds,
// deletes, merges and commits without pause; each backup opens, checks sound, and holds exactly its commit.
import Foundation
import Saiga
import Synchronization
import Testing

@Suite struct BackupTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("saiga-backup-\(UUID().uuidString)").path
    }

    /// The writer records, for each commit, the ids it holds; every backup must hold exactly its commit's.
    @Test(arguments: [true, false])
    func backupsDuringContinuousWritesHoldTheirCommit(hardLinks: Bool) throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try IndexWriter(path: path)
        try writer.add(Document(id: "seed", title: "", body: "steppe"))
        let first = try writer.commit()
        let committed = Mutex<[UInt64: Set<String>]>([first: ["seed"]])
        // Only the thread uses the writer until it has finished; then this test closes it.
        nonisolated(unsafe) let threadWriter = writer
        let stop = Atomic<Bool>(false)
        let failure = Mutex<String?>(nil)
        let thread = Thread {
            var live: Set<String> = ["seed"]
            var n = 0
            while !stop.load(ordering: .relaxed) {
                do {
                    for _ in 0..<20 {
                        n += 1
                        let id = "d\(n)"
                        try threadWriter.add(
                            Document(id: id, title: "doc \(n)", body: "saiga steppe antelope \(n % 17)"))
                        live.insert(id)
                    }
                    if n % 60 == 0, let victim = live.filter({ $0 != "seed" }).min() {
                        try threadWriter.delete(id: victim)
                        live.remove(victim)
                    }
                    let generation = try threadWriter.commit()
                    committed.withLock { $0[generation] = live }
                } catch {
                    failure.withLock { $0 = "\(error)" }
                    return
                }
            }
        }
        thread.start()
        defer {
            stop.store(true, ordering: .relaxed)
            while !thread.isFinished { usleep(1000) }
            writer.close()
        }
        var generations: Set<UInt64> = []
        for _ in 0..<12 {
            let destination = temporaryPath()
            defer { try? FileManager.default.removeItem(atPath: destination) }
            let summary = try IndexBackup.backup(index: path, to: destination, hardLinks: hardLinks)
            #expect(hardLinks ? summary.linked == summary.files : summary.copied == summary.files)
            let report = try IndexChecker.check(path: destination)
            #expect(report.problems.isEmpty, "\(report.problems)")
            #expect(report.generation == summary.generation)
            let reader = try IndexReader(path: destination)
            var ids: Set<String> = []
            try reader.forEachDocument { ids.insert($0.id) }
            // The writer records a commit's ids once `commit()` returns, which may be just after the backup saw it.
            var expected = committed.withLock { $0[summary.generation] }
            for _ in 0..<500 where expected == nil {
                usleep(10_000)
                expected = committed.withLock { $0[summary.generation] }
            }
            #expect(ids == expected, "generation \(summary.generation)")
            #expect(reader.documentCount == summary.documents)
            generations.insert(summary.generation)
            usleep(20_000)
        }
        stop.store(true, ordering: .relaxed)
        #expect(failure.withLock { $0 } == nil)
        #expect(generations.count >= 3, "\(generations)")  // the writer kept committing between backups
    }

    @Test func theDestinationMustBeAnEmptyDirectory() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try IndexWriter(path: path)
        try writer.add(Document(id: "1", title: "", body: "steppe"))
        try writer.commit()
        writer.close()
        let base = temporaryPath()
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        // A non-empty directory, a regular file, a FIFO: refused, left as they were.
        let full = base + "/full"
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        try Data("decoy".utf8).write(to: URL(fileURLWithPath: full + "/decoy.txt"))
        let file = base + "/file"
        try Data("decoy".utf8).write(to: URL(fileURLWithPath: file))
        let fifo = base + "/fifo"
        #expect(mkfifo(fifo, 0o644) == 0)
        for bad in [full, file, fifo, path] {
            let error = #expect(throws: SaigaError.self) { _ = try IndexBackup.backup(index: path, to: bad) }
            #expect(error?.code == .invalidArgument, "\(bad): \(String(describing: error))")
        }
        #expect(try String(contentsOfFile: full + "/decoy.txt", encoding: .utf8) == "decoy")
        #expect(try FileManager.default.contentsOfDirectory(atPath: full) == ["decoy.txt"])
        // No index: indexNotFound. A new nested directory is created.
        let missing = #expect(throws: SaigaError.self) {
            _ = try IndexBackup.backup(index: base + "/nothing", to: base + "/out")
        }
        #expect(missing?.code == .indexNotFound)
        let nested = base + "/a/b/c"
        let summary = try IndexBackup.backup(index: path, to: nested)
        #expect(summary.documents == 1)
        #expect(try IndexReader(path: nested).search("steppe").hits.map(\.id) == ["1"])
    }
}
