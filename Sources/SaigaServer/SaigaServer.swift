import Saiga
import SaigaPosix
import SaigaWire
import Synchronization

/// The Saiga TCP search server: one epoll event loop thread for all socket I/O, a pool of worker threads for
/// searches, hot reload of newer commits, graceful shutdown. The protocol is docs/PROTOCOL.md.
///
///     let server = try SaigaServer(indexPath: "Index/index", configuration: config)
///     try server.start()
///     print("listening on \(server.boundAddress)")
///     server.waitUntilStopped()
public final class SaigaServer: Sendable {
    public let configuration: ServerConfiguration
    /// The indexes served, by name.
    let catalog: IndexCatalog
    /// The counters `/metrics` reports.
    let metrics: ServerMetrics
    private let state = Mutex<State>(State())
    private let stopped = Mutex<Bool>(false)
    private let stoppedSignal = Atomic<Bool>(false)
    private let wakeFD: Int32
    private let signalFD: Int32

    private struct State {
        var bound: String = ""
        var httpBound: String?
        var started = false
        var stopRequested = false
        var reloadRequested = false
    }

    /// Serves the one index at `indexPath` (the default index, named after its directory) after checking the
    /// configuration. With `handleSignals`, blocks SIGINT/SIGTERM/SIGHUP in the calling thread (call this on the main
    /// thread before starting other threads).
    public convenience init(indexPath: String, configuration: ServerConfiguration) throws(SaigaError) {
        try self.init(source: .index(indexPath), configuration: configuration)
    }

    /// Serves every index under `dataDirectory` by name (subdirectories holding a commit) and takes CREATE_INDEX and
    /// DROP_INDEX there. Requests that name no index go to `defaultIndex`, or to the only index when there is one.
    public convenience init(
        dataDirectory: String, defaultIndex: String? = nil, configuration: ServerConfiguration
    ) throws(SaigaError) {
        try self.init(source: .data(dataDirectory, defaultIndex: defaultIndex), configuration: configuration)
    }

    private enum Source {
        case index(String)
        case data(String, defaultIndex: String?)
    }

    private init(source: Source, configuration: ServerConfiguration) throws(SaigaError) {
        guard ServerConfiguration.workersRange.contains(configuration.workers),
            ServerConfiguration.maxConnectionsRange.contains(configuration.maxConnections),
            ServerConfiguration.maxInFlightRange.contains(configuration.maxInFlightPerConnection),
            ServerConfiguration.frameLengthRange.contains(configuration.maxFrameLength),
            ServerConfiguration.frameLengthRange.contains(configuration.handshakeFrameLength),
            ServerConfiguration.spinMicrosecondsRange.contains(configuration.spinMicroseconds),
            configuration.maxBufferedBytes >= configuration.maxFrameLength + Frame.lengthSize,
            configuration.handshakeTimeout > .zero
        else {
            throw SaigaError(
                .invalidArgument,
                "a setting is out of range: workers \(ServerConfiguration.workersRange), maxConnections "
                    + "\(ServerConfiguration.maxConnectionsRange), maxInFlightPerConnection "
                    + "\(ServerConfiguration.maxInFlightRange), maxFrameLength and handshakeFrameLength "
                    + "\(ServerConfiguration.frameLengthRange), spinMicroseconds "
                    + "\(ServerConfiguration.spinMicrosecondsRange), maxBufferedBytes ≥ a whole frame, handshakeTimeout > 0"
            )
        }
        self.configuration = configuration
        // Every connection is a descriptor: never accept more than the open-file limit allows, or accept fails with
        // EMFILE. The reserve covers the listener, epoll, eventfd, signalfd, the spare descriptor, stdio and the
        // files a reload opens.
        let fileLimit = Posix.raiseOpenFileLimit()
        let allowed = max(1, fileLimit - 64)
        maxConnections = min(configuration.maxConnections, allowed)
        let logging = configuration.logging
        let format = configuration.logFormat
        if maxConnections < configuration.maxConnections && logging {
            SaigaServer.emit(
                "lowering the connection limit from \(configuration.maxConnections) to "
                    + "\(maxConnections): the open-file limit (RLIMIT_NOFILE) is \(fileLimit)", format: format)
        }
        // Signals are blocked before any thread starts (the indexes' writer threads inherit the mask).
        do {
            wakeFD = try Posix.eventFD()
            signalFD = configuration.handleSignals ? try Posix.shutdownAndReloadSignals() : -1
        } catch { throw .system(error) }
        let metrics = ServerMetrics()
        self.metrics = metrics
        let log: @Sendable (String) -> Void = { line in if logging { SaigaServer.emit(line, format: format) } }
        switch source {
        case .index(let path):
            catalog = try IndexCatalog(index: path, configuration: configuration, metrics: metrics, log: log)
        case .data(let path, let defaultIndex):
            catalog = try IndexCatalog(
                data: path, defaultIndex: defaultIndex, configuration: configuration, metrics: metrics, log: log)
        }

    }

    /// The connection limit in force: `configuration.maxConnections`, lowered to what the open-file limit allows.
    public let maxConnections: Int

    /// "HOST:PORT" actually bound (with port 0, the port the kernel chose). Empty before `start()`.
    public var boundAddress: String { state.withLock { $0.bound } }
    /// The HTTP listener's address (`host:port`), when `ServerConfiguration.httpHost` is set.
    public var httpAddress: String? { state.withLock { $0.httpBound } }
    /// Whether the server has stopped (its HTTP listener then closes).
    var isStopped: Bool { stoppedSignal.load(ordering: .acquiring) }

    /// The generation of the default index's commit that new requests run against (0 when there is no default).
    public var generation: UInt64 { (try? catalog.resolve(nil))?.holder.reader.generation ?? 0 }

    /// The names of the indexes served.
    public var indexNames: [String] { catalog.all.map(\.name) }

    /// Binds, listens and starts the event loop and the workers. Refuses a non-loopback address without a token.
    public func start() throws(SaigaError) {
        let address: Posix.Address
        do { address = try Posix.resolve(host: configuration.host, port: configuration.port) } catch {
            throw SaigaError(.invalidArgument, error.description)
        }
        if !address.isLoopback && !configuration.requiresToken {
            throw SaigaError(
                .invalidArgument,
                "refusing to listen on \(address.description) (not loopback) without a "
                    + "token; set --token, SAIGA_TOKEN or --tokens")
        }
        let loop: EventLoop
        do {
            let (fd, bound) = try Posix.listen(address)
            let ep = try Posix.epollCreate()
            state.withLock {
                $0.bound = bound.description
                $0.started = true
            }
            loop = EventLoop(server: self, listener: fd, epoll: ep, wakeFD: wakeFD, signalFD: signalFD)
            try loop.register()
        } catch { throw .system(error) }
        if let host = configuration.httpHost {
            let http = try HTTPListener(server: self, host: host, port: configuration.httpPort)
            state.withLock { $0.httpBound = http.bound }
            Sys.spawnThread { http.run() }
        }
        Sys.spawnThread { loop.run() }
        for i in catalog.all {
            i.holder.verifyInBackground()
            i.holder.prepareSuggestionsInBackground(i.holder.reader)
        }
    }

    /// Asks the server to stop: no new connections or requests, in-flight requests finish (bounded by
    /// `drainTimeout`), then the loop exits.
    public func stop() {
        state.withLock { $0.stopRequested = true }
        Posix.signalEvent(wakeFD)
    }

    /// Asks the server to look for a newer commit now (what SIGHUP does).
    public func reload() {
        state.withLock { $0.reloadRequested = true }
        Posix.signalEvent(wakeFD)
    }

    /// Blocks until the server has stopped.
    public func waitUntilStopped() {
        while !stoppedSignal.load(ordering: .acquiring) {
            Sys.sleep(milliseconds: 20)
        }
    }

    var isStopRequested: Bool { state.withLock { $0.stopRequested } }

    func takeReloadRequest() -> Bool {
        state.withLock {
            let r = $0.reloadRequested
            $0.reloadRequested = false
            return r
        }
    }

    func markStopped() { stoppedSignal.store(true, ordering: .releasing) }

    func requestStop() { state.withLock { $0.stopRequested = true } }

    /// Writes `message` to the server's log, in its format (for the tool's own notices, such as the startup line).
    public func logNotice(_ message: String) { log(message) }

    func log(_ line: @autoclosure () -> String) {
        guard configuration.logging else { return }
        SaigaServer.emit(line(), format: configuration.logFormat)
    }

    /// Writes one log line to stderr in `format`.
    static func emit(_ message: String, format: ServerConfiguration.LogFormat) {
        switch format {
        case .text: Posix.writeStderr("saiga serve: " + message)
        case .json: Posix.writeStderr(LogLine.json(message: message, fields: []))
        }
    }

    /// A structured event: `message` as a text line, or a JSON object with `event` and `fields` (values already
    /// JSON: numbers, or strings quoted with `JSONText.quoted`).
    func logEvent(_ event: String, _ message: @autoclosure () -> String, fields: [(String, String)]) {
        guard configuration.logging else { return }
        switch configuration.logFormat {
        case .text: Posix.writeStderr("saiga serve: " + message())
        case .json:
            Posix.writeStderr(
                LogLine.json(message: message(), fields: [("event", JSONText.quoted(event))] + fields))
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// The JSON form of a log line (no Foundation: the server formats its own).
enum LogLine {
    /// `{"time": "<RFC 3339 UTC, milliseconds>", "message": "...", fields...}` (the caller ends the line).
    static func json(message: String, fields: [(String, String)]) -> String {
        var line = "{\"time\":" + JSONText.quoted(now()) + ",\"message\":" + JSONText.quoted(message)
        for (key, value) in fields { line += "," + JSONText.quoted(key) + ":" + value }
        return line + "}"
    }

    /// The current time, `2026-12-05T14:10:00.123Z`.
    static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var seconds = ts.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let millis = Int(ts.tv_nsec / 1_000_000)
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):"
            + "\(two(parts.tm_min)):\(two(parts.tm_sec)).\(ms)Z"
    }
}
