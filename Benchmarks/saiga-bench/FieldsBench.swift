import Foundation
import Saiga
import SaigaIngest

/// `saiga-bench index-fields CORPUS-FIELDS.jsonl INDEX_DIR [--threads N]`: the structured corpus of
/// ../shared/bench/peers (`make-fields-corpus`) indexed as the contract says: `title + "\n" + contents` as the text
/// (analysed as in `index`), and every other key a field typed by its JSON value (string: keyword; integer: integer;
/// other number: float; boolean: boolean; array of strings: multi-valued keyword), indexed and with a column, not
/// stored (the peers' Lucene stores only the id). The types come from the first 10,000 lines; a later line with
/// another field or type is an error.
enum IndexFieldsBench {
    static func run(_ argv: [String]) throws {
        let o = try Options(argv, valued: ["threads", "ram-mb"], flags: [])
        guard o.positional.count == 2 else {
            throw BenchUsage(message: "usage: saiga-bench index-fields CORPUS-FIELDS.jsonl INDEX_DIR [--threads N]")
        }
        let (corpusPath, indexPath) = (o.positional[0], o.positional[1])
        let threads = try o.int("threads", 1)
        guard (1...64).contains(threads) else { throw BenchUsage(message: "--threads must be 1...64") }
        let load0 = Clock.loadAverage()
        let start = Clock.wallNanos()
        let schema = try inferSchema(corpusPath, lines: 10_000)
        var issues: [IngestIssue] = []
        let corpus = CorpusReader(inputs: [corpusPath], issues: &issues)
        if let first = issues.first { throw first }
        let writer = try IndexWriter(
            path: indexPath,
            options: IndexWriterOptions(
                openMode: .create, ramBudgetMB: try o.int("ram-mb", 1024),
                analyzer: AnalyzerOptions(stemming: true, stopWords: true), positions: false, storeText: false,
                threads: threads, schema: schema))
        try corpus.forEachDocument(
            { doc, location in
                let text = doc.title.isEmpty ? doc.body : doc.title + "\n" + doc.body
                do {
                    try writer.add(Document(id: doc.id, title: "", body: text, fields: doc.fields))
                } catch {
                    throw BenchUsage(message: "\(location.path):\(location.line): \(error)")
                }
            }, onIssue: { _ in false })
        try writer.commit()
        writer.close()
        let seconds = Double(Clock.wallNanos() - start) / 1e9
        let reader = try IndexReader(path: indexPath)
        let s = reader.statistics
        let components = componentsJSON(s)
        let fields = schema.fields.map { "\($0.name):\($0.type.rawValue)" }.joined(separator: ",")
        print(
            jsonLine([
                ("engine", "\"saiga\""), ("docs", "\(s.documents)"), ("index_seconds", "\(round4(seconds))"),
                ("docs_per_second", "\(round4(Double(s.documents) / seconds))"),
                ("index_bytes", "\(directoryBytes(indexPath))"), ("peak_rss_mb", "\(round4(Clock.peakRSSMB()))"),
                ("segments", "\(s.segments)"), ("fields", jsonString(fields)), ("component_bytes", components),
                ("threads", "\(threads)"), ("loadavg1_start", "\(load0)"), ("loadavg1_end", "\(Clock.loadAverage())"),
            ]))
    }

    /// The fields of the first `lines` lines, typed by their JSON values (strings as keywords).
    static func inferSchema(_ path: String, lines: Int) throws -> Schema {
        let inferred = try SchemaInference.infer(files: [path], stringsAsKeywords: true, maxLines: lines)
        return try Schema(
            inferred.fields.filter { !["id", "title", "body", "contents"].contains($0.name) }.map {
                Schema.Field($0.name, $0.type, stored: false)
            })
    }
}

/// `saiga-bench fields-query INDEX_DIR TASKS.jsonl --warmup W --k1 X --b Y --out RESULTS.jsonl`: the structured
/// tasks of ../shared/bench/peers (term and range filters, sorts, facets, filter-only), one thread, in file order,
/// after W untimed passes; per task the time covers building the query and its filters, the search, the facet
/// counts, the external ids and the facet labels. `--count-limit N` (default 1,000) as in `query`.
enum FieldsQueryBench {
    struct Task {
        var qid: String
        var type: String
        var text: String
        var k: Int
        var filters: [String]
        var sort: [SortField]
        var facets: [FacetRequest]
    }

    static func readTasks(_ path: String) throws -> [Task] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var tasks: [Task] = []
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard let o = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw BenchUsage(message: "\(path): a line is not a JSON object")
            }
            var t = Task(
                qid: o["qid"] as? String ?? "", type: o["type"] as? String ?? "", text: o["text"] as? String ?? "",
                k: o["k"] as? Int ?? 10, filters: [], sort: [], facets: [])
            for f in o["filter"] as? [[String: Any]] ?? [] {
                guard let field = f["field"] as? String else { continue }
                if let term = f["term"] as? String {
                    t.filters.append("\(field):\"\(term.replacingOccurrences(of: "\"", with: "\\\""))\"")
                } else {
                    let lo = (f["gte"] as? Int).map(String.init) ?? "*"
                    let hi = (f["lte"] as? Int).map(String.init) ?? "*"
                    t.filters.append("\(field):[\(lo) TO \(hi)]")
                }
            }
            for s in o["sort"] as? [[String: Any]] ?? [] {
                guard let field = s["field"] as? String else { continue }
                t.sort.append(SortField(field, s["order"] as? String == "desc" ? .descending : .ascending))
            }
            for f in o["facets"] as? [[String: Any]] ?? [] {
                guard let field = f["field"] as? String else { continue }
                if f["kind"] as? String == "histogram", let interval = f["interval"] as? Double {
                    t.facets.append(FacetRequest(field, .histogram(interval: interval)))
                } else {
                    t.facets.append(FacetRequest(field, .terms(size: f["size"] as? Int ?? 10)))
                }
            }
            tasks.append(t)
        }
        return tasks
    }

    static func run(_ argv: [String]) throws {
        let o = try Options(argv, valued: ["warmup", "k1", "b", "out", "count-limit"], flags: [])
        guard o.positional.count == 2 else {
            throw BenchUsage(message: "usage: saiga-bench fields-query INDEX_DIR TASKS.jsonl --warmup W --out R.jsonl")
        }
        let tasks = try readTasks(o.positional[1])
        let warmup = try o.int("warmup", 1)
        var bm25 = BM25Parameters(k1: 0.9, b: 0.4)
        if let k1 = try o.double("k1") { bm25.k1 = Float(k1) }
        if let b = try o.double("b") { bm25.b = Float(b) }
        // Matches are counted exactly up to 1,000 (Lucene's default, as in `query`); --count-limit 0 counts none
        // exactly and prunes from the first document (tantivy's `count=False`). Facet tasks always count exactly.
        let countLimit = try o.int("count-limit", 1000)
        let load0 = Clock.loadAverage()
        let reader = try IndexReader(path: o.positional[0])

        func run(_ t: Task) throws -> SearchResults {
            let options = SearchOptions(
                k: t.k, bm25: bm25, snippets: false, totalHitsThreshold: countLimit, filter: t.filters, sort: t.sort,
                facets: t.facets)
            // No text: every document that passes the filters. A text: an OR of its distinct terms (a text that
            // analyses to nothing matches nothing).
            if t.text.isEmpty { return try reader.search("*:*", options: options) }
            return try reader.search(words: t.text, match: .any, options: options)
        }
        for _ in 0..<warmup { for t in tasks { _ = try run(t) } }
        var lines: [String] = []
        var byType: [String: [Double]] = [:]
        for t in tasks {
            let c0 = Clock.threadCPUNanos()
            let w0 = Clock.wallNanos()
            let r = try run(t)
            let w1 = Clock.wallNanos()
            let c1 = Clock.threadCPUNanos()
            byType[t.type, default: []].append(Double(w1 - w0) / 1e6)
            lines.append(resultLine(t, r, wall: w1 - w0, cpu: c1 - c0))
        }
        if let out = o.values["out"] { try QueryBench.write(lines.joined(separator: "\n") + "\n", to: out) }
        var pairs: [(String, String)] = [("engine", "\"saiga\""), ("tasks", "\(tasks.count)")]
        for (type, ms) in byType.sorted(by: { $0.key < $1.key }) {
            let sorted = ms.sorted()
            pairs.append(("\(type)_p50_ms", "\(round4(percentile(sorted, 50)))"))
            pairs.append(("\(type)_p99_ms", "\(round4(percentile(sorted, 99)))"))
        }
        pairs += [
            ("peak_rss_mb", "\(round4(Clock.peakRSSMB()))"), ("loadavg1_start", "\(load0)"),
            ("loadavg1_end", "\(Clock.loadAverage())"),
        ]
        print(jsonLine(pairs))
    }

    static func value(_ v: FieldValue?) -> String {
        switch v {
        case nil: return "null"
        case .string(let s)?: return jsonString(s)
        case .integer(let i)?: return String(i)
        case .float(let d)?: return d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
        case .boolean(let b)?: return b ? "true" : "false"
        case .date(let d)?: return jsonString(d.description)
        }
    }

    static func resultLine(_ t: Task, _ r: SearchResults, wall: UInt64, cpu: UInt64) -> String {
        var pairs: [(String, String)] = [
            ("qid", jsonString(t.qid)), ("type", jsonString(t.type)),
            ("ids", "[" + r.hits.map { jsonString($0.id) }.joined(separator: ", ") + "]"),
        ]
        if t.sort.isEmpty {
            pairs.append(("scores", "[" + r.hits.map { "\($0.score)" }.joined(separator: ", ") + "]"))
        } else {
            let rows = r.hits.map { "[" + ($0.sortValues ?? []).map(value).joined(separator: ", ") + "]" }
            pairs.append(("sort_values", "[" + rows.joined(separator: ", ") + "]"))
        }
        if !t.facets.isEmpty {
            pairs.append(("total", "\(r.total)"))
            let facets = r.facets.map { f in
                jsonString(f.request.field) + ": ["
                    + f.buckets.map { "[" + value($0.value) + ", \($0.count)]" }.joined(separator: ", ") + "]"
            }
            pairs.append(("facets", "{" + facets.joined(separator: ", ") + "}"))
        }
        pairs += [("wall_ns", "\(wall)"), ("cpu_ns", "\(cpu)")]
        return jsonLine(pairs)
    }
}
