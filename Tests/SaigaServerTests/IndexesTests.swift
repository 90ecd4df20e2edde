// Many indexes (`saiga serve --data DIR`): requests name their index, admin tokens create, drop and back up indexes,
// and tokens carry rights per index.

import Foundation
import Saiga
import SaigaClient
import SaigaWire
import Synchronization
import Testing

/// A document as a WRITE carries it.
private func doc(_ id: String, _ body: String) -> String {
    "{\"id\":\"\(id)\",\"title\":\"t \(id)\",\"body\":\"\(body)\"}"
}

/// A data directory with indexes `a` (documents about steppes) and `b` (about rivers).
private func dataDirectory(in dir: URL) async throws -> URL {
    let data = dir.appendingPathComponent("data")
    for (name, word) in [("a", "steppe"), ("b", "river")] {
        let input = dir.appendingPathComponent("\(name).jsonl")
        try (0..<5).map { doc("\(name)\($0)", "\(word) number \($0)") + "\n" }.joined()
            .write(to: input, atomically: true, encoding: .utf8)
        try await buildIndex([input], at: data.appendingPathComponent(name))
    }
    return data
}

/// The client error `body` throws (nil if it throws none, or another error).
private func serverError(_ body: () throws -> Void) -> ClientError? {
    do {
        try body()
        return nil
    } catch { return error as? ClientError }
}

@Suite struct IndexesTests {
    /// Requests name their index; with two and no default a request naming none is refused; CREATE_INDEX makes an
    /// index that takes writes and survives a restart; DROP_INDEX removes it; bad names are refused.
    @Test func indexesByName() async throws {
        try await withTempDir { dir in
            let data = try await dataDirectory(in: dir)
            try await withServer(index: data, ["--quiet", "--data", data.path]) { server in
                try await onThread { () -> Result<Void, any Error> in
                    Result { () throws in
                        let c = try server.client()
                        #expect(try c.listIndexes().map(\.name) == ["a", "b"])
                        var search = SearchRequest(query: "number", k: 10)
                        search.index = "a"
                        #expect(try c.search(search).hits.allSatisfy { $0.id.hasPrefix("a") })
                        search.index = "b"
                        #expect(try c.search(search).total == 5)
                        #expect(try c.suggest("riv", index: "b").completions.first?.word == "river")
                        #expect(try c.suggest("riv", index: "a").completions.isEmpty)
                        #expect(serverError { _ = try c.search("number") }?.kind == .server(.indexNotFound))
                        search.index = "nosuch"
                        #expect(serverError { _ = try c.search(search) }?.kind == .server(.indexNotFound))

                        let schema = #"{"fields": [{"name": "year", "type": "integer"}]}"#
                        let created = try c.createIndex("c-1", schema: schema)
                        #expect(created.name == "c-1" && created.documents == 0)
                        let w = try c.write(
                            WriteRequest(documents: [#"{"id": "c1", "body": "lake", "year": 2001}"#], index: "c-1"))
                        #expect(w.added == 1)
                        let typo = serverError {
                            _ = try c.write(
                                WriteRequest(documents: [#"{"id": "c2", "body": "x", "year": "no"}"#], index: "c-1"))
                        }
                        #expect(typo?.kind == .server(.invalidDocument))
                        #expect(serverError { try c.createIndex("c-1") }?.kind == .server(.invalidArgument))
                        for bad in ["../x", "A", "", ".hidden", String(repeating: "n", count: 65)] {
                            #expect(serverError { try c.createIndex(bad) }?.kind == .server(.invalidArgument), "\(bad)")
                        }
                        #expect(
                            serverError { _ = try c.backup(index: "a", to: "x") }?.kind == .server(.invalidArgument),
                            "BACKUP without --backup-dir")
                        // An index another writer holds is not dropped; it stays served.
                        let holder = try IndexWriter(
                            path: data.appendingPathComponent("b").path, options: IndexWriterOptions(openMode: .append))
                        #expect(serverError { try c.dropIndex("b") }?.kind == .server(.writesRefused))
                        search.index = "b"
                        #expect(try c.search(search).total == 5)
                        holder.close()
                        let left = try c.dropIndex("b")
                        #expect(left.map(\.name) == ["a", "c-1"])
                        search.index = "b"
                        #expect(serverError { _ = try c.search(search) }?.kind == .server(.indexNotFound))
                        #expect(serverError { try c.dropIndex("b") }?.kind == .server(.indexNotFound))
                    }
                }.get()
            }
            #expect(!FileManager.default.fileExists(atPath: data.appendingPathComponent("b").path))
            // A restart serves what is on disk; --default-index takes requests that name none. An index that cannot
            // be opened is skipped (logged), not a reason to serve nothing.
            let broken = data.appendingPathComponent("broken")
            try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
            try Data("not a manifest".utf8).write(to: broken.appendingPathComponent("manifest_1"))
            try await withServer(index: data, ["--data", data.path, "--default-index", "c-1"]) { server in
                let c = try server.client()
                #expect(try await c.search("lake").total == 1)
                #expect(try await c.stats().documents == 1)
                #expect(try await onThread { try? server.client().listIndexes().map(\.name) } == ["a", "c-1"])
                #expect(await server.waitForLog { $0.contains("skipping \(broken.path)") }, "\(server.stderr)")
            }
        }
    }

    /// The Python client lists, creates, writes to, searches, backs up and drops named indexes.
    @Test func thePythonClientNamesIndexes() async throws {
        try await withTempDir { dir in
            let data = try await dataDirectory(in: dir)
            try await withServer(index: data, ["--quiet", "--data", data.path, "--backup-dir", dir.path]) { server in
                let a = server.address
                let list = try await python([a, "indexes"])
                #expect(
                    list.succeeded && list.stdout.contains("\"name\": \"a\"") && list.stdout.contains("\"name\": \"b\"")
                )
                let b = try await python([a, "search", "river", "--index", "b"])
                #expect(try parseJSONObject(b.stdout)["total"] as? Int == 5, "\(b)")
                let none = try await python([a, "search", "river"])
                #expect(none.status == 1 && none.stdout.contains("\"error\": 22"), "\(none)")
                #expect(try await python([a, "create", "py"]).succeeded)
                let w = try await python([a, "write", doc("p1", "python lake"), "--index", "py"])
                #expect(try parseJSONObject(w.stdout)["added"] as? Int == 1, "\(w)")
                let found = try await python([a, "search", "lake", "--index", "py"])
                #expect(try parseJSONObject(found.stdout)["total"] as? Int == 1)
                let dest = dir.appendingPathComponent("py-backup").path
                let backup = try await python([a, "backup", "py-backup", "--index", "py", "--copy"])
                #expect(backup.succeeded, "\(backup)")
                #expect(try parseJSONObject(backup.stdout)["linked"] as? Int == 0)
                #expect(try IndexReader(path: dest).documentCount == 1)
                let dropped = try await python([a, "drop", "py"])
                #expect(dropped.succeeded && !dropped.stdout.contains("\"py\""), "\(dropped)")
            }
        }
    }

    /// Tokens with rights: reading, writing and admin are separate rights, optionally per index; LIST_INDEXES shows
    /// what a token reads; the HTTP search obeys the same rights; a wrong token is refused; tokens never reach the
    /// log.
    @Test func tokensWithRights() async throws {
        try await withTempDir { dir in
            let data = try await dataDirectory(in: dir)
            let tokens = dir.appendingPathComponent("tokens.json")
            try """
            {"reader-t0k": {"rights": ["read"]},
             "writer-a-t0k": {"rights": ["read", "write"], "indexes": ["a"]},
             "admin-t0k": {"rights": ["admin", "read"]},
             "probe-t0k": {"rights": ["write"], "indexes": ["zz"]}}
            """.write(to: tokens, atomically: true, encoding: .utf8)
            try await withServer(
                index: data, ["--data", data.path, "--tokens", tokens.path, "--http", "127.0.0.1:0"],
                environment: ["SAIGA_TOKEN": "every-right-t0k"]
            ) { server in
                let port = server.httpPort
                let stderrPath = server.stderrPath
                try await onThread { () -> Result<Void, any Error> in
                    Result { () throws in
                        let reader = try server.client(token: "reader-t0k")
                        let writerA = try server.client(token: "writer-a-t0k")
                        let admin = try server.client(token: "admin-t0k")
                        let root = try server.client(token: "every-right-t0k")
                        var inA = SearchRequest(query: "steppe")
                        inA.index = "a"
                        #expect(try reader.search(inA).total == 5)
                        #expect(
                            serverError { _ = try reader.write(WriteRequest(documents: [doc("x", "y")], index: "a")) }?
                                .kind == .server(.forbidden))
                        #expect(
                            try writerA.write(WriteRequest(documents: [doc("a9", "steppe new")], index: "a")).added == 1
                        )
                        #expect(
                            serverError {
                                _ = try writerA.write(WriteRequest(documents: [doc("b9", "z")], index: "b"))
                            }?
                            .kind == .server(.forbidden))
                        var inB = SearchRequest(query: "river")
                        inB.index = "b"
                        #expect(serverError { _ = try writerA.search(inB) }?.kind == .server(.forbidden))
                        #expect(try writerA.listIndexes().map(\.name) == ["a"])
                        // Rights come before existence: no way to learn of an index by name.
                        var inZZ = SearchRequest(query: "x")
                        inZZ.index = "zz"
                        #expect(serverError { _ = try writerA.search(inZZ) }?.kind == .server(.forbidden))
                        #expect(serverError { _ = try reader.search(inZZ) }?.kind == .server(.indexNotFound))
                        #expect(try reader.listIndexes().map(\.name) == ["a", "b"])
                        #expect(serverError { try reader.createIndex("n") }?.kind == .server(.forbidden))
                        #expect(serverError { try writerA.dropIndex("a") }?.kind == .server(.forbidden))
                        #expect(try admin.createIndex("n").name == "n")
                        #expect(
                            serverError { _ = try admin.write(WriteRequest(documents: [doc("x", "y")], index: "n")) }?
                                .kind == .server(.forbidden))
                        #expect(try root.write(WriteRequest(documents: [doc("n1", "new")], index: "n")).added == 1)
                        #expect(try admin.dropIndex("n").map(\.name) == ["a", "b"])
                        let wrong = SaigaClient(host: "127.0.0.1", port: server.port, token: "nope")
                        #expect(serverError { _ = try wrong.search(inA) }?.kind == .server(.authenticationFailed))
                    }
                }.get()
                func http(_ path: String, token: String?) async throws -> String {
                    var args = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)\(path)"]
                    if let token { args += ["-H", "Authorization: Bearer \(token)"] }
                    return try await run("/usr/bin/curl", args).stdout
                }
                #expect(try await http("/search?q=river&index=b", token: "reader-t0k") == "200")
                #expect(try await http("/search?q=river&index=b", token: "writer-a-t0k") == "403")
                #expect(try await http("/search?q=steppe&index=a", token: "writer-a-t0k") == "200")
                #expect(try await http("/health", token: nil) == "401")
                // Readiness is the server's, whatever the probe's token may read.
                #expect(try await http("/health", token: "probe-t0k") == "200")
                #expect(try await http("/search?q=x&index=zz", token: "writer-a-t0k") == "403")
                // /health and /metrics name only what the token reads.
                func body(_ path: String, token: String) async throws -> String {
                    try await run(
                        "/usr/bin/curl",
                        ["-s", "-H", "Authorization: Bearer \(token)", "http://127.0.0.1:\(port)\(path)"]
                    ).stdout
                }
                let health = try await body("/health", token: "writer-a-t0k")
                #expect(health.contains("\"name\":\"a\"") && !health.contains("\"name\":\"b\""), "\(health)")
                let metrics = try await body("/metrics", token: "writer-a-t0k")
                #expect(metrics.contains("index=\"a\"") && !metrics.contains("index=\"b\""))
                let log = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
                #expect(!log.contains("t0k"), "a token reached the log")
            }
        }
    }

    /// BACKUP while four connections keep writing: the copy opens, checks sound and holds exactly the documents
    /// of its commit (every write acknowledged at or before its generation, none after).
    @Test func backupDuringWrites() async throws {
        try await withTempDir { dir in
            let data = try await dataDirectory(in: dir)
            let options = ["--quiet", "--data", data.path, "--default-index", "a", "--backup-dir", dir.path]
            try await withServer(index: data, options) { server in
                let port = server.port
                let stop = StopFlag()
                async let written = onThreads(4) { t -> [(id: String, generation: UInt64)] in
                    let c = SaigaClient(host: "127.0.0.1", port: port)
                    var log: [(id: String, generation: UInt64)] = []
                    var n = 0
                    while !stop.isStopped {
                        let id = "w\(t)-\(n)"
                        n += 1
                        if let r = try? c.write(documents: [doc(id, "written during the backup")]) {
                            log.append((id, r.generation))
                        }
                    }
                    return log
                }
                try await Task.sleep(nanoseconds: 150_000_000)
                var backups: [(URL, BackupResponse)] = []
                for i in 0..<3 {
                    let dest = dir.appendingPathComponent("backup-\(i)")
                    let copy = i == 1
                    let r = try await onThread { () -> Result<BackupResponse, any Error> in
                        Result { () throws in try server.client().backup(to: dest.lastPathComponent, copy: copy) }
                    }.get()
                    if copy { #expect(r.linked == 0) } else { #expect(r.linked == r.files) }
                    backups.append((dest, r))
                    try await Task.sleep(nanoseconds: 100_000_000)
                }
                stop.stop()
                let acknowledged = await written.flatMap { $0 }
                #expect(acknowledged.count > 10)
                for (dest, r) in backups {
                    let reader = try IndexReader(path: dest.path)
                    #expect(reader.generation == r.generation)
                    var ids = Set<String>()
                    try reader.forEachDocument { ids.insert($0.id) }
                    for w in acknowledged {
                        #expect(
                            ids.contains(w.id) == (w.generation <= r.generation), "\(w.id) in backup \(r.generation)")
                    }
                    #expect(ids.isSuperset(of: (0..<5).map { "a\($0)" }))
                    let check = try await saiga(["check", "--index", dest.path])
                    #expect(check.succeeded, "\(check)")
                }
                // Not into a backup already there, nor outside the backup directory.
                for bad in [
                    backups[0].0.lastPathComponent, dir.appendingPathComponent("elsewhere").path, "../up", "a/../../b",
                    ".hidden", "", "a\u{600}/..", "a\u{600}/.x",
                ] {
                    let refused = await onThread { () -> ClientError? in
                        serverError { _ = try server.client().backup(to: bad) }
                    }
                    #expect(refused?.kind == .server(.invalidArgument), "\(bad)")
                }
                #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("elsewhere").path))
                // The tool asks the server for one too (BACKUP), of a named index.
                let dest = dir.appendingPathComponent("tool-backup")
                let tool = try await saiga([
                    "backup", "--server", server.address, "--index-name", "b", "--json", "tool-backup",
                ])
                #expect(tool.succeeded, "\(tool)")
                #expect(try parseJSONObject(tool.stdout)["checked"] as? Bool == true)
                #expect(try IndexReader(path: dest.path).documentCount == 5)
            }
        }
    }
}
