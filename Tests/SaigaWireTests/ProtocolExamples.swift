import Foundation
import SaigaWire

/// The example messages of docs/PROTOCOL.md, built with the real encoder; the test checks the document shows
/// exactly these bytes.
enum ProtocolExamples {
    static var document: String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/PROTOCOL.md")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    static let all: [(String, Frame)] = [
        ("HELLO", Request.hello(Hello(version: 1, token: "s3cret")).frame(requestID: 0)),
        (
            "HELLO_OK",
            Response.helloOK(
                HelloOK(version: 1, server: "saiga 0.1.0", maxFrameLength: 16 << 20, generation: 3, maxInFlight: 64)
            ).frame(requestID: 0)
        ),
        ("PING", Request.ping([]).frame(requestID: 1)),
        ("PONG", Response.pong([]).frame(requestID: 1)),
        ("SEARCH", Request.search(SearchRequest(query: "saiga", k: 2)).frame(requestID: 2)),
        (
            "RESULTS",
            Response.results(
                SearchResponse(
                    total: 1, tookMicros: 85, generation: 3,
                    hits: [
                        WireHit(id: "a#6", score: 2.0, title: "Saiga", snippet: "<b>saiga</b>", fields: [:])
                    ])
            ).frame(requestID: 2)
        ),
        (
            "SEARCH structured",
            Request.search(
                SearchRequest(
                    query: "*:*", k: 1, snippets: false, filters: ["eco:true"], sort: ["price:desc"], facets: ["tags"])
            ).frame(requestID: 6)
        ),
        (
            "RESULTS structured",
            Response.results(
                {
                    var r = SearchResponse(
                        total: 3, tookMicros: 40, generation: 3,
                        hits: [
                            WireHit(
                                id: "p1", score: 0, title: "Lamp", snippet: nil, fields: [:],
                                sortValues: [WireValue(.float, "49.5")])
                        ])
                    r.facets = [
                        WireFacet(
                            spec: "tags", field: "tags",
                            buckets: [
                                WireFacet.Bucket(label: "felt", count: 2, value: WireValue(.string, "felt"), upper: nil)
                            ], otherCount: 1)
                    ]
                    r.next = "0a"
                    return r
                }()
            ).frame(requestID: 6)
        ),
        ("GET", Request.get(GetRequest(id: "a#6")).frame(requestID: 3)),
        (
            "DOCUMENT",
            Response.document(
                DocumentResponse(
                    found: true, id: "a#6", title: "Saiga", body: "Saigas.",
                    fields: ["source": "a:1"])
            ).frame(requestID: 3)
        ),
        ("STATS", Request.stats().frame(requestID: 4)),
        (
            "STATS_RESULT",
            Response.stats(
                StatsResponse(
                    documents: 13, segments: 1, terms: 3719, postings: 20_000,
                    bytes: 160_000, generation: 3)
            ).frame(requestID: 4)
        ),
        ("ERROR", Response.error(WireError(.invalidQuery, "unclosed '('", offset: 6)).frame(requestID: 5)),
        ("SUGGEST", Request.suggest(SuggestRequest(text: "kaz", limit: 2, titles: 1)).frame(requestID: 7)),
        (
            "SUGGESTIONS",
            Response.suggestions(
                SuggestResponse(
                    completions: [SuggestResponse.Completion(text: "kazakhstan", word: "kazakhstan", frequency: 22)],
                    titles: [SuggestResponse.Title(id: "a#1", title: "Kazakhstan", score: 1.5)], tookMicros: 9)
            ).frame(requestID: 7)
        ),
        (
            "WRITE",
            Request.write(WriteRequest(documents: [#"{"id":"n1","body":"new"}"#], deleteIDs: ["a#6"])).frame(
                requestID: 8)
        ),
        (
            "WRITTEN",
            Response.written(
                WriteResponse(
                    generation: 4, added: 1, replaced: 0, deleted: 1, commitMicros: 2100, sharedWith: 3,
                    documents: 13)
            ).frame(requestID: 8)
        ),
        (
            "ERROR invalid document",
            Response.error(
                WireError(
                    .invalidDocument, "1 of 1 documents cannot be indexed",
                    rejected: [RejectedDocument(position: 0, id: "x", message: "bad year")])
            ).frame(requestID: 9)
        ),
        ("COMMIT", Request.write(WriteRequest()).frame(requestID: 10)),
    ]

    /// Lines of 16 bytes: "00 00 00 0a 01 00 …".
    static func hex(_ bytes: [UInt8]) -> String {
        stride(from: 0, to: bytes.count, by: 16).map { i in
            bytes[i..<min(i + 16, bytes.count)].map { b in
                let s = String(b, radix: 16)
                return s.count == 1 ? "0" + s : s
            }.joined(separator: " ")
        }.joined(separator: "\n")
    }
}
