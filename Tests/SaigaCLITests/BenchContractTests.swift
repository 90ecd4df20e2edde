// The benchmark contract of `saiga-bench` that `../shared/bench/peers/peer saiga index|query` relies on: one JSON
// line per run, the analysis the index was built with, run files whose pruned and exhaustive versions are equal,
// and one latency line per query.

import Foundation
import Testing

/// The `saiga-bench` executable built next to `saiga`.
let saigaBenchBinary: URL = saigaBinary.deletingLastPathComponent().appendingPathComponent("saiga-bench")

@Suite struct BenchContractTests {
    /// A small corpus in the peers' JSONL shape: a few content words at skewed frequencies, and stop words in every
    /// document (so that dropping them changes what an index holds).
    func writeCorpus(to url: URL, documents: Int) throws {
        let words = [
            "steppe", "saiga", "horse", "eagle", "yurt", "river", "mountain", "kumis", "falcon", "lake",
            "nomad", "felt", "wool", "tulip", "apple", "wind",
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        var lines = ""
        for i in 0..<documents {
            var text: [String] = ["the"]
            for _ in 0..<(3 + next(30)) {
                // Skewed: low word numbers are far more frequent.
                text.append(words[min(next(words.count), next(words.count))])
                if next(4) == 0 { text.append(["of", "and", "a"][next(3)]) }
            }
            lines +=
                "{\"id\": \"d\(i)\", \"title\": \"\(words[next(words.count)])\", \"contents\": \"\(text.joined(separator: " "))\"}\n"
        }
        try write(lines, to: url)
    }

    func bench(_ arguments: [String]) async throws -> RunResult {
        try #require(
            FileManager.default.isExecutableFile(atPath: saigaBenchBinary.path),
            "saiga-bench not found at \(saigaBenchBinary.path)")
        return try await run(saigaBenchBinary, arguments, timeout: 120)
    }

    /// The last JSON line of a run's standard output.
    func jsonLine(_ r: RunResult) throws -> [String: Any] {
        let line = try #require(r.stdout.split(separator: "\n").last { $0.hasPrefix("{") }, "no JSON line:\n\(r)")
        return try parseJSONObject(String(line))
    }

    @Test func indexAndQueryFollowThePeersContract() async throws {
        try await withTempDir { dir in
            let corpus = dir.appendingPathComponent("corpus.jsonl")
            try writeCorpus(to: corpus, documents: 600)
            let queries = dir.appendingPathComponent("queries.txt")
            try write(
                "7\tthe\n8\tsteppe horse\n9\tthe falcon of the lake\n10\tkumis and felt wool tulip\n11\tsaiga\n",
                to: queries)

            // Default: Lucene's stop words dropped, as the harness's Lucene and PISA do; --keep-stopwords keeps them.
            let dropped = dir.appendingPathComponent("dropped")
            let kept = dir.appendingPathComponent("kept")
            let a = try await bench(["index", corpus.path, dropped.path])
            #expect(a.status == 0, "\(a)")
            let aj = try jsonLine(a)
            #expect(aj["docs"] as? Int == 600)
            #expect(aj["stop_words"] as? Bool == true)
            let b = try await bench(["index", corpus.path, kept.path, "--keep-stopwords"])
            #expect(b.status == 0, "\(b)")
            let bj = try jsonLine(b)
            #expect(bj["stop_words"] as? Bool == false)
            #expect((bj["postings"] as? Int ?? 0) > (aj["postings"] as? Int ?? Int.max))
            let both = try await bench([
                "index", corpus.path, dir.appendingPathComponent("x").path,
                "--stopwords", "--keep-stopwords",
            ])
            #expect(both.status != 0 && both.stderr.contains("contradict"), "\(both)")

            for index in [dropped, kept] {
                for mode in ["or", "and"] {
                    // Pruning from the first match (count limit 0) against exhaustive evaluation: the same run file.
                    let pruned = dir.appendingPathComponent("\(index.lastPathComponent)-\(mode)-pruned.tsv")
                    let exhaustive = dir.appendingPathComponent("\(index.lastPathComponent)-\(mode)-exhaustive.tsv")
                    let latencies = dir.appendingPathComponent("\(index.lastPathComponent)-\(mode)-lat.tsv")
                    let p = try await bench([
                        "query", index.path, queries.path, "--k", "5", "--mode", mode,
                        "--warmup", "0", "--count-limit", "0", "--k1", "0.9", "--b", "0.4",
                        "--out", pruned.path, "--latencies", latencies.path,
                    ])
                    #expect(p.status == 0, "\(p)")
                    #expect(try jsonLine(p)["queries"] as? Int == 5)
                    let e = try await bench([
                        "query", index.path, queries.path, "--k", "5", "--mode", mode,
                        "--warmup", "0", "--exhaustive", "--k1", "0.9", "--b", "0.4",
                        "--out", exhaustive.path,
                    ])
                    #expect(e.status == 0, "\(e)")
                    let prunedRun = try String(contentsOf: pruned, encoding: .utf8)
                    #expect(!prunedRun.isEmpty)
                    #expect(
                        prunedRun == (try String(contentsOf: exhaustive, encoding: .utf8)),
                        "\(index.lastPathComponent) \(mode)")
                    // Run lines: qid Q0 docid rank score tag, with the file's query ids.
                    for line in prunedRun.split(separator: "\n") {
                        let f = line.split(separator: " ")
                        #expect(
                            f.count == 6 && ["7", "8", "9", "10", "11"].contains(String(f[0])) && f[1] == "Q0",
                            "\(line)")
                    }
                    // One "wall_ns<TAB>cpu_ns" line per query, in query order.
                    let lat = try String(contentsOf: latencies, encoding: .utf8).split(separator: "\n")
                    #expect(lat.count == 5)
                    for l in lat {
                        let f = l.split(separator: "\t")
                        #expect(f.count == 2 && Int(f[0]) != nil && Int(f[1]) != nil, "\(l)")
                    }
                }
            }

            // The stop word alone matches nothing where stop words were dropped, every document where kept.
            func hits(_ index: URL, _ qid: String) async throws -> Int {
                let out = dir.appendingPathComponent("one.tsv")
                let r = try await bench([
                    "query", index.path, queries.path, "--k", "10", "--warmup", "0", "--out", out.path,
                ])
                #expect(r.status == 0, "\(r)")
                return try String(contentsOf: out, encoding: .utf8).split(separator: "\n").filter {
                    $0.hasPrefix(qid + " ")
                }.count
            }
            #expect(try await hits(dropped, "7") == 0)
            #expect(try await hits(kept, "7") == 10)
        }
    }
}
