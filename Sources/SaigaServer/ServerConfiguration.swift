/// Settings of a `SaigaServer`. Defaults suit a local service; `saiga serve` exposes each as an option.
public struct ServerConfiguration: Sendable {
    /// Address to bind. Default 127.0.0.1 (loopback only).
    public var host: String = "127.0.0.1"
    /// Port; 0 picks a free one (see `SaigaServer.boundAddress`). Default 7700.
    public var port: Int = 7700
    /// Threads that run searches. Default: the number of cores (at most `workersRange`'s upper bound).
    public var workers: Int = min(
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))), ServerConfiguration.workersRange.upperBound)
    /// Shared secret clients must send in HELLO, with every right. A token (this or `tokens`) is required to listen
    /// on a non-loopback address.
    public var token: String?
    /// Tokens with their rights (`saiga serve --tokens FILE`, `TokenRights.parse`); with `token`, HELLO must carry
    /// one of them. Never logged.
    public var tokens: [String: TokenRights] = [:]
    /// Connections beyond this are refused with a `serverBusy` error. Default 4096.
    public var maxConnections: Int = 4096
    /// Requests a connection may have running at once; more get `tooManyInFlight`. Default 64.
    public var maxInFlightPerConnection: Int = 64
    /// Largest frame accepted (the length field). Default 16 MiB.
    public var maxFrameLength: Int = 16 << 20
    /// A connection with no request in flight and nothing received for this long is closed. Default 300 s.
    public var idleTimeout: Duration = .seconds(300)
    /// A frame started but not completed within this time closes the connection. Default 10 s.
    public var readTimeout: Duration = .seconds(10)
    /// A connection must complete its HELLO within this time, or it is closed (a silent socket must not hold a
    /// slot for the idle timeout). Default 5 s.
    public var handshakeTimeout: Duration = .seconds(5)
    /// Largest frame accepted before HELLO succeeds (enough for any HELLO): an unauthenticated peer cannot make the
    /// server buffer more than this. Default 4 KiB.
    public var handshakeFrameLength: Int = 4096
    /// Bytes of unprocessed input the server holds over all connections at most (partial frames); a connection
    /// whose input would pass it is answered `server busy` and closed. Default 256 MiB.
    public var maxBufferedBytes: Int = 256 << 20
    /// How often to look for a newer commit of the index; zero disables polling (SIGHUP still reloads). Default 1 s.
    public var reloadInterval: Duration = .seconds(1)
    /// How long shutdown waits for in-flight requests. Default 10 s.
    public var drainTimeout: Duration = .seconds(10)
    /// Verify every byte of a commit when loading it: in the background after startup (the first query does not
    /// wait), before a reload swaps a newer commit in. Without it chunks are still verified as searches first
    /// read them (no answer ever comes from a damaged byte), but damage a search does not read goes unreported.
    /// Default true.
    public var verifyChecksums: Bool = true
    /// Handle SIGINT/SIGTERM (drain and stop) and SIGHUP (reload). Call `SaigaServer.init` on the main thread
    /// before starting other threads, so that they inherit the blocked signal mask. Default false (embedded use).
    public var handleSignals: Bool = false
    /// Microseconds the event loop keeps polling for the next request after traffic before it sleeps in epoll.
    /// Waking a sleeping thread costs 20–30 µs on a small VM, as much as a search; polling (which yields the core
    /// to any runnable worker) trades at most this much CPU per burst of traffic for that latency. Default 500;
    /// 0 disables it.
    public var spinMicroseconds: Int = 500
    /// Log connection events and errors to stderr. Default true.
    public var logging: Bool = true
    /// Also serve HTTP on this host and port (`HTTPListener`: `/health` and `/metrics` for operators' tools); nil:
    /// no HTTP (the default). A non-loopback host needs the token, as the protocol does.
    public var httpHost: String?
    public var httpPort: Int = 0
    /// How log lines are written: `.text` (`saiga serve: …`, the default) or `.json` (one JSON object per line,
    /// with `time` and `message`, and the fields of structured events such as slow queries).
    public var logFormat: LogFormat = .text
    /// Log every search that takes at least this many milliseconds (the query, its time and its total; never the
    /// token). nil: no slow-query log (the default).
    public var slowQueryMilliseconds: Double?

    /// Writes (WRITE, COMMIT) are refused with `writesRefused`. Default false: the server opens an index's writer at
    /// its first write and keeps it (and its lock) until `writerIdleTimeout` passes without a write.
    public var readOnly: Bool = false
    /// Group commit: after the first write of a group arrives, the writer waits this long for more before it
    /// commits them together, so that many small writers share one fsync. Default 2 ms; zero commits at once (writes
    /// that arrive during a commit still share the next one).
    public var commitWindow: Duration = .milliseconds(2)
    /// Where BACKUP may write (`saiga serve --backup-dir DIR`): a BACKUP names a new directory inside it, by a
    /// relative path without `..`. nil: BACKUP is refused (a client never chooses where on the server's disk to
    /// write).
    public var backupDirectory: String?
    /// An index's writer (and its lock) is closed after this long without a write, once no merge runs (finished
    /// merges are committed first), so that other processes (`saiga index --append`) may write the index; the next
    /// write opens it again. Zero keeps it open. Default 60 s.
    public var writerIdleTimeout: Duration = .seconds(60)
    /// Bytes of writes queued and not yet committed, at most: beyond it a WRITE is answered `retryLater` (while a
    /// commit waits for merges, say), so memory stays bounded. Default 64 MiB.
    public var maxQueuedWriteBytes: Int = 64 << 20

    /// The form of the server's log lines.
    public enum LogFormat: String, Sendable, CaseIterable {
        case text, json
    }

    public init() {}

    // The ranges `SaigaServer.init` accepts (and `saiga serve` checks its options against): beyond them a setting is
    // a typo (an extra zero) rather than a plan.

    /// `workers`: 1...256.
    public static let workersRange = 1...256
    /// `maxConnections`: 1...1,000,000 (the open-file limit lowers it further at startup).
    public static let maxConnectionsRange = 1...1_000_000
    /// `maxInFlightPerConnection`: 1...100,000.
    public static let maxInFlightRange = 1...100_000
    /// `maxFrameLength` and `handshakeFrameLength`: 64 bytes...1 GiB.
    public static let frameLengthRange = 64...(1 << 30)
    /// `spinMicroseconds`: 0...100,000.
    public static let spinMicrosecondsRange = 0...100_000
}

#if canImport(Glibc)
    import Glibc
#endif
