import Saiga
import SaigaPosix
import SaigaServer

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

enum ServeCommand {
    static let help = """
        usage: saiga serve [--index DIR] [--listen HOST:PORT] [--workers N] [--token T] [--quiet] [--no-verify]
                           [--max-connections N] [--max-in-flight N] [--max-frame-bytes N] [--max-buffered-bytes N]
                           [--idle-timeout S] [--read-timeout S] [--handshake-timeout S] [--reload-interval S]
                           [--drain-timeout S] [--spin-us N]

        Serves the index over TCP with the binary protocol of docs/PROTOCOL.md. Binds 127.0.0.1:7700 by default;
        port 0 picks a free port. The first line on stdout is `listening on HOST:PORT`.

        A non-loopback address needs a token (--token or $SAIGA_TOKEN); clients send it in HELLO.
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
        """

    static func run(_ argv: [String]) throws -> Int32 {
        let args = try Arguments(
            argv,
            valueOptions: ["index", "listen", "workers", "token", "max-connections", "max-in-flight", "max-frame-bytes",
                           "idle-timeout", "read-timeout", "reload-interval", "drain-timeout", "spin-us",
                           "handshake-timeout", "max-buffered-bytes"],
            flagOptions: ["quiet", "no-verify"])
        guard args.positional.isEmpty else { throw UsageError("serve takes no arguments") }
        var config = ServerConfiguration()
        if let listen = args.value("listen") {
            guard let endpoint = Posix.Endpoint(parsing: listen, allowAnyPort: true) else {
                throw UsageError("--listen must be HOST:PORT (got \"\(listen)\")")
            }
            config.host = endpoint.host
            config.port = endpoint.port
        }
        config.workers = try args.int("workers", default: config.workers, range: 1...256)
        config.spinMicroseconds = try args.int("spin-us", default: config.spinMicroseconds, range: 0...100_000)
        config.token = args.value("token") ?? (getenv("SAIGA_TOKEN").flatMap { String(validatingCString: $0) })
        config.maxConnections = try args.int("max-connections", default: config.maxConnections, range: 1...1_000_000)
        config.maxInFlightPerConnection = try args.int("max-in-flight", default: config.maxInFlightPerConnection, range: 1...100_000)
        config.maxFrameLength = try args.int("max-frame-bytes", default: config.maxFrameLength, range: 64...(1 << 30))
        if let v = try args.float("idle-timeout") { config.idleTimeout = .seconds(Double(v)) }
        if let v = try args.float("read-timeout") { config.readTimeout = .seconds(Double(v)) }
        if let v = try args.float("reload-interval") { config.reloadInterval = .seconds(Double(v)) }
        if let v = try args.float("drain-timeout") { config.drainTimeout = .seconds(Double(v)) }
        if let v = try args.float("handshake-timeout") {
            guard v > 0 else { throw UsageError("--handshake-timeout must be positive") }
            config.handshakeTimeout = .seconds(Double(v))
        }
        config.maxBufferedBytes = try args.int("max-buffered-bytes", default: max(config.maxBufferedBytes,
                                                                                   2 * config.maxFrameLength),
                                               range: (config.maxFrameLength + 4)...(1 << 40))
        config.logging = !args.flag("quiet")
        config.verifyChecksums = !args.flag("no-verify")
        config.handleSignals = true

        let index = args.value("index") ?? Defaults.indexDirectory
        let server: SaigaServer
        do { server = try SaigaServer(indexPath: index, configuration: config) } catch let e as SaigaError {
            throw e
        } catch {
            Terminal.err("saiga: \(error)")
            return 1
        }
        do { try server.start() } catch {
            Terminal.err("saiga: \(error)")
            return 1
        }
        Terminal.out("listening on \(server.boundAddress)")
        if config.logging {
            Terminal.err("saiga serve: serving \(index) (commit \(server.generation)) with \(config.workers) workers, "
                + "at most \(server.maxConnections) connections")
        }
        server.waitUntilStopped()
        return 0
    }
}
