import Saiga
import SaigaIngest
import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Benchmarks of the living index (issue: add/update/delete, background merges, commits):
///
///   saiga-bench living CORPUS.jsonl WORK_DIR [--commits 20] [--small-commits 10000] [--open-segments 100]
///                      [--queries QUERIES.txt]
///
/// Prints one JSON line per measurement:
/// - `commits`: the corpus indexed in `--commits` equal commits with background merges on (throughput, segment
///   count at the end, merges waited for at the end);
/// - `small_commits`: on top of that index, `--small-commits` commits of one document each while a second
///   thread reopens the index and runs queries: commits per second, the segment count (max and final), and
///   the search p50/p99 per tenth of the run (flat latency = merges keep up);
/// - `open`: the time to open an index of `--open-segments` segments (with and without checksum verification).
enum LivingBench {
    static func run(_ argv: [String]) throws {
        let o = try Options(
            argv, valued: ["commits", "small-commits", "open-segments", "queries", "ram-mb"], flags: [])
        guard o.positional.count == 2 else {
            throw BenchUsage(
                message:
                    "usage: saiga-bench living CORPUS.jsonl WORK_DIR [--commits N] [--small-commits N] [--open-segments N] [--queries FILE]"
            )
        }
        let corpusPath = o.positional[0]
        let work = o.positional[1]
        let commits = try o.int("commits", 20)
        let smallCommits = try o.int("small-commits", 10_000)
        let openSegments = try o.int("open-segments", 100)
        var issues: [IngestIssue] = []
        let corpus = CorpusReader(inputs: [corpusPath], issues: &issues)
        if let first = issues.first { throw first }
        var documents: [Document] = []
        try corpus.forEachDocument(
            { doc, _ in
                let text = doc.title.isEmpty ? doc.body : doc.title + "\n" + doc.body
                documents.append(Document(id: doc.id, title: "", body: text))
            }, onIssue: { _ in false }, progress: { _ in })
        // The last small-commits documents are held back for the single-document commits.
        let held = min(smallCommits, documents.count / 10)
        let bulk = documents.prefix(documents.count - held)
        var queries: [String] = []
        if let q = o.values["queries"] {
            queries = try QueryBench.readQueries(q).map(\.text)
        } else {
            queries = ["steppe horse", "river", "oil gas", "court law"]
        }
        queries = Array(queries.prefix(200))

        // 1. The corpus in N commits, background merges on.
        let indexPath = work + "/living"
        _ = try? removeTree(indexPath)
        let options = IndexWriterOptions(
            openMode: .create, ramBudgetMB: try o.int("ram-mb", 256), positions: false,
            storeText: false)
        var start = Clock.wallNanos()
        let writer = try IndexWriter(path: indexPath, options: options)
        let perCommit = (bulk.count + commits - 1) / max(commits, 1)
        for (i, d) in bulk.enumerated() {
            try writer.add(d)
            if (i + 1) % perCommit == 0 || i + 1 == bulk.count { try writer.commit() }
        }
        let committedSeconds = Double(Clock.wallNanos() - start) / 1e9
        let segmentsAtLastCommit = try IndexReader(path: indexPath).statistics.segments
        try writer.waitForMerges()
        try writer.commit()
        let totalSeconds = Double(Clock.wallNanos() - start) / 1e9
        print(
            jsonLine([
                ("bench", jsonString("commits")), ("docs", "\(bulk.count)"), ("commits", "\(commits)"),
                ("index_seconds", "\(round4(committedSeconds))"),
                ("docs_per_second", "\(round4(Double(bulk.count) / committedSeconds))"),
                ("segments_at_last_commit", "\(segmentsAtLastCommit)"),
                ("seconds_with_merges_finished", "\(round4(totalSeconds))"),
                ("segments_after_merges", "\(try IndexReader(path: indexPath).statistics.segments)"),
                ("index_bytes", "\(directoryBytes(indexPath))"), ("peak_rss_mb", "\(round4(Clock.peakRSSMB()))"),
            ]))

        // 2. Single-document commits while another thread searches.
        if held > 0 {
            let done = Atomic<Bool>(false)
            let samples = Mutex<[(commit: Int, ms: Double, segments: Int)]>([])
            let commitCounter = Atomic<Int>(0)
            let searcher = BenchThread {
                var reader = try? IndexReader(path: indexPath)
                var lastOpen = Clock.wallNanos()
                var qi = 0
                while !done.load(ordering: .relaxed) {
                    if Clock.wallNanos() - lastOpen > 100_000_000 {
                        reader = (try? IndexReader(path: indexPath)) ?? reader
                        lastOpen = Clock.wallNanos()
                    }
                    guard let r = reader else { continue }
                    let t0 = Clock.wallNanos()
                    _ = try? r.search(
                        words: queries[qi % queries.count], options: SearchOptions(k: 10, snippets: false))
                    let ms = Double(Clock.wallNanos() - t0) / 1e6
                    qi += 1
                    let c = commitCounter.load(ordering: .relaxed)
                    samples.withLock { $0.append((c, ms, r.statistics.segments)) }
                }
            }
            searcher.start()
            start = Clock.wallNanos()
            var maxSegments = 0
            for (i, d) in documents.suffix(held).enumerated() {
                try writer.add(d)
                try writer.commit()
                commitCounter.store(i + 1, ordering: .relaxed)
                if i % 50 == 0 { maxSegments = max(maxSegments, writer.segmentCount) }
            }
            let seconds = Double(Clock.wallNanos() - start) / 1e9
            done.store(true, ordering: .relaxed)
            searcher.join()
            let all = samples.withLock { $0 }
            var tenths: [String] = []
            for t in 0..<10 {
                let lo = held * t / 10
                let hi = held * (t + 1) / 10
                let slice = all.filter { $0.commit >= lo && $0.commit < hi }
                let ms = slice.map(\.ms).sorted()
                let segs = slice.map(\.segments).max() ?? 0
                tenths.append(
                    jsonLine([
                        ("commits_from", "\(lo)"), ("queries", "\(ms.count)"),
                        ("p50_ms", "\(round4(percentile(ms, 50)))"), ("p99_ms", "\(round4(percentile(ms, 99)))"),
                        ("max_segments_seen", "\(segs)"),
                    ]))
            }
            print(
                jsonLine([
                    ("bench", jsonString("small_commits")), ("commits", "\(held)"), ("seconds", "\(round4(seconds))"),
                    ("commits_per_second", "\(round4(Double(held) / seconds))"),
                    ("max_segments", "\(maxSegments)"), ("final_segments", "\(writer.segmentCount)"),
                    ("search_by_tenth", "[" + tenths.joined(separator: ", ") + "]"),
                ]))
        }
        writer.close()

        // 3. Opening an index of N segments.
        if openSegments > 0 {
            let manyPath = work + "/many-segments"
            _ = try? removeTree(manyPath)
            let w = try IndexWriter(
                path: manyPath,
                options: IndexWriterOptions(
                    openMode: .create, positions: false, storeText: false,
                    maxBufferedDocuments: max(1, (bulk.count + openSegments - 1) / openSegments), mergePolicy: nil))
            for d in bulk { try w.add(d) }
            try w.commit()
            w.close()
            var verified: [Double] = []
            var unverified: [Double] = []
            var segments = 0
            for _ in 0..<5 {
                var t0 = Clock.wallNanos()
                let r = try IndexReader(path: manyPath, verification: .atOpen)
                verified.append(Double(Clock.wallNanos() - t0) / 1e6)
                segments = r.statistics.segments
                t0 = Clock.wallNanos()
                _ = try IndexReader(path: manyPath)
                unverified.append(Double(Clock.wallNanos() - t0) / 1e6)
            }
            print(
                jsonLine([
                    ("bench", jsonString("open")), ("segments", "\(segments)"), ("docs", "\(bulk.count)"),
                    ("open_ms_at_open_p50", "\(round4(percentile(verified.sorted(), 50)))"),
                    ("open_ms_on_first_read_p50", "\(round4(percentile(unverified.sorted(), 50)))"),
                    ("index_bytes", "\(directoryBytes(manyPath))"),
                ]))
        }
    }

    /// Deletes a directory's files and the directory (one level: index directories have no subdirectories).
    static func removeTree(_ path: String) throws {
        guard let dir = opendir(path) else { return }
        var names: [String] = []
        while let e = readdir(dir) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(dir)
        for n in names { unlink(path + "/" + n) }
        rmdir(path)
    }
}

/// A joinable thread running a closure (the benchmark's searcher).
final class BenchThread: @unchecked Sendable {
    private var handle = pthread_t()
    private let body: () -> Void

    init(_ body: @escaping () -> Void) { self.body = body }

    func start() {
        let box = Unmanaged.passRetained(self).toOpaque()
        pthread_create(
            &handle, nil,
            { p in
                let t = Unmanaged<BenchThread>.fromOpaque(p!).takeRetainedValue()
                t.body()
                return nil
            }, box)
    }

    func join() { pthread_join(handle, nil) }
}
