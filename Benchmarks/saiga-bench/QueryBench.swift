import Saiga

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `saiga-bench query`: runs a query file against an index, single-threaded, after warm-up passes; per query the
/// time covers analysis, top-k retrieval and fetching the k external ids (what an embedding app needs).
enum QueryBench {
    struct Query {
        var id: String
        var text: String
    }

    /// The harness's rules: `QID<TAB>text`, else the 1-based line number; blank lines skipped.
    static func readQueries(_ path: String) throws -> [Query] {
        guard let f = fopen(path, "r") else { throw BenchUsage(message: "cannot open \(path)") }
        defer { fclose(f) }
        var queries: [Query] = []
        var lineNumber = 0
        var line: UnsafeMutablePointer<CChar>?
        var cap = 0
        while getline(&line, &cap, f) > 0 {
            lineNumber += 1
            var s = String(cString: line!)
            if s.hasSuffix("\n") { s.removeLast() }
            if s.allSatisfy({ $0.isWhitespace }) { continue }
            if let tab = s.firstIndex(of: "\t") {
                queries.append(Query(id: trim(String(s[..<tab])), text: trim(String(s[s.index(after: tab)...]))))
            } else {
                queries.append(Query(id: String(lineNumber), text: trim(s)))
            }
        }
        free(line)
        return queries
    }

    static func trim(_ s: String) -> String {
        var t = Substring(s)
        while let c = t.first, c.isWhitespace { t.removeFirst() }
        while let c = t.last, c.isWhitespace { t.removeLast() }
        return String(t)
    }

    static func run(_ argv: [String]) throws {
        let o = try Options(
            argv, valued: ["k", "mode", "warmup", "k1", "b", "out", "latencies", "tag", "count-limit"],
            flags: ["exhaustive", "exact-count"])
        guard o.positional.count == 2 else {
            throw BenchUsage(message: "usage: saiga-bench query INDEX_DIR QUERIES.txt --k K --mode or|and ...")
        }
        let k = try o.int("k", 10)
        let warmup = try o.int("warmup", 1)
        let mode = o.values["mode"] ?? "or"
        guard ["or", "and", "phrase", "syntax"].contains(mode) else {
            throw BenchUsage(message: "--mode must be or, and, phrase or syntax")
        }
        let countLimit = o.flags.contains("exact-count") ? Int.max : try o.int("count-limit", 1000)
        var options = SearchOptions(
            k: k, snippets: false, totalHitsThreshold: countLimit,
            exhaustive: o.flags.contains("exhaustive"))
        if let k1 = try o.double("k1") { options.bm25.k1 = Float(k1) }
        if let b = try o.double("b") { options.bm25.b = Float(b) }
        let queries = try readQueries(o.positional[1])
        let load0 = Clock.loadAverage()
        let openStart = Clock.wallNanos()
        let reader = try IndexReader(path: o.positional[0])
        let openSeconds = Double(Clock.wallNanos() - openStart) / 1e9
        let match: WordMatch = mode == "and" ? .all : .any
        // Phrase mode: a query of two or more terms runs as one exact phrase; a single term as itself. Syntax
        // mode: each line in the query language (fuzzy~1, wild?ards, "sloppy phrases"~2, …), as `saiga search`.
        func run(_ text: String) throws -> SearchResults {
            if mode == "phrase" { return try reader.search(phrase: text, options: options) }
            if mode == "syntax" { return try reader.search(text, options: options) }
            return try reader.search(words: text, match: match, options: options)
        }

        for _ in 0..<warmup {
            for q in queries { _ = try run(q.text) }
        }
        let allocationsBefore = AllocationCounter.allocations()
        var wall: [UInt64] = []
        var cpu: [UInt64] = []
        var results: [[SearchHit]] = []
        wall.reserveCapacity(queries.count)
        cpu.reserveCapacity(queries.count)
        results.reserveCapacity(queries.count)
        for q in queries {
            let c0 = Clock.threadCPUNanos()
            let w0 = Clock.wallNanos()
            let r = try run(q.text)
            let w1 = Clock.wallNanos()
            let c1 = Clock.threadCPUNanos()
            wall.append(w1 - w0)
            cpu.append(c1 - c0)
            results.append(r.hits)
        }

        let allocationsAfter = AllocationCounter.allocations()
        if let out = o.values["out"] {
            let tag = o.values["tag"] ?? "saiga-\(mode)"
            var text = ""
            for (q, hits) in zip(queries, results) {
                for (rank, h) in hits.enumerated() {
                    // TREC run files are whitespace-separated: ids with spaces ("gcide:tapioca pudding") get '_'.
                    let id = String(h.id.map { $0.isWhitespace ? "_" : $0 })
                    text += "\(q.id) Q0 \(id) \(rank + 1) \(formatScore(h.score)) \(tag)\n"
                }
            }
            try write(text, to: out)
        }
        if let path = o.values["latencies"] {
            var text = ""
            for (w, c) in zip(wall, cpu) { text += "\(w)\t\(c)\n" }
            try write(text, to: path)
        }
        let ms = wall.map { Double($0) / 1e6 }.sorted()
        let cms = cpu.map { Double($0) / 1e6 }.sorted()
        let total = ms.reduce(0, +) / 1000
        let hits = results.reduce(0) { $0 + $1.count }
        print(
            jsonLine([
                ("engine", "\"saiga\""), ("mode", jsonString(mode)), ("k", "\(k)"), ("queries", "\(queries.count)"),
                ("total_seconds", "\(round4(total))"),
                ("mean_ms", "\(round4(total * 1000 / Double(max(1, ms.count))))"),
                ("p50_ms", "\(round4(percentile(ms, 50)))"), ("p95_ms", "\(round4(percentile(ms, 95)))"),
                ("p99_ms", "\(round4(percentile(ms, 99)))"), ("max_ms", "\(round4(ms.last ?? 0))"),
                ("qps", "\(round4(Double(ms.count) / max(total, 1e-9)))"),
                ("cpu_p50_ms", "\(round4(percentile(cms, 50)))"), ("cpu_p99_ms", "\(round4(percentile(cms, 99)))"),
                ("mean_hits", "\(round4(Double(hits) / Double(max(1, queries.count))))"),
                ("zero_hit_queries", "\(results.filter { $0.isEmpty }.count)"),
                ("open_seconds", "\(round4(openSeconds))"), ("peak_rss_mb", "\(round4(Clock.peakRSSMB()))"),
                ("k1", "\(options.bm25.k1)"), ("b", "\(options.bm25.b)"),
                (
                    "allocations_per_query",
                    allocationsBefore.flatMap { before in
                        allocationsAfter.map { after in
                            "\(round4(Double(after - before) / Double(max(1, queries.count))))"
                        }
                    } ?? "null"
                ),
                ("loadavg1_start", "\(load0)"), ("loadavg1_end", "\(Clock.loadAverage())"),
            ]))
    }

    static func formatScore(_ f: Float) -> String {
        let v = (Double(f) * 1_000_000).rounded() / 1_000_000
        return "\(v)"
    }

    static func write(_ text: String, to path: String) throws {
        guard let f = fopen(path, "w") else { throw BenchUsage(message: "cannot write \(path)") }
        defer { fclose(f) }
        fputs(text, f)
    }
}

/// Heap allocation counts from the LD_PRELOAD counter in Benchmarks/malloc-count, when it is loaded.
enum AllocationCounter {
    typealias Counter = @convention(c) () -> UInt
    static let function: Counter? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_count_allocations") else { return nil }
        return unsafeBitCast(symbol, to: Counter.self)
    }()

    static func allocations() -> UInt? { function?() }
}
