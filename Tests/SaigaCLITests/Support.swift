// Support for the end-to-end tests: locating the `saiga` binary and the bundled corpus, running a program with a
// timeout and capturing its output and exit status, per-test temporary directories, JSON helpers.

#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Foundation
@_exported import SaigaTestSupport
import Testing

// MARK: - Locations


/// The `saiga` executable built by SwiftPM.
///
/// Under `swift test` on Linux the test runner is `<products>/SaigaPackageTests.xctest`, so `CommandLine.arguments[0]`
/// names a file in the products directory and `saiga` sits next to it. If that ever stops being true (another
/// runner, a relocated bundle), fall back to `.build/debug/saiga` under the package root (a symlink SwiftPM keeps to
/// the current triple's products directory).
let saigaBinary: URL = {
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    let besideRunner = runner.deletingLastPathComponent().appendingPathComponent("saiga")
    if FileManager.default.isExecutableFile(atPath: besideRunner.path) { return besideRunner }
    return packageRoot.appendingPathComponent(".build/debug/saiga")
}()

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

/// `posix_spawn_file_actions_addchdir_np` (glibc 2.29+): declared in <spawn.h> but not imported into Swift, so
/// looked up at run time.
private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
private let addChdir: AddChdir = {
    guard let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else {
        fatalError("posix_spawn_file_actions_addchdir_np is not available (glibc older than 2.29?)")
    }
    return unsafeBitCast(symbol, to: AddChdir.self)
}()

struct SpawnError: Error, CustomStringConvertible {
    var description: String
}

/// Runs `executable` with `arguments`, in `directory` (default: inherited), with the test process's environment
/// minus `SAIGA_INDEX`, plus `environment` (a nil value removes a variable). stdin is /dev/null; stdout and stderr go
/// to files (so no pipe can fill up and block the child, and neither is a terminal). After `timeout` seconds the
/// child is killed with SIGKILL.
///
/// Records a test failure at the caller when the child died from a signal or timed out: a crash or a hang is
/// always a bug. The result is returned anyway so the caller can look at it.
@discardableResult
func run(
    _ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String?] = [:],
    timeout: Double = 60, sourceLocation: SourceLocation = #_sourceLocation
) async throws -> RunResult {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("saiga-cli-io-\(UUID().uuidString)")
    let outPath = scratch.path + ".out"
    let errPath = scratch.path + ".err"
    defer {
        unlink(outPath)
        unlink(errPath)
    }

    var env = ProcessInfo.processInfo.environment
    env["SAIGA_INDEX"] = nil
    for (k, v) in environment { env[k] = v }

    var fileActions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&fileActions)
    defer { posix_spawn_file_actions_destroy(&fileActions) }
    posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&fileActions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&fileActions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if let directory {
        let rc = addChdir(&fileActions, directory.path)
        guard rc == 0 else { throw SpawnError(description: "addchdir_np failed: \(rc)") }
    }

    // Default dispositions and an empty mask in the child, whatever the test runner ignores or blocks.
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for s in [SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM] { sigaddset(&defaults, s) }
    posix_spawnattr_setsigdefault(&attr, &defaults)
    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    posix_spawnattr_setsigmask(&attr, &emptyMask)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

    let argv: [UnsafeMutablePointer<CChar>?] = ([executable.path] + arguments).map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        for p in argv { free(p) }
        for p in envp { free(p) }
    }

    let start = Date()
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, executable.path, &fileActions, &attr, argv, envp)
    guard rc == 0 else {
        throw SpawnError(description: "posix_spawn \(executable.path) failed: \(String(cString: strerror(rc)))")
    }

    var waitStatus: Int32 = 0
    var timedOut = false
    var pause: UInt64 = 500_000  // ns; grows to 20 ms
    while true {
        let r = waitpid(pid, &waitStatus, WNOHANG)
        if r == pid { break }
        if r < 0 {
            if errno == EINTR { continue }
            throw SpawnError(description: "waitpid failed: \(String(cString: strerror(errno)))")
        }
        if Date().timeIntervalSince(start) > timeout {
            timedOut = true
            kill(pid, SIGKILL)
            while waitpid(pid, &waitStatus, 0) < 0 && errno == EINTR {}
            break
        }
        try? await Task.sleep(nanoseconds: pause)
        pause = min(pause * 2, 20_000_000)
    }
    let seconds = Date().timeIntervalSince(start)

    let low = waitStatus & 0x7f
    let signal: Int32? = (low != 0 && low != 0x7f) ? low : nil
    let status: Int32 = signal == nil ? (waitStatus >> 8) & 0xff : -1
    let result = RunResult(
        arguments: arguments,
        stdoutData: FileManager.default.contents(atPath: outPath) ?? Data(),
        stderrData: FileManager.default.contents(atPath: errPath) ?? Data(),
        status: status, signal: signal, timedOut: timedOut, seconds: seconds)
    if timedOut {
        Issue.record("process did not finish within \(timeout) s and was killed:\n\(result)", sourceLocation: sourceLocation)
    } else if let signal {
        Issue.record("process died from signal \(signal):\n\(result)", sourceLocation: sourceLocation)
    }
    return result
}

/// Runs the `saiga` binary. See `run(_:_:in:environment:timeout:sourceLocation:)`.
@discardableResult
func saiga(
    _ arguments: String..., in directory: URL? = nil, environment: [String: String?] = [:], timeout: Double = 60,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> RunResult {
    try await saiga(arguments, in: directory, environment: environment, timeout: timeout, sourceLocation: sourceLocation)
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
func buildCorpusIndex(in dir: URL, name: String = "idx", sourceLocation: SourceLocation = #_sourceLocation)
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
    return try #require(value as? [String: Any], "JSON is not an object:\n\(text.prefix(2000))",
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
    #expect(Set(object.keys) == ["total", "hits"]
                || (Set(object.keys) == ["total", "total_exact", "hits"] && object["total_exact"] as? Bool == false),
            "unexpected top-level keys: \(object.keys.sorted())", sourceLocation: sourceLocation)
    let total = try #require(object["total"] as? Int, "total is not an integer:\n\(r.stdout)",
                             sourceLocation: sourceLocation)
    let rawHits = try #require(object["hits"] as? [Any], "hits is not an array:\n\(r.stdout)",
                               sourceLocation: sourceLocation)
    var hits: [Hit] = []
    for raw in rawHits {
        let h = try #require(raw as? [String: Any], "a hit is not an object: \(raw)", sourceLocation: sourceLocation)
        let id = try #require(h["id"] as? String, "hit without string id: \(h)", sourceLocation: sourceLocation)
        let score = try #require((h["score"] as? NSNumber)?.doubleValue, "hit without numeric score: \(h)",
                                 sourceLocation: sourceLocation)
        let title = try #require(h["title"] as? String, "hit without string title: \(h)",
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

