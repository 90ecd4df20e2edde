import Testing

@testable import Saiga

/// Range lookups over the point index against a brute-force scan, on seeded random fields.
@Suite struct PointIndexTests {
    @Test(arguments: 0..<30)
    func rangesMatchABruteForceScan(seed: Int) throws {
        var rng = SeededRandom(seed: UInt64(seed) &* 31 &+ 5)
        let maxDoc = [1, 10, 700, 3000][seed % 4]
        let spread: Int64 = [3, 1000, 1 << 40][seed % 3]
        var pairs: [(doc: Int32, value: Int64)] = []
        for d in 0..<maxDoc {
            // Some documents have no value, some several.
            for _ in 0..<[0, 1, 1, 2, 3][Int.random(in: 0..<5, using: &rng)] {
                pairs.append((Int32(d), Int64.random(in: -spread...spread, using: &rng)))
            }
        }
        let bytes = PointIndex.encode(pairs, maxDoc: maxDoc)
        try bytes.withUnsafeBytes { buffer throws in
            var c = ByteCursor(buffer)
            let index = try PointIndex(from: &c)
            #expect(c.isAtEnd)
            try index.check()
            let words = (maxDoc + 63) / 64
            let bits = UnsafeMutablePointer<UInt64>.allocate(capacity: words)
            defer { bits.deallocate() }
            var ranges: [ClosedRange<Int64>] = [
                Int64.min...Int64.max, 0...0, (spread + 1)...(spread + 10),
                (-spread - 10)...(-spread - 1),
            ]
            for _ in 0..<20 {
                let a = Int64.random(in: (-spread - 2)...(spread + 2), using: &rng)
                let b = Int64.random(in: (-spread - 2)...(spread + 2), using: &rng)
                ranges.append(min(a, b)...max(a, b))
            }
            for range in ranges {
                bits.initialize(repeating: 0, count: words)
                let matched = index.collect(range, into: bits)
                let expectedPairs = pairs.filter { range.contains($0.value) }
                let expectedDocs = Set(expectedPairs.map { Int($0.doc) })
                let gotDocs = Set((0..<maxDoc).filter { bits[$0 >> 6] >> UInt64($0 & 63) & 1 == 1 })
                #expect(gotDocs == expectedDocs, "seed \(seed), range \(range)")
                #expect(matched == expectedPairs.count, "seed \(seed), range \(range)")
            }
        }
    }

    @Test func damagedIndexesAreRefused() throws {
        let pairs = (0..<2000).map { (doc: Int32($0 % 900), value: Int64($0 * 7 % 1301)) }
        let good = PointIndex.encode(pairs, maxDoc: 900)
        for cut in [0, 1, 5, 30, good.count / 2, good.count - 1] {
            Array(good.prefix(cut)).withUnsafeBytes { buffer in
                var c = ByteCursor(buffer)
                #expect(throws: DecodeError.self, "cut at \(cut)") { _ = try PointIndex(from: &c) }
            }
        }
        // A block table entry that lies: decodable, refused by the checker.
        var lied = good
        let tableStart = 2 + 2 + 8 + 1 + 1 + 1  // points (VInt 2000), maxDoc (VInt 900), min, two widths, blocks
        lied[tableStart] ^= 1
        try lied.withUnsafeBytes { buffer throws in
            var c = ByteCursor(buffer)
            let index = try PointIndex(from: &c)
            #expect(index.blockCount == 4)
            #expect(throws: DecodeError.self) { try index.check() }
        }
    }
}
