import Saiga
import SaigaClient
import SaigaIngest
import SaigaPosix
import SaigaWire

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The options of `saiga search` alone.
extension OptionSpec {
    fileprivate static let k = OptionSpec(
        "k", "N", short: true, help: "hits to print, 1...\(SearchOptions.maxK) (default \(SearchOptions().k))")
    fileprivate static let offset = OptionSpec(
        "offset", "N",
        help: """
            hits to skip first (default 0; -k plus --offset at most \(SearchOptions.maxWindow))
            """)
    fileprivate static let k1 = OptionSpec("k1", "X", help: "BM25 k1 (default \(BM25Parameters().k1))")
    fileprivate static let b = OptionSpec("b", "Y", help: "BM25 b (default \(BM25Parameters().b))")
    fileprivate static let noSnippets = OptionSpec("no-snippets", help: "no snippets")
    fileprivate static let fields = OptionSpec(
        "fields", "a,b", help: "stored fields to print with each hit (* for all)")
    fileprivate static let exactCount = OptionSpec(
        "exact-count", help: "count every match (no lower bound on the total)")
    fileprivate static let explain = OptionSpec(
        "explain", help: "under each hit, the tree of how its score was computed")
    fileprivate static let fuzzyPrefix = OptionSpec(
        "fuzzy-prefix", "N", help: "the first N characters of fuzzy words (and of --typos) must match (default 0)")
    fileprivate static let expansionScoring = OptionSpec(
        "expansion-scoring", "MODE",
        help: "constant (default): a prefix, wildcard or regex scores its boost; bm25: its terms' BM25")
    fileprivate static let profile = OptionSpec(
        "profile", help: "after the hits, the time and documents of each clause (the query run once more, profiled)")
    fileprivate static let typos = OptionSpec(
        "typos", "off|auto",
        help: "auto: words of 5+ letters also match one typo away, 9+ two; exact matches rank first")
    fileprivate static let filter = OptionSpec(
        "filter", "EXPR", help: "only hits matching EXPR, without scoring (repeatable; query syntax: source:bbc)")
    fileprivate static let sort = OptionSpec(
        "sort", "FIELD[:asc|desc]", help: "sort by a field (repeatable: later keys break ties; _score for the score)")
    fileprivate static let facet = OptionSpec(
        "facet", "SPEC", help: "count matches per value: source, source:20, date:year, year:10, price:0,10,100")
    fileprivate static let boost = OptionSpec(
        "boost", "FIELD^N", help: "boost matches in a text field (repeatable: --boost title^3)")
    fileprivate static let fragments = OptionSpec(
        "fragments", "N", help: "passages per snippet, 1...\(SnippetOptions.maxFragments) (default 1)")
    fileprivate static let snippetLength = OptionSpec(
        "snippet-length", "N", help: "bytes of text per passage, 20...10000 (default 200)")
    fileprivate static let preTag = OptionSpec(
        "pre-tag", "S", help: "put S before each matched word (default <b> in --json, bold on a terminal)")
    fileprivate static let postTag = OptionSpec(
        "post-tag", "S", help: "put S after each matched word (default </b> in --json, bold on a terminal)")
    fileprivate static let after = OptionSpec(
        "after", "TOKEN", help: "the page after the one that printed this token (\"next\")")
}

/// `saiga search`: queries a local index or a `saiga serve` server and prints the hits.
enum SearchCommand: Command {
    static let spec = CommandSpec(
        "search", arguments: "QUERY ...", summary: "search the index (builds the default index first if there is none)",
        discussion: """
            Searches the index (default Index/index; if there is none there, it is first built from Index/corpus,
            and one in a format this build does not read is moved aside and rebuilt).
            Query syntax: words (any may match), +required, -excluded, AND OR NOT (uppercase), (groups),
            "phrases", "phrases"~N (words up to N moves apart), title: and body: scoping, prefix*, wild?ards
            and *leading, /regular.*expressions/, fuzzy~ and fuzzy~1, boosts oil^2, NOT alone (every document
            but those). Ranking is BM25 (k1 1.2, b 0.75 unless given), scored as Lucene scores the same query.
            A -word is query text (kazakhstan -oil) unless it names an option of search (-json is an error: --json);
            everything after -- is query text.

            With --server, the query runs on a `saiga serve` server (same output).
            Matches are counted exactly up to 1,000; past that the count is a lower bound ("1,000+ hits"), which
            lets the search skip documents that cannot reach the top k. --exact-count counts every match.
            With --json, prints one object {"total": N, "hits": [{"id", "score", "title", "snippet"}]} and nothing
            else; when the total is a lower bound the object also has "total_exact": false.

            Structured fields (an index built with a schema; the bundled corpus has date and source):
            --filter restricts without scoring (repeatable, all must hold): --filter 'date:>=2025-01-01'.
            --sort orders by fields instead of score: --sort date:desc (missing values last).
            --facet counts every match by value: --facet source, --facet date:month.
            --boost title^3 weighs matches in a text field (in place of the schema's boost).
            A sorted page prints a "next" token; --after TOKEN gives the page after it.
            In --json, sorted hits carry "sort" (their key values), and the object has "facets" and "next".
            A query with fewer than 5 matches may print "Did you mean: …" (--json: "did_you_mean"), a spelling of
            its words the index knows better that finds more.
            """,
        options: [
            .index, .server, .indexName, .token.help("the server's token (default: $SAIGA_TOKEN)"), .k, .offset, .json,
            .k1, .b, .noSnippets, .fragments, .snippetLength, .preTag, .postTag, .fields, .exactCount, .typos,
            .explain, .profile, .fuzzyPrefix, .expansionScoring, .filter, .sort, .facet, .boost, .after,
        ],
        dashWordsArePositional: true)

    static func run(_ args: Arguments) throws -> Int32 {
        let query = args.positional.joined(separator: " ")
        guard !query.isEmpty else { throw UsageError("search needs a QUERY") }
        let index = args.value(.index) ?? Defaults.indexDirectory
        var options = SearchOptions()
        // The library accepts k = 0 (count only); the tool prints hits, so at least one.
        options.k = try args.int(.k, default: options.k, range: 1...SearchOptions.maxK)
        options.offset = try args.int(.offset, default: options.offset, range: 0...SearchOptions.maxWindow)
        guard options.k + options.offset <= SearchOptions.maxWindow else {
            throw UsageError(
                "-k plus --offset must be at most \(SearchOptions.maxWindow) (got \(options.k + options.offset))")
        }
        if let k1 = try args.float(.k1) { options.bm25.k1 = k1 }
        if let b = try args.float(.b) { options.bm25.b = b }
        options.snippets = !args.flag(.noSnippets)
        if let f = args.value(.fields) { options.fields = f.split(separator: ",").map(String.init) }
        if args.flag(.exactCount) { options.totalHitsThreshold = .max }
        if let t = args.value(.typos) {
            guard let tolerance = TypoTolerance(rawValue: t) else { throw UsageError("--typos must be off or auto") }
            options.typos = tolerance
        }
        options.filter = args.values(.filter)
        options.fuzzyPrefixLength = try args.int(.fuzzyPrefix, default: 0, range: 0...255)
        if let e = args.value(.expansionScoring) {
            guard let scoring = ExpansionScoring(rawValue: e) else {
                throw UsageError("--expansion-scoring must be constant or bm25")
            }
            options.expansionScoring = scoring
        }
        do {
            options.sort = try args.values(.sort).map { (s: String) throws(SaigaError) in try SortField(parsing: s) }
        } catch { throw UsageError("--sort \(error.message)") }
        options.after = args.value(.after)
        do {
            for b in args.values(.boost) {
                let (field, boost) = try SearchOptions.fieldBoost(parsing: b)
                options.fieldBoosts[field] = boost
            }
        } catch { throw UsageError("--boost \(error.message)") }
        let facetSpecs = args.values(.facet)
        let json = args.flag(.json)
        // On a terminal, matches are marked with placeholders that become bold once the document's text has had its
        // control characters made visible (`Terminal.visible`).
        options.snippet =
            json || !Terminal.stdoutIsTTY
            ? SnippetOptions(preTag: json ? "<b>" : "**", postTag: json ? "</b>" : "**")
            : SnippetOptions(preTag: boldStart, postTag: boldEnd)
        let customTags = args.value(.preTag) != nil || args.value(.postTag) != nil
        if let t = args.value(.preTag) { options.snippet.preTag = t }
        if let t = args.value(.postTag) { options.snippet.postTag = t }
        options.snippet.fragments = try args.int(.fragments, default: 1, range: 1...SnippetOptions.maxFragments)
        options.snippet.maxLength = try args.int(
            .snippetLength, default: 200, range: SnippetOptions.lengthRange)
        do { try options.snippet.validate() } catch { throw UsageError(error.message) }

        let results: SearchResults
        var explanations: [String: Explanation] = [:]
        var profile: QueryProfile?
        if let server = args.value(.server) {
            guard args.value(.index) == nil else { throw UsageError("--server and --index exclude each other") }
            let client: SaigaClient
            do { client = try SaigaClient(address: server, token: args.token) } catch {
                throw UsageError("\(error)")
            }
            var request = SearchRequest(
                query: query, k: UInt32(options.k), offset: UInt32(options.offset),
                fields: options.fields, snippets: options.snippets,
                k1: try args.float(.k1), b: try args.float(.b),
                exactCount: args.flag(.exactCount), filters: options.filter, sort: args.values(.sort),
                facets: facetSpecs, after: options.after, boosts: args.values(.boost))
            request.typos = options.typos == .auto
            request.index = args.value(.indexName)
            request.explain = args.flag(.explain)
            request.profile = args.flag(.profile)
            if args.value(.fuzzyPrefix) != nil { request.fuzzyPrefixLength = UInt32(options.fuzzyPrefixLength) }
            if args.value(.expansionScoring) != nil {
                request.expansionScoring = options.expansionScoring == .bm25 ? .bm25 : .constant
            }
            // Sent only when asked for: a server from before these fields refuses them.
            if args.value(.fragments) != nil { request.fragments = UInt32(options.snippet.fragments) }
            if args.value(.snippetLength) != nil { request.snippetLength = UInt32(options.snippet.maxLength) }
            if customTags {
                request.preTag = options.snippet.preTag
                request.postTag = options.snippet.postTag
            }
            do throws(ClientError) {
                let r = try client.search(request)
                results = remoteResults(r, markup: customTags ? nil : options.snippet)
                profile = r.profile.map {
                    QueryProfile(
                        root: $0.root.map(SearchCommand.clause), segments: Int($0.segments), matches: Int($0.matches),
                        profiledNanoseconds: $0.profiledMicros * 1000, searchNanoseconds: $0.searchMicros * 1000)
                }
                for h in r.hits {
                    if let e = h.explanation { explanations[h.id] = SearchCommand.explanation(e) }
                }
            } catch {
                if case .server(let code) = error.kind, code == .invalidQuery {
                    if error.message.hasPrefix("filter '") {
                        Terminal.err("saiga: invalid --filter: \(error.message)")
                        return 1
                    }
                    return reportInvalidQuery(query, message: error.message, offset: error.offset.map { $0 - 1 })
                }
                if case .server(let code) = error.kind, code == .invalidArgument { throw UsageError(error.message) }
                Terminal.err("saiga: \(server): \(error)")
                return 1
            }
        } else {
            if args.value(.index) == nil, try ensureDefaultIndex(index: index) == false {
                return 1
            }
            let reader = try Defaults.openReader(index)
            do {
                options.facets = try facetSpecs.map { (s: String) throws(SaigaError) in
                    try FacetRequest.parse(s, schema: reader.schema)
                }
            } catch { throw UsageError("--facet \(error.message)") }
            let outcome: Result<SearchResults, SaigaError>
            do throws(SaigaError) { outcome = .success(try reader.search(query, options: options)) } catch {
                outcome = .failure(error)
            }
            switch outcome {
            case .success(let r):
                results = r
                if args.flag(.explain) {
                    for h in r.hits { explanations[h.id] = try reader.explain(query, id: h.id, options: options) }
                }
                if args.flag(.profile) { profile = try reader.profile(query, options: options) }
            case .failure(let e) where e.code == .invalidQuery && e.message.hasPrefix("filter '"):
                Terminal.err("saiga: invalid --filter: \(e.message)")
                return 1
            case .failure(let e) where e.code == .invalidQuery:
                return reportInvalidQuery(query, message: e.message, offset: e.offset)
            case .failure(let e) where e.code == .invalidArgument:
                throw UsageError(e.message)
            case .failure(let e): throw e
            }
        }
        if json {
            var hits: [String] = []
            for h in results.hits {
                var pairs = [
                    ("id", JSON.string(h.id)), ("score", JSON.number(h.score)), ("title", JSON.string(h.title)),
                    ("snippet", h.snippet.map(JSON.string) ?? "null"),
                ]
                if let t = h.titleHighlight { pairs.append(("title_highlight", JSON.string(t))) }
                if let sortValues = h.sortValues {
                    pairs.append(("sort", JSON.array(sortValues.map { JSON.value($0) })))
                }
                if !h.fields.isEmpty {
                    // Typed as the schema says; a field with several values as an array.
                    pairs.append(
                        (
                            "fields",
                            JSON.object(
                                h.fields.sorted { $0.key < $1.key }.map { name, text in
                                    guard let values = h.values[name], !values.isEmpty else {
                                        return (name, JSON.string(text))
                                    }
                                    return (
                                        name,
                                        values.count == 1
                                            ? JSON.value(values[0]) : JSON.array(values.map { JSON.value($0) })
                                    )
                                })
                        ))
                }
                if let e = explanations[h.id] { pairs.append(("explanation", explanationJSON(e))) }
                hits.append(JSON.object(pairs))
            }
            // "total_exact" appears only when the total is a lower bound, so the common shape stays {"total", "hits"}.
            var extra = ""
            if !results.facets.isEmpty { extra += ",\"facets\":" + JSON.facets(results.facets, specs: facetSpecs) }
            // The cursor is for sorted deep paging; plain searches keep the shape {"total", "hits"}.
            if let next = results.next, !options.sort.isEmpty || options.after != nil {
                extra += ",\"next\":" + JSON.string(next)
            }
            if let better = results.didYouMean { extra += ",\"did_you_mean\":" + JSON.string(better) }
            if let profile { extra += ",\"profile\":" + profileJSON(profile) }
            Terminal.out(
                "{\"total\":\(results.total)," + (results.totalIsExact ? "" : "\"total_exact\":false,")
                    + "\"hits\":[" + hits.joined(separator: ",") + "]" + extra + "}")
            return 0
        }
        let ms = Terminal.fixed(results.duration.inSeconds * 1000, 2)
        let count = Terminal.grouped(results.total) + (results.totalIsExact ? "" : "+")
        Terminal.out(
            "\(count) \(results.total == 1 && results.totalIsExact ? "hit" : "hits") for \(Terminal.visible(query)) (\(ms) ms)"
        )
        if let better = results.didYouMean { Terminal.out("Did you mean: \(Terminal.visible(better))") }
        // Everything that comes from the documents goes through `Terminal.visible`: an escape sequence stored in a
        // title must not reach the terminal raw.
        let v = Terminal.visible
        for (i, h) in results.hits.enumerated() {
            Terminal.out("")
            let title = h.title.isEmpty ? "(untitled)" : h.titleHighlight ?? h.title
            Terminal.out(
                "\(options.offset + i + 1). "
                    + v(title).replacingAll(boldStart, with: "\u{1B}[1m").replacingAll(boldEnd, with: "\u{1B}[0m"))
            if let sortValues = h.sortValues {
                let keys = zip(options.sort, sortValues).map { "\($0.field) \(display($1))" }
                Terminal.out("   \(v(h.id))  " + v(keys.joined(separator: "  ")))
            } else {
                Terminal.out("   \(v(h.id))  score \(Terminal.fixed(Double(h.score), 4))")
            }
            if let s = h.snippet, !s.isEmpty {
                Terminal.out(
                    "   " + v(s).replacingAll(boldStart, with: "\u{1B}[1m").replacingAll(boldEnd, with: "\u{1B}[0m"))
            }
            for (k, value) in h.fields.sorted(by: { $0.key < $1.key }) {
                let shown = h.values[k].map { $0.map(\.description).joined(separator: ", ") } ?? value
                Terminal.out("   \(v(k)): \(v(shown))")
            }
            if let e = explanations[h.id] {
                for line in e.text.split(separator: "\n") { Terminal.out("   " + v(String(line))) }
            }
        }
        for (spec, f) in zip(facetSpecs, results.facets) {
            Terminal.out("")
            Terminal.out("\(v(f.request.field)) (\(v(spec))):")
            let width = f.buckets.map { $0.label.count }.max() ?? 0
            for b in f.buckets {
                Terminal.out(
                    "   " + v(b.label) + String(repeating: " ", count: width - b.label.count + 2)
                        + Terminal.grouped(b.count))
            }
            if f.otherCount > 0 { Terminal.out("   (other values: \(Terminal.grouped(f.otherCount)))") }
        }
        if let next = results.next, results.hits.count == options.k, !options.sort.isEmpty || options.after != nil {
            Terminal.out("")
            Terminal.out("next page: --after \(next)")
        }
        if let profile {
            Terminal.out("")
            Terminal.out(
                "profile: \(Terminal.grouped(profile.matches)) matches in \(profile.segments) segments; "
                    + "profiled run \(Terminal.fixed(Double(profile.profiledNanoseconds) / 1e6, 3)) ms, every clause "
                    + "evaluated; the search itself \(Terminal.fixed(Double(profile.searchNanoseconds) / 1e6, 3)) ms")
            if let root = profile.root {
                for line in root.text.split(separator: "\n") { Terminal.out("   " + v(String(line))) }
            }
        }
        return 0
    }

    /// A profiled clause from the protocol.
    static func clause(_ c: WireProfile.Clause) -> QueryProfile.Clause {
        QueryProfile.Clause(
            description: c.description, nanoseconds: c.nanoseconds, nextDocCalls: Int(c.nextDocCalls),
            advanceCalls: Int(c.advanceCalls), matches: Int(c.matches), scored: Int(c.scored),
            children: c.children.map(clause))
    }

    /// A profile as JSON: {"matches", "segments", "profiled_ms", "search_ms", "root": {"description", "ms",
    /// "next_doc", "advance", "matches", "scored", "children": [...]}}.
    static func profileJSON(_ p: QueryProfile) -> String {
        func clauseJSON(_ c: QueryProfile.Clause) -> String {
            JSON.object([
                ("description", JSON.string(c.description)), ("ms", JSON.number(Double(c.nanoseconds) / 1e6)),
                ("next_doc", "\(c.nextDocCalls)"), ("advance", "\(c.advanceCalls)"), ("matches", "\(c.matches)"),
                ("scored", "\(c.scored)"), ("children", JSON.array(c.children.map(clauseJSON))),
            ])
        }
        return JSON.object([
            ("matches", "\(p.matches)"), ("segments", "\(p.segments)"),
            ("profiled_ms", JSON.number(Double(p.profiledNanoseconds) / 1e6)),
            ("search_ms", JSON.number(Double(p.searchNanoseconds) / 1e6)),
            ("root", p.root.map(clauseJSON) ?? "null"),
        ])
    }

    /// An explanation from the protocol.
    static func explanation(_ e: WireExplanation) -> Explanation {
        Explanation(e.value, e.description, e.details.map(explanation))
    }

    /// An explanation as JSON: {"value", "description", "details": [...]}.
    static func explanationJSON(_ e: Explanation) -> String {
        JSON.object([
            ("value", JSON.number(e.value)), ("description", JSON.string(e.description)),
            ("details", JSON.array(e.details.map(explanationJSON))),
        ])
    }

    /// A sort value for reading: a date at midnight UTC as its day, "-" for none.
    static func display(_ v: FieldValue?) -> String {
        guard let v else { return "-" }
        if case .date(let d) = v, d.milliseconds % 86_400_000 == 0 { return String(d.description.prefix(10)) }
        return v.description
    }

    /// Private-use placeholders for the terminal's bold markup (never in analyzed text: replaced after escaping).
    static let boldStart = "\u{E000}"
    static let boldEnd = "\u{E001}"

    static func reportInvalidQuery(_ query: String, message: String, offset: Int?) -> Int32 {
        Terminal.err("saiga: invalid query: \(message)")
        if let offset {
            Terminal.err("  " + query)
            Terminal.err("  " + String(repeating: " ", count: offset) + "^")
        }
        return 1
    }

    /// Server results in the local shape. The server marks snippets with <b>…</b>; they are re-marked for the
    /// terminal like local ones.
    /// `markup`: the tags to put in place of the server's default ones (nil: the server used the asked tags).
    static func remoteResults(_ r: SearchResponse, markup: SnippetOptions?) -> SearchResults {
        func marked(_ s: String) -> String {
            guard let markup else { return s }
            return s.replacingAll("<b>", with: markup.preTag).replacingAll("</b>", with: markup.postTag)
        }
        let hits = r.hits.map { h in
            var hit = SearchHit(
                id: h.id, score: h.score, title: h.title, snippet: h.snippet.map(marked), fields: h.fields,
                docNumber: -1)
            hit.titleHighlight = h.titleHighlight.map(marked)
            return hit
        }
        var results = SearchResults(
            total: Int(r.total), totalIsExact: r.totalIsExact, hits: hits,
            duration: .microseconds(r.tookMicros))
        for (i, h) in r.hits.enumerated() {
            if !h.sortValues.isEmpty { results.hits[i].sortValues = h.sortValues.map { $0.map(fieldValue) } }
            results.hits[i].values = h.values.mapValues { $0.map(fieldValue) }
        }
        // The facets as the server counted them (the kind only decides how they print).
        results.facets = r.facets.map { f in
            let terms = f.buckets.allSatisfy { $0.upper == nil && $0.value != nil }
            return FacetResult(
                request: FacetRequest(f.field, terms ? .terms(size: max(1, f.buckets.count)) : .ranges([])),
                buckets: f.buckets.map {
                    FacetResult.Bucket(
                        value: $0.value.map(fieldValue), upper: $0.upper.map(fieldValue), count: Int($0.count),
                        label: $0.label)
                }, otherCount: Int(f.otherCount))
        }
        results.next = r.next
        results.didYouMean = r.didYouMean
        return results
    }

    /// A value from the wire, typed again.
    static func fieldValue(_ w: WireValue) -> FieldValue {
        switch w.kind {
        case .string: return .string(w.text)
        case .integer: return Int64(w.text).map(FieldValue.integer) ?? .string(w.text)
        case .float: return Double(w.text).map(FieldValue.float) ?? .string(w.text)
        case .boolean: return .boolean(w.text == "true")
        case .date: return DateValue(parsing: w.text).map(FieldValue.date) ?? .string(w.text)
        }
    }

    /// When the default index does not exist yet, builds it from the bundled corpus (with progress on stderr).
    /// Returns false if there is neither an index nor a corpus.
    ///
    /// The bundled location `Index/index` is derived data: if an older (or newer) Saiga wrote it in a format this
    /// build does not read, it is moved aside, not deleted (that version can still read it, and documents added to
    /// it are not lost), and rebuilt. An index named by `$SAIGA_INDEX` is the user's own and is never moved.
    static func ensureDefaultIndex(index: String) throws -> Bool {
        let e: SaigaError
        do throws(SaigaError) {
            _ = try IndexReader(path: index)
            return true
        } catch { e = error }
        if e.code != .indexNotFound {
            guard e.code == .unsupportedFormat, Defaults.indexFromEnvironment == nil else { throw e }
            let aside = "\(index).format-\(time(nil))"
            guard rename(index, aside) == 0 else { throw e }
            Terminal.err("saiga: \(index) was written in a format this build does not read (\(e.message));")
            Terminal.err("       moved it to \(aside)")
        }
        var issues: [IngestIssue] = []
        let corpus = CorpusReader(inputs: [Defaults.corpusDirectory], issues: &issues)
        guard issues.isEmpty, !corpus.files.isEmpty else {
            Terminal.err("saiga: no index at \(index) and no corpus at \(Defaults.corpusDirectory) to build it from")
            Terminal.err("       run from the Saiga checkout, or pass --index DIR (build one with 'saiga index')")
            return false
        }
        Terminal.err("saiga: no index at \(index) yet; building it from \(Defaults.corpusDirectory)…")
        let s = try IndexCommand.build(
            inputs: [Defaults.corpusDirectory], index: index, split: .headlines,
            skipBad: false, ramMB: IndexWriterOptions().ramBudgetMB, analyzer: .default, positions: true, quiet: false)
        Terminal.err("saiga: " + IndexCommand.summaryLine(s, index: index))
        return true
    }
}
