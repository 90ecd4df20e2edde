import Saiga

/// `saiga analyze`: prints the terms a text analyzes to.
enum AnalyzeCommand: Command {
    static let spec = CommandSpec(
        "analyze", arguments: "TEXT ...", summary: "print the terms TEXT analyzes to, one per line",
        discussion: """
            Prints the terms TEXT analyzes to, one per line, in order: Unicode word segmentation, case and diacritic
            folding, possessives removed, Porter2 stemming. With --index, uses that index's analyzer settings.
            """,
        options: [
            .noStem, .stopwords,
            .index.help("use the analyzer settings of the index at DIR (instead of --no-stem and --stopwords)"),
        ])

    static func run(_ args: Arguments) throws -> Int32 {
        guard !args.positional.isEmpty else { throw UsageError("analyze needs some TEXT") }
        var options = AnalyzerOptions(stemming: !args.flag(.noStem), stopWords: args.flag(.stopwords))
        if let dir = args.value(.index) {
            options = try Defaults.openReader(dir).analyzerOptions
        }
        let analyzer = Analyzer(options: options)
        for term in analyzer.terms(args.positional.joined(separator: " ")) { Terminal.out(term) }
        return 0
    }
}
