import Foundation
import Testing

@testable import Saiga

/// The engine against the brute-force reference over random corpora: same matches, same order, same scores.
@Suite struct SearchPropertyTests {
    /// Compares one query's results from the index and from the reference.
    /// Returns the number of matches (so callers can check the random queries are not vacuous).
    @discardableResult
    func check(
        _ query: String, reader: IndexReader, reference: ReferenceIndex, k: Int, seed: UInt64,
        parameters: BM25Parameters = BM25Parameters(), scoring: ExpansionScoring = .constant
    ) throws -> Int {
        var reference = reference
        reference.scoredExpansions = scoring == .bm25 ? QueryExecutor.maxScoredExpansions : 0
        let expected: ([(String, Float)], Int)
        do { expected = try reference.search(query, k: k, parameters: parameters) } catch let e as SaigaError {
            // Queries the reference rejects (e.g. only excluded terms) must be rejected the same way.
            #expect(throws: SaigaError.self) { try reader.search(query) }
            #expect(e.code == .invalidQuery || e.code == .limitExceeded)
            return 0
        }
        // A small count threshold makes the pruning paths run against the reference too.
        let threshold = [0, 5, 1000][Int(seed % 3)]
        var options = SearchOptions(k: k, bm25: parameters, snippets: false, totalHitsThreshold: threshold)
        options.expansionScoring = scoring
        let actual = try reader.search(query, options: options)
        if actual.totalIsExact {
            #expect(actual.total == expected.1, "total for \(query) (seed \(seed))")
        } else {
            #expect(actual.total <= expected.1 && actual.total >= min(threshold, expected.1), "total for \(query)")
        }
        let got = actual.hits.map { ($0.id, $0.score) }
        #expect(got.map(\.0) == expected.0.map(\.0), "ids for \(query) (seed \(seed))")
        for (a, e) in zip(got, expected.0) {
            #expect(
                abs(a.1 - e.1) <= 1e-6 * max(1, abs(e.1)),
                "score of \(a.0) for \(query): \(a.1) vs \(e.1) (seed \(seed))")
        }
        return expected.1
    }

    /// Prefixes and patterns match the union of their documents with a constant score (the boost), as Lucene
    /// scores multi-term queries; with BM25 expansion scoring, up to 1,024 terms sum their BM25 scores and longer
    /// expansions score a constant. Both against the reference, pruned and not, in one segment and several.
    @Test(arguments: [false, true], [ExpansionScoring.constant, .bm25])
    func longExpansionsScoreAConstant(segments: Bool, scoring: ExpansionScoring) throws {
        var rng = SeededRandom(seed: 31)
        let letters = Array("abcdefghij")
        func word() -> String { "w" + String((0..<4).map { _ in letters.randomElement(using: &rng)! }) }
        let docs = (0..<500).map { i in
            Document(
                id: "d\(i)", title: (0..<2).map { _ in word() }.joined(separator: " "),
                body: (0..<(4 + i % 9)).map { _ in word() }.joined(separator: " ") + (i % 7 == 0 ? " saiga" : ""))
        }
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(docs, at: dir.path, flushAfter: segments ? [150, 320] : [])
        let reader = try IndexReader(path: dir.path)
        let reference = ReferenceIndex(documents: docs)
        // w* has about 3,500 terms; wa* about 1,000; wab* about 100.
        for (i, q) in [
            "w*", "body:w*", "wa*", "wab*", "w?a*", "/w.*/", "body:/wa.*/", "title:w*^2", "w* AND saiga", "saiga w*",
            "body:w*^0.5 saiga", "+saiga -title:wa*",
        ].enumerated() {
            let n = try check(q, reader: reader, reference: reference, k: 10, seed: UInt64(i), scoring: scoring)
            #expect(n > 0, "\(q)")
        }
        var options = SearchOptions(k: 1, snippets: false)
        options.expansionScoring = scoring
        #expect(try reader.search("body:w*", options: options).hits[0].score == 1)
        // wab* (about 100 terms) sums BM25 scores only when asked to.
        let wab = try reader.search("body:wab*", options: options).hits[0].score
        #expect(scoring == .constant ? wab == 1 : wab > 1, "\(wab)")
    }

    /// A disjunction of many terms chooses its essential terms per window of documents: when the terms essential
    /// in one window run out, the documents of the others, later, still count (here the best ones, all at the end).
    @Test func manyTermsWhoseBestDocumentsComeLast() throws {
        var rng = SeededRandom(seed: 5)
        let common = Array(RandomCorpus.vocabulary.prefix(20))
        var docs: [Document] = []
        // The common words end in the first window of 4,096 documents; a rare word that outscores them comes in the
        // second, after documents the query does not match.
        for i in 0..<4000 {
            let words = (0..<Int.random(in: 1...2, using: &rng)).map { _ in common.randomElement(using: &rng)! }
            docs.append(Document(id: "c\(i)", title: "", body: words.joined(separator: " ")))
        }
        for i in 0..<200 { docs.append(Document(id: "f\(i)", title: "", body: "volcano penguin")) }
        for i in 0..<30 { docs.append(Document(id: "z\(i)", title: "", body: "zebra zebra")) }
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(docs, at: dir.path)
        let reader = try IndexReader(path: dir.path)
        let executor = QueryExecutor(
            segments: reader.segments, docBases: reader.docBases, fieldStats: reader.fieldStats)
        let query = (common + ["zebra"]).joined(separator: " ")
        let prepared = try executor.prepare(
            try reader.rewriter.rewrite(try QueryParser().parse(query)),
            parameters: BM25Parameters())
        let exhaustive = try executor.topDocs(prepared, count: 10, strategy: .exhaustive)
        #expect(exhaustive.hits.allSatisfy { $0.doc >= 4200 }, "the zebra documents score best")
        for limit in [0, 10, 1000] {
            let pruned = try executor.topDocs(prepared, count: 10, strategy: .pruned(countLimit: limit))
            #expect(pruned.hits == exhaustive.hits, "count limit \(limit)")
        }
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
        var nonEmpty = 0
        var phrasesWithHits = 0
        for _ in 0..<60 {
            let q = RandomCorpus.query(&rng)
            let n = try check(
                q, reader: reader, reference: reference, k: Int.random(in: 1...40, using: &rng), seed: seed,
                scoring: Bool.random(using: &rng) ? .bm25 : .constant)
            if n > 0 { nonEmpty += 1 }
            if n > 0 && q.contains("\"") { phrasesWithHits += 1 }
        }
        // The random queries must exercise real matching, not just empty results.
        #expect(nonEmpty >= 30)
        #expect(phrasesWithHits >= 3)
        // Frequent terms span several 128-document postings blocks.
        let term = Array(reader.analyze("steppe")[0].utf8)
        let steppe = try withBytes(term) { try reader.segments[0].lookup(field: BuiltinFields.bodyField, term: $0) }
        #expect((steppe?.docFreq ?? 0) > 128)
        // Other BM25 parameters, set per query.
        for _ in 0..<10 {
            let q = RandomCorpus.query(&rng)
            let p = BM25Parameters(
                k1: Float.random(in: 0.3...2.5, using: &rng), b: Float.random(in: 0...1, using: &rng))
            try check(q, reader: reader, reference: reference, k: 10, seed: seed, parameters: p)
        }
    }

    @Test(arguments: [UInt64(11), 12, 13])
    func multiSegmentIndexesEqualOneSegment(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let docs = RandomCorpus.documents(count: 400, rng: &rng)
        let one = TemporaryDirectory()
        let many = TemporaryDirectory()
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

    /// Hit titles come from the id store's title column; they equal the stored documents' titles in flushed
    /// segments, in a merged segment and with long, non-ASCII titles, and are empty when text is not stored.
    @Test func hitTitlesComeFromTheTitleColumn() throws {
        var rng = SeededRandom(seed: 41)
        var docs = RandomCorpus.documents(count: 700, rng: &rng)
        // Long titles (VInt suffix lengths), non-ASCII ones, and neighbours sharing long prefixes (front coding).
        docs[3].title = String(repeating: "Steppe ", count: 300) + "end"
        docs[4].title = "Қазақстан — Алматы, 2026"
        docs[5].title = "Қазақстан — Астана"
        let dir = TemporaryDirectory()
        let bare = TemporaryDirectory()
        defer {
            dir.cleanup()
            bare.cleanup()
        }
        try buildIndex(docs, at: dir.path, flushAfter: [99, 350])
        let byID = Dictionary(uniqueKeysWithValues: docs.map { ($0.id, $0.title) })
        func checkTitles(_ reader: IndexReader) throws -> Int {
            var checked = 0
            for q in ["steppe", "saiga horse", "қазақстан", "title:steppe", "end"] {
                let hits = try reader.search(q, options: SearchOptions(k: 200, snippets: false)).hits
                let stored = try reader.search(q, options: SearchOptions(k: 200, snippets: false, fields: ["*"])).hits
                #expect(hits.map(\.id) == stored.map(\.id))
                for (h, s) in zip(hits, stored) {
                    #expect(h.title == byID[h.id], "\(h.id)")
                    #expect(h.title == s.title, "\(h.id)")
                    checked += 1
                }
            }
            return checked
        }
        let flushed = try IndexReader(path: dir.path)
        #expect(flushed.segments.count == 3)
        #expect(try checkTitles(flushed) > 100)
        let writer = try IndexWriter(path: dir.path, options: IndexWriterOptions(openMode: .append))
        try writer.forceMerge()
        try writer.commit()
        writer.close()
        let merged = try IndexReader(path: dir.path)
        #expect(merged.segments.count == 1)
        #expect(try checkTitles(merged) > 100)
        #expect(try merged.search("қазақстан").hits.map(\.title).sorted() == [docs[4].title, docs[5].title].sorted())
        #expect(try IndexChecker.check(path: dir.path).problems.isEmpty)

        try buildIndex(docs, at: bare.path, options: IndexWriterOptions(storeText: false))
        let hits = try IndexReader(path: bare.path).search("steppe", options: SearchOptions(k: 50, snippets: false))
            .hits
        #expect(!hits.isEmpty && hits.allSatisfy { $0.title.isEmpty })
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

/// Block-max pruning returns exactly what exhaustive evaluation returns (same documents, same order, bit-identical
/// scores), and the specialised evaluators agree with the general document-at-a-time scorers.
@Suite struct PruningTests {
    @Test(arguments: [UInt64(21), 22, 23])
    func prunedEqualsExhaustive(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        // Several 4096-document windows and many postings blocks, in two segments.
        let docs = RandomCorpus.documents(count: 9000, rng: &rng)
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(docs, at: dir.path, flushAfter: [5000])
        let reader = try IndexReader(path: dir.path)
        var executor = QueryExecutor(
            segments: reader.segments, docBases: reader.docBases, fieldStats: reader.fieldStats)
        // Prefixes sum their terms' BM25 scores here (`ExpansionScoring.bm25`): they run through MaxScore.
        executor.scoredExpansions = QueryExecutor.maxScoredExpansions
        // The same disjunctions through MaxScore windows even where the lists are short enough to merge directly.
        var windowed = executor
        windowed.shortListPostings = 0
        let rewriter = reader.rewriter
        var specialisedRuns = 0
        var prunedInexact = 0
        for _ in 0..<60 {
            var q: String
            switch Int.random(in: 0..<5, using: &rng) {
            case 0:
                q = (0..<Int.random(in: 2...4, using: &rng)).map { _ in "+" + RandomCorpus.word(&rng) }.joined(
                    separator: " ")
            case 4:
                // Many words (two fields each): MaxScore keeps its essential terms in a heap from 16 terms on.
                q = (0..<Int.random(in: 8...24, using: &rng)).map { _ in RandomCorpus.word(&rng) }.joined(
                    separator: " ")
            case 1:
                // Exact and sloppy phrases: pruned, they pass over the blocks whose phrase bound cannot compete.
                q = "\"\(RandomCorpus.word(&rng)) \(RandomCorpus.word(&rng))\""
                if Bool.random(using: &rng) { q += "~\(Int.random(in: 1...3, using: &rng))" }
            case 2: q = "body:" + RandomCorpus.word(&rng) + " body:" + RandomCorpus.word(&rng)
            default:
                q = (0..<Int.random(in: 1...5, using: &rng)).map { _ in
                    Int.random(in: 0..<6, using: &rng) == 0
                        ? String(RandomCorpus.word(&rng).prefix(3)) + "*" : RandomCorpus.word(&rng)
                }.joined(separator: " ")
            }
            let parsed = try QueryParser().parse(q)
            let prepared = try executor.prepare(
                try rewriter.rewrite(parsed), parameters: BM25Parameters(k1: 0.9, b: 0.4))
            var its: [PostingsIterator] = []
            var none = false
            if MaxScoreDisjunction(prepared, segment: 0, executor: executor, iterators: &its) != nil {
                specialisedRuns += 1
            } else if BlockMaxConjunction(
                prepared, segment: 0, executor: executor, iterators: &its, matchesNothing: &none) != nil
            {
                specialisedRuns += 1
            }
            let k = Int.random(in: 1...30, using: &rng)
            let exhaustive = try executor.topDocs(prepared, count: k, strategy: .exhaustive)
            let daat = try executor.topDocs(prepared, count: k, strategy: .documentAtATime)
            #expect(exhaustive.total == daat.total, "\(q)")
            #expect(exhaustive.totalIsExact)
            #expect(exhaustive.hits.map(\.doc) == daat.hits.map(\.doc), "\(q)")
            for (a, b) in zip(exhaustive.hits, daat.hits) {
                #expect(abs(a.score - b.score) <= 1e-6 * max(1, a.score), "\(q)")
            }
            for limit in [0, 10, 1000] {
                let pruned = try executor.topDocs(prepared, count: k, strategy: .pruned(countLimit: limit))
                #expect(pruned.hits == exhaustive.hits, "\(q) with count limit \(limit)")
                let prunedInWindows = try windowed.topDocs(prepared, count: k, strategy: .pruned(countLimit: limit))
                #expect(prunedInWindows.hits == exhaustive.hits, "\(q) with count limit \(limit), in windows")
                if pruned.totalIsExact {
                    #expect(pruned.total == exhaustive.total, "\(q)")
                } else {
                    prunedInexact += 1
                    #expect(pruned.total <= exhaustive.total && pruned.total >= min(limit, exhaustive.total), "\(q)")
                }
            }
        }
        #expect(specialisedRuns >= 30)
        #expect(prunedInexact >= 20)
    }
}

/// Indexing with several threads gives the same index contents as one thread (documents may be numbered in
/// another order, so equal scores can come back in another order).
@Suite struct ParallelIndexingTests {
    @Test func threadsGiveTheSameResults() throws {
        var rng = SeededRandom(seed: 31)
        let docs = RandomCorpus.documents(count: 3000, rng: &rng)
        let one = TemporaryDirectory()
        let many = TemporaryDirectory()
        defer {
            one.cleanup()
            many.cleanup()
        }
        try buildIndex(docs, at: one.path)
        try buildIndex(docs, at: many.path, options: IndexWriterOptions(maxBufferedDocuments: 700, threads: 3))
        let a = try IndexReader(path: one.path)
        let b = try IndexReader(path: many.path)
        #expect(b.documentCount == docs.count)
        #expect(b.segments.count >= 3)
        for _ in 0..<40 {
            let q = RandomCorpus.query(&rng)
            guard let ra = try? a.search(q, options: SearchOptions(k: 5000, snippets: false, exhaustive: true)) else {
                #expect(throws: SaigaError.self) { try b.search(q) }
                continue
            }
            let rb = try b.search(q, options: SearchOptions(k: 5000, snippets: false, exhaustive: true))
            #expect(ra.total == rb.total, "\(q)")
            let sa = ra.hits.map { "\($0.id) \($0.score)" }.sorted()
            let sb = rb.hits.map { "\($0.id) \($0.score)" }.sorted()
            #expect(sa == sb, "\(q)")
        }
        // Duplicates are still caught across threads, and a rollback leaves nothing behind.
        let dup = TemporaryDirectory()
        defer { dup.cleanup() }
        let w = try IndexWriter(path: dup.path, options: IndexWriterOptions(maxBufferedDocuments: 100, threads: 2))
        for d in docs.prefix(1000) { try w.add(d) }
        do {
            try w.add(docs[10])
            Issue.record("a duplicate id must be refused")
        } catch { #expect(error.code == .duplicateID) }
        w.rollback()
        let left = try FileManager.default.contentsOfDirectory(atPath: dup.path).filter { $0 != "write.lock" }
        #expect(left.isEmpty, "\(left)")
    }
}

/// Counts past the exact-count threshold are lower bounds, but never below the rank of the last hit on the page.
@Suite struct DeepPageCountTests {
    @Test func aDeepPageReportsAtLeastItsLastRank() throws {
        let docs = (0..<3000).map { i in
            Document(id: "d\(i)", title: "", body: String(repeating: "steppe ", count: 1 + i % 7) + "saiga")
        }
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(docs, at: dir.path)
        let reader = try IndexReader(path: dir.path)
        for offset in [0, 990, 2000, 2990] {
            let r = try reader.search("steppe", options: SearchOptions(k: 10, offset: offset, snippets: false))
            #expect(r.hits.count == 10)
            #expect(r.total >= offset + r.hits.count, "offset \(offset): total \(r.total)")
            #expect(r.total <= 3000)
            if !r.totalIsExact { #expect(r.total >= 1000) }
        }
        let exact = try reader.search("steppe", options: SearchOptions(k: 10, offset: 2000, totalHitsThreshold: .max))
        #expect(exact.total == 3000 && exact.totalIsExact)
    }
}

/// Explanations: for every hit of random queries (boosts, sloppy phrases, fuzzy words, patterns, booleans), the
/// explanation's value is the hit's score, bit for bit; a document that does not match explains as 0.
@Suite struct ExplanationTests {
    @Test(arguments: [UInt64(7), 8])
    func explanationsAddUpToTheScore(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let docs = RandomCorpus.documents(count: 400, rng: &rng)
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(docs, at: dir.path, flushAfter: [150])
        let reader = try IndexReader(path: dir.path)
        var explained = 0
        for _ in 0..<40 {
            let q = RandomCorpus.query(&rng)
            guard let r = try? reader.search(q, options: SearchOptions(k: 5, snippets: false)) else { continue }
            for h in r.hits {
                let e = try #require(try reader.explain(q, id: h.id))
                #expect(e.value.bitPattern == h.score.bitPattern, "\(q): \(h.id)\n\(e.text)")
                explained += 1
            }
        }
        #expect(explained >= 50)
        let e = try #require(try reader.explain("zebra", id: "doc1"))
        #expect(e.value == 0 && e.description.hasPrefix("no match"))
        #expect(try reader.explain("steppe", id: "no-such-id") == nil)
        // A term's explanation shows Lucene's factors.
        let steppe = try #require(try reader.search("body:steppe").hits.first)
        let t = try #require(try reader.explain("body:steppe", id: steppe.id))
        #expect(t.details.map(\.description).map { $0.prefix(3) } == ["boo", "idf", "tf,"], "\(t.text)")
    }
}
