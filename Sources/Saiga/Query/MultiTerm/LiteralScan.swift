/// The shape of the commonest leading wildcards, `*stan` and `*stan*`: a star, literal characters, and maybe a star.
/// No automaton can skip any term for them (every prefix may still match), so the walk looks at every term; testing
/// the term's last bytes (or searching its bytes) costs far less than stepping an automaton over its characters.
struct LiteralPattern: Equatable {
    /// The literal's UTF-8 bytes (folded as the index holds words).
    let literal: [UInt8]
    /// `*lit*`: the literal anywhere in the term; else `*lit`: at its end.
    let anywhere: Bool

    /// The pattern's literal shape, or nil when it has any other element (`?`, a class, an inner star, a regular
    /// expression's operators) or no literal.
    init?(_ pattern: TermPattern) {
        guard case .sequence(let parts) = pattern, parts.count >= 2, parts[0] == LiteralPattern.star else { return nil }
        var scalars = parts.dropFirst()
        anywhere = scalars.last == LiteralPattern.star
        if anywhere { scalars = scalars.dropLast() }
        var bytes: [UInt8] = []
        for p in scalars {
            guard case .character(let ranges, false) = p, ranges.count == 1, ranges[0].count == 1,
                let scalar = Unicode.Scalar(ranges[0].lowerBound)
            else { return nil }
            bytes.append(contentsOf: UTF8.encode(scalar)!)
        }
        guard !bytes.isEmpty else { return nil }
        literal = bytes
    }

    private static let star = TermPattern.repeated(.anyCharacter, min: 0, max: nil)

    /// Whether `term` (valid UTF-8, as the analyzer writes terms) matches. Comparing bytes is comparing characters:
    /// UTF-8 is self-synchronising, so the literal's bytes can only be found at character boundaries.
    @inline(__always)
    func matches(_ term: UnsafeRawBufferPointer) -> Bool {
        let n = literal.count
        guard term.count >= n else { return false }
        return literal.withUnsafeBufferPointer { lit in
            // Terms and literals are a few bytes: plain loops, no calls. The last byte first: it rejects most terms.
            if anywhere {
                let first = lit[0]
                for i in 0...(term.count &- n) where term[i] == first {
                    var j = 1
                    while j < n && term[i &+ j] == lit[j] { j &+= 1 }
                    if j == n { return true }
                }
                return false
            }
            let start = term.count &- n
            var j = n &- 1
            while j >= 0 && term[start &+ j] == lit[j] { j &-= 1 }
            return j < 0
        }
    }
}

extension TermDictionary {
    /// Calls `body` with every term of field `field` (without the field byte) that `pattern` matches, and its
    /// metadata, in term order, until it returns false: `intersect` for a `LiteralPattern`. With `surfaceForms`, it
    /// walks the field's surface forms instead and `body` gets the words without their marker.
    func scan(
        field: UInt8, surfaceForms: Bool, _ pattern: LiteralPattern,
        _ body: (UnsafeRawBufferPointer, TermMeta) throws(SaigaError) -> Bool
    ) throws(SaigaError) {
        var visitor = LiteralVisitor(pattern: pattern, field: field, surfaceForms: surfaceForms)
        try walkKeys(from: visitor.first.withUnsafeBytes { blockIndex(atOrBefore: $0) }, &visitor) {
            (term: [UInt8], meta: TermMeta) throws(SaigaError) -> Bool in
            try withBytes(term) { (t: UnsafeRawBufferPointer) throws(SaigaError) -> Bool in try body(t, meta) }
        }
    }
}

/// The keys of one block against a `LiteralPattern` (`TermDictionary.scan`): every key of the walk, in order.
private struct LiteralVisitor: KeyWalkVisitor {
    let pattern: LiteralPattern
    let field: UInt8
    let surfaceForms: Bool
    let header: Int
    /// The field's first key of the walk: its terms (after its surface forms) or its surface forms.
    let first: [UInt8]
    var reached = false
    var finished = false
    private(set) var taken: [[UInt8]] = []
    private(set) var nextBlock = 0

    init(pattern: LiteralPattern, field: UInt8, surfaceForms: Bool) {
        self.pattern = pattern
        self.field = field
        self.surfaceForms = surfaceForms
        header = surfaceForms ? 2 : 1
        first = TermKey.walkStart(field: field, surfaceForms: surfaceForms)
    }

    mutating func begin(block: Int) {
        nextBlock = block + 1
        taken.removeAll(keepingCapacity: true)
    }

    /// Every key's last bytes are tested: none is skipped unread.
    func skipsUnread(shared: Int) -> Bool { false }

    @inline(__always)
    mutating func decide(_ key: UnsafeRawBufferPointer, index: Int, shared: Int) -> TermDictionary.KeyDecision {
        if !reached {
            if first.withUnsafeBytes({ compareBytes(key, $0) }) < 0 { return .skip }
            reached = true
        } else if index > 0 && shared >= header {
            // The same field (and marker) bytes as the key before, which belonged to the walk: so does this one.
            return decideTerm(key)
        }
        guard TermKey.continuesWalk(key, field: field, surfaceForms: surfaceForms) else {
            finished = true
            return .stop
        }
        return decideTerm(key)
    }

    @inline(__always)
    private mutating func decideTerm(_ key: UnsafeRawBufferPointer) -> TermDictionary.KeyDecision {
        let term = UnsafeRawBufferPointer(rebasing: key[header...])
        guard pattern.matches(term) else { return .skip }
        taken.append(Array(term))
        return .take
    }
}
