import Foundation
import Saiga
import SaigaClient
import SaigaWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("SaigaClient: reconnects and typed errors", .timeLimit(.minutes(2)))
struct ClientTests {
    @Test(
        "the client reconnects when the server drops its idle connection, and after a server restart on the same port")
    func reconnects() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let expected = try librarySearch(idx, SearchRequest(query: "saiga"))
            var port = 0
            let client: SaigaClient
            do {
                // The server closes a connection idle for 1 s; the next request finds it closed and reconnects.
                let first = try await withServer(index: idx, ["--idle-timeout", "1"]) { server in
                    port = server.port
                    let c = SaigaClient(
                        host: "127.0.0.1", port: server.port, connectTimeout: .seconds(10), requestTimeout: .seconds(20)
                    )
                    expectSame(try blockingSearch(c, "saiga"), expected, "before the idle timeout")
                    #expect(
                        await server.waitForLog(timeout: 10) { $0.contains("closed: idle") },
                        "the server did not close the idle connection:\n\(server.stderrLines.joined(separator: "\n"))")
                    expectSame(try blockingSearch(c, "saiga"), expected, "after the server closed it")
                    #expect(
                        server.stderrLines.filter { $0.contains(" from 127.0.0.1") }.count == 2,
                        "expected a second connection:\n\(server.stderrLines.joined(separator: "\n"))")
                    return c
                }
                client = first
            }
            // The first server is gone (SIGKILLed): a request now fails with a typed error, it does not hang.
            do throws(ClientError) {
                _ = try blockingSearch(client, "saiga")
                Issue.record("a search with no server succeeded")
            } catch {
                #expect(error.kind == .connectFailed || error.kind == .connectionClosed, "\(error)")
            }
            // A new server on the same port: the same client object works again.
            try await withServer(index: idx, ["--listen", "127.0.0.1:\(port)"]) { server in
                #expect(server.port == port)
                expectSame(try blockingSearch(client, "saiga"), expected, "after the restart")
                #expect(try await client.stats().documents == UInt64(try IndexReader(path: idx.path).documentCount))
            }
        }
    }

    @Test("typed errors: refused connection, a listener that never answers, an invalid query, an unknown id")
    func typedErrors() async throws {
        // Nothing listens on this port: it is bound (so no other test's server can take it meanwhile) but not
        // listening, and the kernel refuses connections to it.
        let (bound, unused) = try boundPort(listening: false)
        defer { close(bound) }
        let refused = SaigaClient(
            host: "127.0.0.1", port: unused, connectTimeout: .seconds(2), requestTimeout: .seconds(2))
        do throws(ClientError) {
            try refused.connect()
            Issue.record("connected to a closed port")
        } catch {
            #expect(error.kind == .connectFailed, "\(error)")
        }

        // A socket that accepts (the kernel completes the TCP handshake) but never sends HELLO_OK: the handshake
        // times out within the connect timeout instead of hanging.
        let (listener, port) = try silentListener()
        defer { close(listener) }
        let silent = SaigaClient(
            host: "127.0.0.1", port: port, connectTimeout: .seconds(1), requestTimeout: .seconds(1))
        let start = monotonicNow()
        do throws(ClientError) {
            try silent.connect()
            Issue.record("a handshake with a silent peer succeeded")
        } catch {
            #expect(error.kind == .timeout || error.kind == .connectFailed, "\(error)")
        }
        #expect(monotonicNow() - start < 5)

        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx) { server in
                let c = try server.client()
                do throws(ClientError) {
                    _ = try blockingSearch(c, "(saiga")
                    Issue.record("an unbalanced parenthesis was accepted")
                } catch {
                    #expect(error.kind == .server(.invalidQuery), "\(error)")
                    #expect(error.offset != nil, "no query offset in \(error)")
                }
                // The connection survives a server ERROR for one request.
                #expect(try await c.document(id: "no such id") == nil)
                #expect(try await c.ping() >= .zero)
            }
        }
    }
}

/// The blocking `search` (in an async test, a plain call would pick the async overload).
private func blockingSearch(_ c: SaigaClient, _ query: String) throws(ClientError) -> SearchResponse {
    try c.search(SearchRequest(query: query))
}

/// A listening socket on 127.0.0.1 that never reads or writes; returns it and its port.
private func silentListener() throws -> (Int32, Int) { try boundPort(listening: true) }

/// A socket bound to a free port of 127.0.0.1, listening or not (a bound socket that does not listen refuses
/// connections); returns it and its port.
private func boundPort(listening: Bool) throws -> (Int32, Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw RawError.io("socket") }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, len) == 0 && (!listening || listen(fd, 8) == 0) && getsockname(fd, $0, &len) == 0
        }
    }
    guard ok else {
        close(fd)
        throw RawError.io("bind/listen: \(String(cString: strerror(errno)))")
    }
    return (fd, Int(UInt16(bigEndian: addr.sin_port)))
}
