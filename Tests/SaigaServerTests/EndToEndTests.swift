// End-to-end equality: a real `saiga serve` process answers exactly what the embedded library answers, through the
// Swift client (blocking and async), the Python client and `saiga search --server`.

import Foundation
import Saiga
import SaigaClient
import SaigaWire
import Testing

/// The corpus plus a few JSON Lines documents with extra stored fields and non-ASCII text.
func buildEndToEndIndex(in dir: URL, sourceLocation: SourceLocation = #_sourceLocation) async throws -> URL {
    let extra = dir.appendingPathComponent("extra.jsonl")
    let lines = [
        #"{"id": "x1", "title": "Saiga antelope", "contents": "The saiga antelope lives on the steppe of Kazakhstan. Its nose filters dust in summer.", "lang": "en", "year": 2024, "featured": true}"#,
        #"{"id": "x2", "title": "Café naïve — Ünïcödé", "contents": "A café in Almaty serves naïve coffee; the steppe café opens at dawn. 日本語 テキスト.", "lang": "fr"}"#,
        #"{"id": "x3", "title": "Steppe ecology", "contents": "Grasslands of the steppe: saiga herds, wolves, eagles and the rights of herders.", "lang": "en", "year": 1999}"#,
    ]
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: extra)
    let idx = dir.appendingPathComponent("idx")
    try await buildIndex([corpusDirectory, extra], at: idx, sourceLocation: sourceLocation)
    return idx
}

/// Searches covering the query language and the SEARCH options.
let endToEndRequests: [SearchRequest] = [
    SearchRequest(query: "saiga"),
    SearchRequest(query: "human rights"),
    SearchRequest(query: "\"human rights\""),
    SearchRequest(query: "\"death penalty\""),
    SearchRequest(query: "+kazakhstan -government"),
    SearchRequest(query: "+human +rights -decree"),
    SearchRequest(query: "government AND democracy"),
    SearchRequest(query: "saiga OR dicaprio OR steppe"),
    SearchRequest(query: "(human OR civil) AND rights NOT decree"),
    SearchRequest(query: "title:kazakhstan"),
    SearchRequest(query: "body:penalty OR title:steppe"),
    SearchRequest(query: "democra*"),
    SearchRequest(query: "café naïve"),
    SearchRequest(query: "the", k: 20, offset: 5),
    SearchRequest(query: "rights", k: 3, offset: 2),
    SearchRequest(query: "rights kazakhstan", k: 7, k1: 2.0, b: 0.3),
    SearchRequest(query: "rights kazakhstan", k: 7, k1: 0.5, b: 1.0),
    SearchRequest(query: "kazakhstan", k: 0),
    SearchRequest(query: "steppe", fields: ["*"]),
    SearchRequest(query: "steppe", fields: ["lang", "year"], snippets: false),
    SearchRequest(query: "zzzqqqxxx"),
    SearchRequest(query: "steppe saiga (oil", syntax: .anyWords),
    SearchRequest(query: "steppe saiga", syntax: .allWords),
]

@Suite("saiga serve: end-to-end equality with the library", .timeLimit(.minutes(2)))
struct EndToEndTests {
    @Test("the Swift client's RESULTS, DOCUMENT, STATS_RESULT and PONG equal the library's")
    func swiftClientEqualsLibrary() async throws {
        try await withTempDir { dir in
            let idx = try await buildEndToEndIndex(in: dir)
            let reader = try IndexReader(path: idx.path)
            try await withServer(index: idx) { server in
                let client = try server.client()
                let hello = try client.connect()
                #expect(hello.version == 1)
                #expect(hello.generation == reader.generation)
                #expect(hello.maxFrameLength == UInt32(Frame.defaultMaxLength))
                #expect(hello.server.hasPrefix("saiga"), "\(hello)")

                var allIDs = Set<String>()
                for req in endToEndRequests {
                    let expected = try librarySearch(reader, req)
                    let got: SearchResponse
                    do { got = try client.search(req) } catch {
                        Issue.record("search \(req) failed: \(error)")
                        continue
                    }
                    #expect(got.generation == reader.generation, "\(req)")
                    expectSame(got, expected, "\(req)")
                    allIDs.formUnion(expected.hits.map(\.id))
                }
                // The list above is not vacuous.
                #expect(allIDs.count >= 10, "\(allIDs)")

                // An invalid query: code 10 with the 1-based column the message names (the library's offset + 1).
                for bad in ["(unclosed", "title:", "\"open phrase", "a AND"] {
                    var libError: SaigaError?
                    do throws(SaigaError) { _ = try reader.search(bad) } catch { libError = error }
                    do {
                        _ = try client.search(SearchRequest(query: bad))
                        Issue.record("\(bad): expected invalid query; library said \(String(describing: libError))")
                    } catch let error as ClientError {
                        if let libError, libError.code == .invalidQuery {
                            #expect(error.kind == .server(.invalidQuery), "\(bad): \(error)")
                            #expect(
                                error.offset == libError.offset.map { $0 + 1 },
                                "\(bad): column \(String(describing: error.offset)) vs \(String(describing: libError.offset))"
                            )
                            #expect(
                                error.offset.map { error.message.contains("column \($0)") } == true, "\(bad): \(error)")
                            #expect(error.message == libError.message, "\(bad)")
                        } else {
                            Issue.record(
                                "\(bad): the server said \(error), the library \(String(describing: libError))")
                        }
                    }
                }
                // Out-of-range arguments: code 11, and the connection stays usable.
                for req in [
                    SearchRequest(query: "saiga", k: 10_001), SearchRequest(query: "saiga", offset: 100_001),
                    SearchRequest(query: "saiga", k1: -1), SearchRequest(query: "saiga", b: 1.5),
                ] {
                    do {
                        _ = try client.search(req)
                        Issue.record("\(req): expected invalid argument")
                    } catch let error as ClientError {
                        #expect(error.kind == .server(.invalidArgument), "\(req): \(error)")
                    }
                }

                // GET: every document the searches returned, as stored; an unknown id is not found.
                for id in allIDs.sorted() {
                    let expected = try #require(try reader.document(id: id))
                    let got = try #require(try client.document(id: id), "GET \(id) not found")
                    #expect(got.found)
                    #expect(got.id == expected.id)
                    #expect(got.title == expected.title, "\(id)")
                    #expect(got.body == expected.body, "\(id)")
                    let fields = Dictionary(
                        expected.fields.map { ($0.name, $0.value.description) }, uniquingKeysWith: { a, _ in a })
                    #expect(got.fields == fields, "\(id)")
                }
                let x1 = try #require(try client.document(id: "x1"))
                #expect(x1.fields["lang"] == "en" && x1.fields["year"] != nil, "\(x1.fields)")
                #expect(try client.document(id: "no-such-document") == nil)
                #expect(try client.document(id: "") == nil)

                // STATS equals the library's statistics.
                let s = try client.stats()
                let ls = reader.statistics
                #expect(s.documents == UInt64(ls.documents))
                #expect(s.documents == 16)
                #expect(s.segments == UInt32(ls.segments))
                #expect(s.terms == UInt64(ls.terms))
                #expect(s.postings == UInt64(ls.postings))
                #expect(s.bytes == UInt64(ls.bytes))
                #expect(s.generation == ls.generation)

                // PING, and PING with data through the pipeline (echoed).
                let rtt = try client.ping()
                #expect(rtt >= .zero && rtt < .seconds(5))
                let answers = try client.pipeline([.ping([1, 2, 3, 0, 255]), .stats(), .get(GetRequest(id: "x2"))])
                #expect(answers.count == 3)
                #expect(answers.first == .pong([1, 2, 3, 0, 255]))
                if case .stats(let s2) = answers[1] { #expect(s2 == s) } else { Issue.record("\(answers[1])") }
                if case .document(let d) = answers[2] {
                    #expect(d.title == "Café naïve — Ünïcödé")
                } else {
                    Issue.record("\(answers[2])")
                }
                client.close()
            }
        }
    }

    @Test("the async client methods work and agree with the library")
    func asyncClient() async throws {
        try await withTempDir { dir in
            let idx = try await buildEndToEndIndex(in: dir)
            let reader = try IndexReader(path: idx.path)
            try await withServer(index: idx) { server in
                let client = try server.client()
                let rtt = try await client.ping()
                #expect(rtt >= .zero)
                for req in endToEndRequests.prefix(8) {
                    let got = try await client.search(req)
                    expectSame(got, try librarySearch(reader, req), "async \(req)")
                }
                let simple = try await client.search("saiga", k: 3)
                expectSame(simple, try librarySearch(reader, SearchRequest(query: "saiga", k: 3)), "async saiga k 3")
                let doc = try await client.document(id: "x3")
                #expect(doc?.title == "Steppe ecology")
                let missing = try await client.document(id: "nope")
                #expect(missing == nil)
                let stats = try await client.stats()
                #expect(stats.documents == UInt64(reader.documentCount))
                #expect(stats.generation == reader.generation)

                // Many concurrent async calls on one client (serialised on its connection) and on several.
                let clients = try (0..<4).map { _ in try server.client() }
                let queries = ["saiga", "human rights", "steppe", "kazakhstan", "\"death penalty\"", "democra*"]
                let results = try await withThrowingTaskGroup(of: (String, SearchResponse).self) { group in
                    for i in 0..<24 {
                        let q = queries[i % queries.count]
                        let c = i % 2 == 0 ? client : clients[i % 4]
                        group.addTask { (q, try await c.search(SearchRequest(query: q))) }
                    }
                    var out: [(String, SearchResponse)] = []
                    for try await r in group { out.append(r) }
                    return out
                }
                #expect(results.count == 24)
                for (q, r) in results {
                    expectSame(r, try librarySearch(reader, SearchRequest(query: q)), "concurrent async \(q)")
                }

                // A server error comes back as a typed ClientError.
                do {
                    _ = try await client.search("(oops")
                    Issue.record("expected invalid query")
                } catch let e as ClientError {
                    #expect(e.kind == .server(.invalidQuery), "\(e)")
                }
            }
        }
    }

    @Test("the Python client prints the library's results")
    func pythonClientEqualsLibrary() async throws {
        let probe = try await run("/usr/bin/env", ["python3", "--version"], timeout: 20)
        try #require(probe.succeeded, "python3 is needed for this test:\n\(probe)")
        try await withTempDir { dir in
            let idx = try await buildEndToEndIndex(in: dir)
            let reader = try IndexReader(path: idx.path)
            try await withServer(index: idx) { server in
                let cases: [(String, Int)] = [
                    ("saiga", 10), ("human rights", 5), ("\"human rights\"", 10), ("\"death penalty\"", 10),
                    ("+kazakhstan -government", 10), ("government AND democracy", 10), ("saiga OR dicaprio", 10),
                    ("title:kazakhstan", 4), ("body:penalty", 10), ("democra*", 10),
                    ("(human OR civil) AND rights", 10),
                    ("café naïve", 10), ("the", 20), ("rights", 1), ("zzzqqqxxx", 10), ("kazakhstan", 0),
                ]
                for (q, k) in cases {
                    let r = try await python([server.address, "search", q, "--k", String(k)])
                    guard r.succeeded else {
                        Issue.record("python search \(q):\n\(r)")
                        continue
                    }
                    let got = try parseSearchJSON(r.stdout)
                    let expected = try librarySearch(reader, SearchRequest(query: q, k: UInt32(k)))
                    #expect(got.total == expected.total, "\(q)")
                    #expect(got.hits.map(\.id) == expected.hits.map(\.id), "\(q)")
                    for (g, e) in zip(got.hits, expected.hits) {
                        #expect(closeEnough(g.score, Double(e.score)), "\(q) \(e.id): \(g.score) vs \(e.score)")
                        #expect(g.title == e.title, "\(q) \(e.id)")
                        #expect(g.snippet == e.snippet, "\(q) \(e.id)")
                    }
                }

                // An invalid query: the Python client reports code 10 and the column.
                let bad = try await python([server.address, "search", "(unclosed"])
                #expect(bad.status == 1, "\(bad)")
                let badJSON = try parseJSONObject(bad.stdout)
                #expect((badJSON["error"] as? NSNumber)?.intValue == 10, "\(bad)")

                // get, stats and ping.
                let get = try await python([server.address, "get", "x2"])
                let doc = try parseJSONObject(get.stdout)
                let expected = try #require(try reader.document(id: "x2"))
                #expect(doc["title"] as? String == expected.title)
                #expect(doc["body"] as? String == expected.body)
                #expect((doc["fields"] as? [String: String])?["lang"] == "fr")
                let stats = try parseJSONObject(try await python([server.address, "stats"]).stdout)
                #expect((stats["docs"] as? NSNumber)?.intValue == reader.documentCount)
                #expect((stats["terms"] as? NSNumber)?.intValue == reader.statistics.terms)
                #expect((stats["generation"] as? NSNumber)?.uint64Value == reader.generation)
                let ping = try parseJSONObject(try await python([server.address, "ping"]).stdout)
                #expect(ping["pong"] as? String == "x")
            }
        }
    }

    @Test("saiga search --server ADDR --json prints what the local search prints")
    func searchServerEqualsLocal() async throws {
        try await withTempDir { dir in
            let idx = try await buildEndToEndIndex(in: dir)
            try await withServer(index: idx) { server in
                let cases: [[String]] = [
                    ["saiga"], ["human rights"], ["\"death penalty\""], ["+kazakhstan -government"],
                    ["title:kazakhstan"], ["democra*"], ["café naïve"], ["-k", "3", "--offset", "2", "rights"],
                    ["-k", "20", "the"], ["--k1", "2.0", "--b", "0.3", "rights", "kazakhstan"],
                    ["--no-snippets", "steppe"],
                    ["--fields", "lang,year", "steppe"], ["zzzqqqxxx"], ["--exact-count", "the"],
                ]
                for args in cases {
                    let local = try await saiga(["search", "--index", idx.path, "--json"] + args)
                    let remote = try await saiga(["search", "--server", server.address, "--json"] + args)
                    guard local.succeeded, remote.succeeded else {
                        Issue.record("\(args):\nlocal: \(local)\nremote: \(remote)")
                        continue
                    }
                    let l = try parseSearchJSON(local.stdout)
                    let r = try parseSearchJSON(remote.stdout)
                    #expect(r.total == l.total, "\(args)")
                    #expect(
                        try parseJSONObject(remote.stdout)["total_exact"] as? Bool
                            == parseJSONObject(local.stdout)["total_exact"] as? Bool, "\(args)")
                    #expect(r.hits.map(\.id) == l.hits.map(\.id), "\(args)")
                    #expect(r.hits.map(\.title) == l.hits.map(\.title), "\(args)")
                    #expect(r.hits.map(\.snippet) == l.hits.map(\.snippet), "\(args)")
                    for (a, b) in zip(r.hits, l.hits) {
                        #expect(closeEnough(a.score, b.score), "\(args) \(a.id): \(a.score) vs \(b.score)")
                    }
                    let lf = try parseJSONObject(local.stdout)["hits"] as? [[String: Any]] ?? []
                    let rf = try parseJSONObject(remote.stdout)["hits"] as? [[String: Any]] ?? []
                    #expect(
                        rf.map { $0["fields"] as? [String: String] } == lf.map { $0["fields"] as? [String: String] },
                        "\(args)")
                    #expect(remote.stderr.isEmpty, "\(remote)")
                }
                // An invalid query fails the same way.
                let local = try await saiga(["search", "--index", idx.path, "--json", "(oops"])
                let remote = try await saiga(["search", "--server", server.address, "--json", "(oops"])
                #expect(local.status == 1 && remote.status == 1, "local: \(local)\nremote: \(remote)")
                #expect(remote.stderr == local.stderr, "local: \(local)\nremote: \(remote)")
                #expect(remote.stdout.isEmpty, "\(remote)")
            }
            // No server there: exit 1 with a message, nothing on stdout.
            let refused = try await saiga(["search", "--server", "127.0.0.1:1", "--json", "saiga"])
            #expect(
                refused.status == 1 && refused.stderr.contains("cannot connect") && refused.stdout.isEmpty, "\(refused)"
            )
        }
    }
}
