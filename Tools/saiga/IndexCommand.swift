import Saiga

enum IndexCommand {
    static let help = """
        usage: saiga index [INPUT ...] [--index DIR] [--append] [--split headlines|none] [--skip-bad] [--ram-mb N]
                           [--segment-docs N] [--threads N] [--commit-every N]
                           [--no-stem] [--stopwords] [--no-positions] [--quiet]

        Builds a new commit of the index at DIR (default Index/index) from INPUT files and directories
        (default Index/corpus), replacing what the index held. Nothing is visible until the final commit: on an
        error the previous commit stays as it was.

        With --append the documents are added to the existing index instead, and a document whose id is already
        there replaces it (an update). Segments are merged in the background as they accumulate.

        Inputs: .txt and .md files hold one or more articles, split at headlines (see docs/INGEST.md;
        --split none keeps one document per file), with ids FILE#N; .jsonl and .jsonl.gz hold one
        {"id", "title", "contents"} object per line ("body" is accepted for "contents"; other fields are stored).

          --skip-bad      report bad input (invalid UTF-8, malformed JSON, missing or duplicate id, empty or
                          unreadable file) and go on; without it the first problem stops the build (exit 1)
          --ram-mb N      memory for the in-RAM segment before it is flushed to disk (default 256)
          --segment-docs N  also flush a segment every N documents
          --threads N     index with N threads, one in-RAM segment each (default 1)
          --commit-every N  commit after every N documents (each commit prints "committed generation G: D
                          documents" on stdout as it returns); the last commit comes at the end as usual
          --no-stem       no Porter2 stemming;  --stopwords: drop English stop words
          --no-positions  no positions (smaller index; phrase queries are then refused)
          --quiet         no progress and no summary
        """

    struct Summary {
        var documents: Int
        /// Documents read from the inputs and added or updated.
        var added: Int
        var terms: Int
        var bytes: Int
        var seconds: Double
        var generation: UInt64
        var skipped: Int
    }

    static func run(_ argv: [String]) throws -> Int32 {
        let args = try Arguments(
            argv, valueOptions: ["index", "split", "ram-mb", "segment-docs", "threads", "commit-every"],
            flagOptions: ["skip-bad", "no-stem", "stopwords", "no-positions", "quiet", "append"])
        guard let split = SplitMode(rawValue: args.value("split") ?? "headlines") else {
            throw UsageError("--split must be 'headlines' or 'none'")
        }
        let inputs = args.positional.isEmpty ? [Defaults.corpusDirectory] : args.positional
        let summary = try build(
            inputs: inputs, index: args.value("index") ?? Defaults.indexDirectory, split: split,
            skipBad: args.flag("skip-bad"), ramMB: try args.int("ram-mb", default: 256, range: 1...65536),
            segmentDocs: args.value("segment-docs") == nil ? nil : try args.int("segment-docs", default: 0, range: 1...Int(Int32.max)),
            threads: try args.int("threads", default: 1, range: 1...256),
            analyzer: AnalyzerOptions(stemming: !args.flag("no-stem"), stopWords: args.flag("stopwords")),
            positions: !args.flag("no-positions"), quiet: args.flag("quiet"), append: args.flag("append"),
            commitEvery: args.value("commit-every") == nil ? nil : try args.int("commit-every", default: 0, range: 1...Int(Int32.max)))
        if !args.flag("quiet") {
            Terminal.out(summaryLine(summary, index: args.value("index") ?? Defaults.indexDirectory))
        }
        return 0
    }

    static func summaryLine(_ s: Summary, index: String) -> String {
        var line = s.added == s.documents ? "indexed \(Terminal.grouped(s.documents)) documents, "
            : "indexed \(Terminal.grouped(s.added)) documents (the index holds \(Terminal.grouped(s.documents))), "
        line += "\(Terminal.grouped(s.terms)) terms, "
            + "\(Terminal.bytes(s.bytes)) in \(Terminal.fixed(s.seconds, 2)) s → \(index) (generation \(s.generation))"
        if s.skipped > 0 { line += ", skipped \(s.skipped) bad inputs" }
        return line
    }

    /// Reads the inputs and commits a new generation of the index. Progress goes to stderr on a terminal.
    static func build(inputs: [String], index: String, split: SplitMode, skipBad: Bool, ramMB: Int,
                      segmentDocs: Int? = nil, threads: Int = 1, analyzer: AnalyzerOptions, positions: Bool,
                      quiet: Bool, append: Bool = false, commitEvery: Int? = nil) throws -> Summary {
        let start = Terminal.now()
        var issues: [IngestIssue] = []
        let corpus = CorpusReader(inputs: inputs, split: split, issues: &issues)
        var skipped = 0
        func note(_ issue: IngestIssue) -> Bool {
            if !skipBad { return false }
            skipped += 1
            if skipped <= 20 {
                if Terminal.stderrIsTTY && !quiet { Terminal.clearStatus() }
                Terminal.err("saiga: skipping: \(issue)")
            } else if skipped == 21 {
                Terminal.err("saiga: (further problems not shown)")
            }
            return true
        }
        for issue in issues where !note(issue) { throw issue }
        if corpus.files.isEmpty {
            throw IngestIssue(path: inputs.joined(separator: " "), line: 0, message: "no .txt, .md or .jsonl files to index")
        }

        let writer = try IndexWriter(
            path: index,
            options: IndexWriterOptions(openMode: append ? .createOrAppend : .create, ramBudgetMB: ramMB,
                                        analyzer: analyzer, positions: positions,
                                        maxBufferedDocuments: segmentDocs, threads: threads))
        var sinceCommit = 0
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
            Terminal.status("indexing: \(Terminal.grouped(writer.documentCount)) docs  \(pct)%  "
                + "\(Terminal.fixed(rate / 1e6, 1)) MB/s  ETA \(Terminal.duration(eta))")
        }
        do {
            try corpus.forEachDocument(
                { doc, location in
                    do throws(SaigaError) {
                        if append { try writer.update(doc) } else { try writer.add(doc) }
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
                progress: { bytesDone = $0; show() })
            guard writer.documentCount > 0 else {
                throw IngestIssue(path: inputs.joined(separator: " "), line: 0,
                                  message: "no documents to index (the index was left unchanged)")
            }
            if showProgress { Terminal.status("committing \(Terminal.grouped(writer.documentCount)) documents…") }
            let generation = try writer.commit(userData: ["tool": "saiga \(Help.version)"])
            if commitEvery != nil && !quiet { Terminal.out("committed generation \(generation): \(writer.documentCount) documents") }
            writer.close()
            if showProgress { Terminal.clearStatus() }
            let reader = try IndexReader(path: index)
            let stats = reader.statistics
            return Summary(documents: stats.documents, added: writer.documentCount, terms: stats.terms, bytes: stats.bytes,
                           seconds: Terminal.now() - start, generation: generation, skipped: skipped)
        } catch {
            if showProgress { Terminal.clearStatus() }
            writer.rollback()
            throw error
        }
    }
}
