import Saiga
import SaigaPosix
import SaigaServer
import SaigaWire

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The options of `saiga serve` alone. Defaults in the help come from `ServerConfiguration`.
extension OptionSpec {
    fileprivate static let listen = OptionSpec(
        "listen", "HOST:PORT", help: "address to bind (default 127.0.0.1:7700; port 0 picks a free port)")
    fileprivate static let http = OptionSpec(
        "http", "HOST:PORT", help: "also serve HTTP: GET /health, /metrics (Prometheus), /search?q= (JSON)")
    fileprivate static let workers = OptionSpec(
        "workers", "N", help: "threads that run searches (default: the number of cores)")
    fileprivate static let noVerify = OptionSpec(
        "no-verify", help: "do not verify whole commits in the background (see above)")
    fileprivate static let maxConnections = OptionSpec(
        "max-connections", "N",
        help: """
            connections at once (default \(ServeCommand.defaults.maxConnections), lowered to what the open-file limit allows)
            """)
    fileprivate static let maxInFlight = OptionSpec(
        "max-in-flight", "N",
        help: """
            requests running at once on one connection (default \(ServeCommand.defaults.maxInFlightPerConnection))
            """)
    fileprivate static let maxFrameBytes = OptionSpec(
        "max-frame-bytes", "N",
        help: """
            largest frame accepted (default \(ServeCommand.defaults.maxFrameLength >> 20) MiB)
            """)
    fileprivate static let maxBufferedBytes = OptionSpec(
        "max-buffered-bytes", "N",
        help: """
            unprocessed input over all connections (default \(ServeCommand.defaults.maxBufferedBytes >> 20) MiB)
            """)
    fileprivate static let idleTimeout = OptionSpec(
        "idle-timeout", "S",
        help: """
            close a connection idle for S seconds (default \(Int(ServeCommand.defaults.idleTimeout.inSeconds)))
            """)
    fileprivate static let readTimeout = OptionSpec(
        "read-timeout", "S",
        help: """
            close a connection whose frame does not arrive within S seconds (default \(Int(ServeCommand.defaults.readTimeout.inSeconds)))
            """)
    fileprivate static let handshakeTimeout = OptionSpec(
        "handshake-timeout", "S",
        help: """
            close a connection whose HELLO does not arrive within S seconds (default \(Int(ServeCommand.defaults.handshakeTimeout.inSeconds)))
            """)
    fileprivate static let reloadInterval = OptionSpec(
        "reload-interval", "S",
        help: """
            look for a newer commit every S seconds (default \(Int(ServeCommand.defaults.reloadInterval.inSeconds)); 0: only at SIGHUP)
            """)
    fileprivate static let drainTimeout = OptionSpec(
        "drain-timeout", "S",
        help: """
            at SIGINT/SIGTERM, wait up to S seconds for in-flight requests (default \(Int(ServeCommand.defaults.drainTimeout.inSeconds)))
            """)
    fileprivate static let slowQueryMs = OptionSpec(
        "slow-query-ms", "N", help: "log each search taking N ms or more (time, total, query)")
    fileprivate static let logFormat = OptionSpec(
        "log-format", "text|json", help: "log as text (default) or one JSON object per line")
    fileprivate static let data = OptionSpec(
        "data", "DIR", help: "serve every index under DIR by name; CREATE_INDEX and DROP_INDEX work there")
    fileprivate static let defaultIndex = OptionSpec(
        "default-index", "NAME", help: "with --data: the index requests naming none go to (default: the only one)")
    fileprivate static let tokens = OptionSpec(
        "tokens", "FILE",
        help: """
            tokens with rights: {"T": {"rights": ["read", "write", "admin"], "indexes": [...]}}
            """)
    fileprivate static let backupDir = OptionSpec(
        "backup-dir", "DIR", help: "where BACKUP may write: new directories inside DIR (default: BACKUP refused)")
    fileprivate static let readOnly = OptionSpec("read-only", help: "refuse writes (WRITE, COMMIT)")
    fileprivate static let commitWindow = OptionSpec(
        "commit-window", "MS",
        help: """
            wait MS milliseconds for more writes before a group commit (default \(Int(ServeCommand.defaults.commitWindow.inSeconds * 1000)); 0: at once)
            """)
    fileprivate static let writerIdle = OptionSpec(
        "writer-idle", "S",
        help: """
            release an index's writer and lock after S s without writes (default \(Int(ServeCommand.defaults.writerIdleTimeout.inSeconds)); 0: never)
            """)
    fileprivate static let maxQueuedWriteBytes = OptionSpec(
        "max-queued-write-bytes", "N",
        help: """
            writes waiting for a commit, at most; more are told to retry (default \(ServeCommand.defaults.maxQueuedWriteBytes >> 20) MiB)
            """)
    fileprivate static let spinUs = OptionSpec(
        "spin-us", "N",
        help: """
            microseconds to poll for the next request before sleeping (default \(ServeCommand.defaults.spinMicroseconds); 0: off)
            """)
}

/// `saiga serve`: the TCP search server.
enum ServeCommand: Command {
    static let defaults = ServerConfiguration()

    static let spec = CommandSpec(
        "serve", summary: "serve the index over TCP (docs/PROTOCOL.md)",
        discussion: """
            Serves the index over TCP with the binary protocol of docs/PROTOCOL.md. Binds 127.0.0.1:7700 by default;
            port 0 picks a free port. The first line on stdout is `listening on HOST:PORT`.

            A non-loopback address needs a token (--token or $SAIGA_TOKEN); clients send it in HELLO.
            Clients may write (WRITE, COMMIT; `saiga index --server`, `saiga delete --server`): the server opens the
            index's writer at the first write and holds its lock until --writer-idle seconds pass without a write.
            A write is answered once committed and visible; writes arriving within --commit-window ms share one
            commit. --read-only refuses writes.
            A newer commit of the index is picked up within --reload-interval seconds (default 1) or at SIGHUP,
            without failing in-flight requests. SIGINT/SIGTERM stop accepting, finish in-flight requests (up to
            --drain-timeout seconds, default 10) and exit 0. Connection events and errors are logged to stderr
            unless --quiet. --spin-us (default 500) is how long the event loop polls for the next request
            after traffic before sleeping: lower latency for at most that much CPU per burst; 0 turns it off.

            Limits (docs/PROTOCOL.md has them all in one table): --max-connections (default 4096, lowered to what the
            open-file limit allows; at the limit an idle connection is closed to make room), --max-in-flight
            (default 64), --max-frame-bytes (default 16 MiB; 4 KiB before HELLO), --max-buffered-bytes (unprocessed
            input over all connections, default 256 MiB), --handshake-timeout (HELLO within 5 s), --read-timeout
            (a frame within 10 s), --idle-timeout (300 s), --drain-timeout (10 s).
            The commit served is verified whole in the background after startup and before a reload swaps a newer
            one in; --no-verify skips that (each chunk is still verified when a search first reads it).
            """,
        options: [
            .index, .data, .defaultIndex, .listen, .http, .workers,
            .token.help("a token with every right (default: $SAIGA_TOKEN; a token is required off loopback)"), .tokens,
            .quiet.help("do not log connection events and errors to stderr"), .noVerify, .maxConnections,
            .maxInFlight, .maxFrameBytes, .maxBufferedBytes, .idleTimeout, .readTimeout, .handshakeTimeout,
            .reloadInterval, .drainTimeout, .spinUs, .slowQueryMs, .logFormat, .readOnly, .commitWindow,
            .writerIdle, .maxQueuedWriteBytes, .backupDir,
        ])

    static func run(_ args: Arguments) throws -> Int32 {
        var config = ServerConfiguration()
        if let listen = args.value(.listen) {
            guard let endpoint = Posix.Endpoint(parsing: listen, allowAnyPort: true) else {
                throw UsageError("--listen must be HOST:PORT (got \"\(listen)\")")
            }
            config.host = endpoint.host
            config.port = endpoint.port
        }
        if let http = args.value(.http) {
            guard let endpoint = Posix.Endpoint(parsing: http, allowAnyPort: true) else {
                throw UsageError("--http must be HOST:PORT (got \"\(http)\")")
            }
            config.httpHost = endpoint.host
            config.httpPort = endpoint.port
        }
        config.workers = try args.int(.workers, default: config.workers, range: ServerConfiguration.workersRange)
        config.spinMicroseconds = try args.int(
            .spinUs, default: config.spinMicroseconds, range: ServerConfiguration.spinMicrosecondsRange)
        config.token = args.value(.token) ?? (getenv("SAIGA_TOKEN").flatMap { String(validatingCString: $0) })
        config.maxConnections = try args.int(
            .maxConnections, default: config.maxConnections, range: ServerConfiguration.maxConnectionsRange)
        config.maxInFlightPerConnection = try args.int(
            .maxInFlight, default: config.maxInFlightPerConnection, range: ServerConfiguration.maxInFlightRange)
        config.maxFrameLength = try args.int(
            .maxFrameBytes, default: config.maxFrameLength, range: ServerConfiguration.frameLengthRange)
        if let v = try args.float(.idleTimeout) { config.idleTimeout = .seconds(Double(v)) }
        if let v = try args.float(.readTimeout) { config.readTimeout = .seconds(Double(v)) }
        if let v = try args.float(.reloadInterval) { config.reloadInterval = .seconds(Double(v)) }
        if let v = try args.float(.drainTimeout) { config.drainTimeout = .seconds(Double(v)) }
        if let v = try args.float(.handshakeTimeout) {
            guard v > 0 else { throw UsageError("--handshake-timeout must be positive") }
            config.handshakeTimeout = .seconds(Double(v))
        }
        // The server refuses a buffer that cannot hold one whole frame with its length prefix.
        config.maxBufferedBytes = try args.int(
            .maxBufferedBytes,
            default: max(
                config.maxBufferedBytes,
                2 * config.maxFrameLength),
            range: (config.maxFrameLength + Frame.lengthSize)...(1 << 40))
        config.logging = !args.flag(.quiet)
        if let v = try args.float(.slowQueryMs) {
            guard v >= 0 && v <= 3_600_000 else { throw UsageError("--slow-query-ms must be 0 to 3600000") }
            config.slowQueryMilliseconds = Double(v)
        }
        if let f = args.value(.logFormat) {
            guard let format = ServerConfiguration.LogFormat(rawValue: f) else {
                throw UsageError("--log-format must be text or json, not '\(f)'")
            }
            config.logFormat = format
        }
        if let file = args.value(.tokens) {
            let bytes: [UInt8]
            do { bytes = try Sys.readFile(file, limit: 1 << 20) } catch {
                throw UsageError("--tokens \(file): \(error)")
            }
            do { config.tokens = try TokenRights.parse(json: bytes) } catch {
                throw UsageError("--tokens \(file): \(error.message)")
            }
        }
        config.readOnly = args.flag(.readOnly)
        if let dir = args.value(.backupDir) {
            guard Sys.isDirectory(dir) else { throw UsageError("--backup-dir \(dir) is not a directory") }
            var trimmed = dir
            while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
            config.backupDirectory = trimmed
        }
        if let v = try args.float(.commitWindow) {
            guard v >= 0 && v <= 10_000 else { throw UsageError("--commit-window must be 0 to 10000 ms") }
            config.commitWindow = .microseconds(Int64(Double(v) * 1000))
        }
        if let v = try args.float(.writerIdle) {
            guard v >= 0 && v <= 86_400 else { throw UsageError("--writer-idle must be 0 to 86400 seconds") }
            config.writerIdleTimeout = .milliseconds(Int64(Double(v) * 1000))
        }
        config.maxQueuedWriteBytes = try args.int(
            .maxQueuedWriteBytes, default: config.maxQueuedWriteBytes, range: (1 << 20)...(1 << 40))
        config.verifyChecksums = !args.flag(.noVerify)
        config.handleSignals = true

        let server: SaigaServer
        let what: String
        if let data = args.value(.data) {
            guard args.value(.index) == nil else { throw UsageError("--data and --index exclude each other") }
            server = try SaigaServer(
                dataDirectory: data, defaultIndex: args.value(.defaultIndex), configuration: config)
            let names = server.indexNames
            what =
                "\(names.count) index\(names.count == 1 ? "" : "es") under \(data)"
                + (names.isEmpty
                    ? "" : " (\(names.prefix(10).joined(separator: ", "))\(names.count > 10 ? ", …" : ""))")
        } else {
            guard args.value(.defaultIndex) == nil else { throw UsageError("--default-index needs --data") }
            let index = args.value(.index) ?? Defaults.indexDirectory
            server = try SaigaServer(indexPath: index, configuration: config)
            what = "\(index) (commit \(server.generation))"
        }
        try server.start()
        Terminal.out("listening on \(server.boundAddress)")
        if let http = server.httpAddress { Terminal.out("http on \(http)") }
        server.logNotice(
            "serving \(what) with \(config.workers) workers, at most \(server.maxConnections) connections")
        server.waitUntilStopped()
        return 0
    }
}
