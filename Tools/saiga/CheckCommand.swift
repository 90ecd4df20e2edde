import Saiga
import SaigaPosix

/// The options of `saiga check` alone.
extension OptionSpec {
    fileprivate static let repair = OptionSpec(
        "repair",
        help: """
            writes a new commit without the segments found damaged (their documents are lost; it says which
            and how many) and past a damaged newer manifest. Only when asked: without --repair nothing is
            written. Exit 0 once the index is sound again.
            """)
}

/// `saiga check`: verifies an index, and with --repair drops what is damaged.
enum CheckCommand: Command {
    static let spec = CommandSpec(
        "check", summary: "verify every file and invariant of the index (--repair drops damaged segments)",
        discussion: """
            Verifies the index at DIR: every file's checksum and header, and the invariants readers rely on (sorted
            terms, increasing document numbers within bounds, frequencies ≥ 1, increasing positions, statistics
            that add up, norms, a stored record and a unique id for every document, deletion files, the manifest
            consistent with the files). Exit 0 when sound; otherwise exit 1 with one line per problem naming the file,
            the byte offset if known, and the problem.

            With --json: one object {"ok", "generation", "segments", "docs", "deleted", "seconds",
            "problems": [{"file", "offset", "segment", "message"}], "unreferenced_files": [...]}, or {"ok": false,
            "error", "code"} when there is no index to check.
            """,
        options: [.index, .json.help("print one JSON object (described above) whatever happens"), .repair])

    static func run(_ args: Arguments) throws -> Int32 {
        let path = args.value(.index) ?? Defaults.indexDirectory
        let report: IndexCheckReport
        do { report = try IndexChecker.check(path: path) } catch {
            // With --json the answer is JSON whatever happens.
            if args.flag(.json) {
                Terminal.out(
                    JSON.object([
                        ("ok", "false"), ("error", JSON.string(error.description)),
                        ("code", JSON.string(error.code.name)),
                    ]))
                return 1
            }
            throw error
        }
        var repair: IndexChecker.RepairResult?
        if args.flag(.repair) && !report.isSound { repair = try IndexChecker.repair(path: path, report: report) }
        if args.flag(.json) {
            let problems = report.problems.map { p in
                JSON.object([
                    ("file", JSON.string(p.file)), ("offset", p.offset.map { "\($0)" } ?? "null"),
                    ("segment", p.segment.map(JSON.string) ?? "null"), ("message", JSON.string(p.message)),
                ])
            }
            var pairs: [(String, String)] = [
                ("ok", "\(report.isSound)"), ("generation", "\(report.generation)"), ("segments", "\(report.segments)"),
                ("docs", "\(report.documents)"), ("deleted", "\(report.deleted)"),
                ("seconds", JSON.number(report.duration.inSeconds)),
                ("problems", "[" + problems.joined(separator: ",") + "]"),
                ("unreferenced_files", "[" + report.unreferencedFiles.map(JSON.string).joined(separator: ",") + "]"),
            ]
            if let repair {
                pairs.append(
                    (
                        "repair",
                        JSON.object([
                            ("generation", repair.generation.map { "\($0)" } ?? "null"),
                            (
                                "dropped_segments",
                                "["
                                    + repair.droppedSegments.map {
                                        JSON.object([("name", JSON.string($0.name)), ("docs", "\($0.documents)")])
                                    }.joined(separator: ",") + "]"
                            ),
                            ("docs_lost", "\(repair.documentsLost)"),
                        ])
                    ))
            }
            Terminal.out(JSON.object(pairs))
        } else {
            for p in report.problems { Terminal.out("problem: \(p)") }
            if report.isSound {
                Terminal.out(
                    "ok: generation \(report.generation), \(report.segments) segments, \(Terminal.grouped(report.documents)) documents"
                        + (report.deleted > 0 ? " (+\(Terminal.grouped(report.deleted)) deleted)" : "")
                        + ", checked in \(Terminal.fixed(report.duration.inSeconds, 2)) s")
            } else {
                Terminal.out(
                    "the index at \(path) has \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s")"
                        + (args.flag(.repair)
                            ? "" : " (saiga check --repair drops damaged segments, losing their documents)"))
            }
            if !report.unreferencedFiles.isEmpty {
                Terminal.out(
                    "note: \(report.unreferencedFiles.count) unreferenced file(s) (from an interrupted write; the next writer removes them)"
                )
            }
            if let repair {
                if let g = repair.generation {
                    let list = repair.droppedSegments.map { "\($0.name) (\($0.documents) documents)" }.joined(
                        separator: ", ")
                    Terminal.out(
                        "repaired: generation \(g)"
                            + (list.isEmpty ? "" : ", dropped \(list): \(repair.documentsLost) documents lost"))
                }
            }
        }
        if let repair, repair.generation != nil {
            return try IndexChecker.check(path: path).isSound ? 0 : 1
        }
        return report.isSound ? 0 : 1
    }
}
