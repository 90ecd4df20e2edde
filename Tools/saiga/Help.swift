import Saiga

enum Help {
    static let version = "0.1.0"

    static func text(for command: String?) -> String {
        switch command {
        case "index": return IndexCommand.help
        case "search": return SearchCommand.help
        case "analyze": return AnalyzeCommand.help
        case "stats": return StatsCommand.help
        case "serve": return ServeCommand.help
        case "delete": return DeleteCommand.help
        case "merge": return MergeCommand.help
        case "check": return CheckCommand.help
        default: return usage
        }
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
            Terminal.err("saiga: warning: \(w); using commit \(reader.generation) "
                + "(`saiga check` shows the damage, `saiga check --repair` removes it)")
        }
        return reader
    }
}

#if canImport(Glibc)
import Glibc
#endif
