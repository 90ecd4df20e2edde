// `saiga eval` against trec_eval itself: the same run and qrels through pytrec_eval (PyPI pytrec-eval-terrier,
// which wraps trec_eval's C code) must give the same number for every query and measure.

import Foundation
import Testing

/// A Python that can `import pytrec_eval`: `$SAIGA_TREC_EVAL_PYTHON`, else `.build/trec-eval-venv` (which `.ci/run`
/// creates, and which this creates with pip when it is missing), else `python3` if it has the module.
func trecEvalPython() async throws -> String {
    func hasModule(_ python: String) async throws -> Bool {
        guard python.hasPrefix("/") ? FileManager.default.isExecutableFile(atPath: python) : true else { return false }
        let probe = try await run(
            URL(fileURLWithPath: "/usr/bin/env"), [python, "-c", "import pytrec_eval"], timeout: 60)
        return probe.exited && probe.status == 0
    }
    if let env = ProcessInfo.processInfo.environment["SAIGA_TREC_EVAL_PYTHON"], !env.isEmpty {
        try #require(try await hasModule(env), "SAIGA_TREC_EVAL_PYTHON=\(env) cannot import pytrec_eval")
        return env
    }
    let venv = packageRoot.appendingPathComponent(".build/trec-eval-venv")
    let venvPython = venv.appendingPathComponent("bin/python").path
    if try await hasModule(venvPython) { return venvPython }
    if try await hasModule("python3") { return "python3" }
    // Not installed yet (a plain `swift test` on a fresh machine): install it, as .ci/run does.
    let env = URL(fileURLWithPath: "/usr/bin/env")
    let made = try await run(env, ["python3", "-m", "venv", venv.path], timeout: 120)
    let pip = try await run(
        URL(fileURLWithPath: venv.appendingPathComponent("bin/pip").path),
        ["install", "--quiet", "pytrec-eval-terrier"], timeout: 600)
    try #require(
        try await hasModule(venvPython),
        """
        this test compares with trec_eval through pytrec_eval, which could not be installed into \(venv.path) \
        (python3 with venv and PyPI are needed; `bash .ci/run` installs it):
        \(made)
        \(pip)
        """)
    return venvPython
}

@Suite struct EvalCLITests {
    /// Random runs and graded qrels, with tied scores, unjudged and negatively judged documents, queries without
    /// relevant documents and queries only one side has: every figure equals trec_eval's.
    @Test func figuresEqualTrecEval() async throws {
        let python = try await trecEvalPython()
        let measures = ["ndcg@5", "ndcg@10", "map", "map@5", "mrr", "p@5", "p@10", "recall@5", "recall@100"]
        let trecNames = [
            "ndcg_cut.5", "ndcg_cut.10", "map", "map_cut.5", "recip_rank", "P.5", "P.10", "recall.5", "recall.100",
        ]
        try await withTempDir { dir in
            for seed in 1...4 {
                var random = SeededRandom(seed: UInt64(seed))
                var qrels = ""
                var runLines = ""
                for q in 0..<40 {
                    let docs = (0..<30).map { "d\($0)" }
                    if q % 13 != 5 {  // some queries only in the run
                        for d in docs where Int.random(in: 0..<3, using: &random) == 0 {
                            qrels += "q\(q) 0 \(d) \([-1, 0, 0, 1, 1, 2, 3].randomElement(using: &random)!)\n"
                        }
                    }
                    if q % 11 != 3 {  // some queries only in the qrels
                        for (rank, d) in docs.shuffled(using: &random).prefix(Int.random(in: 0..<25, using: &random))
                            .enumerated()
                        {
                            // Few distinct scores: many ties, broken by document id as trec_eval breaks them.
                            let score = Double(Int.random(in: 0..<6, using: &random)) / 4
                            runLines += "q\(q) Q0 \(d) \(rank + 1) \(score) test\n"
                        }
                    }
                }
                let qrelsFile = dir.appendingPathComponent("qrels-\(seed)")
                let runFile = dir.appendingPathComponent("run-\(seed)")
                try write(qrels, to: qrelsFile)
                try write(runLines, to: runFile)
                let ours = try await saiga(
                    "eval", "--qrels", qrelsFile.path, "--run", runFile.path, "--measures",
                    measures.joined(separator: ","), "--per-query", "--json")
                try #require(ours.status == 0, "\(ours)")
                let reference = try await run(
                    URL(fileURLWithPath: "/usr/bin/env"),
                    [
                        python, packageRoot.appendingPathComponent("Benchmarks/relevance/trec_eval_reference.py").path,
                        qrelsFile.path, runFile.path, trecNames.joined(separator: ","),
                    ], timeout: 60)
                try #require(reference.status == 0, "\(reference)")
                let mine = try #require(
                    try JSONSerialization.jsonObject(with: ours.stdoutData) as? [String: Any])
                let perQuery = try #require(mine["per_query"] as? [String: [String: Double]])
                let theirs = try #require(
                    try JSONSerialization.jsonObject(with: reference.stdoutData) as? [String: [String: Double]])
                #expect(Set(perQuery.keys) == Set(theirs.keys), "seed \(seed): the queries evaluated differ")
                #expect(perQuery.count > 20)
                var means = [Double](repeating: 0, count: measures.count)
                for (query, expected) in theirs {
                    for (m, name) in zip(measures, trecNames) {
                        let a = perQuery[query]?[m] ?? .nan
                        let b = expected[name] ?? .nan
                        #expect(abs(a - b) <= 1e-12, "seed \(seed) \(query) \(m): saiga \(a), trec_eval \(b)")
                    }
                    for (i, name) in trecNames.enumerated() { means[i] += expected[name] ?? 0 }
                }
                let printedMeans = try #require(mine["measures"] as? [String: Double])
                for (i, m) in measures.enumerated() {
                    let expected = means[i] / Double(theirs.count)
                    #expect(abs((printedMeans[m] ?? .nan) - expected) <= 1e-12, "seed \(seed) mean \(m)")
                }
            }
        }
    }

    /// Live queries on an index: the run `--write-run` saves evaluates, through trec_eval, to what `saiga eval`
    /// printed, and field boosts change the ranking that is measured.
    @Test func liveQueriesMatchTheirRunFile() async throws {
        let python = try await trecEvalPython()
        try await withTempDir { dir in
            let docs = [
                (
                    "a1", "Steppe wildlife",
                    "Saiga antelope: the saiga antelope lives on the steppe; saiga antelope herds, saiga calves."
                ),
                ("a2", "Steppe eagles", "Eagles hunt over the steppe; an antelope runs."),
                ("a3", "Horses", "Horses and kumis on the steppe, no antelope here."),
                ("a4", "Lakes", "Balkhash is a lake. The saiga does not swim."),
                (
                    "a5", "Saiga antelope census",
                    "Counting the herds from the air each spring, across the wide plains, by plane and by car, with volunteers and rangers and their maps."
                ),
            ]
            var corpus = ""
            for (id, title, body) in docs {
                corpus += "{\"id\": \"\(id)\", \"title\": \"\(title)\", \"contents\": \"\(body)\"}\n"
            }
            let corpusFile = dir.appendingPathComponent("docs.jsonl")
            try write(corpus, to: corpusFile)
            let index = dir.appendingPathComponent("idx")
            let built = try await saiga("index", corpusFile.path, "--index", index.path)
            try #require(built.status == 0, "\(built)")
            try write(
                "q1\tsaiga antelope?\nq2\tthe steppe\nq3\tnothing matches this\nq4\tunjudged query\n",
                to: dir.appendingPathComponent("queries.tsv"))
            try write(
                "q1 0 a5 2\nq1 0 a1 1\nq2 0 a2 1\nq2 0 a3 0\nq3 0 a4 1\n", to: dir.appendingPathComponent("qrels"))
            var means: [String: Double] = [:]
            for boost in [[], ["--boost", "title^5"]] {
                let runFile = dir.appendingPathComponent("run")
                let ours = try await saiga(
                    [
                        "eval", "--index", index.path, "--qrels", dir.appendingPathComponent("qrels").path, "--queries",
                        dir.appendingPathComponent("queries.tsv").path, "--write-run", runFile.path,
                        "--measures", "ndcg@10,map,mrr", "--per-query", "--json",
                    ] + boost)
                try #require(ours.status == 0, "\(ours)")
                let mine = try #require(try JSONSerialization.jsonObject(with: ours.stdoutData) as? [String: Any])
                // q3 found nothing and still counts (0); q4 is not judged and does not.
                #expect(mine["queries"] as? Int == 3)
                let perQuery = try #require(mine["per_query"] as? [String: [String: Double]])
                #expect(perQuery["q3"] == ["ndcg@10": 0, "map": 0, "mrr": 0])
                let reference = try await run(
                    URL(fileURLWithPath: "/usr/bin/env"),
                    [
                        python, packageRoot.appendingPathComponent("Benchmarks/relevance/trec_eval_reference.py").path,
                        dir.appendingPathComponent("qrels").path, runFile.path, "ndcg_cut.10,map,recip_rank",
                    ], timeout: 60)
                try #require(reference.status == 0, "\(reference)")
                let theirs = try #require(
                    try JSONSerialization.jsonObject(with: reference.stdoutData) as? [String: [String: Double]])
                for query in ["q1", "q2"] {
                    #expect(abs((perQuery[query]?["ndcg@10"] ?? -1) - (theirs[query]?["ndcg_cut.10"] ?? -2)) < 1e-12)
                    #expect(abs((perQuery[query]?["map"] ?? -1) - (theirs[query]?["map"] ?? -2)) < 1e-12)
                    #expect(abs((perQuery[query]?["mrr"] ?? -1) - (theirs[query]?["recip_rank"] ?? -2)) < 1e-12)
                }
                means[boost.isEmpty ? "plain" : "boosted"] = (mine["measures"] as? [String: Double])?["ndcg@10"]
            }
            // The title boost lifts a5 ("Saiga antelope census", the most relevant) above a1 for q1.
            #expect((means["boosted"] ?? 0) > (means["plain"] ?? 1), "\(means)")
        }
    }

    @Test func badInputIsAClearError() async throws {
        try await withTempDir { dir in
            let qrels = dir.appendingPathComponent("qrels")
            try write("q1 0 d1 1\nq1 0 d2 x\n", to: qrels)
            let run = dir.appendingPathComponent("run")
            try write("q1 Q0 d1 1 2.0 t\n", to: run)
            let bad = try await saiga("eval", "--qrels", qrels.path, "--run", run.path)
            #expect(bad.status == 1 && bad.stderr.contains("line 2"), "\(bad)")
            try write("q1 0 d1 1\n", to: qrels)
            try write("q1 Q0 d1 1 2.0 t\nq1 Q0 d1 2 1.0 t\n", to: run)
            let twice = try await saiga("eval", "--qrels", qrels.path, "--run", run.path)
            #expect(twice.status == 1 && twice.stderr.contains("retrieved twice"), "\(twice)")
            try write("q1 Q0 d1 1 nan t\n", to: run)
            let nan = try await saiga("eval", "--qrels", qrels.path, "--run", run.path)
            #expect(nan.status == 1 && nan.stderr.contains("line 1"), "\(nan)")
            let measure = try await saiga("eval", "--qrels", qrels.path, "--run", run.path, "--measures", "ndcg")
            #expect(measure.status == 64 && measure.stderr.contains("ndcg@K"), "\(measure)")
            let fifo = dir.appendingPathComponent("fifo").path
            #expect(mkfifo(fifo, 0o600) == 0)
            let notFile = try await saiga("eval", "--qrels", fifo, "--run", run.path)
            #expect(notFile.status == 1 && notFile.stderr.contains("not a regular file"), "\(notFile)")
            let neither = try await saiga("eval", "--qrels", qrels.path)
            #expect(neither.status == 64, "\(neither)")
        }
    }
}
