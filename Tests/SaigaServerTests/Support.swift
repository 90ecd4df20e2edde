// Support for the end-to-end tests of `saiga serve`: locating the binary and the corpus, running programs with a
// timeout, starting a server as a child process (stdout on a pipe for its `listening on` line, stderr to a file),
// a raw-socket connection that speaks frames, and comparisons with the embedded library.
//
// Every wait here has a deadline, and every server started by `withServer` is SIGKILLed and reaped when the body
// ends, whatever happens.

import Foundation
import Saiga
import SaigaClient
@_exported import SaigaTestSupport
import SaigaWire
import Synchronization
import Testing

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

// MARK: - Locations

/// The stdlib Python client.
let pythonClient: URL = packageRoot.appendingPathComponent("Tools/clients/python/saiga_client.py")

/// What a finished (or killed) child left behind.
struct RunResult: CustomStringConvertible {
    var arguments: [String]
    var stdoutData: Data
    var stderrData: Data
    var exit: ChildExit
    var timedOut: Bool

    var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    var stderr: String { String(decoding: stderrData, as: UTF8.self) }
    var status: Int32 { exit.code ?? -1 }
    var succeeded: Bool { !timedOut && exit.code == 0 }

    var description: String {
        var s = "$ \(arguments.joined(separator: " "))\n"
        if timedOut { s += "TIMED OUT\n" }
        s += "\(exit)\n--- stdout (\(stdoutData.count) bytes)\n\(stdout.prefix(3000))\n"
        s += "--- stderr (\(stderrData.count) bytes)\n\(stderr.prefix(3000))"
        return s
    }
}

/// Runs a program to completion with stdin /dev/null and stdout/stderr captured (see `runProcess`).
@discardableResult
func run(
    _ executable: String, _ arguments: [String], environment: [String: String?] = [:], timeout: Double = 60,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> RunResult {
    func result(_ o: ProcessOutcome) -> RunResult {
        RunResult(
            arguments: [executable] + arguments, stdoutData: o.stdoutData, stderrData: o.stderrData,
            exit: o.exit, timedOut: o.timedOut)
    }
    return result(
        try await runProcess(
            executable, arguments, environment: environment, timeout: timeout,
            describe: { "\(result($0))" }, sourceLocation: sourceLocation))
}

/// Runs the `saiga` binary.
@discardableResult
func saiga(
    _ arguments: [String], environment: [String: String?] = [:], timeout: Double = 60,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> RunResult {
    try #require(
        FileManager.default.isExecutableFile(atPath: saigaBinary.path),
        "saiga binary not found at \(saigaBinary.path)", sourceLocation: sourceLocation)
    return try await run(
        saigaBinary.path, arguments, environment: environment, timeout: timeout,
        sourceLocation: sourceLocation)
}

/// Runs the Python client: `python3 saiga_client.py ADDR ARGS…`.
func python(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> RunResult {
    try await run(
        "/usr/bin/env", ["python3", pythonClient.path] + arguments, timeout: 30, sourceLocation: sourceLocation)
}

// MARK: - Temporary directories and indexes

/// Runs `body` with a fresh temporary directory of its own, removed afterwards.
func withTempDir<T>(_ body: (URL) async throws -> T) async throws -> T {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("saiga-server-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    return try await body(dir)
}

/// `saiga index INPUTS --index DIR --quiet`, requiring success.
func buildIndex(_ inputs: [URL], at index: URL, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let r = try await saiga(
        ["index"] + inputs.map(\.path) + ["--index", index.path, "--quiet"], sourceLocation: sourceLocation)
    try #require(r.succeeded, "building the index failed:\n\(r)", sourceLocation: sourceLocation)
}

/// An index of the bundled corpus at `dir/idx`.
func buildCorpusIndex(in dir: URL, sourceLocation: SourceLocation = #_sourceLocation) async throws -> URL {
    let idx = dir.appendingPathComponent("idx")
    try await buildIndex([corpusDirectory], at: idx, sourceLocation: sourceLocation)
    return idx
}

func corpusFiles() throws -> [URL] {
    try FileManager.default.contentsOfDirectory(atPath: corpusDirectory.path).filter { $0.hasSuffix(".txt") }.sorted()
        .map { corpusDirectory.appendingPathComponent($0) }
}

/// A synthetic index built with the library's `IndexWriter`: `documents` documents of `words` words each over a
/// vocabulary `w0…w2999` where low numbers are frequent (so `w0 OR w1 …` matches nearly everything).
func buildSyntheticIndex(at index: URL, documents: Int, words: Int = 80, seed: UInt64 = 7) throws {
    var rng = SeededRandom(seed: seed)
    let writer = try IndexWriter(path: index.path)
    defer { writer.close() }
    for i in 0..<documents {
        var text: [String] = []
        text.reserveCapacity(words)
        for _ in 0..<words {
            let n =
                Bool.random(using: &rng) ? Int.random(in: 0..<20, using: &rng) : Int.random(in: 0..<3000, using: &rng)
            text.append("w\(n)")
        }
        try writer.add(
            Document(
                id: "d\(i)", title: text.prefix(5).joined(separator: " "),
                body: text.joined(separator: " "), fields: [Document.Field("n", String(i))]))
    }
    _ = try writer.commit()
}

// MARK: - The server as a child process

/// A running `saiga serve`: stdout on a pipe (its first line gives the address), stderr in a file.
final class ServerProcess: @unchecked Sendable {
    let pid: pid_t
    let arguments: [String]
    let stderrPath: String
    private(set) var address = ""
    private(set) var port = 0
    /// With `--http`: the HTTP listener's port (the second stdout line).
    private(set) var httpPort = 0
    private var stdoutFD: Int32
    private let lock = NSLock()
    private var exitStatus: ChildExit?

    /// Starts the server and waits (up to `timeout`) for its `listening on HOST:PORT` line.
    /// `executable` is the `saiga` binary unless a test wraps it (`/bin/bash -c "ulimit …; exec saiga …"`).
    init(
        _ arguments: [String], stderrPath: String, environment: [String: String?] = [:], timeout: Double = 20,
        executable: String = saigaBinary.path
    ) throws {
        self.arguments = arguments
        self.stderrPath = stderrPath
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SpawnError(description: "pipe failed") }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        // Close-on-exec: other children spawned meanwhile must not inherit either end.
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        do {
            pid = try spawn(executable, arguments, environment: environment) { fa in
                posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
                posix_spawn_file_actions_adddup2(&fa, writeEnd, 1)
                posix_spawn_file_actions_addopen(&fa, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            }
        } catch {
            Glibc.close(readEnd)
            Glibc.close(writeEnd)
            throw error
        }
        Glibc.close(writeEnd)
        stdoutFD = readEnd
        do {
            let line = try readLine(timeout: timeout)
            guard line.hasPrefix("listening on "), let colon = line.lastIndex(of: ":"),
                let p = Int(line[line.index(after: colon)...])
            else { throw SpawnError(description: "unexpected first stdout line: \(line)") }
            address = String(line.dropFirst("listening on ".count))
            port = p
            if arguments.contains("--http") {
                let http = try readLine(timeout: timeout)
                guard http.hasPrefix("http on "), let colon = http.lastIndex(of: ":"),
                    let hp = Int(http[http.index(after: colon)...])
                else { throw SpawnError(description: "unexpected second stdout line: \(http)") }
                httpPort = hp
            }
        } catch {
            kill()
            throw SpawnError(
                description: "saiga \(arguments.joined(separator: " ")) did not start: \(error)\n"
                    + "\(exitStatus.map { "\($0)" } ?? "")\n--- stderr\n\(stderr.prefix(3000))")
        }
    }

    deinit { kill() }

    /// One line of stdout (without the newline), waiting at most `timeout`.
    private func readLine(timeout: Double) throws -> String {
        let deadline = monotonicNow() + timeout
        var bytes: [UInt8] = []
        while true {
            let remaining = deadline - monotonicNow()
            guard remaining > 0 else { throw SpawnError(description: "no stdout line within \(timeout) s") }
            var p = pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)
            let r = Glibc.poll(&p, 1, Int32(remaining * 1000) + 1)
            if r < 0 && errno == EINTR { continue }
            if r <= 0 { continue }
            var b: UInt8 = 0
            let n = Glibc.read(stdoutFD, &b, 1)
            if n == 1 {
                if b == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
                bytes.append(b)
            } else if n == 0 {
                throw SpawnError(
                    description: "stdout closed before a full line (got \"\(String(decoding: bytes, as: UTF8.self))\")")
            } else if errno != EINTR && errno != EAGAIN {
                throw SpawnError(description: "reading stdout failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    var stderr: String {
        String(decoding: FileManager.default.contents(atPath: stderrPath) ?? Data(), as: UTF8.self)
    }

    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }

    func signal(_ s: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if exitStatus == nil { Glibc.kill(pid, s) }
    }

    /// Reaps the child if it has exited (non-blocking).
    func pollExit() -> ChildExit? {
        lock.lock()
        defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { exitStatus = ChildExit(waitStatus: status) }
        return exitStatus
    }

    var hasExited: Bool { pollExit() != nil }

    /// Waits up to `timeout` for the server to exit; nil if it is still running.
    func waitForExit(timeout: Double) async -> ChildExit? {
        await onThread { () -> ChildExit? in
            let deadline = monotonicNow() + timeout
            while monotonicNow() < deadline {
                if let s = self.pollExit() { return s }
                usleep(5000)
            }
            return self.pollExit()
        }
    }

    /// Sends `signal` and waits up to `timeout` for the server to exit, both on a thread of its own, so that the
    /// time measured does not depend on when Swift's cooperative pool gets round to this task. Returns how it
    /// exited (nil: still running) and the seconds from the signal to seeing the exit.
    func signalAndWaitForExit(_ signal: Int32, timeout: Double) async -> (status: ChildExit?, seconds: Double) {
        await onThread { () -> (ChildExit?, Double) in
            let start = monotonicNow()
            self.signal(signal)
            while true {
                if let s = self.pollExit() { return (s, monotonicNow() - start) }
                if monotonicNow() - start >= timeout { return (nil, monotonicNow() - start) }
                usleep(5000)
            }
        }
    }

    /// SIGKILL and reap (idempotent).
    func kill() {
        lock.lock()
        defer { lock.unlock() }
        if exitStatus == nil {
            Glibc.kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            exitStatus = ChildExit(waitStatus: status)
        }
        if stdoutFD >= 0 {
            Glibc.close(stdoutFD)
            stdoutFD = -1
        }
    }

    /// Waits up to `timeout` for stderr to have a line satisfying `predicate`.
    func waitForLog(timeout: Double = 5, _ predicate: (String) -> Bool) async -> Bool {
        await eventually(timeout: timeout) { stderrLines.contains(where: predicate) }
    }

    func client(token: String? = nil) throws -> SaigaClient {
        try SaigaClient(address: address, token: token, connectTimeout: .seconds(10), requestTimeout: .seconds(20))
    }

    func connect(timeout: Double = 10, receiveBuffer: Int32? = nil) throws -> RawConnection {
        try RawConnection(port: port, timeout: timeout, receiveBuffer: receiveBuffer)
    }
}

/// Starts `saiga serve --index INDEX --listen 127.0.0.1:0 OPTIONS` (no `--listen` added when OPTIONS has one),
/// runs `body`, and SIGKILLs the server afterwards whatever happened.
func withServer<T>(
    index: URL, _ options: [String] = [], environment: [String: String?] = [:],
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (ServerProcess) async throws -> T
) async throws -> T {
    // With --data, `index` is the data directory (it only places the log file).
    var args = options.contains("--data") ? ["serve"] : ["serve", "--index", index.path]
    if !options.contains("--listen") { args += ["--listen", "127.0.0.1:0"] }
    args += options
    let stderrPath = index.deletingLastPathComponent().appendingPathComponent("serve-\(UUID().uuidString).err").path
    let env = environment
    let argv = args
    let started = await onThread { () -> Result<ServerProcess, any Error> in
        Result { try ServerProcess(argv, stderrPath: stderrPath, environment: env) }
    }
    let server = try started.get()
    defer { server.kill() }
    return try await body(server)
}

// MARK: - Raw sockets

enum RawError: Error, CustomStringConvertible {
    case timeout(String)
    case closed(String)
    case io(String)

    var description: String {
        switch self {
        case .timeout(let s): return "timeout: \(s)"
        case .closed(let s): return "closed: \(s)"
        case .io(let s): return "I/O error: \(s)"
        }
    }
}

/// How a connection ended when we waited for the server to close it.
enum CloseOutcome: Equatable {
    case closed
    case stillOpen
    case unexpectedFrame(Frame)
}

/// A non-blocking TCP connection to 127.0.0.1 that sends bytes and reads frames, every wait bounded by poll.
final class RawConnection: @unchecked Sendable {
    private(set) var fd: Int32
    private var decoder = FrameDecoder(maxLength: 1 << 30)
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)

    /// Connects to 127.0.0.1:`port`. `receiveBuffer` sets SO_RCVBUF before connecting (set afterwards, a small
    /// buffer can leave the advertised window at zero for minutes), so a client that stops reading fills it fast.
    init(port: Int, timeout: Double = 10, receiveBuffer: Int32? = nil) throws {
        fd = socket(
            AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw RawError.io("socket: \(String(cString: strerror(errno)))") }
        if var size = receiveBuffer {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if rc != 0 {
            guard errno == EINPROGRESS else {
                let e = errno
                close()
                throw RawError.io("connect: \(String(cString: strerror(e)))")
            }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = Glibc.poll(&p, 1, Int32(timeout * 1000))
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            guard ready == 1, getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0, err == 0 else {
                close()
                throw ready == 1
                    ? RawError.io("connect: \(String(cString: strerror(err)))") : RawError.timeout("connect")
            }
        }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close() }

    func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    /// Our side's port (the server logs it as the peer).
    var localPort: Int {
        var addr = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    func send(_ bytes: [UInt8], timeout: Double = 10) throws {
        let deadline = monotonicNow() + timeout
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                offset += n
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                try wait(Int16(POLLOUT), until: deadline, what: "send")
                continue
            }
            throw RawError.closed("send: \(String(cString: strerror(errno)))")
        }
    }

    func send(_ frame: Frame) throws { try send(frame.encoded()) }

    func send(_ request: Request, id: UInt32) throws { try send(request.frame(requestID: id)) }

    /// The next frame from the server, waiting at most `timeout`.
    func readFrame(timeout: Double = 10) throws -> Frame {
        let deadline = monotonicNow() + timeout
        while true {
            if let f = try decoder.next() { return f }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                continue
            }
            if n == 0 { throw RawError.closed("the server closed the connection") }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                try wait(Int16(POLLIN), until: deadline, what: "a frame")
                continue
            }
            throw RawError.closed("recv: \(String(cString: strerror(errno)))")
        }
    }

    func readResponse(timeout: Double = 10) throws -> (id: UInt32, response: Response) {
        let f = try readFrame(timeout: timeout)
        return (f.requestID, try Response.decode(f))
    }

    /// Waits up to `timeout` for the server to close the connection (EOF or reset).
    func waitForClose(timeout: Double = 5) -> CloseOutcome {
        do {
            let f = try readFrame(timeout: timeout)
            return .unexpectedFrame(f)
        } catch RawError.closed {
            return .closed
        } catch {
            return .stillOpen
        }
    }

    /// HELLO (version 1 unless given) and its answer.
    func hello(token: String? = nil, version: UInt32 = 1, id: UInt32 = 0) throws -> Response {
        try send(.hello(Hello(version: version, token: token, client: "raw-test")), id: id)
        return try readResponse().response
    }

    /// HELLO that must succeed.
    @discardableResult
    func handshake(token: String? = nil) throws -> HelloOK {
        let r = try hello(token: token)
        guard case .helloOK(let ok) = r else { throw RawError.io("handshake failed: \(r)") }
        return ok
    }

    private func wait(_ events: Int16, until deadline: Double, what: String) throws {
        while true {
            let remaining = deadline - monotonicNow()
            guard remaining > 0 else { throw RawError.timeout("no \(what) in time") }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let r = Glibc.poll(&p, 1, Int32(remaining * 1000) + 1)
            if r > 0 { return }
            if r < 0 && errno != EINTR { throw RawError.io("poll: \(String(cString: strerror(errno)))") }
        }
    }
}

/// A frame with arbitrary type and payload bytes.
func rawFrame(type: UInt8, flags: UInt8 = 0, id: UInt32, payload: [UInt8] = []) -> [UInt8] {
    Frame(type: type, flags: flags, requestID: id, payload: payload).encoded()
}

/// The error of a response, or nil.
func errorOf(_ r: Response) -> WireError? {
    if case .error(let e) = r { return e }
    return nil
}

/// Raises this process's soft limit on open files to the hard limit.
func raiseOpenFileLimit() -> Int {
    var lim = rlimit()
    guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &lim) == 0 else { return 0 }
    if lim.rlim_cur < lim.rlim_max {
        lim.rlim_cur = lim.rlim_max
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &lim)
        _ = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &lim)
    }
    return Int(clamping: lim.rlim_cur)
}

// MARK: - Threads

/// Results of `onThreads`, filled in by the threads.
private final class ThreadResults<T: Sendable>: @unchecked Sendable {
    let lock = NSLock()
    var results: [T?]
    var remaining: Int
    var continuation: CheckedContinuation<[T], Never>?
    init(_ n: Int) {
        results = Array(repeating: nil, count: n)
        remaining = n
    }
}

/// Runs `body(i)` for i in 0..<count, each on its own thread (not Swift's cooperative pool, which blocking socket
/// calls would starve), and returns the results in order. The threads start at once, without waiting for a
/// cooperative thread.
func onThreads<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) async -> [T] {
    guard count > 0 else { return [] }
    let collector = ThreadResults<T>(count)
    return await withCheckedContinuation { (c: CheckedContinuation<[T], Never>) in
        collector.continuation = c
        for i in 0..<count {
            let t = Thread {
                let r = body(i)
                collector.lock.lock()
                collector.results[i] = r
                collector.remaining -= 1
                let done = collector.remaining == 0
                collector.lock.unlock()
                if done { collector.continuation!.resume(returning: collector.results.map { $0! }) }
            }
            t.stackSize = 1 << 20
            t.start()
        }
    }
}

/// Runs a blocking `body` on a thread of its own.
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await onThreads(1) { _ in body() }[0]
}

// MARK: - The embedded library as the reference

/// The library's answer to the search a `SearchRequest` describes (snippet tags `<b>`/`</b>`, the default).
func librarySearch(_ index: URL, _ req: SearchRequest) throws -> SearchResults {
    let reader = try IndexReader(path: index.path)
    return try librarySearch(reader, req)
}

func librarySearch(_ reader: IndexReader, _ req: SearchRequest) throws -> SearchResults {
    var options = SearchOptions(k: Int(req.k), offset: Int(req.offset), snippets: req.snippets, fields: req.fields)
    if let k1 = req.k1 { options.bm25.k1 = k1 }
    if let b = req.b { options.bm25.b = b }
    switch req.syntax {
    case .query: return try reader.search(req.query, options: options)
    case .anyWords: return try reader.search(words: req.query, match: .any, options: options)
    case .allWords: return try reader.search(words: req.query, match: .all, options: options)
    }
}

/// A comparable summary of results: total and, per hit, id, score bits, title, snippet, fields.
struct ResultKey: Hashable, Sendable, CustomStringConvertible {
    struct HitKey: Hashable, Sendable {
        var id: String
        var score: Float
        var title: String
        var snippet: String?
        var fields: [String: String]
    }
    var total: UInt64
    var hits: [HitKey]

    init(_ r: SearchResults) {
        total = UInt64(r.total)
        hits = r.hits.map {
            HitKey(id: $0.id, score: $0.score, title: $0.title, snippet: $0.snippet, fields: $0.fields)
        }
    }

    init(_ r: SearchResponse) {
        total = r.total
        hits = r.hits.map {
            HitKey(id: $0.id, score: $0.score, title: $0.title, snippet: $0.snippet, fields: $0.fields)
        }
    }

    var description: String {
        "total \(total): " + hits.map { "\($0.id) \($0.score)" }.joined(separator: ", ")
    }
}

/// Checks that the server's RESULTS equal the library's results field by field.
func expectSame(
    _ wire: SearchResponse, _ lib: SearchResults, _ context: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(wire.total == UInt64(lib.total), "total: \(context)", sourceLocation: sourceLocation)
    #expect(wire.hits.map(\.id) == lib.hits.map(\.id), "ids: \(context)", sourceLocation: sourceLocation)
    guard wire.hits.count == lib.hits.count else { return }
    for (w, l) in zip(wire.hits, lib.hits) {
        #expect(
            w.score == l.score, "score of \(l.id): \(w.score) vs \(l.score): \(context)", sourceLocation: sourceLocation
        )
        #expect(w.title == l.title, "title of \(l.id): \(context)", sourceLocation: sourceLocation)
        #expect(w.snippet == l.snippet, "snippet of \(l.id): \(context)", sourceLocation: sourceLocation)
        #expect(w.fields == l.fields, "fields of \(l.id): \(context)", sourceLocation: sourceLocation)
    }
}

/// Float32 scores compared with a relative tolerance.
func closeEnough(_ a: Double, _ b: Double, relative: Double = 1e-6) -> Bool {
    abs(a - b) <= relative * max(1, abs(a), abs(b))
}

// MARK: - JSON

func parseJSONObject(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    return try #require(
        value as? [String: Any], "JSON is not an object:\n\(text.prefix(2000))",
        sourceLocation: sourceLocation)
}

struct JSONHit {
    var id: String
    var score: Double
    var title: String
    var snippet: String?
}

/// `{"total": N, "hits": [{"id", "score", "title", "snippet"}]}` (the shape of `saiga search --json` and of the
/// Python client's `search`).
func parseSearchJSON(
    _ text: String, sourceLocation: SourceLocation = #_sourceLocation
) throws -> (total: Int, hits: [JSONHit]) {
    let o = try parseJSONObject(text, sourceLocation: sourceLocation)
    let total = try #require((o["total"] as? NSNumber)?.intValue, "no total in \(text)", sourceLocation: sourceLocation)
    let raw = try #require(o["hits"] as? [[String: Any]], "no hits in \(text)", sourceLocation: sourceLocation)
    var hits: [JSONHit] = []
    for h in raw {
        hits.append(
            JSONHit(
                id: try #require(h["id"] as? String, "hit without id: \(h)", sourceLocation: sourceLocation),
                score: try #require(
                    (h["score"] as? NSNumber)?.doubleValue, "hit without score: \(h)", sourceLocation: sourceLocation),
                title: try #require(h["title"] as? String, "hit without title: \(h)", sourceLocation: sourceLocation),
                snippet: h["snippet"] as? String))
    }
    return (total, hits)
}
