// Child processes for the end-to-end tests: spawning with clean signal state, running to completion with a
// deadline and captured output, and locating the package's built binaries. Shared by the CLI and server tests.

import Foundation
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A built executable of this package (`saiga`, `saiga-bench`).
///
/// Under `swift test` on Linux the test runner is `<products>/SaigaPackageTests.xctest`, so `CommandLine.arguments[0]`
/// names a file in the products directory and the executables sit next to it. If that ever stops being true
/// (another runner, a relocated bundle), fall back to `.build/debug/NAME` under the package root (a symlink SwiftPM
/// keeps to the current triple's products directory).
public func productBinary(_ name: String) -> URL {
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
    let besideRunner = runner.deletingLastPathComponent().appendingPathComponent(name)
    if FileManager.default.isExecutableFile(atPath: besideRunner.path) { return besideRunner }
    return packageRoot.appendingPathComponent(".build/debug/\(name)")
}

/// The `saiga` executable built by SwiftPM.
public let saigaBinary: URL = productBinary("saiga")

public struct SpawnError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Seconds on the monotonic clock (`ContinuousClock`), from an arbitrary start.
public func monotonicNow() -> Double {
    return testEpoch.duration(to: ContinuousClock.now).inSecondsForTests
}

/// The instant the test process first asked for the time.
private let testEpoch = ContinuousClock.now

extension Duration {
    fileprivate var inSecondsForTests: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

public func sleepSeconds(_ s: Double) async {
    try? await Task.sleep(nanoseconds: UInt64(max(0, s) * 1e9))
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes. Returns whether it held.
public func eventually(timeout: Double, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = monotonicNow() + timeout
    while true {
        if try condition() { return true }
        if monotonicNow() >= deadline { return false }
        await sleepSeconds(0.02)
    }
}

/// The environment for children: the test process's, without the variables that change what `saiga` does
/// (`SAIGA_INDEX`, `SAIGA_TOKEN`), plus `extra` (a nil value removes a variable).
public func childEnvironment(_ extra: [String: String?] = [:]) -> [String] {
    var env = ProcessInfo.processInfo.environment
    env["SAIGA_INDEX"] = nil
    env["SAIGA_TOKEN"] = nil
    for (k, v) in extra { env[k] = v }
    return env.map { "\($0.key)=\($0.value)" }
}

/// `posix_spawn_file_actions_addchdir_np` (glibc 2.29+): declared in <spawn.h> but not imported into Swift, so
/// looked up at run time.
private typealias AddChdir =
    @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
private let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map {
    unsafeBitCast($0, to: AddChdir.self)
}

/// Spawns `executable` with default signal dispositions and an empty signal mask (whatever the test runner
/// ignores or blocks). `setup` adds file actions (it must set up fds 0, 1 and 2); `directory` is the child's
/// working directory (default: inherited).
public func spawn(
    _ executable: String, _ arguments: [String], in directory: URL? = nil,
    environment: [String: String?] = [:],
    setup: (inout posix_spawn_file_actions_t) -> Void
) throws -> pid_t {
    var fileActions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&fileActions)
    defer { posix_spawn_file_actions_destroy(&fileActions) }
    setup(&fileActions)
    if let directory {
        guard let addChdir else {
            throw SpawnError(description: "posix_spawn_file_actions_addchdir_np is not available (glibc < 2.29)")
        }
        let rc = addChdir(&fileActions, directory.path)
        guard rc == 0 else { throw SpawnError(description: "addchdir_np failed: \(rc)") }
    }

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

    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = childEnvironment(environment).map { strdup($0) } + [nil]
    defer {
        for p in argv { free(p) }
        for p in envp { free(p) }
    }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, executable, &fileActions, &attr, argv, envp)
    guard rc == 0 else {
        throw SpawnError(description: "posix_spawn \(executable) failed: \(String(cString: strerror(rc)))")
    }
    return pid
}

/// How a child ended.
public struct ChildExit: Equatable, CustomStringConvertible, Sendable {
    /// The exit status when it exited normally, else nil.
    public var code: Int32?
    /// The signal that ended it, else nil.
    public var signal: Int32?

    public init(waitStatus: Int32) {
        let low = waitStatus & 0x7f
        if low == 0 {
            code = (waitStatus >> 8) & 0xff
            signal = nil
        } else {
            code = nil
            signal = low
        }
    }

    public var description: String { code.map { "exit status \($0)" } ?? "killed by signal \(signal ?? -1)" }
}

/// What a finished (or killed) child left behind.
public struct ProcessOutcome: Sendable {
    public var stdoutData: Data
    public var stderrData: Data
    public var exit: ChildExit
    /// Killed with SIGKILL because it did not finish in time.
    public var timedOut: Bool
    public var seconds: Double
}

/// Runs a program to completion with stdin /dev/null and stdout/stderr captured in files (so no pipe can fill up
/// and block the child, and neither is a terminal); SIGKILLs it after `timeout` seconds. Records a test failure at
/// `sourceLocation` when the child died from a signal or timed out: a crash or a hang is always a bug. The outcome
/// is returned anyway so that the caller can look at it (`describe` renders it for that failure).
public func runProcess(
    _ executable: String, _ arguments: [String], in directory: URL? = nil,
    environment: [String: String?] = [:], timeout: Double = 60,
    describe: (ProcessOutcome) -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> ProcessOutcome {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("saiga-io-\(UUID().uuidString)")
    let outPath = scratch.path + ".out"
    let errPath = scratch.path + ".err"
    defer {
        unlink(outPath)
        unlink(errPath)
    }
    let pid = try spawn(executable, arguments, in: directory, environment: environment) { fa in
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fa, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&fa, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    }
    let start = monotonicNow()
    var waitStatus: Int32 = 0
    var timedOut = false
    var pause = 0.0005  // grows to 20 ms
    while true {
        let r = waitpid(pid, &waitStatus, WNOHANG)
        if r == pid { break }
        if r < 0 {
            if errno == EINTR { continue }
            throw SpawnError(description: "waitpid failed: \(String(cString: strerror(errno)))")
        }
        if monotonicNow() - start > timeout {
            timedOut = true
            kill(pid, SIGKILL)
            while waitpid(pid, &waitStatus, 0) < 0 && errno == EINTR {}
            break
        }
        await sleepSeconds(pause)
        pause = min(pause * 2, 0.02)
    }
    let outcome = ProcessOutcome(
        stdoutData: FileManager.default.contents(atPath: outPath) ?? Data(),
        stderrData: FileManager.default.contents(atPath: errPath) ?? Data(),
        exit: ChildExit(waitStatus: waitStatus), timedOut: timedOut,
        seconds: monotonicNow() - start)
    if timedOut {
        Issue.record(
            "process did not finish within \(timeout) s and was killed:\n\(describe(outcome))",
            sourceLocation: sourceLocation)
    } else if let s = outcome.exit.signal {
        Issue.record("process died from signal \(s):\n\(describe(outcome))", sourceLocation: sourceLocation)
    }
    return outcome
}
