import Saiga

/// A command of `saiga`: its spec (what it accepts, and what its help says) and what it does with a command line
/// parsed by that spec. `main` parses before `run`, so a command never sees an option its spec does not declare.
protocol Command {
    static var spec: CommandSpec { get }
    static func run(_ args: Arguments) throws -> Int32
}

/// The help of the tool, generated from the command specs: the usage lines, the option lists and the command list.
/// Prose (summaries, discussions, option help) is printed with the line breaks it was written with.
enum Help {
    static let version = "0.1.0"

    /// Every command, in the order `saiga help` lists them.
    static var commands: [any Command.Type] {
        [
            IndexCommand.self, SearchCommand.self, SuggestCommand.self, AnalyzeCommand.self, StatsCommand.self,
            DeleteCommand.self,
            MergeCommand.self, CheckCommand.self, BackupCommand.self, EvalCommand.self, SchemaCommand.self,
            ServeCommand.self,
            HelpCommand.self,
            VersionCommand.self,
        ]
    }

    static func command(named name: String) -> (any Command.Type)? {
        commands.first { $0.spec.name == name }
    }

    /// Usage lines are packed up to this width (the help stays under 120 columns).
    static let width = 116

    /// `saiga help`: the commands and the options most of them share.
    static var overview: String {
        let entries = commands.map { c in
            (c.spec.arguments.isEmpty ? c.spec.name : "\(c.spec.name) \(c.spec.arguments)", c.spec.summary)
        }
        let common = [(OptionSpec.index.label, OptionSpec.index.help)]
        // One column for both tables.
        let widest = (entries + common).map(\.0.count).max() ?? 0
        return """
            usage: saiga <command> [options]

            commands:
            \(table(entries, labelWidth: widest))

            common options:
            \(table(common, labelWidth: widest))

            'saiga help COMMAND' (or 'saiga COMMAND --help') prints the options of COMMAND.
            """
    }

    /// `saiga help NAME` and `saiga NAME --help`.
    static func text(for spec: CommandSpec) -> String {
        var out = usage(spec)
        if !spec.discussion.isEmpty { out += "\n\n" + spec.discussion }
        let options = spec.options.map { ($0.label, $0.help) } + [("-h, --help", "print this help")]
        return out + "\n\noptions:\n" + table(options)
    }

    /// `usage: saiga NAME [--option VALUE] ... ARGUMENTS`, broken between options (continuation lines aligned
    /// after the command name) so that no line passes `width`.
    static func usage(_ spec: CommandSpec) -> String {
        let head = "usage: saiga \(spec.name)"
        let words = spec.options.map { "[\($0.label)]" } + (spec.arguments.isEmpty ? [] : [spec.arguments])
        let indent = String(repeating: " ", count: head.count)
        var lines = [head]
        for w in words {
            if lines[lines.count - 1].count + 1 + w.count > width { lines.append(indent) }
            lines[lines.count - 1] += " " + w
        }
        return lines.joined(separator: "\n")
    }

    /// Two columns: each label indented by 2, its text starting 2 past the longest label (or `labelWidth`); the
    /// further lines of a text are indented to the same column.
    static func table(_ rows: [(String, String)], labelWidth: Int? = nil) -> String {
        let column = 2 + (labelWidth ?? rows.map(\.0.count).max() ?? 0) + 2
        let pad = String(repeating: " ", count: column)
        return rows.map { label, text in
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            var s = "  " + label.padding(column - 2) + (lines.first.map(String.init) ?? "")
            for l in lines.dropFirst() { s += "\n" + pad + l }
            return s
        }.joined(separator: "\n")
    }
}

/// The options of `saiga help` alone.
extension OptionSpec {
    fileprivate static let listOptions = OptionSpec(
        "list-options",
        help: "print the options of COMMAND one per line, as the parser accepts them (for scripts and tests)")
}

/// `saiga help [COMMAND]`.
enum HelpCommand: Command {
    static let spec = CommandSpec(
        "help", arguments: "[COMMAND]", summary: "print help",
        discussion:
            "Prints the commands, or the usage, description and options of COMMAND (as 'saiga COMMAND --help').",
        options: [.listOptions])

    static func run(_ args: Arguments) throws -> Int32 {
        guard args.positional.count <= 1 else { throw UsageError("help takes one COMMAND") }
        guard let name = args.positional.first else {
            guard !args.flag(.listOptions) else { throw UsageError("--list-options needs a COMMAND") }
            Terminal.out(Help.overview)
            return 0
        }
        guard let command = Help.command(named: name) else { throw UsageError("unknown command '\(name)'") }
        if args.flag(.listOptions) {
            for o in command.spec.options { Terminal.out(o.label) }
        } else {
            Terminal.out(Help.text(for: command.spec))
        }
        return 0
    }
}

/// `saiga version` (and `saiga --version`).
enum VersionCommand: Command {
    static let spec = CommandSpec("version", summary: "print the version")

    static func run(_ args: Arguments) throws -> Int32 {
        Terminal.out("saiga \(Help.version)")
        return 0
    }
}

/// Where things are when the user names nothing.
enum Defaults {
    /// The index directory: `$SAIGA_INDEX`, else `Index/index` under the current directory.
    static var indexDirectory: String { indexFromEnvironment ?? "Index/index" }

    /// `$SAIGA_INDEX`, when set and not empty: an index the user named.
    static var indexFromEnvironment: String? {
        guard let env = getenv("SAIGA_INDEX"), let s = String(validatingCString: env), !s.isEmpty else { return nil }
        return s
    }

    static let corpusDirectory = "Index/corpus"

    /// Opens the index at `path` for reading and prints on stderr a warning for each newer commit that was skipped
    /// as damaged (the reader answers from the newest sound one).
    static func openReader(_ path: String) throws(SaigaError) -> IndexReader {
        let reader = try IndexReader(path: path)
        for w in reader.openWarnings {
            Terminal.err(
                "saiga: warning: \(w); using commit \(reader.generation) "
                    + "(`saiga check` shows the damage, `saiga check --repair` removes it)")
        }
        return reader
    }
}

#if canImport(Glibc)
    import Glibc
#endif
