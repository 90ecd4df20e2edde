import Testing

@testable import Saiga

/// The numeric column: round trips over seeded random columns of every shape, and damaged bytes refused.
@Suite struct NumericColumnTests {
    private func roundTrip(_ values: [[Int64]], _ note: String) throws {
        let bytes = NumericColumn.encode(values)
        try bytes.withUnsafeBytes { buffer throws in
            var c = ByteCursor(buffer)
            let column = try NumericColumn(from: &c)
            #expect(c.isAtEnd, "\(note): the column reads exactly its bytes")
            #expect(column.count == values.count)
            #expect(column.isMultiValued == values.contains { $0.count > 1 })
            for (d, v) in values.enumerated() {
                #expect(column.value(d) == v.min(), "\(note): document \(d)")
                #expect(column.maxValue(d) == v.max(), "\(note): document \(d)")
                #expect(column.hasValue(d) == !v.isEmpty)
                var all: [Int64] = []
                column.forEachValue(d) { all.append($0) }
                #expect(all == v.sorted(), "\(note): document \(d)")
            }
            for b in 0..<column.blockCount {
                let slice = values[(b * NumericColumn.blockSize)..<min(values.count, (b + 1) * NumericColumn.blockSize)]
                    .joined()
                #expect(
                    column.blockRange(b) == (slice.isEmpty ? nil : slice.min()!...slice.max()!), "\(note) block \(b)")
            }
            try column.check()
            // Range checks in the packed domain agree with the decoded values, at and around the stored values,
            // the extremes, and empty ranges.
            var bounds: [Int64] = [.min, .min + 1, -1, 0, 1, .max - 1, .max]
            for v in values.joined().prefix(40) { bounds += [v &- 1, v, v &+ 1] }
            let ranges = bounds.flatMap { lo in bounds.filter { $0 >= lo }.prefix(6).map { lo...$0 } }
            for range in ranges.prefix(200) {
                guard let packed = column.packedCheck(range) else {
                    #expect(column.isMultiValued, "\(note): a single-valued column has packed checks")
                    break
                }
                for d in values.indices {
                    let expected = column.value(d).map { range.contains($0) } ?? false
                    #expect(packed.passes(d) == expected, "\(note): document \(d), range \(range)")
                }
            }
        }
    }

    @Test func narrowBlocksFollowTheDocumentOrder() throws {
        func column(_ values: [Int64]) throws -> Bool {
            try NumericColumn.encode(values.map { [$0] }).withUnsafeBytes { buffer throws in
                var c = ByteCursor(buffer)
                return try NumericColumn(from: &c).blocksAreNarrow
            }
        }
        var rng = SeededRandom(seed: 11)
        // Days of documents added over time: each block holds a short stretch of them.
        #expect(try column((0..<5000).map { 19_000 + Int64($0 / 40) }))
        // Years in no order: every block spans almost all of them.
        #expect(try !column((0..<5000).map { _ in Int64.random(in: 1950...2025, using: &rng) }))
        // One block, or one value: nothing to skip.
        #expect(try !column((0..<100).map { Int64($0) }))
        #expect(try !column([Int64](repeating: 7, count: 3000)))
    }

    @Test(arguments: 0..<45)
    func randomColumnsRoundTrip(seed: Int) throws {
        var rng = SeededRandom(seed: UInt64(seed) &* 7919 &+ 3)
        let count = [0, 1, 511, 512, 513, 1500, 5000][seed % 7]
        let missing = [0.0, 0.1, 0.9][seed % 3]
        let kind = seed % 9
        func value() -> Int64 {
            switch kind {
            case 0: return 42  // one value: 0 bits
            case 1: return Int64.random(in: 0...1, using: &rng)  // booleans
            case 2: return 86_400_000 * Int64.random(in: -20_000...20_000, using: &rng)  // dates at midnight: gcd
            case 3: return Int64.random(in: .min ... .max, using: &rng)  // the whole range: 64 bits
            case 4: return Int64.random(in: -5...5, using: &rng)
            case 5: return [Int64.min, Int64.max, 0][Int.random(in: 0..<3, using: &rng)]  // extremes
            case 6: return NumericColumn.sortableBits(Double.random(in: -1e6...1e6, using: &rng))
            case 7: return Int64.random(in: 0...(1 << 61), using: &rng)  // 62 bits: values straddle 8-byte words
            default: return 1_700_000_000_000 + Int64.random(in: 0..<1000, using: &rng) * 1000
            }
        }
        // Seeds 36 and up: multi-valued (0 to 3 values per document).
        let valuesPerDocument = seed >= 36 ? 0...3 : 1...1
        let values: [[Int64]] = (0..<count).map { _ in
            if Double.random(in: 0..<1, using: &rng) < missing { return [] }
            return (0..<Int.random(in: valuesPerDocument, using: &rng)).map { _ in value() }
        }
        try roundTrip(values, "seed \(seed), kind \(kind), \(count) documents")
    }

    @Test func sortableBitsPreserveTheOrderOfDoubles() {
        let doubles: [Double] = [
            -.infinity, -1e300, -1, -Double.leastNonzeroMagnitude, -0.0, 0.0,
            Double.leastNonzeroMagnitude, 1, 1e300, .infinity,
        ]
        let bits = doubles.map(NumericColumn.sortableBits)
        for (a, b) in zip(bits, bits.dropFirst()) { #expect(a < b) }
        for d in doubles {
            #expect(NumericColumn.double(sortableBits: NumericColumn.sortableBits(d)).bitPattern == d.bitPattern)
        }
    }

    /// Truncations and damaged headers are decode errors, never reads out of range.
    @Test func damagedColumnsAreRefused() throws {
        let values: [[Int64]] = (0..<1200).map { $0 % 7 == 0 ? [] : [Int64($0 * 3)] }
        let good = NumericColumn.encode(values)
        for cut in [0, 1, 2, 10, 40, good.count / 2, good.count - 1] {
            let bytes = Array(good.prefix(cut))
            bytes.withUnsafeBytes { buffer in
                var c = ByteCursor(buffer)
                #expect(throws: DecodeError.self, "cut at \(cut)") { _ = try NumericColumn(from: &c) }
            }
        }
        var damaged = good
        damaged[2] = 7  // presence kind
        damaged.withUnsafeBytes { buffer in
            var c = ByteCursor(buffer)
            #expect(throws: DecodeError.self) { _ = try NumericColumn(from: &c) }
        }
        // A block range that no longer matches the values: the checker says so.
        let headerEnd = good.count - ((1200 * 11 + 7) / 8 + 8) - 16 * 3  // 11 bits per value, 3 blocks
        var lied = good
        lied[headerEnd] ^= 0x01
        try lied.withUnsafeBytes { buffer throws in
            var cursor = ByteCursor(buffer)
            let column = try NumericColumn(from: &cursor)
            #expect(column.bitsPerValue == 11)
            #expect(throws: DecodeError.self) { try column.check() }
        }
    }
}
