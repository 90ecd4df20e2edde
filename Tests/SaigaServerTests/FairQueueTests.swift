import Testing

@testable import SaigaServer

@Suite struct FairQueueTests {
    @Test("connections take turns; each connection's jobs keep their order")
    func roundRobin() {
        var q = FairQueue<String>()
        #expect(q.isEmpty && q.pop() == nil)
        for j in ["a1", "a2", "a3"] { q.push(j, connection: 1) }
        q.push("b1", connection: 2)
        for j in ["c1", "c2"] { q.push(j, connection: 3) }
        var order: [String] = []
        while let j = q.pop() { order.append(j) }
        #expect(order == ["a1", "b1", "c1", "a2", "c2", "a3"])
        #expect(q.isEmpty)
        // A connection that drained and comes back joins the end of the line.
        q.push("a4", connection: 1)
        q.push("b2", connection: 2)
        q.push("a5", connection: 1)
        #expect([q.pop(), q.pop(), q.pop(), q.pop()] == ["a4", "b2", "a5", nil])
    }

    @Test("against a reference model: random pushes and pops over 20 connections")
    func matchesReference() {
        var rng = SeededRandom(seed: 7)
        var q = FairQueue<Int>()
        var queues: [UInt64: [Int]] = [:]
        var turns: [UInt64] = []
        var next = 0
        for _ in 0..<20_000 {
            if Bool.random(using: &rng) || turns.isEmpty {
                let c = UInt64.random(in: 0..<20, using: &rng)
                if queues[c] == nil { turns.append(c) }
                queues[c, default: []].append(next)
                q.push(next, connection: c)
                next += 1
            } else {
                let c = turns.removeFirst()
                let expected = queues[c]!.removeFirst()
                if queues[c]!.isEmpty { queues[c] = nil } else { turns.append(c) }
                #expect(q.pop() == expected)
            }
        }
        #expect(q.isEmpty == turns.isEmpty)
    }
}
