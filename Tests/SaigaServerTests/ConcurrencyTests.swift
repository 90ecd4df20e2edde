// Many connections, connection limits, pipelining and the per-connection in-flight cap.

import Foundation
import Saiga
import SaigaClient
import SaigaWire
import Synchronization
import Testing

let concurrencyQueries = [
    "saiga", "human rights", "\"death penalty\"", "kazakhstan -government", "democra*",
    "title:kazakhstan", "oil OR gas", "the", "zzzqqqxxx",
]

/// The i-th request of the load tests: the queries in turn, k 5, and snippets (the costly part of a search in a
/// debug build) on every 10th.
func loadRequest(_ i: Int) -> SearchRequest {
    SearchRequest(query: concurrencyQueries[i % concurrencyQueries.count], k: 5, snippets: i % 10 == 0)
}

/// The library's answers to every distinct `loadRequest`.
func expectedResults(_ index: URL) throws -> [SearchRequest: ResultKey] {
    let reader = try IndexReader(path: index.path)
    var out: [SearchRequest: ResultKey] = [:]
    for i in 0..<(concurrencyQueries.count * 10) {
        let req = loadRequest(i)
        if out[req] == nil { out[req] = ResultKey(try librarySearch(reader, req)) }
    }
    return out
}

@Suite("saiga serve: connections, pipelining, in-flight cap", .timeLimit(.minutes(2)))
struct ConcurrencyTests {
    @Test("1,000 concurrent connections: handshake, search and correct answer on every one")
    func thousandConnections() async throws {
        let limit = raiseOpenFileLimit()
        try #require(limit >= 1200, "RLIMIT_NOFILE is \(limit), too low for 1,000 connections")
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let expected = try expectedResults(idx)
            try await withServer(index: idx, ["--quiet"]) { server in
                let port = server.port
                let (failures, seconds) = await onThread { () -> ([String], Double) in
                    let start = monotonicNow()
                    var failures: [String] = []
                    var conns: [RawConnection] = []
                    defer { for c in conns { c.close() } }
                    // Open them all first, so that all 1,000 are connected at once.
                    for i in 0..<1000 {
                        do { conns.append(try RawConnection(port: port)) } catch {
                            return (["connection \(i) failed: \(error)"], monotonicNow() - start)
                        }
                    }
                    for (i, c) in conns.enumerated() {
                        do { try c.send(.hello(Hello(client: "c\(i)")), id: UInt32(i)) } catch {
                            failures.append("HELLO \(i): \(error)")
                        }
                    }
                    for (i, c) in conns.enumerated() {
                        do {
                            let (id, r) = try c.readResponse(timeout: 20)
                            guard id == UInt32(i), case .helloOK = r else {
                                failures.append("HELLO \(i): got \(id) \(r)")
                                continue
                            }
                        } catch { failures.append("HELLO_OK \(i): \(error)") }
                    }
                    for (i, c) in conns.enumerated() {
                        do { try c.send(.search(loadRequest(i)), id: UInt32(10_000 + i)) } catch {
                            failures.append("SEARCH \(i): \(error)")
                        }
                    }
                    for (i, c) in conns.enumerated() {
                        let q = loadRequest(i)
                        do {
                            let (id, r) = try c.readResponse(timeout: 20)
                            guard id == UInt32(10_000 + i), case .results(let got) = r else {
                                failures.append("SEARCH \(i): got \(id) \(r)")
                                continue
                            }
                            if ResultKey(got) != expected[q] {
                                failures.append("SEARCH \(i) \(q): \(ResultKey(got)) vs \(expected[q]!)")
                            }
                        } catch { failures.append("RESULTS \(i): \(error)") }
                    }
                    // A second round on every connection (all still open).
                    for (i, c) in conns.enumerated() {
                        do {
                            try c.send(.ping([UInt8(i & 0xff)]), id: 7)
                            let (id, r) = try c.readResponse(timeout: 20)
                            if id != 7 || r != .pong([UInt8(i & 0xff)]) { failures.append("PING \(i): got \(id) \(r)") }
                        } catch { failures.append("PING \(i): \(error)") }
                    }
                    return (failures, monotonicNow() - start)
                }
                #expect(failures.isEmpty, "\(failures.count) failures, first: \(failures.prefix(10))")
                // A guard against a hang, not a speed check (the suites run in parallel on a small machine).
                #expect(seconds < 90, "1,000 connections took \(seconds) s")
                // Closed again, the server serves new clients.
                try expectStillServing(server, idx)
            }
        }
    }

    @Test("--max-connections 50: at the limit an idle connection makes room; with none idle the 51st gets server busy")
    func maxConnections() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let expected = try expectedResults(idx)
            try await withServer(index: idx, ["--max-connections", "50"]) { server in
                let port = server.port
                let failures = await onThread { () -> [String] in
                    var failures: [String] = []
                    var conns: [RawConnection] = []
                    defer { for c in conns { c.close() } }
                    // 50 connections still in their handshake (no HELLO yet): none can be closed to make room, so
                    // the 51st and 52nd are refused.
                    do {
                        for _ in 0..<50 { conns.append(try RawConnection(port: port)) }
                    } catch { return ["opening 50 connections: \(error)"] }
                    Thread.sleep(forTimeInterval: 0.2)
                    for n in [51, 52] {
                        do {
                            let extra = try RawConnection(port: port)
                            try? extra.send(.hello(Hello()), id: 0)
                            let (id, r) = try extra.readResponse(timeout: 10)
                            if errorOf(r)?.code != .serverBusy || id != 0 {
                                failures.append("connection \(n): got \(id) \(r)")
                            }
                            let closed = extra.waitForClose(timeout: 5)
                            if closed != .closed { failures.append("connection \(n) not closed: \(closed)") }
                        } catch { failures.append("connection \(n): \(error)") }
                    }
                    // The 50 complete their handshakes and work.
                    for (i, c) in conns.enumerated() {
                        let q = loadRequest(i)
                        do {
                            try c.handshake()
                            try c.send(.search(q), id: UInt32(i + 1))
                            let (id, r) = try c.readResponse()
                            guard id == UInt32(i + 1), case .results(let got) = r, ResultKey(got) == expected[q] else {
                                failures.append("connection \(i) \(q): got \(id) \(r)")
                                continue
                            }
                        } catch { failures.append("connection \(i): \(error)") }
                    }
                    // Now all 50 are idle: a new connection is admitted, and the connection idle longest (the first,
                    // which answered first) is told why and closed.
                    do {
                        let fresh = try RawConnection(port: port)
                        guard case .helloOK = try fresh.hello() else { return failures + ["the 51st was not admitted"] }
                        let (id, r) = try conns[0].readResponse(timeout: 5)
                        if errorOf(r)?.code != .serverBusy || id != 0 {
                            failures.append("the evicted connection got \(id) \(r)")
                        }
                        if conns[0].waitForClose(timeout: 5) != .closed {
                            failures.append("the idle connection was not closed")
                        }
                        conns.append(fresh)
                    } catch { failures.append("admitting the 51st: \(error)") }
                    // The others still work.
                    for i in 1..<50 {
                        do {
                            try conns[i].send(.search(loadRequest(i)), id: 1000)
                            let (id, r) = try conns[i].readResponse()
                            if id != 1000 || errorOf(r) != nil { failures.append("connection \(i) after: \(r)") }
                        } catch { failures.append("connection \(i) after: \(error)") }
                    }
                    return failures
                }
                #expect(failures.isEmpty, "\(failures)")
                #expect(
                    await server.waitForLog { $0.contains("too many connections") },
                    "no log line for the refusal:\n\(server.stderr)")
                #expect(
                    await server.waitForLog { $0.contains("closed to make room") },
                    "no log line for the eviction:\n\(server.stderr)")
            }
        }
    }

    @Test("200 SEARCH frames pipelined on one connection: 200 answers, matched by request id, all correct")
    func pipelining() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let expected = try expectedResults(idx)
            // The default cap is 64 in flight per connection; allow all 200.
            try await withServer(index: idx, ["--max-in-flight", "256"]) { server in
                let conn = try server.connect()
                try conn.handshake()
                let ids: [UInt32] = (0..<200).map { UInt32(0x1000_0000 + $0 * 7919) }
                var bytes: [UInt8] = []
                for (i, id) in ids.enumerated() {
                    Request.search(loadRequest(i)).frame(requestID: id).appendEncoded(to: &bytes)
                }
                let pipelined = bytes
                let answers = await onThread { () -> Result<[(UInt32, Response)], RawError> in
                    do {
                        try conn.send(pipelined)
                        var out: [(UInt32, Response)] = []
                        for _ in 0..<200 { out.append(try conn.readResponse(timeout: 20)) }
                        return .success(out)
                    } catch { return .failure(error as? RawError ?? .io("\(error)")) }
                }
                let got = try answers.get()
                var seen: [UInt32: Int] = [:]
                for (id, r) in got {
                    seen[id, default: 0] += 1
                    guard let i = ids.firstIndex(of: id) else {
                        Issue.record("an answer for unknown request id \(id): \(r)")
                        continue
                    }
                    let q = loadRequest(i)
                    if case .results(let res) = r {
                        #expect(ResultKey(res) == expected[q], "request \(i) \(q)")
                    } else {
                        Issue.record("request \(i) \(q): \(r)")
                    }
                }
                #expect(seen.count == 200 && seen.values.allSatisfy { $0 == 1 }, "ids answered: \(seen.count)")
                // Nothing more arrives, and the connection is still usable.
                try conn.send(.ping([1]), id: 1)
                let (pid, pong) = try conn.readResponse()
                #expect(pid == 1 && pong == .pong([1]))

                // The Swift client's pipeline: mixed requests, answers in request order.
                let reader = try IndexReader(path: idx.path)
                let client = try server.client()
                var requests: [Request] = []
                for i in 0..<150 {
                    switch i % 5 {
                    case 0, 1: requests.append(.search(loadRequest(i)))
                    case 2: requests.append(.get(GetRequest(id: "001_da1136e84224b206.txt#\(i % 5)")))
                    case 3: requests.append(.stats())
                    default: requests.append(.ping([UInt8(i)]))
                    }
                }
                let responses = try client.pipeline(requests)
                #expect(responses.count == requests.count)
                for (req, resp) in zip(requests, responses) {
                    switch (req, resp) {
                    case (.search(let s), .results(let r)):
                        #expect(ResultKey(r) == ResultKey(try librarySearch(reader, s)), "\(s.query)")
                    case (.get(let g), .document(let d)):
                        let body = try reader.document(id: g.id)?.body
                        #expect(d.found && d.id == g.id && d.body == body, "\(g.id)")
                    case (.stats, .stats(let s)):
                        #expect(s.documents == UInt64(reader.documentCount))
                    case (.ping(let data), .pong(let echo)):
                        #expect(data == echo)
                    default:
                        Issue.record("\(req) answered with \(resp)")
                    }
                }
            }
        }
    }

    @Test("--max-in-flight 4: 50 pipelined searches get results or ERROR too many in flight (12), each id once")
    func inFlightCap() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let expected = try expectedResults(idx)
            try await withServer(index: idx, ["--max-in-flight", "4", "--workers", "1"]) { server in
                let conn = try server.connect()
                try conn.handshake()
                var bytes: [UInt8] = []
                for i in 0..<50 {
                    Request.search(loadRequest(i)).frame(requestID: UInt32(i + 1)).appendEncoded(to: &bytes)
                }
                let pipelined = bytes
                let answers = await onThread { () -> Result<[(UInt32, Response)], RawError> in
                    do {
                        try conn.send(pipelined)
                        var out: [(UInt32, Response)] = []
                        for _ in 0..<50 { out.append(try conn.readResponse(timeout: 20)) }
                        return .success(out)
                    } catch { return .failure(error as? RawError ?? .io("\(error)")) }
                }
                let got = try answers.get()
                var seen: [UInt32: Int] = [:]
                var results = 0
                var refused = 0
                for (id, r) in got {
                    seen[id, default: 0] += 1
                    guard (1...50).contains(id) else {
                        Issue.record("an answer for unknown request id \(id): \(r)")
                        continue
                    }
                    let q = loadRequest(Int(id - 1))
                    switch r {
                    case .results(let res):
                        results += 1
                        #expect(ResultKey(res) == expected[q], "request \(id) \(q)")
                    case .error(let e):
                        refused += 1
                        #expect(e.code == .tooManyInFlight, "request \(id): \(e)")
                    default:
                        Issue.record("request \(id): \(r)")
                    }
                }
                #expect(
                    seen.count == 50 && seen.values.allSatisfy { $0 == 1 },
                    "ids answered: \(seen.sorted { $0.key < $1.key })")
                #expect(results >= 4, "results: \(results), refused: \(refused)")
                #expect(refused > 0, "results: \(results), refused: \(refused)")
                // The connection stays usable, and a search waited for is answered.
                try conn.send(.search(loadRequest(0)), id: 99)
                let (id, r) = try conn.readResponse()
                #expect(id == 99)
                if case .results(let res) = r {
                    #expect(ResultKey(res) == expected[loadRequest(0)])
                } else {
                    Issue.record("\(r)")
                }
            }
        }
    }

    @Test("framing: HELLO and requests in one write, frames split at every byte, half-close after the requests")
    func framing() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let expected = try expectedResults(idx)
            try await withServer(index: idx) { server in
                let port = server.port
                let failures = await onThread { () -> [String] in
                    var failures: [String] = []
                    // 1. HELLO and five searches in one write, then shutdown(SHUT_WR): all answered, then EOF.
                    do {
                        let c = try RawConnection(port: port)
                        defer { c.close() }
                        var bytes = Request.hello(Hello()).frame(requestID: 0).encoded()
                        for i in 0..<5 { loadRequest(i).frameBytes(id: UInt32(i + 1), into: &bytes) }
                        try c.send(bytes)
                        _ = shutdown(c.fd, Int32(SHUT_WR))
                        let (hid, hello) = try c.readResponse()
                        guard hid == 0, case .helloOK = hello else {
                            return ["HELLO in one write: got \(hid) \(hello)"]
                        }
                        var seen = Set<UInt32>()
                        for _ in 0..<5 {
                            let (id, r) = try c.readResponse()
                            seen.insert(id)
                            guard (1...5).contains(id), case .results(let res) = r,
                                ResultKey(res) == expected[loadRequest(Int(id) - 1)]
                            else {
                                failures.append("half-closed: request \(id) got \(r)")
                                continue
                            }
                        }
                        if seen != Set(1...5) { failures.append("half-closed: answered \(seen.sorted())") }
                        let end = c.waitForClose(timeout: 5)
                        if end != .closed {
                            failures.append("half-closed: the server did not close after answering: \(end)")
                        }
                    } catch { failures.append("half-close: \(error)") }
                    // 2. The same frames one byte per write.
                    do {
                        let c = try RawConnection(port: port)
                        defer { c.close() }
                        var bytes = Request.hello(Hello()).frame(requestID: 0).encoded()
                        for i in 0..<3 { loadRequest(i).frameBytes(id: UInt32(i + 1), into: &bytes) }
                        Request.ping([7, 7]).frame(requestID: 4).appendEncoded(to: &bytes)
                        for b in bytes {
                            try c.send([b])
                            usleep(200)
                        }
                        _ = try c.readResponse()
                        var got: [UInt32: Response] = [:]
                        for _ in 0..<4 {
                            let (id, r) = try c.readResponse()
                            got[id] = r
                        }
                        for i in 0..<3 {
                            guard case .results(let res)? = got[UInt32(i + 1)],
                                ResultKey(res) == expected[loadRequest(i)]
                            else {
                                failures.append(
                                    "byte by byte: request \(i + 1) got \(String(describing: got[UInt32(i + 1)]))")
                                continue
                            }
                        }
                        if got[4] != .pong([7, 7]) {
                            failures.append("byte by byte: PING got \(String(describing: got[4]))")
                        }
                    } catch { failures.append("byte by byte: \(error)") }
                    return failures
                }
                #expect(failures.isEmpty, "\(failures)")
                try expectStillServing(server, idx)
            }
        }
    }

    @Test("SaigaClient.pipeline returns ERROR answers as elements, in request order, within the in-flight limit")
    func clientPipelineErrors() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let reader = try IndexReader(path: idx.path)
            try await withServer(index: idx, ["--max-in-flight", "3", "--workers", "1"]) { server in
                let client = try server.client()
                var requests: [Request] = (0..<20).map { .search(loadRequest($0)) }
                requests.insert(.search(SearchRequest(query: "(bad")), at: 0)
                let answers = try client.pipeline(requests)
                #expect(answers.count == requests.count)
                #expect(errorOf(answers[0])?.code == .invalidQuery, "\(answers[0])")
                // 21 requests against a limit of 3: the client keeps at most 3 unanswered, so none is refused.
                for (req, a) in zip(requests, answers).dropFirst() {
                    guard case .search(let s) = req else { continue }
                    switch a {
                    case .results(let r): #expect(ResultKey(r) == ResultKey(try librarySearch(reader, s)), "\(s.query)")
                    default: Issue.record("\(a)")
                    }
                }
                // The client is still usable.
                #expect(try client.stats().documents == UInt64(reader.documentCount))
            }
        }
    }

    @Test(
        "a client that stops reading: its answers wait in the server, other clients are served, and all arrive intact")
    func slowReader() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let reader = try IndexReader(path: idx.path)
            // Large answers (50 hits with every stored field and a snippet) overflow the socket buffers quickly, so
            // workers leave output behind and the loop must finish it when the client reads again.
            let queries = concurrencyQueries
            func request(_ i: Int) -> SearchRequest {
                SearchRequest(query: queries[i % queries.count], k: 50, fields: ["*"], snippets: true)
            }
            var expected: [Int: ResultKey] = [:]
            for i in 0..<queries.count { expected[i] = ResultKey(try librarySearch(reader, request(i))) }
            let count = 300
            try await withServer(index: idx, ["--max-in-flight", "1000"]) { server in
                let slow = try server.connect(receiveBuffer: 8192)
                try slow.handshake()
                var bytes: [UInt8] = []
                for i in 0..<count {
                    Request.search(request(i)).frame(requestID: UInt32(i + 1)).appendEncoded(to: &bytes)
                }
                let pipelined = bytes
                try await onThread { () -> Result<Void, RawError> in
                    do { try slow.send(pipelined, timeout: 30) } catch {
                        return .failure(error as? RawError ?? .io("\(error)"))
                    }
                    return .success(())
                }.get()
                // While `slow` reads nothing, another client is answered at once: no worker waits on `slow`.
                try await Task.sleep(nanoseconds: 300_000_000)
                let other = try server.client()
                for i in 0..<5 {
                    let r = try await other.search(request(i))
                    #expect(ResultKey(r) == expected[i % queries.count], "other client, query \(i)")
                }
                // Now read everything: each id once, every frame whole and equal to the library's answer.
                let answers = await onThread { () -> Result<[(UInt32, Response)], RawError> in
                    do {
                        var out: [(UInt32, Response)] = []
                        for _ in 0..<count { out.append(try slow.readResponse(timeout: 30)) }
                        return .success(out)
                    } catch { return .failure(error as? RawError ?? .io("\(error)")) }
                }
                var seen = Set<UInt32>()
                for (id, r) in try answers.get() {
                    #expect(seen.insert(id).inserted, "request id \(id) answered twice")
                    guard id >= 1 && Int(id) <= count else {
                        Issue.record("an answer for unknown request id \(id)")
                        continue
                    }
                    let i = Int(id) - 1
                    if case .results(let res) = r {
                        #expect(ResultKey(res) == expected[i % queries.count], "request \(i)")
                    } else {
                        Issue.record("request \(i): \(r)")
                    }
                }
                #expect(seen.count == count)
                try slow.send(.ping([7]), id: 9999)
                let (pid, pong) = try slow.readResponse()
                #expect(pid == 9999 && pong == .pong([7]))
            }
        }
    }

    @Test("--workers 1: one connection's pipelined backlog does not hold up another connection (round robin)")
    func fairAcrossConnections() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let reader = try IndexReader(path: idx.path)
            // Costly requests: snippets and every stored field of every document.
            let heavy = SearchRequest(query: "the kazakhstan", k: 20, fields: ["*"], snippets: true)
            let expectedHeavy = ResultKey(try librarySearch(reader, heavy))
            let light = SearchRequest(query: "saiga", k: 3, snippets: false)
            let expectedLight = ResultKey(try librarySearch(reader, light))
            let backlog = 200
            try await withServer(index: idx, ["--workers", "1", "--max-in-flight", "1000"]) { server in
                let a = try server.connect()
                try a.handshake()
                let b = try server.connect()
                try b.handshake()
                var bytes: [UInt8] = []
                for i in 0..<backlog { Request.search(heavy).frame(requestID: UInt32(i + 1)).appendEncoded(to: &bytes) }
                let pipelined = bytes
                let aStarted = Atomic<Bool>(false)
                // Thread 0 sends A's backlog and reads its answers; thread 1 sends B's request once A's first answer
                // is back (A's 200 frames went out in one write, so by then they are all queued). Each answer is
                // stamped with its arrival time.
                let results = await onThreads(2) { t -> Result<[(Double, UInt32, Response)], RawError> in
                    do {
                        var out: [(Double, UInt32, Response)] = []
                        if t == 0 {
                            try a.send(pipelined)
                            for _ in 0..<backlog {
                                let (id, r) = try a.readResponse(timeout: 60)
                                out.append((monotonicNow(), id, r))
                                aStarted.store(true, ordering: .releasing)
                            }
                        } else {
                            while !aStarted.load(ordering: .acquiring) { usleep(200) }
                            try b.send(.search(light), id: 7)
                            let (id, r) = try b.readResponse(timeout: 60)
                            out.append((monotonicNow(), id, r))
                        }
                        return .success(out)
                    } catch { return .failure(error as? RawError ?? .io("\(error)")) }
                }
                let arrivals = try results[0].get()
                let bAnswers = try results[1].get()
                try #require(bAnswers.count == 1)
                let (bArrival, bid, bAnswer) = bAnswers[0]
                #expect(bid == 7)
                if case .results(let r) = bAnswer {
                    #expect(ResultKey(r) == expectedLight)
                } else {
                    Issue.record("B: \(bAnswer)")
                }
                // Order of arrival, not a time limit: with one queue for all connections, B's answer would come after
                // all 200 of A's; taking turns, after a few.
                let aBefore = arrivals.filter { $0.0 < bArrival }.count
                #expect(aBefore < backlog / 2, "B was answered after \(aBefore) of A's \(backlog) answers")
                #expect(Set(arrivals.map(\.1)) == Set((1...backlog).map(UInt32.init)))
                for (_, id, r) in arrivals {
                    if case .results(let res) = r {
                        #expect(ResultKey(res) == expectedHeavy, "A \(id)")
                    } else {
                        Issue.record("A \(id): \(r)")
                    }
                }
            }
        }
    }
}
