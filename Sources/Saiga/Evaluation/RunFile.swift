/// A ranked run in TREC's format: one `QUERY Q0 DOCUMENT RANK SCORE TAG` line per retrieved document
/// (`faq0001 Q0 perl:perlfaq1#2 1 12.5 saiga`).
///
/// As in trec_eval, the rank column is not used: a query's documents are ordered by score, highest first, and equal
/// scores by document id in descending byte order. That is the order every measure of `RelevanceEvaluation` reads,
/// so that its numbers are trec_eval's for the same file.
public struct Run: Sendable, Hashable {
    /// One retrieved document.
    public struct Entry: Sendable, Hashable {
        public var document: String
        public var score: Double

        public init(document: String, score: Double) {
            self.document = document
            self.score = score
        }
    }

    /// Query id → its retrieved documents, in the order given (`ranked(_:)` gives trec_eval's order).
    public var results: [String: [Entry]]

    public init(results: [String: [Entry]] = [:]) {
        self.results = results
    }

    /// Parses run text. A malformed line, a score that is not a finite number, or a document retrieved twice for one
    /// query (trec_eval refuses those too) is `.invalidArgument` naming the line.
    public init(parsing text: String, source: String = "run") throws(SaigaError) {
        results = [:]
        var seen: Set<[Substring]> = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let fields = TRECLine.fields(line)
            if fields.isEmpty { continue }
            guard fields.count == 6, let score = Double(fields[4]), score.isFinite else {
                throw SaigaError(
                    .invalidArgument,
                    "\(source) line \(lineNumber): expected 'QUERY Q0 DOCUMENT RANK SCORE TAG' (score a number)")
            }
            guard seen.insert([fields[0], fields[2]]).inserted else {
                throw SaigaError(
                    .invalidArgument,
                    "\(source) line \(lineNumber): document '\(fields[2])' retrieved twice for '\(fields[0])'")
            }
            results[String(fields[0]), default: []].append(Entry(document: String(fields[2]), score: score))
        }
    }

    /// A query's documents in trec_eval's order: score descending, then document id descending (byte order).
    public func ranked(_ query: String) -> [Entry] {
        (results[query] ?? []).sorted { a, b in
            a.score != b.score ? a.score > b.score : b.document.utf8.lexicographicallyPrecedes(a.document.utf8)
        }
    }

    /// The run as TREC text, queries in byte order and each query's documents ranked (`ranked(_:)`), ranks from 1.
    public func formatted(tag: String = "saiga") -> String {
        var out = ""
        for query in results.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            for (i, entry) in ranked(query).enumerated() {
                out += "\(query) Q0 \(entry.document) \(i + 1) \(entry.score) \(tag)\n"
            }
        }
        return out
    }
}
