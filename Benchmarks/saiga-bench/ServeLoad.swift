import Foundation
import Saiga
import SaigaClient
import SaigaWire

/// `saiga-bench serve-load --server HOST:PORT QUERIES.txt --connections C [--pipeline P]`: C client threads, each
/// with its own connection, send the queries (word queries, k 10, no snippets, as `query --mode`) with up to P
/// requests in flight per connection, after one untimed warm-up pass. Prints qps, latency percentiles and errors.
/// With `--compare-index DIR` it first runs the same queries in process on that index and reports the overhead of
/// going through the server.
enum ServeLoad {
    final class Shared: @unchecked Sendable {  // each thread writes only its own slot; read after join
        var latencies: [[Double]]
        /// Per query: client latency minus the search time the server reports (transport and queueing).
        var overheads: [[Double]]
        var errors: [Int]
        var messages: [String]
        init(_ n: Int) {
            latencies = Array(repeating: [], count: n)
            overheads = Array(repeating: [], count: n)
            errors = Array(repeating: 0, count: n)
            messages = Array(repeating: "", count: n)
        }
    }

    static func run(_ argv: [String]) throws {
        let o = try Options(
            argv,
            valued: [
                "server", "connections", "pipeline", "k", "mode", "token", "compare-index", "rounds",
                "client-spin-us",
            ],
            flags: ["ping"])
        guard let server = o.values["server"], o.positional.count == 1 else {
            throw BenchUsage(
                message: "usage: saiga-bench serve-load --server HOST:PORT QUERIES.txt --connections C [--pipeline P]")
        }
        let connections = try o.int("connections", 1)
        let pipeline = max(1, try o.int("pipeline", 1))
        let k = try o.int("k", 10)
        let rounds = max(1, try o.int("rounds", 1))
        let syntax: QuerySyntax = o.values["mode"] == "and" ? .allWords : .anyWords
        let queries = try QueryBench.readQueries(o.positional[0]).map(\.text)
        guard !queries.isEmpty, connections >= 1 else { throw BenchUsage(message: "no queries or connections") }

        var inProcessP50: Double?
        if let dir = o.values["compare-index"] {
            let reader = try IndexReader(path: dir)
            let opts = SearchOptions(k: k, snippets: false)
            let match: WordMatch = syntax == .allWords ? .all : .any
            for q in queries { _ = try reader.search(words: q, match: match, options: opts) }
            var lat: [Double] = []
            for q in queries {
                let t0 = Clock.wallNanos()
                _ = try reader.search(words: q, match: match, options: opts)
                lat.append(Double(Clock.wallNanos() - t0) / 1e6)
            }
            inProcessP50 = percentile(lat.sorted(), 50)
        }

        let shared = Shared(connections)
        let token = o.values["token"]
        let pingOnly = o.flags.contains("ping")
        let clientSpin = try o.int("client-spin-us", 0)
        @Sendable func work(_ c: Int, timed: Bool) {
            do {
                let client = try SaigaClient(address: server, token: token, spinMicroseconds: clientSpin)
                try client.connect()
                var batch: [Request] = []
                var i = c
                var lat: [Double] = []
                var over: [Double] = []
                func flush() throws {
                    guard !batch.isEmpty else { return }
                    let t0 = Clock.wallNanos()
                    let answers = try client.pipeline(batch)
                    let ms = Double(Clock.wallNanos() - t0) / 1e6
                    for a in answers {
                        if case .error(let e) = a {
                            shared.errors[c] += 1
                            if shared.messages[c].isEmpty { shared.messages[c] = e.description }
                        } else if timed {
                            lat.append(ms)
                            if case .results(let r) = a { over.append(ms - Double(r.tookMicros) / 1000) }
                        }
                    }
                    batch.removeAll(keepingCapacity: true)
                }
                for _ in 0..<(timed ? rounds : 1) {
                    i = c
                    while i < queries.count {
                        batch.append(
                            pingOnly
                                ? .ping([])
                                : .search(
                                    SearchRequest(query: queries[i], k: UInt32(k), snippets: false, syntax: syntax)))
                        if batch.count == pipeline { try flush() }
                        i += connections
                    }
                    try flush()
                }
                if timed {
                    shared.latencies[c] = lat
                    shared.overheads[c] = over
                }
                client.close()
            } catch {
                shared.errors[c] += 1
                shared.messages[c] = "\(error)"
            }
        }
        func runAll(timed: Bool) -> Double {
            let group = DispatchGroup()
            let start = Clock.wallNanos()
            for c in 0..<connections {
                group.enter()
                let t = Thread {
                    work(c, timed: timed)
                    group.leave()
                }
                t.stackSize = 1 << 20
                t.start()
            }
            group.wait()
            return Double(Clock.wallNanos() - start) / 1e9
        }
        _ = runAll(timed: false)  // warm-up
        for c in 0..<connections { shared.errors[c] = 0 }
        let seconds = runAll(timed: true)
        let all = shared.latencies.flatMap { $0 }.sorted()
        let errors = shared.errors.reduce(0, +)
        let completed = all.count
        var pairs: [(String, String)] = [
            ("engine", "\"saiga-server\""), ("connections", "\(connections)"), ("pipeline", "\(pipeline)"),
            ("queries", "\(completed)"), ("seconds", "\(round4(seconds))"),
            ("qps", "\(round4(Double(completed) / seconds))"),
            ("p50_ms", "\(round4(percentile(all, 50)))"), ("p95_ms", "\(round4(percentile(all, 95)))"),
            ("p99_ms", "\(round4(percentile(all, 99)))"), ("errors", "\(errors)"),
            ("loadavg1", "\(Clock.loadAverage())"),
        ]
        let over = shared.overheads.flatMap { $0 }.sorted()
        if !over.isEmpty && pipeline == 1 {
            pairs.append(("server_overhead_p50_us", "\(round4(percentile(over, 50) * 1000))"))
        }
        if let p = inProcessP50 {
            pairs.append(("inprocess_p50_ms", "\(round4(p))"))
            pairs.append(("overhead_p50_us", "\(round4((percentile(all, 50) - p) * 1000))"))
        }
        if let m = shared.messages.first(where: { !$0.isEmpty }) { pairs.append(("first_error", jsonString(m))) }
        print(jsonLine(pairs))
    }
}
