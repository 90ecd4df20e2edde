// The server's one wrapper file for syscalls: sockets, epoll, eventfd, signalfd, threads. File-scope aliases so
// no method name can shadow the C function; EINTR retried; failures carry errno.

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

/// A failed syscall.
public struct PosixError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let errno: Int32
    /// The reason when errno does not tell it (a resolver error).
    public let reason: String?

    init(call: String, errno: Int32, reason: String? = nil) {
        self.call = call
        self.errno = errno
        self.reason = reason
    }

    public var description: String { "\(call): \(reason ?? String(cString: strerror(errno)))" }
}

enum Posix {
    /// A resolved socket address (IPv4 or IPv6).
    struct Address {
        var storage = sockaddr_storage()
        var length: socklen_t = 0
        var family: Int32 { Int32(storage.ss_family) }

        /// "127.0.0.1:7700" or "[::1]:7700".
        var description: String {
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            var serv = [CChar](repeating: 0, count: Int(NI_MAXSERV))
            var s = storage
            let rc = withUnsafePointer(to: &s) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    getnameinfo($0, length, &host, socklen_t(host.count), &serv, socklen_t(serv.count),
                                NI_NUMERICHOST | NI_NUMERICSERV)
                }
            }
            guard rc == 0 else { return "?" }
            let h = host.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            let p = serv.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            return family == AF_INET6 ? "[\(h)]:\(p)" : "\(h):\(p)"
        }

        var isLoopback: Bool {
            var s = storage
            if family == AF_INET {
                return withUnsafePointer(to: &s) {
                    $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) >> 24 == 127 }
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
    static func resolve(host: String, port: Int) throws(PosixError) -> Address {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &result)
        guard rc == 0, let first = result else {
            let reason = rc == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(rc))
            throw PosixError(call: "cannot resolve host '\(host)'", errno: rc == EAI_SYSTEM ? errno : EINVAL, reason: reason)
        }
        defer { freeaddrinfo(result) }
        var a = Address()
        withUnsafeMutableBytes(of: &a.storage) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        a.length = first.pointee.ai_addrlen
        return a
    }

    /// A non-blocking listening socket bound to `address` (SO_REUSEADDR).
    static func listen(_ address: Address, backlog: Int32 = 1024) throws(PosixError) -> (fd: Int32, bound: Address) {
        let fd = sysSocket(address.family, Int32(SOCK_STREAM.rawValue) | CSAIGA_SOCK_NONBLOCK | CSAIGA_SOCK_CLOEXEC, 0)
        guard fd >= 0 else { throw PosixError(call: "socket", errno: errno) }
        var one: Int32 = 1
        _ = sysSetsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var a = address
        let rc = withUnsafePointer(to: &a.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sysBind(fd, $0, a.length) }
        }
        guard rc == 0 else {
            let e = errno
            _ = sysClose(fd)
            throw PosixError(call: "bind \(address.description)", errno: e)
        }
        guard sysListen(fd, backlog) == 0 else {
            let e = errno
            _ = sysClose(fd)
            throw PosixError(call: "listen", errno: e)
        }
        var bound = Address()
        bound.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sysGetsockname(fd, $0, &bound.length) }
        }
        return (fd, bound)
    }

    /// Accepts one connection (non-blocking, close-on-exec); nil when none is pending.
    static func accept(_ listener: Int32) throws(PosixError) -> (fd: Int32, peer: Address)? {
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
            throw PosixError(call: "accept4", errno: e)
        }
    }

    enum IOResult {
        case bytes(Int)
        case wouldBlock
        case closed
    }

    /// Reads from a non-blocking descriptor.
    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> IOResult {
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

    /// Writes to a non-blocking socket without raising SIGPIPE.
    static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> IOResult {
        while true {
            let n = send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return .bytes(n) }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
            return .closed
        }
    }

    static func close(_ fd: Int32) { _ = sysClose(fd) }

    /// Gives the core to another runnable thread, if any.
    static func yield() { _ = sched_yield() }

    static func epollCreate() throws(PosixError) -> Int32 {
        let fd = csaiga_epoll_create()
        guard fd >= 0 else { throw PosixError(call: "epoll_create1", errno: errno) }
        return fd
    }

    static func epollAdd(_ ep: Int32, _ fd: Int32, events: UInt32, data: UInt64) throws(PosixError) {
        guard csaiga_epoll_ctl(ep, CSAIGA_EPOLL_CTL_ADD, fd, events, data) == 0 else {
            throw PosixError(call: "epoll_ctl add", errno: errno)
        }
    }

    static func epollModify(_ ep: Int32, _ fd: Int32, events: UInt32, data: UInt64) {
        _ = csaiga_epoll_ctl(ep, CSAIGA_EPOLL_CTL_MOD, fd, events, data)
    }

    static func epollRemove(_ ep: Int32, _ fd: Int32) {
        _ = csaiga_epoll_ctl(ep, CSAIGA_EPOLL_CTL_DEL, fd, 0, 0)
    }

    /// Waits for events, retrying on EINTR; returns the number written into the two arrays.
    static func epollWait(_ ep: Int32, events: UnsafeMutablePointer<UInt32>, data: UnsafeMutablePointer<UInt64>,
                          max: Int32, timeoutMS: Int32) -> Int {
        while true {
            let n = csaiga_epoll_wait(ep, events, data, max, timeoutMS)
            if n >= 0 { return Int(n) }
            if errno == EINTR { continue }
            return 0
        }
    }

    static func eventFD() throws(PosixError) -> Int32 {
        let fd = csaiga_eventfd()
        guard fd >= 0 else { throw PosixError(call: "eventfd", errno: errno) }
        return fd
    }

    static func signalEvent(_ fd: Int32) {
        var one: UInt64 = 1
        _ = sysWrite(fd, &one, 8)
    }

    static func drainEvent(_ fd: Int32) {
        var v: UInt64 = 0
        _ = sysRead(fd, &v, 8)
    }

    /// Blocks SIGINT/SIGTERM/SIGHUP in this thread (and threads it creates later) and returns a signalfd for them.
    static func shutdownAndReloadSignals() throws(PosixError) -> Int32 {
        let fd = csaiga_signalfd_for_shutdown_and_reload()
        guard fd >= 0 else { throw PosixError(call: "signalfd", errno: errno) }
        return fd
    }

    /// The next pending signal on a signalfd, or nil.
    static func readSignal(_ fd: Int32) -> Int32? {
        let s = csaiga_read_signal(fd)
        return s > 0 ? s : nil
    }

    /// Raises the soft limit on open files to the hard limit (a server with many connections needs it) and returns
    /// the limit in force.
    @discardableResult
    static func raiseOpenFileLimit() -> Int {
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
    static func openSpare() -> Int32 {
        open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Starts a detached thread running `body`.
    static func spawnThread(_ body: @escaping @Sendable () -> Void) {
        final class Box: @unchecked Sendable {  // handed to exactly one new thread
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { arg in
            let b = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            b.body()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        pthread_detach(tid)
    }

    static func writeStderr(_ line: String) {
        var s = line + "\n"
        s.withUTF8 { _ = sysWrite(2, $0.baseAddress, $0.count) }
    }
}
