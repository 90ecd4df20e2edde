import Saiga

/// `saiga-bench codec`: integers per second for unpacking 128-value blocks at each bit width (one core). Whole
/// postings blocks (prefix sums, PFOR frequencies) are measured by the query benchmarks, not here.
enum CodecBench {
    static func run(_ argv: [String]) throws {
        let o = try Options(argv, valued: ["seconds"], flags: [])
        let seconds = try o.double("seconds") ?? 0.2
        var pairs: [(String, String)] = [("engine", "\"saiga\""), ("op", "\"codec\"")]
        var summary: [String] = []
        for width in 1...32 {
            let rate = CodecBenchmarks.unpackRate(bitWidth: width, seconds: seconds)
            summary.append("\"\(width)\": \(round4(rate / 1e9))")
        }
        pairs.append(("unpack_billion_ints_per_s", "{" + summary.joined(separator: ", ") + "}"))
        print(jsonLine(pairs))
    }
}
