import Saiga

/// A member of a JSON object after flattening: its dotted key, its values, and whether the source gave an array.
package struct JSONField: Equatable, Sendable {
    /// `a.b` for `{"a": {"b": …}}`.
    package var key: String
    /// One value for a scalar member; every scalar of an array (nested arrays and arrays of objects flattened,
    /// nulls inside arrays dropped). A key that reaches no scalar (an empty array, an array of empty objects) has no
    /// field, as in Elasticsearch.
    package var values: [JSONScalar]
    /// The member was (or, through an array of objects, lay inside) an array: a multi-valued field.
    package var isArray: Bool
}

extension JSONObjectParser {
    /// Parses `bytes`, one JSON object, keeping what `parse` drops: nested objects become dotted keys
    /// (`{"a": {"b": 1}}` → `a.b`), arrays become multi-valued fields, and an array of objects gives each of its
    /// members' keys every value found (`{"p": [{"n": 1}, {"n": 2}]}` → `p.n` with 1 and 2, Elasticsearch's
    /// flattening). Members keep their source order; a repeated key follows `duplicateKeys` unless it comes from an
    /// array (where repeats are the values). Depth is bounded by `maxDepth`, as in `parse`.
    /// `validated`: the caller has just parsed the same bytes with `parse` without an error, so the validating
    /// pass is skipped.
    mutating func parseFlattened(
        _ bytes: UnsafeRawBufferPointer, validated: Bool = false
    ) throws(JSONParseError) -> [JSONField] {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else {
            throw JSONParseError(.emptyInput, at: 0)
        }
        var flattener = JSONFlattener(parser: self, base: base, count: bytes.count)
        return try flattener.run(validated: validated)
    }
}

/// The recursive descent behind `parseFlattened`, over the same byte scanner as `parse`.
private struct JSONFlattener {
    var parser: JSONObjectParser
    let base: UnsafePointer<UInt8>
    let count: Int
    var fields: [JSONField] = []
    var index: [String: Int] = [:]

    init(parser: JSONObjectParser, base: UnsafePointer<UInt8>, count: Int) {
        self.parser = parser
        self.base = base
        self.count = count
    }

    mutating func run(validated: Bool) throws(JSONParseError) -> [JSONField] {
        // The flat parse validates the whole text first (grammar, UTF-8, depth, trailing bytes), so the descent
        // below reads well-formed JSON and reports only duplicates.
        if !validated { _ = try parser.parse(UnsafeRawBufferPointer(start: base, count: count)) }
        var i = 0
        if count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { i = 3 }
        skipWhitespace(&i)
        try object(&i, prefix: "", inArray: false)
        return fields
    }

    private func skipWhitespace(_ i: inout Int) {
        while i < count, base[i] == 0x20 || base[i] == 0x09 || base[i] == 0x0A || base[i] == 0x0D { i += 1 }
    }

    /// Fails (instead of reading out of range or looping) if the text ends where the validated grammar says it
    /// cannot: a guard that must never fire.
    private func ensure(_ i: Int) throws(JSONParseError) {
        guard i < count else { throw JSONParseError(.expected("more JSON", found: nil), at: i) }
    }

    /// The object at `i` (at its `{`).
    private mutating func object(_ i: inout Int, prefix: String, inArray: Bool) throws(JSONParseError) {
        i += 1
        skipWhitespace(&i)
        try ensure(i)
        if base[i] == UInt8(ascii: "}") {
            i += 1
            return
        }
        while true {
            try ensure(i)
            guard base[i] == UInt8(ascii: "\"") else {
                throw JSONParseError(.expected("a string key", found: base[i]), at: i)
            }
            let keyOffset = i
            let key = string(&i)
            skipWhitespace(&i)
            i += 1  // ':'
            skipWhitespace(&i)
            try ensure(i)
            try value(&i, key: prefix.isEmpty ? key : prefix + "." + key, inArray: inArray, keyOffset: keyOffset)
            skipWhitespace(&i)
            try ensure(i)
            let separator = base[i]
            i += 1
            if separator == UInt8(ascii: "}") { return }
            guard separator == UInt8(ascii: ",") else {
                throw JSONParseError(.expected("',' or '}'", found: separator), at: i - 1)
            }
            skipWhitespace(&i)
        }
    }

    private mutating func value(_ i: inout Int, key: String, inArray: Bool, keyOffset: Int) throws(JSONParseError) {
        switch base[i] {
        case UInt8(ascii: "{"):
            try object(&i, prefix: key, inArray: inArray)
        case UInt8(ascii: "["):
            i += 1
            skipWhitespace(&i)
            try ensure(i)
            if base[i] == UInt8(ascii: "]") {
                i += 1
                return
            }
            while true {
                try ensure(i)
                try value(&i, key: key, inArray: true, keyOffset: keyOffset)
                skipWhitespace(&i)
                try ensure(i)
                let separator = base[i]
                i += 1
                if separator == UInt8(ascii: "]") { return }
                guard separator == UInt8(ascii: ",") else {
                    throw JSONParseError(.expected("',' or ']'", found: separator), at: i - 1)
                }
                skipWhitespace(&i)
            }
        default:
            let scalar = self.scalar(&i)
            if inArray && scalar == .null { return }
            try add(key, scalar, inArray: inArray, keyOffset: keyOffset)
        }
    }

    private mutating func add(_ key: String, _ v: JSONScalar, inArray: Bool, keyOffset: Int) throws(JSONParseError) {
        guard let at = index[key] else {
            index[key] = fields.count
            fields.append(JSONField(key: key, values: [v], isArray: inArray))
            return
        }
        if inArray || fields[at].isArray {
            fields[at].values.append(v)
            fields[at].isArray = true
        } else if parser.duplicateKeys == .reject {
            throw JSONParseError(.duplicateKey(key), at: keyOffset)
        } else {
            fields[at].values = [v]
        }
    }

    /// A string at `i` (validated already), unescaped. Every read is bounds-checked all the same, and a `\u`
    /// escape that is not a valid scalar becomes U+FFFD: this must never trap whatever the validation let through.
    private func string(_ i: inout Int) -> String {
        // Most strings have no escape: made from the bytes in place.
        var j = i + 1
        while j < count && base[j] != UInt8(ascii: "\"") && base[j] != UInt8(ascii: "\\") { j += 1 }
        if j < count && base[j] == UInt8(ascii: "\"") {
            let s = String(decoding: UnsafeBufferPointer(start: base + i + 1, count: j - i - 1), as: UTF8.self)
            i = j + 1
            return s
        }
        var bytes: [UInt8] = []
        i += 1
        while i < count && base[i] != UInt8(ascii: "\"") {
            guard base[i] == UInt8(ascii: "\\"), i + 1 < count else {
                bytes.append(base[i])
                i += 1
                continue
            }
            i += 1
            switch base[i] {
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u") where i + 4 < count:
                var scalar = hex4(i + 1)
                i += 4
                if scalar >= 0xD800 && scalar < 0xDC00, i + 6 < count, base[i + 1] == UInt8(ascii: "\\"),
                    base[i + 2] == UInt8(ascii: "u")
                {
                    let low = hex4(i + 3)
                    if low >= 0xDC00 && low < 0xE000 {
                        scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
                        i += 6
                    }
                }
                bytes.append(contentsOf: String(UnicodeScalar(scalar) ?? "\u{FFFD}").utf8)
            default: bytes.append(base[i])  // \" \\ \/
            }
            i += 1
        }
        i += 1
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Four hex digits at `at` (any other byte counts as 0: the caller has bounds-checked the four bytes).
    private func hex4(_ at: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = base[at + k]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46, 0x61...0x66: digit = UInt32((c | 0x20) - 0x61 + 10)
            default: digit = 0
            }
            v = v << 4 | digit
        }
        return v
    }

    /// A number or literal at `i` (validated already).
    private func scalar(_ i: inout Int) -> JSONScalar {
        let c = base[i]
        if c == UInt8(ascii: "\"") { return .string(string(&i)) }
        if c == UInt8(ascii: "t") {
            i += 4
            return .bool(true)
        }
        if c == UInt8(ascii: "f") {
            i += 5
            return .bool(false)
        }
        if c == UInt8(ascii: "n") {
            i += 4
            return .null
        }
        let start = i
        while i < count, "0123456789+-.eE".utf8.contains(base[i]) { i += 1 }
        return .number(String(decoding: UnsafeBufferPointer(start: base + start, count: i - start), as: UTF8.self))
    }
}
