import Saiga

enum AnalyzeCommand {
    static let help = """
        usage: saiga analyze [--no-stem] [--stopwords] [--index DIR] TEXT ...

        Prints the terms TEXT analyzes to, one per line, in order: Unicode word segmentation, case and diacritic
        folding, possessives removed, Porter2 stemming. With --index, uses that index's analyzer settings.
        """

    static func run(_ argv: [String]) throws -> Int32 {
        let args = try Arguments(argv, valueOptions: ["index"], flagOptions: ["no-stem", "stopwords"])
        guard !args.positional.isEmpty else { throw UsageError("analyze needs some TEXT") }
        var options = AnalyzerOptions(stemming: !args.flag("no-stem"), stopWords: args.flag("stopwords"))
        if let dir = args.value("index") {
            options = try Defaults.openReader(dir).analyzerOptions
        }
        let analyzer = Analyzer(options: options)
        for term in analyzer.terms(args.positional.joined(separator: " ")) { Terminal.out(term) }
        return 0
    }
}
