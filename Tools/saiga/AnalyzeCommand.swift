import Saiga

/// `saiga analyze`: prints the terms a text analyzes to.
enum AnalyzeCommand: Command {
    static let spec = CommandSpec(
        "analyze", arguments: "TEXT ...", summary: "print the terms TEXT analyzes to, one per line",
        discussion: """
            Prints the terms TEXT analyzes to, one per line, in order: Unicode word segmentation, case and diacritic
            folding, possessives removed, stemming in the language (by default chosen per word by its letters:
            English, Russian or Kazakh). With --index, uses that index's analysis of its body field (or of --field).
            """,
        options: [
            .language, .noStem, .stopwords,
            .index.help("use the analysis of the index at DIR (instead of --language, --no-stem and --stopwords)"),
            field,
        ])

    private static let field = OptionSpec("field", "NAME", help: "with --index: the text field whose analysis to use")

    static func run(_ args: Arguments) throws -> Int32 {
        guard !args.positional.isEmpty else { throw UsageError("analyze needs some TEXT") }
        let text = args.positional.joined(separator: " ")
        if let dir = args.value(.index) {
            let reader = try Defaults.openReader(dir)
            guard let name = args.value(field) else {
                for term in reader.analyze(text) { Terminal.out(term) }
                return 0
            }
            guard let terms = reader.analyze(text, field: name) else {
                throw UsageError("the index has no text field '\(name)'")
            }
            for term in terms { Terminal.out(term) }
            return 0
        }
        if args.value(field) != nil { throw UsageError("--field needs --index") }
        let language = try args.language() ?? .auto
        let analyzer = Analyzer(
            options: AnalyzerOptions(stemming: language != .none, stopWords: args.flag(.stopwords)),
            language: language)
        for term in analyzer.terms(text) { Terminal.out(term) }
        return 0
    }
}
