import Testing

@testable import Saiga

/// The keyword column: round trips over seeded single- and multi-valued columns, lookups, and damage refused.
@Suite struct KeywordColumnTests {
    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    private func read(_ column: KeywordColumn, _ doc: Int) -> [[UInt8]] {
        var out: [[UInt8]] = []
        column.forEachOrdinal(doc) { out.append(Array(column.value($0))) }
        return out
    }

    @Test(arguments: 0..<20)
    func randomColumnsRoundTrip(seed: Int) throws {
        var rng = SeededRandom(seed: UInt64(seed) &+ 0xBEEF)
        let vocabulary = (0..<[1, 3, 40, 600][seed % 4]).map { i in
            Array("v\(i)-".utf8)
                + (0..<Int.random(in: 0...6, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
        let count = [0, 1, 100, 2000][(seed / 4) % 4]
        let multi = seed % 3 != 0
        let docs: [[[UInt8]]] = (0..<count).map { _ in
            let n = multi ? Int.random(in: 0...4, using: &rng) : Int.random(in: 0...1, using: &rng)
            return (0..<n).map { _ in vocabulary.randomElement(using: &rng)! }
        }
        let encoded = KeywordColumn.encode(docs)
        try encoded.withUnsafeBytes { buffer throws in
            var c = ByteCursor(buffer)
            let column = try KeywordColumn(from: &c)
            #expect(c.isAtEnd, "seed \(seed)")
            try column.check()
            let distinct = Set(docs.joined())
            #expect(column.valueCount == distinct.count, "seed \(seed)")
            #expect(column.isMultiValued == docs.contains { Set($0).count > 1 })
            for (d, values) in docs.enumerated() {
                let expected = Set(values).sorted { $0.lexicographicallyPrecedes($1) }
                #expect(read(column, d) == expected, "seed \(seed), document \(d)")
            }
            for v in distinct {
                let ord = v.withUnsafeBytes { column.ordinal(of: $0) }
                #expect(ord.map { Array(column.value($0)) } == v, "seed \(seed)")
            }
            #expect(Array("absent".utf8).withUnsafeBytes { column.ordinal(of: $0) } == nil)
            // Each block's ordinal bounds are its documents' smallest and largest.
            for b in 0..<column.blockCount {
                var ords: [Int] = []
                for d in (b * NumericColumn.blockSize)..<min(count, (b + 1) * NumericColumn.blockSize) {
                    column.forEachOrdinal(d) { ords.append($0) }
                }
                #expect(column.blockOrdinals(b) == ords.min().map { $0...ords.max()! }, "seed \(seed), block \(b)")
            }
            // Where any value falls among the segment's: present ones exactly, others between their neighbours.
            let sortedValues = distinct.sorted { $0.lexicographicallyPrecedes($1) }
            for probe in Array(distinct) + vocabulary.map({ $0 + [0] }) + [[], [255, 255]] {
                let (ordinal, exact) = probe.withUnsafeBytes { column.lowerBound($0) }
                let expected = sortedValues.firstIndex { !$0.lexicographicallyPrecedes(probe) } ?? sortedValues.count
                #expect(ordinal == expected, "seed \(seed)")
                #expect(exact == (expected < sortedValues.count && sortedValues[expected] == probe), "seed \(seed)")
            }
        }
    }

    @Test func valuesSortByBytesAndDocumentsKeepSets() throws {
        let docs = [[bytes("Astana"), bytes("almaty")], [], [bytes("almaty"), bytes("almaty")], [bytes("Ürgench")]]
        try KeywordColumn.encode(docs).withUnsafeBytes { buffer throws in
            var c = ByteCursor(buffer)
            let column = try KeywordColumn(from: &c)
            #expect(
                (0..<column.valueCount).map { String(decoding: column.value($0), as: UTF8.self) }
                    == ["Astana", "almaty", "Ürgench"])
            #expect(read(column, 0).count == 2 && read(column, 1).isEmpty && read(column, 2) == [bytes("almaty")])
        }
    }

    @Test func damagedColumnsAreRefused() throws {
        let docs: [[[UInt8]]] = (0..<300).map { d in d % 5 == 0 ? [] : [bytes("tag\(d % 7)"), bytes("x\(d % 3)")] }
        let good = KeywordColumn.encode(docs)
        for cut in [0, 1, 3, 20, good.count / 2, good.count - 1] {
            Array(good.prefix(cut)).withUnsafeBytes { buffer in
                var c = ByteCursor(buffer)
                #expect(throws: DecodeError.self, "cut at \(cut)") { _ = try KeywordColumn(from: &c) }
            }
        }
        // Swap two values' order: decodable, but the checker refuses it.
        var swapped = good
        let valuesStart = 2 + 1 + 4 * (10 + 1)  // count (a 2-byte VInt), value count (1 byte), 11 offsets
        #expect(Array(good[valuesStart..<(valuesStart + 4)]) == bytes("tag0"))
        swapped[valuesStart + 3] = 0x39  // "tag0" → "tag9": no longer before "tag1"
        try swapped.withUnsafeBytes { buffer throws in
            var c = ByteCursor(buffer)
            let column = try KeywordColumn(from: &c)
            #expect(column.valueCount == 10)
            #expect(throws: DecodeError.self) { try column.check() }
        }
        // A block table that claims other ordinals than the documents hold (the last 8 bytes: the one block's
        // smallest and largest ordinal): decodable, refused by the checker, as a sort would skip by it.
        var widened = good
        #expect(Array(good.suffix(8)) == [0, 0, 0, 0, 9, 0, 0, 0])
        widened[widened.count - 8] = 1
        try widened.withUnsafeBytes { buffer throws in
            var c = ByteCursor(buffer)
            let column = try KeywordColumn(from: &c)
            #expect(column.blockOrdinals(0) == 1...9)
            #expect(throws: DecodeError.self) { try column.check() }
        }
    }
}
