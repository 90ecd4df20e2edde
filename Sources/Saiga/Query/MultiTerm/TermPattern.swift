/// A pattern over whole terms, from a wildcard (`te?t`, `*stan`) or a regular expression (`/ka[sz]akh?stan/`):
/// the syntax tree that `AutomatonMatcher` compiles. The regular expressions are a subset of Lucene's `RegExp`
/// (docs/QUERY.md): literals, `.`, classes `[abc]`, `[a-z]`, `[^…]`, `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}`,
/// alternatives `|`, groups `( )`, and `\` before any character to take it literally.
@usableFromInline
indirect enum TermPattern: Equatable, Hashable, Sendable {
    /// One scalar in the ranges (or, negated, outside them); `.` is the empty negated class.
    case character(ranges: [ClosedRange<UInt32>], negated: Bool)
    case sequence([TermPattern])
    case alternatives([TermPattern])
    /// `min` to `max` (nil: unbounded) repetitions.
    case repeated(TermPattern, min: Int, max: Int?)

    static let anyCharacter = TermPattern.character(ranges: [], negated: true)

    static func literal(_ scalar: UInt32) -> TermPattern { .character(ranges: [scalar...scalar], negated: false) }

    /// Most repetitions `{m,n}` may ask for, and most characters in a pattern: patterns are for terms, which
    /// are at most 255 bytes.
    static let maxRepeat = 255
    static let maxLength = 1000

    /// A wildcard pattern's elements: `?` one character, `*` any number, others literal (`\` escapes one).
    /// `fold` turns each run of literal characters into the form the index holds (lower case, folded), or
    /// returns nil when the run is not one word.
    static func wildcard(_ pattern: String, fold: (String) -> String?) throws(SaigaError) -> TermPattern {
        var parts: [TermPattern] = []
        var literal = ""
        func flush() throws(SaigaError) {
            guard !literal.isEmpty else { return }
            guard let folded = fold(literal) else {
                throw SaigaError(
                    .invalidQuery,
                    "wildcard '\(pattern)': '\(literal)' is not part of one word (a wildcard matches within a word)")
            }
            for s in folded.unicodeScalars { parts.append(.literal(s.value)) }
            literal = ""
        }
        var escaped = false
        for c in pattern.unicodeScalars {
            if escaped {
                literal.unicodeScalars.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "?" || c == "*" {
                try flush()
                parts.append(c == "?" ? .anyCharacter : .repeated(.anyCharacter, min: 0, max: nil))
            } else {
                literal.unicodeScalars.append(c)
            }
        }
        try flush()
        guard parts.count <= maxLength else {
            throw SaigaError(.limitExceeded, "wildcard '\(pattern)' is longer than \(maxLength) characters")
        }
        return .sequence(parts)
    }

    /// Parses a regular expression of the supported subset; an error names the character it stops at.
    static func regex(_ pattern: String) throws(SaigaError) -> TermPattern {
        var parser = RegexParser(scalars: Array(pattern.unicodeScalars.map(\.value)), text: pattern)
        guard parser.scalars.count <= maxLength else {
            throw SaigaError(.limitExceeded, "regular expression /\(pattern)/ is longer than \(maxLength) characters")
        }
        let p = try parser.alternatives()
        if parser.i < parser.scalars.count { throw parser.error("unexpected ')'") }
        return p
    }
}

/// Recursive descent over the regular expression subset.
private struct RegexParser {
    let scalars: [UInt32]
    let text: String
    var i = 0
    var depth = 0

    init(scalars: [UInt32], text: String) {
        self.scalars = scalars
        self.text = text
    }

    func error(_ what: String) -> SaigaError {
        SaigaError(.invalidQuery, "regular expression /\(text)/: \(what) at character \(i + 1)")
    }

    private var peek: UInt32? { i < scalars.count ? scalars[i] : nil }

    mutating func alternatives() throws(SaigaError) -> TermPattern {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 64 else { throw error("nested deeper than 64 groups") }
        var options = [try sequence()]
        while peek == 0x7C {  // |
            i += 1
            options.append(try sequence())
        }
        return options.count == 1 ? options[0] : .alternatives(options)
    }

    mutating func sequence() throws(SaigaError) -> TermPattern {
        var items: [TermPattern] = []
        while let c = peek, c != 0x7C, c != 0x29 {  // | )
            var atom = try self.atom()
            // Postfix operators, any number of them (a** is a*).
            while let op = peek {
                if op == 0x2A {  // *
                    atom = .repeated(atom, min: 0, max: nil)
                } else if op == 0x2B {  // +
                    atom = .repeated(atom, min: 1, max: nil)
                } else if op == 0x3F {  // ?
                    atom = .repeated(atom, min: 0, max: 1)
                } else if op == 0x7B {  // {
                    let (lo, hi) = try bounds()
                    atom = .repeated(atom, min: lo, max: hi)
                    continue
                } else {
                    break
                }
                i += 1
            }
            items.append(atom)
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    mutating func bounds() throws(SaigaError) -> (Int, Int?) {
        let open = i
        i += 1
        func number() -> Int? {
            var n = 0
            var digits = 0
            while let c = peek, c >= 0x30, c <= 0x39, digits < 6 {
                n = n * 10 + Int(c - 0x30)
                digits += 1
                i += 1
            }
            return digits == 0 ? nil : n
        }
        guard let lo = number() else { throw error("expected a number after '{'") }
        var hi: Int? = lo
        if peek == 0x2C {  // ,
            i += 1
            hi = number()
        }
        guard peek == 0x7D else {
            i = open
            throw error("unclosed repetition '{'")
        }
        i += 1
        if let hi, hi < lo { throw error("repetition {\(lo),\(hi)} has its bounds reversed") }
        guard (hi ?? lo) <= TermPattern.maxRepeat else {
            throw error("repetitions are limited to \(TermPattern.maxRepeat)")
        }
        return (lo, hi)
    }

    mutating func atom() throws(SaigaError) -> TermPattern {
        guard let c = peek else { throw error("expected a character") }
        switch c {
        case 0x28:  // (
            i += 1
            let inner = try alternatives()
            guard peek == 0x29 else { throw error("unclosed group '('") }
            i += 1
            return inner
        case 0x5B:  // [
            return try characterClass()
        case 0x2E:  // .
            i += 1
            return .anyCharacter
        case 0x5C:  // backslash
            i += 1
            guard let e = peek else { throw error("a backslash must be followed by a character") }
            i += 1
            return .literal(e)
        case 0x2A, 0x2B, 0x3F, 0x7B:
            throw error("'\(Character(Unicode.Scalar(c)!))' must follow something to repeat")
        case 0x5D, 0x7D:
            throw error("unexpected '\(Character(Unicode.Scalar(c)!))' (escape it with a backslash)")
        default:
            i += 1
            return .literal(c)
        }
    }

    mutating func characterClass() throws(SaigaError) -> TermPattern {
        let open = i
        i += 1
        var negated = false
        if peek == 0x5E {  // ^
            negated = true
            i += 1
        }
        var ranges: [ClosedRange<UInt32>] = []
        var first = true
        while true {
            guard var c = peek else {
                i = open
                throw error("unclosed character class '['")
            }
            if c == 0x5D && !first { break }  // ] (first: a literal)
            first = false
            i += 1
            if c == 0x5C {
                guard let e = peek else { throw error("a backslash must be followed by a character") }
                c = e
                i += 1
            }
            if peek == 0x2D, i + 1 < scalars.count, scalars[i + 1] != 0x5D {  // a-z
                i += 1
                var hi = scalars[i]
                i += 1
                if hi == 0x5C, let e = peek {
                    hi = e
                    i += 1
                }
                guard c <= hi else { throw error("class range reversed") }
                ranges.append(c...hi)
            } else {
                ranges.append(c...c)
            }
        }
        i += 1
        return .character(ranges: ranges, negated: negated)
    }
}
