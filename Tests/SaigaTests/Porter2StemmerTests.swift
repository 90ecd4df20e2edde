import Foundation
import Testing

@testable import Saiga

/// Checks `Porter2Stemmer` against the Snowball "english" reference vocabulary (snowball-data: voc.txt and
/// output.txt, line i of one stems to line i of the other) plus a few hand-picked words.
@Suite struct Porter2StemmerTests {
    /// Stems `word` through the pointer API, the way the analyzer calls it.
    static func stem(_ word: String) -> String {
        var bytes = Array(word.utf8)
        let count = bytes.count
        let n = bytes.withUnsafeMutableBufferPointer { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            return Porter2Stemmer.stem(base, count: count)
        }
        #expect(n >= 0 && n <= count, "stem of \(word) returned length \(n)")
        return String(decoding: bytes[0..<n], as: UTF8.self)
    }

    /// Lines of a vocabulary file as byte arrays (the files are not all valid ASCII, so no String round trip).
    static func lines(_ name: String) throws -> [[UInt8]] {
        let url = try #require(Bundle.module.url(forResource: "Resources", withExtension: nil))
            .appendingPathComponent("snowball-english/\(name)")
        let data = try Data(contentsOf: url)
        var result: [[UInt8]] = []
        result.reserveCapacity(43_000)
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            result.append(Array(line))
        }
        // A trailing newline leaves one empty element after it.
        if result.last?.isEmpty == true { result.removeLast() }
        return result
    }

    static func isPlain(_ word: [UInt8]) -> Bool {
        word.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || $0 == UInt8(ascii: "'") }
    }

    @Test func fullReferenceVocabulary() throws {
        let words = try Self.lines("voc.txt")
        let expected = try Self.lines("output.txt")
        #expect(words.count == 42_649)
        try #require(words.count == expected.count)

        var mismatches = 0
        var skipped = 0
        var examples: [String] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        for (word, stem) in zip(words, expected) {
            // The API only promises to stem [a-z']; anything else comes back unchanged, so those lines say nothing
            // about this implementation.
            guard Self.isPlain(word) else {
                skipped += 1
                continue
            }
            if buffer.count < word.count { buffer = [UInt8](repeating: 0, count: word.count) }
            let n = buffer.withUnsafeMutableBufferPointer { b -> Int in
                for (i, c) in word.enumerated() { b[i] = c }
                return Porter2Stemmer.stem(b.baseAddress!, count: word.count)
            }
            let got = buffer[0..<n]
            if n > word.count || !got.elementsEqual(stem) {
                mismatches += 1
                if examples.count < 20 {
                    examples.append(
                        "\(String(decoding: word, as: UTF8.self)) -> \(String(decoding: got, as: UTF8.self))"
                            + " (expected \(String(decoding: stem, as: UTF8.self)))")
                }
            }
        }
        print("Porter2: \(words.count) words, \(skipped) skipped (not [a-z']), \(mismatches) mismatches")
        if !examples.isEmpty { print("Porter2 first mismatches:\n  " + examples.joined(separator: "\n  ")) }
        #expect(mismatches == 0, "first mismatches: \(examples)")
        #expect(skipped < 100)
    }

    @Test(arguments: [
        ("running", "run"),
        ("generously", "generous"),
        ("generate", "generat"),
        // Possessives: the vocabulary has "there's" -> "there"; step 0 drops 's the same way for any word.
        ("there's", "there"),
        ("kazakhstan's", "kazakhstan"),
        ("hoping", "hope"),
        // Not in the vocabulary, but "luxuriate" -> "luxuri" is: -at gets its e back in step 1b, then step 4 drops -ate.
        ("luxuriated", "luxuri"),
        ("pasted", "paste"),
        ("geologists", "geolog"),
        ("international", "internat"),
        ("added", "add"),
        ("hopping", "hop"),
        ("vying", "vie"),
        ("evening", "evening"),
        ("cries", "cri"),
        ("ties", "tie"),
        ("says", "say"),
        ("skies", "sky"),
        ("dying", "die"),
        ("innings", "inning"),
        ("succeeded", "succeed"),
        ("gently", "gentl"),
        ("by", "by"),
        ("a", "a"),
        ("'", "'"),
        ("yesterday", "yesterday"),
    ])
    func spotChecks(word: String, expected: String) {
        #expect(Self.stem(word) == expected)
    }

    @Test func nonPlainBytesAreLeftUnchanged() {
        #expect(Self.stem("Running") == "Running")
        #expect(Self.stem("run2ning") == "run2ning")
        #expect(Self.stem("café") == "café")
        #expect(Self.stem("") == "")
    }

    @Test func degenerateApostrophes() {
        // Words that shrink to nothing or almost nothing must not read outside the buffer.
        #expect(Self.stem("''s") == "")
        #expect(Self.stem("'''") == "'")
        #expect(Self.stem("'s'") == "s")
        #expect(Self.stem("''") == "''")
    }
}
