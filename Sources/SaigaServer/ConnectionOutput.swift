import SaigaPosix
import Synchronization

/// The write side of one connection, shared by the event loop and the workers.
///
/// A worker that finishes a request writes the response to the socket itself, with one non-blocking `write`, instead
/// of handing it back to the loop: on a small VM a hand-off between threads costs as much as the search (a sleeping
/// thread takes 20–30 µs to wake). Whatever the socket does not take at once stays in `pending` for the loop, which
/// owns the descriptor's epoll registration and finishes the write when the socket becomes writable; so a slow
/// reader still never holds a worker.
///
/// Everything touching the descriptor happens under `state`'s lock, and closing marks the state closed under the
/// same lock, so a worker can never write to a descriptor number the kernel has already handed to a new
/// connection. Whole frames are appended under the lock, so responses never interleave inside a frame.
final class ConnectionOutput: Sendable {
    struct State {
        var fd: Int32
        var pending: [UInt8] = []
        var start = 0
        var closed = false
        var pendingCount: Int { pending.count - start }
    }

    /// What a write left behind.
    enum WriteOutcome {
        /// Everything was written.
        case done
        /// Some bytes wait in `pending`: the loop must wait for the socket to become writable.
        case pending
        /// The connection is closed or the peer reset it; the bytes were dropped.
        case closed
    }

    let connection: UInt64
    private let state: Mutex<State>
    /// Requests handed to workers whose work is not finished (their answer may still be being written): the
    /// connection is closed only when this is 0.
    let inFlight = Atomic<Int>(0)
    /// Requests handed to workers and not yet answered: the in-flight limit counts these, decremented before the
    /// answer is written, so a client that got an answer may send the next request at once.
    let unanswered = Atomic<Int>(0)
    /// Set by the loop when it must hear about the last answer (the peer hung up, or the server is draining):
    /// the worker that brings `inFlight` to zero then queues a notice and wakes the loop.
    let loopWaitsForIdle = Atomic<Bool>(false)

    init(connection: UInt64, fd: Int32) {
        self.connection = connection
        self.state = Mutex(State(fd: fd))
    }

    /// Appends a complete frame and writes as much of the pending output as the socket takes now.
    func send(_ frame: [UInt8]) -> WriteOutcome {
        state.withLock { s in
            guard !s.closed else { return .closed }
            if s.pendingCount == 0 {
                // The common case: nothing queued, write straight from the caller's buffer.
                let written: Int
                switch frame.withUnsafeBytes({ Posix.write(s.fd, $0) }) {
                case .bytes(let n): written = n
                case .wouldBlock: written = 0
                case .closed: return .closed
                }
                if written == frame.count { return .done }
                s.pending.removeAll(keepingCapacity: true)
                s.start = 0
                s.pending.append(contentsOf: frame[written...])
                return .pending
            }
            s.pending.append(contentsOf: frame)
            return Self.writePending(&s)
        }
    }

    /// Writes as much pending output as the socket takes now.
    func flush() -> WriteOutcome {
        state.withLock { s in s.closed ? .closed : Self.writePending(&s) }
    }

    /// Bytes not yet written.
    var pendingCount: Int { state.withLock { $0.pendingCount } }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Closes the descriptor (once); later writes are dropped.
    func close() {
        state.withLock { s in
            guard !s.closed else { return }
            s.closed = true
            s.pending = []
            s.start = 0
            Sys.close(s.fd)
        }
    }

    private static func writePending(_ s: inout State) -> WriteOutcome {
        while s.pendingCount > 0 {
            let r = s.pending.withUnsafeBytes { Posix.write(s.fd, UnsafeRawBufferPointer(rebasing: $0[s.start...])) }
            switch r {
            case .bytes(let n): s.start += n
            case .wouldBlock: return .pending
            case .closed: return .closed
            }
        }
        s.pending.removeAll(keepingCapacity: s.pending.capacity <= 1 << 20)
        s.start = 0
        return .done
    }
}
