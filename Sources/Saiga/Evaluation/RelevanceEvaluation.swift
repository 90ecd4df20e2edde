#if canImport(Glibc)
    import Glibc
#endif

/// A relevance measure, computed as trec_eval computes it (its name there in parentheses).
public enum RelevanceMeasure: Sendable, Hashable, CustomStringConvertible {
    /// Normalized discounted cumulative gain of the top k (`ndcg_cut.k`): gains are the relevance values, the
    /// discount of rank r is log2(r + 1), and the ideal ranking is the judged documents by relevance.
    case ndcg(Int)
    /// Mean average precision (`map`), or over the top k only (`map_cut.k`).
    case averagePrecision(Int?)
    /// Reciprocal rank of the first relevant document (`recip_rank`); its mean is MRR.
    case reciprocalRank
    /// Precision of the top k (`P.k`): relevant documents among them over k, even when fewer were retrieved.
    case precision(Int)
    /// Recall of the top k (`recall.k`): relevant documents among them over all relevant documents.
    case recall(Int)

    /// `ndcg@10`, `map`, `map@100`, `mrr`, `p@10`, `recall@100` (case-insensitive; `P@10` as well).
    public init(parsing text: String) throws(SaigaError) {
        let lower = text.lowercased()
        let parts = lower.split(separator: "@", omittingEmptySubsequences: false)
        var cutoff: Int?
        if parts.count == 2 {
            guard let k = Int(parts[1]), k > 0, k <= 1_000_000 else {
                throw SaigaError(.invalidArgument, "measure '\(text)': the cutoff after @ must be a positive integer")
            }
            cutoff = k
        } else if parts.count > 2 {
            throw SaigaError(.invalidArgument, "measure '\(text)': expected NAME or NAME@K")
        }
        switch (parts[0], cutoff) {
        case ("ndcg", let k?): self = .ndcg(k)
        case ("map", let k): self = .averagePrecision(k)
        case ("mrr", nil): self = .reciprocalRank
        case ("p", let k?): self = .precision(k)
        case ("recall", let k?): self = .recall(k)
        default:
            throw SaigaError(
                .invalidArgument,
                "measure '\(text)': expected ndcg@K, map, map@K, mrr, p@K or recall@K")
        }
    }

    /// The measures `saiga eval` prints unless told otherwise.
    public static let defaults: [RelevanceMeasure] = [
        .ndcg(10), .averagePrecision(nil), .reciprocalRank, .precision(10), .recall(10), .recall(100),
    ]

    /// `ndcg@10`: the spelling `init(parsing:)` reads.
    public var description: String {
        switch self {
        case .ndcg(let k): "ndcg@\(k)"
        case .averagePrecision(let k): k.map { "map@\($0)" } ?? "map"
        case .reciprocalRank: "mrr"
        case .precision(let k): "p@\(k)"
        case .recall(let k): "recall@\(k)"
        }
    }

    /// trec_eval's name of the measure (`ndcg_cut.10`, `P.10`).
    public var trecEvalName: String {
        switch self {
        case .ndcg(let k): "ndcg_cut.\(k)"
        case .averagePrecision(let k): k.map { "map_cut.\($0)" } ?? "map"
        case .reciprocalRank: "recip_rank"
        case .precision(let k): "P.\(k)"
        case .recall(let k): "recall.\(k)"
        }
    }
}

/// The figures of a run against qrels: each measure per query and its mean.
///
/// As trec_eval by default, a query counts when the qrels judge it and the run retrieved something for it; with
/// `missingQueriesCount` (trec_eval's `-c`), a judged query the run has nothing for counts too, scoring 0. A query
/// with no relevant document scores 0 on every measure.
public struct RelevanceEvaluation: Sendable, Hashable {
    /// The measures, in the order asked.
    public var measures: [RelevanceMeasure]
    /// Query id → the value of each measure, in `measures` order.
    public var perQuery: [String: [Double]]
    /// The mean of each measure over `perQuery`, in `measures` order.
    public var means: [Double]

    public init(run: Run, qrels: Qrels, measures: [RelevanceMeasure], missingQueriesCount: Bool = false) {
        self.measures = measures
        var perQuery: [String: [Double]] = [:]
        for (query, judged) in qrels.judgments {
            let retrieved = run.results[query] ?? []
            if retrieved.isEmpty && !missingQueriesCount { continue }
            let relevance = run.ranked(query).map { judged[$0.document] ?? 0 }
            perQuery[query] = measures.map { Self.value(of: $0, relevance: relevance, judged: judged) }
        }
        // Summed in query-id order, so the means do not depend on dictionary order.
        let queries = perQuery.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        self.perQuery = perQuery
        means = measures.indices.map { m in
            queries.isEmpty ? 0 : queries.reduce(0.0) { $0 + perQuery[$1]![m] } / Double(queries.count)
        }
    }

    /// One measure of one query. `relevance` is the judged relevance of each retrieved document in ranked order
    /// (0 when not judged).
    static func value(of measure: RelevanceMeasure, relevance: [Int], judged: [String: Int]) -> Double {
        let relevantCount = judged.values.reduce(0) { $0 + ($1 >= 1 ? 1 : 0) }
        guard relevantCount > 0 else { return 0 }
        switch measure {
        case .ndcg(let k):
            var dcg = 0.0
            for (i, rel) in relevance.prefix(k).enumerated() where rel > 0 {
                dcg += Double(rel) / log2(Double(i + 2))
            }
            let ideal = judged.values.filter { $0 > 0 }.sorted(by: >)
            var idcg = 0.0
            for (i, rel) in ideal.prefix(k).enumerated() {
                idcg += Double(rel) / log2(Double(i + 2))
            }
            return idcg > 0 ? dcg / idcg : 0
        case .averagePrecision(let k):
            var found = 0
            var sum = 0.0
            for (i, rel) in relevance.prefix(k ?? .max).enumerated() where rel >= 1 {
                found += 1
                sum += Double(found) / Double(i + 1)
            }
            return sum / Double(relevantCount)
        case .reciprocalRank:
            guard let first = relevance.firstIndex(where: { $0 >= 1 }) else { return 0 }
            return 1 / Double(first + 1)
        case .precision(let k):
            return Double(relevance.prefix(k).reduce(0) { $0 + ($1 >= 1 ? 1 : 0) }) / Double(k)
        case .recall(let k):
            return Double(relevance.prefix(k).reduce(0) { $0 + ($1 >= 1 ? 1 : 0) }) / Double(relevantCount)
        }
    }
}
