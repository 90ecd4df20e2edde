import Saiga
import SaigaIngest

/// `saiga-bench index`: builds an index from a JSONL corpus the way the peer harness configures its engines by
/// default: title and contents in one searchable field, no positions, only the id stored, and Lucene's 33 English
/// stop words dropped (the analysis of the harness's Lucene, EnglishAnalyzer, and of its PISA, `PISA_STOPS=lucene`).
/// `--positions` and `--store-text` build the full index instead; `--keep-stopwords` keeps stop words, the
/// library's default analysis (compare it with `PISA_STOPS=none`). The peers do not keep unstemmed words, so
/// neither does this unless `--surface-forms` (the library's default: whole-word prefixes and wildcards).
/// `--language L` analyzes the text as L (english, russian, kazakh, auto, none); the default is the library's, auto.
enum IndexBench {
    static func run(_ argv: [String]) throws {
        let o = try Options(
            argv, valued: ["threads", "ram-mb", "language"],
            flags: [
                "positions", "store-text", "stopwords", "keep-stopwords", "surface-forms",
            ])
        guard o.positional.count == 2 else {
            throw BenchUsage(message: "usage: saiga-bench index CORPUS.jsonl INDEX_DIR [--threads N]")
        }
        let (corpusPath, indexPath) = (o.positional[0], o.positional[1])
        if o.flags.contains("stopwords") && o.flags.contains("keep-stopwords") {
            throw BenchUsage(message: "--stopwords and --keep-stopwords contradict each other")
        }
        let threads = try o.int("threads", 1)
        guard (1...64).contains(threads) else { throw BenchUsage(message: "--threads must be 1...64") }
        var schema: Schema?
        if let name = o.values["language"] {
            guard let language = Schema.TextLanguage(rawValue: name) else {
                throw BenchUsage(message: "--language must be one of english, russian, kazakh, auto, none")
            }
            schema = try Schema([.init("title", .text, language: language), .init("body", .text, language: language)])
        }
        let load0 = Clock.loadAverage()
        let start = Clock.wallNanos()
        var issues: [IngestIssue] = []
        let corpus = CorpusReader(inputs: [corpusPath], issues: &issues)
        if let first = issues.first { throw first }
        let writer = try IndexWriter(
            path: indexPath,
            options: IndexWriterOptions(
                openMode: .create, ramBudgetMB: try o.int("ram-mb", 1024),
                analyzer: AnalyzerOptions(
                    stemming: true, stopWords: !o.flags.contains("keep-stopwords"),
                    surfaceForms: o.flags.contains("surface-forms")),
                positions: o.flags.contains("positions"),
                storeText: o.flags.contains("store-text"), threads: threads, schema: schema))
        try corpus.forEachDocument(
            { doc, _ in
                // The peers index "title\ncontents" as one field.
                let text = doc.title.isEmpty ? doc.body : doc.title + "\n" + doc.body
                try writer.add(Document(id: doc.id, title: "", body: text, fields: doc.fields))
            }, onIssue: { _ in false })
        let added = Clock.wallNanos()
        try writer.commit()
        writer.close()
        let seconds = Double(Clock.wallNanos() - start) / 1e9
        let reader = try IndexReader(path: indexPath)
        let s = reader.statistics
        let components = componentsJSON(s)
        let postingsAndTerms = (s.componentBytes[.postings] ?? 0) + (s.componentBytes[.terms] ?? 0)
        print(
            jsonLine([
                ("engine", "\"saiga\""), ("docs", "\(s.documents)"), ("index_seconds", "\(round4(seconds))"),
                ("docs_per_second", "\(round4(Double(s.documents) / seconds))"),
                // Until the last document was handed to the writer; the rest is the final flush and the commit.
                ("add_seconds", "\(round4(Double(added - start) / 1e9))"),
                ("index_bytes", "\(directoryBytes(indexPath))"), ("peak_rss_mb", "\(round4(Clock.peakRSSMB()))"),
                ("segments", "\(s.segments)"), ("terms", "\(s.terms)"), ("postings", "\(s.postings)"),
                ("tokens", "\(s.tokens)"), ("component_bytes", components),
                (
                    "bits_per_posting",
                    "\(round4(Double(s.componentBytes[.postings] ?? 0) * 8 / Double(max(1, s.postings))))"
                ),
                ("postings_plus_terms_bytes", "\(postingsAndTerms)"),
                ("positions", "\(o.flags.contains("positions"))"), ("stop_words", "\(s.stopWords)"),
                ("language", "\"\(reader.schema["body"]?.language.rawValue ?? "")\""),
                ("threads", "\(threads)"),
                ("loadavg1_start", "\(load0)"), ("loadavg1_end", "\(Clock.loadAverage())"),
            ]))
    }
}

/// `saiga-bench index-report INDEX_DIR`: the storage breakdown of an index.
enum IndexReport {
    static func run(_ argv: [String]) throws {
        guard argv.count == 1 else { throw BenchUsage(message: "usage: saiga-bench index-report INDEX_DIR") }
        let reader = try IndexReader(path: argv[0])
        let r = try reader.storageReport()
        let s = reader.statistics
        print(
            jsonLine([
                ("postings", "\(s.postings)"), ("singleton_terms", "\(r.singletonTerms)"),
                ("tail_only_terms", "\(r.tailOnlyTerms)"),
                ("block_terms", "\(r.blockTerms)"), ("block_postings", "\(r.blockPostings)"),
                ("tail_postings", "\(r.tailPostings)"),
                ("skip_bytes", "\(r.skipBytes)"), ("doc_bit_bytes", "\(r.docBitBytes)"),
                ("freq_bit_bytes", "\(r.freqBitBytes)"),
                ("block_header_bytes", "\(r.blockHeaderBytes)"), ("impact_bytes", "\(r.impactBytes)"),
                ("tail_bytes", "\(r.tailBytes)"), ("bitset_blocks", "\(r.bitsetBlocks)"),
                ("term_dictionary_bytes", "\(r.termDictionaryBytes)"),
                ("avg_doc_bits", "\(round4(r.averageDocBits))"), ("avg_freq_bits", "\(round4(r.averageFreqBits))"),
            ]))
    }
}
