import Saiga
import SaigaPosix
import SaigaWire

/// One client connection, owned by the event loop thread.
final class Connection {
    let id: UInt64
    let fd: Int32
    let peer: String
    var decoder: FrameDecoder
    /// The socket's write side, shared with the workers that answer this connection's requests.
    let output: ConnectionOutput
    var greeted = false
    /// What the token given in HELLO may do (set by the handshake).
    var rights = TokenRights([])
    /// The peer closed its side: finish what is in flight, then close.
    var peerClosed = false
    /// Close as soon as the output is flushed (after a fatal protocol error).
    var closeAfterFlush = false
    var closeReason = ""
    var lastActivity: Double
    /// When the connection was accepted (HELLO must come within the handshake timeout).
    let acceptedAt: Double
    /// When the currently buffered partial frame started arriving.
    var partialSince: Double?
    var wantsWrite = false
    /// The epoll events the descriptor is registered for (0: not registered).
    var interest: UInt32 = 0
    /// Bytes of this connection's unprocessed input counted in the loop's total.
    var accountedBytes = 0

    init(id: UInt64, fd: Int32, peer: String, handshakeFrameLength: Int, now: Double) {
        self.id = id
        self.fd = fd
        self.peer = peer
        // Until HELLO succeeds only a small frame is accepted: an unauthenticated peer cannot make the server
        // buffer a large one.
        self.decoder = FrameDecoder(maxLength: handshakeFrameLength)
        self.output = ConnectionOutput(connection: id, fd: fd)
        self.lastActivity = now
        self.acceptedAt = now
    }

    var inFlight: Int { output.inFlight.load(ordering: .sequentiallyConsistent) }
    var unanswered: Int { output.unanswered.load(ordering: .sequentiallyConsistent) }
    var pendingOutput: Int { output.pendingCount }
    /// Nothing in flight, nothing to write, no partial frame: a connection that can be closed without losing work.
    var isIdle: Bool { inFlight == 0 && pendingOutput == 0 && !decoder.hasPartialFrame }
}

/// The epoll loop: accepts connections, reads and decodes frames, answers HELLO and PING itself, hands searches to
/// the workers (which write their answers themselves), finishes writes a full socket could not take, enforces
/// limits and timeouts, reloads and shuts down.
///
/// `@unchecked Sendable`: after `start()` hands it to its thread, only that thread touches it.
///
/// About 600 lines: one thread's whole view of every connection (accepting, reading and decoding, the handshake,
/// limits, timeouts, draining, reloads). Its state is single-threaded by construction; split across types it would
/// need locks or hand-offs that the hot path of a request does not pay today. Writing answers is
/// `ConnectionOutput`, scheduling is `FairQueue` and `WorkerPool`, where a request goes (rights, the index) is
/// `RequestRoute`, requests are `RequestHandler` and `GroupCommitWriter`.
final class EventLoop: @unchecked Sendable {
    private let server: SaigaServer
    private let config: ServerConfiguration
    private var listener: Int32
    private let epoll: Int32
    private let wakeFD: Int32
    private let signalFD: Int32
    private let workers: WorkerPool
    private var connections: [UInt64: Connection] = [:]
    private var nextID: UInt64 = 16
    private var draining = false
    private var drainDeadline = 0.0
    private var lastReloadCheck = 0.0
    private var lastTimeoutSweep = 0.0
    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
    private let maxConnections: Int
    /// Unprocessed input over all connections (partial frames), bounded by `maxBufferedBytes`.
    private var totalBuffered = 0
    /// A descriptor held in reserve: when accept fails for lack of descriptors, it is given back so that the
    /// waiting connection can be accepted and closed at once rather than wait in the backlog.
    private var spareFD: Int32 = Posix.openSpare()
    /// While > 0, the listener is out of epoll until this time (out of descriptors: polling it would only spin).
    private var listenerPausedUntil = 0.0
    /// Log lines that could repeat at the rate of an attack, with when each was last written and how many were
    /// held back since.
    private var rateLimited: [String: (last: Double, held: Int)] = [:]

    private static let listenerID: UInt64 = 1
    private static let wakeID: UInt64 = 2
    private static let signalID: UInt64 = 3
    /// A connection whose unsent output passes this is too slow a reader and is dropped.
    private static let maxPendingOutput = 64 << 20

    init(server: SaigaServer, listener: Int32, epoll: Int32, wakeFD: Int32, signalFD: Int32) {
        self.server = server
        self.config = server.configuration
        self.listener = listener
        self.epoll = epoll
        self.wakeFD = wakeFD
        self.signalFD = signalFD
        self.workers = WorkerPool(server: server, workers: server.configuration.workers, wakeFD: wakeFD)
        self.maxConnections = server.maxConnections
    }

    func register() throws(SystemError) {
        try Posix.epollAdd(epoll, listener, events: Posix.Epoll.readable, data: EventLoop.listenerID)
        try Posix.epollAdd(epoll, wakeFD, events: Posix.Epoll.readable, data: EventLoop.wakeID)
        if signalFD >= 0 { try Posix.epollAdd(epoll, signalFD, events: Posix.Epoll.readable, data: EventLoop.signalID) }
    }

    func run() {
        let events = UnsafeMutablePointer<UInt32>.allocate(capacity: 256)
        let data = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
        defer {
            events.deallocate()
            data.deallocate()
            readBuffer.deallocate()
        }
        let loopSpin = Double(config.spinMicroseconds) / 1e6
        var lastEvent = 0.0
        while true {
            var n = 0
            if loopSpin > 0 && Posix.monotonicSeconds() - lastEvent < loopSpin {
                // Shortly after traffic, poll for the next request instead of sleeping: a client that answers at
                // once is served without the wake-up a sleep costs.
                let until = lastEvent + loopSpin
                repeat {
                    n = Posix.epollWait(epoll, events: events, data: data, max: 256, timeoutMS: 0)
                    if n == 0 { Posix.yield() }  // a worker or client waiting for this core gets it
                } while n == 0 && !workers.hasNotices && Posix.monotonicSeconds() < until
            }
            if n == 0 {
                n = Posix.epollWait(
                    epoll, events: events, data: data, max: 256, timeoutMS: workers.hasNotices ? 0 : 100)
            }
            if n > 0 { lastEvent = Posix.monotonicSeconds() }
            if workers.hasNotices { handleNotices() }
            for i in 0..<n {
                switch data[i] {
                case EventLoop.listenerID: acceptAll()
                case EventLoop.wakeID:
                    Posix.drainEvent(wakeFD)
                    handleNotices()
                case EventLoop.signalID: handleSignals()
                default:
                    guard let c = connections[data[i]] else { continue }
                    let ev = events[i]
                    if ev & (Posix.Epoll.readable | Posix.Epoll.hangUp | Posix.Epoll.error | Posix.Epoll.peerClosed)
                        != 0
                    {
                        readFrom(c)
                    }
                    if ev & Posix.Epoll.writable != 0, connections[c.id] != nil { flush(c) }
                }
            }
            let now = Posix.monotonicSeconds()
            if listenerPausedUntil > 0 && now >= listenerPausedUntil && !draining {
                listenerPausedUntil = 0
                try? Posix.epollAdd(epoll, listener, events: Posix.Epoll.readable, data: EventLoop.listenerID)
            }
            if server.isStopRequested && !draining { beginDrain(now) }
            if server.takeReloadRequest() {
                for i in server.catalog.all { reload(i, reason: "requested", force: true) }
            }
            if config.reloadInterval > .zero && now - lastReloadCheck >= config.reloadInterval.inSeconds && !draining {
                lastReloadCheck = now
                // An index this server writes changes only through its writer, which serves each commit itself.
                for i in server.catalog.all
                where i.writes?.holdsWriter.load(ordering: .acquiring) != true && i.holder.newerCommitAvailable() {
                    reload(i, reason: "a newer commit appeared", force: false)
                }
            }
            if now - lastTimeoutSweep >= 0.1 {
                lastTimeoutSweep = now
                sweepTimeouts(now)
            }
            if draining {
                let busy = connections.values.contains { $0.inFlight > 0 || $0.pendingOutput > 0 }
                if !busy || now >= drainDeadline {
                    if busy { server.log("drain timeout: closing \(connections.count) connections with work pending") }
                    for c in Array(connections.values) { close(c, reason: "server shutting down") }
                    for i in server.catalog.all { i.writes?.stop() }
                    workers.stop()
                    server.log("stopped")
                    Sys.close(epoll)
                    server.markStopped()
                    return
                }
            }
        }
    }

    // MARK: - Connections

    private func acceptAll() {
        while !draining && listenerPausedUntil == 0 {
            let accepted: (fd: Int32, peer: Posix.Address)?
            do { accepted = try Posix.accept(listener) } catch {
                if error.errno == EMFILE || error.errno == ENFILE {
                    shedForLackOfDescriptors(error)
                } else {
                    logRateLimited("accept", "accept failed: \(error)")
                }
                return
            }
            guard let (fd, peer) = accepted else { return }
            if connections.count >= maxConnections && !makeRoom() {
                let frame = Response.error(
                    WireError(.serverBusy, "the server has \(connections.count) connections, its maximum")
                )
                .frame(requestID: 0).encoded()
                _ = frame.withUnsafeBytes { Posix.write(fd, $0) }
                Sys.close(fd)
                logRateLimited("refused", "refused \(peer.description): too many connections")
                continue
            }
            let id = nextID
            nextID += 1
            let c = Connection(
                id: id, fd: fd, peer: peer.description, handshakeFrameLength: config.handshakeFrameLength,
                now: Posix.monotonicSeconds())
            do {
                try Posix.epollAdd(epoll, fd, events: Posix.Epoll.readable | Posix.Epoll.peerClosed, data: id)
            } catch {
                Sys.close(fd)
                continue
            }
            c.interest = Posix.Epoll.readable | Posix.Epoll.peerClosed
            connections[id] = c
            server.metrics.connections.add(1, ordering: .relaxed)
            server.log("connection \(id) from \(c.peer)")
        }
    }

    /// Out of file descriptors (EMFILE/ENFILE): the classic reserve-descriptor trick. The spare descriptor is
    /// given back, the waiting connection accepted and closed at once (its client sees the close instead of
    /// hanging in the backlog), the spare taken again; and the listener rests for 100 ms, since accepting again at
    /// once would only fail again, at 100% of a core.
    private func shedForLackOfDescriptors(_ error: SystemError) {
        if spareFD >= 0 {
            Sys.close(spareFD)
            spareFD = -1
        }
        if let shed = try? Posix.accept(listener) { Sys.close(shed.fd) }
        spareFD = Posix.openSpare()
        listenerPausedUntil = Posix.monotonicSeconds() + 0.1
        Posix.epollRemove(epoll, listener)
        logRateLimited(
            "emfile",
            "accept failed: \(error): out of file descriptors with \(connections.count) "
                + "connections open; shedding new connections until descriptors are free (raise `ulimit -n` or lower "
                + "--max-connections)")
    }

    /// At the connection limit, closes one connection to make room for a new one: the longest idle authenticated
    /// connection with nothing in flight, else the oldest connection still in its handshake after a second.
    /// False if none qualifies (the new connection is refused).
    private func makeRoom() -> Bool {
        let now = Posix.monotonicSeconds()
        let idle = connections.values.filter { $0.greeted && $0.isIdle && !$0.closeAfterFlush }
        if let victim = idle.min(by: { $0.lastActivity < $1.lastActivity }) {
            fail(
                victim, requestID: 0,
                WireError(
                    .serverBusy,
                    "the server is at its connection limit: this idle "
                        + "connection is closed to make room"), close: true)
            if connections[victim.id] != nil { close(victim, reason: "idle, closed to make room") }
            return true
        }
        let waiting = connections.values.filter { !$0.greeted && now - $0.acceptedAt > 1 }
        if let victim = waiting.min(by: { $0.acceptedAt < $1.acceptedAt }) {
            close(victim, reason: "no HELLO yet, closed to make room at the connection limit")
            return true
        }
        return false
    }

    /// Logs `line`, at most once per 5 seconds per `key`, saying how many were held back.
    private func logRateLimited(_ key: String, _ line: String) {
        let now = Posix.monotonicSeconds()
        var entry = rateLimited[key] ?? (last: -10, held: 0)
        if now - entry.last >= 5 {
            server.log(entry.held > 0 ? line + " (and \(entry.held) more like it in the last 5 s)" : line)
            entry = (now, 0)
        } else {
            entry.held += 1
        }
        rateLimited[key] = entry
    }

    private func close(_ c: Connection, reason: String) {
        guard connections.removeValue(forKey: c.id) != nil else { return }
        server.metrics.connections.subtract(1, ordering: .relaxed)
        totalBuffered -= c.accountedBytes
        c.accountedBytes = 0
        if c.interest != 0 { Posix.epollRemove(epoll, c.fd) }
        c.output.close()  // queued requests of a closed connection are skipped by the workers
        server.log("connection \(c.id) closed: \(reason)")
    }

    private func readFrom(_ c: Connection) {
        if c.peerClosed || c.closeAfterFlush {
            // Nothing more to read; a hang-up with work pending is handled when the work completes.
            if c.peerClosed && c.inFlight == 0 && c.pendingOutput == 0 { close(c, reason: "peer closed") }
            return
        }
        var readAny = false
        let now = Posix.monotonicSeconds()
        loop: while true {
            switch Posix.read(c.fd, readBuffer) {
            case .bytes(let n):
                readAny = true
                // Unprocessed input is bounded over all connections.
                if totalBuffered + n > config.maxBufferedBytes {
                    fail(
                        c, requestID: 0,
                        WireError(.serverBusy, "the server holds too much unprocessed input; retry later"),
                        close: true)
                    if connections[c.id] != nil { close(c, reason: "input over the server's buffer budget") }
                    return
                }
                c.decoder.append(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
                // Frames are taken out after every read: a connection buffers at most one partial frame.
                processFrames(c, now: now)
                guard connections[c.id] != nil else { return }
                totalBuffered += c.decoder.bufferedByteCount - c.accountedBytes
                c.accountedBytes = c.decoder.bufferedByteCount
                if c.closeAfterFlush || n < readBuffer.count { break loop }
            case .wouldBlock:
                break loop
            case .closed:
                c.peerClosed = true
                break loop
            }
        }
        if readAny { c.lastActivity = now }
        guard connections[c.id] != nil else { return }
        if c.peerClosed {
            // Hear about the last answer (the flag first, then the count: see WorkerPool.run).
            c.output.loopWaitsForIdle.store(true, ordering: .sequentiallyConsistent)
            if c.inFlight == 0 && c.pendingOutput == 0 {
                close(c, reason: "peer closed")
            } else {
                // Stop polling for input: a hung-up socket stays readable (and reports HUP) forever.
                updateInterest(c)
            }
        }
    }

    private func processFrames(_ c: Connection, now: Double) {
        var completedAny = false
        while !c.closeAfterFlush {
            let frame: Frame?
            do { frame = try c.decoder.next() } catch {
                // The stream cannot be resynchronised: say why, then close.
                fail(c, requestID: 0, error, close: true)
                return
            }
            guard let frame else { break }
            completedAny = true
            handle(frame, on: c)
        }
        // The read timeout is per frame: a partial frame left after completing one is a new frame starting now.
        if !c.decoder.hasPartialFrame {
            c.partialSince = nil
        } else if completedAny || c.partialSince == nil {
            c.partialSince = now
        }
    }

    private func handle(_ frame: Frame, on c: Connection) {
        if !c.greeted && frame.type != MessageType.hello.rawValue {
            // Whatever the type (known, unknown or a response): before HELLO only HELLO is understood.
            fail(
                c, requestID: frame.requestID, WireError(.handshakeRequired, "the first frame must be HELLO"),
                close: true)
            return
        }
        let request: Request
        do { request = try Request.decode(frame) } catch {
            fail(c, requestID: frame.requestID, error, close: !c.greeted)
            return
        }
        if c.greeted && frame.requestID == 0 {
            // Id 0 marks errors that concern no request: a request using it could not be told from them.
            fail(
                c, requestID: 0,
                WireError(
                    .invalidArgument,
                    "request id 0 is reserved (errors that concern no request "
                        + "carry it): number requests from 1"), close: false)
            return
        }
        if !c.greeted {
            if draining {
                fail(
                    c, requestID: frame.requestID, WireError(.shuttingDown, "the server is shutting down"), close: true)
                return
            }
            guard case .hello(let hello) = request else {
                fail(
                    c, requestID: frame.requestID, WireError(.handshakeRequired, "the first frame must be HELLO"),
                    close: true)
                return
            }
            guard ProtocolVersion.supported.contains(hello.version) else {
                let versions = ProtocolVersion.supported.map(String.init).joined(separator: ", ")
                fail(
                    c, requestID: frame.requestID,
                    WireError(
                        .unsupportedVersion,
                        "protocol version \(hello.version) is not supported; this server speaks \(versions)"),
                    close: true)
                return
            }
            guard let rights = config.rights(for: hello.token) else {
                fail(
                    c, requestID: frame.requestID, WireError(.authenticationFailed, "missing or wrong token"),
                    close: true)
                return
            }
            c.rights = rights
            c.greeted = true
            c.decoder.maxLength = config.maxFrameLength
            let ok = HelloOK(
                version: hello.version, server: "saiga 0.1.0", maxFrameLength: UInt32(config.maxFrameLength),
                generation: server.generation,
                maxInFlight: UInt32(config.maxInFlightPerConnection))
            send(Response.helloOK(ok).frame(requestID: frame.requestID), to: c)
            return
        }
        if draining {
            fail(c, requestID: frame.requestID, WireError(.shuttingDown, "the server is shutting down"), close: false)
            return
        }
        switch request {
        case .hello:
            fail(c, requestID: frame.requestID, WireError(.invalidArgument, "HELLO was already received"), close: false)
        case .ping(let data):
            send(Response.pong(data).frame(requestID: frame.requestID), to: c)
        case .search, .get, .stats, .suggest, .write, .admin:
            // In flight: sent and not yet answered (a worker decrements before it writes the answer).
            guard c.unanswered < config.maxInFlightPerConnection else {
                fail(
                    c, requestID: frame.requestID,
                    WireError(
                        .tooManyInFlight,
                        "\(config.maxInFlightPerConnection) requests in flight on this "
                            + "connection (the maximum): wait for an answer before sending more"),
                    close: false)
                return
            }
            switch RequestRoute.of(request, rights: c.rights, catalog: server.catalog) {
            case .refused(let error):
                fail(c, requestID: frame.requestID, error, close: false)
            case .writer(let writes, let w):
                handOff(c)
                let (output, id, workers) = (c.output, frame.requestID, self.workers)
                let job = GroupCommitWriter.Job(request: w, bytes: frame.payload.count + 256) { response in
                    workers.answer(response, requestID: id, on: output)
                }
                if let refused = writes.submit(job) { job.answer(.error(refused)) }
            case .worker(let reader):
                handOff(c)
                workers.submit(
                    WorkerPool.Job(
                        output: c.output, requestID: frame.requestID, request: request, reader: reader,
                        rights: c.rights))
            }
        }
    }

    /// Counts a request handed to a worker or a writer: in flight until its answer (`WorkerPool.answer`).
    private func handOff(_ c: Connection) {
        c.output.inFlight.add(1, ordering: .sequentiallyConsistent)
        c.output.unanswered.add(1, ordering: .sequentiallyConsistent)
        server.metrics.inFlight.add(1, ordering: .relaxed)
    }

    private func fail(_ c: Connection, requestID: UInt32, _ error: WireError, close: Bool) {
        server.log("connection \(c.id): \(error)")
        send(Response.error(error).frame(requestID: requestID), to: c)
        if close {
            c.closeAfterFlush = true
            c.closeReason = error.description
            if c.pendingOutput == 0 { self.close(c, reason: c.closeReason) }
        }
    }

    private func send(_ frame: Frame, to c: Connection) {
        settle(c, after: c.output.send(frame.encoded()))
    }

    private func flush(_ c: Connection) {
        settle(c, after: c.output.flush())
    }

    /// Acts on what a write left: wait for writability, drop a reader that stopped reading, or close a connection
    /// whose work is all done.
    private func settle(_ c: Connection, after outcome: ConnectionOutput.WriteOutcome) {
        switch outcome {
        case .pending:
            if c.pendingOutput > EventLoop.maxPendingOutput {
                close(c, reason: "client does not read its responses")
                return
            }
            if !c.wantsWrite {
                c.wantsWrite = true
                updateInterest(c)
            }
        case .closed:
            close(c, reason: "peer reset the connection")
        case .done:
            if c.wantsWrite {
                c.wantsWrite = false
                updateInterest(c)
            }
            if c.closeAfterFlush {
                close(c, reason: c.closeReason)
            } else if c.peerClosed && c.inFlight == 0 {
                close(c, reason: "peer closed")
            }
        }
    }

    /// Registers the descriptor for exactly the events the connection needs now.
    private func updateInterest(_ c: Connection) {
        var want: UInt32 = 0
        if !c.peerClosed && !c.closeAfterFlush { want |= Posix.Epoll.readable | Posix.Epoll.peerClosed }
        if c.wantsWrite { want |= Posix.Epoll.writable }
        guard want != c.interest else { return }
        if want == 0 {
            Posix.epollRemove(epoll, c.fd)
        } else if c.interest == 0 {
            try? Posix.epollAdd(epoll, c.fd, events: want, data: c.id)
        } else {
            Posix.epollModify(epoll, c.fd, events: want, data: c.id)
        }
        c.interest = want
    }

    /// Connections a worker flagged: output left for a full socket, or the last answer the loop waited for.
    private func handleNotices() {
        for id in workers.takeNotices() {
            guard let c = connections[id] else { continue }  // closed meanwhile
            flush(c)
        }
    }

    // MARK: - Timeouts, signals, reload, shutdown

    private func sweepTimeouts(_ now: Double) {
        for c in Array(connections.values) {
            if !c.greeted && !c.closeAfterFlush && now - c.acceptedAt > config.handshakeTimeout.inSeconds {
                fail(
                    c, requestID: 0,
                    WireError(.timeout, "no HELLO within \(config.handshakeTimeout.inSeconds) s of connecting"),
                    close: true)
                if connections[c.id] != nil && c.pendingOutput > 0 { close(c, reason: "handshake timeout") }
            } else if let since = c.partialSince, now - since > config.readTimeout.inSeconds {
                fail(
                    c, requestID: 0,
                    WireError(
                        .timeout, "a frame was started and not completed within \(config.readTimeout.inSeconds) s"),
                    close: true)
                if connections[c.id] != nil && c.pendingOutput > 0 {
                    close(c, reason: "read timeout")  // it is not reading either
                }
            } else if c.inFlight == 0 && c.pendingOutput == 0 && !c.decoder.hasPartialFrame
                && now - c.lastActivity > config.idleTimeout.inSeconds
            {
                close(c, reason: "idle for \(Int(config.idleTimeout.inSeconds)) s")
            }
        }
    }

    private func handleSignals() {
        while let s = Posix.readSignal(signalFD) {
            if s == SIGHUP {
                for i in server.catalog.all { reload(i, reason: "SIGHUP", force: true) }
            } else {
                server.log(s == SIGINT ? "SIGINT: shutting down" : "SIGTERM: shutting down")
                server.requestStop()
            }
        }
    }

    private func reload(_ index: ServedIndex, reason: String, force: Bool) {
        // Opening a large index verifies its checksums: do it off the loop thread.
        let holder = index.holder
        let server = self.server
        let name = index.name
        Sys.spawnThread {
            do {
                if let g = try holder.reload(force: force) {
                    server.log("reloaded the index: now at commit \(g) (\(reason)), index \(name)")
                    server.metrics.reloads.add(1, ordering: .relaxed)
                }
            } catch {
                server.log("reload failed, still serving commit \(holder.reader.generation) of index \(name): \(error)")
            }
        }
    }

    private func beginDrain(_ now: Double) {
        draining = true
        drainDeadline = now + config.drainTimeout.inSeconds
        Posix.epollRemove(epoll, listener)
        Sys.close(listener)
        listener = -1
        for c in connections.values { c.output.loopWaitsForIdle.store(true, ordering: .sequentiallyConsistent) }
        let pending = connections.values.reduce(0) { $0 + $1.inFlight }
        server.log("draining: \(pending) requests in flight on \(connections.count) connections")
    }
}

/// Compares secrets without an early exit, so timing does not reveal a matching prefix.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    var diff = UInt8(x.count == y.count ? 0 : 1)
    for i in 0..<max(x.count, y.count) {
        diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
    }
    return diff == 0
}

#if canImport(Glibc)
    import Glibc
#endif
