/// A test of whole terms, character by character: the automaton a wildcard, a regular expression or a fuzzy word
/// runs against a field's term dictionary. States advance one Unicode scalar at a time; a state from which no
/// term can be accepted is `nil` (dead), which lets the dictionary walk pass over every term with that prefix.
protocol TermMatcher {
    associatedtype State
    var start: State { get }
    /// The state after `scalar`, or nil when no continuation can be accepted.
    func step(_ state: State, _ scalar: UInt32) -> State?
    func accepts(_ state: State) -> Bool
    /// Set when the matcher could not follow the walk (too complex): the walk's answer must not be used.
    var failure: SaigaError? { get }
}

extension TermMatcher {
    var failure: SaigaError? { nil }
}

extension TermDictionary {
    /// Calls `body` with every term of field `field` (term bytes, without the field byte) that `matcher` accepts,
    /// its metadata and the matcher's final state, in term order, until it returns false. The walk keeps the matcher's state at each character of the current
    /// term, so a term sharing a prefix with the previous one resumes from there; when a prefix leads to a dead
    /// state, it seeks past every term with that prefix (through the block index when the next candidate is in a
    /// later block). It looks at the terms the automaton may accept and their neighbours, not at every term.
    func intersect<M: TermMatcher>(
        field: UInt8, _ matcher: M, _ body: (UnsafeRawBufferPointer, TermMeta, M.State) throws(SaigaError) -> Bool
    ) throws(SaigaError) {
        // states[i]: the state after the first i scalars of `last`, which end at byte ends[i] (ends[0] == 0).
        var states: [M.State] = [matcher.start]
        var ends: [Int] = [0]
        var last: [UInt8] = []
        var seekTo: [UInt8] = [field]
        var stop = false
        var block = blockIndex(atOrBefore: seekTo)
        while !stop && block < blockCount {
            var jump: Int?
            try scanBlock(block) { (key: UnsafeRawBufferPointer, _: Int, meta: TermMeta) throws(SaigaError) -> Bool in
                guard key[0] == field else {
                    if key[0] > field { stop = true }
                    return !stop
                }
                let term = UnsafeRawBufferPointer(rebasing: key[1...])
                if compareBytes(term, seekTo.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[1...]) }) < 0 {
                    return true
                }
                // Resume from the deepest state whose bytes this term shares with the last one.
                var shared = 0
                let limit = min(term.count, last.count)
                while shared < limit && term[shared] == last[shared] { shared += 1 }
                var depth = ends.count - 1
                while ends[depth] > shared { depth -= 1 }
                states.removeSubrange((depth + 1)...)
                ends.removeSubrange((depth + 1)...)
                last = Array(term)
                var at = ends[depth]
                var state = states[depth]
                var dead = false
                while at < term.count {
                    let (scalar, length) = TermDictionary.decodeScalar(term, at)
                    guard let next = matcher.step(state, scalar) else {
                        // Every term starting with these bytes is rejected: seek to the first one after them.
                        dead = true
                        var target = [field] + Array(term[0..<(at + length)])
                        while let lastByte = target.last, lastByte == 0xFF { target.removeLast() }
                        if target.count <= 1 {
                            stop = true
                            return false
                        }
                        target[target.count - 1] += 1
                        seekTo = target
                        break
                    }
                    state = next
                    at += length
                    states.append(state)
                    ends.append(at)
                }
                if !dead && matcher.accepts(state) {
                    if try !body(term, meta, state) {
                        stop = true
                        return false
                    }
                }
                if dead {
                    let next = blockIndex(atOrBefore: seekTo)
                    if next > block {
                        jump = next
                        return false
                    }
                }
                return true
            }
            block = jump ?? block + 1
        }
        if let failure = matcher.failure { throw failure }
    }

    /// The scalar at byte `i` of a term and its length in bytes (a malformed byte reads as U+FFFD, one byte).
    static func decodeScalar(_ t: UnsafeRawBufferPointer, _ i: Int) -> (UInt32, Int) {
        let b0 = UInt32(t[i])
        if b0 < 0x80 { return (b0, 1) }
        func cont(_ k: Int) -> UInt32? {
            guard i + k < t.count, t[i + k] & 0xC0 == 0x80 else { return nil }
            return UInt32(t[i + k] & 0x3F)
        }
        if b0 & 0xE0 == 0xC0, let c1 = cont(1) { return ((b0 & 0x1F) << 6 | c1, 2) }
        if b0 & 0xF0 == 0xE0, let c1 = cont(1), let c2 = cont(2) { return ((b0 & 0x0F) << 12 | c1 << 6 | c2, 3) }
        if b0 & 0xF8 == 0xF0, let c1 = cont(1), let c2 = cont(2), let c3 = cont(3) {
            return ((b0 & 0x07) << 18 | c1 << 12 | c2 << 6 | c3, 4)
        }
        return (0xFFFD, 1)
    }
}
