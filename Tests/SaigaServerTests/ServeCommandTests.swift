// The `saiga serve` command line: the listen address policy, startup errors, and logging to stderr.

import Foundation
import Saiga
import SaigaClient
import SaigaWire
import Testing

@Suite("saiga serve: command line and logging", .timeLimit(.minutes(2)))
struct ServeCommandTests {
    @Test("a non-loopback --listen without a token is refused; with --token or $SAIGA_TOKEN it starts")
    func nonLoopbackNeedsToken() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            for extra in [[], ["--token", ""]] as [[String]] {
                let r = try await saiga(["serve", "--index", idx.path, "--listen", "0.0.0.0:0"] + extra, timeout: 15)
                #expect(!r.timedOut && r.exit.code != nil && r.exit.code != 0, "\(r)")
                #expect(r.stderr.lowercased().contains("token"), "the message should mention the token:\n\(r)")
                #expect(!r.stdout.contains("listening on"), "\(r)")
            }
            // An empty $SAIGA_TOKEN is no token either.
            let empty = try await saiga(
                ["serve", "--index", idx.path, "--listen", "0.0.0.0:0"],
                environment: ["SAIGA_TOKEN": ""], timeout: 15)
            #expect(!empty.timedOut && empty.exit.code != 0, "\(empty)")

            // With a token it starts; clients need the token.
            try await withServer(index: idx, ["--listen", "0.0.0.0:0", "--token", "x"]) { server in
                #expect(server.address.hasPrefix("0.0.0.0:"), "\(server.address)")
                let client = SaigaClient(
                    host: "127.0.0.1", port: server.port, token: "x", connectTimeout: .seconds(10),
                    requestTimeout: .seconds(20))
                let r = try await client.search(SearchRequest(query: "saiga"))
                expectSame(r, try librarySearch(idx, SearchRequest(query: "saiga")), "non-loopback with token")
                let conn = try server.connect()
                #expect(errorOf(try conn.hello())?.code == .authenticationFailed)
            }
            try await withServer(index: idx, ["--listen", "0.0.0.0:0"], environment: ["SAIGA_TOKEN": "envtok"]) {
                server in
                let conn = try server.connect()
                if case .helloOK = try conn.hello(token: "envtok") {} else { Issue.record("$SAIGA_TOKEN was not used") }
            }
        }
    }

    @Test("startup errors: exit non-zero with a message, nothing on stdout")
    func startupErrors() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let cases: [([String], String)] = [
                (["--index", dir.appendingPathComponent("nope").path, "--listen", "127.0.0.1:0"], "no index"),
                (["--index", idx.path, "--listen", "nonsense"], "--listen"),
                (["--index", idx.path, "--listen", "127.0.0.1:70000"], "--listen"),
                (["--index", idx.path, "--listen", "127.0.0.1:0", "--workers", "0"], "--workers"),
                (["--index", idx.path, "--listen", "127.0.0.1:0", "--max-frame-bytes", "10"], "--max-frame-bytes"),
                (["--index", idx.path, "--listen", "127.0.0.1:0", "extra"], "no arguments"),
            ]
            for (args, message) in cases {
                let r = try await saiga(["serve"] + args, timeout: 15)
                #expect(!r.timedOut && r.exit.code != nil && r.exit.code != 0, "\(r)")
                #expect(r.stderr.contains(message), "expected \"\(message)\" in:\n\(r)")
                #expect(r.stdout.isEmpty, "\(r)")
            }
            // The port is taken.
            try await withServer(index: idx) { server in
                let r = try await saiga(["serve", "--index", idx.path, "--listen", server.address], timeout: 15)
                #expect(!r.timedOut && r.exit.code == 1, "\(r)")
                #expect(r.stderr.contains("in use"), "\(r)")
                try expectStillServing(server, idx)
            }
        }
    }

    @Test("stderr: a line per connection opened and closed and per error")
    func logging() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx) { server in
                #expect(await server.waitForLog { $0.contains("serving \(idx.path) (commit 1)") }, "\(server.stderr)")

                // A clean connection: open, requests, closed by us.
                let a = try server.connect()
                try a.handshake()
                try a.send(.ping([]), id: 1)
                _ = try a.readResponse()
                let aPort = a.localPort
                a.close()
                // A recoverable error, then closed by us.
                let b = try server.connect()
                try b.handshake()
                try b.send(rawFrame(type: 0x3F, id: 2))
                _ = try b.readResponse()
                try b.send(.search(SearchRequest(query: "(oops")), id: 3)
                _ = try b.readResponse()
                let bPort = b.localPort
                b.close()
                // A fatal error: the server closes.
                let c = try server.connect()
                try c.send(rawFrame(type: 2, id: 4))
                _ = try c.readResponse()
                let cPort = c.localPort
                #expect(c.waitForClose() == .closed)
                c.close()

                func connectionID(_ port: Int) async -> String? {
                    let opened = "from 127.0.0.1:\(port)"
                    guard await server.waitForLog({ $0.contains(opened) }),
                        let line = server.stderrLines.first(where: { $0.contains(opened) })
                    else { return nil }
                    // "saiga serve: connection N from 127.0.0.1:PORT"
                    let words = line.split(separator: " ")
                    guard let i = words.firstIndex(of: "connection"), i + 1 < words.count else { return nil }
                    return String(words[i + 1])
                }
                let ids = [await connectionID(aPort), await connectionID(bPort), await connectionID(cPort)]
                #expect(ids.allSatisfy { $0 != nil }, "no open line for a connection:\n\(server.stderr)")
                #expect(Set(ids.compactMap { $0 }).count == 3, "\(ids)")
                guard let aID = ids[0], let bID = ids[1], let cID = ids[2] else { return }

                for id in [aID, bID, cID] {
                    #expect(
                        await server.waitForLog { $0.contains("connection \(id) closed") },
                        "no close line for connection \(id):\n\(server.stderr)")
                }
                let lines = server.stderrLines
                #expect(lines.contains { $0.contains("connection \(aID) closed: peer closed") }, "\(server.stderr)")
                #expect(
                    !lines.contains { $0.hasPrefix("saiga serve: connection \(aID): ") },
                    "an error logged for a clean connection:\n\(server.stderr)")
                #expect(
                    lines.contains { $0.contains("connection \(bID): unknown message type (3)") }, "\(server.stderr)")
                #expect(
                    await server.waitForLog { $0.contains("connection \(bID): invalid query (10)") }, "\(server.stderr)"
                )
                #expect(lines.contains { $0.contains("connection \(cID): handshake required (9)") }, "\(server.stderr)")
                #expect(lines.filter { $0.contains("connection \(cID) closed") }.count == 1, "\(server.stderr)")
                // Every line is prefixed.
                for line in server.stderrLines { #expect(line.hasPrefix("saiga serve: "), "\(line)") }
            }
        }
    }

    @Test("--quiet: nothing on stderr, through connections, errors, a reload and shutdown")
    func quiet() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx, ["--quiet", "--reload-interval", "0.2"]) { server in
                let a = try server.connect()
                try a.handshake()
                try a.send(rawFrame(type: 0x3F, id: 2))
                _ = try a.readResponse()
                try a.send(.search(SearchRequest(query: "(oops")), id: 3)
                _ = try a.readResponse()
                a.close()
                let c = try server.connect()
                try c.send(rawFrame(type: 2, id: 4))
                _ = try c.readResponse()
                _ = c.waitForClose()
                try await buildIndex([corpusDirectory], at: idx)
                let g = try IndexReader(path: idx.path).generation
                #expect(await waitForGeneration(server, g) == g)
                try expectStillServing(server, idx)
                server.signal(SIGTERM)
                let status = await server.waitForExit(timeout: 10)
                #expect(status == ChildExit(waitStatus: 0), "\(String(describing: status))")
                #expect(server.stderr.isEmpty, "stderr with --quiet:\n\(server.stderr)")
            }
        }
    }
}
