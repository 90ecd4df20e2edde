// Support for the end-to-end tests: locating the `saiga` binary and the bundled corpus, running a program with a
// timeout and capturing its output and exit status, per-test temporary directories, JSON helpers.

import Foundation
@_exported import SaigaTestSupport
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

// MARK: - Running a program

/// What a finished (or killed) child process left behind.
struct RunResult: CustomStringConvertible {
    var arguments: [String]
    var stdoutData: Data
    var stderrData: Data
    /// The exit status when the process exited normally; -1 when it died from a signal or was killed on timeout.
    var status: Int32
    /// The signal that ended the process, if one did (SIGKILL after a timeout included).
    var signal: Int32?
    var timedOut: Bool
    var seconds: Double

    var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    var stderr: String { String(decoding: stderrData, as: UTF8.self) }
    /// Exited normally (no signal, no timeout).
    var exited: Bool { signal == nil && !timedOut }

    var description: String {
        var s = "$ saiga \(arguments.map(shellQuoted).joined(separator: " "))\n"
        if timedOut { s += "TIMED OUT after \(seconds) s\n" }
        if let signal { s += "KILLED BY SIGNAL \(signal)\n" } else { s += "exit status \(status)\n" }
        s += "--- stdout (\(stdoutData.count) bytes)\n\(stdout.prefix(2000))\n"
        s += "--- stderr (\(stderrData.count) bytes)\n\(stderr.prefix(2000))"
        return s
    }
}

func shellQuoted(_ s: String) -> String {
    if !s.isEmpty, s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:,+@".contains($0) }) { return s }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// Runs `executable` with `arguments`, in `directory` (default: inherited), with the test process's environment
/// minus `SAIGA_INDEX` and `SAIGA_TOKEN`, plus `environment` (a nil value removes a variable); see `runProcess`.
@discardableResult
func run(
    _ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String?] = [:],
    timeout: Double = 60, sourceLocation: SourceLocation = #_sourceLocation
) async throws -> RunResult {
    func result(_ o: ProcessOutcome) -> RunResult {
        RunResult(
            arguments: arguments, stdoutData: o.stdoutData, stderrData: o.stderrData,
            status: o.exit.code ?? -1, signal: o.timedOut ? SIGKILL : o.exit.signal, timedOut: o.timedOut,
            seconds: o.seconds)
    }
    return result(
        try await runProcess(
            executable.path, arguments, in: directory, environment: environment,
            timeout: timeout, describe: { "\(result($0))" },
            sourceLocation: sourceLocation))
}

/// Runs the `saiga` binary. See `run(_:_:in:environment:timeout:sourceLocation:)`.
@discardableResult
func saiga(
    _ arguments: String..., in directory: URL? = nil, environment: [String: String?] = [:], timeout: Double = 60,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> RunResult {
    try await saiga(
        arguments, in: directory, environment: environment, timeout: timeout, sourceLocation: sourceLocation)
}

@discardableResult
func saiga(
    _ arguments: [String], in directory: URL? = nil, environment: [String: String?] = [:], timeout: Double = 60,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> RunResult {
    try #require(
        FileManager.default.isExecutableFile(atPath: saigaBinary.path),
        "saiga binary not found at \(saigaBinary.path) (arguments[0] = \(CommandLine.arguments[0]))",
        sourceLocation: sourceLocation)
    return try await run(
        saigaBinary, arguments, in: directory, environment: environment, timeout: timeout,
        sourceLocation: sourceLocation)
}

// MARK: - Temporary directories

/// Runs `body` with a fresh, empty temporary directory of its own (tests run in parallel in one process) and
/// removes the directory afterwards, whether `body` succeeds or throws.
func withTempDir<T>(_ body: (URL) async throws -> T) async throws -> T {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("saiga-cli-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    do {
        let value = try await body(dir)
        try? FileManager.default.removeItem(at: dir)
        return value
    } catch {
        try? FileManager.default.removeItem(at: dir)
        throw error
    }
}

/// Builds an index of the bundled corpus at `dir/name` and returns its path.
func buildCorpusIndex(
    in dir: URL, name: String = "idx", sourceLocation: SourceLocation = #_sourceLocation
)
    async throws -> URL
{
    let idx = dir.appendingPathComponent(name)
    let r = try await saiga("index", corpusDirectory.path, "--index", idx.path, sourceLocation: sourceLocation)
    try #require(r.exited && r.status == 0, "building the corpus index failed:\n\(r)", sourceLocation: sourceLocation)
    return idx
}

/// Lays out `dir` as a Saiga checkout for the zero-setup paths: `Index/corpus` holding a copy of the bundled corpus,
/// no index. Returns `dir/Index`.
func makeCheckout(in dir: URL) throws -> URL {
    let indexDir = dir.appendingPathComponent("Index")
    try FileManager.default.createDirectory(at: indexDir, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: corpusDirectory, to: indexDir.appendingPathComponent("corpus"))
    return indexDir
}

func write(_ text: String, to url: URL) throws {
    try Data(text.utf8).write(to: url)
}

func write(_ bytes: [UInt8], to url: URL) throws {
    try Data(bytes).write(to: url)
}

/// Names of committed manifests (`manifest_<N>`, not `manifest_<N>.tmp`) in `dir`; empty if `dir` does not exist.
func committedManifests(in dir: URL) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.filter { $0.hasPrefix("manifest_") && !$0.contains(".tmp") }.sorted()
}

// MARK: - JSON

/// Parses `text` as exactly one JSON object (JSONSerialization rejects anything after it but whitespace).
func parseJSONObject(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let value: Any
    do {
        value = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [])
    } catch {
        Issue.record("not valid JSON (\(error)):\n\(text.prefix(2000))", sourceLocation: sourceLocation)
        throw error
    }
    return try #require(
        value as? [String: Any], "JSON is not an object:\n\(text.prefix(2000))",
        sourceLocation: sourceLocation)
}

/// One hit of `saiga search --json`.
struct Hit {
    var id: String
    var score: Double
    var title: String
    var snippet: Any?
    var fields: [String: Any]?
}

/// The result object of `saiga search --json`: `{"total": Int, "hits": [{"id", "score", "title", "snippet"}]}`.
struct SearchJSON {
    var total: Int
    var totalIsExact = true
    var hits: [Hit]
    var ids: [String] { hits.map(\.id) }
}

/// Checks that `r` is a successful `saiga search --json` run whose stdout is exactly one result object with the
/// documented shape, and returns it.
func searchJSON(_ r: RunResult, sourceLocation: SourceLocation = #_sourceLocation) throws -> SearchJSON {
    try #require(r.exited && r.status == 0, "search failed:\n\(r)", sourceLocation: sourceLocation)
    let object = try parseJSONObject(r.stdout, sourceLocation: sourceLocation)
    // "total_exact": false appears only when the total is a lower bound (more than 1,000 matches).
    #expect(
        Set(object.keys) == ["total", "hits"]
            || (Set(object.keys) == ["total", "total_exact", "hits"] && object["total_exact"] as? Bool == false),
        "unexpected top-level keys: \(object.keys.sorted())", sourceLocation: sourceLocation)
    let total = try #require(
        object["total"] as? Int, "total is not an integer:\n\(r.stdout)",
        sourceLocation: sourceLocation)
    let rawHits = try #require(
        object["hits"] as? [Any], "hits is not an array:\n\(r.stdout)",
        sourceLocation: sourceLocation)
    var hits: [Hit] = []
    for raw in rawHits {
        let h = try #require(raw as? [String: Any], "a hit is not an object: \(raw)", sourceLocation: sourceLocation)
        let id = try #require(h["id"] as? String, "hit without string id: \(h)", sourceLocation: sourceLocation)
        let score = try #require(
            (h["score"] as? NSNumber)?.doubleValue, "hit without numeric score: \(h)",
            sourceLocation: sourceLocation)
        let title = try #require(
            h["title"] as? String, "hit without string title: \(h)",
            sourceLocation: sourceLocation)
        #expect(h.keys.contains("snippet"), "hit without snippet key: \(h)", sourceLocation: sourceLocation)
        let fields: [String: Any]?
        if let f = h["fields"] {
            fields = try #require(f as? [String: Any], "fields is not an object: \(h)", sourceLocation: sourceLocation)
        } else {
            fields = nil
        }
        hits.append(Hit(id: id, score: score, title: title, snippet: h["snippet"], fields: fields))
    }
    return SearchJSON(total: total, totalIsExact: object["total_exact"] == nil, hits: hits)
}

// MARK: - Deterministic randomness
