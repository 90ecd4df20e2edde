import Saiga

/// `saiga-bench suggest INDEX_DIR QUERIES.txt [--limit 5] [--titles 0] [--warmup 1]`: search-box completions.
///
/// Every query is typed out: each of its prefixes that ends inside a word (`k`, `ka`, `kaz`, …, `kazakhstan o`,
/// …) is one `IndexReader.suggest` call, as a search box asks while a user types. Prints one JSON line: the time to
/// build the completion words (`build_ms`, the first call), their number, and the latency percentiles of the calls.
enum SuggestBench {
    static func run(_ argv: [String]) throws {
        let o = try Options(argv, valued: ["limit", "titles", "warmup"], flags: [])
        guard o.positional.count == 2 else {
            throw BenchUsage(message: "usage: saiga-bench suggest INDEX_DIR QUERIES.txt [--limit N] [--titles N]")
        }
        let reader = try IndexReader(path: o.positional[0])
        let limit = try o.int("limit", 5)
        let titles = try o.int("titles", 0)
        var inputs: [String] = []
        for q in try QueryBench.readQueries(o.positional[1]) {
            let scalars = Array(q.text.lowercased().unicodeScalars)
            for end in scalars.indices
            where scalars[end].properties.isAlphabetic || scalars[end].properties.numericType != nil {
                var s = String.UnicodeScalarView()
                s.append(contentsOf: scalars[...end])
                inputs.append(String(s))
            }
        }
        let buildStart = Clock.wallNanos()
        let summary = try reader.prepareSuggestions()
        let buildMs = Double(Clock.wallNanos() - buildStart) / 1e6
        for _ in 0..<(try o.int("warmup", 1)) {
            for text in inputs { _ = try reader.suggest(text, limit: limit, titles: titles) }
        }
        var wall: [Double] = []
        wall.reserveCapacity(inputs.count)
        var empty = 0
        for text in inputs {
            let t0 = Clock.wallNanos()
            let r = try reader.suggest(text, limit: limit, titles: titles)
            wall.append(Double(Clock.wallNanos() - t0) / 1e6)
            if r.completions.isEmpty { empty += 1 }
        }
        wall.sort()
        print(
            jsonLine([
                ("engine", "\"saiga\""), ("mode", "\"suggest\""), ("calls", "\(wall.count)"),
                ("limit", "\(limit)"), ("titles", "\(titles)"),
                ("words", "\(summary.words)"), ("build_ms", "\(round4(buildMs))"),
                ("p50_ms", "\(round4(percentile(wall, 50)))"), ("p99_ms", "\(round4(percentile(wall, 99)))"),
                ("max_ms", "\(round4(wall.last ?? 0))"), ("no_completion_calls", "\(empty)"),
                ("peak_rss_mb", "\(round4(Clock.peakRSSMB()))"),
            ]))
    }
}
