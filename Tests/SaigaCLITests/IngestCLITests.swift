// End-to-end tests of `saiga index` on bad input, --skip-bad, and JSONL input (plain and gzip-compressed).

import Foundation
import Testing

/// One kind of bad input: the file(s) to write and what the error message must contain.
struct BadInput: CustomTestStringConvertible, Sendable {
    var name: String
    /// File name → content. A missing entry for `inputName` means "the path does not exist".
    var files: [String: [UInt8]]
    /// The path given to `saiga index`, relative to the test directory.
    var inputName: String
    /// Substrings the error message must contain (the `{dir}` placeholder is the test directory).
    var mentions: [String]
    var testDescription: String { name }
}

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

let badInputs: [BadInput] = [
    BadInput(
        name: "invalid UTF-8 on line 3 of a .txt file",
        files: [
            "bad.txt": bytes("A headline\nfirst line is fine\n") + [0xC3, 0x28] + bytes(" broken line\nlast line\n")
        ],
        inputName: "bad.txt", mentions: ["bad.txt:3"]),
    BadInput(
        name: "malformed JSON on line 2 of a .jsonl file",
        files: [
            "malformed.jsonl": bytes("{\"id\":\"m1\",\"title\":\"T\",\"contents\":\"alpha\"}\n{\"id\":\"m2\", oops\n")
        ],
        inputName: "malformed.jsonl", mentions: ["malformed.jsonl:2:"]),
    BadInput(
        name: "a .jsonl line without id",
        files: [
            "noid.jsonl": bytes(
                "{\"id\":\"n1\",\"title\":\"T\",\"contents\":\"alpha\"}\n{\"title\":\"U\",\"contents\":\"beta\"}\n")
        ],
        inputName: "noid.jsonl", mentions: ["noid.jsonl:2:", "id"]),
    BadInput(
        name: "two .jsonl lines with the same id",
        files: [
            "dup.jsonl": bytes(
                "{\"id\":\"d1\",\"title\":\"T\",\"contents\":\"alpha\"}\n{\"id\":\"d1\",\"title\":\"U\",\"contents\":\"beta\"}\n"
            )
        ],
        inputName: "dup.jsonl", mentions: ["duplicate", "dup.jsonl:2"]),
    BadInput(
        name: "an empty .txt file",
        files: ["empty.txt": []],
        inputName: "empty.txt", mentions: ["empty.txt", "empty"]),
    BadInput(
        name: "a path that does not exist",
        files: [:],
        inputName: "no-such-file.txt", mentions: ["no-such-file.txt"]),
    BadInput(
        name: "a truncated .jsonl.gz file",
        files: ["trunc.jsonl.gz": [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4B, 0x4C]],
        inputName: "trunc.jsonl.gz", mentions: ["trunc.jsonl.gz"]),
]

/// Good JSONL documents, used next to bad ones.
let goodJSONL = """
    {"id":"g1","title":"Steppe antelope","contents":"the saiga antelope roams the steppe"}
    {"id":"g2","title":"Marmots","body":"marmots whistle on the steppe"}

    """

@Suite("saiga index: bad input, --skip-bad, JSONL")
struct IngestCLITests {
    private func writeFiles(_ input: BadInput, in dir: URL) throws {
        for (name, content) in input.files { try write(content, to: dir.appendingPathComponent(name)) }
    }

    @Test("bad input: exit 1, the message names the file (and line), nothing committed", arguments: badInputs)
    func badInputFails(_ input: BadInput) async throws {
        try await withTempDir { dir in
            try writeFiles(input, in: dir)
            let idx = dir.appendingPathComponent("idx")
            let r = try await saiga("index", dir.appendingPathComponent(input.inputName).path, "--index", idx.path)
            #expect(r.status == 1, "\(r)")
            for m in input.mentions {
                #expect(r.stderr.contains(m), "stderr should mention \(m.debugDescription):\n\(r)")
            }
            #expect(!r.stdout.contains("indexed"), "\(r)")
            #expect(committedManifests(in: idx).isEmpty, "a failed build committed: \(committedManifests(in: idx))")
            let search = try await saiga("search", "--index", idx.path, "--json", "alpha")
            #expect(search.status == 1, "there should be no index to search:\n\(search)")
        }
    }

    @Test("bad input into an existing index: exit 1 and the old commit stays searchable", arguments: badInputs)
    func badInputKeepsOldIndex(_ input: BadInput) async throws {
        try await withTempDir { dir in
            try writeFiles(input, in: dir)
            let idx = try await buildCorpusIndex(in: dir)
            let before = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "saiga"))
            let statsBefore = try await saiga("stats", "--index", idx.path, "--json")

            let r = try await saiga("index", dir.appendingPathComponent(input.inputName).path, "--index", idx.path)
            #expect(r.status == 1, "\(r)")
            for m in input.mentions {
                #expect(r.stderr.contains(m), "stderr should mention \(m.debugDescription):\n\(r)")
            }

            #expect(committedManifests(in: idx) == ["manifest_1"])
            let after = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "saiga"))
            #expect(after.ids == before.ids)
            #expect(after.hits.first?.title.contains("DiCaprio") == true)
            let statsAfter = try await saiga("stats", "--index", idx.path, "--json")
            #expect(statsAfter.status == 0, "\(statsAfter)")
            #expect(statsAfter.stdout == statsBefore.stdout)
            // The index can still be rebuilt afterwards (the failed build released the write lock).
            let rebuild = try await saiga("index", corpusDirectory.path, "--index", idx.path)
            #expect(rebuild.status == 0, "\(rebuild)")
            #expect(rebuild.stdout.contains("indexed 13 documents"), "\(rebuild)")
        }
    }

    /// ~3 MB of JSONL: 6000 small documents over a few words, then (if `brokenLast`) a malformed last line.
    private func bigJSONL(brokenLast: Bool) -> String {
        var text = ""
        let words = ["steppe", "saiga", "marmot", "eagle", "river", "mountain", "city", "wind", "grass", "horse"]
        for i in 0..<6000 {
            var body = ""
            for j in 0..<60 { body += words[(i * 7 + j * 3 + j / 5) % words.count] + "\(j % 13) " }
            text += "{\"id\":\"doc\(i)\",\"title\":\"Doc \(i)\",\"contents\":\"\(body)\"}\n"
        }
        if brokenLast { text += "{\"id\":\"broken\", \n" }
        return text
    }

    private func indexFileNames(_ dir: URL) -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0 != "write.lock" })
    }

    @Test("a failure after a segment was flushed: old commit intact, the flushed files removed")
    func failureAfterFlush() async throws {
        try await withTempDir { dir in
            // Segments of 1,000 documents: several are flushed to disk before the bad last line.
            try write(bigJSONL(brokenLast: true), to: dir.appendingPathComponent("big.jsonl"))
            let idx = try await buildCorpusIndex(in: dir)
            let filesBefore = indexFileNames(idx)
            let r = try await saiga(
                "index", dir.appendingPathComponent("big.jsonl").path, "--index", idx.path,
                "--segment-docs", "1000")
            #expect(r.status == 1, "\(r)")
            #expect(r.stderr.contains("big.jsonl:6001:"), "\(r)")
            #expect(committedManifests(in: idx) == ["manifest_1"])
            let after = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "-k", "20", "the OR a"))
            #expect(after.total == 13)
            #expect(try searchJSON(try await saiga("search", "--index", idx.path, "--json", "marmot")).total == 0)
            let stats = try parseJSONObject(try await saiga("stats", "--index", idx.path, "--json").stdout)
            #expect(stats["docs"] as? Int == 13)
            #expect(stats["generation"] as? Int == 1)
            // The rollback discards what was not committed: no orphaned segment files stay behind.
            let leftovers = indexFileNames(idx).subtracting(filesBefore)
            #expect(leftovers.isEmpty, "files left behind by the failed build: \(leftovers.sorted())")

            // The next successful build commits and leaves only its own files.
            try write(bigJSONL(brokenLast: false), to: dir.appendingPathComponent("big.jsonl"))
            let ok = try await saiga(
                "index", dir.appendingPathComponent("big.jsonl").path, "--index", idx.path,
                "--segment-docs", "1000")
            #expect(ok.status == 0, "\(ok)")
            #expect(ok.stdout.contains("indexed 6,000 documents"), "\(ok)")
            let okStats = try parseJSONObject(try await saiga("stats", "--index", idx.path, "--json").stdout)
            let segments = try #require(okStats["segments"] as? Int)
            #expect(segments == 6)
            let metas = indexFileNames(idx).filter { $0.hasSuffix(".meta") }
            #expect(metas.count == segments, "segment files on disk: \(metas.sorted()), segments: \(segments)")
            #expect(committedManifests(in: idx) == ["manifest_2"])
        }
    }

    @Test("--ram-mb 1 does not flush a segment per document")
    func smallRAMBudget() async throws {
        try await withTempDir { dir in
            // The whole corpus is ~150 KB of text: its in-RAM segment fits in 1 MB many times over.
            let idx = dir.appendingPathComponent("idx")
            let r = try await saiga("index", corpusDirectory.path, "--index", idx.path, "--ram-mb", "1")
            #expect(r.status == 0, "\(r)")
            let stats = try parseJSONObject(try await saiga("stats", "--index", idx.path, "--json").stdout)
            let segments = try #require(stats["segments"] as? Int)
            #expect(segments <= 2, "13 documents (~150 KB) with --ram-mb 1 made \(segments) segments")
        }
    }

    @Test("a many-segment index answers like a one-segment index")
    func multiSegmentResults() async throws {
        try await withTempDir { dir in
            let one = try await buildCorpusIndex(in: dir, name: "one")
            let many = dir.appendingPathComponent("many")
            // One document per segment.
            let r = try await saiga("index", corpusDirectory.path, "--index", many.path, "--segment-docs", "1")
            #expect(r.status == 0, "\(r)")
            let stats = try parseJSONObject(try await saiga("stats", "--index", many.path, "--json").stdout)
            #expect(stats["segments"] as? Int == 13)
            for q in ["kazakhstan", "\"human rights\"", "saiga OR oil", "title:kazakhstan -rights", "kaz*"] {
                let a = try searchJSON(try await saiga("search", "--index", one.path, "--json", "-k", "20", q))
                let b = try searchJSON(try await saiga("search", "--index", many.path, "--json", "-k", "20", q))
                #expect(a.total == b.total, "\(q)")
                #expect(a.ids == b.ids, "\(q)")
                for (x, y) in zip(a.hits, b.hits) {
                    #expect(
                        abs(x.score - y.score) <= 1e-4 * max(1, abs(x.score)), "\(q): \(x.id) \(x.score) vs \(y.score)")
                }
            }
        }
    }

    @Test("--skip-bad: bad inputs are reported and skipped, the good documents indexed")
    func skipBad() async throws {
        try await withTempDir { dir in
            for input in badInputs { try writeFiles(input, in: dir) }
            try write(goodJSONL, to: dir.appendingPathComponent("good.jsonl"))
            let idx = dir.appendingPathComponent("idx")
            let inputs =
                badInputs.map { dir.appendingPathComponent($0.inputName).path }
                + [dir.appendingPathComponent("good.jsonl").path, corpusDirectory.path]
            let r = try await saiga(["index"] + inputs + ["--index", idx.path, "--skip-bad"])
            #expect(r.status == 0, "\(r)")
            #expect(r.stderr.contains("skipping"), "\(r)")
            for input in badInputs {
                for m in input.mentions {
                    #expect(r.stderr.contains(m), "stderr should report \(input.name) (\(m.debugDescription)):\n\(r)")
                }
            }
            #expect(r.stdout.contains("skipped"), "\(r)")
            #expect(committedManifests(in: idx) == ["manifest_1"])

            // The good documents: the corpus's 13, g1 and g2, and the good first lines of the bad .jsonl files.
            let all = try searchJSON(
                try await saiga(
                    "search", "--index", idx.path, "--json", "-k", "100", "the OR a OR alpha OR beta OR steppe"))
            let ids = Set(all.ids)
            #expect(
                ids.isSuperset(of: ["g1", "g2", "m1", "n1", "d1", "002_73c89ad6eebc6f35.txt#1"]), "ids: \(ids.sorted())"
            )
            #expect(all.ids.filter { $0.hasPrefix("0") }.count == 13, "ids: \(all.ids.sorted())")
            // The malformed line is not a document, the line without an id has none, the second "d1" is skipped.
            #expect(!ids.contains("m2"))
            #expect(all.ids.count == 13 + 5, "ids: \(all.ids.sorted())")
            let beta = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "beta"))
            #expect(beta.total == 0, "the second d1 and the id-less line hold 'beta': \(beta.ids)")
            let marmots = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "marmots"))
            #expect(marmots.ids == ["g2"])
        }
    }

    @Test("damaged .jsonl.gz files: exit 1, the file and line named once, 'gzip' in the message")
    func damagedGzip() async throws {
        try await withTempDir { dir in
            let source = dir.appendingPathComponent("ok.jsonl")
            try write(goodJSONL, to: source)
            let gz = try await run(URL(fileURLWithPath: "/usr/bin/gzip"), ["-kf", source.path])
            try #require(gz.status == 0, "\(gz)")
            let good = try Data(contentsOf: dir.appendingPathComponent("ok.jsonl.gz"))
            var badCRC = good
            badCRC[badCRC.count - 6] ^= 0xFF  // in the CRC-32 of the trailer
            let damaged: [(String, Data)] = [
                ("crc.jsonl.gz", badCRC),
                ("half.jsonl.gz", good.prefix(good.count / 2)),
                ("garbage.jsonl.gz", good + Data("trailing garbage".utf8)),
            ]
            for (name, data) in damaged {
                let file = dir.appendingPathComponent(name)
                try data.write(to: file)
                let idx = dir.appendingPathComponent("idx-\(name)")
                let r = try await saiga("index", file.path, "--index", idx.path)
                #expect(r.status == 1, "\(r)")
                #expect(r.stderr.contains("gzip"), "\(r)")
                let message = try #require(r.stderr.split(separator: "\n").first.map(String.init))
                #expect(
                    message.components(separatedBy: name).count - 1 == 1,
                    "the file should be named once: \(message)")
                #expect(message.contains(name + ":"), "\(r)")
                #expect(committedManifests(in: idx).isEmpty)
            }
        }
    }

    @Test("--skip-bad with nothing good: exit 1, nothing committed")
    func skipBadNothingGood() async throws {
        try await withTempDir { dir in
            try write([], to: dir.appendingPathComponent("empty.txt"))
            let idx = dir.appendingPathComponent("idx")
            let r = try await saiga(
                "index", dir.appendingPathComponent("empty.txt").path, "--index", idx.path,
                "--skip-bad")
            #expect(r.status == 1, "\(r)")
            #expect(r.stderr.contains("empty"), "\(r)")
            #expect(committedManifests(in: idx).isEmpty)
        }
    }

    @Test("JSONL: plain and gzip-compressed, body for contents, extra fields stored")
    func jsonl() async throws {
        try await withTempDir { dir in
            let text = """
                {"id":"j1","title":"Steppe","contents":"the saiga antelope roams","lang":"en"}
                {"id":"j2","title":"Body doc","body":"marmots whistle loudly","lang":"kk"}
                {"id":"j3","title":"Escapes \\"quoted\\" \\u00e9t\\u00e9","contents":"caf\\u00e9 line\\nbreak","lang":"fr"}

                """
            let plain = dir.appendingPathComponent("docs.jsonl")
            try write(text, to: plain)
            let gzSource = dir.appendingPathComponent("gz.jsonl")
            try write(text, to: gzSource)
            let gz = try await run(URL(fileURLWithPath: "/usr/bin/gzip"), ["-f", gzSource.path])
            try #require(gz.status == 0, "\(gz)")
            let compressed = dir.appendingPathComponent("gz.jsonl.gz")
            try #require(FileManager.default.fileExists(atPath: compressed.path))

            var outputs: [String] = []
            for (name, input) in [("plain", plain), ("gzip", compressed)] {
                let idx = dir.appendingPathComponent("idx-\(name)")
                let r = try await saiga("index", input.path, "--index", idx.path)
                #expect(r.status == 0, "\(r)")
                #expect(r.stdout.contains("indexed 3 documents"), "\(r)")

                // "body" is indexed like "contents".
                let marmots = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "marmots"))
                #expect(marmots.ids == ["j2"])
                #expect(marmots.hits.first?.title == "Body doc")
                #expect((marmots.hits.first?.snippet as? String)?.contains("<b>marmots</b>") == true)
                #expect(marmots.hits.first?.fields == nil, "no fields object unless --fields is given")

                // The extra string field is stored and returned with --fields.
                let withLang = try searchJSON(
                    try await saiga("search", "--index", idx.path, "--json", "--fields", "lang", "marmots OR saiga"))
                #expect(Set(withLang.ids) == ["j1", "j2"])
                for h in withLang.hits {
                    let lang = h.fields?["lang"] as? String
                    #expect(lang == (h.id == "j1" ? "en" : "kk"), "\(h.id): \(String(describing: h.fields))")
                }
                // JSON escapes decode: \u00e9 is é (and folds to e for searching), \" is a quote.
                let cafe = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "cafe"))
                #expect(cafe.ids == ["j3"])
                #expect(cafe.hits.first?.title == "Escapes \"quoted\" été")
                let readable = try await saiga("search", "--index", idx.path, "--fields", "lang", "marmots")
                #expect(readable.status == 0, "\(readable)")
                #expect(readable.stdout.contains("lang: kk"), "\(readable)")
                outputs.append(
                    try await saiga(
                        "search", "--index", idx.path, "--json", "--fields", "lang",
                        "the OR marmots OR cafe"
                    ).stdout)
            }
            #expect(outputs.count == 2 && outputs[0] == outputs[1], "plain and gzip indexes differ:\n\(outputs)")
        }
    }

    @Test(".txt and .md inputs and --split none")
    func textInputs() async throws {
        try await withTempDir { dir in
            let idx = dir.appendingPathComponent("idx")
            let one = corpusDirectory.appendingPathComponent("000_3c8d84578b754a48.txt")
            let split = try await saiga("index", one.path, "--index", idx.path)
            #expect(split.status == 0, "\(split)")
            #expect(split.stdout.contains("indexed 6 documents"), "\(split)")
            let whole = try await saiga("index", one.path, "--index", idx.path, "--split", "none")
            #expect(whole.status == 0, "\(whole)")
            #expect(whole.stdout.contains("indexed 1 document"), "\(whole)")

            try write(
                "# A markdown note\n\nMarkdown files about tulips are indexed too.\n",
                to: dir.appendingPathComponent("note.md"))
            let md = try await saiga("index", dir.appendingPathComponent("note.md").path, "--index", idx.path)
            #expect(md.status == 0, "\(md)")
            let tulips = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "tulips"))
            #expect(tulips.total == 1)
        }
    }
}
