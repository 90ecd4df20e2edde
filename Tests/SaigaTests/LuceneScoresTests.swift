import Foundation
import Testing

@testable import Saiga

/// Scores equal Lucene's, bit for bit, for what Lucene computes itself: sloppy phrases (repeated terms included)
/// and boosts on words, phrases and groups (a word repeated in a group merges into one clause with the summed
/// boost, as Lucene's `BooleanQuery.rewrite` does). The expected hits and scores come from Lucene 9.9.1
/// (`Benchmarks/lucene-reference/run`: the same documents and queries, StandardAnalyzer without stop words, BM25
/// 1.2/0.75), stored in `Resources/lucene-reference.tsv`.
@Suite struct LuceneScoresTests {
    static func resource(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Resources", withExtension: nil))
        return try String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)
    }

    @Test(arguments: [false, true])
    func sloppyPhrasesAndBoostsScoreAsLucene(pruned: Bool) throws {
        let docs = try Self.resource("lucene-docs.tsv").split(separator: "\n").map { line in
            let parts = line.split(separator: "\t", maxSplits: 1)
            return Document(id: String(parts[0]), title: "", body: String(parts[1]))
        }
        let queries = try Self.resource("lucene-queries.txt").split(separator: "\n").map(String.init)
        var expected: [Int: [(String, UInt32)]] = [:]
        for line in try Self.resource("lucene-reference.tsv").split(separator: "\n") {
            let f = line.split(separator: "\t")
            expected[Int(f[0])!, default: []].append((String(f[1]), UInt32(f[2], radix: 16)!))
        }
        #expect(docs.count == 400 && queries.count == 120 && expected.count >= 110)

        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        var options = IndexWriterOptions()
        options.analyzer = AnalyzerOptions(stemming: false, stopWords: false)
        try buildIndex(docs, at: dir.path, flushAfter: pruned ? [130, 290] : [], options: options)
        let reader = try IndexReader(path: dir.path)
        for (q, query) in queries.enumerated() {
            let want = expected[q] ?? []
            let r = try reader.search(
                query,
                options: SearchOptions(
                    k: 50, snippets: false, totalHitsThreshold: pruned ? 0 : 1000, exhaustive: !pruned))
            // Lucene breaks score ties by document order too; its documents are in file order, as here.
            #expect(r.hits.map(\.id) == want.map(\.0), "\(query)")
            #expect(r.hits.map(\.score.bitPattern) == want.map(\.1), "\(query)")
        }
    }
}
