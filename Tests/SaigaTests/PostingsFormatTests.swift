import Foundation
import Testing

@testable import Saiga

/// Round trips of the postings' on-disk records (`SkipEntry`, `ImpactFrontier`, `NibblePair`) through the one type
/// that writes and reads each, and the storage report over damaged postings.
@Suite struct PostingsFormatTests {
    @Test func skipEntryRoundTripsThroughEveryReader() throws {
        let entries = [
            SkipEntry(lastDoc: 0, blockSize: 0, maxTf: 0, minNorm: 0),
            SkipEntry(lastDoc: 127, blockSize: 300, maxTf: 3, minNorm: 17),
            SkipEntry(lastDoc: .max, blockSize: .max, maxTf: .max, minNorm: .max),
            SkipEntry(lastDoc: 0x0102_0304, blockSize: 0x0506, maxTf: 0x07, minNorm: 0x08),
        ]
        var w = ByteWriter()
        for e in entries { e.write(to: &w) }
        #expect(w.count == entries.count * SkipEntry.size)
        // Little-endian, fields in the documented order.
        #expect(Array(w.bytes[24..<32]) == [0x04, 0x03, 0x02, 0x01, 0x06, 0x05, 0x07, 0x08])
        try w.bytes.withUnsafeBytes { buffer throws in
            let base = buffer.baseAddress!
            var c = ByteCursor(buffer)
            for (i, e) in entries.enumerated() {
                let at = i * SkipEntry.size
                #expect(SkipEntry(at: at, in: base) == e)
                #expect(try SkipEntry(from: &c) == e)
                #expect(SkipEntry.lastDoc(at: at, in: base) == e.lastDoc)
                #expect(SkipEntry.blockSize(at: at, in: base) == Int(e.blockSize))
                #expect(SkipEntry.maxTf(at: at, in: base) == e.maxTf)
                #expect(SkipEntry.minNorm(at: at, in: base) == e.minNorm)
            }
            #expect(c.isAtEnd)
            var short = ByteCursor(UnsafeRawBufferPointer(rebasing: buffer[0..<(SkipEntry.size - 1)]))
            #expect(throws: DecodeError.self) { try SkipEntry(from: &short) }
        }
    }

    @Test func nibblePairsRoundTripWithEscapes() throws {
        let pairs = [(0, 0), (14, 14), (15, 0), (0, 15), (15, 15), (16, 300), (70_000, 1), (Int(UInt32.max), 14)]
        var w = ByteWriter()
        for (h, l) in pairs { NibblePair(high: h, low: l).write(to: &w) }
        #expect(w.bytes[0] == 0x00 && w.bytes[1] == 0xEE)
        try w.bytes.withUnsafeBytes { buffer throws in
            var c = ByteCursor(buffer)
            for (h, l) in pairs { #expect(try c.readNibblePair() == NibblePair(high: h, low: l)) }
            #expect(c.isAtEnd)
        }
    }

    /// Random blocks (seed printed on failure): the frontier is the exact Pareto frontier when it fits, a valid
    /// bound always (every document dominated by a point), and it round-trips.
    @Test(arguments: 0..<40)
    func impactFrontierIsAValidBoundAndRoundTrips(seed: Int) throws {
        var rng = SeededRandom(seed: UInt64(seed) &* 0x9E37_79B9 &+ 1)
        let docs = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
        let freqs = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
        defer {
            docs.deallocate()
            freqs.deallocate()
        }
        let normRange = [1, 4, 40, 256][seed % 4]
        let tfRange: UInt32 = [1, 3, 50, 100_000][(seed / 4) % 4]
        var norms = (0..<300).map { _ in UInt8(Int.random(in: 0..<normRange, using: &rng)) }
        if seed % 7 == 0 { norms = [] }  // a field without norms: every document has norm 0
        for i in 0..<128 {
            docs[i] = UInt32(i * 2 + Int.random(in: 0...1, using: &rng))
            freqs[i] = UInt32.random(in: 1...tfRange, using: &rng)
        }
        let frontier = ImpactFrontier(docs: docs, freqs: freqs, norms: norms)
        let points = frontier.points
        #expect(!points.isEmpty && points.count <= ImpactFrontier.maxPoints, "seed \(seed)")
        for (a, b) in zip(points, points.dropFirst()) {
            #expect(a.tf < b.tf && a.norm < b.norm, "seed \(seed): not increasing")
        }
        // Brute force: every document is dominated (tf ≤, norm ≥) by some point.
        var exact: [ImpactFrontier.Point] = []
        for i in 0..<128 {
            let norm = Int(docs[i]) < norms.count ? norms[Int(docs[i])] : 0
            #expect(points.contains { $0.tf >= freqs[i] && $0.norm <= norm }, "seed \(seed): doc \(i) not bounded")
            exact.append(ImpactFrontier.Point(tf: freqs[i], norm: norm))
        }
        let pareto = Set(
            exact.filter { p in
                !exact.contains { q in q != p && q.tf >= p.tf && q.norm <= p.norm }
            }.map { "\($0.tf)/\($0.norm)" })
        if pareto.count <= ImpactFrontier.maxPoints {
            #expect(Set(points.map { "\($0.tf)/\($0.norm)" }) == pareto, "seed \(seed): not the exact frontier")
        }

        var w = ByteWriter()
        frontier.write(to: &w)
        w.writeU8(0xAB)  // the block's documents follow
        try w.bytes.withUnsafeBytes { buffer throws in
            var c = ByteCursor(buffer)
            let decoded = try ImpactFrontier.read(from: &c)
            // One point is stored as count 0: the skip entry's corner stands for it.
            #expect(decoded.points == (points.count == 1 ? [] : points), "seed \(seed)")
            #expect(c.position == w.count - 1)
            #expect(ImpactFrontier.end(in: buffer.baseAddress!, blockStart: 0, blockEnd: w.count) == w.count - 1)
            // No room for the documents, or a frontier cut short: unreadable, never read past the end.
            #expect(ImpactFrontier.end(in: buffer.baseAddress!, blockStart: 0, blockEnd: w.count - 1) == nil)
            if w.count > 2 {
                #expect(ImpactFrontier.end(in: buffer.baseAddress!, blockStart: 0, blockEnd: w.count - 2) == nil)
            }
        }
    }

    @Test func aFrontierWhoseNormsPass255IsRefused() throws {
        // Two points: (1, 200), then Δnorm − 1 = 100 (escaped): norm 301.
        var w = ByteWriter()
        w.writeU8(2)
        w.writeVInt(UInt64(1))
        w.writeU8(200)
        NibblePair(high: 0, low: 100).write(to: &w)
        w.writeU8(0)
        try w.bytes.withUnsafeBytes { buffer throws in
            var c = ByteCursor(buffer)
            #expect(throws: DecodeError.self) { try ImpactFrontier.read(from: &c) }
            // The cursor's skip reads lengths only: the bytes are well formed, so it finds the documents.
            #expect(ImpactFrontier.end(in: buffer.baseAddress!, blockStart: 0, blockEnd: w.count) == w.count - 1)
        }
    }

    // MARK: - The storage report

    /// 300 documents share "common" (two full blocks and a tail), a few share "rare".
    private func buildBlockIndex(at path: String) throws {
        try buildIndex(
            (0..<300).map { i in
                Document(
                    id: "d\(i)",
                    body: "common " + String(repeating: "filler ", count: i % 7) + (i % 50 == 0 ? "rare" : ""))
            }, at: path)
    }

    @Test func storageReportAccountsForEveryPosting() throws {
        let dir = TemporaryDirectory("saiga-report")
        defer { dir.cleanup() }
        try buildBlockIndex(at: dir.path)
        let reader = try IndexReader(path: dir.path)
        let r = try reader.storageReport()
        // "common" (300 documents) and "filler" (257: every document but i % 7 == 0) have two full blocks each.
        #expect(r.blockTerms == 2)
        #expect(r.blockPostings == 512 && r.skipBytes == 4 * SkipEntry.size)
        #expect(r.singletonTerms + r.tailOnlyTerms + r.blockTerms > 0)
        #expect(r.blockPostings + r.tailPostings + r.singletonTerms == reader.statistics.postings)
        let post = reader.segments[0].postings.count - FileHeader.size - FileFooter.size
        #expect(r.skipBytes + r.docBitBytes + r.freqBitBytes + r.blockHeaderBytes + r.impactBytes + r.tailBytes == post)
        #expect(r.tailBytes > 0 && r.docBitBytes > 0 && r.blockHeaderBytes == 8)
    }

    /// A skip entry whose block size points past the file, or a block whose document bit width runs past the
    /// block, with every checksum recomputed: the report says the postings are corrupt instead of reading out of
    /// range.
    @Test(arguments: ["block size", "doc bits"])
    func storageReportRefusesDamagedBlocks(damage: String) throws {
        let dir = TemporaryDirectory("saiga-report")
        defer { dir.cleanup() }
        try buildBlockIndex(at: dir.path)
        let meta = try #require(
            try Array("common".utf8).withUnsafeBytes { term throws in
                try IndexReader(path: dir.path).segments[0].lookup(field: BuiltinFields.bodyField, term: term)
            })
        #expect(meta.blockCount == 2)
        let url = URL(fileURLWithPath: dir.file("_0.post"))
        var data = try Data(contentsOf: url)
        let blocksStart = meta.docOffset + 2 * SkipEntry.size
        if damage == "block size" {
            // The second block's size, made huge.
            data[meta.docOffset + SkipEntry.size + SkipEntry.blockSizeOffset] = 0xF0
            data[meta.docOffset + SkipEntry.size + SkipEntry.blockSizeOffset + 1] = 0xF0
        } else {
            // Every document has tf 1, so the first block's frontier is the corner alone (count 0), and its
            // documents' bit width follows: 200 bits claim 3,200 bytes.
            #expect(data[blocksStart] == 0)
            data[blocksStart + 1] = 200
        }
        try data.write(to: url)
        try resealSegment(index: dir.path, segment: "_0")
        let reader = try IndexReader(path: dir.path)
        #expect {
            _ = try reader.storageReport()
        } throws: { error in
            (error as? SaigaError)?.code == .corruptIndex && "\(error)".contains("_0.post")
        }
    }
}
