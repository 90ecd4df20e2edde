import Saiga
import SaigaPosix
import SaigaWire
import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A small HTTP/1.1 listener for what operators' tools speak (`saiga serve --http HOST:PORT`): `GET /health`
/// (liveness and readiness: a commit is loaded), `GET /metrics` (the Prometheus text format of `ServerMetrics`
/// and the index's gauges) and `GET /search?q=` (JSON). Written here, no packages. One request per connection (`Connection: close`); each
/// connection is served on a thread of its own, at most `maxConnections` at once (more get 503); a request's head
/// must arrive within `timeoutMilliseconds` and fit in `maxRequestBytes` (else 408 or 431). When the server has a
/// token, every request must carry it as `Authorization: Bearer TOKEN` (else 401), as HELLO must.
final class HTTPListener: Sendable {
    static let maxConnections = 32
    static let maxRequestBytes = 8192
    static let timeoutMilliseconds: Int32 = 5000

    private let server: SaigaServer
    private let listener: Int32
    let bound: String
    private let active = Atomic<Int>(0)

    init(server: SaigaServer, host: String, port: Int) throws(SaigaError) {
        let address: Posix.Address
        do { address = try Posix.resolve(host: host, port: port) } catch {
            throw SaigaError(.invalidArgument, "--http: \(error.description)")
        }
        if !address.isLoopback && !server.configuration.requiresToken {
            throw SaigaError(
                .invalidArgument,
                "refusing to serve HTTP on \(address.description) (not loopback) without a token; set --token")
        }
        do {
            let (fd, b) = try Posix.listen(address)
            listener = fd
            bound = b.description
        } catch { throw .system(error) }
        self.server = server
    }

    /// Accepts until the server stops (checked four times a second), then closes the listener.
    func run() {
        defer { Sys.close(listener) }
        while !server.isStopped {
            guard Posix.waitReady(listener, readable: true, milliseconds: 250) else { continue }
            guard let accepted = try? Posix.accept(listener) else { continue }
            let fd = accepted.fd
            if active.add(1, ordering: .relaxed).newValue > HTTPListener.maxConnections {
                active.subtract(1, ordering: .relaxed)
                respond(fd, status: "503 Service Unavailable", type: "text/plain", body: "busy\n")
                Sys.close(fd)
                continue
            }
            Sys.spawnThread { [self] in
                handle(fd)
                Sys.close(fd)
                active.subtract(1, ordering: .relaxed)
            }
        }
    }

    /// Reads one request head and answers it.
    private func handle(_ fd: Int32) {
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        let deadline = Sys.monotonicNanos() + UInt64(HTTPListener.timeoutMilliseconds) * 1_000_000
        while !HTTPListener.endsHead(head) {
            guard head.count < HTTPListener.maxRequestBytes else {
                return respond(
                    fd, status: "431 Request Header Fields Too Large", type: "text/plain", body: "too large\n")
            }
            let now = Sys.monotonicNanos()
            guard now < deadline,
                Posix.waitReady(fd, readable: true, milliseconds: Int32((deadline - now) / 1_000_000) + 1)
            else {
                return respond(fd, status: "408 Request Timeout", type: "text/plain", body: "timeout\n")
            }
            switch buffer.withUnsafeMutableBytes({ Posix.read(fd, $0) }) {
            case .bytes(let n): head += buffer[0..<n]
            case .wouldBlock: continue
            case .closed: return
            }
        }
        guard let request = HTTPRequest(head) else {
            return respond(fd, status: "400 Bad Request", type: "text/plain", body: "bad request\n")
        }
        if request.method == "GET" && (request.path == "/" || request.path == "/index.html") {
            // The page holds no data (its searches carry the token): served to anyone, as a login page is.
            // The page names no field and no index of its own: it asks /search for the index's facets
            // (`auto_facets`), with the token, so it shows only what the token may read.
            let page = SearchPage.html(
                needsToken: server.configuration.requiresToken, index: request.query["index"])
            return respond(
                fd, status: "200 OK", type: "text/html; charset=utf-8", body: page,
                extra:
                    "Content-Security-Policy: default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'\r\n"
            )
        }
        let authorization = request.header("authorization") ?? ""
        let bearer = authorization.hasPrefix("Bearer ") ? String(authorization.dropFirst(7)) : nil
        guard let rights = server.configuration.rights(for: bearer) else {
            return respond(
                fd, status: "401 Unauthorized", type: "text/plain", body: "a token is required\n",
                extra: "WWW-Authenticate: Bearer\r\n")
        }
        guard request.method == "GET" else {
            return respond(
                fd, status: "405 Method Not Allowed", type: "text/plain", body: "GET only\n", extra: "Allow: GET\r\n")
        }
        // What the token may read: the rest is not shown, not even by name.
        let all = server.catalog.all
        let indexes = all.filter { rights.allows(.read, on: $0.name) }
        switch request.path {
        case "/health":
            // Live: it answers. Ready: an index is loaded (a data directory may hold none yet: 503), whatever the
            // probing token may read. The default index's figures at the top (one index: as before), every readable
            // index's in `indexes`.
            let ready = !all.isEmpty
            var body = "{\"status\":" + (ready ? "\"ok\"" : "\"no index\"")
            if let d = try? server.catalog.resolve(nil), rights.allows(.read, on: d.name) {
                let r = d.holder.reader
                body +=
                    ",\"generation\":\(r.generation),\"documents\":\(r.documentCount),\"segments\":\(r.segmentCount)"
            }
            body +=
                ",\"indexes\":["
                + indexes.map { i in
                    let r = i.holder.reader
                    return "{\"name\":" + JSONText.quoted(i.name) + ",\"generation\":\(r.generation),"
                        + "\"documents\":\(r.documentCount),\"segments\":\(r.segmentCount)}"
                }.joined(separator: ",") + "]}\n"
            respond(
                fd, status: ready ? "200 OK" : "503 Service Unavailable", type: "application/json",
                body: body)
        case "/metrics":
            func each(_ value: (ServedIndex) -> String) -> [(labels: String, value: String)] {
                indexes.map { ("{index=" + JSONText.quoted($0.name) + "}", value($0)) }
            }
            let body = server.metrics.prometheus(gauges: [
                (
                    "saiga_documents", "Live documents of the commit served.",
                    each { "\($0.holder.reader.documentCount)" }
                ),
                (
                    "saiga_deleted_documents", "Deleted documents segments still hold.",
                    each { "\($0.holder.reader.deletedCount)" }
                ),
                ("saiga_segments", "Segments of the commit served.", each { "\($0.holder.reader.segmentCount)" }),
                ("saiga_index_bytes", "Bytes of the commit's files.", each { "\($0.holder.reader.fileBytes.total)" }),
                ("saiga_index_generation", "The commit served.", each { "\($0.holder.reader.generation)" }),
                (
                    "saiga_merges_pending", "Merges the index's writer has queued or running (0 before any write).",
                    each { "\($0.writes?.pendingMerges.load(ordering: .relaxed) ?? 0)" }
                ),
            ])
            respond(fd, status: "200 OK", type: "text/plain; version=0.0.4", body: body)
        case "/search":
            // Routed as the protocol's SEARCH is: rights before existence, then the index.
            var probe = SearchRequest(query: "")
            probe.index = request.query["index"]
            switch RequestRoute.of(.search(probe), rights: rights, catalog: server.catalog) {
            case .worker(let reader?):
                let (status, body) = HTTPListener.search(request, reader: reader)
                respond(fd, status: status, type: "application/json", body: body)
            case .refused(let e):
                let body =
                    "{\"error\":" + JSONText.quoted("\(e.code)") + ",\"message\":" + JSONText.quoted(e.message) + "}\n"
                let status = e.code == .forbidden ? "403 Forbidden" : "404 Not Found"
                respond(fd, status: status, type: "application/json", body: body)
            default:
                respond(fd, status: "404 Not Found", type: "text/plain", body: "not found\n")
            }
        default:
            respond(fd, status: "404 Not Found", type: "text/plain", body: "not found\n")
        }
    }

    /// `GET /search?q=QUERY[&k=N][&offset=N][&filter=EXPR]...[&sort=KEY]...[&facet=SPEC]...`: the query language of
    /// SEARCH (filters, sort keys and facets as `saiga search` takes them), answered as JSON `{"total",
    /// "total_exact", "hits": [{"id", "score", "title", "snippet"}], "facets": [{"facet", "field", "other",
    /// "buckets": [{"label", "count"}]}], "took_ms"}`; a bad query or parameter is 400 `{"error", "message"}` (with
    /// `"column"` for a query).
    static func search(_ request: HTTPRequest, reader: IndexReader) -> (String, String) {
        let query = request.query
        func failure(_ error: SaigaError) -> (String, String) {
            var body =
                "{\"error\":" + JSONText.quoted(error.code.name) + ",\"message\":" + JSONText.quoted(error.message)
            // The library's offset is 0-based; the column, as the protocol and the CLI give it, 1-based.
            if error.code == .invalidQuery, let offset = error.offset { body += ",\"column\":\(offset + 1)" }
            return ("400 Bad Request", body + "}\n")
        }
        guard let q = query["q"], !q.isEmpty else {
            return failure(SaigaError(.invalidArgument, "the query is missing: /search?q=QUERY"))
        }
        var options = SearchOptions()
        for (name, keyPath) in [("k", \SearchOptions.k), ("offset", \SearchOptions.offset)] {
            guard let text = query[name] else { continue }
            guard let n = Int(text) else {
                return failure(SaigaError(.invalidArgument, "\(name) must be a whole number, not '\(text)'"))
            }
            options[keyPath: keyPath] = n
        }
        for (name, keyPath) in [("pre", \SearchOptions.snippet.preTag), ("post", \SearchOptions.snippet.postTag)] {
            guard let tag = query[name] else { continue }
            guard tag.utf8.count <= 64 else {
                return failure(SaigaError(.invalidArgument, "\(name) is at most 64 bytes"))
            }
            options[keyPath: keyPath] = tag
        }
        do {
            options.filter = request.values("filter")
            options.sort = try request.values("sort").map { (x: String) throws(SaigaError) in try SortField(parsing: x)
            }
            // `auto_facets=1`: the facets the search page shows for this index (SearchPage.facets), after any given.
            var specs = request.values("facet")
            if query["auto_facets"] == "1" { specs += SearchPage.facets(reader.schema) }
            options.facets = try specs.map { (x: String) throws(SaigaError) in
                try FacetRequest.parse(x, schema: reader.schema)
            }
            let results = try reader.search(q, options: options)
            let hits = results.hits.map { h in
                "{\"id\":" + JSONText.quoted(h.id) + ",\"score\":\(h.score.isFinite ? h.score : 0),\"title\":"
                    + JSONText.quoted(h.title) + ",\"snippet\":" + (h.snippet.map(JSONText.quoted) ?? "null") + "}"
            }
            let ms =
                Double(results.duration.components.attoseconds) / 1e15
                + Double(results.duration.components.seconds) * 1000
            let facets = results.facets.map { f in
                "{\"facet\":" + JSONText.quoted(f.request.description) + ",\"field\":"
                    + JSONText.quoted(f.request.field)
                    + ",\"other\":\(f.otherCount),\"buckets\":["
                    + f.buckets.map {
                        "{\"label\":" + JSONText.quoted($0.label) + ",\"count\":\($0.count),\"filter\":"
                            + JSONText.quoted(HTTPListener.filter(for: $0, of: f.request)) + "}"
                    }
                    .joined(separator: ",") + "]}"
            }
            let body =
                "{\"total\":\(results.total),\"total_exact\":\(results.totalIsExact),\"hits\":["
                + hits.joined(separator: ",") + "],\"facets\":[" + facets.joined(separator: ",")
                + "],\"took_ms\":\((ms * 1000).rounded() / 1000)}\n"
            return ("200 OK", body)
        } catch {
            return failure(error)
        }
    }

    /// The filter (query syntax) that keeps a facet bucket's documents: `field:"value"` for a terms bucket, bounds
    /// for the others (`+field:>=start +field:<end`, a side left out when unbounded).
    static func filter(for bucket: FacetResult.Bucket, of request: FacetRequest) -> String {
        func literal(_ v: FieldValue) -> String {
            switch v {
            case .string(let s):
                return "\"" + s.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
                    + "\""
            case .date(let d): return "\"" + d.description + "\""
            default: return v.description
            }
        }
        let field = request.field
        if case .terms = request.kind, let value = bucket.value { return field + ":" + literal(value) }
        var parts: [String] = []
        if let start = bucket.value { parts.append("+" + field + ":>=" + literal(start)) }
        if let end = bucket.upper { parts.append("+" + field + ":<" + literal(end)) }
        return parts.isEmpty ? "_exists_:" + field : parts.joined(separator: " ")
    }

    /// Writes a whole response (within the timeout; a peer that does not read loses it).
    private func respond(_ fd: Int32, status: String, type: String, body: String, extra: String = "") {
        let bytes = Array(
            ("HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: close\r\n\(extra)\r\n\(body)").utf8)
        var sent = 0
        let deadline = Sys.monotonicNanos() + UInt64(HTTPListener.timeoutMilliseconds) * 1_000_000
        while sent < bytes.count {
            let now = Sys.monotonicNanos()
            guard now < deadline else { return }
            switch bytes[sent...].withUnsafeBytes({ Posix.write(fd, $0) }) {
            case .bytes(let n): sent += n
            case .wouldBlock:
                _ = Posix.waitReady(fd, readable: false, milliseconds: Int32((deadline - now) / 1_000_000) + 1)
            case .closed: return
            }
        }
    }

    private static func endsHead(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[(bytes.count - 4)...].elementsEqual([13, 10, 13, 10])
    }

    /// Compares without stopping at the first difference (the token's bytes do not leak through timing).
    private static func sameBytes(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var diff = x.count ^ y.count
        for i in 0..<max(x.count, y.count) {
            diff |= Int((i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0))
        }
        return diff == 0
    }
}

/// An HTTP/1.x request head: its method, path, query parameters (percent-decoded) and headers (names lower-cased).
struct HTTPRequest {
    let method: String
    let path: String
    /// The query parameters in order (a name may repeat: `filter=a&filter=b`).
    let parameters: [(name: String, value: String)]
    let headers: [(name: String, value: String)]

    /// The last value of parameter `name`.
    var query: [String: String] { Dictionary(parameters, uniquingKeysWith: { _, last in last }) }

    /// Every value of parameter `name`, in order.
    func values(_ name: String) -> [String] { parameters.filter { $0.name == name }.map(\.value) }

    /// Parses a head ending in an empty line; nil when it is not one (a bad request line, a header without a colon,
    /// bytes that are not UTF-8).
    init?(_ head: [UInt8]) {
        guard let text = String(validating: head, as: UTF8.self) else { return nil }
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: true).map(String.init)
        guard !lines.isEmpty else { return nil }
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1."), requestLine[1].hasPrefix("/") else {
            return nil
        }
        method = String(requestLine[0])
        let target = requestLine[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        path = String(target[0])
        var parameters: [(String, String)] = []
        if target.count == 2 {
            for pair in target[1].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = HTTPRequest.decoded(parts[0]),
                    let value = HTTPRequest.decoded(parts.count == 2 ? parts[1] : "")
                else { return nil }
                parameters.append((name, value))
            }
        }
        self.parameters = parameters
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
            headers.append((name, value))
        }
        self.headers = headers
    }

    func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }

    /// A query component with `+` as a space and `%XX` escapes decoded; nil when an escape is malformed or the bytes
    /// are not UTF-8.
    static func decoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var i = text.utf8.startIndex
        let utf8 = text.utf8
        func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case 0x30...0x39: return b - 0x30
            case 0x41...0x46: return b - 0x41 + 10
            case 0x61...0x66: return b - 0x61 + 10
            default: return nil
            }
        }
        while i < utf8.endIndex {
            let b = utf8[i]
            if b == 0x2B {
                bytes.append(0x20)
            } else if b == 0x25 {
                let h = utf8.index(after: i)
                guard h < utf8.endIndex, utf8.index(after: h) < utf8.endIndex, let hi = hex(utf8[h]),
                    let lo = hex(utf8[utf8.index(after: h)])
                else { return nil }
                bytes.append(hi << 4 | lo)
                i = utf8.index(after: h)
            } else {
                bytes.append(b)
            }
            i = utf8.index(after: i)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
