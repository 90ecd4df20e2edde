// End-to-end tests of how `saiga` reports bad queries and bad usage.

import Foundation
import Testing

@Suite("saiga query errors and usage errors")
struct ErrorCLITests {
    /// Invalid queries with a word the message should contain.
    static let invalidQueries: [(query: String, mentions: String)] = [
        ("title:(saiga", "("),
        ("foo:bar", "foo"),
        ("\"unterminated", "phrase"),
        ("a AND", "AND"),
        (")", ")"),
    ]

    @Test("invalid queries exit 1 with 'invalid query' and a column", arguments: 0..<invalidQueries.count)
    func invalidQuery(_ i: Int) async throws {
        let (query, mentions) = Self.invalidQueries[i]
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            for json in [false, true] {
                let r = try await saiga(["search", "--index", idx.path] + (json ? ["--json"] : []) + [query])
                #expect(r.exited, "\(r)")
                #expect(r.status == 1, "\(r)")
                #expect(r.stderr.contains("invalid query"), "\(r)")
                #expect(r.stderr.contains("column"), "\(r)")
                #expect(r.stderr.contains(mentions), "\(r)")
                #expect(r.stdout.isEmpty, "nothing on stdout for a failed query: \(r)")
                // The query is echoed with a caret under the offending column.
                #expect(r.stderr.contains("  " + query + "\n"), "\(r)")
                #expect(r.stderr.contains("^"), "\(r)")
            }
        }
    }

    @Test("the caret sits under the reported column (columns count characters)")
    func caretColumn() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            for (query, expected) in [
                ("title:(saiga", 7), ("a AND", 6), ("ñandú AND", 10), ("Kazakhstan’s (oil", 14),
                ("a OR OR b", 6),
            ] {
                let r = try await saiga("search", "--index", idx.path, query)
                #expect(r.status == 1, "\(r)")
                let lines = r.stderr.split(separator: "\n").map(String.init)
                let first = try #require(lines.first)
                let column = try #require(first.firstMatch(of: /column ([0-9]+)/).flatMap { Int($0.1) }, "\(r)")
                #expect(column == expected, "\(r)")
                let caretLine = try #require(lines.first { $0.trimmingCharacters(in: .whitespaces) == "^" }, "\(r)")
                // The echoed query and the caret line are both indented by two spaces; columns count from 1.
                let caret = caretLine.distance(from: caretLine.startIndex, to: caretLine.firstIndex(of: "^")!) - 2
                #expect(caret + 1 == column, "\(r)")
            }
        }
    }

    @Test("valid queries of every kind succeed")
    func validQueries() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            for q in [
                "kazakhstan", "+human -saiga", "title:kazakhstan", "body:oil", "kaz*", "(oil OR gas) AND opec",
                "\"human rights\"", "NOT saiga kazakhstan", "zzzzunknownword",
            ] {
                let r = try await saiga("search", "--index", idx.path, "--json", q)
                let result = try searchJSON(r)
                #expect(result.hits.count <= result.total, "\(q): \(r)")
            }
            // After "--" a query may start with a dash.
            let dashed = try searchJSON(
                try await saiga("search", "--index", idx.path, "--json", "--", "-saiga", "kazakhstan"))
            #expect(dashed.total > 0)
            #expect(!dashed.hits.contains { $0.title.contains("DiCaprio") })
            let none = try searchJSON(try await saiga("search", "--index", idx.path, "--json", "zzzzunknownword"))
            #expect(none.total == 0)
            #expect(none.hits.isEmpty)
        }
    }

    @Test("unknown command: exit 64 with a usage hint")
    func unknownCommand() async throws {
        for args in [["bogus"], ["serach", "kazakhstan"], ["--bogus"]] {
            let r = try await saiga(args)
            #expect(r.status == 64, "\(r)")
            #expect(r.stderr.contains("saiga help"), "\(r)")
            #expect(r.stdout.isEmpty, "\(r)")
        }
    }

    @Test("unknown option or bad option value: exit 64 with a usage hint")
    func unknownOption() async throws {
        try await withTempDir { dir in
            let idx = dir.appendingPathComponent("idx").path
            let cases: [[String]] = [
                ["search", "--bogus", "x"],
                ["search", "--index", idx, "--jsno", "x"],
                ["index", "--bogus"],
                ["index", corpusDirectory.path, "--index", idx, "--split", "paragraphs"],
                ["index", corpusDirectory.path, "--index", idx, "--ram-mb", "0"],
                ["stats", "--index", idx, "--verbose"],
                ["stats", "--index", idx, "extra"],
                ["analyze", "--bogus", "text"],
                ["analyze"],
                ["search", "--index", idx],
                ["search", "--index", idx, "-k", "ten", "x"],
                ["search", "--index", idx, "--k1", "nan", "x"],
                ["search", "--index", idx, "--json=yes", "x"],
                ["search", "--index"],
            ]
            for args in cases {
                let r = try await saiga(args)
                #expect(r.status == 64, "\(r)")
                #expect(r.stderr.contains("saiga help"), "\(r)")
                #expect(r.stdout.isEmpty, "\(r)")
            }
            // None of these created an index.
            #expect(committedManifests(in: dir.appendingPathComponent("idx")).isEmpty)
        }
    }

    @Test("search or stats on a missing index: exit 1, a clear message")
    func missingIndex() async throws {
        try await withTempDir { dir in
            let idx = dir.appendingPathComponent("nothing-here").path
            for args in [
                ["search", "--index", idx, "kazakhstan"], ["stats", "--index", idx],
                ["search", "--index", idx, "--json", "kazakhstan"],
            ] {
                let r = try await saiga(args)
                #expect(r.status == 1, "\(r)")
                #expect(r.stderr.contains("nothing-here"), "\(r)")
                #expect(r.stdout.isEmpty, "\(r)")
            }
            // --index is given, so nothing is built there.
            #expect(!FileManager.default.fileExists(atPath: idx))
        }
    }
}
