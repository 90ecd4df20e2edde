import Testing

@testable import Saiga

/// The top-k heap and collector against a brute-force sort, on seeded random streams (the seed is the test's
/// argument, printed on failure).
@Suite struct TopKTests {
    /// Higher score first, then the lower document: the engine's ranking order.
    private func bruteForce(_ items: [ScoredDoc], k: Int) -> [ScoredDoc] {
        Array(items.sorted { $0.score != $1.score ? $0.score > $1.score : $0.doc < $1.doc }.prefix(k))
    }

    @Test(arguments: 0..<60)
    func heapKeepsExactlyTheBestK(seed: Int) {
        var rng = SeededRandom(seed: UInt64(seed) &+ 0xA11CE)
        let k = [0, 1, 2, 5, 10, 100][seed % 6]
        let n = Int.random(in: 0...400, using: &rng)
        // Few distinct scores, so that ties (broken by document) are common.
        let distinct = [1, 3, 1000][seed % 3]
        let items = (0..<n).map { i in
            ScoredDoc(
                score: Float(Int.random(in: 0..<distinct, using: &rng)) / 7,
                doc: Int32(i * 3 + Int.random(in: 0...2, using: &rng)))
        }
        var heap = TopKHeap(capacity: k)
        for e in items.shuffled(using: &rng) { heap.insert(score: e.score, doc: e.doc) }
        let expected = bruteForce(items, k: k)
        #expect(heap.sorted() == expected, "seed \(seed), k \(k), n \(n)")
        #expect(heap.items.count == min(k, n))
        if k > 0 && n >= k {
            #expect(heap.threshold == expected.last, "seed \(seed): the threshold is the k-th")
        } else {
            #expect(heap.threshold == nil, "seed \(seed): no threshold before the heap is full")
        }
    }

    @Test func collectorCountsExactlyUntilItsLimitThenPrunes() {
        var c = TopKCollector(k: 2, countLimit: 3)
        c.beginSegment(deletedBits: nil, docBase: 0)
        #expect(!c.isPruning && c.threshold == -.infinity)
        c.collect(score: 1, doc: 0)
        c.collect(score: 5, doc: 1)
        #expect(!c.isPruning, "two matches, the limit is three")
        c.collect(score: 3, doc: 2)
        #expect(c.total == 3 && c.isPruning && c.threshold == 3, "the 2nd best once counting stops")
        #expect(!c.totalIsExact)
        // Past the limit the count stays a lower bound; the threshold follows the heap.
        c.collect(score: 4, doc: 3)
        #expect(c.total == 3 && c.threshold == 4)
        #expect(c.heap.sorted().map(\.doc) == [1, 3])
        // A bound clearly below the threshold cannot compete; one at it still may (the margin covers the rounding
        // between a bound summed in double and a score rounded to float), and one above it can.
        #expect(c.cannotCompete(3.999) && !c.cannotCompete(4) && !c.cannotCompete(4.01))
    }

    @Test func collectorSkipsDeletedDocumentsOfEachSegment() {
        var c = TopKCollector(k: 10, countLimit: .max)
        // Segment 1 starts at document 8 and deletes its local documents 1 and 3 (bits 0b1010).
        let bits: [UInt8] = [0b1010]
        bits.withUnsafeBufferPointer { b in
            c.beginSegment(deletedBits: nil, docBase: 0)
            for d in 0..<8 { c.collect(score: Float(d), doc: Int32(d)) }
            c.beginSegment(deletedBits: b.baseAddress, docBase: 8)
            for d in 8..<12 { c.collect(score: 100, doc: Int32(d)) }
        }
        #expect(c.total == 10 && c.totalIsExact)
        #expect(c.heap.sorted().prefix(2).map(\.doc) == [8, 10], "9 and 11 are deleted")
    }

    @Test func aZeroCountWithNoLimitNeverCollects() {
        var c = TopKCollector(k: 0, countLimit: 0)
        #expect(c.threshold == .infinity)
        c.collect(score: 1, doc: 0)
        #expect(c.heap.items.isEmpty)
    }

    @Test func clauseScoresAreSummedInOrderInDouble() {
        let scores: [Float] = [1e8, 1, -1e8, 0.5]
        let sum = scores.withUnsafeBufferPointer { sumClauseScores($0.baseAddress!, $0.count) }
        #expect(sum == 1.5, "summed in double, rounded once (float sums would lose the 1)")
    }
}
