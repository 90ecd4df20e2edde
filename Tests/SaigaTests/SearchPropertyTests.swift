import Foundation
import Testing
@testable import Saiga

/// The engine against the brute-force reference over random corpora: same matches, same order, same scores.
@Suite struct SearchPropertyTests {
    /// Compares one query's results from the index and from the reference.
    /// Returns the number of matches (so callers can check the random queries are not vacuous).
    @discardableResult
    func check(_ query: String, reader: IndexReader, reference: ReferenceIndex, k: Int, seed: UInt64,
               parameters: BM25Parameters = BM25Parameters()) throws -> Int {
        let expected: ([(String, Float)], Int)
        do { expected = try reference.search(query, k: k, parameters: parameters) } catch let e as SaigaError {
            // Queries the reference rejects (e.g. only excluded terms) must be rejected the same way.
            #expect(throws: SaigaError.self) { try reader.search(query) }
            #expect(e.code == .invalidQuery || e.code == .limitExceeded)
            return 0
        }
        let actual = try reader.search(query, options: SearchOptions(k: k, bm25: parameters, snippets: false))
        #expect(actual.total == expected.1, "total for \(query) (seed \(seed))")
        let got = actual.hits.map { ($0.id, $0.score) }
        #expect(got.map(\.0) == expected.0.map(\.0), "ids for \(query) (seed \(seed))")
        for (a, e) in zip(got, expected.0) {
            #expect(abs(a.1 - e.1) <= 1e-6 * max(1, abs(e.1)), "score of \(a.0) for \(query): \(a.1) vs \(e.1) (seed \(seed))")
        }
        return expected.1
    }

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func randomCorporaMatchTheReference(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let docs = RandomCorpus.documents(count: 150 + Int(seed) * 120, rng: &rng)
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(docs, at: dir.path)
        let reader = try IndexReader(path: dir.path)
        #expect(reader.segments.count == 1)
        let reference = ReferenceIndex(documents: docs)
        var nonEmpty = 0, phrasesWithHits = 0
        for _ in 0..<60 {
            let q = RandomCorpus.query(&rng)
            let n = try check(q, reader: reader, reference: reference, k: Int.random(in: 1...40, using: &rng), seed: seed)
            if n > 0 { nonEmpty += 1 }
            if n > 0 && q.contains("\"") { phrasesWithHits += 1 }
        }
        // The random queries must exercise real matching, not just empty results.
        #expect(nonEmpty >= 30)
        #expect(phrasesWithHits >= 3)
        // Frequent terms span several 128-document postings blocks.
        let term = Array(reader.analyze("steppe")[0].utf8)
        let steppe = try withBytes(term) { try reader.segments[0].lookup(field: Schema.bodyField, term: $0) }
        #expect((steppe?.docFreq ?? 0) > 128)
        // Other BM25 parameters, set per query.
        for _ in 0..<10 {
            let q = RandomCorpus.query(&rng)
            let p = BM25Parameters(k1: Float.random(in: 0.3...2.5, using: &rng), b: Float.random(in: 0...1, using: &rng))
            try check(q, reader: reader, reference: reference, k: 10, seed: seed, parameters: p)
        }
    }

    @Test(arguments: [UInt64(11), 12, 13])
    func multiSegmentIndexesEqualOneSegment(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let docs = RandomCorpus.documents(count: 400, rng: &rng)
        let one = TemporaryDirectory(), many = TemporaryDirectory()
        defer {
            one.cleanup()
            many.cleanup()
        }
        try buildIndex(docs, at: one.path)
        var cuts = Set<Int>()
        for _ in 0..<Int.random(in: 2...8, using: &rng) { cuts.insert(Int.random(in: 0..<docs.count - 1, using: &rng)) }
        cuts.insert(0)  // a one-document segment
        try buildIndex(docs, at: many.path, flushAfter: cuts)
        let a = try IndexReader(path: one.path)
        let b = try IndexReader(path: many.path)
        #expect(a.segments.count == 1)
        #expect(b.segments.count == cuts.count + 1)
        #expect(a.documentCount == b.documentCount)
        let reference = ReferenceIndex(documents: docs)
        for _ in 0..<40 {
            let q = RandomCorpus.query(&rng)
            guard (try? a.parse(q)).flatMap({ _ in try? a.search(q) }) != nil else {
                #expect(throws: SaigaError.self) { try b.search(q) }
                continue
            }
            let ra = try a.search(q, options: SearchOptions(k: 25, snippets: false))
            let rb = try b.search(q, options: SearchOptions(k: 25, snippets: false))
            #expect(ra.total == rb.total, "\(q)")
            #expect(ra.hits.map(\.id) == rb.hits.map(\.id), "\(q) (seed \(seed))")
            #expect(ra.hits.map(\.score) == rb.hits.map(\.score), "\(q) (seed \(seed))")
            try check(q, reader: b, reference: reference, k: 25, seed: seed)
        }
    }

    @Test func paging() throws {
        var rng = SeededRandom(seed: 99)
        let docs = RandomCorpus.documents(count: 200, rng: &rng)
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(docs, at: dir.path)
        let reader = try IndexReader(path: dir.path)
        let all = try reader.search("steppe saiga horse", options: SearchOptions(k: 60, snippets: false))
        let page = try reader.search("steppe saiga horse", options: SearchOptions(k: 20, offset: 20, snippets: false))
        #expect(page.hits.map(\.id) == Array(all.hits[20..<40]).map(\.id))
        #expect(page.total == all.total)
    }
}

/// The windowed bulk scorer for disjunctions and the document-at-a-time scorers agree exactly.
@Suite struct WindowedDisjunctionTests {
    @Test(arguments: [UInt64(21), 22])
    func windowedEqualsDocumentAtATime(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        // Enough documents for several 4096-document windows, in two segments.
        let docs = RandomCorpus.documents(count: 9000, rng: &rng)
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(docs, at: dir.path, flushAfter: [5000])
        let reader = try IndexReader(path: dir.path)
        var executor = QueryExecutor(segments: reader.segments, docBases: reader.docBases, fieldStats: reader.fieldStats)
        let rewriter = QueryRewriter(analyzer: reader.analyzer)
        var windowedRuns = 0
        for _ in 0..<40 {
            let words = (0..<Int.random(in: 1...4, using: &rng)).map { _ in
                Int.random(in: 0..<5, using: &rng) == 0 ? String(RandomCorpus.word(&rng).prefix(2)) + "*" : RandomCorpus.word(&rng)
            }
            let q = words.joined(separator: " ")
            let prepared = try executor.prepare(try rewriter.rewrite(try QueryParser().parse(q)), parameters: BM25Parameters())
            var its: [PostingsIterator] = []
            if WindowedDisjunction(prepared, segment: 0, executor: executor, iterators: &its) != nil { windowedRuns += 1 }
            executor.useWindowedDisjunction = true
            let a = try executor.topDocs(prepared, count: 50)
            executor.useWindowedDisjunction = false
            let b = try executor.topDocs(prepared, count: 50)
            #expect(a.total == b.total, "\(q)")
            #expect(a.hits == b.hits, "\(q)")
        }
        #expect(windowedRuns >= 20)
    }
}
