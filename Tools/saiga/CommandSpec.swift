/// One option of a command, declared once: the parser accepts it and the help lists it from this one declaration,
/// so an option can be neither parsed but undocumented nor documented but unparsed (swift-argument-parser's
/// `@Option`/`@Flag`, written by hand).
struct OptionSpec: Sendable {
    /// The name without dashes: "index", "k".
    let name: String
    /// The placeholder of the value in help ("DIR"); nil for a flag, which takes no value.
    let valueName: String?
    /// What the option does, in lines already broken where they should be (nothing is re-wrapped).
    let help: String
    /// Spelled with one dash (`-k`). Every other option takes exactly two dashes, one-letter ones included (`--b`,
    /// which reads as the pair `--k1 X --b Y`): each option has exactly one spelling, so a dash too many or too few
    /// is an error rather than a guess.
    let isShort: Bool

    init(_ name: String, _ valueName: String? = nil, short: Bool = false, help: String) {
        self.name = name
        self.valueName = valueName
        self.isShort = short
        self.help = help
    }

    /// `-k` or `--index`.
    var spelling: String { (isShort ? "-" : "--") + name }

    /// `--index DIR` or `--json`, as the usage line and the option list show it.
    var label: String { valueName.map { "\(spelling) \($0)" } ?? spelling }

    /// The same option with the help a command needs (a shared option whose meaning is narrower there).
    func help(_ text: String) -> OptionSpec { OptionSpec(name, valueName, short: isShort, help: text) }
}

/// A command of the tool: its name, arguments, help and options, from which both the parser and the help are made.
struct CommandSpec: Sendable {
    let name: String
    /// The positional arguments as the usage line shows them ("[INPUT ...]", "QUERY ..."); empty when the command
    /// takes none (then any positional argument is an error).
    let arguments: String
    /// One line for the command list of `saiga help`.
    let summary: String
    /// The prose of `saiga help NAME`, between the usage line and the option list.
    let discussion: String
    let options: [OptionSpec]
    /// A word with one dash that is no option of the command is a positional argument: the query text of
    /// `saiga search kazakhstan -oil` excludes oil.
    let dashWordsArePositional: Bool

    init(
        _ name: String, arguments: String = "", summary: String, discussion: String = "", options: [OptionSpec] = [],
        dashWordsArePositional: Bool = false
    ) {
        self.name = name
        self.arguments = arguments
        self.summary = summary
        self.discussion = discussion
        self.options = options
        self.dashWordsArePositional = dashWordsArePositional
        assert(Set(options.map(\.name)).count == options.count, "'\(name)' declares an option twice")
        assert(!options.contains { $0.name == "help" || $0.spelling == "-h" }, "--help and -h are handled by main")
    }

    func option(spelled spelling: String) -> OptionSpec? { options.first { $0.spelling == spelling } }

    /// True when the command line asks for help (`--help` or `-h` before any `--`): then nothing else is parsed.
    static func asksForHelp(_ argv: [String]) -> Bool {
        for a in argv {
            if a == "--" { return false }
            if a == "--help" || a == "-h" { return true }
        }
        return false
    }

    /// Splits `argv` (the words after the command name) into options and positional arguments.
    ///
    /// `--name value` and `--name=value` for an option with a value, `--name` for a flag, `-k 10` (and `-k=10`) for
    /// a short option, `--` to end options. A number (`-5`) and a lone `-` are positional. Everything else that
    /// starts with a dash must be an option of this command spelled exactly as declared: a flag given a value, a
    /// valued option without one, a wrong number of dashes and an unknown option are `UsageError`s.
    func parse(_ argv: [String]) throws(UsageError) -> Arguments {
        var positional: [String] = []
        var values: [String: [String]] = [:]
        var flags: Set<String> = []
        var i = 0
        var onlyPositional = false
        while i < argv.count {
            let word = argv[i]
            i += 1
            if onlyPositional || !word.hasPrefix("-") || word == "-" || Double(word) != nil {
                positional.append(word)
                continue
            }
            if word == "--" {
                onlyPositional = true
                continue
            }
            var spelling = word
            var inline: String?
            if let eq = word.firstIndex(of: "=") {
                spelling = String(word[..<eq])
                inline = String(word[word.index(after: eq)...])
            }
            guard let option = option(spelled: spelling) else {
                if let hint = misspelling(spelling) { throw UsageError("unknown option \(spelling) (\(hint))") }
                if dashWordsArePositional && !word.hasPrefix("--") {
                    positional.append(word)
                    continue
                }
                throw UsageError("unknown option \(spelling)")
            }
            guard option.valueName != nil else {
                guard inline == nil else { throw UsageError("option \(option.spelling) is a flag and takes no value") }
                flags.insert(option.name)
                continue
            }
            if let inline {
                values[option.name, default: []].append(inline)
                continue
            }
            // The next word is the value, unless it is clearly an option (a forgotten value would otherwise
            // swallow the next option: `--index --json`). A value that starts with two dashes is written
            // `--name=--value`.
            guard i < argv.count, !argv[i].hasPrefix("--") else {
                throw UsageError("option \(option.label) needs a value")
            }
            values[option.name, default: []].append(argv[i])
            i += 1
        }
        if arguments.isEmpty, let first = positional.first {
            throw UsageError("\(name) takes no arguments (got \"\(first)\")")
        }
        return Arguments(command: self, positional: positional, values: values, flags: flags)
    }

    /// For a dash word that names an option of this command with the wrong number of dashes (`-index`,
    /// `---index`, `--k`), how the option is spelled.
    private func misspelling(_ spelling: String) -> String? {
        let bare = String(spelling.drop { $0 == "-" })
        guard let option = options.first(where: { $0.name == bare }), option.spelling != spelling else { return nil }
        return option.isShort
            ? "one-letter options take one dash: \(option.spelling)"
            : "long options take exactly two dashes: \(option.spelling)"
    }
}

/// Wrong command-line usage: printed with a hint, exit status 64 (EX_USAGE).
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
