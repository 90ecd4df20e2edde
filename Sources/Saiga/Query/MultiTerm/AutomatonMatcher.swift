/// Runs a `TermPattern` over terms: compiled to a Thompson NFA, determinized lazily (each set of NFA states met
/// becomes one DFA state, each transition computed once and cached), so a walk over many terms pays for the
/// states it meets, not for the whole DFA. A class: the cache fills as the walk steps.
final class AutomatonMatcher: TermMatcher {
    /// Most NFA states a pattern may compile to, and most DFA states a walk may create (Lucene's
    /// `maxDeterminizedStates` is 10,000 too).
    static let maxStates = 10_000

    private struct Edge {
        let ranges: [ClosedRange<UInt32>]
        let negated: Bool
        let to: Int

        func matches(_ s: UInt32) -> Bool {
            var inside = false
            for r in ranges where r.contains(s) {
                inside = true
                break
            }
            return inside != negated
        }
    }

    private var edges: [Edge?] = []
    private var epsilons: [[Int]] = []
    private var accept = 0
    private var sets: [[Int]] = []
    private var ids: [[Int]: Int] = [:]
    // The tables `step` and `accepts` read for every character of a dictionary walk. One walk owns the matcher and
    // reads them one call at a time, never overlapping: the dynamic exclusivity checks (a fifth of a leading
    // wildcard's instructions, measured with callgrind) are turned off for them.
    @exclusivity(unchecked) private var accepting: [Bool] = []
    /// The scalars where the pattern's character ranges start or end (each range's first scalar and the one after
    /// its last), sorted: two scalars between the same boundaries go to the same states from every state, so
    /// transitions are computed and kept per class (`classOf`), not per scalar: a walk over words in other alphabets
    /// computes one transition per state for all the characters the pattern does not name.
    private var boundaries: [UInt32] = []
    /// Per DFA state, the transition on each class (`boundaries.count + 1` of them), as `ascii`.
    @exclusivity(unchecked) private var byClass: [Int32] = []
    /// The transitions on ASCII characters, 128 per DFA state, filled as met (`unknown`: not yet computed; -1:
    /// dead): most terms are ASCII, and a table read is far cheaper than a hash lookup per character. Raw memory
    /// owned by the matcher (grown as states are added, freed in `deinit`): `step`'s fast path is one load.
    @exclusivity(unchecked) private var ascii: UnsafeMutablePointer<Int32> = .allocate(capacity: 128 * 16)
    private var asciiCapacity = 128 * 16
    private static let unknown: Int32 = -3
    /// Set when the walk needed more DFA states than allowed: its answer is incomplete and must not be used.
    private(set) var failure: SaigaError?
    private let source: String

    /// - Parameter source: how the pattern was written, for errors.
    init(_ pattern: TermPattern, source: String) throws(SaigaError) {
        self.source = source
        let (s, e) = try build(pattern)
        accept = e
        var bounds = Set<UInt32>()
        for edge in edges {
            for r in edge?.ranges ?? [] {
                bounds.insert(r.lowerBound)
                if r.upperBound < 0x10FFFF { bounds.insert(r.upperBound + 1) }
            }
        }
        boundaries = bounds.sorted()
        _ = intern(closure([s]))  // DFA state 0
    }

    let start = 0

    @inline(__always)
    func step(_ state: Int, _ scalar: UInt32) -> Int? {
        if scalar < 128 {
            let known = ascii[state &* 128 &+ Int(scalar)]
            if known >= 0 { return Int(known) }
            if known == -1 { return nil }
        }
        return stepSlowly(state, scalar)
    }

    /// `step` on a character outside ASCII, or one whose transition is not computed yet.
    @inline(never)
    private func stepSlowly(_ state: Int, _ scalar: UInt32) -> Int? {
        if scalar < 128 {
            let next = computeStep(state, scalar)
            // Out of states (-2): not cached, the walk stops on `failure`.
            if failure == nil { ascii[state &* 128 &+ Int(scalar)] = Int32(next ?? -1) }
            return next
        }
        return step(state, inClass: classOf(scalar), scalar)
    }

    /// The class of a scalar: how many boundaries are at or below it.
    private func classOf(_ scalar: UInt32) -> Int {
        var lo = 0
        var hi = boundaries.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if boundaries[mid] <= scalar { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The transition on class `c`, computed (on `scalar`, any scalar of the class) the first time.
    private func step(_ state: Int, inClass c: Int, _ scalar: UInt32) -> Int? {
        let slot = state * (boundaries.count + 1) + c
        let known = byClass[slot]
        if known != AutomatonMatcher.unknown { return known < 0 ? nil : Int(known) }
        let next = computeStep(state, scalar)
        if failure == nil { byClass[slot] = Int32(next ?? -1) }
        return next
    }

    /// The first scalar above `scalar` on which `state` lives: the start of the next class with a live
    /// transition (the walk then seeks straight to the terms that can match, over every dead character between).
    func nextLiveScalar(_ state: Int, after scalar: UInt32) -> UInt32? {
        guard scalar < 0x10FFFF else { return nil }
        // The class of scalar + 1 first, from scalar + 1 itself (surrogates are no scalars: past them).
        var candidate = scalar + 1
        while true {
            if (0xD800...0xDFFF).contains(candidate) { candidate = 0xE000 }
            if candidate > 0x10FFFF { return nil }
            let c = classOf(candidate)
            if step(state, inClass: c, candidate) != nil { return candidate }
            if failure != nil { return nil }
            guard c < boundaries.count else { return nil }
            candidate = boundaries[c]
        }
    }

    deinit { ascii.deallocate() }

    /// The DFA state after `scalar` from `state`, made from the NFA (nil: dead, or out of states).
    private func computeStep(_ state: Int, _ scalar: UInt32) -> Int? {
        var next: [Int] = []
        for n in sets[state] { if let e = edges[n], e.matches(scalar) { next.append(e.to) } }
        let target = next.isEmpty ? -1 : intern(closure(next))
        return target < 0 ? nil : target
    }

    func accepts(_ state: Int) -> Bool { accepting[state] }

    /// The DFA state for a set of NFA states (sorted), -2 when the walk ran out of states.
    private func intern(_ set: [Int]) -> Int {
        if let id = ids[set] { return id }
        guard sets.count < AutomatonMatcher.maxStates else {
            failure = SaigaError(
                .limitExceeded, "\(source) is too complex (more than \(AutomatonMatcher.maxStates) automaton states)")
            return -2
        }
        ids[set] = sets.count
        sets.append(set)
        accepting.append(set.contains(accept))
        let id = sets.count - 1
        if (id + 1) * 128 > asciiCapacity {
            let grown = UnsafeMutablePointer<Int32>.allocate(capacity: asciiCapacity * 2)
            grown.initialize(from: ascii, count: id * 128)
            ascii.deallocate()
            ascii = grown
            asciiCapacity *= 2
        }
        (ascii + id * 128).initialize(repeating: AutomatonMatcher.unknown, count: 128)
        byClass.append(contentsOf: repeatElement(AutomatonMatcher.unknown, count: boundaries.count + 1))
        return id
    }

    private func closure(_ states: [Int]) -> [Int] {
        var seen = Set(states)
        var stack = states
        while let s = stack.popLast() {
            for t in epsilons[s] where seen.insert(t).inserted { stack.append(t) }
        }
        return seen.sorted()
    }

    private func newState() throws(SaigaError) -> Int {
        guard edges.count < AutomatonMatcher.maxStates else {
            throw SaigaError(
                .limitExceeded, "\(source) is too complex (more than \(AutomatonMatcher.maxStates) automaton states)")
        }
        edges.append(nil)
        epsilons.append([])
        return edges.count - 1
    }

    /// Thompson's construction: the fragment's start and end states (the end has no way out yet).
    private func build(_ p: TermPattern) throws(SaigaError) -> (Int, Int) {
        switch p {
        case .character(let ranges, let negated):
            let s = try newState()
            let e = try newState()
            edges[s] = Edge(ranges: ranges, negated: negated, to: e)
            return (s, e)
        case .sequence(let items):
            let s = try newState()
            var end = s
            for item in items {
                let (a, b) = try build(item)
                epsilons[end].append(a)
                end = b
            }
            return (s, end)
        case .alternatives(let options):
            let s = try newState()
            let e = try newState()
            for o in options {
                let (a, b) = try build(o)
                epsilons[s].append(a)
                epsilons[b].append(e)
            }
            return (s, e)
        case .repeated(let inner, let min, let max):
            let s = try newState()
            var end = s
            for _ in 0..<min {
                let (a, b) = try build(inner)
                epsilons[end].append(a)
                end = b
            }
            if let max {
                // Each optional copy may be skipped to the end.
                let e = try newState()
                for _ in min..<max {
                    let (a, b) = try build(inner)
                    epsilons[end].append(a)
                    epsilons[end].append(e)
                    end = b
                }
                epsilons[end].append(e)
                return (s, e)
            }
            let (a, b) = try build(inner)
            let e = try newState()
            epsilons[end].append(a)
            epsilons[end].append(e)
            epsilons[b].append(a)
            epsilons[b].append(e)
            return (s, e)
        }
    }
}
