// End-to-end tests of `saiga index`, `saiga search`, `saiga analyze` and `saiga stats` on the bundled corpus.

import Foundation
import Testing

@Suite("saiga index / search / analyze / stats")
struct SearchCLITests {
    @Test("the binary and the corpus are where the tests expect them")
    func locations() throws {
        #expect(FileManager.default.isExecutableFile(atPath: saigaBinary.path), "no saiga at \(saigaBinary.path)")
        let files = try FileManager.default.contentsOfDirectory(atPath: corpusDirectory.path)
            .filter { $0.hasSuffix(".txt") }
        #expect(files.count == 5, "corpus files: \(files)")
    }

    @Test("index the corpus: 13 documents, summary line on stdout")
    func indexCorpus() async throws {
        try await withTempDir { dir in
            let idx = dir.appendingPathComponent("idx")
            let r = try await saiga("index", corpusDirectory.path, "--index", idx.path)
            #expect(r.status == 0, "\(r)")
            #expect(r.stdout.contains("indexed 13 documents"), "\(r)")
            #expect(r.stdout.contains("generation 1"), "\(r)")
            #expect(committedManifests(in: idx) == ["manifest_1"])

            // A second build replaces the first with a new generation of the same 13 documents.
            let again = try await saiga("index", corpusDirectory.path, "--index", idx.path)
            #expect(again.status == 0, "\(again)")
            #expect(again.stdout.contains("indexed 13 documents"), "\(again)")
            #expect(again.stdout.contains("generation 2"), "\(again)")

            // --quiet prints nothing.
            let quiet = try await saiga("index", corpusDirectory.path, "--index", idx.path, "--quiet")
            #expect(quiet.status == 0, "\(quiet)")
            #expect(quiet.stdout.isEmpty, "\(quiet)")
            let all = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "-k", "20", "the OR a"))
            #expect(all.total == 13)
        }
    }

    @Test("search --json: one valid JSON object, DiCaprio first for 'saiga'")
    func searchJSONSaiga() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let r = try await saiga("search", "--index", idx.path, "--json", "saiga")
            let result = try searchJSON(r)
            #expect(r.stderr.isEmpty, "\(r)")
            #expect(r.stdout.hasSuffix("}\n"), "stdout should be the object and a newline: \(r.stdout)")
            #expect(result.total >= 1)
            #expect(result.hits.count == min(result.total, 10))
            let first = try #require(result.hits.first)
            #expect(first.title.contains("DiCaprio"), "first hit: \(first.id) \(first.title)")
            #expect(first.score > 0)
            for h in result.hits {
                #expect(h.snippet is String, "snippet of \(h.id): \(String(describing: h.snippet))")
            }
            // JSON snippets mark matches with <b>…</b>.
            let snippet = try #require(first.snippet as? String)
            #expect(snippet.contains("<b>"), "\(snippet)")
        }
    }

    @Test("the query language on the bundled corpus: did you mean, typos, --explain")
    func queryLanguageOnTheCorpus() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let typo = try await saiga("search", "--index", idx.path, "kazakstan", "--no-snippets")
            #expect(typo.status == 0 && typo.stdout.contains("Did you mean: kazakhstan"), "\(typo)")
            let tolerant = try await saiga(
                "search", "--index", idx.path, "kazakstan", "--typos", "auto", "--json", "--no-snippets")
            let exact = try searchJSON(try await saiga("search", "--index", idx.path, "kazakhstan", "--json"))
            #expect(try searchJSON(tolerant).total >= exact.total, "\(tolerant)")
            let explained = try await saiga(
                "search", "--index", idx.path, "\"human rights\"~2^2 kazakstan~1", "-k", "1", "--explain", "--json")
            #expect(explained.status == 0, "\(explained)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(explained.stdout.utf8)) as? [String: Any])
            let hit = try #require((object["hits"] as? [[String: Any]])?.first)
            let explanation = try #require(hit["explanation"] as? [String: Any])
            // The explanation's value is the hit's score.
            #expect((explanation["value"] as? Double) == (hit["score"] as? Double), "\(explained.stdout)")
            #expect(explained.stdout.contains("weight(body:\\\"human right\\\"~2"), "\(explained.stdout)")
            let badTypos = try await saiga("search", "--index", idx.path, "x", "--typos", "some")
            #expect(badTypos.status == 64, "\(badTypos)")
        }
    }

    @Test("search --json for the phrase \"death penalty\"")
    func searchPhrase() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let r = try await saiga("search", "--index", idx.path, "--json", "\"death penalty\"")
            let result = try searchJSON(r)
            #expect(r.stderr.isEmpty, "\(r)")
            #expect(result.total == result.hits.count)
            #expect(result.ids.contains("002_73c89ad6eebc6f35.txt#1"), "ids: \(result.ids)")
            #expect(result.ids.contains("004_038d0ce85438f681.txt#1"), "ids: \(result.ids)")
            #expect(Set(result.ids).count == result.ids.count, "duplicate ids: \(result.ids)")
            for h in result.hits {
                let snippet = try #require(h.snippet as? String, "snippet of \(h.id) is not a string")
                #expect(snippet.lowercased().contains("penalty"), "\(h.id): \(snippet)")
            }
            // Scores are in descending order.
            #expect(result.hits.map(\.score) == result.hits.map(\.score).sorted(by: >))
        }
    }

    @Test("the corpus splits into 13 articles titled by their headlines")
    func articlesAndTitles() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let r = try await saiga("search", "--index", idx.path, "--json", "-k", "20", "the OR a")
            let result = try searchJSON(r)
            #expect(result.total == 13)
            #expect(result.hits.count == 13)
            #expect(Set(result.ids).count == 13, "ids are not distinct: \(result.ids)")
            let titles = result.hits.map(\.title)
            let expected = [
                "OCCRP Reports on Corruption Linked to Berdimuhamedov family",
                "More airlines resume international air travel to Kazakhstan",
                "Kazakhstan will continue to increase oil production under OPEC+ agreement",
                "Leonardo DiCaprio Congratulates Government of Kazakhstan",
            ]
            var idsOfExpected: [String] = []
            for title in expected {
                let hit = result.hits.first { $0.title == title }
                #expect(hit != nil, "no document titled \(title.debugDescription); titles: \(titles)")
                if let hit { idsOfExpected.append(hit.id) }
            }
            #expect(Set(idsOfExpected).count == idsOfExpected.count, "ids: \(idsOfExpected)")
            for h in result.hits { #expect(!h.title.isEmpty, "untitled: \(h.id)") }
        }
    }

    @Test("--offset pages through the same ranking")
    func paging() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let all = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "-k", "20", "kazakhstan"))
            let page = try searchJSON(
                try await saiga("search", "--index", idx.path, "--json", "-k", "3", "--offset", "2", "kazakhstan"))
            #expect(page.total == all.total)
            #expect(page.ids == Array(all.ids.dropFirst(2).prefix(3)))
        }
    }

    @Test("zero setup: search from a directory with Index/corpus builds Index/index once")
    func zeroSetup() async throws {
        try await withTempDir { dir in
            let indexDir = try makeCheckout(in: dir)

            let first = try await saiga("search", "human rights", in: dir, environment: ["SAIGA_INDEX": nil])
            #expect(first.status == 0, "\(first)")
            #expect(first.stderr.contains("building"), "\(first)")
            #expect(committedManifests(in: indexDir.appendingPathComponent("index")) == ["manifest_1"])
            // Readable output: a header line, then numbered hits.
            let lines = first.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.first?.contains("hits for human rights") == true, "\(first)")
            #expect(lines.contains { $0.hasPrefix("1. ") }, "\(first)")
            #expect(lines.contains { $0.hasPrefix("2. ") }, "\(first)")
            // Not a terminal: no escape sequences in the output.
            #expect(!first.stdout.contains("\u{1B}"), "\(first)")
            #expect(!first.stderr.contains("\u{1B}"), "\(first)")

            let second = try await saiga("search", "human rights", in: dir, environment: ["SAIGA_INDEX": nil])
            #expect(second.status == 0, "\(second)")
            #expect(!second.stderr.contains("building"), "\(second)")
            #expect(second.stdout.withoutTimings == first.stdout.withoutTimings, "\(second)")
            #expect(committedManifests(in: indexDir.appendingPathComponent("index")) == ["manifest_1"])
        }
    }

    @Test("an Index/index in a format this build does not read is moved aside and rebuilt; a named one is not")
    func oldFormatDefaultIndexIsRebuilt() async throws {
        try await withTempDir { dir in
            let indexDir = try makeCheckout(in: dir)
            let first = try await saiga("search", "human rights", in: dir, environment: ["SAIGA_INDEX": nil])
            #expect(first.status == 0, "\(first)")
            // Make it an index of another format version: the manifest's version field (bytes 8..<12) says 2.
            let manifest = indexDir.appendingPathComponent("index/manifest_1")
            var bytes = try Data(contentsOf: manifest)
            bytes[8] = 2
            bytes[9] = 0
            bytes[10] = 0
            bytes[11] = 0
            try bytes.write(to: manifest)

            // Named through $SAIGA_INDEX: the user's own index, reported and left alone.
            let named = try await saiga("search", "human rights", in: dir, environment: ["SAIGA_INDEX": "Index/index"])
            #expect(named.status != 0 && named.stderr.contains("not supported"), "\(named)")
            #expect(try Data(contentsOf: manifest) == bytes)

            // The bundled default: moved aside, rebuilt, and the search answers as before.
            let second = try await saiga("search", "human rights", in: dir, environment: ["SAIGA_INDEX": nil])
            #expect(second.status == 0, "\(second)")
            #expect(second.stderr.contains("moved it to") && second.stderr.contains("building"), "\(second)")
            #expect(second.stdout.withoutTimings == first.stdout.withoutTimings, "\(second)")
            let entries = try FileManager.default.contentsOfDirectory(atPath: indexDir.path)
            let aside = try #require(entries.first { $0.hasPrefix("index.format-") }, "\(entries)")
            #expect(
                try Data(contentsOf: indexDir.appendingPathComponent(aside).appendingPathComponent("manifest_1"))
                    == bytes)
        }
    }

    @Test("zero setup with --json: progress on stderr, stdout holds only the JSON")
    func zeroSetupJSON() async throws {
        try await withTempDir { dir in
            _ = try makeCheckout(in: dir)
            let r = try await saiga("search", "--json", "human rights", in: dir, environment: ["SAIGA_INDEX": nil])
            #expect(r.stderr.contains("building"), "\(r)")
            let result = try searchJSON(r)
            #expect(result.ids.contains("001_da1136e84224b206.txt#1"), "\(result.ids)")
        }
    }

    @Test("zero setup does not rebuild over a damaged default index")
    func zeroSetupDamagedIndex() async throws {
        try await withTempDir { dir in
            let indexDir = try makeCheckout(in: dir)
            let first = try await saiga("search", "saiga", in: dir, environment: ["SAIGA_INDEX": nil])
            #expect(first.status == 0, "\(first)")
            let post = indexDir.appendingPathComponent("index/_0.post")
            var data = try Data(contentsOf: post)
            data[data.count / 2] ^= 0xFF
            try data.write(to: post)
            let r = try await saiga("search", "saiga", in: dir, environment: ["SAIGA_INDEX": nil])
            #expect(r.status == 1, "\(r)")
            #expect(r.stderr.contains("corrupt"), "\(r)")
            #expect(!r.stderr.contains("building"), "\(r)")
            #expect(committedManifests(in: indexDir.appendingPathComponent("index")) == ["manifest_1"])
        }
    }

    @Test("zero setup without a corpus: a clear error, exit 1")
    func zeroSetupWithoutCorpus() async throws {
        try await withTempDir { dir in
            let r = try await saiga("search", "human rights", in: dir, environment: ["SAIGA_INDEX": nil])
            #expect(r.status == 1, "\(r)")
            #expect(r.stderr.contains("no index"), "\(r)")
            #expect(r.stdout.isEmpty, "\(r)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("Index/index/manifest_1").path))
        }
    }

    @Test("SAIGA_INDEX names the default index")
    func saigaIndexEnvironment() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let work = dir.appendingPathComponent("elsewhere")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            let r = try await saiga("search", "--json", "saiga", in: work, environment: ["SAIGA_INDEX": idx.path])
            let result = try searchJSON(r)
            #expect(result.hits.first?.title.contains("DiCaprio") == true, "\(r)")
            #expect(!r.stderr.contains("building"), "\(r)")
            let stats = try await saiga("stats", "--json", in: work, environment: ["SAIGA_INDEX": idx.path])
            #expect(stats.status == 0, "\(stats)")
            #expect((try parseJSONObject(stats.stdout))["docs"] as? Int == 13)
        }
    }

    @Test("analyze prints one term per line")
    func analyze() async throws {
        let r = try await saiga("analyze", "Kazakhstan’s vis-à-vis Kassym-Jomart running")
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout == "kazakhstan\nvis\na\nvis\nkassym\njomart\nrun\n", "\(r)")
        #expect(r.stderr.isEmpty, "\(r)")

        let noStem = try await saiga("analyze", "--no-stem", "running", "saigas")
        #expect(noStem.status == 0, "\(noStem)")
        #expect(noStem.stdout == "running\nsaigas\n", "\(noStem)")
    }

    @Test("stats --json: integer docs, segments, terms, postings, bytes, generation")
    func statsJSON() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let r = try await saiga("stats", "--index", idx.path, "--json")
            #expect(r.status == 0, "\(r)")
            #expect(r.stderr.isEmpty, "\(r)")
            let object = try parseJSONObject(r.stdout)
            for key in ["docs", "segments", "terms", "postings", "bytes", "generation"] {
                // An integer literal in the text (JSONSerialization would also turn 13.0 into an Int).
                let literal = try Regex("\"\(key)\":(0|[1-9][0-9]*)[,}]")
                #expect(r.stdout.contains(literal), "\(key) is not an integer literal in \(r.stdout)")
                #expect(object[key] as? Int != nil, "\(key) missing or not an integer in \(r.stdout)")
            }
            #expect(object["docs"] as? Int == 13)
            #expect((object["segments"] as? Int ?? 0) >= 1)
            #expect((object["terms"] as? Int ?? 0) > 0)
            #expect((object["postings"] as? Int ?? 0) >= (object["terms"] as? Int ?? 0))
            #expect((object["bytes"] as? Int ?? 0) > 0)
            #expect(object["generation"] as? Int == 1)

            let text = try await saiga("stats", "--index", idx.path)
            #expect(text.status == 0, "\(text)")
            #expect(text.stdout.contains("documents   13"), "\(text)")
        }
    }

    @Test("help and version")
    func helpAndVersion() async throws {
        let help = try await saiga("help")
        #expect(help.status == 0, "\(help)")
        #expect(help.stdout.contains("usage: saiga"), "\(help)")
        let noArgs = try await saiga([])
        #expect(noArgs.status == 0, "\(noArgs)")
        #expect(noArgs.stdout == help.stdout)
        let indexHelp = try await saiga("help", "index")
        #expect(indexHelp.status == 0, "\(indexHelp)")
        #expect(indexHelp.stdout.contains("--skip-bad"), "\(indexHelp)")
        let version = try await saiga("--version")
        #expect(version.status == 0, "\(version)")
        #expect(version.stdout.hasPrefix("saiga "), "\(version)")
    }

    @Test("more than 1,000 matches: '1,000+ hits' and total_exact false by default, the exact count with --exact-count")
    func exactCount() async throws {
        try await withTempDir { dir in
            // 1,500 documents contain "common"; every third also "rare", so the ranking has ties and non-ties.
            var lines: [String] = []
            for i in 0..<1500 {
                let extra = String(repeating: " common", count: i % 7) + (i % 3 == 0 ? " rare" : "")
                lines.append(
                    "{\"id\":\"d\(i)\",\"title\":\"doc \(i)\",\"contents\":\"common words here\(extra) filler \(i)\"}")
            }
            let input = dir.appendingPathComponent("docs.jsonl")
            try write(lines.joined(separator: "\n") + "\n", to: input)
            let idx = dir.appendingPathComponent("idx")
            let built = try await saiga("index", input.path, "--index", idx.path)
            try #require(built.exited && built.status == 0, "\(built)")

            let bounded = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "-k", "5", "common"))
            #expect(!bounded.totalIsExact && bounded.total >= 1000 && bounded.total <= 1500, "total \(bounded.total)")
            let exact = try searchJSON(
                try await saiga("search", "--index", idx.path, "--json", "-k", "5", "--exact-count", "common"))
            #expect(exact.totalIsExact && exact.total == 1500)
            // Counting less never changes the ranking.
            #expect(bounded.ids == exact.ids && bounded.hits.map(\.score) == exact.hits.map(\.score))
            let small = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "rare"))
            #expect(small.totalIsExact && small.total == 500)

            let text = try await saiga("search", "--index", idx.path, "-k", "1", "common")
            #expect(
                text.stdout.hasPrefix("1,000+ hits for common") || text.stdout.contains("+ hits for common"),
                "\(text.stdout)")
            let textExact = try await saiga("search", "--index", idx.path, "-k", "1", "--exact-count", "common")
            #expect(textExact.stdout.hasPrefix("1,500 hits for common"), "\(textExact.stdout)")
        }
    }
}

extension String {
    /// Readable search output with the "(12.34 ms)" timing blanked out, so two runs compare equal.
    var withoutTimings: String { self.replacing(/\([0-9.,]+ ms\)/, with: "(… ms)") }
}
