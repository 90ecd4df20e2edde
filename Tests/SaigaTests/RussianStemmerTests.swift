import Foundation
import Testing

@testable import Saiga

/// Checks `RussianStemmer` against the Snowball Russian reference (../shared/testdata/snowball-russian, copied into
/// the test resources: 50,000 forms that Debian's hunspell-ru generates, and their stems by the Snowball project's C
/// implementation through PyStemmer 3.1.0), line for line.
@Suite struct RussianStemmerTests {
    static func stem(_ word: String) -> String {
        var bytes = Array(word.utf8)
        let count = bytes.count
        let n = bytes.withUnsafeMutableBufferPointer { RussianStemmer.stem($0.baseAddress!, count: count) }
        return String(decoding: bytes[0..<n], as: UTF8.self)
    }

    static func lines(_ name: String) throws -> [String] {
        let url = try #require(Bundle.module.url(forResource: "Resources", withExtension: nil))
            .appendingPathComponent("snowball-russian/\(name)")
        let text = try String(contentsOf: url, encoding: .utf8)
        var result = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if result.last?.isEmpty == true { result.removeLast() }
        return result
    }

    @Test func fullReferenceVocabulary() throws {
        let words = try Self.lines("voc.txt")
        let expected = try Self.lines("output.txt")
        #expect(words.count == 50_000)
        try #require(words.count == expected.count)
        var mismatches: [String] = []
        for (word, stem) in zip(words, expected) {
            let got = Self.stem(word)
            if got != stem { mismatches.append("\(word): \(got), expected \(stem)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, e.g. \(mismatches.prefix(20))")
    }

    /// The forms the issue names reach one stem; ё reads as е; anything but lower-case Russian letters is left alone.
    @Test func formsOfOneWordMeet() {
        #expect(Self.stem("казахстан") == Self.stem("казахстана"))
        #expect(Self.stem("экономики") == Self.stem("экономика"))
        #expect(Self.stem("ёлка") == Self.stem("елка"))
        #expect(Self.stem("казахстана") == "казахста")
        #expect(Self.stem("ёлка") == "елк")
        for unchanged in ["kazakhstan", "қазақстан", "Казахстан", "алматы1", "", "я", "щ"] {
            #expect(Self.stem(unchanged) == unchanged, "\(unchanged)")
        }
    }
}
