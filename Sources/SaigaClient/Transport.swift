import SaigaPosix
import SaigaWire

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

private let sysClose = close
private let sysRecv = recv
private let sysSend = send
private let sysPoll = poll

/// One TCP connection speaking frames, with deadlines (poll) on every wait (connecting is `Posix.connect`).
final class Transport: @unchecked Sendable {  // used only under the client's lock
    private var fd: Int32
    private var decoder = FrameDecoder(maxLength: 1 << 30)
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)

    /// Seconds to poll the socket without sleeping before waiting in poll(2) (see `SaigaClient.spinMicroseconds`).
    var spinSeconds = 0.0
    /// Requests the server takes in flight on this connection (from HELLO_OK; 64 when it does not say).
    var maxInFlight: UInt32 = 64

    private init(fd: Int32) { self.fd = fd }

    deinit {
        close()
        buffer.deallocate()
    }

    /// True if the peer has closed (or reset) the connection, checked without blocking and without consuming
    /// anything: a readable socket whose peek reads nothing, or an error.
    func peerHasClosed() -> Bool {
        guard fd >= 0 else { return true }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard sysPoll(&p, 1, 0) == 1 else { return false }
        if p.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 { return true }
        var byte: UInt8 = 0
        let n = sysRecv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
    }

    func close() {
        if fd >= 0 {
            _ = sysClose(fd)
            fd = -1
        }
    }

    static func open(host: String, port: Int, timeout: Double) throws(ClientError) -> Transport {
        do {
            return Transport(
                fd: try Posix.connect(
                    host: host, port: port,
                    timeoutMilliseconds: Int32(clamping: Int(timeout * 1000))))
        } catch {
            throw ClientError(.connectFailed, "cannot connect to \(host):\(port): \(error)")
        }
    }

    func handshake(token: String?, timeout: Double) throws(ClientError) -> HelloOK {
        try send(
            Request.hello(Hello(token: token, client: "SaigaClient")).frame(requestID: 0).encoded(), timeout: timeout)
        let frame = try receive(timeout: timeout)
        let response: Response
        do { response = try Response.decode(frame) } catch {
            throw ClientError(.protocolViolation, "bad handshake answer: \(error)")
        }
        switch response {
        case .helloOK(let ok):
            maxInFlight = ok.maxInFlight > 0 ? ok.maxInFlight : 64
            // Answers never exceed the frame length the server announces: a larger one is not to be buffered.
            if ok.maxFrameLength >= 64 { decoder.maxLength = Int(ok.maxFrameLength) }
            return ok
        case .error(let e): throw ClientError(.server(e.code), e.message)
        default: throw ClientError(.protocolViolation, "expected HELLO_OK")
        }
    }

    func send(_ bytes: [UInt8], timeout: Double) throws(ClientError) {
        guard fd >= 0 else { throw ClientError(.connectionClosed, "not connected") }
        let deadline = now() + timeout
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes {
                sysSend(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                offset += n
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                try wait(for: Int16(POLLOUT), until: deadline)
                continue
            }
            throw ClientError(.connectionClosed, "connection closed while sending")
        }
    }

    func receive(timeout: Double) throws(ClientError) -> Frame {
        let deadline = now() + timeout
        while true {
            do {
                if let f = try decoder.next() { return f }
            } catch {
                throw ClientError(.protocolViolation, "bad frame from the server: \(error)")
            }
            guard fd >= 0 else { throw ClientError(.connectionClosed, "not connected") }
            let n = sysRecv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 {
                decoder.append(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                continue
            }
            if n == 0 { throw ClientError(.connectionClosed, "the server closed the connection") }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                if spinSeconds > 0 && spinUntilReadable() { continue }
                try wait(for: Int16(POLLIN), until: deadline)
                continue
            }
            throw ClientError(.connectionClosed, "connection error: \(String(cString: strerror(errno)))")
        }
    }

    /// Busy-polls for input for up to `spinSeconds`; a fast answer then costs no sleep and wake-up.
    private func spinUntilReadable() -> Bool {
        let until = now() + spinSeconds
        var byte: UInt8 = 0
        repeat {
            let n = sysRecv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
            if n != -1 || (errno != EAGAIN && errno != EWOULDBLOCK) { return true }
        } while now() < until
        return false
    }

    private func wait(for events: Int16, until deadline: Double) throws(ClientError) {
        while true {
            let remaining = deadline - now()
            guard remaining > 0 else { throw ClientError(.timeout, "no answer from the server in time") }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let r = sysPoll(&p, 1, Int32(min(remaining * 1000 + 1, 2_000_000_000)))
            if r > 0 { return }
            if r < 0 && errno != EINTR { throw ClientError(.connectionClosed, "poll failed") }
        }
    }

    private func now() -> Double { Posix.monotonicSeconds() }
}
