import Foundation
import Saiga
import SaigaClient
import SaigaWire
import Testing

/// The server's logs for operators: a slow-query log and JSON lines, from a real server on loopback.
@Suite("saiga serve: slow-query log and JSON lines", .timeLimit(.minutes(2)))
struct LogTests {
    @Test("--slow-query-ms 0 --log-format json: every line is a JSON object; each search is one slow_query event")
    func slowQueriesAsJSONLines() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(
                index: idx, ["--slow-query-ms", "0", "--log-format", "json", "--token", "s3cret-token"]
            ) { server in
                let client = SaigaClient(
                    host: "127.0.0.1", port: server.port, token: "s3cret-token", connectTimeout: .seconds(10),
                    requestTimeout: .seconds(20))
                let query = "saiga \"death penalty\" \u{1}tab\there"
                _ = try await client.search(SearchRequest(query: query))
                let logged = await server.waitForLog(timeout: 10) { $0.contains("slow_query") }
                #expect(logged, "\(server.stderr)")
                let lines = server.stderrLines.filter { !$0.isEmpty }
                #expect(lines.count >= 2)
                var slow: [[String: Any]] = []
                for line in lines {
                    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    #expect(object?["time"] is String && object?["message"] is String, "\(line)")
                    if object?["event"] as? String == "slow_query" { slow.append(object!) }
                    #expect(!line.contains("s3cret-token"), "the token was logged: \(line)")
                }
                #expect(slow.count == 1)
                let event = slow.first ?? [:]
                let loggedQuery = event["query"] as? String
                #expect(loggedQuery == query)
                let ms = (event["ms"] as? NSNumber)?.doubleValue ?? -1
                let total = (event["total"] as? NSNumber)?.intValue ?? 0
                #expect(ms >= 0)
                #expect(total >= 1)
                let outcome = event["outcome"] as? String
                #expect(outcome == "ok")
                let time = event["time"] as? String ?? ""
                #expect(time.count == 24 && time.hasSuffix("Z") && time.contains("T"), "\(time)")
            }
        }
    }

    @Test("without --slow-query-ms nothing is logged per search; text lines keep their prefix")
    func noSlowQueryLogByDefault() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx, ["--slow-query-ms", "100000"]) { server in
                let client = SaigaClient(
                    host: "127.0.0.1", port: server.port, connectTimeout: .seconds(10), requestTimeout: .seconds(20))
                _ = try await client.search(SearchRequest(query: "saiga"))
                let connected = await server.waitForLog(timeout: 10) { $0.contains("from 127.0.0.1") }
                #expect(connected)
                #expect(!server.stderr.contains("slow query"))
                #expect(server.stderrLines.filter { !$0.isEmpty }.allSatisfy { $0.hasPrefix("saiga serve: ") })
            }
            let bad = try await saiga(["serve", "--index", idx.path, "--log-format", "xml"])
            #expect(bad.status == 64 && bad.stderr.contains("--log-format"), "\(bad)")
        }
    }
}
