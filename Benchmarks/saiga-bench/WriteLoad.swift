import Foundation
import Saiga
import SaigaClient
import SaigaWire
import Synchronization

/// `saiga-bench write-load --server HOST:PORT CORPUS.jsonl QUERIES.txt [--writers 4] [--batch 1000] [--searchers 16]
/// [--idle-seconds 10] [--limit N]`: the ingestion test of issue 15. First the searchers alone run word queries (OR,
/// k 10, no snippets) for `--idle-seconds` (the idle latency); then `--writers` connections stream the corpus's
/// JSONL lines in WRITEs of `--batch` documents (batch i goes to writer i mod W) while the searchers go on. A
/// `retry later` answer is counted and the batch sent again; any other error is a failure. Afterwards every
/// acknowledged id is looked up with GET, and the server's document count is compared with the ids acknowledged.
/// Prints one JSON line: documents/s, search p50/p99 idle and during ingestion, failures, and what was missing.
enum WriteLoad {
    final class Shared: @unchecked Sendable {  // each thread writes its own slot; read after join
        var latencies: [[Double]]
        var failures: [Int]
        var messages: [String]
        init(_ n: Int) {
            latencies = Array(repeating: [], count: n)
            failures = Array(repeating: 0, count: n)
            messages = Array(repeating: "", count: n)
        }
    }

    static func run(_ argv: [String]) throws {
        let o = try Options(
            argv, valued: ["server", "writers", "batch", "searchers", "idle-seconds", "limit", "token"], flags: [])
        guard let server = o.values["server"], o.positional.count == 2 else {
            throw BenchUsage(
                message: "usage: saiga-bench write-load --server HOST:PORT CORPUS.jsonl QUERIES.txt [--writers W] "
                    + "[--batch N] [--searchers S] [--idle-seconds T] [--limit DOCS]")
        }
        let writers = max(1, try o.int("writers", 4))
        let batchSize = max(1, try o.int("batch", 1000))
        let searchers = max(1, try o.int("searchers", 16))
        let idleSeconds = try o.double("idle-seconds") ?? 10
        let limit = try o.int("limit", Int.max)
        let token = o.values["token"]
        let queries = try QueryBench.readQueries(o.positional[1]).map(\.text)

        let (lines, ids) = try readCorpusLines(o.positional[0], limit: limit)
        let batches = stride(from: 0, to: lines.count, by: batchSize).map {
            Array(lines[$0..<min($0 + batchSize, lines.count)])
        }

        let stop = Atomic<Bool>(false)
        let searchShared = Shared(searchers)
        @Sendable func search(_ s: Int) {
            do {
                let client = try SaigaClient(address: server, token: token)
                var i = s
                var lat: [Double] = []
                while !stop.load(ordering: .relaxed) {
                    let t0 = Clock.wallNanos()
                    let r = try client.pipeline([
                        .search(
                            SearchRequest(query: queries[i % queries.count], k: 10, snippets: false, syntax: .anyWords))
                    ])
                    if case .error(let e) = r[0] {
                        searchShared.failures[s] += 1
                        if searchShared.messages[s].isEmpty { searchShared.messages[s] = e.description }
                    } else {
                        lat.append(Double(Clock.wallNanos() - t0) / 1e6)
                    }
                    i += searchers
                }
                searchShared.latencies[s] = lat
            } catch {
                searchShared.failures[s] += 1
                searchShared.messages[s] = "\(error)"
            }
        }
        func searchWhile(_ body: () -> Void) -> [Double] {
            stop.store(false, ordering: .relaxed)
            for s in 0..<searchers { searchShared.latencies[s] = [] }
            let group = DispatchGroup()
            for s in 0..<searchers {
                group.enter()
                let t = Thread {
                    search(s)
                    group.leave()
                }
                t.stackSize = 1 << 20
                t.start()
            }
            body()
            stop.store(true, ordering: .relaxed)
            group.wait()
            return searchShared.latencies.flatMap { $0 }.sorted()
        }

        let idle = searchWhile { Thread.sleep(forTimeInterval: idleSeconds) }

        let writeShared = Shared(writers)
        let acknowledged = Mutex<[Int]>([])  // batch numbers
        let retries = Atomic<Int>(0)
        var seconds = 0.0
        let busy = searchWhile {
            let start = Clock.wallNanos()
            let group = DispatchGroup()
            for w in 0..<writers {
                group.enter()
                let t = Thread {
                    defer { group.leave() }
                    do {
                        let client = try SaigaClient(address: server, token: token, requestTimeout: .seconds(600))
                        var b = w
                        while b < batches.count {
                            do throws(ClientError) {
                                _ = try client.write(documents: batches[b])
                                acknowledged.withLock { $0.append(b) }
                                b += writers
                            } catch {
                                if case .server(let code) = error.kind, code == .retryLater {
                                    retries.add(1, ordering: .relaxed)
                                    Thread.sleep(forTimeInterval: 0.05)
                                    continue
                                }
                                writeShared.failures[w] += 1
                                if writeShared.messages[w].isEmpty { writeShared.messages[w] = error.description }
                                b += writers
                            }
                        }
                    } catch {
                        writeShared.failures[w] += 1
                        writeShared.messages[w] = "\(error)"
                    }
                }
                t.stackSize = 1 << 20
                t.start()
            }
            group.wait()
            seconds = Double(Clock.wallNanos() - start) / 1e9
        }

        // Every acknowledged document, looked up.
        let client = try SaigaClient(address: server, token: token)
        let done = acknowledged.withLock { $0 }
        var ackedIDs: [String] = []
        for b in done { ackedIDs += ids[(b * batchSize)..<min((b + 1) * batchSize, ids.count)] }
        var missing = 0
        var requests: [Request] = []
        func lookUp() throws {
            for r in try client.pipeline(requests) {
                if case .document(let d) = r, d.found { continue }
                missing += 1
            }
            requests.removeAll(keepingCapacity: true)
        }
        for id in ackedIDs {
            requests.append(.get(GetRequest(id: id)))
            if requests.count == 4096 { try lookUp() }
        }
        try lookUp()
        let final = try client.commit()
        let documents = ackedIDs.count
        var pairs: [(String, String)] = [
            ("engine", "\"saiga-server\""), ("writers", "\(writers)"), ("batch", "\(batchSize)"),
            ("searchers", "\(searchers)"), ("documents", "\(documents)"), ("seconds", "\(round4(seconds))"),
            ("documents_per_s", "\(round4(Double(documents) / seconds))"),
            ("write_failures", "\(writeShared.failures.reduce(0, +))"),
            ("retry_later", "\(retries.load(ordering: .relaxed))"),
            ("search_failures", "\(searchShared.failures.reduce(0, +))"),
            ("idle_searches", "\(idle.count)"), ("idle_p50_ms", "\(round4(percentile(idle, 50)))"),
            ("idle_p99_ms", "\(round4(percentile(idle, 99)))"),
            ("busy_searches", "\(busy.count)"), ("busy_p50_ms", "\(round4(percentile(busy, 50)))"),
            ("busy_p99_ms", "\(round4(percentile(busy, 99)))"),
            ("missing_after", "\(missing)"), ("server_documents", "\(final.documents)"),
            ("generation", "\(final.generation)"), ("loadavg1", "\(Clock.loadAverage())"),
        ]
        let messages = writeShared.messages + searchShared.messages
        if let m = messages.first(where: { !$0.isEmpty }) { pairs.append(("first_error", jsonString(m))) }
        print(jsonLine(pairs))
    }
}

/// The corpus's JSONL lines as they are (what a WRITE carries) and their ids (for the checks afterwards), the first
/// `limit`; lines without a string `id` are left out.
func readCorpusLines(_ path: String, limit: Int) throws -> (lines: [String], ids: [String]) {
    var lines: [String] = []
    var ids: [String] = []
    for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
        guard lines.count < limit else { break }
        guard let data = line.data(using: .utf8),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let id = object["id"] as? String
        else { continue }
        lines.append(String(line))
        ids.append(id)
    }
    return (lines, ids)
}
