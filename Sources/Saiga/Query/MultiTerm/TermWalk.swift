/// The state of one walk of a `TermMatcher` over a field's keys in a term dictionary (`TermDictionary.intersect`):
/// the matcher's state after each character of the last key walked, so that the next key, which shares a prefix with
/// it, resumes there; and the pending seek when a prefix died. Its buffers live in raw memory, allocated once per walk
/// and freed with it. A class: the walk's closures share it by reference, never copying it; one walk reads and writes
/// it one call at a time, so its variables need no dynamic exclusivity checks.
final class TermWalk<M: TermMatcher> {
    let field: UInt8
    /// The key bytes before the term: the field byte, and the marker of a surface form.
    let header: Int
    /// `states[i]`: the state after the first i scalars of the last term, which end at byte `ends[i]` (ends[0] == 0).
    private let states: UnsafeMutablePointer<M.State>
    private let ends: UnsafeMutablePointer<Int>
    /// `levelAt[b]`: the deepest level whose scalars end at or before byte b of the last term (b ≤ `ends[top]`), so
    /// that resuming from a shared prefix is one read, not a search down the stack.
    private let levelAt: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) private var stackCount = 1
    /// The last key walked (field byte first), and `common`: the leading bytes the key being read shares with it,
    /// kept from the front coding's shared lengths as the keys go by (compared byte by byte only at a block's first
    /// key, where the front coding starts afresh).
    private let last: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var lastCount = 0
    @exclusivity(unchecked) private var common = 0
    /// While `seeking`, keys below `seekTo` are skipped. `seekMatched`: the leading bytes the key before shares
    /// with the target; with the front coding's shared length it decides most keys without comparing bytes (as
    /// `TermDictionary.lookup` does): a key sharing more with its predecessor is below the target too, one sharing
    /// less is past it, and only one sharing exactly as much has its next bytes compared.
    let seekTo: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private(set) var seekCount: Int
    @exclusivity(unchecked) private(set) var seeking = true
    @exclusivity(unchecked) private var seekMatched = 0
    /// Set when no later key can match: the walk is over.
    @exclusivity(unchecked) var stop = false

    /// - Parameter after: start past this term (the walk resumes there with another matcher), not at the first.
    init(matcher: M, field: UInt8, surfaceForms: Bool, after: [UInt8]? = nil) {
        self.field = field
        header = surfaceForms ? 2 : 1
        // A term has at most `maxKeyBytes` bytes, so at most that many scalars above the start.
        let capacity = TermDictionary.maxKeyBytes + 3
        states = .allocate(capacity: capacity)
        ends = .allocate(capacity: capacity)
        levelAt = .allocate(capacity: capacity)
        last = .allocate(capacity: capacity)
        seekTo = .allocate(capacity: capacity)
        states.initialize(to: matcher.start)
        ends[0] = 0
        levelAt[0] = 0
        // The walk starts at the field's terms (after its surface forms, which sort first) or at its surface forms.
        var start = TermKey.walkStart(field: field, surfaceForms: surfaceForms)
        if let after {
            // The smallest key past `after`'s: no term holds a 0x00 byte.
            start = Array(start.prefix(header)) + after.prefix(TermDictionary.maxKeyBytes) + [0]
        }
        for (i, b) in start.enumerated() { seekTo[i] = b }
        seekCount = start.count
    }

    deinit {
        states.deinitialize(count: stackCount)
        states.deallocate()
        ends.deallocate()
        levelAt.deallocate()
        last.deallocate()
        seekTo.deallocate()
    }

    /// The seek target, when `decide` stopped a block on a dead prefix.
    var target: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: seekTo, count: seekCount) }

    /// `BlockKeyVisitor.skipsUnread`: while seeking, a key that shares more with its predecessor than that one
    /// shares with the target is below the target too.
    @inline(__always)
    func skipsUnread(shared: Int) -> Bool {
        guard seeking && shared > seekMatched else { return false }
        common = min(common, shared)
        return true
    }

    /// What the walk does with the key at `index` of its block (`shared`: bytes in common with the key before it in
    /// the block). `.take`: the matcher accepts it, in `state` (`acceptedState`). `.stop` with `stop` unset: a prefix
    /// died and the seek target (`target`) lies in a later block. The matcher is the walk's (a parameter, not a
    /// stored property: the caller's reference needs no retain around every key).
    @inline(__always)
    func decide(
        _ key: UnsafeRawBufferPointer, index: Int, shared: Int, matcher: M, acceptedState: inout M.State,
        targetInThisBlock: (UnsafeRawBufferPointer) -> Bool
    ) -> TermDictionary.KeyDecision {
        var common: Int
        if index == 0 {
            let limit = min(key.count, lastCount)
            common = 0
            while common < limit && key[common] == last[common] { common &+= 1 }
        } else {
            common = min(self.common, shared)
        }
        if seeking {
            var below: Bool
            if index > 0 && shared != seekMatched {
                below = shared > seekMatched
            } else {
                // A block's first key (front coding starts afresh), or one that shares exactly as much: compare
                // from the first byte that can differ.
                var i = index > 0 ? seekMatched : 0
                let n = min(key.count, seekCount)
                while i < n && key[i] == seekTo[i] { i &+= 1 }
                seekMatched = i
                below = i == n ? key.count < seekCount : key[i] < seekTo[i]
            }
            if below {
                self.common = common
                return .skip
            }
            seeking = false
        }
        guard TermKey.continuesWalk(key, field: field, surfaceForms: header == 2) else {
            stop = true
            return .stop
        }
        let term = UnsafeRawBufferPointer(rebasing: key[header...])
        // Resume from the deepest state whose bytes this term shares with the last one.
        let sharedTerm = max(0, common &- header)
        var top = stackCount &- 1
        if sharedTerm < ends[top] { top = levelAt[sharedTerm] }
        for i in common..<key.count { last[i] = key[i] }
        lastCount = key.count
        self.common = key.count
        var at = ends[top]
        var state = states[top]
        while at < term.count {
            let (scalar, length) = TermDictionary.decodeScalar(term, at)
            guard let next = matcher.step(state, scalar) else {
                stackCount = top &+ 1
                return seek(term, deadAt: at, scalar: scalar, matcher: matcher, targetInThisBlock: targetInThisBlock)
            }
            state = next
            for b in (at &+ 1)..<(at &+ length) { levelAt[b] = top }
            at &+= length
            top &+= 1
            (states + top).initialize(to: state)  // BitwiseCopyable: overwriting needs no deinitialization
            ends[top] = at
            levelAt[at] = top
        }
        stackCount = top &+ 1
        guard matcher.accepts(state) else { return .skip }
        acceptedState = state
        return .take
    }

    /// Every term with the prefix ending in `scalar` (at byte `deadAt`) is rejected: seek to the first prefix that
    /// can live, the next live character at this depth, or else above it.
    private func seek(
        _ term: UnsafeRawBufferPointer, deadAt: Int, scalar: UInt32, matcher: M,
        targetInThisBlock: (UnsafeRawBufferPointer) -> Bool
    ) -> TermDictionary.KeyDecision {
        var level = stackCount - 1  // the state before the dead character
        var dead = scalar
        var bytes = deadAt
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
        seekCount = header + bytes + TermDictionary.encodeScalar(live!, into: seekTo + header + bytes)
        seeking = true
        // This key shares the target's bytes up to the dead character, and the leading bytes of the dead and the
        // live characters' UTF-8 (м and н are D0 BC and D0 BD): `skipsUnread` and `decide` rely on the exact count.
        var matched = header + bytes
        while matched < seekCount && matched &- header < term.count && term[matched &- header] == seekTo[matched] {
            matched &+= 1
        }
        seekMatched = matched
        return targetInThisBlock(target) ? .skip : .stop
    }
}
