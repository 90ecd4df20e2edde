import Saiga
import SaigaPosix

/// The options of `saiga eval` alone.
extension OptionSpec {
    fileprivate static let qrels = OptionSpec("qrels", "FILE", help: "the relevance judgments (TREC qrels)")
    fileprivate static let run = OptionSpec("run", "FILE", help: "evaluate this TREC run file (no index needed)")
    fileprivate static let queries = OptionSpec(
        "queries", "FILE", help: "run these queries (ID<TAB>TEXT lines) on --index and evaluate their hits")
    fileprivate static let syntax = OptionSpec(
        "query-syntax", help: "read the queries in the query syntax (default: plain words, any may match)")
    fileprivate static let depth = OptionSpec(
        "depth", "N", help: "hits per query with --queries, 1...\(SearchOptions.maxK) (default 1000)")
    fileprivate static let measures = OptionSpec(
        "measures", "LIST",
        help: "comma-separated: ndcg@K, map, map@K, mrr, p@K, recall@K (default: as listed above)")
    fileprivate static let perQuery = OptionSpec("per-query", help: "also print every query's figures")
    fileprivate static let complete = OptionSpec(
        "complete", help: "with --run: a judged query the run lacks counts, scoring 0 (trec_eval -c)")
    fileprivate static let writeRun = OptionSpec(
        "write-run", "FILE", help: "with --queries: also write the hits as a TREC run file")
    fileprivate static let evalBoost = OptionSpec(
        "boost", "FIELD^N", help: "with --queries: boost matches in a text field (repeatable: --boost title^3)")
    fileprivate static let evalK1 = OptionSpec("k1", "X", help: "with --queries: BM25 k1 (default 1.2)")
    fileprivate static let evalB = OptionSpec("b", "Y", help: "with --queries: BM25 b (default 0.75)")
}

/// `saiga eval`: relevance figures of a run, or of live queries, against TREC qrels.
enum EvalCommand: Command {
    static let spec = CommandSpec(
        "eval", summary: "measure ranking quality against relevance judgments (nDCG, MAP, MRR, P@k, recall@k)",
        discussion: """
            Scores a ranking against TREC qrels ("QUERY 0 DOCUMENT RELEVANCE" lines) and prints the mean of each
            measure over the queries (default ndcg@10, map, mrr, p@10, recall@10, recall@100) as trec_eval computes
            them (its names: ndcg_cut.K, map, map_cut.K, recip_rank, P.K, recall.K), to four decimals.
            The ranking is a TREC run file (--run: "QUERY Q0 DOCUMENT RANK SCORE TAG" lines), or the hits of --queries
            run on the index (the top --depth of each). As in trec_eval, a run's documents are ordered by score, ties by
            document id descending (the rank column is not read), and a query counts when it is judged and retrieved
            something (--complete: every judged query counts). With --queries every judged query of the file counts,
            a query with no hits scoring 0.
            A relevance of 1 or more is relevant; nDCG's gain is the relevance itself, its discount log2(rank + 1).
            With --json: {"queries": N, "measures": {"ndcg@10": x, ...}} and with --per-query "per_query":
            {"QUERY": {...}}.
            """,
        options: [
            .qrels, .run, .queries, .index, .syntax, .depth, .evalBoost, .evalK1, .evalB, .measures, .perQuery,
            .complete, .writeRun, .json,
        ])

    static func run(_ args: Arguments) throws -> Int32 {
        guard let qrelsPath = args.value(.qrels) else { throw UsageError("eval needs --qrels FILE") }
        var qrels = try Qrels(parsing: readText(qrelsPath), source: qrelsPath)
        var measures = RelevanceMeasure.defaults
        if let list = args.value(.measures) {
            do {
                measures = try list.split(separator: ",").map { (s: Substring) throws(SaigaError) in
                    try RelevanceMeasure(parsing: String(s))
                }
            } catch { throw UsageError("--measures \(error.message)") }
            guard !measures.isEmpty else { throw UsageError("--measures needs at least one measure") }
        }
        let run: Run
        var complete = args.flag(.complete)
        switch (args.value(.run), args.value(.queries)) {
        case (let path?, nil):
            for option in [OptionSpec.index, .syntax, .depth, .evalBoost, .evalK1, .evalB, .writeRun]
            where args.flag(option) || args.value(option) != nil {
                throw UsageError("--\(option.name) goes with --queries, not --run")
            }
            run = try Run(parsing: readText(path), source: path)
        case (nil, let path?):
            guard !args.flag(.complete) else { throw UsageError("--complete goes with --run") }
            let queries = try readQueries(path)
            run = try runQueries(queries, args)
            // Every judged query of the file counts, hits or not; judged queries the file does not ask do not.
            let asked = Set(queries.map(\.id))
            qrels.judgments = qrels.judgments.filter { asked.contains($0.key) }
            complete = true
            if let out = args.value(.writeRun) {
                do { try Sys.writeFile(out, Array(run.formatted().utf8)) } catch {
                    throw SaigaError.system(error)
                }
            }
        case (nil, nil): throw UsageError("eval needs --run FILE or --queries FILE")
        case (_?, _?): throw UsageError("--run and --queries do not go together")
        }
        let evaluation = RelevanceEvaluation(run: run, qrels: qrels, measures: measures, missingQueriesCount: complete)
        let queryIDs = evaluation.perQuery.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        if args.flag(.json) {
            func values(_ v: [Double]) -> String {
                JSON.object(zip(measures, v).map { ("\($0.0)", JSON.number($0.1)) })
            }
            var pairs = [("queries", "\(queryIDs.count)"), ("measures", values(evaluation.means))]
            if args.flag(.perQuery) {
                pairs.append(("per_query", JSON.object(queryIDs.map { ($0, values(evaluation.perQuery[$0]!)) })))
            }
            Terminal.out(JSON.object(pairs))
        } else {
            let width = max(measures.map { "\($0)".count }.max() ?? 0, "queries".count) + 2
            if args.flag(.perQuery) {
                for id in queryIDs {
                    for (m, v) in zip(measures, evaluation.perQuery[id]!) {
                        Terminal.out("\("\(m)".padding(width))\(Terminal.visible(id))\t\(format(v))")
                    }
                }
            }
            Terminal.out("\("queries".padding(width))\(queryIDs.count)")
            for (m, v) in zip(measures, evaluation.means) {
                Terminal.out("\("\(m)".padding(width))\(format(v))")
            }
        }
        return 0
    }

    /// Four decimals, rounded half away from zero, as trec_eval prints (`%.4f`).
    static func format(_ value: Double) -> String {
        let scaled = Int((value * 10_000).rounded())
        let fraction = String(scaled % 10_000)
        return "\(scaled / 10_000)." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }

    private static func readText(_ path: String) throws -> String {
        guard Sys.isRegularFile(path) else {
            throw SaigaError(.invalidArgument, "\(path) is not a regular file (or does not exist)")
        }
        let bytes: [UInt8]
        do { bytes = try Sys.readFile(path, limit: 1 << 30) } catch { throw SaigaError.system(error) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SaigaError(.invalidArgument, "\(path) is not valid UTF-8")
        }
        return text
    }

    private static func readQueries(_ path: String) throws -> [(id: String, text: String)] {
        var queries: [(id: String, text: String)] = []
        var seen = Set<String>()
        var lineNumber = 0
        for line in try readText(path).split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == " " || $0 == "\r" }) { continue }
            guard let tab = line.firstIndex(of: "\t"), tab != line.startIndex else {
                throw SaigaError(.invalidArgument, "\(path) line \(lineNumber): expected 'ID<TAB>QUERY'")
            }
            let id = String(line[..<tab])
            guard seen.insert(id).inserted else {
                throw SaigaError(.invalidArgument, "\(path) line \(lineNumber): query '\(id)' appears twice")
            }
            var text = line[line.index(after: tab)...]
            if text.last == "\r" { text = text.dropLast() }
            queries.append((id, String(text)))
        }
        return queries
    }

    private static func runQueries(_ queries: [(id: String, text: String)], _ args: Arguments) throws -> Run {
        let reader = try Defaults.openReader(args.value(.index) ?? Defaults.indexDirectory)
        var options = SearchOptions()
        options.k = try args.int(.depth, default: 1000, range: 1...SearchOptions.maxK)
        options.snippets = false
        options.didYouMean = false
        options.totalHitsThreshold = 0
        if let k1 = try args.float(.evalK1) { options.bm25.k1 = k1 }
        if let b = try args.float(.evalB) { options.bm25.b = b }
        do {
            for b in args.values(.evalBoost) {
                let (field, boost) = try SearchOptions.fieldBoost(parsing: b)
                options.fieldBoosts[field] = boost
            }
        } catch { throw UsageError("--boost \(error.message)") }
        let syntax = args.flag(.syntax)
        var run = Run()
        for q in queries {
            let results: SearchResults
            do {
                results =
                    syntax
                    ? try reader.search(q.text, options: options) : try reader.search(words: q.text, options: options)
            } catch {
                throw SaigaError(error.code, "query '\(q.id)': \(error.message)", offset: error.offset)
            }
            run.results[q.id] = results.hits.map { Run.Entry(document: $0.id, score: Double($0.score)) }
        }
        return run
    }
}
