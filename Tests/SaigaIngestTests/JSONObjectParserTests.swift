import Foundation
import SaigaTestSupport
import Testing

@testable import Saiga
@testable import SaigaIngest

// MARK: - Helpers

private typealias ParsedMembers = [(key: String, value: JSONScalar)]

private func parseJSON(
    _ bytes: [UInt8], maxDepth: Int = 128, duplicateKeys: JSONObjectParser.DuplicateKeyPolicy = .keepLast
) throws(JSONParseError) -> ParsedMembers {
    var parser = JSONObjectParser(maxDepth: maxDepth, duplicateKeys: duplicateKeys)
    return try parser.parse(bytes)
}

private func parseJSON(_ text: String, maxDepth: Int = 128) throws(JSONParseError) -> ParsedMembers {
    try parseJSON(Array(text.utf8), maxDepth: maxDepth)
}

private func jsonError(_ bytes: [UInt8], maxDepth: Int = 128) -> JSONParseError? {
    do throws(JSONParseError) {
        _ = try parseJSON(bytes, maxDepth: maxDepth)
        return nil
    } catch {
        return error
    }
}

private func jsonError(_ text: String, maxDepth: Int = 128) -> JSONParseError? {
    jsonError(Array(text.utf8), maxDepth: maxDepth)
}

extension JSONObjectParser {
    fileprivate mutating func parse(_ bytes: [UInt8]) throws(JSONParseError) -> ParsedMembers {
        // Copy into a buffer of exactly the right size so that reads past the end would be caught by sanitizers.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        return try parse(UnsafeRawBufferPointer(buffer))
    }
}

/// The single string value of `{"k": ...}`-style documents.
private func onlyStringValue(_ members: ParsedMembers) -> String? {
    guard members.count == 1, case .string(let s) = members[0].value else { return nil }
    return s
}

private func memberKeys(_ members: ParsedMembers) -> [String] { members.map(\.key) }
private func memberValues(_ members: ParsedMembers) -> [JSONScalar] { members.map(\.value) }

/// Deterministic generator for the property tests.
private struct ParserTestRNG: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private func randomTestString(_ rng: inout ParserTestRNG, maxLength: Int = 40) -> String {
    var scalars = String.UnicodeScalarView()
    let length = Int.random(in: 0...maxLength, using: &rng)
    for _ in 0..<length {
        let value: UInt32
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: value = UInt32.random(in: 0...0x1F, using: &rng)  // control characters
        case 1:
            value = [0x22, 0x5C, 0x2F, 0x7F, 0x00, 0x2028, 0x2029, 0xFEFF, 0xFFFD, 0xFFFF].randomElement(using: &rng)!
        case 2: value = UInt32.random(in: 0x80...0x7FF, using: &rng)
        case 3: value = UInt32.random(in: 0x800...0xD7FF, using: &rng)
        case 4: value = UInt32.random(in: 0xE000...0xFFFF, using: &rng)
        case 5: value = UInt32.random(in: 0x10000...0x10FFFF, using: &rng)
        case 6: value = [0x1F600, 0x1F9D1, 0x10000, 0x10FFFF].randomElement(using: &rng)!
        default: value = UInt32.random(in: 0x20...0x7E, using: &rng)
        }
        scalars.append(UnicodeScalar(value)!)
    }
    return String(scalars)
}

/// JSON-encodes `s` our own way, choosing at random per character between raw UTF-8 and \u escapes (upper or
/// lower case hex, surrogate pairs for astral characters), so that every escape path gets exercised.
private func randomlyEscaped(_ s: String, _ rng: inout ParserTestRNG) -> String {
    var out = "\""
    func hex4(_ unit: UInt16, upper: Bool) -> String {
        let digits = String(unit, radix: 16, uppercase: upper)
        return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
    }
    for scalar in s.unicodeScalars {
        let upper = Bool.random(using: &rng)
        let mustEscape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
        if mustEscape || Int.random(in: 0..<3, using: &rng) == 0 {
            switch scalar {
            case "\"" where Bool.random(using: &rng): out += "\\\""
            case "\\" where Bool.random(using: &rng): out += "\\\\"
            case "/" where Bool.random(using: &rng): out += "\\/"
            case "\n" where Bool.random(using: &rng): out += "\\n"
            case "\t" where Bool.random(using: &rng): out += "\\t"
            case "\r" where Bool.random(using: &rng): out += "\\r"
            case "\u{08}" where Bool.random(using: &rng): out += "\\b"
            case "\u{0C}" where Bool.random(using: &rng): out += "\\f"
            default:
                for unit in String(scalar).utf16 { out += hex4(unit, upper: upper) }
            }
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

@Suite("JSONObjectParser")
struct JSONObjectParserTests {
    // MARK: - Basics

    @Test func parsesMembersInSourceOrder() throws {
        let members = try parseJSON(
            #"  {"id":"doc1", "title" : "Hello", "n": 12, "ok":true,"bad":false, "none":null}  "#)
        #expect(memberKeys(members) == ["id", "title", "n", "ok", "bad", "none"])
        #expect(
            memberValues(members) == [
                .string("doc1"), .string("Hello"), .number("12"), .bool(true), .bool(false), .null,
            ])
    }

    @Test func parsesEmptyObjectAndWhitespaceVariants() throws {
        #expect(try parseJSON("{}").isEmpty)
        #expect(try parseJSON(" \t\r\n{ \t\r\n} \t\r\n").isEmpty)
        let members = try parseJSON("{\n\"a\"\t:\r\"b\"\n}")
        #expect(onlyStringValue(members) == "b")
    }

    @Test func ignoresLeadingByteOrderMark() throws {
        let members = try parseJSON([0xEF, 0xBB, 0xBF] + Array(#"{"a":"b"}"#.utf8))
        #expect(onlyStringValue(members) == "b")
        // A BOM anywhere else is not whitespace.
        #expect(jsonError([0x20, 0xEF, 0xBB, 0xBF] + Array(#"{"a":"b"}"#.utf8))?.offset == 1)
    }

    @Test func emptyStringsAndKeys() throws {
        let members = try parseJSON(#"{"":""}"#)
        #expect(memberKeys(members) == [""])
        #expect(onlyStringValue(members) == "")
    }

    @Test func nonASCIIPassesThroughUnchanged() throws {
        let text = "naïve café, Zürich — 日本語テキスト 😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u{7F}\u{10FFFF}"
        let members = try parseJSON("{\"clé\":\"\(text)\"}")
        #expect(memberKeys(members) == ["clé"])
        #expect(onlyStringValue(members) == text)
    }

    @Test func longStringsAcrossTheWordAtATimePath() throws {
        // Lengths around multiples of 8 with the special byte at each position.
        for length in 0..<40 {
            for position in 0..<max(length, 1) {
                var chars = Array(repeating: "x", count: length)
                if length > 0 { chars[position] = "é" }
                let s = chars.joined()
                #expect(onlyStringValue(try parseJSON("{\"k\":\"\(s)\"}")) == s)
                if length > 0 {
                    chars[position] = "\\n"
                    let escaped = try parseJSON("{\"k\":\"\(chars.joined())\"}")
                    #expect(onlyStringValue(escaped) == s.replacingOccurrences(of: "é", with: "\n"))
                }
            }
        }
    }

    // MARK: - Escapes

    @Test func simpleEscapes() throws {
        let members = try parseJSON(#"{"k":"q\" b\\ s\/ \b\f\n\r\t end"}"#)
        #expect(onlyStringValue(members) == "q\" b\\ s/ \u{08}\u{0C}\n\r\t end")
    }

    @Test func escapesInKeys() throws {
        let members = try parseJSON(#"{"a\"b\u00e9\n":1}"#)
        #expect(memberKeys(members) == ["a\"bé\n"])
    }

    @Test func unicodeEscapes() throws {
        #expect(onlyStringValue(try parseJSON(#"{"k":"\u0041\u00e9\u00E9\u20AC\uffff\u0000"}"#)) == "Aéé€\u{FFFF}\u{0}")
        #expect(onlyStringValue(try parseJSON(#"{"k":"x\u0041y"}"#)) == "xAy")
    }

    @Test func surrogatePairs() throws {
        #expect(onlyStringValue(try parseJSON(#"{"k":"\uD83D\uDE00"}"#)) == "😀")
        #expect(onlyStringValue(try parseJSON(#"{"k":"a\ud83d\ude00b\uDBFF\uDFFF"}"#)) == "a😀b\u{10FFFF}")
        #expect(onlyStringValue(try parseJSON(#"{"k":"\uD800\uDC00"}"#)) == "\u{10000}")
    }

    @Test func unpairedSurrogateEscapesAreErrors() {
        let cases: [(String, UInt16, Int)] = [
            (#"{"k":"\uD800"}"#, 0xD800, 6),
            (#"{"k":"ab\uD83Dx"}"#, 0xD83D, 8),
            (#"{"k":"\uDC00"}"#, 0xDC00, 6),
            (#"{"k":"\uDFFF\uD800"}"#, 0xDFFF, 6),
            (#"{"k":"\uD800\u0041"}"#, 0xD800, 6),
            (#"{"k":"\uD800\uD800"}"#, 0xD800, 6),
            (#"{"k":"\uD800\n"}"#, 0xD800, 6),
            (#"{"k":"\uD800"#, 0xD800, 6),
        ]
        for (text, unit, offset) in cases {
            let error = jsonError(text)
            #expect(error == JSONParseError(.unpairedSurrogate(unit), at: offset), "\(text)")
        }
        #expect(jsonError(#"{"k":"\uD800"}"#)?.description == #"unpaired surrogate \uD800 in string at byte 6"#)
    }

    @Test func invalidEscapesAreErrors() {
        #expect(jsonError(#"{"k":"a\x"}"#) == JSONParseError(.invalidEscape(UInt8(ascii: "x")), at: 7))
        #expect(jsonError(#"{"k":"\'"}"#) == JSONParseError(.invalidEscape(UInt8(ascii: "'")), at: 6))
        #expect(jsonError(#"{"k":"\U0041"}"#) == JSONParseError(.invalidEscape(UInt8(ascii: "U")), at: 6))
        #expect(jsonError(#"{"k":"\u12"}"#) == JSONParseError(.invalidUnicodeEscape, at: 6))
        #expect(jsonError(#"{"k":"\u12G4"}"#) == JSONParseError(.invalidUnicodeEscape, at: 6))
        #expect(jsonError(#"{"k":"\u"#) == JSONParseError(.invalidUnicodeEscape, at: 6))
        #expect(jsonError(#"{"k":"\uD800\u12"}"#) == JSONParseError(.invalidUnicodeEscape, at: 12))
        #expect(jsonError(#"{"k":"\"#) == JSONParseError(.unterminatedString, at: 5))
        #expect(jsonError([UInt8](#"{"k":"\"#.utf8) + [0x00, 0x22, 0x7D])?.kind == .invalidEscape(0))
    }

    // MARK: - UTF-8 validation

    @Test func invalidUTF8IsRejectedAtTheLeadByte() {
        let invalid: [([UInt8], String)] = [
            ([0x80], "unexpected continuation byte 0x80"),
            ([0xBF], "unexpected continuation byte 0xBF"),
            ([0xC0, 0x80], "overlong encoding"),
            ([0xC1, 0xBF], "overlong encoding"),
            ([0xE0, 0x80, 0x80], "overlong encoding"),
            ([0xE0, 0x9F, 0xBF], "overlong encoding"),
            ([0xF0, 0x80, 0x80, 0x80], "overlong encoding"),
            ([0xF0, 0x8F, 0xBF, 0xBF], "overlong encoding"),
            ([0xED, 0xA0, 0x80], "encoded surrogate"),
            ([0xED, 0xBF, 0xBF], "encoded surrogate"),
            ([0xF4, 0x90, 0x80, 0x80], "code point above U+10FFFF"),
            ([0xF5, 0x80, 0x80, 0x80], "invalid byte 0xF5"),
            ([0xF8, 0x88, 0x80, 0x80, 0x80], "invalid byte 0xF8"),
            ([0xFE], "invalid byte 0xFE"),
            ([0xFF], "invalid byte 0xFF"),
            ([0xC3], "truncated sequence"),
            ([0xC3, 0x41], "truncated sequence"),
            ([0xE2, 0x82], "truncated sequence"),
            ([0xE2, 0x41, 0xAC], "truncated sequence"),
            ([0xF0, 0x9F, 0x98], "truncated sequence"),
            ([0xF0, 0x9F, 0x98, 0xC0], "truncated sequence"),
        ]
        for (bad, why) in invalid {
            for prefix in [[], Array("abcdefghij".utf8)] {
                // As a value, as a key, and nested inside an array (validated while skipping).
                let documents: [([UInt8], Int)] = [
                    (Array(#"{"k":""#.utf8) + prefix + bad + Array(#"x"}"#.utf8), 6 + prefix.count),
                    (Array(#"{""#.utf8) + prefix + bad + Array(#"":1}"#.utf8), 2 + prefix.count),
                    (Array(#"{"k":["#.utf8) + [0x22] + prefix + bad + Array(#""]}"#.utf8), 7 + prefix.count),
                ]
                for (document, offset) in documents {
                    let error = jsonError(document)
                    #expect(error == JSONParseError(.invalidUTF8(why), at: offset), "\(bad) in \(document)")
                }
            }
        }
        #expect(
            jsonError([UInt8](#"{"k":"#.utf8) + [0x22, 0xC0, 0xAF, 0x22, 0x7D])?.description
                == "invalid UTF-8 in string (overlong encoding) at byte 6")
    }

    @Test func validUTF8BoundariesAreAccepted() throws {
        let valid: [[UInt8]] = [
            [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xE1, 0x80, 0x80], [0xEC, 0xBF, 0xBF], [0xED, 0x80, 0x80],
            [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80],
            [0xF1, 0x80, 0x80, 0x80],
            [0xF3, 0xBF, 0xBF, 0xBF], [0xF4, 0x80, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0x7F],
        ]
        for bytes in valid {
            let members = try parseJSON(Array(#"{"k":""#.utf8) + bytes + Array(#""}"#.utf8))
            #expect(onlyStringValue(members) == String(decoding: bytes, as: UTF8.self))
            #expect(String(decoding: bytes, as: UTF8.self).unicodeScalars.count == 1)
        }
    }

    @Test func rawControlCharactersInStringsAreErrors() {
        for byte in UInt8(0)..<0x20 {
            let value = [UInt8](#"{"k":"ab"#.utf8) + [byte] + Array(#"cd"}"#.utf8)
            #expect(jsonError(value) == JSONParseError(.controlCharacterInString(byte), at: 8))
            let key = [UInt8](#"{"k"#.utf8) + [byte] + Array(#"":1}"#.utf8)
            #expect(jsonError(key) == JSONParseError(.controlCharacterInString(byte), at: 3))
            let nested = [UInt8](#"{"k":{"a":""#.utf8) + [byte] + Array(#""}}"#.utf8)
            #expect(jsonError(nested) == JSONParseError(.controlCharacterInString(byte), at: 11))
        }
        #expect(
            jsonError("{\"k\":\"a\tb\"}")?.description == "control character 0x09 in string (must be escaped) at byte 7"
        )
        // DEL (0x7F) is not a control character for JSON.
        #expect(jsonError("{\"k\":\"a\u{7F}b\"}") == nil)
    }

    // MARK: - Malformed JSON

    @Test func malformedDocumentsGiveErrorsAtSensibleOffsets() {
        let cases: [(String, JSONParseError.Kind, Int)] = [
            ("", .emptyInput, 0),
            ("   \n", .emptyInput, 4),
            ("[1]", .expected("'{' (each line must hold one JSON object)", found: UInt8(ascii: "[")), 0),
            (#""a""#, .expected("'{' (each line must hold one JSON object)", found: UInt8(ascii: "\"")), 0),
            ("  null", .expected("'{' (each line must hold one JSON object)", found: UInt8(ascii: "n")), 2),
            ("{", .expected("a string key", found: nil), 1),
            ("{a:1}", .expected("a string key", found: UInt8(ascii: "a")), 1),
            ("{'a':1}", .expected("a string key", found: UInt8(ascii: "'")), 1),
            ("{1:1}", .expected("a string key", found: UInt8(ascii: "1")), 1),
            (#"{"a""#, .expected("':' after object key", found: nil), 4),
            (#"{"a" 1}"#, .expected("':' after object key", found: UInt8(ascii: "1")), 5),
            (#"{"a"=1}"#, .expected("':' after object key", found: UInt8(ascii: "=")), 4),
            (#"{"a":"#, .expected("a value", found: nil), 5),
            (#"{"a":}"#, .expected("a value", found: UInt8(ascii: "}")), 5),
            (#"{"a":,"b":1}"#, .expected("a value", found: UInt8(ascii: ",")), 5),
            (#"{"a":1"#, .expected("',' or '}' after object member", found: nil), 6),
            (#"{"a":1 "b":2}"#, .expected("',' or '}' after object member", found: UInt8(ascii: "\"")), 7),
            (#"{"a":1]"#, .expected("',' or '}' after object member", found: UInt8(ascii: "]")), 6),
            (#"{"a":1,}"#, .expected("a string key", found: UInt8(ascii: "}")), 7),
            (#"{"a":1,,"b":2}"#, .expected("a string key", found: UInt8(ascii: ",")), 7),
            (#"{"a":1,"#, .expected("a string key", found: nil), 7),
            (#"{"a":1}x"#, .trailingCharacters, 7),
            (#"{"a":1} {}"#, .trailingCharacters, 8),
            (#"{"a":1}}"#, .trailingCharacters, 7),
            (#"{"a":"abc}"#, .unterminatedString, 5),
            (#"{"a":"abc\"}"#, .unterminatedString, 5),
            (#"{"abc"#, .unterminatedString, 1),
            (#"{"a":01}"#, .invalidNumber("leading zeros are not allowed"), 5),
            (#"{"a":-01}"#, .invalidNumber("leading zeros are not allowed"), 5),
            (#"{"a":-}"#, .invalidNumber("expected a digit after '-'"), 6),
            (#"{"a":-a}"#, .invalidNumber("expected a digit after '-'"), 6),
            (#"{"a":1.}"#, .invalidNumber("expected a digit after '.'"), 7),
            (#"{"a":1.e5}"#, .invalidNumber("expected a digit after '.'"), 7),
            (#"{"a":1e}"#, .invalidNumber("expected a digit in the exponent"), 7),
            (#"{"a":1.5E+}"#, .invalidNumber("expected a digit in the exponent"), 10),
            (#"{"a":1e-x}"#, .invalidNumber("expected a digit in the exponent"), 8),
            (#"{"a":.5}"#, .expected("a value", found: UInt8(ascii: ".")), 5),
            (#"{"a":+1}"#, .expected("a value", found: UInt8(ascii: "+")), 5),
            (#"{"a":NaN}"#, .expected("a value", found: UInt8(ascii: "N")), 5),
            (#"{"a":Infinity}"#, .expected("a value", found: UInt8(ascii: "I")), 5),
            (#"{"a":0x10}"#, .expected("',' or '}' after object member", found: UInt8(ascii: "x")), 6),
            (#"{"a":1.5.2}"#, .expected("',' or '}' after object member", found: UInt8(ascii: ".")), 8),
            (#"{"a":tru}"#, .invalidLiteral, 5),
            (#"{"a":nul"#, .invalidLiteral, 5),
            (#"{"a":fals}"#, .invalidLiteral, 5),
            (#"{"a":True}"#, .expected("a value", found: UInt8(ascii: "T")), 5),
            (#"{"a":truex}"#, .expected("',' or '}' after object member", found: UInt8(ascii: "x")), 9),
            (#"{"a":'x'}"#, .expected("a value", found: UInt8(ascii: "'")), 5),
            (#"{"a":[1,2}"#, .expected("',' or ']' in array", found: UInt8(ascii: "}")), 9),
            (#"{"a":[1 2]}"#, .expected("',' or ']' in array", found: UInt8(ascii: "2")), 8),
            (#"{"a":[1,]}"#, .expected("a value", found: UInt8(ascii: "]")), 8),
            (#"{"a":[,1]}"#, .expected("a value", found: UInt8(ascii: ",")), 6),
            (#"{"a":[}"#, .expected("a value", found: UInt8(ascii: "}")), 6),
            (#"{"a":["#, .expected("a value or ']'", found: nil), 6),
            (#"{"a":[1,"#, .expected("a value", found: nil), 8),
            (#"{"a":[1"#, .expected("',' or ']' in array", found: nil), 7),
            (#"{"a":{"#, .expected("a string key", found: nil), 6),
            (#"{"a":{"b"}}"#, .expected("':' after object key", found: UInt8(ascii: "}")), 9),
            (#"{"a":{"b":1,}}"#, .expected("a string key", found: UInt8(ascii: "}")), 12),
            (#"{"a":{"b":1]}"#, .expected("',' or '}' in object", found: UInt8(ascii: "]")), 11),
            (#"{"a":{1:2}}"#, .expected("a string key", found: UInt8(ascii: "1")), 6),
            (#"{"a":[{"b":[1,{"c":x}]}]}"#, .expected("a value", found: UInt8(ascii: "x")), 19),
            (#"{"a":[01]}"#, .invalidNumber("leading zeros are not allowed"), 6),
            (#"{"a":[tru]}"#, .invalidLiteral, 6),
            (#"{"a":["x]}"#, .unterminatedString, 6),
            ("{\"a\"\u{A0}:1}", .expected("':' after object key", found: 0xC2), 4),
            ("{\"a\":1}\u{0}", .trailingCharacters, 7),
            ("\u{0}{}", .expected("'{' (each line must hold one JSON object)", found: 0), 0),
            ("{\u{0B}}", .expected("a string key", found: 0x0B), 1),
        ]
        for (text, kind, offset) in cases {
            let error = jsonError(text)
            #expect(error == JSONParseError(kind, at: offset), "\(text.debugDescription)")
            if let error { #expect(error.offset <= text.utf8.count) }
        }
    }

    @Test func errorDescriptionsAreReadable() {
        #expect(jsonError(#"{"a" 1}"#)?.description == "expected ':' after object key, found '1' at byte 5")
        #expect(jsonError(#"{"a""#)?.description == "unexpected end of input, expected ':' after object key at byte 4")
        #expect(jsonError(#"{"a":"x"#)?.description == "unterminated string at byte 5")
        #expect(jsonError(#"{"a":1} x"#)?.description == "trailing characters after object at byte 8")
        #expect(jsonError("")?.description == "empty input, expected a JSON object at byte 0")
        #expect(jsonError(#"{"a":01}"#)?.message == "invalid number (leading zeros are not allowed)")
        #expect(jsonError("{\u{1}}")?.description == "expected a string key, found 0x01 at byte 1")
    }

    // MARK: - Nesting

    @Test func nestingUpToTheLimitIsAccepted() throws {
        // The top-level object is level 1, so 127 nested arrays reach exactly 128.
        let deepest = "{\"a\":" + String(repeating: "[", count: 127) + String(repeating: "]", count: 127) + "}"
        #expect(memberValues(try parseJSON(deepest)) == [.composite])
        let objects =
            "{\"a\":" + String(repeating: "{\"b\":", count: 126) + "{}" + String(repeating: "}", count: 126) + "}"
        #expect(memberValues(try parseJSON(objects)) == [.composite])
    }

    @Test func nestingBeyondTheLimitIsAnError() {
        let tooDeep = "{\"a\":" + String(repeating: "[", count: 128) + String(repeating: "]", count: 128) + "}"
        let error = jsonError(tooDeep)
        #expect(error == JSONParseError(.nestingTooDeep(limit: 128), at: 5 + 127))
        #expect(error?.description == "nesting deeper than 128 at byte 132")

        // Absurd depth: bounded, no crash, no stack overflow.
        let huge = "{\"a\":" + String(repeating: "[", count: 1_000_000)
        #expect(jsonError(huge)?.kind == .nestingTooDeep(limit: 128))
        let hugeObjects = "{\"a\":" + String(repeating: "{\"a\":", count: 200_000)
        #expect(jsonError(hugeObjects)?.kind == .nestingTooDeep(limit: 128))
        let mixed = "{\"a\":" + String(repeating: "[{\"x\":", count: 100_000)
        #expect(jsonError(mixed)?.kind == .nestingTooDeep(limit: 128))
    }

    @Test func customDepthLimit() throws {
        #expect(jsonError(#"{"a":[]}"#, maxDepth: 1) == JSONParseError(.nestingTooDeep(limit: 1), at: 5))
        #expect(memberValues(try parseJSON(#"{"a":1,"b":"x"}"#, maxDepth: 1)) == [.number("1"), .string("x")])
        #expect(memberValues(try parseJSON(#"{"a":[[]],"b":{"c":[]}}"#, maxDepth: 3)) == [.composite, .composite])
        #expect(jsonError(#"{"a":[[[]]]}"#, maxDepth: 3) == JSONParseError(.nestingTooDeep(limit: 3), at: 7))
    }

    // MARK: - Numbers

    @Test func numbersKeepTheirSourceText() throws {
        let numbers = [
            "0", "-0", "1", "-1", "123", "1.5", "-1.5e10", "1E+2", "1e-2", "0.0", "0e0", "-0.0E-0", "10",
            "9007199254740993",
            "123456789012345678901234567890", "1.7976931348623157e309", "4.9e-325",
        ]
        for number in numbers {
            let members = try parseJSON("{\"n\":\(number)}")
            #expect(memberValues(members) == [.number(number)])
            let spaced = try parseJSON("{ \"n\" : \(number) , \"m\":\(number)}")
            #expect(memberValues(spaced) == [.number(number), .number(number)])
        }
    }

    // MARK: - Nested values

    @Test func nestedValuesAreValidatedAndSkipped() throws {
        let text =
            #"{"a":[1,"x",{"b":[true,false,null]},-2.5e3,"\u00e9\"]"],"b":{"c":{}, "d" : [ ] },"d":[],"e":2,"f":{}}"#
        let members = try parseJSON(text)
        #expect(memberKeys(members) == ["a", "b", "d", "e", "f"])
        #expect(memberValues(members) == [.composite, .composite, .composite, .number("2"), .composite])
        let spaced = try parseJSON(" { \"a\" : [ 1 , [ ] , { } , { \"x\" : [ \"y\" ] } ] , \"z\" : \"end\" } ")
        #expect(memberValues(spaced) == [.composite, .string("end")])
    }

    @Test func nestedStringsAreValidatedToo() {
        #expect(jsonError(#"{"a":[{"b\u0001":1}]}"#) == nil)
        #expect(jsonError(#"{"a":["\q"]}"#) == JSONParseError(.invalidEscape(UInt8(ascii: "q")), at: 7))
        #expect(jsonError(#"{"a":{"k":"\uDE00"}}"#) == JSONParseError(.unpairedSurrogate(0xDE00), at: 11))
        #expect(
            jsonError([UInt8](#"{"a":{"k":""#.utf8) + [0xFF, 0x22, 0x7D, 0x7D])
                == JSONParseError(.invalidUTF8("invalid byte 0xFF"), at: 11))
    }

    // MARK: - Duplicate keys

    @Test func duplicateKeysKeepTheLastValueAtTheFirstPosition() throws {
        let members = try parseJSON(#"{"a":1,"b":2,"a":"three"}"#)
        #expect(memberKeys(members) == ["a", "b"])
        #expect(memberValues(members) == [.string("three"), .number("2")])
        // Escaped and raw spellings of the same key are the same key.
        #expect(memberKeys(try parseJSON(#"{"é":1,"\u00e9":2}"#)) == ["é"])
    }

    @Test func duplicateKeysInLargeObjects() throws {
        var text = "{"
        for k in 0..<100 { text += "\"k\(k)\":\(k)," }
        text += "\"k5\":\"again\",\"k99\":null,\"new\":true}"
        let members = try parseJSON(text)
        #expect(members.count == 101)
        #expect(members[5].value == .string("again"))
        #expect(members[99].value == .null)
        #expect(members[100].key == "new")
    }

    @Test func duplicateKeysCanBeRejected() {
        do throws(JSONParseError) {
            _ = try parseJSON(Array(#"{"a":1,"b":2,"a":3}"#.utf8), duplicateKeys: .reject)
            Issue.record("expected an error")
        } catch {
            #expect(error == JSONParseError(.duplicateKey("a"), at: 13))
            #expect(error.description == #"duplicate key "a" at byte 13"#)
        }
        #expect(throws: Never.self) { try parseJSON(Array(#"{"a":1,"b":{"a":1,"a":2}}"#.utf8), duplicateKeys: .reject) }
    }

    // MARK: - Buffer reuse

    @Test func parserIsReusableAcrossLinesOfAnySize() throws {
        var parser = JSONObjectParser()
        let long = String(repeating: "ab\\n", count: 10_000)
        let inputs = [
            (#"{"k":"short\tone"}"#, "short\tone"),
            ("{\"k\":\"\(long)\"}", String(repeating: "ab\n", count: 10_000)),
            (#"{"k":"x\"y"}"#, "x\"y"),
            ("{\"k\":\"\(long)\(long)\"}", String(repeating: "ab\n", count: 20_000)),
            (#"{"k":""}"#, ""),
        ]
        for _ in 0..<3 {
            for (text, expected) in inputs {
                #expect(onlyStringValue(try parser.parse(Array(text.utf8))) == expected)
            }
        }
        // A copy of a parser has its own buffers.
        var copy = parser
        #expect(onlyStringValue(try copy.parse(Array(#"{"k":"a\nb"}"#.utf8))) == "a\nb")
        #expect(onlyStringValue(try parser.parse(Array(#"{"k":"c\nd"}"#.utf8))) == "c\nd")
    }

    @Test func errorsDoNotPoisonTheParser() throws {
        var parser = JSONObjectParser()
        #expect(throws: JSONParseError.self) { try parser.parse(Array(#"{"k":"a\x"}"#.utf8)) }
        #expect(onlyStringValue(try parser.parse(Array(#"{"k":"ok\n"}"#.utf8))) == "ok\n")
    }

    // MARK: - Property tests

    @Test func randomStringsRoundTripThroughJSONSerialization() throws {
        var rng = ParserTestRNG(state: 0x5A16A)
        var parser = JSONObjectParser()
        for _ in 0..<2000 {
            let key = randomTestString(&rng, maxLength: 8)
            let value = randomTestString(&rng)
            var object: [String: Any] = ["n": 1.5]
            object[key] = value
            let data = try JSONSerialization.data(withJSONObject: object)
            let members = try [UInt8](data).withUnsafeBytes { raw throws(JSONParseError) in try parser.parse(raw) }
            let decoded = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
            #expect(decoded[key] == .string(value), "\(String(decoding: data, as: UTF8.self).debugDescription)")
            #expect(members.count == (key == "n" ? 1 : 2))
        }
    }

    @Test func randomStringsRoundTripThroughJSONEncoder() throws {
        struct Document: Encodable {
            var id: String
            var contents: String
            var tags: [String]
            var nested: [String: [String]]
        }
        var rng = ParserTestRNG(state: 0xE4C0DE)
        var parser = JSONObjectParser()
        let encoder = JSONEncoder()
        for round in 0..<2000 {
            encoder.outputFormatting = round % 2 == 0 ? [] : [.prettyPrinted, .withoutEscapingSlashes]
            let document = Document(
                id: randomTestString(&rng, maxLength: 10), contents: randomTestString(&rng, maxLength: 200),
                tags: [randomTestString(&rng)], nested: [randomTestString(&rng, maxLength: 5): [randomTestString(&rng)]]
            )
            let data = try encoder.encode(document)
            let members = try [UInt8](data).withUnsafeBytes { raw throws(JSONParseError) in try parser.parse(raw) }
            let decoded = Dictionary(uniqueKeysWithValues: members.map { ($0.key, $0.value) })
            #expect(decoded["id"] == .string(document.id))
            #expect(decoded["contents"] == .string(document.contents))
            #expect(decoded["tags"] == .composite)
            #expect(decoded["nested"] == .composite)
        }
    }

    @Test func randomStringsRoundTripThroughRandomEscaping() throws {
        var rng = ParserTestRNG(state: 0xE5C)
        var parser = JSONObjectParser()
        for _ in 0..<3000 {
            let key = randomTestString(&rng, maxLength: 6)
            let value = randomTestString(&rng, maxLength: 60)
            let text =
                "{" + randomlyEscaped(key, &rng) + ":" + randomlyEscaped(value, &rng)
                + ",\"x\":[" + randomlyEscaped(value, &rng) + "]}"
            let members = try parser.parse(Array(text.utf8))
            #expect(members.first?.key == key, "\(text.debugDescription)")
            #expect(members.first?.value == .string(value), "\(text.debugDescription)")
            // Foundation agrees on what the text means (except that it drops U+FEFF written as "\uFEFF").
            if !key.unicodeScalars.contains("\u{FEFF}") && !value.unicodeScalars.contains("\u{FEFF}") {
                let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                #expect(object?[key] as? String == value)
            }
        }
    }

    @Test func mutatedDocumentsNeverCrashAndReportInRangeOffsets() throws {
        var rng = ParserTestRNG(state: 0xF022)
        let seeds = [
            #"{"id":"doc1","title":"T\u00e9st \"q\"","n":-1.5e3,"a":[1,{"b":[true,null]},"\ud83d\ude00"],"ok":false}"#,
            "{\"k\":\"naïve 日本 😀\",\"o\":{\"x\":{\"y\":[[[]]]}}}",
        ]
        var parser = JSONObjectParser(maxDepth: 6)
        let alphabet: [UInt8] =
            Array(#"{}[]:,"\/ubfnrt0123456789-+.eE aZ"#.utf8)
            + [0x00, 0x1F, 0x7F, 0x80, 0xBF, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xFF]
        var accepted = 0
        for _ in 0..<20_000 {
            var bytes = Array(seeds.randomElement(using: &rng)!.utf8)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let position = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[position] = alphabet.randomElement(using: &rng)!
                case 1: bytes.insert(alphabet.randomElement(using: &rng)!, at: position)
                case 2: if bytes.count > 1 { bytes.remove(at: position) }
                default: bytes.removeSubrange(position...)
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            do throws(JSONParseError) {
                _ = try parser.parse(bytes)
                accepted += 1
            } catch {
                #expect(error.offset >= 0 && error.offset <= bytes.count)
            }
        }
        #expect(accepted > 0)
    }
}
