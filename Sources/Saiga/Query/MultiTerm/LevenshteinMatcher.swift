/// The terms within `maxEdits` edits of a word: insertions, deletions, substitutions, and transpositions of two
/// adjacent characters (Lucene's default for fuzzy queries: the restricted Damerau–Levenshtein distance that
/// its Levenshtein automata accept), over Unicode scalars, with the first `prefixLength` characters required to
/// match exactly. The state is the dynamic-programming row of the distance of the term read so far to every
/// prefix of the word (and the row before, for transpositions): it dies once every entry exceeds `maxEdits`,
/// which is when the dictionary walk passes over all terms with that prefix.
///
/// Distances are capped at maxEdits + 1 ≤ 3, so a row packs into 2 bits per entry: words of up to
/// `maxCharacters` characters fit 128 bits, and a state is a few integers (no allocation per step).
struct LevenshteinMatcher: TermMatcher {
    /// Longest word (in characters) a fuzzy search takes: a row of maxCharacters + 1 entries fills 128 bits.
    static let maxCharacters = 63

    let word: [UInt32]
    let maxEdits: Int
    let prefixLength: Int
    /// The word's characters, sorted and distinct: after a character dies, only one of these can live (any other
    /// character matches none of the word's, so it costs what the dead one cost, or more).
    let sortedScalars: [UInt32]
    /// A character that is not in the word: all such characters step alike.
    let otherScalar: UInt32

    /// A row of 2-bit distances: entry j in bits 2j ..< 2j + 2.
    struct Row: Hashable {
        var bits: UInt128 = 0

        @inline(__always)
        func get(_ j: Int) -> UInt8 { UInt8(truncatingIfNeeded: bits >> UInt128(2 * j)) & 3 }

        @inline(__always)
        mutating func set(_ j: Int, _ v: UInt8) {
            bits = bits & ~(3 << UInt128(2 * j)) | UInt128(v) << UInt128(2 * j)
        }
    }

    struct State: Hashable {
        /// row[j]: the distance between the term read so far and word[0..<j], capped at maxEdits + 1.
        var row: Row
        /// The row before the last character, and that character (for transpositions).
        var previous: Row
        var hasPrevious: Bool
        var lastScalar: UInt32
        /// Characters read.
        var depth: Int
    }

    /// - Precondition: `word.count <= maxCharacters` and `maxEdits <= 2` (the query layer refuses more).
    init(word: [UInt32], maxEdits: Int, prefixLength: Int = 0) {
        precondition(word.count <= LevenshteinMatcher.maxCharacters && maxEdits <= 2)
        self.word = word
        self.maxEdits = maxEdits
        self.prefixLength = min(prefixLength, word.count)
        sortedScalars = Array(Set(word)).sorted()
        otherScalar = (0xFFFF...0x10FFFF).reversed().first { !word.contains($0) } ?? 0
    }

    var start: State {
        let cap = maxEdits + 1
        var row = Row()
        for j in 0...word.count { row.set(j, UInt8(min(j, cap))) }
        return State(row: row, previous: Row(), hasPrevious: false, lastScalar: 0, depth: 0)
    }

    func step(_ state: State, _ scalar: UInt32) -> State? {
        if state.depth < prefixLength {
            // The required prefix: the same character.
            guard scalar == word[state.depth] else { return nil }
        }
        let n = word.count
        let cap = UInt8(maxEdits + 1)
        let first = UInt8(min(state.depth + 1, Int(cap)))
        // One pass over the previous row's entries, streamed out of its bits; the new row is built the same way.
        var out = UInt128(first)
        var best = first
        var left = first
        var above = state.row.bits
        var diagonal = UInt8(truncatingIfNeeded: above) & 3
        let transposable = state.hasPrevious
        for j in stride(from: 1, through: n, by: 1) {
            above >>= 2
            let up = UInt8(truncatingIfNeeded: above) & 3
            let w = word[j - 1]
            var d = min(up &+ 1, left &+ 1, diagonal &+ (w == scalar ? 0 : 1))
            if transposable, j >= 2, w == state.lastScalar, word[j - 2] == scalar {
                d = min(d, state.previous.get(j - 2) &+ 1)
            }
            d = min(d, cap)
            out |= UInt128(d) << UInt128(2 * j)
            best = min(best, d)
            left = d
            diagonal = up
        }
        var row = Row(bits: out)
        if state.depth < prefixLength {
            // Inside the prefix the term and the word agree so far: from there on, the word's remaining
            // characters may only be deleted (or matched by what follows).
            let at = state.depth + 1
            for j in 0...n { row.set(j, j < at ? cap : UInt8(min(j - at, Int(cap)))) }
            best = 0
        } else if prefixLength > 0 {
            // Past it, no alignment may leave part of the prefix unmatched.
            best = cap
            for j in 0...n {
                if j < prefixLength { row.set(j, cap) } else { best = min(best, row.get(j)) }
            }
        }
        guard best <= UInt8(maxEdits) else { return nil }
        return State(row: row, previous: state.row, hasPrevious: true, lastScalar: scalar, depth: state.depth + 1)
    }

    /// When a character the word does not hold lives here, every character does (the next one is next);
    /// otherwise only the word's own characters may.
    func nextLiveScalar(_ state: State, after scalar: UInt32) -> UInt32? {
        if step(state, otherScalar) != nil {
            if scalar >= 0x10FFFF { return nil }
            return scalar == 0xD7FF ? 0xE000 : scalar + 1
        }
        for c in sortedScalars where c > scalar && step(state, c) != nil { return c }
        return nil
    }

    func accepts(_ state: State) -> Bool {
        state.depth >= prefixLength && Int(state.row.get(word.count)) <= maxEdits
    }

    /// The term's distance to the word (at most maxEdits when accepted).
    func distance(_ state: State) -> Int { Int(state.row.get(word.count)) }
}
