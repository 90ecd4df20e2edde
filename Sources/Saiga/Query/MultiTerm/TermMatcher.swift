/// A test of whole terms, character by character: the automaton a wildcard, a regular expression or a fuzzy word
/// runs against a field's term dictionary. States advance one Unicode scalar at a time; a state from which no
/// term can be accepted is `nil` (dead), which lets the dictionary walk pass over every term with that prefix.
protocol TermMatcher {
    /// Plain data: the dictionary walk keeps a stack of states in raw memory, overwritten in place.
    associatedtype State: BitwiseCopyable
    var start: State { get }
    /// The state after `scalar`, or nil when no continuation can be accepted.
    func step(_ state: State, _ scalar: UInt32) -> State?
    func accepts(_ state: State) -> Bool
    /// Set when the matcher could not follow the walk (too complex): the walk's answer must not be used.
    var failure: SaigaError? { get }
    /// After `state` died on `scalar`: the smallest scalar above it on which `state` may live (nil: none), so
    /// that the walk seeks straight to the next term that can match. The default tries every scalar in turn.
    func nextLiveScalar(_ state: State, after scalar: UInt32) -> UInt32?
}

extension TermMatcher {
    var failure: SaigaError? { nil }

    func nextLiveScalar(_ state: State, after scalar: UInt32) -> UInt32? {
        if scalar >= 0x10FFFF { return nil }
        return scalar == 0xD7FF ? 0xE000 : scalar + 1
    }
}

extension TermDictionary {
    /// Calls `body` with every term of field `field` (term bytes, without the field byte) that `matcher` accepts,
    /// its metadata and the matcher's final state, in term order, until it returns false. The walk keeps the
    /// matcher's state at each character of the current term, so a term sharing a prefix with the previous one
    /// resumes from there; when a prefix leads to a dead state, it seeks past every term with that prefix (through
    /// the block index when the next candidate is in a later block). It looks at the terms the automaton may
    /// accept and their neighbours, not at every term.
    ///
    /// With `surfaceForms`, it walks the field's surface forms instead (`TermKey`), and `body` gets the words
    /// without their marker; without, it never sees them.
    func intersect<M: TermMatcher>(
        field: UInt8, surfaceForms: Bool = false, _ matcher: M,
        _ body: (UnsafeRawBufferPointer, TermMeta, M.State) throws(SaigaError) -> Bool
    ) throws(SaigaError) {
        // states[i]: the state after the first i scalars of the last term, which end at byte ends[i] (ends[0] ==
        // 0). The last term's bytes and the seek target (field byte first) live in fixed buffers: terms are
        // at most `maxKeyBytes`.
        // Stacks in raw memory (no uniqueness checks, no reallocation): a term has at most `maxKeyBytes`
        // characters, so at most that many states above the start.
        let states = UnsafeMutablePointer<M.State>.allocate(capacity: TermDictionary.maxKeyBytes + 2)
        let ends = UnsafeMutablePointer<Int>.allocate(capacity: TermDictionary.maxKeyBytes + 2)
        defer {
            states.deallocate()
            ends.deallocate()
        }
        states.initialize(to: matcher.start)
        ends[0] = 0
        var stackCount = 1
        let last = UnsafeMutablePointer<UInt8>.allocate(capacity: TermDictionary.maxKeyBytes)
        let seekTo = UnsafeMutablePointer<UInt8>.allocate(capacity: TermDictionary.maxKeyBytes + 1)
        defer {
            last.deallocate()
            seekTo.deallocate()
        }
        var lastCount = 0
        // The key bytes before the term: the field byte, and the marker of a surface form. The terms proper start at
        // the byte after the marker, so the walk of the terms starts there.
        let header = surfaceForms ? 2 : 1
        seekTo[0] = field
        seekTo[1] = surfaceForms ? TermKey.surfaceMarker : TermKey.surfaceMarker + 1
        var seekCount = 2
        var stop = false
        var block = blockIndex(atOrBefore: UnsafeRawBufferPointer(start: seekTo, count: seekCount))
        while !stop && block < blockCount {
            var jump: Int?
            // The accepted terms of the block and their states: their metadata comes after the keys (decoded only
            // up to the last accepted term: `scanBlockKeys`).
            var accepted: [(term: [UInt8], state: M.State)] = []
            var delivered = 0
            try scanBlockKeys(
                block,
                decide: { (key: UnsafeRawBufferPointer, _: Int) throws(SaigaError) -> KeyDecision in
                    if compareBytes(key, UnsafeRawBufferPointer(start: seekTo, count: seekCount)) < 0 { return .skip }
                    guard key[0] == field, !surfaceForms || TermKey.isSurfaceForm(key) else {
                        stop = true
                        return .stop
                    }
                    let term = UnsafeRawBufferPointer(rebasing: key[header...])
                    // Resume from the deepest state whose bytes this term shares with the last one.
                    var shared = 0
                    let limit = min(term.count, lastCount)
                    while shared < limit && term[shared] == last[shared] { shared += 1 }
                    var depth = stackCount - 1
                    while ends[depth] > shared { depth -= 1 }
                    stackCount = depth + 1
                    UnsafeMutableRawBufferPointer(start: last, count: term.count).copyMemory(from: term)
                    lastCount = term.count
                    var at = ends[depth]
                    var state = states[depth]
                    while at < term.count {
                        let (scalar, length) = TermDictionary.decodeScalar(term, at)
                        guard let next = matcher.step(state, scalar) else {
                            // Every term with this prefix is rejected: seek to the first prefix that can live, the
                            // next live character at this depth, or else above it.
                            var level = stackCount - 1  // the state before the dead character
                            var dead = scalar
                            var bytes = at
                            var live = matcher.nextLiveScalar(states[level], after: dead)
                            while live == nil {
                                if level == 0 {
                                    stop = true
                                    return .stop
                                }
                                level -= 1
                                bytes = ends[level]
                                dead = TermDictionary.decodeScalar(term, bytes).0
                                live = matcher.nextLiveScalar(states[level], after: dead)
                            }
                            UnsafeMutableRawBufferPointer(start: seekTo + header, count: bytes).copyMemory(
                                from: UnsafeRawBufferPointer(rebasing: term[0..<bytes]))
                            seekCount =
                                header + bytes + TermDictionary.encodeScalar(live!, into: seekTo + header + bytes)
                            let next = blockIndex(
                                atOrBefore: UnsafeRawBufferPointer(start: seekTo, count: seekCount), from: block)
                            if next > block {
                                jump = next
                                return .stop
                            }
                            return .skip
                        }
                        state = next
                        at += length
                        (states + stackCount).initialize(to: state)
                        ends[stackCount] = at
                        stackCount += 1
                    }
                    guard matcher.accepts(state) else { return .skip }
                    accepted.append((Array(term), state))
                    return .take
                },
                deliver: { (_: Int, meta: TermMeta) throws(SaigaError) -> Bool in
                    let (term, state) = accepted[delivered]
                    delivered += 1
                    let goOn = try withBytes(term) { (t: UnsafeRawBufferPointer) throws(SaigaError) -> Bool in
                        try body(t, meta, state)
                    }
                    if !goOn { stop = true }
                    return goOn
                })
            block = jump ?? block + 1
        }
        if let failure = matcher.failure { throw failure }
    }

    /// Writes `scalar` in UTF-8 at `out`; returns its length.
    static func encodeScalar(_ scalar: UInt32, into out: UnsafeMutablePointer<UInt8>) -> Int {
        switch scalar {
        case 0..<0x80:
            out[0] = UInt8(scalar)
            return 1
        case 0x80..<0x800:
            out[0] = UInt8(0xC0 | scalar >> 6)
            out[1] = UInt8(0x80 | scalar & 0x3F)
            return 2
        case 0x800..<0x10000:
            out[0] = UInt8(0xE0 | scalar >> 12)
            out[1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[2] = UInt8(0x80 | scalar & 0x3F)
            return 3
        default:
            out[0] = UInt8(0xF0 | scalar >> 18)
            out[1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            out[2] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[3] = UInt8(0x80 | scalar & 0x3F)
            return 4
        }
    }

    /// The scalar at byte `i` of a term and its length in bytes (a malformed byte reads as U+FFFD, one byte):
    /// the analyzer's decoder, since the analyzer wrote the terms.
    @inline(__always)
    static func decodeScalar(_ t: UnsafeRawBufferPointer, _ i: Int) -> (UInt32, Int) {
        let b0 = t[i]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        let (s, n) = Analyzer.decodeMultibyte(t.baseAddress!.assumingMemoryBound(to: UInt8.self), i, t.count)
        return n == 0 ? (0xFFFD, 1) : (s, n)
    }
}
