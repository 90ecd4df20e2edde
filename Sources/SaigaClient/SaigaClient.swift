import Dispatch
import SaigaPosix
import SaigaWire
import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A client error: what failed, and for server-side errors the protocol error.
public struct ClientError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Could not resolve or connect (or the handshake failed at the transport level).
        case connectFailed
        /// No answer within the timeout.
        case timeout
        /// The connection broke and could not be re-established.
        case connectionClosed
        /// The server answered with an ERROR frame.
        case server(ErrorCode)
        /// The server sent something this client cannot decode.
        case protocolViolation
    }

    public let kind: Kind
    public let message: String
    /// For `.server(.invalidQuery)`: the 1-based query column, in Unicode code points.
    public let offset: Int?
    /// For `.server(.invalidDocument)`: every document of the WRITE that the server refused (nothing was applied).
    public let rejected: [RejectedDocument]

    public init(_ kind: Kind, _ message: String, offset: Int? = nil, rejected: [RejectedDocument] = []) {
        self.kind = kind
        self.message = message
        self.offset = offset
        self.rejected = rejected
    }

    public var description: String {
        switch kind {
        case .server(let code): return "server error \(code) (\(code.rawValue)): \(message)"
        default: return message
        }
    }
}

/// A connection to a Saiga server (docs/PROTOCOL.md), with blocking and async methods.
///
/// Requests are safe to call from several threads (they are serialised on the connection; use `pipeline` to have
/// many in flight). If the connection drops, a read request reconnects once and retries; a write or admin request
/// reports `.connectionClosed` instead (it may have been applied). Blocking calls should run on your own threads; the async methods run them on a private thread pool,
/// never on Swift's cooperative pool.
public final class SaigaClient: Sendable {
    public let host: String
    public let port: Int
    public let token: String?
    /// Seconds to wait for the TCP connection and the handshake.
    public let connectTimeout: Duration
    /// Seconds to wait for each answer.
    public let requestTimeout: Duration
    /// Microseconds to busy-poll for an answer before sleeping: lower latency for fast queries at the cost of a
    /// little CPU. Default 0 (sleep at once).
    public let spinMicroseconds: Int

    private let connection = Mutex<Transport?>(nil)
    private let nextRequestID = Atomic<UInt32>(1)
    private static let asyncQueue = DispatchQueue(label: "saiga.client", attributes: .concurrent)

    public init(
        host: String, port: Int, token: String? = nil, connectTimeout: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(30),
        spinMicroseconds: Int = 0
    ) {
        self.spinMicroseconds = spinMicroseconds
        self.host = host
        self.port = port
        self.token = token
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
    }

    /// `HOST:PORT` → client. IPv6 hosts in brackets: `[::1]:7700`.
    public convenience init(
        address: String, token: String? = nil, connectTimeout: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(30),
        spinMicroseconds: Int = 0
    ) throws(ClientError) {
        guard let endpoint = Posix.Endpoint(parsing: address) else {
            throw ClientError(.connectFailed, "address must be HOST:PORT (got \"\(address)\")")
        }
        self.init(
            host: endpoint.host, port: endpoint.port, token: token, connectTimeout: connectTimeout,
            requestTimeout: requestTimeout,
            spinMicroseconds: spinMicroseconds)
    }

    deinit { connection.withLock { $0?.close() } }

    /// Connects and performs the handshake now (requests also connect lazily). Returns the server's HELLO_OK.
    @discardableResult
    public func connect() throws(ClientError) -> HelloOK {
        try connection.withLock { (t: inout Transport?) throws(ClientError) -> HelloOK in
            t?.close()
            t = nil
            let fresh = try Transport.open(host: host, port: port, timeout: connectTimeout.inSeconds)
            fresh.spinSeconds = Double(spinMicroseconds) / 1e6
            let hello = try fresh.handshake(token: token, timeout: connectTimeout.inSeconds)
            t = fresh
            return hello
        }
    }

    public func close() {
        connection.withLock {
            $0?.close()
            $0 = nil
        }
    }

    // MARK: Blocking requests

    /// Round-trip time of a PING.
    public func ping() throws(ClientError) -> Duration {
        let start = Sys.monotonicNanos()
        guard case .pong = try roundTrip(.ping([])) else { throw unexpected("PONG") }
        return .nanoseconds(Sys.monotonicNanos() - start)
    }

    public func search(_ request: SearchRequest) throws(ClientError) -> SearchResponse {
        guard case .results(let r) = try roundTrip(.search(request)) else { throw unexpected("RESULTS") }
        return r
    }

    public func search(_ query: String, k: Int = 10) throws(ClientError) -> SearchResponse {
        try search(SearchRequest(query: query, k: UInt32(clamping: k)))
    }

    /// The stored document with this id, or nil.
    public func document(id: String) throws(ClientError) -> DocumentResponse? {
        guard case .document(let d) = try roundTrip(.get(GetRequest(id: id))) else { throw unexpected("DOCUMENT") }
        return d.found ? d : nil
    }

    /// Applies a batch of changes (documents as JSON objects, deletes by id and by query) all or nothing, and returns
    /// once they are committed and visible to every later search (docs/PROTOCOL.md, "Writes"). A bad document is
    /// `.server(.invalidDocument)` with `ClientError.rejected` listing each; `.server(.retryLater)` means the server's
    /// write queue is full: nothing was applied, send it again shortly. Not resent on a broken connection
    /// (`.connectionClosed`: it may or may not have been committed, never in part); documents and deletes by id can
    /// be sent again safely, deletes by query may then match documents added meanwhile.
    public func write(_ request: WriteRequest) throws(ClientError) -> WriteResponse {
        guard case .written(let w) = try roundTrip(.write(request)) else { throw unexpected("WRITTEN") }
        return w
    }

    /// Adds or replaces `documents` (JSON objects: `id`, `title`, `body` and the schema's fields), after deleting
    /// `deleteIDs` and the matches of `deleteQueries`: one WRITE.
    public func write(
        documents: [String], deleteIDs: [String] = [], deleteQueries: [String] = []
    ) throws(ClientError) -> WriteResponse {
        try write(WriteRequest(documents: documents, deleteIDs: deleteIDs, deleteQueries: deleteQueries))
    }

    /// Waits until every write this server received before it is committed, and returns the newest generation.
    public func commit() throws(ClientError) -> WriteResponse {
        try write(WriteRequest())
    }

    /// The indexes the token may read (LIST_INDEXES).
    public func listIndexes() throws(ClientError) -> [WireIndexInfo] {
        guard case .indexList(let l) = try roundTrip(.admin(.listIndexes)) else { throw unexpected("INDEX_LIST") }
        return l
    }

    /// Creates an empty index `name` on a server with a data directory (an admin token), with `schema` (the JSON of
    /// a `saiga schema` file; nil: the default schema).
    @discardableResult
    public func createIndex(_ name: String, schema: String? = nil) throws(ClientError) -> WireIndexInfo {
        guard case .indexList(let l) = try roundTrip(.admin(.createIndex(name: name, schema: schema))), let i = l.first
        else { throw unexpected("INDEX_LIST") }
        return i
    }

    /// Stops serving index `name` and deletes it (an admin token); returns the indexes left.
    @discardableResult
    public func dropIndex(_ name: String) throws(ClientError) -> [WireIndexInfo] {
        guard case .indexList(let l) = try roundTrip(.admin(.dropIndex(name: name))) else {
            throw unexpected("INDEX_LIST")
        }
        return l
    }

    /// Backs up the newest commit of `index` (nil: the default) into `destination`, a new or empty directory on the
    /// server's machine, and verifies it (an admin token).
    public func backup(
        index: String? = nil, to destination: String, copy: Bool = false
    ) throws(ClientError)
        -> BackupResponse
    {
        guard
            case .backedUp(let b) = try roundTrip(
                .admin(.backup(index: index, destination: destination, copy: copy)))
        else { throw unexpected("BACKED_UP") }
        return b
    }

    /// STATS of `index` (nil: the server's default index).
    public func stats(index: String? = nil) throws(ClientError) -> StatsResponse {
        guard case .stats(let s) = try roundTrip(.stats(index: index)) else { throw unexpected("STATS_RESULT") }
        return s
    }

    /// Completions of the last word of `text`, and with `titles` > 0 matching titles (SUGGEST).
    public func suggest(
        _ text: String, limit: Int = 5, titles: Int = 0, index: String? = nil
    ) throws(ClientError) -> SuggestResponse {
        let request = SuggestRequest(
            text: text, limit: UInt32(clamping: max(0, limit)), titles: UInt32(clamping: max(0, titles)), index: index)
        guard case .suggestions(let s) = try roundTrip(.suggest(request)) else { throw unexpected("SUGGESTIONS") }
        return s
    }

    /// Sends `requests` without waiting for each answer and collects the answers (in request order; the server
    /// may finish them in any order). ERROR answers come back as `.error` elements, not as a thrown error.
    ///
    /// At most as many requests are unanswered at once as the server takes in flight (its HELLO_OK says how many):
    /// a larger batch is sent in a sliding window, the next request as each answer arrives. An ERROR that concerns
    /// no request (id 0: the server is closing the connection) fails the whole call.
    public func pipeline(_ requests: [Request]) throws(ClientError) -> [Response] {
        // Writes and admin requests are never sent twice on their own (see `roundTrip`).
        let mayRetry = !requests.contains {
            switch $0 {
            case .write, .admin: return true
            default: return false
            }
        }
        return try withTransport(retry: mayRetry) { (t: Transport) throws(ClientError) -> [Response] in
            var ids: [UInt32] = []
            var position: [UInt32: Int] = [:]
            for i in requests.indices {
                let id = takeRequestID()
                ids.append(id)
                position[id] = i
            }
            let window = max(1, Int(t.maxInFlight))
            var answers = [Response?](repeating: nil, count: requests.count)
            var sent = 0
            var received = 0
            while received < requests.count {
                if sent < requests.count && sent - received < window {
                    var out: [UInt8] = []
                    while sent < requests.count && sent - received < window {
                        requests[sent].frame(requestID: ids[sent]).appendEncoded(to: &out)
                        sent += 1
                    }
                    try t.send(out, timeout: requestTimeout.inSeconds)
                }
                let frame = try t.receive(timeout: requestTimeout.inSeconds)
                let r: Response
                do { r = try Response.decode(frame) } catch {
                    throw ClientError(.protocolViolation, "undecodable response: \(error)")
                }
                if frame.requestID == 0, case .error(let e) = r {
                    throw ClientError(.server(e.code), e.message)
                }
                // An answer to a request of an earlier, abandoned call, or a repeated one: not ours, skipped.
                guard let i = position[frame.requestID], answers[i] == nil else { continue }
                answers[i] = r
                received += 1
            }
            return answers.map { $0! }
        }
    }

    /// The next request id: never 0, which the protocol reserves for errors that concern no request.
    private func takeRequestID() -> UInt32 {
        while true {
            let id = nextRequestID.add(1, ordering: .relaxed).newValue
            if id != 0 { return id }
        }
    }

    // MARK: Async requests

    public func ping() async throws(ClientError) -> Duration {
        try await run { () throws(ClientError) in try self.ping() }
    }
    public func search(_ request: SearchRequest) async throws(ClientError) -> SearchResponse {
        try await run { () throws(ClientError) in try self.search(request) }
    }
    public func search(_ query: String, k: Int = 10) async throws(ClientError) -> SearchResponse {
        try await run { () throws(ClientError) in try self.search(query, k: k) }
    }
    public func document(id: String) async throws(ClientError) -> DocumentResponse? {
        try await run { () throws(ClientError) in try self.document(id: id) }
    }
    public func write(_ request: WriteRequest) async throws(ClientError) -> WriteResponse {
        try await run { () throws(ClientError) in try self.write(request) }
    }
    public func write(
        documents: [String], deleteIDs: [String] = [], deleteQueries: [String] = []
    ) async throws(ClientError) -> WriteResponse {
        try await write(WriteRequest(documents: documents, deleteIDs: deleteIDs, deleteQueries: deleteQueries))
    }
    public func commit() async throws(ClientError) -> WriteResponse {
        try await run { () throws(ClientError) in try self.commit() }
    }
    public func stats(index: String? = nil) async throws(ClientError) -> StatsResponse {
        try await run { () throws(ClientError) in try self.stats(index: index) }
    }

    public func suggest(
        _ text: String, limit: Int = 5, titles: Int = 0, index: String? = nil
    ) async throws(ClientError) -> SuggestResponse {
        try await run { () throws(ClientError) in try self.suggest(text, limit: limit, titles: titles, index: index) }
    }

    private func run<T: Sendable>(
        _ body: @escaping @Sendable () throws(ClientError) -> T
    ) async throws(ClientError) -> T {
        let result: Result<T, ClientError> = await withCheckedContinuation { continuation in
            SaigaClient.asyncQueue.async {
                do throws(ClientError) { continuation.resume(returning: .success(try body())) } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    // MARK: Plumbing

    private func roundTrip(_ request: Request) throws(ClientError) -> Response {
        // A write is never sent twice on its own: one that deletes by query may not be idempotent (a document added
        // meanwhile could match), and an admin request should not run twice either.
        let retry: Bool
        switch request {
        case .write, .admin: retry = false
        default: retry = true
        }
        let response = try withTransport(retry: retry) { (t: Transport) throws(ClientError) -> Response in
            let id = takeRequestID()
            try t.send(request.frame(requestID: id).encoded(), timeout: requestTimeout.inSeconds)
            while true {
                let frame = try t.receive(timeout: requestTimeout.inSeconds)
                let r: Response
                do { r = try Response.decode(frame) } catch {
                    throw ClientError(.protocolViolation, "undecodable response: \(error)")
                }
                if frame.requestID == id { return r }
                if case .error(let e) = r, frame.requestID == 0 { throw ClientError(.server(e.code), e.message) }
                // An answer to an abandoned earlier request: skip it.
            }
        }
        if case .error(let e) = response {
            throw ClientError(.server(e.code), e.message, offset: e.offset, rejected: e.rejected)
        }
        return response
    }

    /// Runs `body` on a connected transport; on a transport failure reconnects once and runs it again.
    private func withTransport<T>(
        retry mayRetry: Bool = true, _ body: (Transport) throws(ClientError) -> T
    ) throws(ClientError) -> T {
        try connection.withLock { (t: inout Transport?) throws(ClientError) -> T in
            var attempt = 0
            while true {
                attempt += 1
                if !mayRetry, let open = t, open.peerHasClosed() {
                    // A request that will not be resent goes on a connection known to be open: one the server
                    // closed while idle is replaced first, before anything is sent.
                    open.close()
                    t = nil
                }
                if t == nil {
                    let fresh = try Transport.open(host: host, port: port, timeout: connectTimeout.inSeconds)
                    fresh.spinSeconds = Double(spinMicroseconds) / 1e6
                    _ = try fresh.handshake(token: token, timeout: connectTimeout.inSeconds)
                    t = fresh
                }
                do throws(ClientError) {
                    return try body(t!)
                } catch {
                    // A broken connection may be a server restart or an idle timeout: reconnect and retry once.
                    // Anything else (a server ERROR, a timeout) leaves the connection in an unknown state: drop it.
                    let retry = mayRetry && error.kind == .connectionClosed && attempt == 1
                    t?.close()
                    t = nil
                    if case .server = error.kind {
                        throw error
                    }
                    if !retry { throw error }
                }
            }
        }
    }

    private func unexpected(_ what: String) -> ClientError {
        ClientError(.protocolViolation, "expected a \(what) answer")
    }

}
