import Foundation
import Saiga
import SaigaClient
import SaigaWire
import Testing

/// Filters, sorts, facets and search-after over a real server: the Swift client, the Python client and
/// `saiga search --server` answer what the library answers.
@Suite("saiga serve: filters, sort, facets")
struct StructuredServerTests {
    static let products = """
        {"id": "p1", "title": "Felt yurt lamp", "contents": "A lamp of felt for steppe evenings.", "brand": "Altyn", "tags": ["lamp", "felt"], "price": 49.5, "stock": 12, "released": "2024-03-01", "eco": true}
        {"id": "p2", "title": "Dombra, walnut", "contents": "Two-string dombra made in Almaty.", "brand": "Saz", "tags": ["music"], "price": 320, "stock": 3, "released": "2023-11-20", "eco": false}
        {"id": "p3", "title": "Felt slippers", "contents": "Warm felt slippers for the steppe.", "brand": "Altyn", "tags": ["felt", "shoes"], "price": 25, "stock": 0, "released": "2025-01-15", "eco": true}
        {"id": "p4", "title": "Saiga poster", "contents": "The saiga antelope of the steppe.", "brand": "Dala", "tags": ["art"], "price": 15.99, "stock": 40, "released": "2025-06-02", "eco": true}
        {"id": "p5", "title": "Steppe tea set", "contents": "Cups and a teapot with steppe patterns.", "brand": "Dala", "tags": ["tea", "felt"], "price": 75, "stock": 7, "released": "2022-08-30", "eco": false}

        """

    @Test("SUGGEST: the Swift client, the Python client and saiga suggest --server complete as the library does")
    func suggestionsOverTheProtocol() async throws {
        try await withTempDir { dir in
            let file = dir.appendingPathComponent("products.jsonl")
            try Data(Self.products.utf8).write(to: file)
            let idx = dir.appendingPathComponent("idx")
            let built = try await saiga(["index", "--index", idx.path, file.path, "--quiet"])
            try #require(built.succeeded, "\(built)")
            let local = try IndexReader(path: idx.path).suggest("felt sl", limit: 3, titles: 2)
            #expect(local.completions.map(\.text) == ["felt slippers"])
            // Titles hold the words before the last, and one starting with it.
            #expect(local.titles.map(\.id) == ["p3"])
            #expect(try IndexReader(path: idx.path).suggest("fel", titles: 5).titles.map(\.id) == ["p3", "p1"])
            try await withServer(index: idx) { server in
                let client = try server.client()
                let r = try await client.suggest("felt sl", limit: 3, titles: 2)
                #expect(r.completions.map(\.text) == local.completions.map(\.text))
                #expect(r.completions.map(\.frequency) == local.completions.map { UInt64($0.frequency) })
                #expect(r.titles.map(\.id) == local.titles.map(\.id))
                #expect(r.titles.map(\.score) == local.titles.map(\.score))
                // Stemmed words complete as written: "slippers" (term slipper), "steppe" (term stepp).
                let st = try await client.suggest("st", limit: 5)
                #expect(st.completions.map(\.word) == ["steppe", "string"])
                #expect(st.completions.map(\.frequency) == [5, 1])
                // A bad limit is an invalid argument, and the connection stays usable.
                await #expect(throws: ClientError.self) { try await client.suggest("s", limit: 1000) }
                #expect(try await client.suggest("slip").completions.map(\.word) == ["slippers"])

                let viaServer = try await saiga([
                    "suggest", "felt sl", "--titles", "2", "--json", "--server", server.address,
                ])
                let viaIndex = try await saiga(["suggest", "felt sl", "--titles", "2", "--json", "--index", idx.path])
                #expect(viaServer.succeeded && viaIndex.succeeded, "\(viaServer)\n\(viaIndex)")
                #expect(viaServer.stdout == viaIndex.stdout, "\(viaServer.stdout)\n\(viaIndex.stdout)")

                // Snippets shaped by the request: fragments, length, tags; titles marked.
                var shaped = SearchRequest(query: "\"felt slippers\" steppe", k: 1)
                shaped.fragments = 2
                shaped.snippetLength = 40
                shaped.preTag = "["
                shaped.postTag = "]"
                let shapedHit = try #require(try await client.search(shaped).hits.first)
                #expect(shapedHit.id == "p3")
                #expect(shapedHit.titleHighlight == "[Felt] [slippers]", "\(shapedHit)")
                #expect(shapedHit.snippet?.contains("[felt] [slippers]") == true, "\(shapedHit)")
                shaped.fragments = 11
                await #expect(throws: ClientError.self) { try await client.search(shaped) }
                let cliArgs = [
                    "search", "\"felt slippers\" steppe", "-k", "1", "--json", "--fragments", "2", "--snippet-length",
                    "40", "--pre-tag", "[", "--post-tag", "]",
                ]
                let cliServer = try await saiga(cliArgs + ["--server", server.address])
                let cliIndex = try await saiga(cliArgs + ["--index", idx.path])
                #expect(cliServer.succeeded && cliServer.stdout == cliIndex.stdout, "\(cliServer)\n\(cliIndex)")
                #expect(cliIndex.stdout.contains("\"title_highlight\":\"[Felt] [slippers]\""), "\(cliIndex)")
                let pyShaped = try await python([
                    server.address, "search", "\"felt slippers\"", "--k", "1", "--pre-tag", "[", "--post-tag", "]",
                ])
                #expect(pyShaped.stdout.contains("\"title_highlight\": \"[Felt] [slippers]\""), "\(pyShaped)")

                // The fuzzy prefix length reaches the server: "set~2" with its "s" kept no longer matches "tea" or "the".
                var fuzzy = SearchRequest(query: "set~2", k: 5, snippets: false)
                let loose = try await client.search(fuzzy).hits.map(\.id)
                fuzzy.fuzzyPrefixLength = 1
                let strict = try await client.search(fuzzy).hits.map(\.id)
                var strictOptions = SearchOptions(k: 5, snippets: false)
                strictOptions.fuzzyPrefixLength = 1
                #expect(
                    strict == (try IndexReader(path: idx.path).search("set~2", options: strictOptions)).hits.map(\.id))
                #expect(strict.count < loose.count, "\(strict) \(loose)")

                // Expansion scoring reaches the server: a prefix scores its boost by default, its terms' BM25 when
                // asked, as the library scores them, through the Swift client, the Python client and the CLI.
                for mode in [ExpansionScoringMode.constant, .bm25, nil] {
                    var prefix = SearchRequest(query: "ste* slip*^2", k: 5, snippets: false)
                    prefix.expansionScoring = mode
                    var options = SearchOptions(k: 5, snippets: false)
                    options.expansionScoring = mode == .bm25 ? .bm25 : .constant
                    let local = try IndexReader(path: idx.path).search("ste* slip*^2", options: options).hits
                    let remote = try await client.search(prefix).hits
                    #expect(remote.map(\.id) == local.map(\.id))
                    #expect(remote.map(\.score) == local.map(\.score))
                    // p3 has steppe in its body and slippers in title and body: 1 + 2 + 2 as constants.
                    #expect(local[0].id == "p3")
                    #expect(mode == .bm25 ? local[0].score != 5 : local[0].score == 5, "\(local)")
                    let name = mode == .bm25 ? "bm25" : "constant"
                    let py = try await python([
                        server.address, "search", "ste* slip*^2", "--k", "5", "--expansion-scoring", name,
                    ])
                    let pyHits =
                        (try JSONSerialization.jsonObject(with: Data(py.stdout.utf8)) as? [String: Any])?["hits"]
                        as? [[String: Any]] ?? []
                    #expect(pyHits.map { $0["id"] as? String } == local.map(\.id), "\(py)")
                    #expect(pyHits.map { ($0["score"] as? Double).map(Float.init) } == local.map(\.score), "\(py)")
                    let cli = try await saiga([
                        "search", "ste* slip*^2", "-k", "5", "--json", "--no-snippets", "--expansion-scoring", name,
                        "--index", idx.path,
                    ])
                    let cliServer = try await saiga([
                        "search", "ste* slip*^2", "-k", "5", "--json", "--no-snippets", "--expansion-scoring", name,
                        "--server", server.address,
                    ])
                    #expect(cli.succeeded && cli.stdout == cliServer.stdout, "\(cli)\n\(cliServer)")
                }
                var badMode = FieldWriter()
                badMode.string(1, "ste*")
                badMode.raw(23, [7])  // no such mode
                #expect(throws: WireError.self) { try SearchRequest.decode(badMode.bytes) }

                // A profile through the protocol has the library's shape and counts.
                var profiled = SearchRequest(query: "felt OR steppe -tea", k: 2, snippets: false)
                profiled.profile = true
                let wireProfile = try #require(try await client.search(profiled).profile)
                let localProfile = try IndexReader(path: idx.path).profile("felt OR steppe -tea")
                #expect(wireProfile.matches == UInt64(localProfile.matches))
                func shape(_ c: WireProfile.Clause) -> String {
                    "\(c.description)/\(c.matches)/\(c.scored)[" + c.children.map(shape).joined(separator: ",") + "]"
                }
                func shape(_ c: QueryProfile.Clause) -> String {
                    "\(c.description)/\(c.matches)/\(c.scored)[" + c.children.map(shape).joined(separator: ",") + "]"
                }
                #expect(wireProfile.root.map(shape) == localProfile.root.map(shape))
                let pyProfile = try await python([server.address, "search", "felt OR steppe -tea", "--profile"])
                #expect(pyProfile.stdout.contains("\"profile\": {\"matches\": \(localProfile.matches)"), "\(pyProfile)")
                let cliProfile = try await saiga([
                    "search", "felt OR steppe -tea", "--profile", "--server", server.address,
                ])
                #expect(
                    cliProfile.succeeded && cliProfile.stdout.contains("profile: \(localProfile.matches) matches"),
                    "\(cliProfile)")

                let py = try await python([server.address, "suggest", "felt", "sl", "--limit", "3", "--titles", "2"])
                try #require(py.succeeded, "\(py)")
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(py.stdout.utf8)) as? [String: Any], "\(py)")
                let completions = try #require(object["completions"] as? [[String: Any]])
                #expect(completions.compactMap { $0["text"] as? String } == ["felt slippers"])
                #expect(completions.compactMap { $0["frequency"] as? Int } == local.completions.map(\.frequency))
                let titles = try #require(object["titles"] as? [[String: Any]])
                #expect(titles.compactMap { $0["id"] as? String } == ["p3"])
            }
        }
    }

    @Test("the Swift client, the Python client and --server agree with the library")
    func structuredOverTheProtocol() async throws {
        try await withTempDir { dir in
            let file = dir.appendingPathComponent("products.jsonl")
            try Data(Self.products.utf8).write(to: file)
            let idx = dir.appendingPathComponent("idx")
            let built = try await saiga(["index", "--index", idx.path, file.path, "--quiet"])
            try #require(built.succeeded, "\(built)")
            let reader = try IndexReader(path: idx.path)
            try await withServer(index: idx) { server in
                let client = try server.client()
                // A filtered, sorted page with facets, then the page after it.
                let request = SearchRequest(
                    query: "steppe OR felt", k: 2, snippets: false, filters: ["price:<=100"],
                    sort: ["released:desc"], facets: ["tags", "released:year", "price:0,50,100"])
                let r = try await client.search(request)
                let local = try reader.search(
                    "steppe OR felt",
                    options: SearchOptions(
                        k: 2, snippets: false, filter: ["price:<=100"], sort: [SortField("released", .descending)],
                        facets: try ["tags", "released:year", "price:0,50,100"].map {
                            try FacetRequest.parse($0, schema: reader.schema)
                        }))
                #expect(r.hits.map(\.id) == local.hits.map(\.id))
                #expect(r.hits.map(\.id) == ["p4", "p3"])
                #expect(r.total == UInt64(local.total))
                #expect(
                    r.hits.map { $0.sortValues.map { $0?.text } } == [
                        ["2025-06-02T00:00:00Z"], ["2025-01-15T00:00:00Z"],
                    ])
                #expect(r.hits.first?.sortValues.first??.kind == .date)
                #expect(r.facets.map(\.spec) == ["tags", "released:year", "price:0,50,100"])
                for (wire, lib) in zip(r.facets, local.facets) {
                    #expect(wire.buckets.map(\.label) == lib.buckets.map(\.label))
                    #expect(wire.buckets.map(\.count) == lib.buckets.map { UInt64($0.count) })
                    #expect(wire.otherCount == UInt64(lib.otherCount))
                }
                let tags = try #require(r.facets.first)
                #expect(tags.buckets.first?.label == "felt" && tags.buckets.first?.count == 3)
                let next = try #require(r.next)
                var second = request
                second.after = next
                let r2 = try await client.search(second)
                #expect(r2.hits.map(\.id) == ["p1", "p5"])

                // Errors: a bad filter points at its column, a bad sort or facet is an invalid argument.
                for (bad, kind) in [
                    (SearchRequest(query: "felt", filters: ["stock:many"]), ErrorCode.invalidQuery),
                    (SearchRequest(query: "felt", sort: ["colour"]), .invalidArgument),
                    (SearchRequest(query: "felt", facets: ["brand"]), .invalidArgument),
                    (SearchRequest(query: "felt", sort: ["price"], after: "nothex"), .invalidArgument),
                ] {
                    do throws(ClientError) {
                        _ = try await client.search(bad)
                        Issue.record("expected an error for \(bad)")
                    } catch {
                        #expect(error.kind == .server(kind), "\(bad): \(error)")
                    }
                }
                // The connection is still usable after the errors.
                #expect(try await client.search("felt").total == 2)

                // A misspelled word: the corrected query comes back in RESULTS field 8, to every client.
                let typo = try await client.search("slipers")
                #expect(typo.total == 0 && typo.didYouMean == "slippers", "\(typo)")
                #expect(try await client.search("felt").didYouMean == nil)
                // With typo tolerance (SEARCH field 15) the misspelled word finds the slippers.
                var tolerant = SearchRequest(query: "slipers")
                tolerant.typos = true
                let tol = try await client.search(tolerant)
                #expect(tol.total == 1 && tol.hits.first?.id == "p3", "\(tol)")
                let typoArgs = ["search", "slipers", "--json"]
                let typoServer = try await saiga(typoArgs + ["--server", server.address])
                let typoIndex = try await saiga(typoArgs + ["--index", idx.path])
                #expect(
                    typoServer.stdout == typoIndex.stdout && typoIndex.stdout.contains("\"did_you_mean\":\"slippers\""))

                // saiga search --server prints what the local search prints.
                let args = [
                    "search", "steppe OR felt", "--json", "--no-snippets", "-k", "2", "--filter", "price:<=100",
                    "--sort", "released:desc", "--facet", "tags", "--facet", "released:year", "--fields", "tags,price",
                ]
                let viaServer = try await saiga(args + ["--server", server.address])
                let viaIndex = try await saiga(args + ["--index", idx.path])
                #expect(viaServer.succeeded && viaIndex.succeeded, "\(viaServer)\n\(viaIndex)")
                #expect(viaServer.stdout == viaIndex.stdout, "\(viaServer.stdout)\n\(viaIndex.stdout)")

                // The Python client.
                let probe = try await run("/usr/bin/env", ["python3", "--version"], timeout: 20)
                try #require(probe.succeeded, "python3 is needed for this test:\n\(probe)")
                let py = try await python([
                    server.address, "search", "steppe OR felt", "--k", "2", "--filter", "price:<=100", "--sort",
                    "released:desc", "--facet", "tags",
                ])
                try #require(py.succeeded, "\(py)")
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(py.stdout.utf8)) as? [String: Any])
                let hits = try #require(object["hits"] as? [[String: Any]])
                #expect(hits.compactMap { $0["id"] as? String } == ["p4", "p3"])
                #expect(
                    hits.compactMap { ($0["sort"] as? [String])?.first } == [
                        "2025-06-02T00:00:00Z", "2025-01-15T00:00:00Z",
                    ])
                let facet = try #require((object["facets"] as? [String: Any])?["tags"] as? [String: Any])
                let buckets = try #require(facet["buckets"] as? [[String: Any]])
                #expect(buckets.first?["label"] as? String == "felt" && buckets.first?["count"] as? Int == 3)
                let cursor = try #require(object["next"] as? String)
                let pyTypo = try await python([server.address, "search", "slipers"])
                let typoObject = try #require(
                    try JSONSerialization.jsonObject(with: Data(pyTypo.stdout.utf8)) as? [String: Any], "\(pyTypo)")
                #expect(typoObject["did_you_mean"] as? String == "slippers", "\(pyTypo)")
                let pyTolerant = try await python([server.address, "search", "slipers", "--typos"])
                let tolerantObject = try #require(
                    try JSONSerialization.jsonObject(with: Data(pyTolerant.stdout.utf8)) as? [String: Any],
                    "\(pyTolerant)")
                #expect(tolerantObject["total"] as? Int == 1, "\(pyTolerant)")
                let pyExplain = try await python([server.address, "search", "felt", "--k", "1", "--explain"])
                let explainObject = try #require(
                    try JSONSerialization.jsonObject(with: Data(pyExplain.stdout.utf8)) as? [String: Any],
                    "\(pyExplain)")
                let explainHit = try #require((explainObject["hits"] as? [[String: Any]])?.first, "\(pyExplain)")
                let tree = try #require(explainHit["explanation"] as? [String: Any], "\(pyExplain)")
                #expect(tree["value"] as? Double == explainHit["score"] as? Double, "\(pyExplain)")
                // Typed stored values, as `saiga search --json` prints them.
                let pyFields = try await python([server.address, "search", "lamp", "--fields", "tags,price"])
                let fieldsObject = try #require(
                    try JSONSerialization.jsonObject(with: Data(pyFields.stdout.utf8)) as? [String: Any], "\(pyFields)")
                let first = (fieldsObject["hits"] as? [[String: Any]])?.first?["fields"] as? [String: Any]
                #expect(
                    first?["tags"] as? [String] == ["lamp", "felt"] && first?["price"] as? Double == 49.5, "\(pyFields)"
                )
                let py2 = try await python([
                    server.address, "search", "steppe OR felt", "--k", "2", "--filter", "price:<=100", "--sort",
                    "released:desc", "--after", cursor,
                ])
                let object2 = try #require(
                    try JSONSerialization.jsonObject(with: Data(py2.stdout.utf8)) as? [String: Any])
                #expect(
                    ((object2["hits"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String } == ["p1", "p5"])
            }
        }
    }
}
