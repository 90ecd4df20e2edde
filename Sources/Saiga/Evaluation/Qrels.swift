/// Relevance judgments in TREC's qrels format: one `QUERY ITERATION DOCUMENT RELEVANCE` line per judgment, fields
/// separated by spaces or tabs (`faq0001 0 perl:perlfaq1#2 1`). The iteration column is ignored, as trec_eval
/// ignores it. A relevance of 1 or more makes the document relevant; 0 and below judge it not relevant.
public struct Qrels: Sendable, Hashable {
    /// Query id → document id → relevance.
    public var judgments: [String: [String: Int]]

    public init(judgments: [String: [String: Int]] = [:]) {
        self.judgments = judgments
    }

    /// Parses qrels text. A malformed line, or a document judged twice for one query, is `.invalidArgument` naming
    /// the line.
    public init(parsing text: String, source: String = "qrels") throws(SaigaError) {
        judgments = [:]
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let fields = TRECLine.fields(line)
            if fields.isEmpty { continue }
            guard fields.count == 4, let relevance = Int(fields[3]) else {
                throw SaigaError(
                    .invalidArgument,
                    "\(source) line \(lineNumber): expected 'QUERY ITERATION DOCUMENT RELEVANCE' (relevance an integer)"
                )
            }
            let query = String(fields[0])
            let document = String(fields[2])
            guard judgments[query, default: [:]].updateValue(relevance, forKey: document) == nil else {
                throw SaigaError(
                    .invalidArgument, "\(source) line \(lineNumber): document '\(document)' judged twice for '\(query)'"
                )
            }
        }
    }

    /// The number of relevant documents (relevance ≥ 1) of a query.
    public func relevantCount(_ query: String) -> Int {
        judgments[query]?.values.reduce(0) { $0 + ($1 >= 1 ? 1 : 0) } ?? 0
    }
}

/// Splitting a line of a TREC file into its whitespace-separated fields.
enum TRECLine {
    static func fields(_ line: Substring) -> [Substring] {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
    }
}
