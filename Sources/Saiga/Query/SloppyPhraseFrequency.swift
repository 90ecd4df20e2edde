/// The frequency of a phrase with slop in one document, as Lucene's `SloppyPhraseMatcher` computes it: each term
/// of the phrase walks its positions shifted back by its place in the phrase (`position - offset`), the smallest
/// is moved on while the spread of the shifted positions shrinks, and every spread of at most `slop` counts
/// `1 / (1 + spread)` (an exact occurrence counts 1, `"a b"~2` over "b a" counts 1/3). Like Lucene's, the walk is
/// greedy: it always moves the smallest position, so not every combination is seen.
///
/// A term that occurs twice in the phrase (`"to be or not to be"`) has one walker per occurrence; walkers of the
/// same term never stand on the same document position (the lesser is moved on), as in Lucene.
struct SloppyPhraseFrequency {
    /// One walker per phrase term: its positions in the document, its offset in the phrase, and which distinct
    /// term it is (walkers of one term form a repeat group).
    struct Walker {
        var positions: UnsafePointer<UInt32>
        var count: Int
        let offset: Int
        let ord: Int
        var next = 0
        /// The current position minus the offset.
        var position = 0
        var group = -1

        init(positions: UnsafePointer<UInt32>, count: Int, offset: Int, ord: Int) {
            self.positions = positions
            self.count = count
            self.offset = offset
            self.ord = ord
        }

        /// The term's position in the document.
        var termPosition: Int { position + offset }

        mutating func first() -> Bool {
            next = 0
            return advance()
        }

        mutating func advance() -> Bool {
            guard next < count else { return false }
            position = Int(positions[next]) - offset
            next += 1
            return true
        }

        /// Lucene's `PhraseQueue` order: by shifted position, then offset, then phrase order.
        func precedes(_ o: Walker) -> Bool {
            if position != o.position { return position < o.position }
            if offset != o.offset { return offset < o.offset }
            return ord < o.ord
        }
    }

    private var walkers: [Walker]
    private let slop: Int
    /// Walkers of each repeated term, by offset.
    private var groups: [[Int]] = []
    private var queued: [Bool]
    private var end = Int.min

    /// - Parameters: `offsets[i]`: term i's place in the phrase; `termIDs[i]` equal for equal terms. Built once per
    /// phrase scorer; `frequency(positions:counts:)` then runs per document with no allocation.
    init(offsets: [Int], termIDs: [Int], slop: Int) {
        // No positions (count 0: never read) until `frequency` gives a document's.
        let none = UnsafePointer<UInt32>(bitPattern: MemoryLayout<UInt32>.alignment)!
        walkers = offsets.indices.map { Walker(positions: none, count: 0, offset: offsets[$0], ord: $0) }
        self.slop = slop
        queued = Array(repeating: false, count: walkers.count)
        var byTerm: [Int: [Int]] = [:]
        for (i, t) in termIDs.enumerated() { byTerm[t, default: []].append(i) }
        for (_, members) in byTerm.sorted(by: { $0.key < $1.key }) where members.count > 1 {
            let sorted = members.sorted { walkers[$0].offset < walkers[$1].offset }
            for w in sorted { walkers[w].group = groups.count }
            groups.append(sorted)
        }
    }

    /// Gives each walker term i's positions in the document (`positions[i]`, `counts[i]` of them, increasing).
    private mutating func bind(positions: [UnsafeMutablePointer<UInt32>], counts: [Int]) {
        for i in walkers.indices {
            walkers[i].positions = UnsafePointer(positions[i])
            walkers[i].count = counts[i]
        }
    }

    /// The sloppy frequency in a document whose terms have these positions (see `bind`).
    mutating func frequency(positions: [UnsafeMutablePointer<UInt32>], counts: [Int]) -> Float {
        bind(positions: positions, counts: counts)
        return frequency()
    }

    /// The sloppy frequency: the sum of `1 / (1 + spread)` over the matches (0: no match).
    mutating func frequency() -> Float {
        guard place() else { return 0 }
        var freq: Float = 0
        var positioned = true
        while let matchLength = nextMatch(&positioned) {
            freq += 1 / (1 + Float(matchLength))
        }
        return freq
    }

    /// Puts every walker on its first position; in a repeat group the j-th walker (by offset) moves on j more
    /// times, so that none starts on another's position. False if some walker runs out.
    private mutating func place() -> Bool {
        end = Int.min
        for i in walkers.indices where !walkers[i].first() { return false }
        for g in groups {
            for j in 1..<g.count {
                for _ in 0..<j where !walkers[g[j]].advance() { return false }
            }
        }
        for i in walkers.indices {
            end = max(end, walkers[i].position)
            queued[i] = true
        }
        return true
    }

    /// The queued walker that comes first (the queue is small: a linear scan).
    private func top() -> Int {
        var best = -1
        for i in walkers.indices where queued[i] {
            if best < 0 || walkers[i].precedes(walkers[best]) { best = i }
        }
        return best
    }

    private mutating func advance(_ w: Int) -> Bool {
        guard walkers[w].advance() else { return false }
        end = max(end, walkers[w].position)
        return true
    }

    /// After walker `w` moved: while another walker of its term stands on the same document position, the
    /// lesser of the two moves on. False if one runs out.
    private mutating func resolveCollisions(_ w: Int) -> Bool {
        let g = walkers[w].group
        guard g >= 0 else { return true }
        var w = w
        while let other = groups[g].first(where: {
            $0 != w && walkers[$0].termPosition == walkers[w].termPosition
        }) {
            let a = walkers[w]
            let b = walkers[other]
            w = a.position < b.position || (a.position == b.position && a.offset < b.offset) ? w : other
            if !advance(w) { return false }
        }
        return true
    }

    /// The next match's spread, or nil when the walkers are done (Lucene's `nextMatch`).
    private mutating func nextMatch(_ positioned: inout Bool) -> Int? {
        guard positioned else { return nil }
        var pp = top()
        queued[pp] = false
        var matchLength = end - walkers[pp].position
        var next = walkers[top()].position
        while advance(pp) {
            if !groups.isEmpty && !resolveCollisions(pp) { break }
            if walkers[pp].position > next {
                queued[pp] = true
                if matchLength <= slop { return matchLength }
                pp = top()
                queued[pp] = false
                next = walkers[top()].position
                matchLength = end - walkers[pp].position
            } else {
                matchLength = min(matchLength, end - walkers[pp].position)
            }
        }
        positioned = false
        return matchLength <= slop ? matchLength : nil
    }
}
