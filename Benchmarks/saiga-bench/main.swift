// saiga-bench: in-process benchmarks of the Saiga engine, printing one JSON line per run with the field names of
// ../shared/bench/peers (so `peer saiga index|query …` runs Saiga through the same harness as the peer engines).
//
//   saiga-bench index CORPUS.jsonl INDEX_DIR [--threads N] [--ram-mb N] [--positions] [--store-text] [--keep-stopwords]
//     [--surface-forms]
//   saiga-bench query INDEX_DIR QUERIES.txt [--k 10] [--mode or|and|phrase|syntax] [--warmup 1] [--k1 X --b Y]
//                     [--exhaustive | --exact-count | --count-limit N]
//                     [--out RUN.tsv] [--latencies LAT.tsv]
//   saiga-bench serve-load --server HOST:PORT QUERIES.txt --connections C [--pipeline P] [--compare-index DIR]
//                     [--client-spin-us N] [--ping]
//   saiga-bench index-fields CORPUS-FIELDS.jsonl INDEX_DIR [--threads N]
//   saiga-bench fields-query INDEX_DIR TASKS.jsonl [--warmup 1] [--k1 X --b Y] [--out RESULTS.jsonl]
//   saiga-bench suggest INDEX_DIR QUERIES.txt [--limit 5] [--titles 0] [--warmup 1]
//   saiga-bench codec
//   saiga-bench living CORPUS.jsonl WORK_DIR [--commits 20] [--small-commits 10000] [--open-segments 100]
//
// Release builds only: `swift run -c release saiga-bench …`.

import Saiga

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

assert(
    {
        fputs("saiga-bench: WARNING: debug build, numbers are meaningless (use swift run -c release)\n", stderr)
        return true
    }())

var argv = Array(CommandLine.arguments.dropFirst())
guard let command = argv.first else {
    fputs("usage: saiga-bench index|query …  (see Benchmarks/README.md)\n", stderr)
    exit(64)
}
argv.removeFirst()
do {
    switch command {
    case "--version", "version":
        print("saiga-bench 0.1.0")
    case "index":
        try IndexBench.run(argv)
    case "query":
        try QueryBench.run(argv)
    case "codec":
        try CodecBench.run(argv)
    case "index-report":
        try IndexReport.run(argv)
    case "serve-load":
        try ServeLoad.run(argv)
    case "write-load":
        try WriteLoad.run(argv)
    case "write-kill":
        try WriteKill.run(argv)
    case "living":
        try LivingBench.run(argv)
    case "index-fields":
        try IndexFieldsBench.run(argv)
    case "fields-query":
        try FieldsQueryBench.run(argv)
    case "suggest":
        try SuggestBench.run(argv)
    default:
        fputs("saiga-bench: unknown command \(command)\n", stderr)
        exit(64)
    }
} catch let e as BenchUsage {
    fputs("saiga-bench: \(e.message)\n", stderr)
    exit(64)
} catch {
    fputs("saiga-bench: \(error)\n", stderr)
    exit(1)
}
