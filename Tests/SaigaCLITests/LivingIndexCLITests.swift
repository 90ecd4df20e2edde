import Foundation
import Saiga
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// One JSONL line.
private func jsonl(_ id: String, _ title: String, _ body: String) -> String {
    "{\"id\": \"\(id)\", \"title\": \"\(title)\", \"contents\": \"\(body)\"}\n"
}

/// id → body of every live document of the committed index, read with the library.
private func liveDocuments(_ index: URL) throws -> (generation: UInt64, docs: [String: String]) {
    let reader = try IndexReader(path: index.path)
    var docs: [String: String] = [:]
    try reader.forEachDocument { d in
        #expect(docs[d.id] == nil, "id \(d.id) is live twice")
        docs[d.id] = d.body
    }
    #expect(docs.count == reader.documentCount)
    return (reader.generation, docs)
}

/// What a spawned `saiga` wrote to its stderr file.
private func stderrText(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

/// Starts `saiga` with `arguments`, stdout to `stdout` and stderr to `stderr`, and returns its pid.
private func spawnSaiga(_ arguments: [String], stdout: String, stderr: String) throws -> pid_t {
    var fileActions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&fileActions)
    defer { posix_spawn_file_actions_destroy(&fileActions) }
    posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&fileActions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&fileActions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv: [UnsafeMutablePointer<CChar>?] = ([saigaBinary.path] + arguments).map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, saigaBinary.path, &fileActions, nil, argv, environ)
    guard rc == 0 else { throw SpawnError(description: "posix_spawn failed: \(rc)") }
    return pid
}

@Suite struct LivingIndexCLITests {
    /// The real `saiga` binary appends batches (new documents and updates of earlier ones), committing every few
    /// documents, and is killed with SIGKILL at random moments. After each kill the index opens, `saiga check`
    /// passes, and the documents are exactly those of the last commit that returned before the kill (the commit
    /// whose "committed" line was printed, or the next one if the kill fell between its return and the print).
    @Test func killedWritersNeverLoseOrHalfWriteACommit() async throws {
        try await withTempDir { dir in
            var rng = SeededRandom(seed: 20_261_122)
            let idx = dir.appendingPathComponent("idx")
            var committed: [String: String] = [:]
            var nextID = 0
            var kills = 0
            var iterations = 0
            let start = Date()
            while kills < 50 && iterations < 300 && Date().timeIntervalSince(start) < 240 {
                iterations += 1
                // A batch: mostly new documents, some updates of committed ones (each id once: an id twice in one
                // input is bad input).
                var batch: [(String, String)] = []
                var ids = committed.keys.sorted()
                for j in 0..<Int.random(in: 40...160, using: &rng) {
                    let id: String
                    if !ids.isEmpty && Int.random(in: 0..<5, using: &rng) == 0 {
                        id = ids.remove(at: Int.random(in: 0..<ids.count, using: &rng))
                    } else {
                        id = "k\(nextID)"
                        nextID += 1
                    }
                    batch.append((id, "steppe body of \(id) version \(iterations) \(j)"))
                }
                let input = dir.appendingPathComponent("batch.jsonl")
                try write(batch.map { jsonl($0.0, "t", $0.1) }.joined(), to: input)
                let every = Int.random(in: 5...40, using: &rng)
                let out = dir.appendingPathComponent("out.txt").path
                let err = dir.appendingPathComponent("err.txt").path
                let pid = try spawnSaiga(
                    [
                        "index", "--append", "--commit-every", "\(every)", "--segment-docs", "25",
                        "--index", idx.path, input.path,
                    ], stdout: out, stderr: err)
                try await Task.sleep(nanoseconds: UInt64.random(in: 2_000_000...150_000_000, using: &rng))
                var status: Int32 = 0
                var killed = false
                if waitpid(pid, &status, WNOHANG) == 0 {
                    kill(pid, SIGKILL)
                    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                    killed = (status & 0x7f) == SIGKILL
                } else {
                    #expect(
                        (status & 0x7f) == 0 && (status >> 8) & 0xff == 0,
                        "saiga index failed on its own (status \(status)): \(stderrText(err))")
                }
                if killed { kills += 1 }

                // The last commit it reported.
                let printed = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
                var reportedDocs = 0
                var reportedGeneration: UInt64?
                for line in printed.split(separator: "\n") where line.hasPrefix("committed generation ") {
                    let parts = line.dropFirst("committed generation ".count).split(separator: ":")
                    reportedGeneration = UInt64(parts[0])
                    reportedDocs = Int(parts[1].split(separator: " ")[0])!
                }
                func applied(_ n: Int) -> [String: String] {
                    var m = committed
                    for (id, body) in batch.prefix(n) { m[id] = body }
                    return m
                }
                guard
                    FileManager.default.fileExists(atPath: idx.appendingPathComponent("write.lock").path)
                        || reportedGeneration != nil || !committed.isEmpty
                else { continue }
                let (generation, docs): (UInt64, [String: String])
                do {
                    (generation, docs) = try liveDocuments(idx)
                } catch {
                    // Killed before the very first commit: there is no index yet, which is right.
                    #expect(committed.isEmpty && reportedGeneration == nil, "the index does not open: \(error)")
                    continue
                }
                let nextDocs = min(reportedDocs + every, batch.count)
                if docs == applied(reportedDocs) {
                    // Never an older commit. A newer one with the same documents is right: the commit that applied
                    // a finished background merge, or the final commit of a batch that ended on a commit-every
                    // boundary, landed between its return and the print.
                    if let reportedGeneration { #expect(generation >= reportedGeneration, "iteration \(iterations)") }
                } else {
                    #expect(
                        docs == applied(nextDocs),
                        "iteration \(iterations): after the kill the index holds \(docs.count) documents, not the \(applied(reportedDocs).count) of the last reported commit (\(reportedDocs) of the batch)"
                    )
                }
                committed = docs
                let check = try await saiga("check", "--index", idx.path)
                #expect(check.exited && check.status == 0, "saiga check after kill \(kills):\n\(check)")
            }
            #expect(kills >= 50, "only \(kills) kills in \(iterations) iterations")
            // The index is still a working index: append, search.
            let final = try await saiga("search", "--index", idx.path, "--json", "-k", "1", "steppe")
            #expect(final.exited && final.status == 0)
        }
    }

    /// A file-size limit (like a full disk) stops an append with a clear error; the previous commit stays intact
    /// and checkable, and the same append succeeds once the limit is gone.
    @Test func aFullDiskFailsCleanlyAndLosesNothing() async throws {
        try await withTempDir { dir in
            let idx = dir.appendingPathComponent("idx")
            let first = dir.appendingPathComponent("first.jsonl")
            try write((0..<50).map { jsonl("a\($0)", "first", "small document \($0) steppe") }.joined(), to: first)
            let r1 = try await saiga("index", "--index", idx.path, first.path)
            try #require(r1.status == 0, "\(r1)")
            // Enough text for files far beyond 64 KiB.
            let big = dir.appendingPathComponent("big.jsonl")
            var text = ""
            var rng = SeededRandom(seed: 3)
            for i in 0..<3000 {
                let words = (0..<60).map { _ in "w\(Int.random(in: 0..<50_000, using: &rng))" }.joined(separator: " ")
                text += jsonl("b\(i)", "big", words)
            }
            try write(text, to: big)
            // bash's ulimit -f counts KiB; saiga ignores SIGXFSZ, so writes fail with EFBIG.
            let limited = try await run(
                URL(fileURLWithPath: "/bin/bash"),
                [
                    "-c", "ulimit -f 64; exec \"$0\" index --append --index \"$1\" \"$2\"",
                    saigaBinary.path, idx.path, big.path,
                ])
            #expect(limited.exited && limited.status == 1, "\(limited)")
            #expect(limited.stderr.contains("disk full"), "\(limited.stderr)")
            let check = try await saiga("check", "--index", idx.path)
            #expect(check.status == 0, "\(check)")
            let stats = try parseJSONObject(try await saiga("stats", "--index", idx.path, "--json").stdout)
            #expect((stats["docs"] as? NSNumber)?.intValue == 50)
            // No leftovers: the failed append's files are gone once a writer has opened the index.
            let r2 = try await saiga("index", "--append", "--index", idx.path, big.path)
            #expect(r2.status == 0, "\(r2)")
            let after = try parseJSONObject(try await saiga("stats", "--index", idx.path, "--json").stdout)
            #expect((after["docs"] as? NSNumber)?.intValue == 3050)
            let check2 = try await saiga("check", "--index", idx.path, "--json")
            let report = try parseJSONObject(check2.stdout)
            #expect(report["ok"] as? Bool == true)
            #expect((report["unreferenced_files"] as? [Any])?.isEmpty == true, "\(check2.stdout)")
        }
    }

    @Test func appendUpdatesDeleteMergeAndStats() async throws {
        try await withTempDir { dir in
            let idx = dir.appendingPathComponent("idx")
            let a = dir.appendingPathComponent("a.jsonl")
            try write((0..<40).map { jsonl("d\($0)", "doc \($0)", "original text \($0) river") }.joined(), to: a)
            #expect(try await saiga("index", "--index", idx.path, "--segment-docs", "10", a.path).status == 0)
            let b = dir.appendingPathComponent("b.jsonl")
            try write((35..<45).map { jsonl("d\($0)", "doc \($0)", "replaced text \($0) lake") }.joined(), to: b)
            let appended = try await saiga("index", "--append", "--index", idx.path, b.path)
            #expect(appended.status == 0)
            #expect(appended.stdout.contains("the index holds 45"), "\(appended.stdout)")
            var stats = try parseJSONObject(try await saiga("stats", "--index", idx.path, "--json").stdout)
            #expect((stats["docs"] as? NSNumber)?.intValue == 45)
            #expect((stats["deleted"] as? NSNumber)?.intValue == 5)
            #expect((stats["generation"] as? NSNumber)?.intValue == 2)
            let lake = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "-k", "50", "lake"))
            #expect(lake.total == 10)
            let river = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "-k", "50", "river"))
            #expect(river.total == 35)

            let del = try await saiga("delete", "--index", idx.path, "d1", "d2", "missing")
            #expect(del.status == 0)
            #expect(del.stdout.contains("deleted 2 documents"), "\(del.stdout)")
            #expect(del.stderr.contains("missing"))
            let byQuery = try await saiga("delete", "--index", idx.path, "--query", "lake")
            #expect(byQuery.stdout.contains("deleted 10 documents"), "\(byQuery.stdout)")
            let none = try await saiga("delete", "--index", idx.path, "nothing-here")
            #expect(none.status == 1)
            stats = try parseJSONObject(try await saiga("stats", "--index", idx.path, "--json").stdout)
            #expect((stats["docs"] as? NSNumber)?.intValue == 33)

            let merged = try await saiga("merge", "--index", idx.path)
            #expect(merged.status == 0, "\(merged)")
            stats = try parseJSONObject(try await saiga("stats", "--index", idx.path, "--json").stdout)
            #expect((stats["segments"] as? NSNumber)?.intValue == 1)
            #expect((stats["deleted"] as? NSNumber)?.intValue == 0)
            #expect((stats["docs"] as? NSNumber)?.intValue == 33)
            let check = try await saiga("check", "--index", idx.path)
            #expect(check.status == 0 && check.stdout.hasPrefix("ok: "), "\(check)")
        }
    }

    @Test func checkFindsDamageAndRepairDropsOnlyWhatIsLost() async throws {
        try await withTempDir { dir in
            let idx = dir.appendingPathComponent("idx")
            let a = dir.appendingPathComponent("a.jsonl")
            try write((0..<60).map { jsonl("d\($0)", "doc \($0)", "text number \($0) steppe saiga") }.joined(), to: a)
            #expect(try await saiga("index", "--index", idx.path, "--segment-docs", "20", a.path).status == 0)
            // A deletion in the last segment, so that a deletions file is checked too.
            #expect(try await saiga("delete", "--index", idx.path, "d59").status == 0)
            let sound = try parseJSONObject(try await saiga("check", "--index", idx.path, "--json").stdout)
            #expect(sound["ok"] as? Bool == true)
            #expect((sound["docs"] as? NSNumber)?.intValue == 59)
            #expect((sound["deleted"] as? NSNumber)?.intValue == 1)

            // Flip bytes (sampled) in every file: check notices each one, names the file, never crashes.
            let files = try FileManager.default.contentsOfDirectory(atPath: idx.path).filter { $0 != "write.lock" }
                .sorted()
            #expect(files.contains { $0.hasSuffix(".del") })
            var rng = SeededRandom(seed: 11)
            for name in files {
                let url = idx.appendingPathComponent(name)
                let original = try Data(contentsOf: url)
                for offset in [
                    0, 13, original.count / 2, original.count - 1, Int.random(in: 0..<original.count, using: &rng),
                ] {
                    var damaged = original
                    damaged[offset] ^= 0x5A
                    try damaged.write(to: url)
                    let r = try await saiga("check", "--index", idx.path)
                    #expect(r.exited && r.status == 1, "\(name)@\(offset) not detected:\n\(r)")
                    #expect(r.stdout.contains(name) || name.hasPrefix("manifest_"), "\(name)@\(offset):\n\(r.stdout)")
                }
                // Truncated, then missing.
                try original.prefix(original.count - 3).write(to: url)
                #expect(try await saiga("check", "--index", idx.path).status == 1, "truncated \(name)")
                try FileManager.default.removeItem(at: url)
                if !name.hasPrefix("manifest_") {  // without its manifest a commit is simply not there
                    #expect(try await saiga("check", "--index", idx.path).status == 1, "missing \(name)")
                }
                try original.write(to: url)
            }
            #expect(try await saiga("check", "--index", idx.path).status == 0)

            // Damage one segment's postings; repair drops that segment only, and says what was lost.
            let post = try #require(files.first { $0.hasSuffix(".post") })
            let url = idx.appendingPathComponent(post)
            var damaged = try Data(contentsOf: url)
            damaged[damaged.count / 2] ^= 0xFF
            try damaged.write(to: url)
            let repaired = try await saiga("check", "--index", idx.path, "--repair", "--json")
            #expect(repaired.status == 0, "\(repaired)")
            let report = try parseJSONObject(repaired.stdout)
            let repair = try #require(report["repair"] as? [String: Any])
            #expect((repair["docs_lost"] as? NSNumber)?.intValue == 20)
            let stats = try parseJSONObject(try await saiga("stats", "--index", idx.path, "--json").stdout)
            #expect((stats["docs"] as? NSNumber)?.intValue == 39)
            #expect(try await saiga("check", "--index", idx.path).status == 0)
        }
    }
}
