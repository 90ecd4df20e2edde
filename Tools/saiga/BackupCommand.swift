import Saiga
import SaigaClient
import SaigaWire

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

            With --server HOST:PORT the server makes the backup (a BACKUP message, an admin token): DEST is a new
            directory inside the server's --backup-dir, and the server verifies it before it answers.
            """,
        options: [
            .index, .copy, .noCheck, .json, .quiet.help("print nothing (the exit status tells)"),
            .server.help("have a `saiga serve` server back up one of its indexes (not with --index)"), .indexName,
            .token,
        ])

    static func run(_ args: Arguments) throws -> Int32 {
        guard args.positional.count == 1 else { throw UsageError("backup needs one DEST directory") }
        let destination = args.positional[0]
        if let server = args.value(.server) { return try remote(args, server: server, destination: destination) }
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

    /// `saiga backup --server`: a BACKUP message; the server copies and verifies.
    private static func remote(_ args: Arguments, server: String, destination: String) throws -> Int32 {
        guard args.value(.index) == nil else { throw UsageError("--server and --index exclude each other") }
        guard !args.flag(.noCheck) else { throw UsageError("--no-check does not go with --server (it always checks)") }
        let client: SaigaClient
        do { client = try SaigaClient(address: server, token: args.token, requestTimeout: .seconds(3600)) } catch {
            throw UsageError("\(error)")
        }
        let r: BackupResponse
        do {
            r = try client.backup(index: args.value(.indexName), to: destination, copy: args.flag(.copy))
        } catch {
            throw RemoteError(message: "\(server): \(error)")
        }
        let seconds = Double(r.micros) / 1e6
        if args.flag(.json) {
            Terminal.out(
                JSON.object([
                    ("generation", "\(r.generation)"), ("files", "\(r.files)"), ("linked", "\(r.linked)"),
                    ("copied", "\(Int(r.files) - Int(r.linked))"), ("bytes", "\(r.bytes)"),
                    ("seconds", Terminal.fixed(seconds, 3)), ("checked", "true"), ("problems", "[]"),
                ]))
        } else if !args.flag(.quiet) {
            Terminal.out(
                "the server backed up generation \(r.generation): \(r.files) files, \(r.linked) linked, "
                    + "\(Terminal.bytes(Int(r.bytes))) in \(Terminal.fixed(seconds, 2)) s → \(destination) "
                    + "in its backup directory")
            Terminal.out("check: sound")
        }
        return 0
    }
}
