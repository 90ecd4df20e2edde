import Foundation
import Saiga
import SaigaClient
import SaigaWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP listener for operators' tools (`saiga serve --http`), on a real server and real sockets.
@Suite("saiga serve --http: /health and /metrics", .timeLimit(.minutes(2)))
struct HTTPTests {
    /// Sends `request` (raw bytes) to 127.0.0.1:`port` and returns the whole answer (the server closes).
    static func exchange(_ port: Int, _ request: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(rc == 0)
        let bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            answer += buffer[0..<n]
        }
        return String(decoding: answer, as: UTF8.self)
    }

    static func get(_ port: Int, _ path: String, token: String? = nil) throws -> String {
        try exchange(
            port,
            "GET \(path) HTTP/1.1\r\nHost: x\r\n" + (token.map { "Authorization: Bearer \($0)\r\n" } ?? "") + "\r\n")
    }

    @Test("health, metrics that count the searches, and the errors a bad request gets")
    func healthAndMetrics() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx, ["--http", "127.0.0.1:0"]) { server in
                let health = try Self.get(server.httpPort, "/health")
                #expect(health.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(health)")
                #expect(health.contains("\"status\":\"ok\"") && health.contains("\"documents\":13"), "\(health)")
                let client = SaigaClient(
                    host: "127.0.0.1", port: server.port, connectTimeout: .seconds(10), requestTimeout: .seconds(20))
                for q in ["saiga", "steppe", "human rights"] { _ = try await client.search(SearchRequest(query: q)) }
                _ = try? await client.search(SearchRequest(query: "title:("))  // an invalid query: an error
                let metrics = try Self.get(server.httpPort, "/metrics")
                #expect(metrics.hasPrefix("HTTP/1.1 200 OK\r\n"))
                #expect(metrics.contains("Content-Type: text/plain; version=0.0.4"))
                let body = String(metrics[metrics.range(of: "\r\n\r\n")!.upperBound...])
                var values: [String: Double] = [:]
                for line in body.split(separator: "\n") where !line.hasPrefix("#") {
                    let parts = line.split(separator: " ")
                    #expect(parts.count == 2, "\(line)")
                    values[String(parts[0])] = Double(parts[1])
                }
                #expect(values["saiga_requests_total{kind=\"search\"}"] == 4)
                #expect(values["saiga_search_duration_seconds_count"] == 4)
                #expect(values["saiga_search_duration_seconds_bucket{le=\"+Inf\"}"] == 4)
                #expect(values["saiga_errors_total{code=\"invalid_query\"}"] == 1, "\(body)")
                #expect(values["saiga_connections"] == 1)
                // The index's gauges are labelled with its name (the directory's, with --index).
                #expect(values["saiga_documents{index=\"idx\"}"] == 13, "\(body)")
                #expect((values["saiga_index_bytes{index=\"idx\"}"] ?? 0) > 0)
                // Buckets are cumulative.
                let buckets = body.split(separator: "\n").filter {
                    $0.hasPrefix("saiga_search_duration_seconds_bucket")
                }
                .compactMap { Double($0.split(separator: " ")[1]) }
                #expect(buckets == buckets.sorted() && buckets.count == 15)
                // What a bad request gets.
                #expect(try Self.get(server.httpPort, "/nope").hasPrefix("HTTP/1.1 404"))
                #expect(try Self.exchange(server.httpPort, "POST /health HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 405"))
                #expect(try Self.exchange(server.httpPort, "NONSENSE\r\n\r\n").hasPrefix("HTTP/1.1 400"))
                let huge = "GET /health HTTP/1.1\r\nX: " + String(repeating: "a", count: 20_000) + "\r\n\r\n"
                #expect(try Self.exchange(server.httpPort, huge).hasPrefix("HTTP/1.1 431"))
                #expect(try Self.exchange(server.httpPort, "GET /he\u{FF}").hasPrefix("HTTP/1.1 408"))  // after 5 s
                // The protocol still answers.
                let after = try await client.search(SearchRequest(query: "saiga"))
                #expect(after.total >= 1)
            }
        }
    }

    @Test("with a token, every request must carry it; it never reaches the log")
    func tokenRequired() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx, ["--http", "127.0.0.1:0", "--token", "t0ken-s3cret"]) { server in
                let refused = try Self.get(server.httpPort, "/metrics")
                #expect(refused.hasPrefix("HTTP/1.1 401") && refused.contains("WWW-Authenticate: Bearer"))
                #expect(try Self.get(server.httpPort, "/health", token: "wrong").hasPrefix("HTTP/1.1 401"))
                #expect(try Self.get(server.httpPort, "/health", token: "t0ken-s3cret").hasPrefix("HTTP/1.1 200"))
                #expect(!server.stderr.contains("t0ken-s3cret"))
            }
            // Off loopback without a token: refused at startup.
            let bad = try await saiga(["serve", "--index", idx.path, "--http", "0.0.0.0:0"])
            #expect(bad.status == 1 && bad.stderr.contains("without a token"), "\(bad)")
        }
    }

    @Test("GET /search answers the query language as JSON, and a bad query as 400 with its column")
    func searchEndpoint() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let expected = try IndexReader(path: idx.path).search("\"death penalty\"", options: SearchOptions(k: 3))
            try await withServer(index: idx, ["--http", "127.0.0.1:0"]) { server in
                func json(_ path: String) throws -> (status: String, object: [String: Any]) {
                    let answer = try Self.get(server.httpPort, path)
                    let status = String(answer[..<(answer.range(of: "\r\n")?.lowerBound ?? answer.endIndex)])
                    let body = String(answer[answer.range(of: "\r\n\r\n")!.upperBound...])
                    let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
                    return (status, object)
                }
                let found = try json("/search?q=%22death+penalty%22&k=3")
                #expect(found.status == "HTTP/1.1 200 OK")
                #expect(found.object["total"] as? Int == expected.total)
                let hits = found.object["hits"] as? [[String: Any]] ?? []
                #expect(hits.map { $0["id"] as? String } == expected.hits.map(\.id))
                #expect((hits.first?["snippet"] as? String)?.contains("<b>") == true)
                let cyrillic = try json("/search?q=" + "Казахстан".utf8.map { "%" + String($0, radix: 16) }.joined())
                #expect(cyrillic.status == "HTTP/1.1 200 OK" && cyrillic.object["total"] is Int)
                let bad = try json("/search?q=title%3A%28")
                #expect(bad.status == "HTTP/1.1 400 Bad Request")
                #expect(bad.object["error"] as? String == "invalid query" && bad.object["column"] as? Int == 7)
                #expect(try json("/search").status == "HTTP/1.1 400 Bad Request")
                #expect(try json("/search?q=x&k=abc").status == "HTTP/1.1 400 Bad Request")
                #expect(try json("/search?q=x&k=20000").object["error"] as? String == "invalid argument")
                #expect(try Self.get(server.httpPort, "/search?q=%G1").hasPrefix("HTTP/1.1 400"))
                // Filters, sorts and facets, as saiga search takes them (the articles carry a source).
                let library = try IndexReader(path: idx.path).search(
                    "the", options: SearchOptions(facets: [FacetRequest("source", .terms(size: 10))]))
                let faceted = try json("/search?q=the&facet=source")
                let facets = faceted.object["facets"] as? [[String: Any]] ?? []
                let buckets = facets.first?["buckets"] as? [[String: Any]] ?? []
                #expect(buckets.map { $0["label"] as? String } == library.facets.first?.buckets.map(\.label))
                #expect(buckets.map { $0["count"] as? Int } == library.facets.first?.buckets.map(\.count))
                let label = try #require(library.facets.first?.buckets.first?.label)
                let filtered = try json("/search?q=the&filter=source%3A" + label)
                #expect(filtered.object["total"] as? Int == library.facets.first?.buckets.first?.count)
                #expect(try json("/search?q=the&facet=nosuch").status == "HTTP/1.1 400 Bad Request")
            }
        }
    }
}
