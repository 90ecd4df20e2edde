// End-to-end tests of the command line against what a hostile or careless user does (issue 10): rebuilds with
// intermediate commits, directories that are not indexes, symlinks and FIFOs, symlink loops in inputs, duplicate
// ids, oversized lines, UTF-16 input, escape sequences in documents, options and limits, unwritable output.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

private func jsonLine(_ id: String, _ title: String, _ body: String, extra: String = "") -> String {
    let e = extra.isEmpty ? "" : ", " + extra
    return "{\"id\": \"\(id)\", \"title\": \"\(title)\", \"contents\": \"\(body)\"\(e)}\n"
}

@Suite("saiga against a hostile user")
struct HardeningCLITests {
    @Test("--commit-every without --append is refused; the previous index stays whole")
    func commitEveryNeedsAppend() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let before = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "kazakhstan"))
            let input = dir.appendingPathComponent("new.jsonl")
            try write(
                (0..<20).map { jsonLine("n\($0)", "New", "zorblax text \($0)") }.joined()
                    + "{not json\n", to: input)
            let r = try await saiga("index", input.path, "--index", idx.path, "--commit-every", "5")
            #expect(r.status == 64 && r.stderr.contains("--append"), "\(r)")
            let after = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "kazakhstan"))
            #expect(after.ids == before.ids)
            // With --append: visible as it goes, and a bad line later stops it at the last commit.
            let a = try await saiga("index", input.path, "--index", idx.path, "--append", "--commit-every", "5")
            #expect(a.status == 1 && a.stdout.contains("committed generation"), "\(a)")
            let fresh = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "zorblax"))
            #expect(fresh.total == 20)
        }
    }

    @Test("a directory of other files is not taken for an index; --force builds beside them")
    func foreignDirectory() async throws {
        try await withTempDir { dir in
            let docs = dir.appendingPathComponent("docs")
            try FileManager.default.createDirectory(at: docs, withIntermediateDirectories: true)
            for name in ["_notes.txt", "manifest_final.doc", "thesis.md"] {
                try write("mine", to: docs.appendingPathComponent(name))
            }
            let r = try await saiga("index", corpusDirectory.path, "--index", docs.path)
            #expect(r.status == 1 && r.stderr.contains("not an index"), "\(r)")
            let left = Set(try FileManager.default.contentsOfDirectory(atPath: docs.path))
            #expect(left == ["_notes.txt", "manifest_final.doc", "thesis.md"])
            let f = try await saiga("index", corpusDirectory.path, "--index", docs.path, "--force", "--quiet")
            #expect(f.status == 0, "\(f)")
            for name in ["_notes.txt", "manifest_final.doc", "thesis.md"] {
                #expect(try String(contentsOf: docs.appendingPathComponent(name), encoding: .utf8) == "mine")
            }
            #expect(try searchJSON(try await saiga("search", "--index", docs.path, "--json", "saiga")).total > 0)
        }
    }

    @Test("a FIFO for a manifest: search warns and answers from the previous commit, never blocks")
    func fifoManifest() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            #expect(mkfifo(idx.appendingPathComponent("manifest_2").path, 0o644) == 0)
            let r = try await saiga("search", "--index", idx.path, "--json", "saiga", timeout: 20)
            #expect(r.status == 0, "\(r)")
            #expect(r.stderr.contains("warning") && r.stderr.contains("commit 2") && r.stderr.contains("FIFO"), "\(r)")
            #expect(try searchJSON(r).total > 0)
            let w = try await saiga("index", "--append", corpusDirectory.path, "--index", idx.path, timeout: 20)
            #expect(w.status == 1 && w.stderr.contains("check --repair"), "\(w)")
        }
    }

    @Test("symlink loops in an input directory: each file once, no hang")
    func symlinkLoops() async throws {
        try await withTempDir { dir in
            let input = dir.appendingPathComponent("input")
            let sub = input.appendingPathComponent("sub")
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            try write(jsonLine("a", "A", "alpha text"), to: input.appendingPathComponent("a.jsonl"))
            try write(jsonLine("b", "B", "bravo text"), to: sub.appendingPathComponent("b.jsonl"))
            #expect(symlink(".", input.appendingPathComponent("self").path) == 0)
            #expect(symlink("..", sub.appendingPathComponent("up").path) == 0)
            #expect(symlink("a.jsonl", input.appendingPathComponent("again.jsonl").path) == 0)
            let idx = dir.appendingPathComponent("idx")
            let r = try await saiga("index", input.path, "--index", idx.path, timeout: 30)
            #expect(r.status == 0, "\(r)")
            #expect(r.stdout.contains("indexed 2 documents"), "\(r)")
            #expect(r.stderr.contains("symbolic link loop") && r.stderr.contains("read once"), "\(r)")
        }
    }

    @Test("an id twice in one input is bad input with and without --append; updates are counted")
    func duplicateIDs() async throws {
        try await withTempDir { dir in
            let idx = dir.appendingPathComponent("idx")
            let first = dir.appendingPathComponent("first.jsonl")
            try write(jsonLine("x", "X", "old text") + jsonLine("y", "Y", "other text"), to: first)
            #expect(try await saiga("index", first.path, "--index", idx.path).status == 0)
            let dup = dir.appendingPathComponent("dup.jsonl")
            try write(
                jsonLine("x", "X", "new text") + jsonLine("z", "Z", "zed") + jsonLine("z", "Z", "zed again"), to: dup)
            for append in [false, true] {
                let r = try await saiga(["index", dup.path, "--index", idx.path] + (append ? ["--append"] : []))
                #expect(r.status == 1 && r.stderr.contains("dup.jsonl:3") && r.stderr.contains("duplicate"), "\(r)")
            }
            let s = try await saiga("index", dup.path, "--index", idx.path, "--append", "--skip-bad")
            #expect(s.status == 0, "\(s)")
            #expect(s.stdout.contains("indexed 2 documents, 1 of them updates (the index holds 3)"), "\(s)")
            #expect(s.stderr.contains("skipping") && s.stderr.contains("dup.jsonl:3"), "\(s)")
        }
    }

    @Test("a line longer than the largest document is refused while reading, naming file and line")
    func hugeLine() async throws {
        try await withTempDir { dir in
            let input = dir.appendingPathComponent("huge.txt")
            // 3 MiB on one line, more than a quarter of an 8 MiB budget (2 MiB).
            let line = String(repeating: "word ", count: 3 << 18)
            try write("Headline\n\n" + line + "\n", to: input)
            let idx = dir.appendingPathComponent("idx")
            let r = try await saiga("index", input.path, "--index", idx.path, "--ram-mb", "8")
            #expect(r.status == 1 && r.stderr.contains("huge.txt:3") && r.stderr.contains("longer than"), "\(r)")
            let ok = try await saiga("index", input.path, "--index", idx.path, "--ram-mb", "64")
            #expect(ok.status == 0, "\(ok)")
        }
    }

    @Test("a text file whose first line is huge gets a bounded title")
    func boundedTitle() async throws {
        try await withTempDir { dir in
            let input = dir.appendingPathComponent("long.txt")
            try write(String(repeating: "lorem ipsum ", count: 5000) + "\n\nsecond paragraph here.\n", to: input)
            let idx = dir.appendingPathComponent("idx")
            #expect(try await saiga("index", input.path, "--index", idx.path).status == 0)
            let hit = try #require(
                try searchJSON(try await saiga("search", "--index", idx.path, "--json", "lorem")).hits.first)
            #expect(hit.title.count <= 200 && hit.title.hasSuffix("…"), "\(hit.title.count) characters")
        }
    }

    @Test("UTF-16 input is named as such")
    func utf16() async throws {
        try await withTempDir { dir in
            func utf16LE(_ text: String) -> [UInt8] {
                var out: [UInt8] = []
                for unit in text.utf16 {
                    out.append(UInt8(unit & 0xFF))
                    out.append(UInt8(unit >> 8))
                }
                return out
            }
            let cases: [(String, [UInt8])] = [
                ("le.txt", utf16LE("Steppe news\n\nThe saiga herd.\n")),
                ("bom.jsonl", [0xFF, 0xFE] + utf16LE(jsonLine("a", "A", "text"))),
            ]
            for (name, bytes) in cases {
                let input = dir.appendingPathComponent(name)
                try write(bytes, to: input)
                let r = try await saiga("index", input.path, "--index", dir.appendingPathComponent("idx-\(name)").path)
                #expect(r.status == 1 && r.stderr.contains("UTF-16"), "\(r)")
            }
        }
    }

    @Test("escape sequences in a document never reach the terminal raw")
    func escapedOutput() async throws {
        try await withTempDir { dir in
            let input = dir.appendingPathComponent("evil.jsonl")
            try write(
                jsonLine(
                    "evil\\u001b]0;pwned\\u0007", "Title \\u001b[2J\\u001b[31mred", "saiga \\u001b[1mbold\\u009b body"),
                to: input)
            let idx = dir.appendingPathComponent("idx")
            #expect(try await saiga("index", input.path, "--index", idx.path).status == 0)
            let r = try await saiga("search", "--index", idx.path, "saiga", "--fields", "id")
            #expect(r.status == 0, "\(r)")
            #expect(
                !r.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B }, "\(r)")
            #expect(r.stdout.contains("\\x1b[2J") && r.stdout.contains("\\u{9b}"), "\(r)")
            // JSON keeps the text exactly (escaped by JSON itself).
            let j = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "saiga"))
            #expect(j.hits.first?.title == "Title \u{1B}[2J\u{1B}[31mred")
        }
    }

    @Test("on an index without positions a hyphenated word matches as AND; a quoted phrase is an error")
    func noPositions() async throws {
        try await withTempDir { dir in
            let idx = dir.appendingPathComponent("idx")
            #expect(try await saiga("index", corpusDirectory.path, "--index", idx.path, "--no-positions").status == 0)
            let r = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "Kassym-Jomart"))
            #expect(r.total > 0)
            let p = try await saiga("search", "--index", idx.path, "\"human rights\"")
            #expect(p.status == 1 && p.stderr.contains("positions"), "\(p)")
        }
    }

    @Test("options take two dashes; a -word after the query is query text")
    func dashes() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let all = try searchJSON(
                try await saiga("search", "--index", idx.path, "--json", "-k", "100", "kazakhstan"))
            let minus = try searchJSON(
                try await saiga("search", "--index", idx.path, "--json", "-k", "100", "kazakhstan", "-oil"))
            let explicit = try searchJSON(
                try await saiga("search", "--index", idx.path, "--json", "-k", "100", "kazakhstan -oil"))
            #expect(minus.ids == explicit.ids && minus.total < all.total)
            let k1 = try await saiga("stats", "--index", idx.path, "-json")
            #expect(k1.status == 64 && k1.stderr.contains("two dashes"), "\(k1)")
        }
    }

    @Test("output that cannot be written is a failure")
    func fullOutput() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            // stdout on /dev/full: every write fails with ENOSPC.
            let r = try await runWithStdout("/dev/full", ["search", "--index", idx.path, "saiga"])
            #expect(r.status == 1 && r.stderr.contains("No space left"), "\(r)")
        }
    }

    @Test("delete of unknown ids commits nothing; check --json on a missing index prints JSON")
    func deleteAndCheck() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let before = committedManifests(in: idx)
            let d = try await saiga("delete", "--index", idx.path, "no-such-id")
            #expect(d.status == 1 && d.stderr.contains("nothing deleted"), "\(d)")
            #expect(committedManifests(in: idx) == before)
            let c = try await saiga("check", "--index", dir.appendingPathComponent("missing").path, "--json")
            #expect(c.status == 1)
            let object = try parseJSONObject(c.stdout)
            #expect(object["ok"] as? Bool == false && (object["error"] as? String)?.contains("no index") == true)
        }
    }

    @Test("one limit for k and offset; an unknown host is named")
    func limitsAndHosts() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let ok = try await saiga(
                "search", "--index", idx.path, "--json", "-k", "10000", "--offset", "90000", "saiga")
            #expect(ok.status == 0, "\(ok)")
            let over = try await saiga("search", "--index", idx.path, "-k", "10000", "--offset", "90001", "saiga")
            #expect(over.status == 64 && over.stderr.contains("100000"), "\(over)")
            let host = try await saiga("search", "--server", "no-such-host.invalid:7700", "saiga")
            #expect(
                host.status != 0 && host.stderr.contains("no-such-host.invalid")
                    && !host.stderr.contains("Invalid argument"), "\(host)")
            let serve = try await saiga("serve", "--index", idx.path, "--listen", "no-such-host.invalid:0")
            #expect(serve.status == 1 && !serve.stderr.contains("Invalid argument"), "\(serve)")
        }
    }

    @Test("stats names the vocabulary and the per-segment sum")
    func statsTerms() async throws {
        try await withTempDir { dir in
            let idx = dir.appendingPathComponent("idx")
            #expect(
                try await saiga("index", corpusDirectory.path, "--index", idx.path, "--segment-docs", "4").status == 0)
            let s = try parseJSONObject(try await saiga("stats", "--index", idx.path, "--json").stdout)
            let terms = try #require(s["terms"] as? Int)
            let summed = try #require(s["segment_terms"] as? Int)
            #expect(s["segments"] as? Int ?? 0 > 1 && terms < summed)
            #expect(try await saiga("merge", "--index", idx.path).status == 0)
            let m = try parseJSONObject(try await saiga("stats", "--index", idx.path, "--json").stdout)
            #expect(m["terms"] as? Int == terms && m["segment_terms"] as? Int == terms)
        }
    }
}

/// Runs `saiga` with stdout opened on `path` (stderr captured).
private func runWithStdout(_ path: String, _ arguments: [String]) async throws -> RunResult {
    try await run(
        URL(fileURLWithPath: "/bin/sh"), ["-c", "exec \"$0\" \"$@\" > " + path, saigaBinary.path] + arguments)
}
