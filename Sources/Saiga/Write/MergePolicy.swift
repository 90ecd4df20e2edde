/// Chooses which segments to merge: a tiered (log-structured) policy with a hard cap on the segment count.
///
/// Segments are grouped in tiers by their live size: tier 0 up to `floorBytes`, then each tier `mergeFactor`
/// times larger. When a tier holds `mergeFactor` segments not already merging, its `mergeFactor` smallest are
/// merged into one segment of the next tier, so every document is rewritten about log(index / floor) times and
/// a stream of tiny commits costs merges of tiny segments, not rewrites of big ones. A segment with more than
/// `maxDeletedPercent` of its documents deleted is merged (alone or with its tier) to reclaim the space.
/// Whatever the tiers say, more than `maxSegments` segments force a merge of the smallest ones, and the writer
/// holds commits back (backpressure) until merging brings the count down.
public struct MergePolicy: Sendable, Hashable {
    /// Segments merged at once, and the size ratio between tiers. Default 10.
    public var mergeFactor: Int
    /// Segments up to this size (live bytes) form the lowest tier. Default 16 KiB.
    public var floorBytes: Int
    /// Merges never produce a segment larger than this (live bytes). Default 5 GiB.
    public var maxMergedBytes: Int
    /// A segment with more than this share of deleted documents is rewritten. Default 33.
    public var maxDeletedPercent: Int
    /// The writer keeps the index at or below this many segments: past it, merges are forced and commits wait
    /// for them. Default 30.
    public var maxSegments: Int

    public init(
        mergeFactor: Int = 10, floorBytes: Int = 16 << 10, maxMergedBytes: Int = 5 << 30,
        maxDeletedPercent: Int = 33, maxSegments: Int = 30
    ) {
        self.mergeFactor = mergeFactor
        self.floorBytes = floorBytes
        self.maxMergedBytes = maxMergedBytes
        self.maxDeletedPercent = maxDeletedPercent
        self.maxSegments = maxSegments
    }

    /// What the policy needs to know of a segment.
    struct Candidate {
        var name: String
        /// Bytes on disk scaled by the share of live documents.
        var liveBytes: Int
        var maxDoc: Int
        var deleted: Int
        /// Already being merged (not available).
        var merging: Bool
    }

    func validate() throws(SaigaError) {
        guard mergeFactor >= 2, floorBytes >= 1, maxMergedBytes >= floorBytes, (1...100).contains(maxDeletedPercent),
            maxSegments >= mergeFactor
        else {
            throw SaigaError(
                .invalidArgument, "merge policy: need mergeFactor ≥ 2, maxSegments ≥ mergeFactor, 1...100 % deleted")
        }
    }

    private func tier(_ bytes: Int) -> Int {
        var t = 0
        var limit = floorBytes
        while bytes > limit && t < 40 {
            t += 1
            limit = limit > Int.max / mergeFactor ? Int.max : limit * mergeFactor
        }
        return t
    }

    /// The next merge to run (segment names), or nil.
    func findMerge(_ segments: [Candidate]) -> [String]? {
        let free = segments.filter { !$0.merging }
        // Over the cap: merge the smallest, whatever their tiers.
        if segments.count > maxSegments {
            let smallest = free.sorted { $0.liveBytes < $1.liveBytes }.prefix(
                max(2, min(mergeFactor, segments.count - maxSegments + 1)))
            if smallest.count >= 2 { return smallest.map(\.name) }
        }
        var tiers: [Int: [Candidate]] = [:]
        for s in free where s.liveBytes <= maxMergedBytes { tiers[tier(s.liveBytes), default: []].append(s) }
        for t in tiers.keys.sorted() {
            let members = tiers[t]!.sorted { $0.liveBytes < $1.liveBytes }
            if members.count >= mergeFactor {
                var chosen: [Candidate] = []
                var bytes = 0
                for m in members.prefix(mergeFactor) where bytes + m.liveBytes <= maxMergedBytes {
                    chosen.append(m)
                    bytes += m.liveBytes
                }
                if chosen.count >= 2 { return chosen.map(\.name) }
            }
        }
        // Reclaim deletions.
        if let s = free.first(where: { $0.maxDoc > 0 && $0.deleted * 100 > $0.maxDoc * maxDeletedPercent }) {
            return [s.name]
        }
        return nil
    }

    /// Merges that bring `segments` down to at most `maxSegments` segments: the smallest are merged into one.
    static func forcedMerge(_ segments: [Candidate], maxSegments: Int) -> [String]? {
        let free = segments.filter { !$0.merging }
        if segments.count > maxSegments {
            let n = segments.count - maxSegments + 1
            let chosen = free.sorted { $0.liveBytes < $1.liveBytes }.prefix(n)
            return chosen.count >= 2 || (chosen.count == 1 && chosen[chosen.startIndex].deleted > 0)
                ? chosen.map(\.name) : nil
        }
        // Down to the count already: still rewrite segments that hold deletions when a single segment is asked for.
        if maxSegments == 1, segments.count == 1, let s = free.first, s.deleted > 0 { return [s.name] }
        return nil
    }
}
