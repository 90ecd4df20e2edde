import Saiga
import SaigaIngest

/// The options of `saiga index` alone.
extension OptionSpec {
    fileprivate static let append = OptionSpec(
        "append", help: "add to the existing index (creating it if there is none) instead of replacing it")
    fileprivate static let split = OptionSpec(
        "split", "headlines|none",
        help: "split .txt and .md files at headlines (default), or none: one document per file")
    fileprivate static let skipBad = OptionSpec(
        "skip-bad",
        help: """
            report bad input (invalid UTF-8, malformed JSON, missing or duplicate id, a value of the
            wrong type, empty or unreadable file) and go on; without it the first problem stops the
            build (exit 1). An inferred field keeps the first type seen; documents that disagree
            are skipped
            """)
    fileprivate static let ramMB = OptionSpec(
        "ram-mb", "N",
        help: """
            memory for the in-RAM segment before it is flushed to disk (default \(IndexWriterOptions().ramBudgetMB), \
            at most \(IndexWriterOptions.maxRAMBudgetMB))
            """)
    fileprivate static let segmentDocs = OptionSpec("segment-docs", "N", help: "also flush a segment every N documents")
    fileprivate static let threads = OptionSpec(
        "threads", "N",
        help: """
            index with N threads, one in-RAM segment each (default \(IndexWriterOptions().threads), \
            at most \(IndexWriterOptions.maxThreads))
            """)
    fileprivate static let batch = OptionSpec(
        "batch", "N", help: "with --server: documents per WRITE (default 1000)")
    fileprivate static let commitEvery = OptionSpec(
        "commit-every", "N",
        help: """
            with --append: commit after every N documents, making them visible as the build goes
            (each commit prints "committed generation G: D documents" on stdout as it returns); the
            last commit comes at the end. Refused without --append: a rebuild replaces the index only
            at its final commit
            """)
    fileprivate static let force = OptionSpec(
        "force", help: "build in a directory that holds other files but no index (they are left alone)")
    fileprivate static let schema = OptionSpec(
        "schema", "FILE.json",
        help: """
            the fields of the documents, as `saiga schema` prints them
            (default: inferred from JSON lines; source, location and date for articles)
            """)
    fileprivate static let noSurfaceForms = OptionSpec(
        "no-surface-forms",
        help: "do not also index unstemmed words (smaller index; running* then finds only terms starting so)")
    fileprivate static let noPositions = OptionSpec(
        "no-positions", help: "no positions (smaller index; phrase queries are then refused)")
}

/// `saiga index`: builds or appends to an index from text and JSONL files.
enum IndexCommand: Command {
    static let spec = CommandSpec(
        "index", arguments: "[INPUT ...]",
        summary: "build an index from .txt/.md/.jsonl(.gz) files or directories (default: Index/corpus)",
        discussion: """
            Builds a new commit of the index at DIR (default Index/index) from INPUT files and directories
            (default Index/corpus), replacing what the index held. Nothing is visible until the final commit: on an
            error the previous commit stays as it was.

            With --append the documents are added to the existing index instead (creating it if there is none), and
            a document whose id the index already held replaces it (an update). Segments are merged in the
            background as they accumulate. Either way an id that appears twice in the inputs is bad input.

            Inputs: .txt and .md files hold one or more articles, split at headlines (see docs/INGEST.md;
            --split none keeps one document per file), with ids FILE#N, and the fields source (the file), location
            (file:line) and date (the publication date the article states, when it does); .jsonl and .jsonl.gz
            hold one {"id", "title", "contents"} object per line ("body" is accepted for "contents").

            Other JSON fields are typed by a schema: --schema FILE.json, or else inferred from the files (string:
            text, array of strings: keyword, integer, number: float, boolean; nested objects as a.b) and printed.
            A value that does not fit its field is bad input naming file, line and field (see --skip-bad);
            without a schema, a field whose documents disagree on its type is an error naming both.

            With --server HOST:PORT the documents go to a `saiga serve` server instead, in WRITEs of --batch
            documents (the index's schema, on the server, checks them; a document whose id the index holds replaces
            it). Each WRITE is committed when it is answered: an error stops the run with the earlier batches
            committed, and with --skip-bad a refused document is reported and its batch sent again without it.
            """,
        options: [
            .index, .append, .split, .skipBad, .ramMB, .segmentDocs, .threads, .commitEvery, .force, .schema,
            .language.help("text fields' language: auto (default), english, russian, kazakh, none (en, ru, kk)"),
            .noStem, .stopwords, .noSurfaceForms, .noPositions, .quiet.help("no progress and no summary"),
            .server.help("send the documents to a `saiga serve` server (not with --index)"), .indexName, .token,
            .batch,
        ])

    struct Summary {
        var documents: Int
        /// Documents read from the inputs and added or updated.
        var added: Int
        /// Of those, documents that replaced one the index held before (with --append).
        var updated: Int = 0
        var terms: Int
        /// Distinct terms summed over segments (a term in two segments counts twice).
        var segmentTerms: Int = 0
        var bytes: Int
        var seconds: Double
        var generation: UInt64
        var skipped: Int
    }

    static func run(_ args: Arguments) throws -> Int32 {
        guard let split = SplitMode(rawValue: args.value(.split) ?? "headlines") else {
            throw UsageError("--split must be 'headlines' or 'none'")
        }
        if let server = args.value(.server) { return try runRemote(args, server: server, split: split) }
        if args.value(.batch) != nil || args.value(.indexName) != nil {
            throw UsageError("--batch and --index-name need --server")
        }
        if args.value(.commitEvery) != nil && !args.flag(.append) {
            // Intermediate commits of a rebuild would replace the live index with a partial one.
            throw UsageError(
                "--commit-every needs --append: a rebuild replaces the index only at its final commit "
                    + "(use --append, which creates the index if there is none, to make documents visible as they come)"
            )
        }
        let inputs = args.positional.isEmpty ? [Defaults.corpusDirectory] : args.positional
        let defaults = IndexWriterOptions()
        let language = try args.language()
        let summary = try build(
            inputs: inputs, index: args.value(.index) ?? Defaults.indexDirectory, split: split,
            skipBad: args.flag(.skipBad),
            ramMB: try args.int(.ramMB, default: defaults.ramBudgetMB, range: 1...IndexWriterOptions.maxRAMBudgetMB),
            segmentDocs: try args.int(.segmentDocs, range: 1...Int(Int32.max)),
            threads: try args.int(.threads, default: defaults.threads, range: 1...IndexWriterOptions.maxThreads),
            analyzer: AnalyzerOptions(
                stemming: language != Schema.TextLanguage.none, stopWords: args.flag(.stopwords),
                surfaceForms: !args.flag(.noSurfaceForms)),
            language: language,
            positions: !args.flag(.noPositions), quiet: args.flag(.quiet), append: args.flag(.append),
            commitEvery: try args.int(.commitEvery, range: 1...Int(Int32.max)),
            force: args.flag(.force), schema: try args.value(.schema).map(SchemaFile.read))
        if !args.flag(.quiet) {
            Terminal.out(summaryLine(summary, index: args.value(.index) ?? Defaults.indexDirectory))
        }
        return 0
    }

    /// `saiga index --server`: the inputs go to a server; what only a local build uses is refused.
    private static func runRemote(_ args: Arguments, server: String, split: SplitMode) throws -> Int32 {
        let localOnly: [OptionSpec] = [
            .index, .append, .ramMB, .segmentDocs, .threads, .commitEvery, .force, .schema, .language, .noStem,
            .stopwords, .noSurfaceForms, .noPositions,
        ]
        for o in localOnly where args.value(o) != nil || args.flag(o) {
            throw UsageError(
                "--\(o.name) does not go with --server: the server's index has its own settings and schema")
        }
        let inputs = args.positional.isEmpty ? [Defaults.corpusDirectory] : args.positional
        let s = try RemoteWrites.index(
            inputs: inputs, split: split, server: server, index: args.value(.indexName), token: args.token,
            batchSize: try args.int(.batch, default: 1000, range: 1...1_000_000), skipBad: args.flag(.skipBad),
            quiet: args.flag(.quiet))
        if !args.flag(.quiet) {
            var line =
                "sent \(Terminal.grouped(s.sent)) documents in \(s.writes) writes: \(Terminal.grouped(s.added)) added, "
                + "\(Terminal.grouped(s.replaced)) replaced (the index holds \(Terminal.grouped(Int(s.documents)))) "
                + "in \(Terminal.fixed(s.seconds, 2)) s → \(server) (generation \(s.generation))"
            if s.skipped > 0 { line += ", skipped \(s.skipped) bad inputs" }
            Terminal.out(line)
        }
        return 0
    }

    static func summaryLine(_ s: Summary, index: String) -> String {
        let updated = s.updated > 0 ? ", \(Terminal.grouped(s.updated)) of them updates" : ""
        var line =
            s.added == s.documents && s.updated == 0
            ? "indexed \(Terminal.grouped(s.documents)) documents, "
            : "indexed \(Terminal.grouped(s.added)) documents\(updated) (the index holds \(Terminal.grouped(s.documents))), "
        line +=
            "\(Terminal.grouped(s.terms)) terms, "
            + "\(Terminal.bytes(s.bytes)) in \(Terminal.fixed(s.seconds, 2)) s → \(index) (generation \(s.generation))"
        if s.skipped > 0 { line += ", skipped \(s.skipped) bad inputs" }
        return line
    }

    /// Reads the inputs and commits a new generation of the index. Progress goes to stderr on a terminal.
    static func build(
        inputs: [String], index: String, split: SplitMode, skipBad: Bool, ramMB: Int,
        segmentDocs: Int? = nil, threads: Int = 1, analyzer: AnalyzerOptions,
        language: Schema.TextLanguage? = nil, positions: Bool,
        quiet: Bool, append: Bool = false, commitEvery: Int? = nil, force: Bool = false, schema: Schema? = nil
    ) throws -> Summary {
        let start = Terminal.now()
        var issues: [IngestIssue] = []
        let corpus = CorpusReader(inputs: inputs, split: split, issues: &issues)
        for note in corpus.notes where !quiet { Terminal.err("saiga: note: \(note)") }
        var bad = SkippedInputs(skipBad: skipBad, clearsStatus: Terminal.stderrIsTTY && !quiet)
        func note(_ issue: IngestIssue) -> Bool { bad.note(issue) }
        for issue in issues where !note(issue) { throw issue }
        if corpus.files.isEmpty {
            throw IngestIssue(
                path: inputs.joined(separator: " "), line: 0, message: "no .txt, .md or .jsonl files to index")
        }

        var schema = schema
        if schema == nil {
            let existing = append ? (try? IndexReader(path: index))?.schema : nil
            let (s, inferred) = try SchemaFile.infer(corpus: corpus, existing: existing, skipBad: skipBad)
            schema = s
            if !inferred.isEmpty && !quiet {
                let list = inferred.map { "\($0.name) (\($0.type.rawValue))" }.joined(separator: ", ")
                Terminal.err("saiga: inferred fields: \(list); declare them with --schema FILE (saiga schema --infer)")
            }
        }
        if let language, language != .auto, let declared = schema {
            // The language given applies to the built-in text fields and to every text field that names none.
            var fields = declared.fields
            for name in ["body", "title"] where declared[name] == nil {
                fields.insert(Schema.Field(name, .text), at: 0)
            }
            for i in fields.indices where fields[i].type == .text && fields[i].language == .auto {
                fields[i].language = language
            }
            schema = try Schema(fields)
        }
        let writer = try IndexWriter(
            path: index,
            options: IndexWriterOptions(
                openMode: append ? .createOrAppend : .create, ramBudgetMB: ramMB,
                analyzer: analyzer, positions: positions,
                maxBufferedDocuments: segmentDocs, threads: threads,
                allowNonIndexDirectory: force, schema: schema))
        corpus.maxTextLineBytes = writer.maxDocumentBytes
        var sinceCommit = 0
        var updated = 0
        let showProgress = Terminal.stderrIsTTY && !quiet
        let total = max(corpus.totalBytes, 1)
        var lastShown = 0.0
        var bytesDone = 0
        func show(force: Bool = false) {
            guard showProgress else { return }
            let now = Terminal.now()
            guard force || now - lastShown >= 0.2 else { return }
            lastShown = now
            let elapsed = max(now - start, 1e-6)
            let rate = Double(bytesDone) / elapsed
            let eta = rate > 0 ? Double(total - bytesDone) / rate : .infinity
            let pct = Int(100 * Double(bytesDone) / Double(total))
            Terminal.status(
                "indexing: \(Terminal.grouped(writer.documentCount)) docs  \(pct)%  "
                    + "\(Terminal.fixed(rate / 1e6, 1)) MB/s  ETA \(Terminal.duration(eta))")
        }
        do {
            try corpus.forEachDocument(
                { doc, location in
                    do throws(SaigaError) {
                        // An id twice in the inputs is bad input in both modes; with --append, an id the index held
                        // before this run is an update.
                        if append && !writer.addedThroughThisWriter(id: doc.id) {
                            if try writer.update(doc) { updated += 1 }
                        } else {
                            try writer.add(doc)
                        }
                    } catch {
                        guard error.code == .duplicateID || error.code == .invalidDocument else { throw error }
                        let issue = IngestIssue(path: location.path, line: location.line, message: error.message)
                        if !note(issue) { throw issue }
                    }
                    sinceCommit += 1
                    if let commitEvery, sinceCommit >= commitEvery {
                        let g = try writer.commit(userData: ["tool": "saiga \(Help.version)"])
                        sinceCommit = 0
                        if !quiet { Terminal.out("committed generation \(g): \(writer.documentCount) documents") }
                    }
                    show()
                },
                onIssue: note,
                progress: {
                    bytesDone = $0
                    show()
                })
            guard writer.documentCount > 0 else {
                throw IngestIssue(
                    path: inputs.joined(separator: " "), line: 0,
                    message: "no documents to index (the index was left unchanged)")
            }
            if showProgress { Terminal.status("committing \(Terminal.grouped(writer.documentCount)) documents…") }
            let generation = try writer.commit(userData: ["tool": "saiga \(Help.version)"])
            if commitEvery != nil && !quiet {
                Terminal.out("committed generation \(generation): \(writer.documentCount) documents")
            }
            writer.close()
            if showProgress { Terminal.clearStatus() }
            let reader = try IndexReader(path: index)
            let stats = reader.statistics
            return Summary(
                documents: stats.documents, added: writer.documentCount, updated: updated, terms: stats.terms,
                segmentTerms: stats.segmentTerms, bytes: stats.bytes, seconds: Terminal.now() - start,
                generation: generation, skipped: bad.count)
        } catch {
            if showProgress { Terminal.clearStatus() }
            writer.rollback()
            throw error
        }
    }
}

/// `--skip-bad`: each bad input is reported (the first 20 of them) and skipped; without it the first one stops the
/// command (`note` returns false: the caller throws it).
struct SkippedInputs {
    let skipBad: Bool
    /// Clear the progress line before a report (a terminal showing progress).
    let clearsStatus: Bool
    private(set) var count = 0

    init(skipBad: Bool, clearsStatus: Bool = false) {
        self.skipBad = skipBad
        self.clearsStatus = clearsStatus
    }

    mutating func note(_ issue: IngestIssue) -> Bool {
        guard skipBad else { return false }
        count += 1
        if count <= 20 {
            if clearsStatus { Terminal.clearStatus() }
            Terminal.err("saiga: skipping: \(issue)")
        } else if count == 21 {
            Terminal.err("saiga: (further problems not shown)")
        }
        return true
    }
}
