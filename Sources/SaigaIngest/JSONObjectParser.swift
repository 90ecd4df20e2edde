import Saiga

// JSONObjectParser: a strict, fast parser for one JSON object per line (JSONL), working on bytes.
//
// RFC 8259 strictness: the text must be one object (whitespace = space, tab, LF, CR around it); strings are checked
// for valid UTF-8 (no overlong forms, no UTF-8-encoded surrogates, nothing above U+10FFFF, no truncated sequences)
// and for raw control characters; escapes are the JSON ones and \u escapes must pair surrogates correctly; numbers
// follow the JSON grammar (no leading zeros, no "+1", no ".5", no "1.", no NaN); literals are true, false, null.
// Nested arrays and objects are validated (same rules) and skipped. Nesting is bounded (default 128 levels, the
// top-level object counting as level 1), and the parser is iterative, so no input can crash it or make it recurse.
//
// One leniency: a UTF-8 byte order mark (EF BB BF) before the object is ignored (RFC 8259 section 8.1 allows it),
// since the first line of a file written by some Windows tools starts with one.

/// A JSON syntax error: what is wrong (`kind`) and where (`offset`, the 0-based byte offset in the parsed text).
package struct JSONParseError: Error, CustomStringConvertible, Equatable, Sendable {
    package enum Kind: Equatable, Sendable {
        /// The text is empty or only whitespace.
        case emptyInput
        /// Something other than `expected` was found (`found` is nil at the end of the input).
        case expected(String, found: UInt8?)
        /// A string has no closing quote (offset: the opening quote).
        case unterminatedString
        /// Invalid UTF-8 inside a string (offset: the first byte of the bad sequence).
        case invalidUTF8(String)
        /// A raw control character (< 0x20) inside a string.
        case controlCharacterInString(UInt8)
        /// A backslash followed by something that is not a JSON escape (offset: the backslash).
        case invalidEscape(UInt8?)
        /// "\u" not followed by four hexadecimal digits (offset: the backslash).
        case invalidUnicodeEscape
        /// A \u escape of a surrogate that is not part of a high-low pair (offset: the backslash).
        case unpairedSurrogate(UInt16)
        /// A malformed number (offset: where the grammar fails).
        case invalidNumber(String)
        /// Something starting like true/false/null that is not one of them.
        case invalidLiteral
        /// Arrays and objects nested deeper than `limit` levels (offset: the bracket that is one too deep).
        case nestingTooDeep(limit: Int)
        /// A member name that appeared before in the same top-level object, with `DuplicateKeyPolicy.reject`.
        case duplicateKey(String)
        /// Non-whitespace after the closing brace of the object.
        case trailingCharacters
    }

    package let kind: Kind
    package let offset: Int

    package init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    /// The message without the position.
    package var message: String {
        switch kind {
        case .emptyInput: return "empty input, expected a JSON object"
        case .expected(let what, let found):
            guard let found else { return "unexpected end of input, expected \(what)" }
            return "expected \(what), found \(JSONParseError.show(found))"
        case .unterminatedString: return "unterminated string"
        case .invalidUTF8(let why): return "invalid UTF-8 in string (\(why))"
        case .controlCharacterInString(let byte):
            return "control character \(JSONParseError.hex(byte)) in string (must be escaped)"
        case .invalidEscape(let byte):
            guard let byte else { return "unterminated escape sequence in string" }
            return "invalid escape sequence '\\\(JSONParseError.printable(byte))' in string"
        case .invalidUnicodeEscape: return "invalid \\u escape in string (expected 4 hexadecimal digits)"
        case .unpairedSurrogate(let unit):
            let digits = String(unit, radix: 16, uppercase: true)
            return "unpaired surrogate \\u\(String(repeating: "0", count: max(0, 4 - digits.count)))\(digits) in string"
        case .invalidNumber(let why): return "invalid number (\(why))"
        case .invalidLiteral: return "invalid literal (expected true, false or null)"
        case .nestingTooDeep(let limit): return "nesting deeper than \(limit)"
        case .duplicateKey(let key): return "duplicate key \"\(key)\""
        case .trailingCharacters: return "trailing characters after object"
        }
    }

    package var description: String { "\(message) at byte \(offset)" }

    static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return "0x" + (digits.count == 1 ? "0" : "") + digits
    }

    static func printable(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? String(UnicodeScalar(byte)) : hex(byte)
    }

    static func show(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(String(UnicodeScalar(byte)))'" : hex(byte)
    }
}

/// A member value of a parsed top-level object.
package enum JSONScalar: Equatable, Sendable {
    case string(String)
    /// The number's source text, validated against the JSON grammar (e.g. "-12.5e3").
    case number(String)
    case bool(Bool)
    case null
    /// A nested array or object: validated and skipped.
    case composite
}

/// Parses one JSON object per call. Reuses internal buffers across calls; keep one parser per thread.
internal struct JSONObjectParser {
    /// What to do when a key appears twice in the top-level object.
    enum DuplicateKeyPolicy: Sendable {
        /// Keep the last value, at the position of the first occurrence (what JavaScript's JSON.parse and Python's
        /// json module do).
        case keepLast
        /// Throw `JSONParseError.Kind.duplicateKey` at the second occurrence.
        case reject
    }

    let maxDepth: Int
    let duplicateKeys: DuplicateKeyPolicy
    private var storage: Storage

    /// - Parameters:
    ///   - maxDepth: maximum nesting of arrays and objects, counting the top-level object as 1.
    ///   - duplicateKeys: see `DuplicateKeyPolicy`; the default keeps the last value.
    init(maxDepth: Int = 128, duplicateKeys: DuplicateKeyPolicy = .keepLast) {
        precondition((1...65_536).contains(maxDepth), "maxDepth must be between 1 and 65536")
        self.maxDepth = maxDepth
        self.duplicateKeys = duplicateKeys
        self.storage = Storage(stackCapacity: maxDepth)
    }

    /// Parses `bytes`, which must hold exactly one JSON object, and returns its members in source order (with
    /// `.keepLast`, a repeated key keeps its first position and gets its last value).
    mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> [(key: String, value: JSONScalar)] {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(stackCapacity: maxDepth) }
        storage.reserve(bytes.count)
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else {
            throw JSONParseError(.emptyInput, at: 0)
        }
        var scanner = JSONByteScanner(
            base: base, count: bytes.count, scratch: storage.scratch, stack: storage.stack, maxDepth: maxDepth)
        var members: [(key: String, value: JSONScalar)] = []
        var index: [String: Int]? = nil

        scanner.skipByteOrderMark()
        scanner.skipWhitespace()
        guard scanner.i < scanner.n else { throw JSONParseError(.emptyInput, at: scanner.i) }
        guard scanner.byte == UInt8(ascii: "{") else {
            throw JSONParseError(
                .expected("'{' (each line must hold one JSON object)", found: scanner.byte), at: scanner.i)
        }
        scanner.i += 1
        scanner.skipWhitespace()
        if scanner.i < scanner.n && scanner.byte == UInt8(ascii: "}") {
            scanner.i += 1
        } else {
            while true {
                // Key.
                guard scanner.i < scanner.n, scanner.byte == UInt8(ascii: "\"") else {
                    throw JSONParseError(.expected("a string key", found: scanner.peek), at: scanner.i)
                }
                let keyOffset = scanner.i
                let key = try scanner.scanString(unescape: true)
                let keyString = String(decoding: key, as: UTF8.self)
                try scanner.expectColon()

                // Value.
                let value: JSONScalar
                let c = scanner.byte  // expectColon guarantees a byte is there
                switch c {
                case UInt8(ascii: "\""):
                    value = .string(String(decoding: try scanner.scanString(unescape: true), as: UTF8.self))
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    let start = scanner.i
                    try scanner.scanNumber()
                    let text = UnsafeBufferPointer(start: base + start, count: scanner.i - start)
                    value = .number(String(decoding: text, as: UTF8.self))
                case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                    value = try scanner.scanLiteral()
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    try scanner.skipComposite(depth: 1)
                    value = .composite
                default:
                    throw JSONParseError(.expected("a value", found: c), at: scanner.i)
                }

                // Store, handling duplicates.
                if let existing = JSONObjectParser.find(keyString, in: members, index: &index) {
                    if duplicateKeys == .reject { throw JSONParseError(.duplicateKey(keyString), at: keyOffset) }
                    members[existing].value = value
                } else {
                    members.append((key: keyString, value: value))
                    index?[keyString] = members.count - 1
                }

                // Separator.
                scanner.skipWhitespace()
                guard scanner.i < scanner.n else {
                    throw JSONParseError(.expected("',' or '}' after object member", found: nil), at: scanner.i)
                }
                let sep = scanner.byte
                scanner.i += 1
                if sep == UInt8(ascii: ",") {
                    scanner.skipWhitespace()
                    continue
                }
                if sep == UInt8(ascii: "}") { break }
                throw JSONParseError(.expected("',' or '}' after object member", found: sep), at: scanner.i - 1)
            }
        }
        scanner.skipWhitespace()
        if scanner.i < scanner.n { throw JSONParseError(.trailingCharacters, at: scanner.i) }
        return members
    }

    /// Position of `key` in `members`: a linear scan for small objects, a dictionary built on demand for large ones.
    private static func find(
        _ key: String, in members: [(key: String, value: JSONScalar)], index: inout [String: Int]?
    ) -> Int? {
        if let index { return index[key] }
        if members.count < 16 {
            for position in members.indices where members[position].key == key { return position }
            return nil
        }
        var built: [String: Int] = [:]
        built.reserveCapacity(members.count * 2)
        for (position, member) in members.enumerated() { built[member.key] = position }
        index = built
        return built[key]
    }

    /// Buffers reused across calls: the unescaped-string scratch area and the nesting stack.
    private final class Storage {
        var scratch: UnsafeMutablePointer<UInt8>
        var capacity: Int
        let stack: UnsafeMutablePointer<UInt8>

        init(stackCapacity: Int) {
            capacity = 4096
            scratch = .allocate(capacity: capacity)
            stack = .allocate(capacity: stackCapacity + 1)
        }

        /// Unescaping never makes a string longer, so `count` bytes of scratch are always enough.
        func reserve(_ count: Int) {
            guard count > capacity else { return }
            scratch.deallocate()
            capacity = max(count, capacity * 2)
            scratch = .allocate(capacity: capacity)
        }

        deinit {
            scratch.deallocate()
            stack.deallocate()
        }
    }
}

/// The byte-level scanning machinery. `i` is the current offset in `base[0..<n]`.
private struct JSONByteScanner {
    let base: UnsafePointer<UInt8>
    let n: Int
    var i = 0
    let scratch: UnsafeMutablePointer<UInt8>
    let stack: UnsafeMutablePointer<UInt8>
    let maxDepth: Int

    init(
        base: UnsafePointer<UInt8>, count: Int, scratch: UnsafeMutablePointer<UInt8>,
        stack: UnsafeMutablePointer<UInt8>, maxDepth: Int
    ) {
        self.base = base
        self.n = count
        self.scratch = scratch
        self.stack = stack
        self.maxDepth = maxDepth
    }

    /// The byte at `i`; only when `i < n`.
    @inline(__always) var byte: UInt8 { base[i] }
    /// The byte at `i`, or nil at the end of the input.
    @inline(__always) var peek: UInt8? { i < n ? base[i] : nil }

    mutating func skipByteOrderMark() {
        if n >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { i = 3 }
    }

    @inline(__always) mutating func skipWhitespace() {
        while i < n {
            let c = base[i]
            // space, \t, \n, \r
            guard c <= 0x20 && (c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D) else { return }
            i += 1
        }
    }

    /// Skips whitespace, a ':' and whitespace, and makes sure a byte follows.
    @inline(__always) mutating func expectColon() throws(JSONParseError) {
        skipWhitespace()
        guard i < n, base[i] == UInt8(ascii: ":") else {
            throw JSONParseError(.expected("':' after object key", found: peek), at: i)
        }
        i += 1
        skipWhitespace()
        guard i < n else { throw JSONParseError(.expected("a value", found: nil), at: i) }
    }

    // MARK: Strings

    /// Nonzero high bits mark the bytes of `word` that need a closer look in a string: < 0x20, '"', '\\', >= 0x80.
    /// The lowest marked byte is always a real hit (the borrow tricks can only add false marks above a real one).
    @inline(__always) static func specialMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let control = word &- (ones &* 0x20)
        let quoteZero = (quote &- ones) & ~quote
        let backslashZero = (backslash &- ones) & ~backslash
        return (control | quoteZero | backslashZero | word) & highs
    }

    /// Scans the string starting at the opening quote at `i`, leaving `i` after the closing quote. With `unescape`
    /// returns the string's UTF-8 bytes (a slice of the input when there are no escapes, otherwise of the scratch
    /// buffer, valid until the next string is scanned); without, only validates and returns an empty buffer.
    mutating func scanString(unescape: Bool) throws(JSONParseError) -> UnsafeBufferPointer<UInt8> {
        let quote = i
        i += 1
        var runStart = i
        var written = 0
        var escaped = false
        while true {
            // Fast path: 8 bytes at a time while they are plain ASCII.
            while i &+ 8 <= n {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                let mask = JSONByteScanner.specialMask(word)
                if mask == 0 {
                    i &+= 8
                    continue
                }
                i &+= mask.trailingZeroBitCount &>> 3
                break
            }
            guard i < n else { throw JSONParseError(.unterminatedString, at: quote) }
            let c = base[i]
            if c == UInt8(ascii: "\"") {
                if !escaped {
                    i += 1
                    return UnsafeBufferPointer(start: base + runStart, count: i - 1 - runStart)
                }
                if unescape {
                    (scratch + written).update(from: base + runStart, count: i - runStart)
                    written += i - runStart
                }
                i += 1
                return UnsafeBufferPointer(start: scratch, count: written)
            } else if c == UInt8(ascii: "\\") {
                if unescape {
                    (scratch + written).update(from: base + runStart, count: i - runStart)
                    written += i - runStart
                }
                escaped = true
                try scanEscape(unescape: unescape, written: &written, quote: quote)
                runStart = i
            } else if c < 0x20 {
                throw JSONParseError(.controlCharacterInString(c), at: i)
            } else if c >= 0x80 {
                try scanMultibyte(c)
                // Stay on this path while the text remains non-ASCII (CJK, Cyrillic...).
                while i < n && base[i] >= 0x80 { try scanMultibyte(base[i]) }
            } else {
                i += 1
            }
        }
    }

    /// Validates the multibyte UTF-8 sequence with lead byte `c` at `i` and moves past it.
    @inline(__always) mutating func scanMultibyte(_ c: UInt8) throws(JSONParseError) {
        @inline(__always) func isContinuation(_ offset: Int) -> Bool {
            i + offset < n && base[i + offset] & 0xC0 == 0x80
        }
        if c < 0xC2 {
            let why = c < 0xC0 ? "unexpected continuation byte \(JSONParseError.hex(c))" : "overlong encoding"
            throw JSONParseError(.invalidUTF8(why), at: i)
        } else if c < 0xE0 {
            guard isContinuation(1) else { throw JSONParseError(.invalidUTF8("truncated sequence"), at: i) }
            i += 2
        } else if c < 0xF0 {
            guard isContinuation(1) && isContinuation(2) else {
                throw JSONParseError(.invalidUTF8("truncated sequence"), at: i)
            }
            let c1 = base[i + 1]
            if c == 0xE0 && c1 < 0xA0 { throw JSONParseError(.invalidUTF8("overlong encoding"), at: i) }
            if c == 0xED && c1 >= 0xA0 { throw JSONParseError(.invalidUTF8("encoded surrogate"), at: i) }
            i += 3
        } else if c <= 0xF4 {
            guard isContinuation(1) && isContinuation(2) && isContinuation(3) else {
                throw JSONParseError(.invalidUTF8("truncated sequence"), at: i)
            }
            let c1 = base[i + 1]
            if c == 0xF0 && c1 < 0x90 { throw JSONParseError(.invalidUTF8("overlong encoding"), at: i) }
            if c == 0xF4 && c1 >= 0x90 { throw JSONParseError(.invalidUTF8("code point above U+10FFFF"), at: i) }
            i += 4
        } else {
            throw JSONParseError(.invalidUTF8("invalid byte \(JSONParseError.hex(c))"), at: i)
        }
    }

    /// Decodes the escape sequence at `i` (a backslash), appending its UTF-8 to the scratch buffer when `unescape`.
    mutating func scanEscape(unescape: Bool, written: inout Int, quote: Int) throws(JSONParseError) {
        let backslash = i
        guard i + 1 < n else { throw JSONParseError(.unterminatedString, at: quote) }
        let e = base[i + 1]
        var decoded: UInt8
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded = e
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = 0x0A
        case UInt8(ascii: "r"): decoded = 0x0D
        case UInt8(ascii: "t"): decoded = 0x09
        case UInt8(ascii: "u"):
            var scalar = UInt32(try hex4(at: i + 2, escapeAt: backslash))
            i += 6
            if scalar & 0xF800 == 0xD800 {
                guard scalar < 0xDC00, i + 1 < n, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u") else {
                    throw JSONParseError(.unpairedSurrogate(UInt16(scalar)), at: backslash)
                }
                let low = UInt32(try hex4(at: i + 2, escapeAt: i))
                guard low & 0xFC00 == 0xDC00 else {
                    throw JSONParseError(.unpairedSurrogate(UInt16(scalar)), at: backslash)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                i += 6
            }
            if unescape { written += JSONByteScanner.encodeUTF8(scalar, to: scratch + written) }
            return
        default:
            throw JSONParseError(.invalidEscape(e), at: backslash)
        }
        if unescape {
            scratch[written] = decoded
            written += 1
        }
        i += 2
    }

    /// Four hex digits at `offset` (part of the escape starting at `escapeAt`).
    @inline(__always) func hex4(at offset: Int, escapeAt: Int) throws(JSONParseError) -> UInt16 {
        guard offset + 4 <= n else {
            throw JSONParseError(.invalidUnicodeEscape, at: escapeAt)
        }
        var value: UInt16 = 0
        for k in 0..<4 {
            let c = base[offset + k]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c &- UInt8(ascii: "A") &+ 10
            default: throw JSONParseError(.invalidUnicodeEscape, at: escapeAt)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// Writes `scalar` (not a surrogate, at most U+10FFFF) as UTF-8; returns the number of bytes.
    @inline(__always) static func encodeUTF8(_ scalar: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
        if scalar < 0x80 {
            out[0] = UInt8(scalar)
            return 1
        } else if scalar < 0x800 {
            out[0] = UInt8(0xC0 | scalar >> 6)
            out[1] = UInt8(0x80 | scalar & 0x3F)
            return 2
        } else if scalar < 0x10000 {
            out[0] = UInt8(0xE0 | scalar >> 12)
            out[1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[2] = UInt8(0x80 | scalar & 0x3F)
            return 3
        } else {
            out[0] = UInt8(0xF0 | scalar >> 18)
            out[1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            out[2] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[3] = UInt8(0x80 | scalar & 0x3F)
            return 4
        }
    }

    // MARK: Numbers and literals

    @inline(__always) func isDigit(_ offset: Int) -> Bool {
        offset < n && base[offset] &- UInt8(ascii: "0") < 10
    }

    /// Scans a number at `i` per the JSON grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
    mutating func scanNumber() throws(JSONParseError) {
        let start = i
        if base[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { throw JSONParseError(.invalidNumber("expected a digit after '-'"), at: i) }
        if base[i] == UInt8(ascii: "0") {
            i += 1
            if isDigit(i) { throw JSONParseError(.invalidNumber("leading zeros are not allowed"), at: start) }
        } else {
            while isDigit(i) { i += 1 }
        }
        if i < n && base[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { throw JSONParseError(.invalidNumber("expected a digit after '.'"), at: i) }
            while isDigit(i) { i += 1 }
        }
        if i < n && base[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < n && (base[i] == UInt8(ascii: "+") || base[i] == UInt8(ascii: "-")) { i += 1 }
            guard isDigit(i) else { throw JSONParseError(.invalidNumber("expected a digit in the exponent"), at: i) }
            while isDigit(i) { i += 1 }
        }
    }

    /// Scans true, false or null at `i`.
    mutating func scanLiteral() throws(JSONParseError) -> JSONScalar {
        @inline(__always) func matches(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard i + count <= n else { return false }
            let text = word.utf8Start
            for k in 0..<count where base[i + k] != text[k] { return false }
            return true
        }
        switch base[i] {
        case UInt8(ascii: "t") where matches("true"):
            i += 4
            return .bool(true)
        case UInt8(ascii: "f") where matches("false"):
            i += 5
            return .bool(false)
        case UInt8(ascii: "n") where matches("null"):
            i += 4
            return .null
        default: throw JSONParseError(.invalidLiteral, at: i)
        }
    }

    // MARK: Nested values

    /// Validates and skips the array or object starting at `i`, nested in containers of total depth `depth`.
    /// Iterative, with the kind of each open container on `stack`.
    mutating func skipComposite(depth outer: Int) throws(JSONParseError) {
        var sp = 0  // number of open containers in this value
        var expectingValue = true
        while true {
            if expectingValue {
                // `i < n` holds here; whitespace is already skipped.
                let c = base[i]
                switch c {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    if outer + sp + 1 > maxDepth { throw JSONParseError(.nestingTooDeep(limit: maxDepth), at: i) }
                    stack[sp] = c
                    sp += 1
                    i += 1
                    skipWhitespace()
                    let close = c &+ 2  // '{' + 2 == '}', '[' + 2 == ']'
                    if i < n && base[i] == close {
                        i += 1
                        sp -= 1
                        expectingValue = false
                        continue
                    }
                    if c == UInt8(ascii: "{") {
                        try skipKeyAndColon()
                    } else if i >= n {
                        throw JSONParseError(.expected("a value or ']'", found: nil), at: i)
                    }
                    continue
                case UInt8(ascii: "\""):
                    _ = try scanString(unescape: false)
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    try scanNumber()
                case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                    _ = try scanLiteral()
                default:
                    throw JSONParseError(.expected("a value", found: c), at: i)
                }
                expectingValue = false
            } else {
                if sp == 0 { return }
                skipWhitespace()
                let open = stack[sp - 1]
                let close = open &+ 2
                let expectation = open == UInt8(ascii: "{") ? "',' or '}' in object" : "',' or ']' in array"
                guard i < n else { throw JSONParseError(.expected(expectation, found: nil), at: i) }
                let c = base[i]
                if c == close {
                    i += 1
                    sp -= 1
                } else if c == UInt8(ascii: ",") {
                    i += 1
                    skipWhitespace()
                    if open == UInt8(ascii: "{") {
                        try skipKeyAndColon()
                    } else if i >= n {
                        throw JSONParseError(.expected("a value", found: nil), at: i)
                    }
                    expectingValue = true
                } else {
                    throw JSONParseError(.expected(expectation, found: c), at: i)
                }
            }
        }
    }

    /// In a nested object, at the start of a member: a string key, ':' and the whitespace before the value.
    private mutating func skipKeyAndColon() throws(JSONParseError) {
        guard i < n, base[i] == UInt8(ascii: "\"") else {
            throw JSONParseError(.expected("a string key", found: peek), at: i)
        }
        _ = try scanString(unescape: false)
        try expectColon()
    }
}
