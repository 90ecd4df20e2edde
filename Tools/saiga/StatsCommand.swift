import Saiga

/// `saiga stats`: the size and shape of an index.
enum StatsCommand: Command {
    static let spec = CommandSpec(
        "stats", summary: "print the size and shape of the index",
        discussion: """
            Prints documents, segments, terms, postings, tokens and bytes (by component) of the index.
            With --json: one JSON object {"docs", "deleted", "segments", "terms", "segment_terms", "postings", "tokens",
            "bytes", "generation", "components": {...}, "stemming", "stopwords"}. "docs" counts live documents; "deleted"
            the deleted ones that segments still hold until merges rewrite them. "terms" is the vocabulary (distinct
            terms of the index); "segment_terms" sums each segment's distinct terms (a term in two segments counts
            twice), which is what the dictionaries hold. "surface_forms" counts the distinct unstemmed words kept for
            prefixes, wildcards and completions (besides the terms). "fields" lists each field of the schema:
            {"name", "type", "documents" (with a value), "values" (tokens of text, values otherwise), "terms", and for
            text "language"}.
            """,
        options: [.index, .json])

    static func run(_ args: Arguments) throws -> Int32 {
        let reader = try Defaults.openReader(args.value(.index) ?? Defaults.indexDirectory)
        let s = reader.statistics
        if args.flag(.json) {
            let components = JSON.object(
                s.componentBytes.sorted { $0.key < $1.key }.map { ($0.key.rawValue, "\($0.value)") })
            Terminal.out(
                JSON.object([
                    ("docs", "\(s.documents)"), ("deleted", "\(s.deleted)"), ("segments", "\(s.segments)"),
                    ("terms", "\(s.terms)"),
                    ("segment_terms", "\(s.segmentTerms)"), ("surface_forms", "\(s.surfaceForms)"),
                    ("postings", "\(s.postings)"), ("tokens", "\(s.tokens)"), ("bytes", "\(s.bytes)"),
                    ("generation", "\(s.generation)"), ("components", components),
                    ("stemming", "\(s.stemming)"), ("stopwords", "\(s.stopWords)"),
                    (
                        "fields",
                        JSON.array(
                            s.fields.map {
                                JSON.object(
                                    [
                                        ("name", JSON.string($0.name)), ("type", JSON.string($0.type.rawValue)),
                                        ("documents", "\($0.documents)"), ("values", "\($0.values)"),
                                        ("terms", "\($0.terms)"),
                                    ] + ($0.type == .text ? [("language", JSON.string($0.language.rawValue))] : []))
                            })
                    ),
                ]))
        } else {
            Terminal.out("index       \(reader.path) (generation \(s.generation))")
            Terminal.out(
                "documents   \(Terminal.grouped(s.documents))"
                    + (s.deleted > 0 ? " (+\(Terminal.grouped(s.deleted)) deleted, not yet merged away)" : ""))
            Terminal.out("segments    \(s.segments)")
            Terminal.out(
                "terms       \(Terminal.grouped(s.terms)) distinct"
                    + (s.segmentTerms != s.terms
                        ? " (\(Terminal.grouped(s.segmentTerms)) summed over the segments' dictionaries)" : ""))
            if s.surfaceForms > 0 {
                Terminal.out(
                    "            + \(Terminal.grouped(s.surfaceForms)) surface forms (unstemmed words, for prefixes)")
            }
            Terminal.out("postings    \(Terminal.grouped(s.postings))")
            Terminal.out("tokens      \(Terminal.grouped(s.tokens))")
            Terminal.out("bytes       \(Terminal.grouped(s.bytes)) (\(Terminal.bytes(s.bytes)))")
            for (k, v) in s.componentBytes.sorted(by: { $0.key < $1.key }) {
                Terminal.out("  \(k.rawValue.padding(12))\(Terminal.grouped(v))")
            }
            Terminal.out("analyzer    stemming \(s.stemming ? "on" : "off"), stop words \(s.stopWords ? "on" : "off")")
            Terminal.out(
                "fields      name, type: documents with a value, values (tokens of text), distinct terms, language")
            let width = s.fields.map(\.name.count).max() ?? 0
            for f in s.fields {
                Terminal.out(
                    "  \(Terminal.visible(f.name).padding(width))  \(f.type.rawValue.padding(8))"
                        + "\(Terminal.grouped(f.documents)) documents, \(Terminal.grouped(f.values)) "
                        + (f.type == .text ? "tokens" : "values")
                        + (f.terms > 0 ? ", \(Terminal.grouped(f.terms)) terms" : "")
                        + (f.type == .text ? ", \(f.language.rawValue)" : ""))
            }
        }
        return 0
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
