// Search-box completions (`IndexReader.suggest`): against a brute-force count of the words as written, the long
// ranges that are precomputed, titles, and bad input.

import Testing

@testable import Saiga

@Suite struct SuggestTests {
    /// Documents of random words from a small alphabet (so that prefixes have long ranges) and some English words
    /// that stem.
    func corpus(_ count: Int, seed: UInt64) -> [Document] {
        var rng = SeededRandom(seed: seed)
        let english = [
            "running", "runner", "runs", "steppe", "steppes", "economy", "economies", "economic", "kazakhstan",
        ]
        return (0..<count).map { i in
            var words: [String] = []
            for _ in 0..<(3 + Int(rng.next() % 12)) {
                if rng.next() % 4 == 0 {
                    words.append(english[Int(rng.next() % UInt64(english.count))])
                } else {
                    let length = 1 + Int(rng.next() % 6)
                    words.append(String((0..<length).map { _ in "abc".randomElement(using: &rng)! }))
                }
            }
            return Document(
                id: "d\(i)", title: words.prefix(3).joined(separator: " "), body: words.joined(separator: " "))
        }
    }

    /// Documents holding each word as written, per default field, summed: what `suggest` ranks by.
    func expectedFrequencies(_ docs: [Document]) -> [String: Int] {
        var frequency: [String: Int] = [:]
        for d in docs {
            for text in [d.title, d.body] {
                let words = Set(text.split(separator: " ").map(String.init))
                for w in words { frequency[w, default: 0] += 1 }
            }
        }
        return frequency
    }

    @Test(arguments: [false, true])
    func completionsAreTheMostFrequentWords(stemming: Bool) throws {
        let docs = corpus(600, seed: 5)
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(
            docs, at: dir.path, flushAfter: [199, 399],
            options: IndexWriterOptions(analyzer: AnalyzerOptions(stemming: stemming)))
        let reader = try IndexReader(path: dir.path)
        let frequency = expectedFrequencies(docs)
        for prefix in ["a", "ab", "abc", "c", "cab", "r", "run", "runn", "stepp", "econom", "kaz", "zzz"] {
            let got = try reader.suggest("some words " + prefix, limit: 5)
            // The brute-force answer on unstemmed words is exact. On a stemmed index, a word that is its own stem
            // and also the stem of others (`runs` → run, no word "run" here) is estimated; the random words and
            // the English words with their own surface forms are exact.
            let expected = frequency.filter { $0.key.hasPrefix(prefix) }.sorted {
                $0.value != $1.value ? $0.value > $1.value : $0.key.utf8.lexicographicallyPrecedes($1.key.utf8)
            }.prefix(5)
            #expect(got.completions.map(\.word) == expected.map(\.key), "\(prefix) stemming \(stemming)")
            #expect(got.completions.map(\.frequency) == expected.map(\.value), "\(prefix) stemming \(stemming)")
            #expect(got.completions.allSatisfy { $0.text == "some words " + $0.word })
        }
    }

    @Test func longRangesUseThePrecomputedBest() {
        // 20,000 words under "a": longer than the scan limit at depths 1 and 2.
        var words: [(word: [UInt8], weight: Int)] = []
        var rng = SeededRandom(seed: 9)
        var seen = Set<[UInt8]>()
        while words.count < 20_000 {
            // Up to 6^7 distinct words: room for 20,000.
            let w = Array("a".utf8) + (0..<(2 + Int(rng.next() % 6))).map { _ in UInt8(0x61 + rng.next() % 6) }
            if seen.insert(w).inserted { words.append((w, 1 + Int(rng.next() % 10_000))) }
        }
        words.sort { $0.word.lexicographicallyPrecedes($1.word) }
        let index = CompletionIndex(sortedWords: words)
        for prefix in ["a", "aa", "ab", "aab", "abcd", "b"] {
            let p = Array(prefix.utf8)
            let brute = words.filter { $0.word.starts(with: p) }.sorted {
                $0.weight != $1.weight ? $0.weight > $1.weight : $0.word.lexicographicallyPrecedes($1.word)
            }
            for limit in [1, 10, 32, 50] {
                let got = index.complete(p, limit: limit)
                #expect(got.map(\.word) == brute.prefix(limit).map(\.word), "\(prefix) \(limit)")
            }
        }
    }

    @Test func titlesMatchTheWordsAndTheLastAsAPrefix() throws {
        let docs = [
            Document(id: "t1", title: "Human rights in Kazakhstan", body: "x"),
            Document(id: "t2", title: "Kazakh steppe running", body: "y"),
            Document(id: "t3", title: "Rights of the steppe", body: "z"),
        ]
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(docs, at: dir.path)
        let reader = try IndexReader(path: dir.path)
        let kaz = try reader.suggest("kaz", limit: 3, titles: 5)
        #expect(Set(kaz.titles.map(\.id)) == ["t1", "t2"])
        #expect(kaz.completions.map(\.word) == ["kazakh", "kazakhstan"])
        #expect(try reader.suggest("rights kaz", titles: 5).titles.map(\.id) == ["t1"])
        #expect(try reader.suggest("steppe runn", titles: 5).titles.map(\.id) == ["t2"])
        // Nothing to complete after a space; nothing starts with "q".
        #expect(try reader.suggest("kaz ", titles: 5).completions.isEmpty)
        #expect(try reader.suggest("q", titles: 5).titles.isEmpty)
        #expect(throws: SaigaError.self) { try reader.suggest("kaz", limit: 101) }
        #expect(throws: SaigaError.self) { try reader.suggest(String(repeating: "k", count: 5000)) }
        #expect(try reader.suggest("", limit: 5).completions.isEmpty)
        #expect(try reader.suggest("K\u{0301}AZ", limit: 5).completions.map(\.word) == ["kazakh", "kazakhstan"])
    }
}
