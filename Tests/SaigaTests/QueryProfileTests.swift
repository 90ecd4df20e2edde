// `IndexReader.profile`: a tree shaped as the query, whose counts are those of an exhaustive evaluation.

import Testing

@testable import Saiga

@Suite struct QueryProfileTests {
    @Test(arguments: [false, true])
    func theTreeFollowsTheQueryAndCountsItsMatches(segments: Bool) throws {
        var rng = SeededRandom(seed: 12)
        let docs = RandomCorpus.documents(count: 300, rng: &rng)
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(docs, at: dir.path, flushAfter: segments ? [99, 199] : [])
        let writer = try IndexWriter(path: dir.path, options: IndexWriterOptions(mergePolicy: nil))
        _ = try writer.delete(id: docs[3].id)
        try writer.commit()
        writer.close()
        let reader = try IndexReader(path: dir.path)
        for _ in 0..<20 {
            let q = RandomCorpus.query(&rng)
            guard let exact = try? reader.search(q, options: SearchOptions(k: 1, snippets: false, exhaustive: true))
            else { continue }
            let p = try reader.profile(q)
            #expect(p.matches == exact.total, "\(q)")
            #expect(p.segments == reader.segments.count)
            if exact.total > 0 {
                let root = try #require(p.root, "\(q)")
                // The root scored every live match; a clause visits at least what it scores.
                #expect(root.scored == exact.total, "\(q)")
                func check(_ c: QueryProfile.Clause) {
                    #expect(c.matches >= c.scored, "\(q): \(c.description)")
                    #expect(c.children.allSatisfy { $0.nanoseconds <= c.nanoseconds }, "\(q): \(c.description)")
                    c.children.forEach(check)
                }
                check(root)
            }
        }
        let p = try reader.profile("\(RandomCorpus.word(&rng)) OR \"nosuchword another\"")
        #expect(p.root?.description.hasPrefix("term ") == true || p.root?.description.hasPrefix("boolean") == true)
        #expect(try reader.profile("nosuchwordatall").root == nil)
    }
}
