import Testing

@testable import Saiga

/// The tiered merge policy on hand-made segment lists, and on a simulated stream of flushes.
@Suite struct MergePolicyTests {
    private typealias Candidate = MergePolicy.Candidate

    private func segment(
        _ name: String, _ bytes: Int, docs: Int = 100, deleted: Int = 0, merging: Bool = false
    )
        -> Candidate
    {
        Candidate(name: name, liveBytes: bytes, maxDoc: docs, deleted: deleted, merging: merging)
    }

    private let policy = MergePolicy(
        mergeFactor: 3, floorBytes: 1000, maxMergedBytes: 1_000_000,
        maxDeletedPercent: 33, maxSegments: 8)

    @Test func aFullTierMergesItsSmallestSegments() {
        #expect(policy.findMerge([segment("a", 500), segment("b", 900)]) == nil, "two of three: wait")
        let merge = policy.findMerge([segment("a", 500), segment("b", 900), segment("c", 100), segment("d", 999)])
        #expect(merge.map(Set.init) == ["a", "c", "b"], "the three smallest of tier 0")
        // Tier 1 (1000 < bytes ≤ 3000) fills independently of tier 0.
        let tier1 = policy.findMerge([segment("x", 2000), segment("y", 2500), segment("z", 2900), segment("a", 10)])
        #expect(tier1.map(Set.init) == ["x", "y", "z"])
    }

    @Test func segmentsBeingMergedAreNotChosenAgain() {
        let list = [segment("a", 500, merging: true), segment("b", 900), segment("c", 100)]
        #expect(policy.findMerge(list) == nil)
    }

    @Test func mergesNeverExceedTheMaximumSize() {
        let small = MergePolicy(
            mergeFactor: 3, floorBytes: 10, maxMergedBytes: 1000, maxDeletedPercent: 33,
            maxSegments: 8)
        // Three segments of one tier whose sum passes the cap: only those that fit are merged.
        let merge = small.findMerge([segment("a", 300), segment("b", 400), segment("c", 450)])
        #expect(merge.map(Set.init) == ["a", "b"])
        // Segments above the cap are never merged at all.
        #expect(small.findMerge([segment("a", 2000), segment("b", 2000), segment("c", 2000)]) == nil)
    }

    @Test func moreThanTheCapMergesTheSmallest() {
        // Nine segments in nine different tiers: no tier is full, but the count is over eight.
        let list = (0..<9).map { segment("s\($0)", 3 * Int(pow3($0)) * 1000) }
        let merge = policy.findMerge(list)
        #expect(merge == ["s0", "s1"], "the two smallest bring the count to eight")
    }

    @Test func segmentsWithManyDeletionsAreRewritten() {
        #expect(policy.findMerge([segment("a", 500, docs: 100, deleted: 33)]) == nil, "33 % is not more than 33 %")
        #expect(policy.findMerge([segment("a", 500, docs: 100, deleted: 34)]) == ["a"])
    }

    @Test func forcedMergesReachTheTargetCount() {
        let list = (0..<5).map { segment("s\($0)", 1000 * ($0 + 1)) }
        #expect(MergePolicy.forcedMerge(list, maxSegments: 2) == ["s0", "s1", "s2", "s3"])
        #expect(MergePolicy.forcedMerge(list, maxSegments: 5) == nil)
        #expect(
            MergePolicy.forcedMerge([segment("a", 10, deleted: 1)], maxSegments: 1) == ["a"],
            "one segment with deletions is rewritten when one is asked for")
        #expect(MergePolicy.forcedMerge([segment("a", 10)], maxSegments: 1) == nil)
    }

    @Test func invalidSettingsAreRefused() {
        for bad in [
            MergePolicy(mergeFactor: 1), MergePolicy(floorBytes: 0), MergePolicy(maxDeletedPercent: 0),
            MergePolicy(maxDeletedPercent: 101), MergePolicy(mergeFactor: 10, maxSegments: 9),
            MergePolicy(floorBytes: 100, maxMergedBytes: 50),
        ] {
            #expect(throws: SaigaError.self) { try bad.validate() }
        }
        #expect(throws: Never.self) { try MergePolicy().validate() }
    }

    /// A stream of equal flushes, each merge run at once: the count stays within the cap, and every byte is
    /// rewritten about log_mergeFactor(total / floor) times, not once per flush.
    @Test(arguments: [1, 2, 3])
    func aStreamOfFlushesIsMergedLogarithmically(seed: Int) {
        var rng = SeededRandom(seed: UInt64(seed))
        var segments: [Candidate] = []
        var next = 0
        var written = 0
        var flushed = 0
        for _ in 0..<2000 {
            let bytes = Int.random(in: 200...800, using: &rng)
            segments.append(segment("s\(next)", bytes))
            next += 1
            written += bytes
            flushed += bytes
            while let names = policy.findMerge(segments) {
                let chosen = segments.filter { names.contains($0.name) }
                let merged = chosen.reduce(0) { $0 + $1.liveBytes }
                segments.removeAll { names.contains($0.name) }
                segments.append(segment("s\(next)", merged))
                next += 1
                written += merged
            }
            #expect(segments.count <= policy.maxSegments, "seed \(seed)")
        }
        let amplification = Double(written) / Double(flushed)
        // 2000 flushes of ~500 bytes over a 1000-byte floor and factor 3: about log3(1000) ≈ 6.3 tiers.
        #expect(amplification < 9, "seed \(seed): write amplification \(amplification)")
        #expect(segments.reduce(0) { $0 + $1.liveBytes } == flushed, "no bytes lost")
    }

    private func pow3(_ n: Int) -> Int { (0..<n).reduce(1) { r, _ in r * 3 } }
}
