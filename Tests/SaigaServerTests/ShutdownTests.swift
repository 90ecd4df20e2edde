// Graceful shutdown: SIGTERM/SIGINT stop accepting, answer requests received before the signal, refuse later ones
// with `shutting down`, exit 0 within the drain timeout and log it.

import Foundation
import Saiga
import SaigaClient
import SaigaWire
import Testing

/// A search that takes tens of milliseconds on the synthetic index (it matches nearly every document, and snippets
/// are computed for 100 hits).
let heavySearch = SearchRequest(query: "w0 OR w1 OR w2 OR w3 OR w4", k: 100)

struct DrainObservation: Sendable {
    var failures: [String] = []
    /// Per connection: every frame received after the requests were sent, until the server closed it.
    var frames: [[(id: UInt32, response: Response)]] = []
    var closed: [Bool] = []
    var pipelined = 0
    var signalTime = 0.0
    var listenerClosedAfter: Double?
    /// How the server exited, and when that was first seen (`monotonicNow()`).
    var exit: ChildExit?
    var exitSeenAt = 0.0
}

/// Opens `connections` connections, pipelines a backlog of heavy searches on each (sized to keep one worker busy for
/// about `backlogSeconds`), waits until the server is working on them, sends `signal`, waits until the listener is
/// closed, sends two more searches on each connection, and collects everything until the server closes them.
func drainScenario(
    server: ServerProcess, signal: Int32, connections: Int = 3, backlogSeconds: Double = 2,
    maxPerConnection: Int = 60
) -> DrainObservation {
    var obs = DrainObservation()
    let port = server.port
    var conns: [RawConnection] = []
    defer { for c in conns { c.close() } }
    do {
        for _ in 0..<connections {
            let c = try RawConnection(port: port)
            try c.handshake()
            conns.append(c)
        }
        // Calibrate: how long does one heavy search take here?
        let t0 = monotonicNow()
        try conns[0].send(.search(heavySearch), id: 999)
        _ = try conns[0].readResponse(timeout: 30)
        let one = max(monotonicNow() - t0, 0.001)
        obs.pipelined = min(maxPerConnection, max(5, Int(backlogSeconds / (one * Double(connections)))))
        for c in conns {
            var bytes: [UInt8] = []
            for id in 1...obs.pipelined {
                Request.search(heavySearch).frame(requestID: UInt32(id)).appendEncoded(to: &bytes)
            }
            try c.send(bytes)
        }
        obs.frames = Array(repeating: [], count: connections)
        obs.closed = Array(repeating: false, count: connections)
        // The server is working on them once the first answer arrives.
        obs.frames[0].append(try conns[0].readResponse(timeout: 30))
    } catch {
        obs.failures.append("setting up: \(error)")
        return obs
    }
    obs.signalTime = monotonicNow()
    server.signal(signal)
    // Wait until the server stops accepting (the listener is closed, so connecting is refused).
    while monotonicNow() - obs.signalTime < 5 {
        if let probe = try? RawConnection(port: port, timeout: 1) {
            probe.close()
            Thread.sleep(forTimeInterval: 0.01)
        } else {
            obs.listenerClosedAfter = monotonicNow() - obs.signalTime
            break
        }
    }
    // Requests sent after the signal.
    for (i, c) in conns.enumerated() {
        do {
            try c.send(.search(heavySearch), id: 1000)
            try c.send(.stats(), id: 1001)
        } catch { obs.failures.append("connection \(i): sending after the signal: \(error)") }
    }
    for (i, c) in conns.enumerated() {
        while true {
            do {
                obs.frames[i].append(try c.readResponse(timeout: 30))
            } catch RawError.closed {
                obs.closed[i] = true
                break
            } catch {
                obs.failures.append("connection \(i): \(error)")
                break
            }
        }
    }
    // Timed here, on this thread, not when the test's task next gets a cooperative thread.
    let deadline = monotonicNow() + 35
    while obs.exit == nil && monotonicNow() < deadline {
        obs.exit = server.pollExit()
        if obs.exit == nil { usleep(5000) }
    }
    obs.exitSeenAt = monotonicNow()
    return obs
}

@Suite("saiga serve: graceful shutdown", .timeLimit(.minutes(2)))
struct ShutdownTests {
    @Test(
        "SIGTERM/SIGINT drain: requests received before get answers, later ones `shutting down`, exit 0",
        arguments: [SIGTERM, SIGINT])
    func drain(_ signal: Int32) async throws {
        try await withTempDir { dir in
            let idx = dir.appendingPathComponent("idx")
            try buildSyntheticIndex(at: idx, documents: 4000)
            let expected = ResultKey(try librarySearch(idx, heavySearch))
            try await withServer(index: idx, ["--workers", "1", "--drain-timeout", "30"]) { server in
                let obs = await onThread { drainScenario(server: server, signal: signal) }
                try #require(obs.failures.isEmpty, "\(obs.failures)\n\(server.stderr)")
                let status = obs.exit
                let exitedAfter = obs.exitSeenAt - obs.signalTime
                #expect(
                    status == ChildExit(waitStatus: 0),
                    "the server should exit 0: \(String(describing: status))\n\(server.stderr)")
                #expect(exitedAfter < 30, "exited \(exitedAfter) s after the signal")
                #expect(obs.listenerClosedAfter != nil, "the server kept accepting connections after the signal")

                for (i, frames) in obs.frames.enumerated() {
                    #expect(obs.closed[i], "connection \(i) was not closed")
                    var answered: [UInt32: Int] = [:]
                    for (id, r) in frames {
                        answered[id, default: 0] += 1
                        switch id {
                        case 1...UInt32(obs.pipelined):
                            // Received before the signal: a real answer.
                            if case .results(let res) = r {
                                #expect(ResultKey(res) == expected, "connection \(i) request \(id)")
                            } else {
                                Issue.record("connection \(i) request \(id) (sent before the signal): \(r)")
                            }
                        case 1000, 1001:
                            #expect(
                                errorOf(r)?.code == .shuttingDown,
                                "connection \(i) request \(id) (sent after the signal): \(r)")
                        default:
                            Issue.record("connection \(i): an answer to unknown request \(id): \(r)")
                        }
                    }
                    let wanted = Set((1...UInt32(obs.pipelined)).map { $0 } + [1000, 1001])
                    #expect(
                        Set(answered.keys) == wanted && answered.values.allSatisfy { $0 == 1 },
                        "connection \(i): answered \(answered.keys.sorted()) (\(obs.pipelined) pipelined)")
                }

                let name = signal == SIGTERM ? "SIGTERM" : "SIGINT"
                let lines = server.stderrLines
                #expect(lines.contains { $0.contains("\(name): shutting down") }, "\(server.stderr)")
                let draining = lines.first { $0.contains("draining:") }
                #expect(draining != nil, "\(server.stderr)")
                if let draining, let n = Int(draining.split(separator: " ").first { Int($0) != nil } ?? "") {
                    #expect(n > 0, "nothing was in flight at the signal: \(draining)")
                }
                #expect(lines.last == "saiga serve: stopped", "\(server.stderr)")
                #expect(!lines.contains { $0.contains("drain timeout") }, "\(server.stderr)")
            }
        }
    }

    @Test("--drain-timeout 1: a backlog that takes longer is cut off, the server exits 0 within about a second")
    func drainTimeout() async throws {
        try await withTempDir { dir in
            let idx = dir.appendingPathComponent("idx")
            try buildSyntheticIndex(at: idx, documents: 4000)
            try await withServer(index: idx, ["--workers", "1", "--drain-timeout", "1"]) { server in
                let obs = await onThread { drainScenario(server: server, signal: SIGTERM, backlogSeconds: 8) }
                try #require(obs.failures.isEmpty, "\(obs.failures)\n\(server.stderr)")
                let status = obs.exit
                let exitedAfter = obs.exitSeenAt - obs.signalTime
                #expect(status == ChildExit(waitStatus: 0), "\(String(describing: status))\n\(server.stderr)")
                #expect(exitedAfter < 5, "exited \(exitedAfter) s after SIGTERM with --drain-timeout 1")
                #expect(obs.closed.allSatisfy { $0 }, "connections not closed: \(obs.closed)")
                let answered = obs.frames.map {
                    $0.filter { if case .results = $0.response { return true } else { return false } }.count
                }
                #expect(
                    answered.reduce(0, +) < obs.pipelined * 3,
                    "everything was answered: the backlog was too short (\(answered))")
                #expect(server.stderrLines.contains { $0.contains("drain timeout") }, "\(server.stderr)")
                #expect(server.stderrLines.last == "saiga serve: stopped", "\(server.stderr)")
            }
        }
    }

    @Test("SIGTERM with only idle connections: they are closed and the server exits 0 at once")
    func idleShutdown() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try await withServer(index: idx) { server in
                let a = try server.connect()
                try a.handshake()
                let b = try server.connect()
                try b.handshake()
                let (status, seconds) = await server.signalAndWaitForExit(SIGTERM, timeout: 10)
                #expect(status == ChildExit(waitStatus: 0), "\(String(describing: status))\n\(server.stderr)")
                #expect(seconds < 3, "took \(seconds) s")
                #expect(a.waitForClose(timeout: 2) == .closed)
                #expect(b.waitForClose(timeout: 2) == .closed)
                #expect(
                    server.stderrLines.contains { $0.contains("draining: 0 requests in flight on 2 connections") },
                    "\(server.stderr)")
            }
        }
    }
}
