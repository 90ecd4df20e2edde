// End-to-end tests of how `saiga` reads its command line: every option is declared once and both parsed and
// documented from that declaration, `--` ends options, each option has exactly one spelling, and usage errors exit
// 64 with a message saying what is wrong.

import Foundation
import Saiga
import Testing

@Suite("saiga command line")
struct CommandLineTests {
    /// Every option of every command as its help shows it (`-k N`, `--json`). Written out here rather than read from
    /// the tool, so that an option that disappears (or appears) is a visible change to this list.
    static let options: [String: [String]] = [
        "index": [
            "--index DIR", "--append", "--split headlines|none", "--skip-bad", "--ram-mb N", "--segment-docs N",
            "--threads N", "--commit-every N", "--force", "--schema FILE.json", "--language L", "--no-stem",
            "--stopwords",
            "--no-surface-forms", "--no-positions", "--quiet", "--server HOST:PORT", "--index-name NAME", "--token T",
            "--batch N",
        ],
        "search": [
            "--index DIR", "--server HOST:PORT", "--index-name NAME", "--token T", "-k N", "--offset N", "--json",
            "--k1 X", "--b Y",
            "--no-snippets", "--fragments N", "--snippet-length N", "--pre-tag S", "--post-tag S", "--fields a,b",
            "--exact-count", "--typos off|auto", "--explain", "--profile", "--fuzzy-prefix N",
            "--expansion-scoring MODE", "--filter EXPR",
            "--sort FIELD[:asc|desc]", "--facet SPEC", "--boost FIELD^N", "--after TOKEN",
        ],
        "suggest": [
            "--index DIR", "--server HOST:PORT", "--index-name NAME", "--token T", "--limit N", "--titles N", "--json",
        ],
        "analyze": ["--language L", "--no-stem", "--stopwords", "--index DIR", "--field NAME"],
        "stats": ["--index DIR", "--json"],
        "delete": [
            "--index DIR", "--query QUERY", "--quiet", "--server HOST:PORT", "--index-name NAME", "--token T",
        ],
        "merge": ["--index DIR", "--max-segments N", "--quiet"],
        "check": ["--index DIR", "--json", "--repair"],
        "backup": [
            "--index DIR", "--copy", "--no-check", "--json", "--quiet", "--server HOST:PORT", "--index-name NAME",
            "--token T",
        ],
        "eval": [
            "--qrels FILE", "--run FILE", "--queries FILE", "--index DIR", "--query-syntax", "--depth N",
            "--boost FIELD^N", "--k1 X", "--b Y", "--measures LIST", "--per-query", "--complete", "--write-run FILE",
            "--json",
        ],
        "serve": [
            "--index DIR", "--data DIR", "--default-index NAME", "--listen HOST:PORT", "--http HOST:PORT",
            "--workers N", "--token T", "--tokens FILE", "--quiet", "--no-verify",
            "--max-connections N", "--max-in-flight N", "--max-frame-bytes N", "--max-buffered-bytes N",
            "--idle-timeout S", "--read-timeout S", "--handshake-timeout S", "--reload-interval S",
            "--drain-timeout S", "--spin-us N", "--slow-query-ms N", "--log-format text|json", "--read-only",
            "--commit-window MS", "--writer-idle S", "--max-queued-write-bytes N", "--backup-dir DIR",
        ],
        "help": ["--list-options"],
        "version": [],
    ]

    @Test(
        "every command's help lists each of its options, and the parser accepts each of them",
        arguments: options.keys.sorted())
    func optionsAreDocumentedAndParsed(command: String) async throws {
        let expected = try #require(Self.options[command])
        let listed = try await saiga("help", "--list-options", command)
        #expect(listed.status == 0, "\(listed)")
        #expect(listed.stdout.split(separator: "\n").map(String.init) == expected, "\(listed)")

        let help = try await saiga("help", command)
        #expect(help.status == 0, "\(help)")
        let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for label in expected {
            #expect(help.stdout.contains("[\(label)]"), "usage line of \(command) lacks [\(label)]:\n\(help.stdout)")
            #expect(
                lines.contains { $0.hasPrefix("  \(label)  ") },
                "option list of \(command) lacks \(label):\n\(help.stdout)")
        }
        for line in lines { #expect(line.count < 120, "help line of \(line.count) columns: \(line)") }
        let dashHelp = try await saiga(command, "--help")
        #expect(dashHelp.status == 0 && dashHelp.stdout == help.stdout, "\(dashHelp)")

        // Each option (with a value if it takes one) is accepted: the parser stops at the unknown option after it,
        // before the command runs.
        for label in expected {
            let words = label.split(separator: " ").map(String.init)
            let args = [command, words[0]] + (words.count > 1 ? ["1"] : []) + ["--no-such-option"]
            let r = try await saiga(args, timeout: 20)
            #expect(r.status == 64, "\(r)")
            #expect(r.stderr.contains("unknown option --no-such-option"), "\(r)")
        }
    }

    @Test("saiga help lists every command; help for an unknown command exits 64")
    func helpForCommands() async throws {
        let help = try await saiga("help")
        #expect(help.status == 0, "\(help)")
        for command in Self.options.keys {
            #expect(help.stdout.contains("\n  \(command)"), "saiga help does not list \(command):\n\(help.stdout)")
        }
        for line in help.stdout.split(separator: "\n") { #expect(line.count < 120, "\(line)") }
        let indexHelp = try await saiga("help", "index")
        #expect(indexHelp.status == 0, "\(indexHelp)")
        let dashHelp = try await saiga("--help")
        #expect(dashHelp.status == 0 && dashHelp.stdout == help.stdout, "\(dashHelp)")
        for args in [["help", "nosuch"], ["nosuch", "--help"], ["help", "--list-options", "nosuch"]] {
            let r = try await saiga(args)
            #expect(r.status == 64, "\(r)")
            #expect(r.stderr.contains("unknown command 'nosuch'"), "\(r)")
            #expect(r.stdout.isEmpty, "\(r)")
        }
    }

    @Test("-- ends options: what follows is positional for every command")
    func doubleDashEndsOptions() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir).path

            // search: `-index` is refused as a misspelt option, but after -- it is query text (excluding "index").
            let refused = try await saiga("search", "--index", idx, "--json", "-index", "saiga")
            #expect(refused.status == 64, "\(refused)")
            let text = try searchJSON(try await saiga("search", "--index", idx, "--json", "--", "-index", "saiga"))
            #expect(text.total >= 1)
            // After --, `--json` and `--help` are query text too (which the query parser refuses: exit 1, not 64,
            // and neither JSON nor help on stdout).
            for word in ["--json", "--help"] {
                let r = try await saiga("search", "--index", idx, "--", word, "saiga")
                #expect(r.status == 1, "\(r)")
                #expect(r.stderr.contains("invalid query"), "\(r)")
                #expect(r.stdout.isEmpty, "\(r)")
            }
            // `-k` after -- is no option wanting a value: it excludes k.
            let k = try await saiga("search", "--index", idx, "--", "-k", "saiga")
            #expect(k.status == 0 && k.stdout.hasPrefix("1 hit for -k saiga"), "\(k)")

            let analyzed = try await saiga("analyze", "--", "--no-stem", "running")
            #expect(analyzed.status == 0, "\(analyzed)")
            #expect(analyzed.stdout == "no\nstem\nrun\n", "\(analyzed)")
            let unstemmed = try await saiga("analyze", "--no-stem", "--", "running")
            #expect(unstemmed.stdout == "running\n", "\(unstemmed)")

            let deleted = try await saiga("delete", "--index", idx, "--", "--query", "body:saiga")
            #expect(deleted.status == 1, "\(deleted)")
            #expect(deleted.stderr.contains("no document with id \"--query\""), "\(deleted)")

            let other = dir.appendingPathComponent("other")
            let indexed = try await saiga("index", "--index", other.path, "--", "--quiet")
            #expect(indexed.status == 1, "\(indexed)")
            #expect(indexed.stderr.contains("--quiet: no such file"), "\(indexed)")
            #expect(committedManifests(in: other).isEmpty)

            for command in ["stats", "merge", "check", "serve"] {
                let r = try await saiga([command, "--index", idx, "--", "--json"], timeout: 20)
                #expect(r.status == 64, "\(r)")
                #expect(r.stderr.contains("\(command) takes no arguments (got \"--json\")"), "\(r)")
            }
            let plain = try await saiga("stats", "--index", idx, "--")
            #expect(plain.status == 0, "\(plain)")

            let help = try await saiga("help", "--", "index")
            #expect(help.status == 0 && help.stdout.contains("usage: saiga index"), "\(help)")
        }
    }

    @Test("options take exactly their declared dashes: ---index and -index are refused and the right one named")
    func exactDashCounts() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir).path
            let cases: [([String], String)] = [
                (["stats", "---index", idx], "--index"),
                (["stats", "-index", idx], "--index"),
                (["stats", "--index", idx, "-json"], "--json"),
                (["search", "---index", idx, "saiga"], "--index"),
                (["search", "-index", idx, "saiga"], "--index"),
                (["search", "--index", idx, "--k", "5", "saiga"], "-k"),
                (["search", "--index", idx, "-b", "0.5", "saiga"], "--b"),
                (["index", "-quiet", "x"], "--quiet"),
                (["serve", "-listen", "127.0.0.1:0"], "--listen"),
            ]
            for (args, spelling) in cases {
                let r = try await saiga(args, timeout: 20)
                #expect(r.status == 64, "\(r)")
                #expect(r.stderr.contains("unknown option"), "\(r)")
                #expect(r.stderr.contains(": \(spelling))"), "the message should name \(spelling): \(r)")
                #expect(r.stdout.isEmpty, "\(r)")
            }
            // The declared spellings work, with the value as the next word or after '='.
            for args in [["-k", "2", "--b", "0.5"], ["-k=2", "--b=0.5"], ["--index=\(idx)", "-k", "2"]] {
                let r = try await saiga(["search", "--index", idx, "--json"] + args + ["saiga"])
                #expect(r.status == 0, "\(r)")
            }
        }
    }

    @Test("a flag given a value, or a valued option without one: exit 64")
    func flagValues() async throws {
        try await withTempDir { dir in
            let idx = dir.appendingPathComponent("idx").path
            for args in [
                ["stats", "--index", idx, "--json=1"], ["search", "--index", idx, "--json=1", "x"],
                ["check", "--index", idx, "--repair=yes"], ["delete", "--index", idx, "--quiet=", "x"],
            ] {
                let r = try await saiga(args)
                #expect(r.status == 64, "\(r)")
                #expect(r.stderr.contains("is a flag and takes no value"), "\(r)")
            }
            // A forgotten value does not swallow the next option.
            for args in [
                ["search", "--index", "--json", "x"], ["search", "--index", idx, "x", "-k"],
                ["delete", "--index", idx, "--query"],
            ] {
                let r = try await saiga(args)
                #expect(r.status == 64, "\(r)")
                #expect(r.stderr.contains("needs a value"), "\(r)")
            }
            #expect(committedManifests(in: URL(fileURLWithPath: idx)).isEmpty)
        }
    }

    @Test("numeric options are checked against the library's limits, and the message names the range")
    func ranges() async throws {
        try await withTempDir { dir in
            let idx = dir.appendingPathComponent("idx").path
            let maxK = SearchOptions.maxK
            let cases: [([String], String)] = [
                (["search", "--index", idx, "-k", "0", "x"], "-k must be an integer in 1...\(maxK)"),
                (["search", "--index", idx, "-k", "\(maxK + 1)", "x"], "-k must be an integer in 1...\(maxK)"),
                (
                    ["search", "--index", idx, "--offset", "\(SearchOptions.maxWindow + 1)", "x"],
                    "--offset must be an integer in 0...\(SearchOptions.maxWindow)"
                ),
                (
                    [
                        "index", corpusDirectory.path, "--index", idx, "--ram-mb",
                        "\(IndexWriterOptions.maxRAMBudgetMB + 1)",
                    ],
                    "--ram-mb must be an integer in 1...\(IndexWriterOptions.maxRAMBudgetMB)"
                ),
                (
                    [
                        "index", corpusDirectory.path, "--index", idx, "--threads",
                        "\(IndexWriterOptions.maxThreads + 1)",
                    ],
                    "--threads must be an integer in 1...\(IndexWriterOptions.maxThreads)"
                ),
                (
                    ["index", corpusDirectory.path, "--index", idx, "--threads", "0"],
                    "--threads must be an integer in 1...\(IndexWriterOptions.maxThreads)"
                ),
            ]
            for (args, message) in cases {
                let r = try await saiga(args)
                #expect(r.status == 64, "\(r)")
                #expect(r.stderr.contains(message), "\(r)")
            }
            #expect(committedManifests(in: URL(fileURLWithPath: idx)).isEmpty)
        }
    }
}
