/// Jobs waiting for a worker, served round-robin across connections: a client that pipelines a long backlog delays
/// any other client by at most one of its jobs per turn, not by the whole backlog. Within a connection, jobs run
/// in the order they arrived.
struct FairQueue<Job> {
    private var queues: [UInt64: FIFO<Job>] = [:]
    /// Connections with queued jobs, each once, in the order they get their next turn.
    private var turns = FIFO<UInt64>()

    var isEmpty: Bool { turns.isEmpty }

    mutating func push(_ job: Job, connection: UInt64) {
        if queues[connection] == nil {
            queues[connection] = FIFO()
            turns.push(connection)
        }
        queues[connection]!.push(job)
    }

    /// The next job: the oldest one of the connection whose turn it is.
    mutating func pop() -> Job? {
        guard let connection = turns.pop() else { return nil }
        let job = queues[connection]!.pop()!
        if queues[connection]!.isEmpty {
            queues[connection] = nil
        } else {
            turns.push(connection)
        }
        return job
    }
}

/// A first-in first-out queue on an array with a moving head (amortised O(1), storage reused).
struct FIFO<Element> {
    private var items: [Element] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }

    mutating func push(_ e: Element) { items.append(e) }

    mutating func pop() -> Element? {
        guard head < items.count else { return nil }
        let e = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024 && head * 2 > items.count {
            items.removeSubrange(0..<head)
            head = 0
        }
        return e
    }
}
