// Writes over the protocol (WRITE, COMMIT): acknowledged only once committed and visible, group commits shared by
// concurrent writers, all or nothing per WRITE, refused when read-only or locked, and nothing acknowledged lost when
// the server is killed.

import Foundation
import Saiga
import SaigaClient
import SaigaWire
import Synchronization
import Testing

/// A document as a WRITE carries it.
private func doc(_ id: String, _ body: String, extra: String = "") -> String {
    "{\"id\":\"\(id)\",\"title\":\"t \(id)\",\"body\":\"\(body)\"\(extra)}"
}

/// The live ids of the newest commit at `index`, read with the library.
private func liveIDs(_ index: URL) throws -> Set<String> {
    let reader = try IndexReader(path: index.path)
    var ids = Set<String>()
    try reader.forEachDocument { ids.insert($0.id) }
    return ids
}

/// An index whose schema has an integer field `year` (inferred from the JSONL).
private func typedIndex(in dir: URL) async throws -> URL {
    let input = dir.appendingPathComponent("seed.jsonl")
    try (0..<20).map { doc("s\($0)", "steppe seed \($0)", extra: ",\"year\":\(2000 + $0)") + "\n" }.joined()
        .write(to: input, atomically: true, encoding: .utf8)
    let index = dir.appendingPathComponent("idx")
    try await buildIndex([input], at: index)
    return index
}

@Suite struct WriteTests {
    /// Eight connections write small batches at once; after each answer a search on another connection finds the
    /// batch (visible once acknowledged), commits are shared (fewer generations than writes), and afterwards the
    /// index holds exactly the written documents and checks sound.
    @Test func acknowledgedWritesAreVisibleAndShareCommits() async throws {
        try await withTempDir { dir in
            let index = try await typedIndex(in: dir)
            try await withServer(index: index, ["--quiet"]) { server in
                let port = server.port
                let start = try await server.client().commit().generation
                let results = await onThreads(8) { t -> [String] in
                    var failures: [String] = []
                    let writer = SaigaClient(host: "127.0.0.1", port: port)
                    let reader = SaigaClient(host: "127.0.0.1", port: port)
                    for w in 0..<25 {
                        let ids = (0..<4).map { "t\(t)-w\(w)-\($0)" }
                        do {
                            let r = try writer.write(documents: ids.map { doc($0, "written by thread \(t)") })
                            if r.added != 4 { failures.append("write \(t)/\(w): added \(r.added)") }
                            for id in ids where try reader.document(id: id) == nil {
                                failures.append(
                                    "\(id) not visible after its acknowledgment (generation \(r.generation))")
                            }
                        } catch {
                            failures.append("write \(t)/\(w): \(error)")
                        }
                    }
                    return failures
                }
                let failures = results.flatMap { $0 }
                #expect(failures.isEmpty, "\(failures.prefix(10))")
                let end = try await server.client().commit()
                let writes = 8 * 25
                #expect(
                    end.generation - start < UInt64(writes), "\(end.generation - start) commits for \(writes) writes")
                #expect(end.documents == UInt64(20 + writes * 4))
            }
            let ids = try liveIDs(index)
            #expect(ids.count == 20 + 8 * 25 * 4)
            #expect(ids.contains("t7-w24-3") && ids.contains("s0"))
            let check = try await saiga(["check", "--index", index.path])
            #expect(check.succeeded, "\(check)")
        }
    }

    /// Updates replace, deletes by id and by query remove, and the counts say so; COMMIT answers the generation;
    /// `/metrics` counts the writes and their commits.
    @Test func updatesAndDeletes() async throws {
        try await withTempDir { dir in
            let index = try await typedIndex(in: dir)
            try await withServer(index: index, ["--quiet", "--http", "127.0.0.1:0"]) { server in
                let c = try server.client()
                let added = try await c.write(documents: [doc("n1", "fresh antelope"), doc("s1", "replaced steppe")])
                #expect(added.added == 1 && added.replaced == 1 && added.documents == 21)
                #expect(try await c.document(id: "s1")?.body == "replaced steppe")
                let deleted = try await c.write(
                    documents: [], deleteIDs: ["s2", "nosuch"], deleteQueries: ["year:[2010 TO 2014]"])
                #expect(deleted.deleted == 6 && deleted.documents == 15)
                #expect(deleted.generation == added.generation + 1)
                #expect(try await c.search("antelope").total == 1)
                #expect(try await c.search(SearchRequest(query: "*:*", filters: ["year:[2010 TO 2014]"])).total == 0)
                let commit = try await c.commit()
                #expect(commit.generation == deleted.generation && commit.added == 0)
                let metrics = try await run("/usr/bin/curl", ["-s", "http://127.0.0.1:\(server.httpPort)/metrics"])
                    .stdout
                var values: [String: Double] = [:]
                for line in metrics.split(separator: "\n") where !line.hasPrefix("#") {
                    let parts = line.split(separator: " ")
                    if parts.count == 2 { values[String(parts[0])] = Double(parts[1]) }
                }
                #expect(values["saiga_requests_total{kind=\"write\"}"] == 3, "\(metrics)")
                #expect(values["saiga_request_duration_seconds_count{kind=\"write\"}"] == 3)
                #expect(values["saiga_commit_duration_seconds_count"] == 2)
                #expect(values["saiga_writes_committed_total"] == 3)
                #expect(values["saiga_documents_written_total"] == 8)
                #expect(values["saiga_requests_in_flight"] == 0)
                #expect(values["saiga_merges_pending{index=\"idx\"}"] != nil)
                #expect(values["saiga_documents{index=\"idx\"}"] == 15)
            }
        }
    }

    /// A WRITE with bad documents is refused whole, listing each bad one; a bad delete query too; nothing of either
    /// is applied, and a good write after them goes through.
    @Test func aBadDocumentRefusesItsWholeWrite() async throws {
        try await withTempDir { dir in
            let index = try await typedIndex(in: dir)
            try await withServer(index: index, ["--quiet"]) { server in
                let c = try server.client()
                let before = try await c.commit()
                do throws(ClientError) {
                    _ = try await c.write(documents: [
                        doc("g1", "good"), "{\"id\": \"broken\"", doc("g2", "wrong type", extra: ",\"year\":\"soon\""),
                        doc("g1", "twice"), doc("g3", "unknown field", extra: ",\"colour\":\"red\""),
                    ])
                    Issue.record("a write with bad documents was accepted")
                } catch {
                    #expect(error.kind == .server(.invalidDocument), "\(error)")
                    #expect(error.rejected.map(\.position) == [1, 2, 3, 4], "\(error.rejected)")
                    #expect(error.rejected[1].id == "g2" && error.rejected[1].message.contains("year"))
                    #expect(error.rejected[2].message.contains("also document 0"))
                    #expect(error.rejected[3].message.contains("colour"))
                }
                do throws(ClientError) {
                    _ = try await c.write(documents: [doc("g4", "good")], deleteQueries: ["(unclosed"])
                    Issue.record("a bad delete query was accepted")
                } catch {
                    #expect(error.kind == .server(.invalidQuery), "\(error)")
                }
                do throws(ClientError) {
                    let queries = (0...1024).map { "year:\($0)" }
                    _ = try await c.write(documents: [doc("g6", "good")], deleteQueries: queries)
                    Issue.record("1,025 delete queries in one write were accepted")
                } catch {
                    #expect(error.kind == .server(.limitExceeded), "\(error)")
                }
                let after = try await c.commit()
                #expect(after.generation == before.generation && after.documents == before.documents)
                #expect(try await c.document(id: "g1") == nil)
                #expect(try await c.document(id: "g4") == nil)
                let ok = try await c.write(documents: [doc("g5", "fine")])
                #expect(ok.added == 1 && ok.generation == before.generation + 1)
            }
        }
    }

    /// Backpressure: writes queued past `--max-queued-write-bytes` are told to retry later, with nothing of them
    /// applied; the ones queued are committed; sent again, a refused write goes through.
    @Test func writesPastTheQueueBudgetAreToldToRetry() async throws {
        try await withTempDir { dir in
            let index = try await typedIndex(in: dir)
            // A long commit window holds the first writes in the queue while the others arrive.
            let options = ["--quiet", "--max-queued-write-bytes", "1048576", "--commit-window", "1500"]
            try await withServer(index: index, options) { server in
                let port = server.port
                let filler = String(repeating: "steppe grass ", count: 2400)  // ~31 KB a document
                let outcomes = await onThreads(6) { t -> (Int, ErrorCode?) in
                    let c = SaigaClient(host: "127.0.0.1", port: port)
                    let docs = (0..<10).map { doc("q\(t)-\($0)", filler) }  // ~310 KB a write
                    do throws(ClientError) {
                        return (t, try c.write(documents: docs).added == 10 ? nil : .internalError)
                    } catch {
                        if case .server(let code) = error.kind { return (t, code) }
                        return (t, .internalError)
                    }
                }
                let refused = outcomes.filter { $0.1 == .retryLater }.map(\.0)
                let accepted = outcomes.filter { $0.1 == nil }.map(\.0)
                #expect(refused.count + accepted.count == 6, "\(outcomes)")
                #expect(!refused.isEmpty && accepted.count >= 3, "refused \(refused), accepted \(accepted)")
                let c = try server.client()
                for t in refused { #expect(try await c.document(id: "q\(t)-0") == nil, "a refused write was applied") }
                for t in accepted { #expect(try await c.document(id: "q\(t)-9") != nil) }
                // Sent again once the queue drained, they go through.
                for t in refused {
                    let docs = (0..<10).map { doc("q\(t)-\($0)", filler) }
                    #expect(try await c.write(documents: docs).added == 10)
                }
                #expect(try await c.commit().documents == 20 + 60)
            }
        }
    }

    /// `--read-only` refuses writes; a server whose index another writer holds refuses them naming the holder, and
    /// writes once that writer is gone.
    @Test func writesAreRefusedWhenReadOnlyOrLocked() async throws {
        try await withTempDir { dir in
            let index = try await typedIndex(in: dir)
            try await withServer(index: index, ["--quiet", "--read-only"]) { server in
                let c = try server.client()
                do throws(ClientError) {
                    _ = try await c.write(documents: [doc("x", "y")])
                    Issue.record("a read-only server took a write")
                } catch { #expect(error.kind == .server(.writesRefused)) }
                #expect(try await c.search("steppe").total == 20)
            }
            try await withServer(index: index, ["--quiet"]) { server in
                let holder = try IndexWriter(path: index.path, options: IndexWriterOptions(openMode: .append))
                let c = try server.client()
                do throws(ClientError) {
                    _ = try await c.write(documents: [doc("x", "y")])
                    Issue.record("a write went through while another writer held the lock")
                } catch {
                    #expect(error.kind == .server(.writesRefused), "\(error)")
                    #expect(error.message.contains("\(getpid())"), "\(error.message)")
                }
                holder.close()
                #expect(try await c.write(documents: [doc("x", "y")]).added == 1)
            }
        }
    }

    /// An idle writer is closed and its lock released (`--writer-idle`): another process then writes the index, and
    /// the server's next write opens the writer again on that process's commit.
    @Test func anIdleWriterReleasesTheIndex() async throws {
        try await withTempDir { dir in
            let index = try await typedIndex(in: dir)
            let input = dir.appendingPathComponent("outside.jsonl")
            try (doc("outside", "written by another process") + "\n").write(
                to: input, atomically: true, encoding: .utf8)
            try await withServer(index: index, ["--writer-idle", "0.3"]) { server in
                let c = try server.client()
                #expect(try await c.write(documents: [doc("inside", "written through the server")]).added == 1)
                #expect(
                    await server.waitForLog(timeout: 60) { $0.contains("closed the idle writer") }, "\(server.stderr)")
                let outside = try await saiga(["index", "--append", "--index", index.path, "--quiet", input.path])
                #expect(outside.succeeded, "\(outside)")
                let again = try await c.write(documents: [doc("inside-2", "after the other process")])
                #expect(again.added == 1 && again.documents == 23, "\(again)")
                #expect(try await c.document(id: "outside") != nil)
            }
        }
    }

    /// A directory restored from a backup (a lower generation than served) while the writer was closed: the next
    /// write is committed on the restored commit, and what it answers is what searches see at once.
    @Test func aWriteAfterARestoreIsServed() async throws {
        try await withTempDir { dir in
            let index = try await typedIndex(in: dir)
            let backup = dir.appendingPathComponent("backup")
            try await withServer(index: index, ["--writer-idle", "0.2", "--reload-interval", "0"]) { server in
                let c = try server.client()
                _ = try await c.write(documents: [doc("before", "in the backup")])
                _ = try IndexBackup.backup(index: index.path, to: backup.path, hardLinks: false)
                for i in 0..<3 { _ = try await c.write(documents: [doc("lost\(i)", "not in the backup")]) }
                // The writer closes when idle; then the operator puts the backup in place.
                #expect(
                    await server.waitForLog(timeout: 60) { $0.contains("closed the idle writer") }, "\(server.stderr)")
                let aside = dir.appendingPathComponent("aside")
                try FileManager.default.moveItem(at: index, to: aside)
                try FileManager.default.moveItem(at: backup, to: index)
                let w = try await c.write(documents: [doc("after", "written on the restored commit")])
                #expect(try await c.document(id: "after") != nil, "acknowledged as \(w.generation) but not served")
                #expect(try await c.document(id: "before") != nil)
                #expect(try await c.document(id: "lost0") == nil)
                #expect(w.documents == 22)
            }
        }
    }

    /// Another index moved in at the served path, even of the same generation, is picked up by the reload.
    @Test func aDirectoryReplacedAtThePathIsServed() async throws {
        try await withTempDir { dir in
            let index = try await typedIndex(in: dir)
            let other = dir.appendingPathComponent("other")
            let input = dir.appendingPathComponent("other.jsonl")
            try (doc("o1", "another index moved in") + "\n").write(to: input, atomically: true, encoding: .utf8)
            try await buildIndex([input], at: other)
            try await withServer(index: index, ["--read-only", "--reload-interval", "0.1"]) { server in
                let c = try server.client()
                #expect(try await c.search("steppe").total == 20)
                try FileManager.default.moveItem(at: index, to: dir.appendingPathComponent("aside"))
                try FileManager.default.moveItem(at: other, to: index)
                // Generous: under the whole suite's load on two cores, threads wait for seconds.
                let deadline = Date().addingTimeInterval(60)
                var found = false
                while !found && Date() < deadline {
                    found = (try? await c.document(id: "o1")) != nil
                    if !found { try await Task.sleep(nanoseconds: 50_000_000) }
                }
                #expect(found, "the new directory was not picked up:\n\(server.stderr)")
                #expect(try await c.search("steppe").total == 0)
            }
        }
    }

    /// `saiga index --server` and `saiga delete --server` write through a server; options that only a local build
    /// uses are refused.
    @Test func theToolWritesThroughAServer() async throws {
        try await withTempDir { dir in
            let index = try await typedIndex(in: dir)
            let input = dir.appendingPathComponent("more.jsonl")
            try (0..<250).map { doc("m\($0)", "remote \($0)", extra: ",\"year\":\(1900 + $0)") + "\n" }.joined()
                .write(to: input, atomically: true, encoding: .utf8)
            try await withServer(index: index, ["--quiet"]) { server in
                let address = "127.0.0.1:\(server.port)"
                let sent = try await saiga(["index", "--server", address, "--batch", "100", input.path])
                #expect(sent.succeeded, "\(sent)")
                #expect(sent.stdout.contains("sent 250 documents in 3 writes: 250 added"), "\(sent.stdout)")
                #expect(try await server.client().search("remote").total == 250)
                let del = try await saiga(["delete", "--server", address, "m100", "--query", "year:[1900 TO 1909]"])
                #expect(del.succeeded && del.stdout.contains("deleted 11 documents"), "\(del)")
                let none = try await saiga(["delete", "--server", address, "nosuch"])
                #expect(none.status == 1 && none.stderr.contains("nothing deleted"), "\(none)")
                let refused = try await saiga(["index", "--server", address, "--threads", "2", input.path])
                #expect(refused.status == 64 && refused.stderr.contains("--threads does not go with --server"))
            }
            #expect(try liveIDs(index).count == 20 + 250 - 11)
        }
    }

    /// The Python client writes, commits and reads the refused documents of a bad WRITE.
    @Test func thePythonClientWrites() async throws {
        try await withTempDir { dir in
            let index = try await typedIndex(in: dir)
            try await withServer(index: index, ["--quiet"]) { server in
                let w = try await python([
                    server.address, "write", doc("py1", "from python", extra: ",\"year\":1999"), "--delete", "s3",
                ])
                #expect(w.succeeded, "\(w)")
                let written = try parseJSONObject(w.stdout)
                #expect(
                    written["added"] as? Int == 1 && written["deleted"] as? Int == 1
                        && written["documents"] as? Int == 20)
                let bad = try await python([
                    server.address, "write", doc("py2", "ok"), doc("py3", "bad", extra: ",\"year\":true"),
                ])
                #expect(bad.status == 1, "\(bad)")
                let refused = try parseJSONObject(bad.stdout)
                #expect(refused["error"] as? Int == 18)
                let rejected = refused["rejected"] as? [[String: Any]] ?? []
                #expect(
                    rejected.count == 1 && rejected.first?["position"] as? Int == 1
                        && rejected.first?["id"] as? String == "py3")
                let commit = try await python([server.address, "commit"])
                #expect(try parseJSONObject(commit.stdout)["generation"] as? Int == written["generation"] as? Int)
                #expect(try await server.client().document(id: "py1")?.body == "from python")
            }
        }
    }

    /// A full disk during writes: a write that does not fit fails with `writeFailed` naming the cause, the
    /// previous commit and every acknowledged document stay, searches go on, and once space returns the same write
    /// is acknowledged.
    ///
    /// The disk is a real one: a 1 MiB tmpfs mounted for the test, grown to 64 MiB (`mount -o remount`) for the
    /// space to return. Where mounting is not permitted (no CAP_SYS_ADMIN), the kernel's file-size limit stands in
    /// (`ulimit -S -f`, EFBIG, raised again with `prlimit`); the test says which it used.
    @Test func aFullDiskFailsTheWriteAndKeepsServing() async throws {
        try await withTempDir { dir in
            let disk = dir.appendingPathComponent("disk")
            try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
            // SAIGA_TEST_NO_MOUNT=1 tries the stand-in where mounting would work.
            let mayMount = ProcessInfo.processInfo.environment["SAIGA_TEST_NO_MOUNT"] == nil
            var mounted = false
            if mayMount {
                mounted = try await run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", disk.path]).succeeded
            }
            let unmount = mounted
            defer {
                if unmount {
                    let p = try? Process.run(URL(fileURLWithPath: "/bin/umount"), arguments: ["-l", disk.path])
                    p?.waitUntilExit()
                }
            }
            let index = try await typedIndex(in: disk)
            let stderrPath = dir.appendingPathComponent("serve.err").path
            let server: ServerProcess
            if mounted {
                let argv = ["serve", "--quiet", "--index", index.path, "--listen", "127.0.0.1:0"]
                server = try await onThread { () -> Result<ServerProcess, any Error> in
                    Result { try ServerProcess(argv, stderrPath: stderrPath) }
                }.get()
            } else {
                print(
                    "WriteTests: mounting a tmpfs is not permitted here; a file-size limit stands in for the full disk")
                // bash's ulimit counts KiB; -S sets only the soft limit, which prlimit raises again. saiga ignores
                // SIGXFSZ, so writes past it fail with EFBIG.
                let argv = [
                    "-c", "ulimit -S -f 256; exec \"$0\" serve --quiet --index \"$1\" --listen 127.0.0.1:0",
                    saigaBinary.path, index.path,
                ]
                server = try await onThread { () -> Result<ServerProcess, any Error> in
                    Result { try ServerProcess(argv, stderrPath: stderrPath, executable: "/bin/bash") }
                }.get()
            }
            defer { server.kill() }
            let c = try server.client()
            #expect(try await c.write(documents: [doc("acked", "acknowledged before the disk filled")]).added == 1)
            let before = try await c.commit()
            var rng = SeededRandom(seed: 11)
            let big = (0..<5000).map { i in
                doc(
                    "big\(i)",
                    (0..<60).map { _ in "w\(Int.random(in: 0..<50_000, using: &rng))" }.joined(separator: " "))
            }
            do throws(ClientError) {
                _ = try await c.write(documents: big)
                Issue.record("a write that does not fit was acknowledged")
            } catch {
                #expect(error.kind == .server(.writeFailed), "\(error)")
                #expect(error.message.contains("previous commit"), "\(error.message)")
                if mounted { #expect(error.message.contains("disk full"), "\(error.message)") }
            }
            #expect(try await c.search("steppe").total == 20)
            #expect(try await c.document(id: "acked") != nil)
            let after = try await c.commit()
            #expect(after.generation == before.generation && after.documents == 21)
            // Space returns.
            if mounted {
                let grown = try await run("/bin/mount", ["-o", "remount,size=64m", disk.path])
                #expect(grown.succeeded, "\(grown)")
            } else {
                let raised = try await run("/usr/bin/prlimit", ["--pid", "\(server.pid)", "--fsize=unlimited"])
                #expect(raised.succeeded, "\(raised)")
            }
            let retried = try await c.write(documents: big)
            #expect(retried.added == 5000 && retried.documents == 5021)
            #expect(try await c.document(id: "big0") != nil)
            server.kill()
            let check = try await saiga(["check", "--index", index.path])
            #expect(check.succeeded, "\(check)")
        }
    }

    /// `kill -9` of the server at random moments while four connections write (batches of 50 new documents, every
    /// fifth one replacing documents of earlier rounds) and four search, 30 times: after each kill every acknowledged
    /// write is in the index, every write is there whole or not at all, no id is live twice, and `saiga check`
    /// passes.
    @Test func aKilledServerKeepsEveryAcknowledgedWrite() async throws {
        try await withTempDir { dir in
            let index = try await typedIndex(in: dir)
            var rng = SeededRandom(seed: 2_026_120_5)
            var acknowledged = Set<String>()
            for round in 0..<30 {
                let stderrPath = dir.appendingPathComponent("serve-\(round).err").path
                let argv = ["serve", "--quiet", "--index", index.path, "--listen", "127.0.0.1:0"]
                let started = await onThread { () -> Result<ServerProcess, any Error> in
                    Result { try ServerProcess(argv, stderrPath: stderrPath) }
                }
                let server = try started.get()
                let port = server.port
                let earlier = Array(acknowledged.sorted().prefix(2000))
                // Each writer: the batches it sent, and whether each was acknowledged. Searchers add load.
                async let sent = onThreads(8) { t -> [(ids: [String], acknowledged: Bool)] in
                    let client = SaigaClient(host: "127.0.0.1", port: port)
                    var log: [(ids: [String], acknowledged: Bool)] = []
                    if t >= 4 {
                        while (try? client.search("round")) != nil {}
                        return log
                    }
                    for n in 0..<1000 {
                        var ids = (0..<50).map { "r\(round)-t\(t)-b\(n)-\($0)" }
                        if n % 5 == 4 && earlier.count >= 40 {
                            ids = (0..<10).map { earlier[(t * 10 + n * 3 + $0 * 4) % earlier.count] }
                            ids = Array(Set(ids))
                        }
                        do {
                            _ = try client.write(documents: ids.map { doc($0, "round \(round) thread \(t)") })
                            log.append((ids, true))
                        } catch {
                            log.append((ids, false))  // maybe committed, maybe not: never half
                            break
                        }
                    }
                    return log
                }
                try await Task.sleep(nanoseconds: UInt64.random(in: 20_000_000...250_000_000, using: &rng))
                server.kill()
                let batches = await sent.flatMap { $0 }
                let live = try liveIDs(index)
                #expect(
                    try IndexReader(path: index.path).documentCount == live.count, "round \(round): an id live twice")
                for b in batches {
                    let present = b.ids.filter(live.contains).count
                    if b.acknowledged {
                        #expect(present == b.ids.count, "round \(round): acknowledged \(b.ids[0]) lost")
                        acknowledged.formUnion(b.ids)
                    } else if b.ids[0].hasPrefix("r\(round)-") {
                        #expect(present == 0 || present == b.ids.count, "round \(round): \(b.ids[0]) half there")
                    } else {
                        // Replacements of earlier documents: each is there, old or new (never neither).
                        #expect(present == b.ids.count, "round \(round): a replaced document is gone")
                    }
                }
                #expect(acknowledged.isSubset(of: live), "round \(round): an earlier acknowledged write is gone")
                let check = try await saiga(["check", "--index", index.path])
                #expect(check.succeeded, "round \(round): \(check)")
            }
            #expect(acknowledged.count > 300, "only \(acknowledged.count) documents acknowledged in 30 rounds")
        }
    }
}
