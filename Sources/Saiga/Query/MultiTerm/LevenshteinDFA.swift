/// `LevenshteinMatcher` compiled, lazily, into a DFA: each state of the row automaton gets a number the first time
/// it is reached, and each (state, character class) transition is computed once, then read from a table.
///
/// A step of the row automaton depends on a character only through which of the word's characters it equals, so
/// the word's distinct characters are one class each and every other character is one more class (stepped with
/// `LevenshteinMatcher.otherScalar`, a character the word does not hold). Past `maxEdits + 1` characters, and past
/// the required prefix, the number of characters read no longer changes a step, so states that differ only there
/// are one. A step of the dictionary walk is then a class lookup (an array for ASCII) and a table read, as Lucene
/// runs its Levenshtein automata; the dynamic programming runs once per transition.
final class LevenshteinDFA: TermMatcher {
    typealias State = Int

    let rows: LevenshteinMatcher
    /// The class of each ASCII character (`otherClass`: not in the word).
    private let asciiClass: [UInt8]
    private let otherClass: Int
    private let classCount: Int

    // The tables `step` reads for every character of a dictionary walk, which owns the matcher and calls it one
    // character at a time: no dynamic exclusivity checks.
    @exclusivity(unchecked) private var states: [LevenshteinMatcher.State] = []
    @exclusivity(unchecked) private var ids: [LevenshteinMatcher.State: Int] = [:]
    /// `classCount` entries per state: the next state, `unknown` (not computed) or `dead`.
    @exclusivity(unchecked) private var transitions: [Int32] = []
    @exclusivity(unchecked) private var accepting: [Bool] = []
    @exclusivity(unchecked) private var distances: [UInt8] = []

    private static let unknown: Int32 = -2
    private static let dead: Int32 = -1

    init(word: [UInt32], maxEdits: Int, prefixLength: Int = 0) {
        rows = LevenshteinMatcher(word: word, maxEdits: maxEdits, prefixLength: prefixLength)
        otherClass = rows.sortedScalars.count
        classCount = otherClass + 1
        var ascii = [UInt8](repeating: UInt8(otherClass), count: 128)
        for (c, s) in rows.sortedScalars.enumerated() where s < 128 { ascii[Int(s)] = UInt8(c) }
        asciiClass = ascii
        _ = intern(rows.start)
    }

    var start: Int { 0 }

    /// Characters read stop mattering past the cap and the prefix: states equal but for that are one.
    private func normalized(_ s: LevenshteinMatcher.State) -> LevenshteinMatcher.State {
        var s = s
        s.depth = min(s.depth, max(rows.maxEdits + 1, rows.prefixLength))
        if !rows.sortedScalars.contains(s.lastScalar) { s.lastScalar = rows.otherScalar }
        return s
    }

    private func intern(_ s: LevenshteinMatcher.State) -> Int {
        let state = normalized(s)
        if let id = ids[state] { return id }
        let id = states.count
        ids[state] = id
        states.append(state)
        accepting.append(rows.accepts(state))
        distances.append(UInt8(rows.distance(state)))
        transitions.append(contentsOf: repeatElement(LevenshteinDFA.unknown, count: classCount))
        return id
    }

    @inline(__always)
    private func characterClass(_ scalar: UInt32) -> Int {
        if scalar < 128 { return Int(asciiClass[Int(scalar)]) }
        // The word's characters, sorted: a binary search (words are short).
        var lo = 0
        var hi = rows.sortedScalars.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if rows.sortedScalars[mid] < scalar { lo = mid + 1 } else { hi = mid }
        }
        return lo < rows.sortedScalars.count && rows.sortedScalars[lo] == scalar ? lo : otherClass
    }

    @inline(__always)
    func step(_ state: Int, _ scalar: UInt32) -> Int? {
        let c = characterClass(scalar)
        let known = transitions[state &* classCount &+ c]
        if known >= 0 { return Int(known) }
        if known == LevenshteinDFA.dead { return nil }
        return compute(state, inClass: c)
    }

    /// The transition on class `c` the first time it is taken: one step of the row automaton.
    @inline(never)
    private func compute(_ state: Int, inClass c: Int) -> Int? {
        let representative = c == otherClass ? rows.otherScalar : rows.sortedScalars[c]
        let next = rows.step(states[state], representative).map { intern($0) }
        transitions[state &* classCount &+ c] = next.map { Int32($0) } ?? LevenshteinDFA.dead
        return next
    }

    func accepts(_ state: Int) -> Bool { accepting[state] }

    /// The term's distance to the word (at most maxEdits when accepted).
    func distance(_ state: Int) -> Int { Int(distances[state]) }

    /// As `LevenshteinMatcher.nextLiveScalar`: any character when one outside the word lives, else the next of
    /// the word's characters that does.
    func nextLiveScalar(_ state: Int, after scalar: UInt32) -> UInt32? {
        if step(state, rows.otherScalar) != nil {
            if scalar >= 0x10FFFF { return nil }
            return scalar == 0xD7FF ? 0xE000 : scalar + 1
        }
        for c in rows.sortedScalars where c > scalar && step(state, c) != nil { return c }
        return nil
    }

    /// States compiled so far (for tests and measurements).
    var stateCount: Int { states.count }
}
