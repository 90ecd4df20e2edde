// Hot reload: new commits written into the served directory are picked up (by polling or at SIGHUP) while clients
// keep querying, and no query fails or returns anything but the answer of one of the commits.

import Foundation
import Saiga
import SaigaClient
import SaigaWire
import Synchronization
import Testing

let reloadRequests: [SearchRequest] = [
    SearchRequest(query: "saiga", k: 5),
    SearchRequest(query: "human rights", k: 5, snippets: false),
    SearchRequest(query: "kazakhstan", k: 5, snippets: false),
    SearchRequest(query: "the", k: 20, snippets: false),
    SearchRequest(query: "rights -decree", k: 5, snippets: false),
    SearchRequest(query: "\"central asia\"", k: 5, snippets: false),
    SearchRequest(query: "steppe OR oil", k: 5, snippets: false),
    SearchRequest(query: "w1 OR w2", k: 5),
]

final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    private let answered = Atomic<Int>(0)
    func stop() { value.store(true, ordering: .releasing) }
    var isStopped: Bool { value.load(ordering: .acquiring) }
    /// Threads that have had their first answer.
    func markAnswered() { answered.add(1, ordering: .relaxed) }
    var threadsAnswered: Int { answered.load(ordering: .relaxed) }
}

/// What one querying thread saw: for each answer the generation it carried, the request index and the results.
struct ClientLog: Sendable {
    var answers: [(generation: UInt64, request: Int, result: ResultKey)] = []
    var failures: [String] = []
}

/// Queries `reloadRequests` in a loop on one connection until `stop`; any ERROR, close or timeout is a failure.
func queryUntilStopped(port: Int, thread: Int, stop: StopFlag) -> ClientLog {
    var log = ClientLog()
    let conn: RawConnection
    do {
        conn = try RawConnection(port: port)
        try conn.handshake()
    } catch {
        log.failures.append("thread \(thread): connect: \(error)")
        return log
    }
    defer { conn.close() }
    var n = 0
    while !stop.isStopped {
        let i = (n + thread) % reloadRequests.count
        n += 1
        do {
            try conn.send(.search(reloadRequests[i]), id: UInt32(n))
            let (id, r) = try conn.readResponse(timeout: 15)
            guard id == UInt32(n), case .results(let res) = r else {
                log.failures.append("thread \(thread) request \(n) (\(reloadRequests[i].query)): got \(id) \(r)")
                continue
            }
            log.answers.append((res.generation, i, ResultKey(res)))
            if log.answers.count == 1 { stop.markAnswered() }
        } catch {
            log.failures.append("thread \(thread) request \(n) (\(reloadRequests[i].query)): \(error)")
            return log
        }
    }
    return log
}

/// The library's answers to `reloadRequests` for the commit now at `index`, with its generation.
func expectedForNewestCommit(_ index: URL) throws -> (UInt64, [ResultKey]) {
    let reader = try IndexReader(path: index.path)
    return (reader.generation, try reloadRequests.map { ResultKey(try librarySearch(reader, $0)) })
}

/// Polls STATS on a connection of its own until the server reports `generation` (or `timeout` passes).
func waitForGeneration(_ server: ServerProcess, _ generation: UInt64, timeout: Double = 10) async -> UInt64? {
    let port = server.port
    return await onThread { () -> UInt64? in
        let deadline = monotonicNow() + timeout
        var last: UInt64?
        while monotonicNow() < deadline {
            if let c = try? RawConnection(port: port), (try? c.handshake()) != nil,
                (try? c.send(.stats(), id: 1)) != nil, let (_, r) = try? c.readResponse(), case .stats(let s) = r
            {
                last = s.generation
                if s.generation == generation { return s.generation }
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return last
    }
}

@Suite("saiga serve: hot reload", .timeLimit(.minutes(2)))
struct ReloadTests {
    @Test("8 clients query in a loop while the index is rebuilt 4 times: every commit is picked up, no query fails")
    func reloadUnderLoad() async throws {
        try await withTempDir { dir in
            let files = try corpusFiles()
            try #require(files.count == 5)
            let idx = dir.appendingPathComponent("idx")
            try await buildIndex([corpusDirectory], at: idx)
            var expected: [UInt64: [ResultKey]] = [:]
            let (g1, e1) = try expectedForNewestCommit(idx)
            expected[g1] = e1

            try await withServer(index: idx, ["--reload-interval", "0.2"]) { server in
                let stop = StopFlag()
                let port = server.port
                async let logs = onThreads(8) { queryUntilStopped(port: port, thread: $0, stop: stop) }

                var generations = [g1]
                // Every thread is querying before the first rebuild.
                // A guard against a hang, not a speed check: a loaded 2-core machine running the other suites in
                // parallel can take long to start 8 threads and a server.
                #expect(await eventually(timeout: 60) { stop.threadsAnswered == 8 }, "the client threads did not start")
                // Three rebuilds with `saiga index`, then one with the library's IndexWriter.
                let rebuilds: [[URL]?] = [Array(files[0..<2]), Array(files[2...]), [corpusDirectory], nil]
                do {
                    for inputs in rebuilds {
                        await sleepSeconds(0.3)
                        if let inputs {
                            try await buildIndex(inputs, at: idx)
                        } else {
                            try buildSyntheticIndex(at: idx, documents: 300, words: 30)
                        }
                        let (g, e) = try expectedForNewestCommit(idx)
                        #expect(g > generations.last!, "a rebuild should make a newer commit")
                        expected[g] = e
                        generations.append(g)
                        let seen = await waitForGeneration(server, g)
                        #expect(
                            seen == g,
                            "the server did not pick up commit \(g) (STATS says \(String(describing: seen)))\n\(server.stderr)"
                        )
                    }
                    await sleepSeconds(0.3)
                } catch {
                    stop.stop()
                    _ = await logs
                    throw error
                }
                stop.stop()
                let all = await logs

                let failures = all.flatMap(\.failures)
                #expect(failures.isEmpty, "\(failures.count) failed queries: \(failures.prefix(10))")
                var perGeneration: [UInt64: Int] = [:]
                var wrong: [String] = []
                for log in all {
                    #expect(log.answers.count > 3, "a client thread got only \(log.answers.count) answers")
                    for a in log.answers {
                        perGeneration[a.generation, default: 0] += 1
                        guard let e = expected[a.generation] else {
                            wrong.append("an answer from unknown commit \(a.generation)")
                            continue
                        }
                        if e[a.request] != a.result {
                            wrong.append(
                                "commit \(a.generation) \(reloadRequests[a.request].query): \(a.result) vs \(e[a.request])"
                            )
                        }
                    }
                }
                #expect(wrong.isEmpty, "\(wrong.count) wrong answers: \(wrong.prefix(5))")
                // The clients saw every commit, in order per thread.
                #expect(
                    Set(perGeneration.keys) == Set(generations),
                    "answers per commit: \(perGeneration), commits \(generations)")
                for log in all {
                    let gens = log.answers.map(\.generation)
                    #expect(gens == gens.sorted(), "a client went back to an older commit: \(gens)")
                }
                for g in generations.dropFirst() {
                    #expect(
                        server.stderrLines.contains { $0.contains("reloaded the index: now at commit \(g)") },
                        "no reload line for \(g):\n\(server.stderr)")
                }
                // HELLO_OK of a new connection names the newest commit.
                let hello = try server.client().connect()
                #expect(hello.generation == generations.last!)
            }
        }
    }

    @Test("SIGHUP reloads with --reload-interval 0 (polling off)")
    func sighup() async throws {
        try await withTempDir { dir in
            let files = try corpusFiles()
            let idx = dir.appendingPathComponent("idx")
            try await buildIndex([corpusDirectory], at: idx)
            let (g1, _) = try expectedForNewestCommit(idx)
            try await withServer(index: idx, ["--reload-interval", "0"]) { server in
                let client = try server.client()
                #expect(try await client.stats().generation == g1)
                try await buildIndex(Array(files[0..<2]), at: idx)
                let (g2, e2) = try expectedForNewestCommit(idx)
                #expect(g2 > g1)
                // No polling: still the first commit after a while.
                await sleepSeconds(1.2)
                #expect(
                    try await client.stats().generation == g1,
                    "the server reloaded without SIGHUP though polling is off")
                let old = try await client.search(reloadRequests[3])
                #expect(old.generation == g1)
                server.signal(SIGHUP)
                let seen = await waitForGeneration(server, g2, timeout: 10)
                #expect(seen == g2, "SIGHUP did not reload (STATS says \(String(describing: seen)))\n\(server.stderr)")
                for (i, req) in reloadRequests.enumerated() {
                    let r = try await client.search(req)
                    #expect(r.generation == g2)
                    #expect(ResultKey(r) == e2[i], "\(req.query) after SIGHUP")
                }
                #expect(
                    await server.waitForLog { $0.contains("reloaded the index: now at commit \(g2) (SIGHUP)") },
                    "\(server.stderr)")
                // SIGHUP with nothing new changes nothing, and the server keeps running.
                server.signal(SIGHUP)
                await sleepSeconds(0.3)
                #expect(!server.hasExited)
                #expect(try await client.stats().generation == g2)
            }
        }
    }

    @Test("a newer commit with a damaged file is logged, not served; the next good commit is picked up")
    func damagedNewerCommit() async throws {
        try await withTempDir { dir in
            let files = try corpusFiles()
            let idx = try await buildCorpusIndex(in: dir)
            let (g1, e1) = try expectedForNewestCommit(idx)
            try await withServer(index: idx, ["--reload-interval", "0.2"]) { server in
                // Build the next commit in a copy, damage one byte of its postings, then move its files in (the
                // manifest last, as a writer would).
                let staging = dir.appendingPathComponent("staging")
                try FileManager.default.copyItem(at: idx, to: staging)
                try await buildIndex(Array(files[0..<2]), at: staging)
                let fm = FileManager.default
                let before = Set(try fm.contentsOfDirectory(atPath: idx.path))
                let added = try fm.contentsOfDirectory(atPath: staging.path).filter {
                    !before.contains($0) && $0 != "write.lock"
                }
                let postings = try #require(added.first { $0.hasSuffix(".post") }, "\(added)")
                var bytes = [UInt8](try Data(contentsOf: staging.appendingPathComponent(postings)))
                bytes[bytes.count / 2] ^= 0x55
                try Data(bytes).write(to: staging.appendingPathComponent(postings))
                for name in added.sorted(by: { a, _ in !a.hasPrefix("manifest_") }) {
                    try fm.copyItem(at: staging.appendingPathComponent(name), to: idx.appendingPathComponent(name))
                }
                #expect(await server.waitForLog(timeout: 5) { $0.contains("reload failed") }, "\(server.stderr)")
                let client = try server.client()
                #expect(try await client.stats().generation == g1)
                for (i, req) in reloadRequests.enumerated() {
                    let r = try await client.search(req)
                    #expect(
                        r.generation == g1 && ResultKey(r) == e1[i], "\(req.query) while the newer commit is damaged")
                }
                // Polling does not retry the damaged commit over and over.
                await sleepSeconds(1)
                let failures = server.stderrLines.filter { $0.contains("reload failed") }.count
                #expect(failures == 1, "reload of the damaged commit tried \(failures) times:\n\(server.stderr)")
                // A good commit after it is picked up.
                try await buildIndex([corpusDirectory], at: idx)
                let (g3, e3) = try expectedForNewestCommit(idx)
                let seen = await waitForGeneration(server, g3)
                #expect(seen == g3, "\(server.stderr)")
                for (i, req) in reloadRequests.enumerated() {
                    let r = try await client.search(req)
                    #expect(r.generation == g3 && ResultKey(r) == e3[i], "\(req.query) after the good commit")
                }
            }
        }
    }

    @Test("an unreadable newer manifest is reported (reload failed) and the old commit keeps serving")
    func garbageNewerManifest() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let (g1, e1) = try expectedForNewestCommit(idx)
            try await withServer(index: idx, ["--reload-interval", "0.2"]) { server in
                // A manifest for a newer generation that is garbage (a damaged or half-copied index).
                try Data("not a manifest".utf8).write(to: idx.appendingPathComponent("manifest_\(g1 + 5)"))
                let client = try server.client()
                await sleepSeconds(1)
                #expect(try await client.stats().generation == g1)
                for (i, req) in reloadRequests.enumerated() {
                    let r = try await client.search(req)
                    #expect(ResultKey(r) == e1[i], "\(req.query)")
                }
                #expect(!server.hasExited)
                // BUG (reported): the server falls back to the current commit silently and re-opens the whole index
                // (a new thread, every file mapped and checksummed) at every poll, forever. It should log the
                // failure once, like for a damaged segment, and stop retrying that generation.
                let failures = server.stderrLines.filter { $0.contains("reload failed") }.count
                #expect(
                    failures == 1,
                    "\(failures) log lines about the unreadable manifest_\(g1 + 5) (want 1):\n\(server.stderr)")
            }
        }
    }
}
