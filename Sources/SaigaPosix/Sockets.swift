// Sockets, epoll, eventfd and signalfd for the server and the client (files, threads and clocks are in
// Syscalls.swift). File-scope aliases so no method name can shadow the C function; EINTR retried; failures are
// `SystemError`s carrying errno.

import CSaigaShims

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

private let sysSocket = socket
private let sysBind = bind
private let sysListen = listen
private let sysClose = close
private let sysRead = read
private let sysWrite = write
private let sysSetsockopt = setsockopt
private let sysGetsockname = getsockname
private let sysConnect = connect

package enum Posix {
    /// A resolved socket address (IPv4 or IPv6).
    package struct Address {
        package var storage = sockaddr_storage()
        package var length: socklen_t = 0
        package var family: Int32 { Int32(storage.ss_family) }

        /// "127.0.0.1:7700" or "[::1]:7700".
        package var description: String {
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            var serv = [CChar](repeating: 0, count: Int(NI_MAXSERV))
            var s = storage
            let rc = withUnsafePointer(to: &s) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    getnameinfo(
                        $0, length, &host, socklen_t(host.count), &serv, socklen_t(serv.count),
                        NI_NUMERICHOST | NI_NUMERICSERV)
                }
            }
            guard rc == 0 else { return "?" }
            let h = host.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            let p = serv.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            return family == AF_INET6 ? "[\(h)]:\(p)" : "\(h):\(p)"
        }

        package var isLoopback: Bool {
            var s = storage
            if family == AF_INET {
                return withUnsafePointer(to: &s) {
                    $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        UInt32(bigEndian: $0.pointee.sin_addr.s_addr) >> 24 == 127
                    }
                }
            }
            if family == AF_INET6 {
                return withUnsafePointer(to: &s) {
                    $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p -> Bool in
                        let b = withUnsafeBytes(of: p.pointee.sin6_addr) { Array($0) }
                        let loopback6 = b[0..<15].allSatisfy { $0 == 0 } && b[15] == 1
                        let mapped4 = b[0..<10].allSatisfy { $0 == 0 } && b[10] == 0xFF && b[11] == 0xFF && b[12] == 127
                        return loopback6 || mapped4
                    }
                }
            }
            return false
        }
    }

    /// Resolves a numeric or named host and a port for listening or connecting.
    package static func resolve(host: String, port: Int) throws(SystemError) -> Address {
        try withAddresses(host: host, port: port) { (first: UnsafeMutablePointer<addrinfo>) in
            var a = Address()
            withUnsafeMutableBytes(of: &a.storage) { dst in
                dst.copyMemory(
                    from: UnsafeRawBufferPointer(
                        start: first.pointee.ai_addr,
                        count: Int(first.pointee.ai_addrlen)))
            }
            a.length = first.pointee.ai_addrlen
            return a
        }
    }

    /// Calls `body` with the resolver's list of stream addresses for `host:port` (freed afterwards).
    private static func withAddresses<R>(
        host: String, port: Int,
        _ body: (UnsafeMutablePointer<addrinfo>) throws(SystemError) -> R
    )
        throws(SystemError) -> R
    {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &result)
        guard rc == 0, let first = result else {
            throw SystemError(
                call: "cannot resolve host", path: host, errno: rc == EAI_SYSTEM ? errno : EINVAL,
                reason: rc == EAI_SYSTEM ? nil : String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(first) }
        return try body(first)
    }

    /// A non-blocking listening socket bound to `address` (SO_REUSEADDR).
    package static func listen(
        _ address: Address, backlog: Int32 = 1024
    ) throws(SystemError) -> (fd: Int32, bound: Address) {
        let fd = sysSocket(address.family, Int32(SOCK_STREAM.rawValue) | CSAIGA_SOCK_NONBLOCK | CSAIGA_SOCK_CLOEXEC, 0)
        guard fd >= 0 else { throw SystemError(call: "socket", path: "", errno: errno) }
        var one: Int32 = 1
        _ = sysSetsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var a = address
        let rc = withUnsafePointer(to: &a.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sysBind(fd, $0, a.length) }
        }
        guard rc == 0 else {
            let e = errno
            _ = sysClose(fd)
            throw SystemError(call: "bind \(address.description)", path: "", errno: e)
        }
        guard sysListen(fd, backlog) == 0 else {
            let e = errno
            _ = sysClose(fd)
            throw SystemError(call: "listen", path: "", errno: e)
        }
        var bound = Address()
        bound.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sysGetsockname(fd, $0, &bound.length) }
        }
        return (fd, bound)
    }

    /// Accepts one connection (non-blocking, close-on-exec); nil when none is pending.
    package static func accept(_ listener: Int32) throws(SystemError) -> (fd: Int32, peer: Address)? {
        while true {
            var peer = Address()
            peer.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &peer.storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    csaiga_accept4(listener, $0, &peer.length, CSAIGA_SOCK_NONBLOCK | CSAIGA_SOCK_CLOEXEC)
                }
            }
            if fd >= 0 {
                var one: Int32 = 1
                _ = sysSetsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return (fd, peer)
            }
            let e = errno
            if e == EINTR || e == ECONNABORTED { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return nil }
            throw SystemError(call: "accept4", path: "", errno: e)
        }
    }

    package enum IOResult {
        case bytes(Int)
        case wouldBlock
        case closed
    }

    /// Reads from a non-blocking descriptor.
    package static func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        while true {
            let n = sysRead(fd, buffer.baseAddress, buffer.count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .closed }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
            return .closed  // ECONNRESET and friends: the peer is gone
        }
    }

    /// Waits up to `milliseconds` for `fd` to be readable (`POLLIN`) or writable (`POLLOUT`); false on a timeout.
    package static func waitReady(_ fd: Int32, readable: Bool, milliseconds: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(readable ? POLLIN : POLLOUT), revents: 0)
        while true {
            let r = Glibc.poll(&p, 1, milliseconds)
            if r >= 0 { return r > 0 }
            if errno != EINTR { return true }  // let the read or write report the error
        }
    }

    /// Writes to a non-blocking socket without raising SIGPIPE.
    package static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> IOResult {
        while true {
            let n = send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return .bytes(n) }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
            return .closed
        }
    }

    /// Gives the core to another runnable thread, if any.
    package static func yield() { _ = sched_yield() }

    package static func epollCreate() throws(SystemError) -> Int32 {
        let fd = csaiga_epoll_create()
        guard fd >= 0 else { throw SystemError(call: "epoll_create1", path: "", errno: errno) }
        return fd
    }

    package static func epollAdd(_ ep: Int32, _ fd: Int32, events: UInt32, data: UInt64) throws(SystemError) {
        guard csaiga_epoll_ctl(ep, CSAIGA_EPOLL_CTL_ADD, fd, events, data) == 0 else {
            throw SystemError(call: "epoll_ctl add", path: "", errno: errno)
        }
    }

    package static func epollModify(_ ep: Int32, _ fd: Int32, events: UInt32, data: UInt64) {
        _ = csaiga_epoll_ctl(ep, CSAIGA_EPOLL_CTL_MOD, fd, events, data)
    }

    package static func epollRemove(_ ep: Int32, _ fd: Int32) {
        _ = csaiga_epoll_ctl(ep, CSAIGA_EPOLL_CTL_DEL, fd, 0, 0)
    }

    /// Waits for events, retrying on EINTR; returns the number written into the two arrays.
    package static func epollWait(
        _ ep: Int32, events: UnsafeMutablePointer<UInt32>, data: UnsafeMutablePointer<UInt64>,
        max: Int32, timeoutMS: Int32
    ) -> Int {
        while true {
            let n = csaiga_epoll_wait(ep, events, data, max, timeoutMS)
            if n >= 0 { return Int(n) }
            if errno == EINTR { continue }
            return 0
        }
    }

    package static func eventFD() throws(SystemError) -> Int32 {
        let fd = csaiga_eventfd()
        guard fd >= 0 else { throw SystemError(call: "eventfd", path: "", errno: errno) }
        return fd
    }

    package static func signalEvent(_ fd: Int32) {
        var one: UInt64 = 1
        _ = sysWrite(fd, &one, 8)
    }

    package static func drainEvent(_ fd: Int32) {
        var v: UInt64 = 0
        _ = sysRead(fd, &v, 8)
    }

    /// Blocks SIGINT/SIGTERM/SIGHUP in this thread (and threads it creates later) and returns a signalfd for them.
    package static func shutdownAndReloadSignals() throws(SystemError) -> Int32 {
        let fd = csaiga_signalfd_for_shutdown_and_reload()
        guard fd >= 0 else { throw SystemError(call: "signalfd", path: "", errno: errno) }
        return fd
    }

    /// The next pending signal on a signalfd, or nil.
    package static func readSignal(_ fd: Int32) -> Int32? {
        let s = csaiga_read_signal(fd)
        return s > 0 ? s : nil
    }

    /// Raises the soft limit on open files to the hard limit (a server with many connections needs it) and returns
    /// the limit in force.
    @discardableResult
    package static func raiseOpenFileLimit() -> Int {
        var lim = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &lim) == 0 else { return 1024 }
        if lim.rlim_cur < lim.rlim_max {
            var raised = lim
            raised.rlim_cur = lim.rlim_max
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { lim = raised }
        }
        return lim.rlim_cur > rlim_t(Int.max) ? Int.max : Int(lim.rlim_cur)
    }

    /// Opens /dev/null: the spare descriptor a server keeps to shed connections when out of descriptors.
    package static func openSpare() -> Int32 {
        open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    /// Seconds on the monotonic clock (for timeouts measured in seconds).
    package static func monotonicSeconds() -> Double { Double(Sys.monotonicNanos()) / 1e9 }

    package static func writeStderr(_ line: String) {
        var s = line + "\n"
        s.withUTF8 { _ = sysWrite(2, $0.baseAddress, $0.count) }
    }
}

extension Posix {
    /// A `HOST:PORT` endpoint as people type it: IPv6 hosts in brackets (`[::1]:7700`), an empty host meaning the
    /// default one. The one parser behind `saiga serve --listen`, `saiga-bench` and `SaigaClient(address:)`.
    package struct Endpoint: Equatable, Sendable {
        package var host: String
        package var port: Int

        /// - Parameters:
        ///   - allowAnyPort: accept port 0 (a listener's "any free port"); a client needs 1...65535.
        ///   - defaultHost: the host when the text leaves it empty.
        package init?(parsing text: String, allowAnyPort: Bool = false, defaultHost: String = "127.0.0.1") {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                ((allowAnyPort ? 0 : 1)...65535).contains(port)
            else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            self.host = host.isEmpty ? defaultHost : host
            self.port = port
        }
    }

    /// A connected, non-blocking, close-on-exec TCP socket with TCP_NODELAY to `host:port`: every address the
    /// resolver gives is tried in order, each connect waiting at most `timeoutMilliseconds`.
    package static func connect(host: String, port: Int, timeoutMilliseconds: Int32) throws(SystemError) -> Int32 {
        try withAddresses(host: host, port: port) { (first: UnsafeMutablePointer<addrinfo>) throws(SystemError) in
            try connect(first, to: "\(host):\(port)", timeoutMilliseconds: timeoutMilliseconds)
        }
    }

    private static func connect(
        _ first: UnsafeMutablePointer<addrinfo>, to name: String, timeoutMilliseconds: Int32
    )
        throws(SystemError) -> Int32
    {
        var lastError = SystemError(call: "connect", path: name, errno: EADDRNOTAVAIL)
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            ai = a.pointee.ai_next
            let fd = sysSocket(
                a.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | CSAIGA_SOCK_NONBLOCK | CSAIGA_SOCK_CLOEXEC, 0)
            if fd < 0 { continue }
            var rc = sysConnect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen)
            if rc != 0 && errno == EINPROGRESS {
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ready = poll(&p, 1, timeoutMilliseconds)
                var err: Int32 = 0
                var len = socklen_t(MemoryLayout<Int32>.size)
                if ready == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0 {
                    rc = 0
                } else {
                    lastError = SystemError(
                        call: "connect", path: name,
                        errno: ready == 0 ? ETIMEDOUT : (err != 0 ? err : errno))
                }
            } else if rc != 0 {
                lastError = SystemError(call: "connect", path: name, errno: errno)
            }
            if rc == 0 {
                var one: Int32 = 1
                _ = sysSetsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return fd
            }
            _ = sysClose(fd)
        }
        throw lastError
    }
}

extension Posix {
    /// The epoll event bits the event loop asks for and receives (so that it needs no C module of its own).
    package enum Epoll {
        package static let readable = CSAIGA_EPOLLIN
        package static let writable = CSAIGA_EPOLLOUT
        package static let hangUp = CSAIGA_EPOLLHUP
        package static let error = CSAIGA_EPOLLERR
        package static let peerClosed = CSAIGA_EPOLLRDHUP
    }
}
