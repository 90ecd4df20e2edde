import SaigaWire
import Synchronization

/// A latency histogram in Prometheus' shape: per-bucket counts (not cumulative), their sum and count.
struct LatencyHistogram {
    /// Upper bounds of the buckets, in seconds (Prometheus' `le`); the last bucket is +Inf.
    static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    var buckets = [Int](repeating: 0, count: LatencyHistogram.bounds.count + 1)
    var nanos = 0
    var count = 0

    mutating func record(nanos n: UInt64) {
        let seconds = Double(n) / 1e9
        buckets[LatencyHistogram.bounds.firstIndex { seconds <= $0 } ?? LatencyHistogram.bounds.count] += 1
        nanos += Int(truncatingIfNeeded: n)
        count += 1
    }

    /// The `_bucket`, `_sum` and `_count` lines of `name` with `labels` (`kind="search"`, or empty).
    func lines(_ name: String, labels: String = "") -> String {
        let prefix = labels.isEmpty ? "" : labels + ","
        let braces = labels.isEmpty ? "" : "{" + labels + "}"
        var out = ""
        var cumulative = 0
        for (i, bound) in LatencyHistogram.bounds.enumerated() {
            cumulative += buckets[i]
            out += "\(name)_bucket{\(prefix)le=\"\(bound)\"} \(cumulative)\n"
        }
        cumulative += buckets[LatencyHistogram.bounds.count]
        out += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(cumulative)\n"
        out += "\(name)_sum\(braces) \(Double(nanos) / 1e9)\n"
        out += "\(name)_count\(braces) \(count)\n"
        return out
    }
}

/// What the server counts for operators, read by `/metrics` (`HTTPListener`): requests and their latency by kind,
/// errors by code, connections, requests in flight, group commits, reloads. One short lock per answered request;
/// the gauges are atomics.
final class ServerMetrics: Sendable {
    /// The request kinds the workers and writers answer, in the order they are reported (the event loop answers
    /// HELLO and PING itself; they are not counted).
    static let kinds = ["search", "get", "stats", "suggest", "write", "admin"]

    private struct Counters {
        var requests = [Int](repeating: 0, count: ServerMetrics.kinds.count)
        /// Per kind: the time from a request's decoding to its answer.
        var latency = [LatencyHistogram](repeating: LatencyHistogram(), count: ServerMetrics.kinds.count)
        var errors: [String: Int] = [:]
        /// Group commits: their time (taking the writes to their visibility), the writes and documents they held.
        var commits = LatencyHistogram()
        var writesCommitted = 0
        var documentsWritten = 0
    }

    /// One short lock per answered request (a handful of additions), never held across anything else.
    private let counters = Mutex(Counters())
    let connections = Atomic<Int>(0)
    let reloads = Atomic<Int>(0)
    /// Requests handed to workers and writers and not answered yet, over all connections.
    let inFlight = Atomic<Int>(0)

    static func kind(_ request: Request) -> Int? {
        switch request {
        case .hello, .ping: return nil
        case .search: return 0
        case .get: return 1
        case .stats: return 2
        case .suggest: return 3
        case .write: return 4
        case .admin: return 5
        }
    }

    /// One answered request, `nanos` long, and its answer (an ERROR counts under its code's name, `invalid_query`).
    func record(_ request: Request, nanos: UInt64, answer: Response) {
        var error: String?
        if case .error(let e) = answer { error = "\(e.code)".split(separator: " ").joined(separator: "_") }
        record(request, nanos: nanos, error: error)
    }

    /// One answered request, `nanos` long; `error` is its error code's label, if it failed.
    private func record(_ request: Request, nanos: UInt64, error: String?) {
        guard let kind = ServerMetrics.kind(request) else { return }
        counters.withLock { c in
            c.requests[kind] += 1
            c.latency[kind].record(nanos: nanos)
            if let error { c.errors[error, default: 0] += 1 }
        }
    }

    /// One group of writes answered: `nanos` from taking them to their commit being visible (nil when they changed
    /// nothing, COMMITs alone: no commit was made), `writes` WRITE and COMMIT requests acknowledged, `documents`
    /// documents added, replaced or deleted.
    func recordCommit(nanos: UInt64?, writes: Int, documents: Int) {
        counters.withLock { c in
            if let nanos { c.commits.record(nanos: nanos) }
            c.writesCommitted += writes
            c.documentsWritten += documents
        }
    }

    /// The Prometheus text format (version 0.0.4) of these counters and `gauges` (name, help, and values with their
    /// labels).
    func prometheus(gauges: [(name: String, help: String, values: [(labels: String, value: String)])]) -> String {
        var out = ""
        func header(_ name: String, _ help: String, _ type: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        let c = counters.withLock { $0 }
        header("saiga_requests_total", "Requests answered, by kind.", "counter")
        for (i, kind) in ServerMetrics.kinds.enumerated() {
            out += "saiga_requests_total{kind=\"\(kind)\"} \(c.requests[i])\n"
        }
        header(
            "saiga_request_duration_seconds", "Time to answer a request, from its decoding to its answer, by kind.",
            "histogram")
        for (i, kind) in ServerMetrics.kinds.enumerated() {
            out += c.latency[i].lines("saiga_request_duration_seconds", labels: "kind=\"\(kind)\"")
        }
        header(
            "saiga_search_duration_seconds", "Time to answer a search, from its decoding to its answer.", "histogram")
        out += c.latency[0].lines("saiga_search_duration_seconds")
        header(
            "saiga_commit_duration_seconds", "Time of a group commit, from taking its writes to their visibility.",
            "histogram")
        out += c.commits.lines("saiga_commit_duration_seconds")
        header("saiga_writes_committed_total", "WRITE and COMMIT requests acknowledged.", "counter")
        out += "saiga_writes_committed_total \(c.writesCommitted)\n"
        header(
            "saiga_documents_written_total", "Documents added, replaced or deleted by acknowledged writes.", "counter")
        out += "saiga_documents_written_total \(c.documentsWritten)\n"
        header("saiga_errors_total", "Requests answered with an error, by code.", "counter")
        for (code, n) in c.errors.sorted(by: { $0.key < $1.key }) {
            out += "saiga_errors_total{code=\"\(code)\"} \(n)\n"
        }
        header("saiga_connections", "Open protocol connections.", "gauge")
        out += "saiga_connections \(connections.load(ordering: .relaxed))\n"
        header("saiga_requests_in_flight", "Requests received and not answered yet.", "gauge")
        out += "saiga_requests_in_flight \(inFlight.load(ordering: .relaxed))\n"
        header("saiga_reloads_total", "Newer commits swapped in.", "counter")
        out += "saiga_reloads_total \(reloads.load(ordering: .relaxed))\n"
        for g in gauges {
            header(g.name, g.help, "gauge")
            for v in g.values { out += "\(g.name)\(v.labels) \(v.value)\n" }
        }
        return out
    }
}
