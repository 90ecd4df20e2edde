/// The terms within `maxEdits` edits of a word: insertions, deletions, substitutions, and transpositions of two
/// adjacent characters (Lucene's default for fuzzy queries: the restricted Damerau–Levenshtein distance that
/// its Levenshtein automata accept), over Unicode scalars, with the first `prefixLength` characters required to
/// match exactly. The state is the dynamic-programming row of the distance of the term read so far to every
/// prefix of the word (and the row before, for transpositions): it dies once every entry exceeds `maxEdits`,
/// which is when the dictionary walk passes over all terms with that prefix.
struct LevenshteinMatcher: TermMatcher {
    let word: [UInt32]
    let maxEdits: Int
    let prefixLength: Int

    struct State {
        /// row[j]: the distance between the term read so far and word[0..<j], capped at maxEdits + 1.
        var row: [UInt8]
        /// The row before the last character, and that character (for transpositions).
        var previous: [UInt8]
        var lastScalar: UInt32
        /// Characters read.
        var depth: Int
    }

    init(word: [UInt32], maxEdits: Int, prefixLength: Int = 0) {
        self.word = word
        self.maxEdits = maxEdits
        self.prefixLength = min(prefixLength, word.count)
    }

    var start: State {
        let cap = maxEdits + 1
        let row = (0...word.count).map { UInt8(min($0, cap)) }
        return State(row: row, previous: [], lastScalar: 0, depth: 0)
    }

    func step(_ state: State, _ scalar: UInt32) -> State? {
        if state.depth < prefixLength {
            // The required prefix: the same character, and the distances carry over shifted by one.
            guard scalar == word[state.depth] else { return nil }
        }
        let n = word.count
        let cap = UInt8(maxEdits + 1)
        var row = [UInt8](repeating: 0, count: n + 1)
        row[0] = UInt8(min(state.depth + 1, Int(cap)))
        var best = row[0]
        for j in stride(from: 1, through: n, by: 1) {
            let substitution = state.row[j - 1] &+ (word[j - 1] == scalar ? 0 : 1)
            var d = min(state.row[j] &+ 1, row[j - 1] &+ 1, substitution)
            if j >= 2, !state.previous.isEmpty, word[j - 1] == state.lastScalar, word[j - 2] == scalar {
                d = min(d, state.previous[j - 2] &+ 1)
            }
            row[j] = min(d, cap)
            best = min(best, row[j])
        }
        if state.depth < prefixLength {
            // Inside the prefix the term and the word agree so far: from there on, the word's remaining
            // characters may only be deleted (or matched by what follows).
            let at = state.depth + 1
            for j in 0...n { row[j] = j < at ? cap : UInt8(min(j - at, Int(cap))) }
            best = 0
        } else if prefixLength > 0 {
            // Past it, no alignment may leave part of the prefix unmatched.
            for j in 0..<prefixLength { row[j] = cap }
            best = row[prefixLength...].min() ?? cap
        }
        guard best <= UInt8(maxEdits) else { return nil }
        return State(row: row, previous: state.row, lastScalar: scalar, depth: state.depth + 1)
    }

    func accepts(_ state: State) -> Bool { state.depth >= prefixLength && Int(state.row[word.count]) <= maxEdits }

    /// The term's distance to the word (at most maxEdits when accepted).
    func distance(_ state: State) -> Int { Int(state.row[word.count]) }
}
