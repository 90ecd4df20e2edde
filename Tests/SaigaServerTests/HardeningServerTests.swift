// The server under resource exhaustion and a hostile peer (issue 10): out of file descriptors, unauthenticated
// connections announcing huge frames, silent sockets, buffered input over all connections; and the protocol rules
// an independent client found unclear: in flight, the first frame, field sizes and repeats, request id 0, response
// sizes, unknown stored fields.

import Foundation
import Saiga
import SaigaClient
import SaigaWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// CPU seconds (user + system) the process has used, from /proc/PID/stat.
private func cpuSeconds(_ pid: pid_t) -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Resident memory of the process in bytes, from /proc/PID/status.
private func residentBytes(_ pid: pid_t) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }.map { $0 * 1024 }
    }
    return nil
}

/// A log line about a FIFO in the index directory.
private func mentionsFIFO(_ line: String) -> Bool { line.contains("FIFO") && line.contains("manifest_2") }

/// A log line warning that commit 2 was skipped as damaged, naming the damaged file.
private func isSkipWarning(_ line: String) -> Bool {
    line.contains("warning") && line.contains("commit 2") && line.contains("_1.meta")
}

/// The generation a server answers STATS with (blocking; a sync context picks the blocking client call).
private func servedGeneration(_ server: ServerProcess) throws -> UInt64 {
    try server.client().stats().generation
}

/// A frame header (length, type, flags, id) announcing `length` bytes after the length field.
private func header(length: UInt32, type: UInt8, id: UInt32) -> [UInt8] {
    var b: [UInt8] = []
    for v in [length] { b += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    b += [type, 0]
    b += [UInt8(id >> 24), UInt8(id >> 16 & 0xFF), UInt8(id >> 8 & 0xFF), UInt8(id & 0xFF)]
    return b
}

@Suite("saiga serve: exhaustion and hostile peers")
struct HardeningServerTests {
    @Test("out of file descriptors: no spinning, a bounded log, and service resumes")
    func outOfDescriptors() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx) { server in
                // Lower the running server's limit below what 60 connections need.
                let p = try await run("/usr/bin/prlimit", ["--pid", "\(server.pid)", "--nofile=40:40"])
                try #require(p.status == 0, "prlimit failed: \(p)")
                let port = server.port
                let cpuBefore = try #require(cpuSeconds(server.pid))
                let opened = await onThread { () -> [RawConnection] in
                    var conns: [RawConnection] = []
                    for _ in 0..<60 { if let c = try? RawConnection(port: port, timeout: 2) { conns.append(c) } }
                    Thread.sleep(forTimeInterval: 2)
                    return conns
                }
                let cpuAfter = try #require(cpuSeconds(server.pid))
                // Spinning on accept would burn the whole 2 s of a core.
                #expect(cpuAfter - cpuBefore < 0.8, "the server used \(cpuAfter - cpuBefore) s of CPU in 2 s")
                let acceptLines = server.stderrLines.filter { $0.contains("accept failed") }
                #expect(
                    !acceptLines.isEmpty && acceptLines.count <= 3,
                    "\(acceptLines.count) accept lines:\n\(acceptLines.prefix(5))")
                #expect(acceptLines.first?.contains("out of file descriptors") == true)
                for c in opened { c.close() }
                _ = try await run("/usr/bin/prlimit", ["--pid", "\(server.pid)", "--nofile=4096:4096"])
                #expect(await eventually(timeout: 5) { (try? server.client().stats()) != nil })
                try expectStillServing(server, idx)
            }
        }
    }

    @Test("the connection limit is lowered to what the open-file limit allows, and said so")
    func connectionLimitFollowsTheFileLimit() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let r = try await run(
                "/bin/sh",
                [
                    "-c",
                    "ulimit -n 160 && exec \"$0\" serve --index \"$1\" --listen 127.0.0.1:0 --max-connections 4096 & pid=$!; sleep 1; kill -TERM $pid; wait $pid",
                    saigaBinary.path, idx.path,
                ])
            #expect(r.stderr.contains("lowering the connection limit from 4096 to 96"), "\(r)")
            #expect(r.stderr.contains("RLIMIT_NOFILE"), "\(r)")
        }
    }

    @Test("before HELLO only a small frame is accepted: 150 peers announcing 16 MiB cost no memory")
    func smallFramesBeforeHello() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx) { server in
                let port = server.port
                let before = try #require(residentBytes(server.pid))
                let failures = await onThread { () -> [String] in
                    var failures: [String] = []
                    var conns: [RawConnection] = []
                    defer { for c in conns { c.close() } }
                    for i in 0..<150 {
                        guard let c = try? RawConnection(port: port) else {
                            failures.append("connect \(i)")
                            continue
                        }
                        // A HELLO frame announcing 16 MiB, then 60 KiB of it.
                        try? c.send(header(length: 16 << 20, type: 1, id: 0) + [UInt8](repeating: 0, count: 60 << 10))
                        conns.append(c)
                    }
                    for (i, c) in conns.enumerated() {
                        guard let (id, r) = try? c.readResponse(timeout: 5), errorOf(r)?.code == .frameTooLarge, id == 0
                        else {
                            failures.append("connection \(i): no frame too large")
                            continue
                        }
                        if c.waitForClose(timeout: 5) != .closed { failures.append("connection \(i) not closed") }
                    }
                    return failures
                }
                #expect(failures.isEmpty, "\(failures.prefix(5))")
                let after = try #require(residentBytes(server.pid))
                #expect(after - before < 64 << 20, "resident memory grew by \(after - before) bytes")
                try expectStillServing(server, idx)
            }
        }
    }

    @Test("unprocessed input is bounded over all connections")
    func bufferedInputBudget() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx, ["--max-frame-bytes", "1048576", "--max-buffered-bytes", "2200000"]) {
                server in
                let port = server.port
                let failures = await onThread { () -> [String] in
                    var failures: [String] = []
                    var conns: [RawConnection] = []
                    defer { for c in conns { c.close() } }
                    for i in 0..<3 {
                        guard let c = try? RawConnection(port: port), (try? c.handshake()) != nil else {
                            failures.append("connect \(i)")
                            continue
                        }
                        // 900 KiB of a 1 MiB SEARCH frame each: the third passes 2.2 MB.
                        try? c.send(
                            header(length: 1 << 20, type: 3, id: 1) + [UInt8](repeating: 0x20, count: 900 << 10))
                        conns.append(c)
                        Thread.sleep(forTimeInterval: 0.2)
                    }
                    guard conns.count == 3 else { return failures }
                    if let (id, r) = try? conns[2].readResponse(timeout: 5) {
                        if errorOf(r)?.code != .serverBusy || id != 0 { failures.append("third: got \(id) \(r)") }
                    } else {
                        failures.append("third: no answer")
                    }
                    if conns[2].waitForClose(timeout: 5) != .closed { failures.append("third not closed") }
                    // The first two are still there and can finish their frames.
                    for c in conns.prefix(2) {
                        try? c.send([UInt8](repeating: 0x20, count: (1 << 20) - 6 - (900 << 10)))
                        if let (_, r) = try? c.readResponse(timeout: 10), errorOf(r)?.code != .serverBusy {
                            continue
                        }
                        failures.append("a first connection could not finish its frame")
                    }
                    return failures
                }
                #expect(failures.isEmpty, "\(failures)")
            }
        }
    }

    @Test("a connection must complete HELLO in time: silent sockets do not lock clients out")
    func handshakeTimeout() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx, ["--max-connections", "20", "--handshake-timeout", "1"]) { server in
                let port = server.port
                let failures = await onThread { () -> [String] in
                    var failures: [String] = []
                    var silent: [RawConnection] = []
                    defer { for c in silent { c.close() } }
                    for _ in 0..<20 { if let c = try? RawConnection(port: port) { silent.append(c) } }
                    let start = monotonicNow()
                    if let (id, r) = try? silent[0].readResponse(timeout: 5) {
                        if errorOf(r)?.code != .timeout || id != 0 { failures.append("silent socket got \(id) \(r)") }
                    } else {
                        failures.append("no timeout error")
                    }
                    if silent[0].waitForClose(timeout: 3) != .closed { failures.append("silent socket not closed") }
                    if monotonicNow() - start > 4 { failures.append("closed only after \(monotonicNow() - start) s") }
                    // A real client gets in at once.
                    guard let c = try? RawConnection(port: port), case .helloOK? = try? c.hello() else {
                        return failures + ["a client was locked out"]
                    }
                    c.close()
                    return failures
                }
                #expect(failures.isEmpty, "\(failures)")
            }
        }
    }

    @Test("in flight means sent and not yet answered: a client keeping 64 outstanding is never refused")
    func inFlightWindow() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx, ["--workers", "2"]) { server in
                let port = server.port
                let (refused, answered) = await onThread { () -> (Int, Int) in
                    guard let c = try? RawConnection(port: port), (try? c.handshake()) != nil else { return (-1, 0) }
                    defer { c.close() }
                    var refused = 0
                    var answered = 0
                    var next: UInt32 = 1
                    for _ in 0..<64 {
                        try? c.send(.search(SearchRequest(query: "saiga", k: 1, snippets: false)), id: next)
                        next += 1
                    }
                    while answered < 3000 {
                        guard let (_, r) = try? c.readResponse(timeout: 10) else { return (refused, answered) }
                        if errorOf(r)?.code == .tooManyInFlight { refused += 1 }
                        answered += 1
                        // One answer in, one request out: never more than 64 unanswered.
                        try? c.send(.search(SearchRequest(query: "saiga", k: 1, snippets: false)), id: next)
                        next += 1
                    }
                    return (refused, answered)
                }
                #expect(answered == 3000)
                #expect(refused == 0, "\(refused) requests refused as too many in flight")
            }
        }
    }

    @Test("protocol rules: the first frame, field sizes and repeats, id 0, response size, unknown fields")
    func protocolRules() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx, ["--max-frame-bytes", "4096"]) { server in
                let port = server.port
                let failures = await onThread { () -> [String] in
                    var failures: [String] = []
                    func expectError(_ c: RawConnection, _ code: ErrorCode, id: UInt32, _ what: String) {
                        guard let (got, r) = try? c.readResponse(timeout: 5) else {
                            return failures.append("\(what): no answer")
                        }
                        if errorOf(r)?.code != code || got != id { failures.append("\(what): got \(got) \(r)") }
                    }
                    // A first frame of an unknown type: handshake required, closed.
                    if let c = try? RawConnection(port: port) {
                        try? c.send(Frame(type: 0x42, requestID: 7))
                        expectError(c, .handshakeRequired, id: 7, "unknown first frame")
                        if c.waitForClose(timeout: 5) != .closed { failures.append("unknown first frame: not closed") }
                        c.close()
                    }
                    guard let c = try? RawConnection(port: port), (try? c.handshake()) != nil else {
                        return ["handshake"]
                    }
                    defer { c.close() }
                    // SEARCH syntax of the wrong size: malformed frame; of an unknown value: invalid argument.
                    var w = FieldWriter()
                    w.string(1, "saiga")
                    w.raw(8, [0, 1])
                    try? c.send(Frame(.search, requestID: 1, payload: w.bytes))
                    expectError(c, .malformedFrame, id: 1, "two-byte syntax")
                    var v = FieldWriter()
                    v.string(1, "saiga")
                    v.raw(8, [3])
                    try? c.send(Frame(.search, requestID: 2, payload: v.bytes))
                    expectError(c, .invalidArgument, id: 2, "syntax 3")
                    // A field given twice: malformed frame.
                    var r = FieldWriter()
                    r.string(1, "saiga")
                    r.string(1, "steppe")
                    try? c.send(Frame(.search, requestID: 3, payload: r.bytes))
                    expectError(c, .malformedFrame, id: 3, "repeated query")
                    // Request id 0 after HELLO: reserved.
                    try? c.send(.ping([1]), id: 0)
                    expectError(c, .invalidArgument, id: 0, "request id 0")
                    // A second HELLO: invalid argument, the connection stays.
                    try? c.send(.hello(Hello()), id: 4)
                    expectError(c, .invalidArgument, id: 4, "second HELLO")
                    // An answer over the 4 KiB frame limit: limit exceeded instead.
                    try? c.send(.search(SearchRequest(query: "kazakhstan", k: 100, fields: ["*"])), id: 5)
                    expectError(c, .limitExceeded, id: 5, "oversized answer")
                    // An unknown stored field: invalid argument.
                    try? c.send(.search(SearchRequest(query: "saiga", fields: ["nosuchfield"])), id: 6)
                    expectError(c, .invalidArgument, id: 6, "unknown stored field")
                    // Still usable.
                    try? c.send(.ping([9]), id: 8)
                    if let (id, p) = try? c.readResponse(), id != 8 || p != .pong([9]) {
                        failures.append("ping after: \(p)")
                    }
                    return failures
                }
                #expect(failures.isEmpty, "\(failures)")
            }
        }
    }

    @Test("a damaged newest commit at startup: served from the previous one, logged once with the file")
    func damagedNewestCommitLoggedOnce() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let extra = dir.appendingPathComponent("extra.jsonl")
            try Data("{\"id\": \"zz\", \"title\": \"Zorblax\", \"contents\": \"zorblax text\"}\n".utf8).write(to: extra)
            #expect(try await saiga(["index", "--append", extra.path, "--index", idx.path]).status == 0)
            // Damage commit 2's new segment (its .meta: read at open).
            let meta = idx.appendingPathComponent("_1.meta")
            var bytes = try Data(contentsOf: meta)
            bytes[bytes.count / 2] ^= 0x40
            try bytes.write(to: meta)
            try await withServer(index: idx, ["--reload-interval", "0.2"]) { server in
                let logged = await server.waitForLog(timeout: 5, isSkipWarning)
                #expect(logged, "\(server.stderr)")
                let generation = try servedGeneration(server)
                #expect(generation == 1)
                // Polling sees generation 2 again and again: the warning is not repeated.
                let warnings = await onThread { () -> Int in
                    usleep(1_500_000)
                    return server.stderrLines.filter { $0.contains("commit 2") && $0.contains("damaged") }.count
                }
                #expect(warnings == 1, "\(server.stderr)")
            }
        }
    }

    @Test("a FIFO where a newer manifest should be: the reload says so and the server keeps serving")
    func fifoManifestOnReload() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx, ["--reload-interval", "0.2"]) { server in
                #expect(mkfifo(idx.appendingPathComponent("manifest_2").path, 0o644) == 0)
                let logged = await server.waitForLog(timeout: 10, mentionsFIFO)
                #expect(logged, "\(server.stderr)")
                let generation = try servedGeneration(server)
                #expect(generation == 1)
            }
        }
    }

    @Test("SaigaClient never traps on what a server sends: id 0 errors and unknown ids during a pipeline")
    func clientSurvivesOddAnswers() async throws {
        // A fake server: HELLO_OK, then for the first request an answer with an unknown id, then an ERROR with id 0.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(listener >= 0)
        defer { close(listener) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, len) }
        }
        try #require(bound == 0 && listen(listener, 4) == 0)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) }
        }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let fd = listener
        Thread.detachNewThread {
            let c = accept(fd, nil, nil)
            guard c >= 0 else { return }
            var decoder = FrameDecoder()
            var buffer = [UInt8](repeating: 0, count: 65536)
            func next() -> Frame? {
                while true {
                    if let f = try? decoder.next() { return f }
                    let n = recv(c, &buffer, buffer.count, 0)
                    if n <= 0 { return nil }
                    decoder.append(Array(buffer[0..<n]))
                }
            }
            func reply(_ r: Response, _ id: UInt32) {
                let bytes = r.frame(requestID: id).encoded()
                _ = bytes.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            guard next() != nil else { return }
            reply(
                .helloOK(HelloOK(version: 1, server: "fake", maxFrameLength: 1 << 20, generation: 1, maxInFlight: 4)), 0
            )
            guard next() != nil else { return }
            reply(.pong([]), 987_654)
            reply(.error(WireError(.serverBusy, "going away")), 0)
            Thread.sleep(forTimeInterval: 1)
            close(c)
        }
        let client = SaigaClient(
            host: "127.0.0.1", port: port, connectTimeout: .seconds(5), requestTimeout: .seconds(5))
        do throws(ClientError) {
            _ = try client.pipeline([.ping([]), .ping([]), .ping([])])
            Issue.record("the pipeline succeeded against a server that sent an id-0 error")
        } catch {
            #expect(error.kind == .server(.serverBusy), "\(error)")
        }
    }
}
