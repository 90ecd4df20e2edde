import Testing

@testable import SaigaWire

@Suite struct FrameTests {
    @Test func framesRoundTripWhateverTheChunking() throws {
        let frames = [
            Request.hello(Hello(token: "secret")).frame(requestID: 0),
            Request.search(SearchRequest(query: "human rights", k: 5, fields: ["source"], k1: 0.9, b: 0.4)).frame(
                requestID: 7),
            Request.ping([1, 2, 3]).frame(requestID: 0xFFFF_FFFF),
            Request.stats().frame(requestID: 9),
        ]
        var bytes: [UInt8] = []
        for f in frames { f.appendEncoded(to: &bytes) }
        for chunk in [1, 2, 3, 7, 64, bytes.count] {
            var d = FrameDecoder()
            var out: [Frame] = []
            var i = 0
            while i < bytes.count {
                d.append(Array(bytes[i..<min(i + chunk, bytes.count)]))
                while let f = try d.next() { out.append(f) }
                i += chunk
            }
            #expect(out == frames)
            #expect(!d.hasPartialFrame)
        }
        #expect(
            try Request.decode(frames[1])
                == .search(SearchRequest(query: "human rights", k: 5, fields: ["source"], k1: 0.9, b: 0.4)))
        // Field 9 (exact count) is written only when set, and read back.
        let exact = Request.search(SearchRequest(query: "q", exactCount: true)).frame(requestID: 1)
        #expect(try Request.decode(exact) == .search(SearchRequest(query: "q", exactCount: true)))
        #expect(exact.payload.count == Request.search(SearchRequest(query: "q")).frame(requestID: 1).payload.count + 7)
    }

    /// The structured fields of SEARCH (10-14) and RESULTS (sort values, facets, next) decode to what was encoded;
    /// a missing sort value keeps its position.
    @Test func structuredFieldsRoundTrip() throws {
        let request = SearchRequest(
            query: "*:*", k: 3, filters: ["eco:true", "-source:bbc"], sort: ["price:desc", "_score"],
            facets: ["tags", "date:year"], after: "0a0b", boosts: ["title^3"])
        #expect(try Request.decode(Request.search(request).frame(requestID: 1)) == .search(request))
        var response = SearchResponse(
            total: 2, tookMicros: 9, generation: 4,
            hits: [
                WireHit(
                    id: "a", score: 0, title: "A", snippet: nil, fields: [:],
                    sortValues: [WireValue(.float, "1.5"), nil, WireValue(.date, "2025-12-09T00:00:00Z")]),
                WireHit(
                    id: "b", score: 0, title: "B", snippet: nil, fields: ["tags": "x\ny"], sortValues: [nil, nil, nil],
                    values: [
                        "tags": [WireValue(.string, "x"), WireValue(.string, "y")], "n": [WireValue(.integer, "3")],
                    ]
                ),
            ])
        response.facets = [
            WireFacet(
                spec: "date:year", field: "date",
                buckets: [
                    WireFacet.Bucket(
                        label: "2025", count: 1, value: WireValue(.date, "2025-01-01T00:00:00Z"),
                        upper: WireValue(.date, "2026-01-01T00:00:00Z"))
                ]),
            WireFacet(
                spec: "tags", field: "tags",
                buckets: [WireFacet.Bucket(label: "x", count: 2, value: WireValue(.string, "x"), upper: nil)],
                otherCount: 5),
        ]
        response.next = "ff"
        let decoded = try SearchResponse.decode(response.encode())
        #expect(decoded == response)
        // An older client's view: the same hits, the new fields ignored.
        #expect(decoded.hits.map(\.id) == ["a", "b"])
    }

    @Test func lengthIsCheckedBeforeBuffering() {
        var d = FrameDecoder(maxLength: 1024)
        d.append([0x7F, 0xFF, 0xFF, 0xFF, 0x03])  // claims 2 GiB
        #expect(throws: WireError.self) { try d.next() }
        var short = FrameDecoder()
        short.append([0, 0, 0, 2, 1, 0])
        do {
            _ = try short.next()
            Issue.record("a length below the header must fail")
        } catch { #expect(error.code == .malformedFrame) }
        var http = FrameDecoder()
        http.append(Array("GET / HTTP/1.1\r\n".utf8))
        do {
            _ = try http.next()
            Issue.record("HTTP is not a frame")
        } catch { #expect(error.code == .frameTooLarge) }
    }

    @Test func requestDecodingErrors() {
        func code(_ f: Frame) -> ErrorCode? {
            do {
                _ = try Request.decode(f)
                return nil
            } catch { return error.code }
        }
        #expect(code(Frame(type: 0x42, requestID: 1)) == .unknownMessageType)
        #expect(code(Frame(type: MessageType.results.rawValue, requestID: 1)) == .unknownMessageType)
        #expect(code(Frame(type: 3, flags: 1, requestID: 1)) == .malformedFrame)
        var w = FieldWriter()
        w.string(1, "ok")
        w.u32(99, 1)
        #expect(code(Frame(.search, requestID: 1, payload: w.bytes)) == .unknownField)
        #expect(code(Frame(.search, requestID: 1, payload: [])) == .missingField)
        var bad = FieldWriter()
        bad.raw(1, [0x61, 0xC3, 0x28])
        #expect(code(Frame(.search, requestID: 1, payload: bad.bytes)) == .invalidUTF8)
        #expect(code(Frame(.search, requestID: 1, payload: [0, 1, 0, 0, 0, 9, 0x61])) == .malformedFrame)
        var k = FieldWriter()
        k.string(1, "x")
        k.raw(2, [1, 2])  // k must be 4 bytes
        #expect(code(Frame(.search, requestID: 1, payload: k.bytes)) == .malformedFrame)
    }

    @Test func requestsRoundTrip() throws {
        var search = SearchRequest(query: "q")
        search.index = "products"
        let requests: [Request] = [
            .search(search), .get(GetRequest(id: "x", index: "i")), .stats(index: "i"), .stats(),
            .suggest(SuggestRequest(text: "ka", index: "i")),
            .write(
                WriteRequest(
                    documents: ["{}", "{\"id\":1}"], deleteIDs: ["a", "b"], deleteQueries: ["x:y"], index: "i")),
            .write(WriteRequest(index: "i")), .write(WriteRequest()),
            .admin(.createIndex(name: "n", schema: "{}")), .admin(.createIndex(name: "n", schema: nil)),
            .admin(.dropIndex(name: "n")), .admin(.listIndexes),
            .admin(.backup(index: "n", destination: "/b", copy: true)),
            .admin(.backup(index: nil, destination: "/b", copy: false)),
        ]
        for (i, r) in requests.enumerated() {
            let back = try Request.decode(r.frame(requestID: UInt32(i + 1)))
            #expect(back == r, "\(r)")
            #expect(back.indexName == r.indexName)
        }
    }

    @Test func responsesRoundTrip() throws {
        let responses: [Response] = [
            .helloOK(HelloOK(version: 1, server: "saiga 0.1.0", maxFrameLength: 16 << 20, generation: 3)),
            .pong([9]),
            .results(
                SearchResponse(
                    total: 2, tookMicros: 150, generation: 3,
                    hits: [
                        WireHit(
                            id: "a#1", score: 2.5, title: "Título", snippet: "… <b>x</b> …",
                            fields: ["source": "f.txt:3"]),
                        WireHit(id: "b", score: 1, title: "", snippet: nil, fields: [:]),
                    ])),
            .results(SearchResponse(total: 1000, totalIsExact: false, tookMicros: 9, generation: 1, hits: [])),
            .document(DocumentResponse(found: true, id: "a", title: "t", body: "b", fields: ["k": "v"])),
            .document(DocumentResponse(found: false)),
            .stats(
                StatsResponse(documents: 13, segments: 1, terms: 3719, postings: 20000, bytes: 160_000, generation: 3)),
            .error(WireError(.invalidQuery, "unclosed '('", offset: 6)),
            .written(
                WriteResponse(
                    generation: 9, added: 2, replaced: 1, deleted: 3, commitMicros: 5, sharedWith: 4, documents: 7)),
            .error(
                WireError(
                    .invalidDocument, "bad",
                    rejected: [
                        RejectedDocument(position: 2, id: "d", message: "m"),
                        RejectedDocument(position: 5, id: nil, message: "malformed JSON"),
                    ])),
            .indexList([
                WireIndexInfo(name: "a", documents: 1, generation: 2, segments: 3, bytes: 4, isDefault: true),
                WireIndexInfo(name: "b-2", documents: 0, generation: 1, segments: 0, bytes: 9, isDefault: false),
            ]),
            .backedUp(BackupResponse(generation: 5, files: 9, bytes: 1000, linked: 9, micros: 77)),
        ]
        for (i, r) in responses.enumerated() {
            let frame = r.frame(requestID: UInt32(i))
            var d = FrameDecoder()
            d.append(frame.encoded())
            let back = try #require(try d.next())
            #expect(try Response.decode(back) == r)
        }
    }

    @Test func randomBytesNeverCrashTheDecoders() {
        var seed: UInt64 = 12345
        func next() -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return seed >> 33
        }
        for _ in 0..<20_000 {
            let n = Int(next() % 64)
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) }
            var d = FrameDecoder(maxLength: 4096)
            d.append(bytes)
            if let f = try? d.next() {
                _ = try? Request.decode(f)
                _ = try? Response.decode(f)
            }
            _ = try? FieldReader.parse(bytes, message: "fuzz")
            let frame = Frame(type: bytes.first ?? 0, requestID: 1, payload: Array(bytes.dropFirst()))
            _ = try? Request.decode(frame)
            _ = try? Response.decode(frame)
        }
    }

    /// Prints the hex of every example in docs/PROTOCOL.md (run with --filter to regenerate them).
    @Test func protocolDocumentExamplesMatchTheEncoder() throws {
        for (name, frame) in ProtocolExamples.all {
            let hex = ProtocolExamples.hex(frame.encoded())
            #expect(
                ProtocolExamples.document.contains(hex), "example \(name) is out of date in docs/PROTOCOL.md:\n\(hex)")
        }
    }
}
