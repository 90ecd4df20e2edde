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
    /// without their marker; without, it never sees them. With `after`, it starts past that term.
    func intersect<M: TermMatcher>(
        field: UInt8, surfaceForms: Bool = false, _ matcher: M, after: [UInt8]? = nil,
        _ body: (UnsafeRawBufferPointer, TermMeta, M.State) throws(SaigaError) -> Bool
    ) throws(SaigaError) {
        var visitor = WalkVisitor(
            walk: TermWalk(matcher: matcher, field: field, surfaceForms: surfaceForms, after: after),
            matcher: matcher, dictionary: self)
        try walkKeys(from: blockIndex(atOrBefore: visitor.walk.target), &visitor) {
            (taken: (term: [UInt8], state: M.State), meta: TermMeta) throws(SaigaError) -> Bool in
            try withBytes(taken.term) { (t: UnsafeRawBufferPointer) throws(SaigaError) -> Bool in
                try body(t, meta, taken.state)
            }
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

/// The keys of one block through a `TermWalk` (`TermDictionary.intersect`): the terms it accepts, with their states,
/// and the later block to jump to when a dead prefix's seek target lies past this one.
private struct WalkVisitor<M: TermMatcher>: KeyWalkVisitor {
    let walk: TermWalk<M>
    let matcher: M
    let dictionary: TermDictionary
    private(set) var block = 0
    private var jump: Int?
    private(set) var taken: [(term: [UInt8], state: M.State)] = []

    var finished: Bool {
        get { walk.stop }
        nonmutating set { walk.stop = newValue }
    }

    var nextBlock: Int { jump ?? block + 1 }

    init(walk: TermWalk<M>, matcher: M, dictionary: TermDictionary) {
        self.walk = walk
        self.matcher = matcher
        self.dictionary = dictionary
    }

    mutating func begin(block: Int) {
        self.block = block
        jump = nil
        taken.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    mutating func skipsUnread(shared: Int) -> Bool { walk.skipsUnread(shared: shared) }

    @inline(__always)
    mutating func decide(_ key: UnsafeRawBufferPointer, index: Int, shared: Int) -> TermDictionary.KeyDecision {
        var state = matcher.start
        let current = block
        var next: Int?
        let decision = walk.decide(key, index: index, shared: shared, matcher: matcher, acceptedState: &state) {
            (target: UnsafeRawBufferPointer) -> Bool in
            let b = dictionary.blockIndex(atOrBefore: target, from: current)
            if b > current { next = b }
            return b == current
        }
        if let next { jump = next }
        if case .take = decision { taken.append((Array(key[walk.header...]), state)) }
        return decision
    }
}
