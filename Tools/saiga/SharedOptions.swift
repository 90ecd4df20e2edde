import Saiga

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The options several commands share, declared once. A command whose use of one is narrower gives it its own help
/// with `OptionSpec.help(_:)`; the name and the value placeholder stay the same everywhere.
extension OptionSpec {
    static let index = OptionSpec("index", "DIR", help: "the index directory (default: Index/index, or $SAIGA_INDEX)")
    static let noStem = OptionSpec("no-stem", help: "no stemming (the same as --language none)")
    static let stopwords = OptionSpec("stopwords", help: "drop stop words (of the text's languages)")
    static let language = OptionSpec(
        "language", "L",
        help: "auto (by each word's letters; default), english, russian, kazakh or none (en, ru, kk)")
    static let json = OptionSpec("json", help: "print one JSON object (described above) and nothing else")
    static let quiet = OptionSpec("quiet", help: "print no summary")
    static let token = OptionSpec("token", "T", help: "the shared secret of the server (default: $SAIGA_TOKEN)")
    static let indexName = OptionSpec(
        "index-name", "NAME", help: "with --server: the server's index (default: the server's default index)")
    static let server = OptionSpec(
        "server", "HOST:PORT", help: "run the query on a `saiga serve` server (not with --index)")
}

extension Arguments {
    /// `--language`, with its short names; nil when not given. `--no-stem` is `none`.
    func language() throws -> Schema.TextLanguage? {
        if flag(.noStem) { return Schema.TextLanguage.none }
        guard let name = value(.language) else { return nil }
        let short: [String: Schema.TextLanguage] = ["en": .english, "ru": .russian, "kk": .kazakh, "kz": .kazakh]
        guard let language = Schema.TextLanguage(rawValue: name.lowercased()) ?? short[name.lowercased()] else {
            throw UsageError("--language must be auto, english, russian, kazakh or none (or en, ru, kk), not '\(name)'")
        }
        return language
    }

    /// The server's token: `--token`, else `$SAIGA_TOKEN`.
    var token: String? {
        value(.token) ?? getenv("SAIGA_TOKEN").flatMap { String(validatingCString: $0) }
    }
}
