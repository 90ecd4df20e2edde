// Bad input over raw sockets: every protocol violation gets the documented ERROR, the connection is closed or kept
// as docs/PROTOCOL.md says, and the server keeps serving other clients correctly.

import Foundation
import Saiga
import SaigaClient
import SaigaWire
import Testing

/// Bytes of a field `tag u16 | length u32 | value`.
func fieldBytes(_ tag: UInt16, _ value: [UInt8]) -> [UInt8] {
    var w = FieldWriter()
    w.raw(tag, value)
    return w.bytes
}

func u32Bytes(_ v: UInt32) -> [UInt8] {
    [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]
}

extension SearchRequest {
    func frameBytes(id: UInt32, into bytes: inout [UInt8]) {
        Request.search(self).frame(requestID: id).appendEncoded(to: &bytes)
    }
}

/// A new connection through the Swift client still gets the library's results.
func expectStillServing(
    _ server: ServerProcess, _ index: URL, token: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    #expect(!server.hasExited, "the server exited:\n\(server.stderr)", sourceLocation: sourceLocation)
    let client = try server.client(token: token)
    defer { client.close() }
    for q in ["saiga", "human rights", "\"death penalty\""] {
        let req = SearchRequest(query: q, k: 5)
        do {
            let got = try client.search(req)
            expectSame(got, try librarySearch(index, req), "after bad input: \(q)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("a new client's search for \(q) failed: \(error)", sourceLocation: sourceLocation)
        }
    }
}

/// Reads the next frame and checks it is an ERROR with one of `codes` for request `id`.
@discardableResult
func expectError(
    _ c: RawConnection, codes: Set<UInt16>, id: UInt32?, timeout: Double = 10, _ context: String,
    sourceLocation: SourceLocation = #_sourceLocation
) -> WireError? {
    do {
        let (rid, r) = try c.readResponse(timeout: timeout)
        guard let e = errorOf(r) else {
            Issue.record("\(context): expected ERROR \(codes.sorted()), got \(r)", sourceLocation: sourceLocation)
            return nil
        }
        #expect(codes.contains(e.code.rawValue), "\(context): got \(e)", sourceLocation: sourceLocation)
        if let id {
            #expect(rid == id, "\(context): ERROR for request \(rid), expected \(id)", sourceLocation: sourceLocation)
        }
        return e
    } catch {
        Issue.record("\(context): expected ERROR \(codes.sorted()), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

struct FatalCase: CustomStringConvertible, Sendable {
    var description: String
    /// Send a successful HELLO first.
    var greet: Bool
    var bytes: [UInt8]
    var codes: Set<UInt16>
    /// The request id the ERROR must carry (0 for errors about the stream itself).
    var id: UInt32
    var options: [String] = []
    var messageContains: String?
}

let fatalCases: [FatalCase] = [
    FatalCase(
        description: "an HTTP request instead of HELLO", greet: false,
        bytes: Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8), codes: [1, 2], id: 0),
    FatalCase(
        description: "an HTTP request after HELLO", greet: true,
        bytes: Array("GET / HTTP/1.1\r\n\r\n".utf8), codes: [1, 2], id: 0),
    FatalCase(
        description: "a length of 0xFFFFFFFF", greet: false, bytes: [0xff, 0xff, 0xff, 0xff, 3, 0, 0, 0, 0, 1],
        codes: [2], id: 0),
    FatalCase(
        description: "a frame longer than --max-frame-bytes 4096 (only its header sent)", greet: true,
        bytes: u32Bytes(5000) + [3, 0] + u32Bytes(9), codes: [2], id: 0, options: ["--max-frame-bytes", "4096"]),
    FatalCase(
        description: "a frame length of 4097 with --max-frame-bytes 4096", greet: true,
        bytes: u32Bytes(4097) + [2, 0] + u32Bytes(9) + [UInt8](repeating: 0, count: 100), codes: [2], id: 0,
        options: ["--max-frame-bytes", "4096"]),
    FatalCase(
        description: "a frame length below the 6-byte header", greet: true, bytes: [0, 0, 0, 3, 2, 0, 0],
        codes: [1], id: 0),
    FatalCase(description: "PING before HELLO", greet: false, bytes: rawFrame(type: 2, id: 5), codes: [9], id: 5),
    FatalCase(
        description: "SEARCH before HELLO", greet: false,
        bytes: Request.search(SearchRequest(query: "saiga")).frame(requestID: 6).encoded(), codes: [9], id: 6),
    FatalCase(
        description: "an unknown type before HELLO", greet: false, bytes: rawFrame(type: 0x42, id: 7),
        codes: [3, 9], id: 7),
    FatalCase(
        description: "HELLO version 2", greet: false,
        bytes: Request.hello(Hello(version: 2)).frame(requestID: 8).encoded(), codes: [7], id: 8, messageContains: "1"),
    FatalCase(
        description: "HELLO version 0", greet: false,
        bytes: Request.hello(Hello(version: 0)).frame(requestID: 8).encoded(), codes: [7], id: 8, messageContains: "1"),
    FatalCase(
        description: "HELLO with flags 1", greet: false,
        bytes: rawFrame(type: 1, flags: 1, id: 9, payload: fieldBytes(1, u32Bytes(1))), codes: [1], id: 9),
    FatalCase(
        description: "HELLO without a version", greet: false,
        bytes: rawFrame(type: 1, id: 9, payload: fieldBytes(3, Array("x".utf8))), codes: [5], id: 9),
    FatalCase(
        description: "HELLO with an unknown field", greet: false,
        bytes: rawFrame(type: 1, id: 9, payload: fieldBytes(1, u32Bytes(1)) + fieldBytes(77, [1])), codes: [4], id: 9),
]

struct UsableCase: CustomStringConvertible, Sendable {
    var description: String
    var bytes: [UInt8]
    var code: UInt16
    var id: UInt32
}

let searchType = MessageType.search.rawValue

let usableCases: [UsableCase] = [
    UsableCase(description: "an unknown message type 0x3F", bytes: rawFrame(type: 0x3F, id: 11), code: 3, id: 11),
    UsableCase(
        description: "an unknown message type 0x7F with a payload",
        bytes: rawFrame(type: 0x7f, id: 12, payload: [1, 2, 3]),
        code: 3, id: 12),
    UsableCase(
        description: "a response type (RESULTS) sent as a request", bytes: rawFrame(type: 0x83, id: 13), code: 3, id: 13
    ),
    UsableCase(description: "PING with flags 1", bytes: rawFrame(type: 2, flags: 1, id: 14), code: 1, id: 14),
    UsableCase(
        description: "SEARCH with an unknown field 99",
        bytes: rawFrame(type: searchType, id: 15, payload: fieldBytes(1, Array("saiga".utf8)) + fieldBytes(99, [0])),
        code: 4, id: 15),
    UsableCase(
        description: "STATS with an unknown field 2", bytes: rawFrame(type: 5, id: 16, payload: fieldBytes(2, [0])),
        code: 4,
        id: 16),
    UsableCase(
        description: "PING with an unknown field 2", bytes: rawFrame(type: 2, id: 17, payload: fieldBytes(2, [0])),
        code: 4, id: 17),
    UsableCase(
        description: "SEARCH without a query",
        bytes: rawFrame(type: searchType, id: 18, payload: fieldBytes(2, u32Bytes(5))),
        code: 5, id: 18),
    UsableCase(description: "GET without an id", bytes: rawFrame(type: 4, id: 19), code: 5, id: 19),
    UsableCase(
        description: "SEARCH with an invalid UTF-8 query",
        bytes: rawFrame(type: searchType, id: 20, payload: fieldBytes(1, [0x73, 0x61, 0xff, 0xfe, 0x67, 0x61])),
        code: 6, id: 20),
    UsableCase(
        description: "SEARCH with an overlong UTF-8 encoding",
        bytes: rawFrame(type: searchType, id: 21, payload: fieldBytes(1, [0xc0, 0xaf])), code: 6, id: 21),
    UsableCase(
        description: "SEARCH with a lone surrogate (CESU)",
        bytes: rawFrame(type: searchType, id: 22, payload: fieldBytes(1, [0xed, 0xa0, 0x80])), code: 6, id: 22),
    UsableCase(
        description: "SEARCH with an invalid UTF-8 stored field name",
        bytes: rawFrame(type: searchType, id: 23, payload: fieldBytes(1, Array("saiga".utf8)) + fieldBytes(4, [0xff])),
        code: 6, id: 23),
    UsableCase(
        description: "GET with an invalid UTF-8 id", bytes: rawFrame(type: 4, id: 24, payload: fieldBytes(1, [0x80])),
        code: 6, id: 24),
    UsableCase(
        description: "SEARCH with k of 2 bytes",
        bytes: rawFrame(type: searchType, id: 25, payload: fieldBytes(1, Array("saiga".utf8)) + fieldBytes(2, [0, 5])),
        code: 1, id: 25),
    UsableCase(
        description: "SEARCH with snippets = 2",
        bytes: rawFrame(type: searchType, id: 26, payload: fieldBytes(1, Array("saiga".utf8)) + fieldBytes(5, [2])),
        code: 1, id: 26),
    UsableCase(
        description: "SEARCH with a truncated field header",
        bytes: rawFrame(type: searchType, id: 27, payload: [0, 1, 0]), code: 1, id: 27),
    UsableCase(
        description: "SEARCH with a field longer than the payload",
        bytes: rawFrame(type: searchType, id: 28, payload: [0, 1, 0, 0, 0, 50, 0x61]), code: 1, id: 28),
    UsableCase(
        description: "SEARCH with syntax 7",
        bytes: rawFrame(type: searchType, id: 29, payload: fieldBytes(1, Array("saiga".utf8)) + fieldBytes(8, [7])),
        code: 11, id: 29),
    UsableCase(
        description: "SEARCH with k 20000",
        bytes: Request.search(SearchRequest(query: "saiga", k: 20_000)).frame(requestID: 30).encoded(), code: 11, id: 30
    ),
    UsableCase(
        description: "SEARCH with an invalid query",
        bytes: Request.search(SearchRequest(query: "rights AND (")).frame(requestID: 31).encoded(), code: 10, id: 31),
]

@Suite("saiga serve: bad input", .timeLimit(.minutes(2)))
struct BadInputTests {
    @Test("fatal protocol errors: ERROR, then the server closes the connection and keeps serving")
    func fatal() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            // One server per distinct set of options; each case on a connection of its own.
            let groups = Dictionary(grouping: fatalCases, by: \.options)
            for (options, cases) in groups.sorted(by: { $0.key.count < $1.key.count }) {
                try await withServer(index: idx, options) { server in
                    for c in cases {
                        let conn = try server.connect()
                        if c.greet { try conn.handshake() }
                        try conn.send(c.bytes)
                        let e = expectError(conn, codes: c.codes, id: c.id, c.description)
                        if let m = c.messageContains, let e {
                            #expect(e.message.contains(m), "\(c): message \"\(e.message)\" should name \(m)")
                        }
                        #expect(conn.waitForClose(timeout: 5) == .closed, "\(c): the connection should be closed")
                        conn.close()
                        try expectStillServing(server, idx)
                    }
                }
            }
        }
    }

    @Test("recoverable errors: ERROR for that request only, the connection stays usable")
    func recoverable() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx) { server in
                // All the cases in a row on one connection, then each on a fresh one.
                let shared = try server.connect()
                try shared.handshake()
                for c in usableCases {
                    try check(c, on: shared, idx)
                }
                shared.close()
                for c in usableCases {
                    let conn = try server.connect()
                    try conn.handshake()
                    try check(c, on: conn, idx)
                    conn.close()
                }
                try expectStillServing(server, idx)
            }
        }

        func check(_ c: UsableCase, on conn: RawConnection, _ idx: URL) throws {
            try conn.send(c.bytes)
            let e = expectError(conn, codes: [c.code], id: c.id, c.description)
            if c.code == 10, let e {
                #expect(e.offset != nil, "\(c): invalid query without a column: \(e)")
            }
            // Still usable: a PING and a search on the same connection.
            try conn.send(.ping([9, 8]), id: 1000)
            let (pid, pong) = try conn.readResponse()
            #expect(pid == 1000 && pong == .pong([9, 8]), "\(c): after the error, PING got \(pid) \(pong)")
            let req = SearchRequest(query: "human rights", k: 4)
            try conn.send(.search(req), id: 1001)
            let (sid, r) = try conn.readResponse()
            #expect(sid == 1001)
            if case .results(let got) = r {
                expectSame(got, try librarySearch(idx, req), "\(c): same connection")
            } else {
                Issue.record("\(c): the search after the error got \(r)")
            }
        }
    }

    @Test("a frame exactly --max-frame-bytes long is accepted; HELLO_OK reports the maximum")
    func frameAtTheLimit() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx, ["--max-frame-bytes", "4096"]) { server in
                let conn = try server.connect()
                let ok = try conn.handshake()
                #expect(ok.maxFrameLength == 4096)
                // PING with data: length = 6 (header) + 6 (field header) + data.
                let data = [UInt8](repeating: 0x5a, count: 4096 - 12)
                let frame = Request.ping(data).frame(requestID: 3).encoded()
                #expect(frame.count == 4 + 4096)
                try conn.send(frame)
                let (id, r) = try conn.readResponse()
                #expect(id == 3 && r == .pong(data))
                // A search right after.
                try conn.send(.search(SearchRequest(query: "saiga")), id: 4)
                let (sid, sr) = try conn.readResponse()
                #expect(sid == 4)
                if case .results(let got) = sr {
                    expectSame(got, try librarySearch(idx, SearchRequest(query: "saiga")), "after a max frame")
                } else {
                    Issue.record("\(sr)")
                }
            }
        }
    }

    @Test("a frame started and not finished: ERROR timeout (16) after --read-timeout 1, then closed")
    func truncatedFrame() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx, ["--read-timeout", "1"]) { server in
                let conn = try server.connect()
                try conn.handshake()
                let frame = Request.search(SearchRequest(query: "human rights")).frame(requestID: 40).encoded()
                // Timed on a thread of its own: the cooperative pool may be busy with other tests.
                let (answer, elapsed, closed) = await onThread {
                    () -> (Result<Frame, RawError>, Double, CloseOutcome) in
                    let start = monotonicNow()
                    do { try conn.send(Array(frame.prefix(frame.count / 2))) } catch {
                        return (.failure(.io("\(error)")), 0, .stillOpen)
                    }
                    let answer: Result<Frame, RawError>
                    do { answer = .success(try conn.readFrame(timeout: 8)) } catch {
                        answer = .failure(error as? RawError ?? .io("\(error)"))
                    }
                    let elapsed = monotonicNow() - start
                    return (answer, elapsed, conn.waitForClose(timeout: 3))
                }
                switch answer {
                case .success(let f):
                    let r = try Response.decode(f)
                    #expect(f.requestID == 0 && errorOf(r)?.code == .timeout, "truncated frame: got \(r)")
                case .failure(let e): Issue.record("truncated frame: no ERROR timeout: \(e)")
                }
                #expect(elapsed >= 0.9, "timed out too early: \(elapsed) s")
                #expect(elapsed <= 3.5, "timed out too late: \(elapsed) s")
                #expect(closed == .closed, "the connection should be closed after the timeout")
                conn.close()
                try expectStillServing(server, idx)

                // A truncated frame before HELLO times out too.
                let early = try server.connect()
                try early.send([0, 0, 0, 40, 1])
                expectError(early, codes: [16], id: 0, timeout: 8, "truncated frame before HELLO")
                #expect(early.waitForClose(timeout: 3) == .closed)

                // A connection sending a slow but complete frame within the timeout is not cut.
                let slow = try server.connect()
                try slow.handshake()
                let ping = Request.ping([1]).frame(requestID: 41).encoded()
                let slowAnswer = await onThread { () -> String in
                    do {
                        try slow.send(Array(ping.prefix(5)))
                        Thread.sleep(forTimeInterval: 0.4)
                        try slow.send(Array(ping.dropFirst(5)))
                        let (id, r) = try slow.readResponse(timeout: 5)
                        return id == 41 && r == .pong([1]) ? "ok" : "got \(id) \(r)"
                    } catch { return "\(error)" }
                }
                #expect(slowAnswer == "ok", "slow frame: \(slowAnswer)\n\(server.stderr)")
                try expectStillServing(server, idx)
            }
        }
    }

    @Test("--read-timeout applies per frame: a stream whose every write ends mid-frame is not cut off")
    func streamingAcrossWrites() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx, ["--read-timeout", "1"]) { server in
                let conn = try server.connect()
                try conn.handshake()
                // 25 PINGs, each finished within 0.1 s, but every write ends in the middle of the next frame, so
                // that there is always a partial frame buffered. 2.5 s in all: more than the read timeout.
                let outcome = await onThread { () -> String in
                    var pending: [UInt8] = []
                    var answered = 0
                    do {
                        for i in 0..<26 {
                            let frame =
                                i < 25 ? Request.ping([UInt8(i)]).frame(requestID: UInt32(100 + i)).encoded() : []
                            let half = frame.count / 2
                            try conn.send(pending + frame.prefix(half))
                            pending = Array(frame.dropFirst(half))
                            if i > 0 {
                                let (id, r) = try conn.readResponse(timeout: 5)
                                guard id == UInt32(100 + i - 1), r == .pong([UInt8(i - 1)]) else {
                                    return "frame \(i - 1) (after \(Double(i) * 0.1) s of streaming) got \(id) \(r)"
                                }
                                answered += 1
                            }
                            Thread.sleep(forTimeInterval: 0.1)
                        }
                    } catch { return "after \(answered) PONGs: \(error)" }
                    return "ok"
                }
                #expect(outcome == "ok", "\(outcome)\n\(server.stderr)")
                try expectStillServing(server, idx)
            }
        }
    }

    @Test("an idle connection is closed after --idle-timeout; one with traffic is not")
    func idleTimeout() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx, ["--idle-timeout", "1"]) { server in
                // All on a thread of its own: a stalled cooperative pool would make `busy` idle too.
                let port = server.port
                let outcome = await onThread { () -> String in
                    do {
                        let idle = try RawConnection(port: port)
                        try idle.handshake()
                        let busy = try RawConnection(port: port)
                        try busy.handshake()
                        let start = monotonicNow()
                        // Keep `busy` talking every 0.3 s for 2 s.
                        while monotonicNow() - start < 2 {
                            do {
                                try busy.send(.ping([]), id: 1)
                                _ = try busy.readResponse()
                            } catch { return "the busy connection failed after \(monotonicNow() - start) s: \(error)" }
                            Thread.sleep(forTimeInterval: 0.3)
                        }
                        let closed = idle.waitForClose(timeout: 4)
                        let elapsed = monotonicNow() - start
                        guard closed == .closed else { return "the idle connection was not closed: \(closed)" }
                        guard elapsed < 6 else { return "the idle connection was closed after \(elapsed) s" }
                        try busy.send(.ping([2]), id: 2)
                        let (id, r) = try busy.readResponse()
                        guard id == 2 && r == .pong([2]) else { return "the busy connection got \(id) \(r)" }
                        // And `busy` too is closed once it stops talking.
                        let t = monotonicNow()
                        guard busy.waitForClose(timeout: 4) == .closed else { return "busy was not closed once idle" }
                        let idleFor = monotonicNow() - t
                        guard idleFor > 0.8 else { return "busy was closed after only \(idleFor) s of silence" }
                        return "ok"
                    } catch { return "\(error)" }
                }
                #expect(outcome == "ok", "\(outcome)\n\(server.stderr)")
                try expectStillServing(server, idx)
            }
        }
    }

    @Test("--token: a missing or wrong token gets ERROR 8 and the connection is closed; the right one works")
    func token() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx, ["--token", "t0k"]) { server in
                for (name, token) in [
                    ("missing", nil), ("wrong", "t0K"), ("prefix", "t0"), ("longer", "t0kk"), ("empty", ""),
                ]
                    as [(String, String?)]
                {
                    let conn = try server.connect()
                    let r = try conn.hello(token: token, id: 3)
                    let e = errorOf(r)
                    #expect(e?.code == .authenticationFailed, "\(name) token: \(r)")
                    #expect(conn.waitForClose() == .closed, "\(name) token: connection not closed")
                }
                // The Swift client surfaces it as a typed error.
                do {
                    _ = try server.client(token: "nope").connect()
                    Issue.record("connect with a wrong token succeeded")
                } catch let e as ClientError {
                    #expect(e.kind == .server(.authenticationFailed), "\(e)")
                }
                // The right token works, raw and through the clients.
                let conn = try server.connect()
                if case .helloOK = try conn.hello(token: "t0k") {} else { Issue.record("the right token was refused") }
                try conn.send(.search(SearchRequest(query: "saiga")), id: 5)
                let (id, r) = try conn.readResponse()
                #expect(id == 5)
                if case .results(let got) = r {
                    expectSame(got, try librarySearch(idx, SearchRequest(query: "saiga")), "with token")
                } else {
                    Issue.record("\(r)")
                }
                try expectStillServing(server, idx, token: "t0k")
                let py = try await python([server.address, "search", "saiga", "--token", "t0k"])
                #expect(py.succeeded, "\(py)")
                let pyBad = try await python([server.address, "search", "saiga", "--token", "bad"])
                #expect(pyBad.status == 1 && pyBad.stdout.contains("\"error\": 8"), "\(pyBad)")
                // saiga search --server with and without the token.
                let ok = try await saiga(["search", "--server", server.address, "--token", "t0k", "--json", "saiga"])
                #expect(ok.succeeded, "\(ok)")
                let refused = try await saiga(["search", "--server", server.address, "--json", "saiga"])
                #expect(refused.status == 1 && refused.stderr.contains("authentication"), "\(refused)")
                let viaEnv = try await saiga(
                    ["search", "--server", server.address, "--json", "saiga"],
                    environment: ["SAIGA_TOKEN": "t0k"])
                #expect(viaEnv.succeeded, "\(viaEnv)")
            }
        }
    }

    @Test("a client that vanishes mid-frame or with requests in flight does not disturb the server")
    func vanishingClients() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx) { server in
                for i in 0..<20 {
                    let conn = try server.connect()
                    try conn.handshake()
                    var bytes: [UInt8] = []
                    for j in 0..<10 {
                        // Snippets on a few only: the server runs abandoned requests to the end, and snippets are
                        // what makes a search slow in a debug build.
                        let req = SearchRequest(query: "the OR rights", k: 13, snippets: j == 0)
                        req.frameBytes(id: UInt32(j), into: &bytes)
                    }
                    // Half of them also leave a partial frame behind.
                    if i % 2 == 0 { bytes += [0, 0, 1, 0, 3] }
                    try conn.send(bytes)
                    conn.close()
                }
                try expectStillServing(server, idx)
            }
        }
    }
}
