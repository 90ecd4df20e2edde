import Saiga
import SaigaIngest
import SaigaWire

/// The fuzz targets, by name. `Tests/Fuzz/fuzz` builds the libFuzzer driver (`saiga-fuzz`, instrumented, with
/// AddressSanitizer) that runs one of them; `swift test` replays every seed and every crash input of each
/// (`Tests/Fuzz/Corpus/<name>`, `Tests/Fuzz/Crashes/<name>`). A target must never crash, hang or touch memory it
/// does not own, whatever the bytes; errors are the expected answer.
public enum FuzzTargets {
    public static let all: [(name: String, run: @Sendable (UnsafeRawBufferPointer) -> Void)] = [
        ("frame", frame),
        ("query", FuzzSupport.query),
        ("jsonl", IngestFuzzSupport.jsonLine),
        ("articles", IngestFuzzSupport.articles),
        ("analyzer", FuzzSupport.analyzer),
        ("segment", FuzzSupport.segment),
    ]

    public static func named(_ name: String) -> (@Sendable (UnsafeRawBufferPointer) -> Void)? {
        all.first { $0.name == name }?.run
    }

    /// Starting inputs for a target (`Tests/Fuzz/fuzz seeds` writes them): valid inputs of each kind, which the
    /// fuzzer then mutates.
    public static func seeds(_ name: String) -> [[UInt8]] {
        switch name {
        case "frame":
            let requests: [Request] = [
                .hello(Hello(token: "s3cret", client: "fuzz")), .ping([1, 2, 3]),
                .search(
                    SearchRequest(
                        query: "saiga steppe", k: 5, offset: 2, fields: ["*", "lang"], snippets: false,
                        k1: 1.2, b: 0.75, syntax: .allWords, exactCount: true)),
                .get(GetRequest(id: "doc-1")), .stats(),
                .write(
                    WriteRequest(
                        documents: [#"{"id": "n1", "body": "new", "year": 2001, "tags": ["a", "b"]}"#],
                        deleteIDs: ["doc-1"], deleteQueries: ["year:[1 TO 2]"], index: "products")),
                .write(WriteRequest(index: "products")),
                .admin(.createIndex(name: "n", schema: #"{"fields": [{"name": "year", "type": "integer"}]}"#)),
                .admin(.dropIndex(name: "n")), .admin(.listIndexes),
                .admin(.backup(index: "n", destination: "/tmp/b", copy: true)),
            ]
            let responses: [Response] = [
                .helloOK(HelloOK(version: 1, server: "saiga", maxFrameLength: 1 << 24, generation: 3, maxInFlight: 64)),
                .pong([7]), .error(WireError(.invalidQuery, "unclosed '(' at column 6", offset: 6)),
                .results(
                    SearchResponse(
                        total: 2, totalIsExact: false, tookMicros: 85, generation: 3,
                        hits: [
                            WireHit(id: "a", score: 2, title: "Saiga", snippet: "<b>saiga</b>", fields: ["lang": "kk"])
                        ])),
                .document(DocumentResponse(found: true, id: "a", title: "t", body: "b", fields: ["f": "v"])),
                .stats(StatsResponse(documents: 1, segments: 1, terms: 2, postings: 3, bytes: 4, generation: 5)),
                .written(
                    WriteResponse(generation: 4, added: 1, deleted: 1, commitMicros: 9, sharedWith: 2, documents: 3)),
                .error(
                    WireError(
                        .invalidDocument, "bad", rejected: [RejectedDocument(position: 1, id: "x", message: "year")])),
                .indexList([
                    WireIndexInfo(name: "a", documents: 1, generation: 2, segments: 1, bytes: 9, isDefault: true)
                ]),
                .backedUp(BackupResponse(generation: 2, files: 9, bytes: 99, linked: 9, micros: 5)),
            ]
            var all: [UInt8] = []
            var seeds: [[UInt8]] = []
            for (i, r) in requests.enumerated() {
                let bytes = r.frame(requestID: UInt32(i)).encoded()
                seeds.append([UInt8(i * 7)] + bytes)
                all += bytes
            }
            for (i, r) in responses.enumerated() {
                let bytes = r.frame(requestID: UInt32(i)).encoded()
                seeds.append([UInt8(i * 11)] + bytes)
                all += bytes
            }
            return seeds + [[63] + all, [0] + all]
        case "query":
            return [
                "human rights", "+kazakh* -oil (gas OR \"death penalty\") AND title:saiga", "a AND (b OR (c NOT d))",
                "\\+ \\( \\\" \\:", "title:(oil gas) body:\"steppe saiga\"", "Kassym-Jomart", "ñandú AND Қазақстан",
                "((((a))))", "\"unclosed", "NOT x", "!a && b || c",
            ].map { Array($0.utf8) }
        case "jsonl":
            return [
                "{\"id\": \"a1\", \"title\": \"Saiga\", \"contents\": \"The saiga \\u00e9 \\ud83d\\ude00\", \"year\": 2025}",
                "{\"id\": 17, \"body\": \"text\", \"tags\": [\"a\", {\"b\": null}], \"ok\": true, \"x\": -1.5e3}",
                "{\"id\": \"x\", \"title\": null, \"contents\": \"\\n\\t\\\"\\\\\"}",
                "{\"id\":\"dup\",\"id\":\"dup2\",\"contents\":\"\"}", "[1, 2]", "{}",
            ].map { Array($0.utf8) }
        case "articles":
            return [
                "Kazakhstan Raises Oil Output Under New Agreement\n\nAstana Times\n\nKazakhstan will increase oil production under the OPEC+ agreement, officials said on Tuesday.\n\n09 December 2025\n\nSaiga Numbers Recover on the Steppe\n\nThe saiga population on the Kazakh steppe has grown to over a million animals this year.\nContinue Reading\n",
                "# Title\n\nText of the first part.\n\n## Section\n\n```\n# not a heading\n```\n\n# Second\n\nMore.\n",
                "no headline at all, just one long line of prose that goes on and on without any end in sight.",
            ]
            .map { Array($0.utf8) } + [[0xFF, 0xFE, 0x41, 0, 0x42, 0], [0xEF, 0xBB, 0xBF, 0x41, 0x0A]]
        case "analyzer":
            return [
                "Kazakhstan’s vis-à-vis Kassym-Jomart 2025-12-09 e-mail U.S.A. don't",
                "Қазақстан Республикасы Алматыда",
                "Республика Казахстан экономики", "ﬁnancial ΣΊΣΥΦΟΣ straße İstanbul", "日本語のテキスト 한국어",
                "😀👍🏽 #hashtag @user",
                "a\u{0301}e\u{0300} Å Å",
            ].map { Array($0.utf8) } + [[0xC3, 0x28, 0xE2, 0x82, 0x41, 0xF0, 0x9F]]
        case "segment":
            return FuzzSupport.Sample.shared?.seeds() ?? []
        default:
            return []
        }
    }

    /// The wire: the first byte sets how the rest arrives (in pieces of 1 to 64 bytes, as a stream from a socket
    /// would), the decoder cuts frames out of it, and each frame is decoded as a request (as the server does, before
    /// and after a handshake-sized limit) and as a response (as a client does).
    static func frame(_ data: UnsafeRawBufferPointer) {
        guard let first = data.first else { return }
        let piece = Int(first % 64) + 1
        let stream = Array(data.dropFirst())
        for limit in [4096, 1 << 20] {
            var decoder = FrameDecoder(maxLength: limit)
            var at = 0
            decoding: while at < stream.count {
                let end = min(at + piece, stream.count)
                decoder.append(Array(stream[at..<end]))
                at = end
                while true {
                    let frame: Frame?
                    do { frame = try decoder.next() } catch { break decoding }
                    guard let frame else { break }
                    if let request = try? Request.decode(frame) {
                        _ = request.frame(requestID: frame.requestID).encoded()
                    }
                    if let response = try? Response.decode(frame) {
                        _ = response.frame(requestID: frame.requestID).encoded()
                    }
                }
            }
        }
    }
}
