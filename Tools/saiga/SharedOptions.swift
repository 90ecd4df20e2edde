#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The options several commands share, declared once. A command whose use of one is narrower gives it its own help
/// with `OptionSpec.help(_:)`; the name and the value placeholder stay the same everywhere.
extension OptionSpec {
    static let index = OptionSpec("index", "DIR", help: "the index directory (default: Index/index, or $SAIGA_INDEX)")
    static let noStem = OptionSpec("no-stem", help: "no Porter2 stemming")
    static let stopwords = OptionSpec("stopwords", help: "drop English stop words")
    static let json = OptionSpec("json", help: "print one JSON object (described above) and nothing else")
    static let quiet = OptionSpec("quiet", help: "print no summary")
    static let token = OptionSpec("token", "T", help: "the shared secret of the server (default: $SAIGA_TOKEN)")
    static let server = OptionSpec(
        "server", "HOST:PORT", help: "run the query on a `saiga serve` server (not with --index)")
}

extension Arguments {
    /// The server's token: `--token`, else `$SAIGA_TOKEN`.
    var token: String? {
        value(.token) ?? getenv("SAIGA_TOKEN").flatMap { String(validatingCString: $0) }
    }
}
