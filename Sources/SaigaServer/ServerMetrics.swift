import SaigaWire
import Synchronization

/// What the server counts for operators, read by `/metrics` (`HTTPListener`): requests by kind, search latency as a
/// histogram, errors by code, open connections, reloads. Lock-free counters on the request path; the errors' map
/// takes a lock only when an error happens.
final class ServerMetrics: Sendable {
    /// The request kinds the workers answer, in the order they are reported (the event loop answers HELLO and PING
    /// itself; they are not counted).
    static let kinds = ["search", "get", "stats", "suggest", "write", "admin"]
    /// Upper bounds of the search-latency buckets, in seconds (Prometheus' `le`); the last bucket is +Inf.
    static let bucketBounds: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    private struct Counters {
        var requests = [Int](repeating: 0, count: ServerMetrics.kinds.count)
        /// Per bucket (not cumulative), the last for +Inf.
        var buckets = [Int](repeating: 0, count: ServerMetrics.bucketBounds.count + 1)
        var searchNanos = 0
        var searches = 0
        var errors: [String: Int] = [:]
        /// Group commits: per latency bucket (not cumulative), their total time, the writes and documents they
        /// held.
        var commitBuckets = [Int](repeating: 0, count: ServerMetrics.bucketBounds.count + 1)
        var commitNanos = 0
        var commits = 0
        var writesCommitted = 0
        var documentsWritten = 0
    }

    /// One short lock per answered request (a handful of additions), never held across anything else.
    private let counters = Mutex(Counters())
    let connections = Atomic<Int>(0)
    let reloads = Atomic<Int>(0)

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

    /// One answered request, `nanos` long; `error` is its error code, if it failed.
    func record(_ request: Request, nanos: UInt64, error: String?) {
        guard let kind = ServerMetrics.kind(request) else { return }
        var bucket = -1
        if case .search = request {
            let seconds = Double(nanos) / 1e9
            bucket = ServerMetrics.bucketBounds.firstIndex { seconds <= $0 } ?? ServerMetrics.bucketBounds.count
        }
        counters.withLock { c in
            c.requests[kind] += 1
            if bucket >= 0 {
                c.buckets[bucket] += 1
                c.searchNanos += Int(truncatingIfNeeded: nanos)
                c.searches += 1
            }
            if let error { c.errors[error, default: 0] += 1 }
        }
    }

    /// One group commit: `nanos` from taking the writes to the commit being visible, `writes` WRITE and COMMIT
    /// requests answered by it, `documents` documents added, replaced or deleted.
    func recordCommit(nanos: UInt64, writes: Int, documents: Int) {
        let seconds = Double(nanos) / 1e9
        let bucket = ServerMetrics.bucketBounds.firstIndex { seconds <= $0 } ?? ServerMetrics.bucketBounds.count
        counters.withLock { c in
            c.commitBuckets[bucket] += 1
            c.commitNanos += Int(truncatingIfNeeded: nanos)
            c.commits += 1
            c.writesCommitted += writes
            c.documentsWritten += documents
        }
    }

    /// The Prometheus text format (version 0.0.4) of these counters and `gauges` (name, help, value).
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
            "saiga_search_duration_seconds", "Time to answer a search, from its decoding to its answer.", "histogram")
        var cumulative = 0
        for (i, bound) in ServerMetrics.bucketBounds.enumerated() {
            cumulative += c.buckets[i]
            out += "saiga_search_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        cumulative += c.buckets[ServerMetrics.bucketBounds.count]
        out += "saiga_search_duration_seconds_bucket{le=\"+Inf\"} \(cumulative)\n"
        out += "saiga_search_duration_seconds_sum \(Double(c.searchNanos) / 1e9)\n"
        out += "saiga_search_duration_seconds_count \(c.searches)\n"
        header(
            "saiga_commit_duration_seconds", "Time of a group commit, from taking its writes to their visibility.",
            "histogram")
        cumulative = 0
        for (i, bound) in ServerMetrics.bucketBounds.enumerated() {
            cumulative += c.commitBuckets[i]
            out += "saiga_commit_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        cumulative += c.commitBuckets[ServerMetrics.bucketBounds.count]
        out += "saiga_commit_duration_seconds_bucket{le=\"+Inf\"} \(cumulative)\n"
        out += "saiga_commit_duration_seconds_sum \(Double(c.commitNanos) / 1e9)\n"
        out += "saiga_commit_duration_seconds_count \(c.commits)\n"
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
        header("saiga_reloads_total", "Newer commits swapped in.", "counter")
        out += "saiga_reloads_total \(reloads.load(ordering: .relaxed))\n"
        for g in gauges {
            header(g.name, g.help, "gauge")
            for v in g.values { out += "\(g.name)\(v.labels) \(v.value)\n" }
        }
        return out
    }
}
