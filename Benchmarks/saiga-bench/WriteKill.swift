import Foundation
import Saiga
import SaigaClient
import SaigaWire
import Synchronization

/// `saiga-bench write-kill --saiga PATH --index DIR CORPUS.jsonl QUERIES.txt [--kills 30] [--writers 4] [--batch 1000]
/// [--searchers 16] [--limit N]`: the fault test of issue 15 at the load of `write-load`. Each round starts
/// `saiga serve` on DIR, streams the corpus (from where the acknowledged writes left off; unacknowledged batches are
/// sent again, writes being idempotent) with the writers while the searchers query, and `kill -9`s the server after
/// a random 0.3 to 3 s. Then, with the server dead: every acknowledged document must be in the newest commit, every
/// batch must be there whole or not at all, no id live twice, and `saiga check` must pass. Prints one JSON line per
/// round and a summary.
enum WriteKill {
    static func run(_ argv: [String]) throws {
        let o = try Options(
            argv, valued: ["saiga", "index", "kills", "writers", "batch", "searchers", "limit"], flags: [])
        guard let saiga = o.values["saiga"], let index = o.values["index"], o.positional.count == 2 else {
            throw BenchUsage(
                message: "usage: saiga-bench write-kill --saiga PATH --index DIR CORPUS.jsonl QUERIES.txt [--kills N]")
        }
        let kills = try o.int("kills", 30)
        let writers = max(1, try o.int("writers", 4))
        let batchSize = max(1, try o.int("batch", 1000))
        let searchers = try o.int("searchers", 16)
        let limit = try o.int("limit", Int.max)
        var rng = SystemRandomNumberGenerator()
        let queries = try QueryBench.readQueries(o.positional[1]).map(\.text)
        let (lines, ids) = try readCorpusLines(o.positional[0], limit: limit)
        let corpus = lines
        let batchCount = (lines.count + batchSize - 1) / batchSize
        func batchIDs(_ b: Int) -> ArraySlice<String> { ids[(b * batchSize)..<min((b + 1) * batchSize, ids.count)] }

        var acknowledged = Set<Int>()  // batch numbers, over all rounds
        var totals = (lost: 0, half: 0, twice: 0, checkFailures: 0, restartMs: [Double]())
        for round in 0..<kills {
            // The server.
            let server = Process()
            server.executableURL = URL(fileURLWithPath: saiga)
            server.arguments = ["serve", "--quiet", "--index", index, "--listen", "127.0.0.1:0", "--no-verify"]
            let out = Pipe()
            server.standardOutput = out
            server.standardError = FileHandle.nullDevice
            let started = Clock.wallNanos()
            try server.run()
            var first = Data()
            while !first.contains(0x0A) {
                let chunk = out.fileHandleForReading.availableData
                guard !chunk.isEmpty else { throw BenchUsage(message: "the server exited at start (round \(round))") }
                first.append(chunk)
            }
            let line = String(decoding: first, as: UTF8.self).split(separator: "\n")[0]
            guard let port = Int(line.split(separator: ":").last ?? "") else {
                throw BenchUsage(message: "unexpected first line: \(line)")
            }
            totals.restartMs.append(Double(Clock.wallNanos() - started) / 1e6)

            // The load: writers take the batches not acknowledged yet, in turn; searchers query until the kill.
            let pending = (0..<batchCount).filter { !acknowledged.contains($0) }
            let next = Atomic<Int>(0)
            let sent = Mutex<[(batch: Int, acknowledged: Bool)]>([])
            let group = DispatchGroup()
            for t in 0..<(writers + searchers) {
                group.enter()
                let thread = Thread {
                    defer { group.leave() }
                    let client = SaigaClient(host: "127.0.0.1", port: port, requestTimeout: .seconds(120))
                    if t >= writers {
                        var i = t
                        while (try? client.search(
                            SearchRequest(query: queries[i % queries.count], k: 10, snippets: false, syntax: .anyWords)))
                            != nil
                        {
                            i += searchers
                        }
                        return
                    }
                    while true {
                        let k = next.add(1, ordering: .relaxed).oldValue
                        guard k < pending.count else { return }
                        let b = pending[k]
                        let docs = Array(corpus[(b * batchSize)..<min((b + 1) * batchSize, corpus.count)])
                        do throws(ClientError) {
                            _ = try client.write(documents: docs)
                            sent.withLock { $0.append((b, true)) }
                        } catch {
                            if case .server(let code) = error.kind, code == .retryLater { continue }
                            sent.withLock { $0.append((b, false)) }
                            return
                        }
                    }
                }
                thread.stackSize = 1 << 20
                thread.start()
            }
            Thread.sleep(forTimeInterval: Double.random(in: 0.3...3.0, using: &rng))
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
            group.wait()

            // The commit left behind.
            let reader = try IndexReader(path: index)
            var live = Set<String>()
            live.reserveCapacity(reader.documentCount)
            try reader.forEachDocument { live.insert($0.id) }
            if live.count != reader.documentCount { totals.twice += 1 }
            var lost = 0
            var half = 0
            let results = sent.withLock { $0 }
            for (b, ack) in results {
                let present = batchIDs(b).filter(live.contains).count
                if ack {
                    acknowledged.insert(b)
                    if present != batchIDs(b).count { lost += 1 }
                } else if present != 0 && present != batchIDs(b).count {
                    half += 1
                }
            }
            // Every batch acknowledged in an earlier round too.
            for b in acknowledged where batchIDs(b).contains(where: { !live.contains($0) }) { lost += 1 }
            let check = Process()
            check.executableURL = URL(fileURLWithPath: saiga)
            check.arguments = ["check", "--index", index]
            check.standardOutput = FileHandle.nullDevice
            check.standardError = FileHandle.nullDevice
            try check.run()
            check.waitUntilExit()
            let checked = check.terminationStatus == 0
            if !checked { totals.checkFailures += 1 }
            totals.lost += lost
            totals.half += half
            print(
                jsonLine([
                    ("round", "\(round)"), ("acknowledged_batches", "\(results.filter(\.acknowledged).count)"),
                    ("unanswered_batches", "\(results.filter { !$0.acknowledged }.count)"),
                    ("documents", "\(reader.documentCount)"), ("generation", "\(reader.generation)"),
                    ("lost_batches", "\(lost)"), ("half_batches", "\(half)"), ("check", "\(checked)"),
                ]))
            if acknowledged.count == batchCount { break }
        }
        let restarts = totals.restartMs.sorted()
        print(
            jsonLine([
                ("engine", "\"saiga-server\""), ("rounds", "\(totals.restartMs.count)"),
                ("acknowledged_documents", "\(acknowledged.reduce(0) { $0 + batchIDs($1).count })"),
                ("lost_batches", "\(totals.lost)"), ("half_batches", "\(totals.half)"),
                ("rounds_with_an_id_twice", "\(totals.twice)"), ("check_failures", "\(totals.checkFailures)"),
                ("restart_p50_ms", "\(round4(percentile(restarts, 50)))"),
                ("restart_max_ms", "\(round4(restarts.last ?? 0))"),
            ]))
    }
}
