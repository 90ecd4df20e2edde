import Saiga

/// The options of `saiga backup` alone.
extension OptionSpec {
    fileprivate static let copy = OptionSpec(
        "copy", help: "copy every file (by default files are hard-linked where the filesystem allows)")
    fileprivate static let noCheck = OptionSpec("no-check", help: "do not verify the backup with saiga check")
}

/// `saiga backup`: a consistent copy of the index's newest commit, taken while writers go on.
enum BackupCommand: Command {
    static let spec = CommandSpec(
        "backup", arguments: "DEST", summary: "copy the index's newest commit to DEST while writes go on",
        discussion: """
            Copies the newest commit of the index at DIR into DEST, a new or empty directory: every file of that
            commit, hard-linked where the filesystem allows (index files are never changed once written), copied
            otherwise, the manifest last. Writers may go on meanwhile; a commit that supersedes the one being
            copied makes the backup start again on the newer one. An interrupted backup holds no commit. Then
            DEST is verified as `saiga check` verifies an index (exit 1 if it is not sound). Restoring is opening
            DEST: `saiga search --index DEST`, `saiga serve --index DEST`, or moving it into place.

            With --json: one object {"generation", "docs", "files", "linked", "copied", "bytes", "retries",
            "seconds", "checked", "problems"}.
            """,
        options: [.index, .copy, .noCheck, .json, .quiet.help("print nothing (the exit status tells)")])

    static func run(_ args: Arguments) throws -> Int32 {
        guard args.positional.count == 1 else { throw UsageError("backup needs one DEST directory") }
        let destination = args.positional[0]
        let index = args.value(.index) ?? Defaults.indexDirectory
        let start = Terminal.now()
        let summary = try IndexBackup.backup(index: index, to: destination, hardLinks: !args.flag(.copy))
        let seconds = Terminal.now() - start
        var problems: [String] = []
        let checked = !args.flag(.noCheck)
        if checked {
            let report = try IndexChecker.check(path: destination)
            problems = report.problems.map(\.description)
        }
        if args.flag(.json) {
            Terminal.out(
                JSON.object([
                    ("generation", "\(summary.generation)"), ("docs", "\(summary.documents)"),
                    ("files", "\(summary.files)"), ("linked", "\(summary.linked)"), ("copied", "\(summary.copied)"),
                    ("bytes", "\(summary.bytes)"), ("retries", "\(summary.retries)"),
                    ("seconds", Terminal.fixed(seconds, 3)), ("checked", "\(checked)"),
                    ("problems", JSON.array(problems.map(JSON.string))),
                ]))
        } else if !args.flag(.quiet) {
            Terminal.out(
                "backed up generation \(summary.generation) (\(Terminal.grouped(summary.documents)) documents): "
                    + "\(summary.files) files, \(summary.linked) linked, \(summary.copied) copied, "
                    + "\(Terminal.bytes(summary.bytes)) in \(Terminal.fixed(seconds, 2)) s → \(destination)"
                    + (summary.retries > 0 ? " (\(summary.retries) newer commits started it again)" : ""))
            if checked && problems.isEmpty { Terminal.out("check: sound") }
            for p in problems { Terminal.err("saiga: backup check: \(p)") }
        }
        return problems.isEmpty ? 0 : 1
    }
}
