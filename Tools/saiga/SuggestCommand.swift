import Saiga
import SaigaClient
import SaigaWire

/// The options of `saiga suggest` alone.
extension OptionSpec {
    fileprivate static let limit = OptionSpec(
        "limit", "N", help: "completions to print, 0...\(Suggestions.maxLimit) (default 5)")
    fileprivate static let titles = OptionSpec(
        "titles", "N", help: "also print the N best matching titles, 0...\(Suggestions.maxLimit) (default 0)")
}

/// `saiga suggest`: completions of the last word of a partial query, for a search box.
enum SuggestCommand: Command {
    static let spec = CommandSpec(
        "suggest", arguments: "TEXT ...", summary: "complete the last word of a partial query (a search box)",
        discussion: """
            Completes the last word of TEXT with the index's most frequent words that start with it, one per line:
            the completed text, then how many documents hold the word. Words are folded as the index folds them but
            not stemmed, so `saiga suggest kazakhst` gives kazakhstan and `saiga suggest runn` gives running on the
            stemmed default index. TEXT ending with a space has no last word to complete (no completions).
            --titles N also prints the N documents whose titles best match TEXT, the last word as a prefix.
            With --json: {"completions": [{"text", "word", "frequency"}], "titles": [{"id", "title", "score"}]}.
            The first completion on a reader builds the word list (a server builds it when it loads a commit).
            """,
        options: [
            .index, .server.help("ask a `saiga serve` server (not with --index)"), .indexName,
            .token.help("the server's token (default: $SAIGA_TOKEN)"), .limit, .titles, .json,
        ],
        dashWordsArePositional: true)

    static func run(_ args: Arguments) throws -> Int32 {
        let text = args.positional.joined(separator: " ")
        guard !text.isEmpty else { throw UsageError("suggest needs TEXT") }
        let limit = try args.int(.limit, default: 5, range: 0...Suggestions.maxLimit)
        let titles = try args.int(.titles, default: 0, range: 0...Suggestions.maxLimit)
        let result: Suggestions
        if let server = args.value(.server) {
            guard args.value(.index) == nil else { throw UsageError("--server and --index exclude each other") }
            do throws(ClientError) {
                let client = try SaigaClient(address: server, token: args.token)
                let r = try client.suggest(text, limit: limit, titles: titles, index: args.value(.indexName))
                result = Suggestions(
                    completions: r.completions.map {
                        Suggestions.Completion(text: $0.text, word: $0.word, frequency: Int($0.frequency))
                    },
                    titles: r.titles.map { Suggestions.Title(id: $0.id, title: $0.title, score: $0.score) },
                    duration: .microseconds(Int64(r.tookMicros)))
            } catch {
                Terminal.err("saiga: \(server): \(error)")
                return 1
            }
        } else {
            let index = args.value(.index) ?? Defaults.indexDirectory
            if args.value(.index) == nil, try SearchCommand.ensureDefaultIndex(index: index) == false { return 1 }
            result = try Defaults.openReader(index).suggest(text, limit: limit, titles: titles)
        }
        if args.flag(.json) {
            Terminal.out(
                JSON.object([
                    (
                        "completions",
                        JSON.array(
                            result.completions.map {
                                JSON.object([
                                    ("text", JSON.string($0.text)), ("word", JSON.string($0.word)),
                                    ("frequency", "\($0.frequency)"),
                                ])
                            })
                    ),
                    (
                        "titles",
                        JSON.array(
                            result.titles.map {
                                JSON.object([
                                    ("id", JSON.string($0.id)), ("title", JSON.string($0.title)),
                                    ("score", JSON.number($0.score)),
                                ])
                            })
                    ),
                ]))
        } else {
            for c in result.completions {
                Terminal.out("\(Terminal.visible(c.text))\t\(Terminal.grouped(c.frequency))")
            }
            if !result.titles.isEmpty {
                if !result.completions.isEmpty { Terminal.out("") }
                for t in result.titles { Terminal.out("\(Terminal.visible(t.title))\t\(Terminal.visible(t.id))") }
            }
        }
        return 0
    }
}
