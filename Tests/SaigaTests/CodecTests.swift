import Foundation
import Testing

@testable import Saiga

@Suite struct CodecTests {
    @Test(arguments: Array(0...32))
    func bitPackingRoundTrips(bitWidth: Int) {
        var rng = SeededRandom(seed: UInt64(bitWidth) &+ 7)
        let maxValue: UInt32 = bitWidth == 32 ? .max : (UInt32(1) << UInt32(bitWidth)) &- 1
        let patterns: [[UInt32]] = [
            (0..<128).map { _ in maxValue == 0 ? 0 : UInt32.random(in: 0...maxValue, using: &rng) },
            [UInt32](repeating: maxValue, count: 128),
            (0..<128).map { $0 % 2 == 0 ? maxValue : 0 },
            (0..<128).map { UInt32($0) & maxValue },
        ]
        for values in patterns {
            #expect(values.withUnsafeBufferPointer { BitPacking.bitWidth($0.baseAddress!) } <= bitWidth)
            let packed = UnsafeMutableRawPointer.allocate(byteCount: 512 + 16, alignment: 16)
            let out = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
            defer {
                packed.deallocate()
                out.deallocate()
            }
            // A guard value after the packed bytes must survive: pack writes exactly 16 * bitWidth bytes.
            packed.storeBytes(of: 0xDEAD_BEEF, toByteOffset: 16 * bitWidth, as: UInt32.self)
            values.withUnsafeBufferPointer { BitPacking.pack($0.baseAddress!, bitWidth: bitWidth, into: packed) }
            #expect(packed.load(fromByteOffset: 16 * bitWidth, as: UInt32.self) == 0xDEAD_BEEF)
            BitPacking.unpack(packed, bitWidth: bitWidth, into: out)
            #expect(Array(UnsafeBufferPointer(start: out, count: 128)) == values)
        }
    }

    @Test func vintRoundTripsAndRejectsGarbage() throws {
        let values: [UInt64] = [0, 1, 127, 128, 255, 16_383, 16_384, 1 << 31, UInt64(UInt32.max), 1 << 40, UInt64.max]
        var w = ByteWriter()
        for v in values { w.writeVInt(v) }
        #expect(w.count == values.reduce(0) { $0 + vintSize($1) })
        try w.bytes.withUnsafeBytes { buf throws in
            var c = ByteCursor(buf)
            for v in values { #expect(try c.readVInt() == v) }
            #expect(c.isAtEnd)
        }
        // Eleven continuation bytes: too long. A truncated VInt: end of data.
        let tooLong = [UInt8](repeating: 0xFF, count: 11)
        tooLong.withUnsafeBytes { buf in
            var c = ByteCursor(buf)
            #expect(throws: DecodeError.self) { try c.readVInt() }
        }
        [UInt8]([0x80, 0x80]).withUnsafeBytes { buf in
            var c = ByteCursor(buf)
            #expect(throws: DecodeError.self) { try c.readVInt() }
        }
        // A VInt beyond 32 bits where 32 are expected.
        var big = ByteWriter()
        big.writeVInt(UInt64(UInt32.max) + 1)
        big.bytes.withUnsafeBytes { buf in
            var c = ByteCursor(buf)
            #expect(throws: DecodeError.self) { try c.readVInt32() }
        }
    }

    @Test func smallFloatMatchesLucene() {
        // Vectors from Lucene's SmallFloat (FORMAT-NOTES.md §3).
        for (length, byte, decoded) in [
            (50, 45, 50), (100, 57, 96), (500, 78, 472), (1000, 87, 984), (10000, 113, 9240),
        ] {
            #expect(SmallFloat.intToByte4(length) == UInt8(byte))
            #expect(SmallFloat.byte4ToInt(UInt8(byte)) == decoded)
        }
        #expect(SmallFloat.numFreeValues == 24)
        for i in 0...40 { #expect(SmallFloat.byte4ToInt(SmallFloat.intToByte4(i)) == i) }
        // Monotonic and rounding down everywhere.
        var previous: UInt8 = 0
        for i in stride(from: 0, to: 5_000_000, by: 997) {
            let b = SmallFloat.intToByte4(i)
            #expect(b >= previous)
            #expect(SmallFloat.byte4ToInt(b) <= i)
            previous = b
        }
        #expect(SmallFloat.intToByte4(Int(Int32.max)) == 255)
    }

    @Test func crcMatchesKnownValue() {
        let bytes = Array("123456789".utf8)
        #expect(bytes.withUnsafeBytes { CRC32.checksum($0) } == 0xCBF4_3926)
    }

    @Test func deflateRoundTrips() throws {
        var rng = SeededRandom(seed: 5)
        let text = (0..<5000).map { _ in RandomCorpus.word(&rng) }.joined(separator: " ")
        let input = Array(text.utf8)
        let compressed = try #require(input.withUnsafeBytes { Deflate.compress($0, level: 6) })
        #expect(compressed.count < input.count / 2)
        var out = [UInt8](repeating: 0, count: input.count)
        let ok = compressed.withUnsafeBytes { c in
            out.withUnsafeMutableBytes { Deflate.decompress(c, expectedSize: input.count, into: $0.baseAddress!) }
        }
        #expect(ok)
        #expect(out == input)
        // Corrupt data does not decompress (and does not crash).
        var bad = compressed
        bad[bad.count / 2] ^= 0xFF
        let badOK = bad.withUnsafeBytes { c in
            out.withUnsafeMutableBytes { Deflate.decompress(c, expectedSize: input.count, into: $0.baseAddress!) }
        }
        #expect(!badOK)
    }
}

/// Postings written by the encoder and read back by the iterator, for list lengths around the 128-document block
/// size and for large document-number gaps.
@Suite struct PostingsRoundTripTests {
    struct Posting: Equatable {
        var doc: Int32
        var positions: [Int]
    }

    /// Encodes `lists` (one per term) into .post/.pos files and returns what the iterator reads back.
    func roundTrip(_ lists: [[Posting]], maxDoc: Int) throws -> [[Posting]] {
        try withEncoded(lists, maxDoc: maxDoc) { iterators in
            var result: [[Posting]] = []
            let buf = UnsafeMutablePointer<UInt32>.allocate(capacity: 4096)
            defer { buf.deallocate() }
            for make in iterators {
                guard let it = make() else {
                    result.append([])
                    continue
                }
                var list: [Posting] = []
                while it.nextDoc() != PostingsIterator.noMoreDocs {
                    let n = it.positions(into: buf)
                    #expect(n == Int(it.freq))
                    list.append(Posting(doc: it.doc, positions: (0..<n).map { Int(buf[$0]) }))
                }
                #expect(!it.isCorrupt)
                result.append(list)
            }
            return result
        }
    }

    /// Encodes `lists` (one per term) into .post/.pos files and calls `body` with, per list, a function that opens a
    /// fresh iterator over it (nil for an empty list).
    func withEncoded<T>(_ lists: [[Posting]], maxDoc: Int, _ body: ([() -> PostingsIterator?]) throws -> T) throws -> T
    {
        let dir = TemporaryDirectory("saiga-postings")
        defer { dir.cleanup() }
        var buffer = PostingsBuffer()
        defer { buffer.deallocate() }
        buffer.withPositions = true
        buffer.currentField = 2
        // Feed the buffer document by document, as the writer does.
        var byDoc: [Int32: [(Int, [Int])]] = [:]
        for (t, list) in lists.enumerated() { for p in list { byDoc[p.doc, default: []].append((t, p.positions)) } }
        var termIDs: [Int] = []
        for doc in byDoc.keys.sorted() {
            buffer.currentDoc = doc
            for (t, positions) in byDoc[doc]! {
                let word = Array("t\(t)".utf8)
                for pos in positions { word.withUnsafeBytes { buffer.token($0, position: pos, start: 0, end: 0) } }
            }
        }
        for t in lists.indices {
            let word = Array("t\(t)".utf8)
            termIDs.append(word.withUnsafeBytes { buffer.find(2, $0) } ?? -1)
        }
        buffer.closeAllEntries()
        let directory = try IndexDirectory(path: dir.path)
        let post = try directory.createOutput("x.post")
        let pos = try directory.createOutput("x.pos")
        let id = SegmentID.random()
        try FileHeader.write(post, kind: .postings, id: id)
        try FileHeader.write(pos, kind: .positions, id: id)
        var encoder = PostingsEncoder(postOut: post, posOut: pos)
        var metas: [TermMeta?] = []
        for t in termIDs {
            metas.append(t < 0 ? nil : try encoder.encodeTerm(postings: buffer, term: t, norms: [], positions: true))
        }
        try FileFooter.write(post)
        try FileFooter.write(pos)
        try post.finish(sync: false)
        try pos.finish(sync: false)
        let postFile = try directory.openInput("x.post")
        let posFile = try directory.openInput("x.pos")
        let makers: [() -> PostingsIterator?] = metas.map { meta in
            {
                guard let meta else { return nil }
                return PostingsIterator(
                    postings: postFile.bytes, positions: posFile.bytes, maxDoc: maxDoc, meta: meta,
                    hasPositions: true)
            }
        }
        return try withExtendedLifetime((postFile, posFile)) { try body(makers) }
    }

    /// Term metadata from a damaged, unverified dictionary can put a term's skip entries anywhere, including offsets
    /// whose sum with the entries' size wraps around. The cursor must see that before reading a byte.
    @Test func damagedTermOffsetsAreCaughtBeforeAnyRead() throws {
        let list = (0..<300).map { Posting(doc: Int32($0 * 3), positions: [1]) }
        try withEncoded([list], maxDoc: 1000) { makers in
            let good = try #require(makers[0]())
            let meta = good.cursor.pointee.meta
            let postEnd = good.cursor.pointee.postEnd
            let damaged: [TermMeta] = [
                TermMeta(
                    docFreq: meta.docFreq, totalTermFreq: meta.totalTermFreq, docOffset: Int.max - 8,
                    posOffset: meta.posOffset, singletonDoc: 0),
                TermMeta(
                    docFreq: meta.docFreq, totalTermFreq: meta.totalTermFreq, docOffset: -5,
                    posOffset: meta.posOffset, singletonDoc: 0),
                TermMeta(
                    docFreq: meta.docFreq, totalTermFreq: meta.totalTermFreq, docOffset: postEnd + 1,
                    posOffset: meta.posOffset, singletonDoc: 0),
                TermMeta(
                    docFreq: Int(Int32.max) - 1, totalTermFreq: Int(Int32.max), docOffset: meta.docOffset,
                    posOffset: meta.posOffset, singletonDoc: 0),
            ]
            for m in damaged {
                let postings = UnsafeRawBufferPointer(start: good.cursor.pointee.post, count: postEnd + FileFooter.size)
                let it = PostingsIterator(
                    postings: postings, positions: UnsafeRawBufferPointer(start: nil, count: 0),
                    maxDoc: 1000, meta: m, hasPositions: false)
                #expect(it.isCorrupt, "docOffset \(m.docOffset), docFreq \(m.docFreq)")
                #expect(it.nextDoc() == PostingsIterator.noMoreDocs)
                #expect(it.advance(to: 500) == PostingsIterator.noMoreDocs)
            }
            // A damaged positions offset: documents still read, positions come back empty and mark the cursor.
            for posOffset in [Int.max - 2, -7, Int.min + 3] {
                let m = TermMeta(
                    docFreq: meta.docFreq, totalTermFreq: meta.totalTermFreq, docOffset: meta.docOffset,
                    posOffset: posOffset, singletonDoc: 0)
                let it = PostingsIterator(
                    postings: UnsafeRawBufferPointer(
                        start: good.cursor.pointee.post,
                        count: postEnd + FileFooter.size),
                    positions: UnsafeRawBufferPointer(
                        start: good.cursor.pointee.pos,
                        count: good.cursor.pointee.posEnd + FileFooter.size),
                    maxDoc: 1000, meta: m, hasPositions: true)
                #expect(it.nextDoc() == 0)
                let buf = UnsafeMutablePointer<UInt32>.allocate(capacity: 64)
                defer { buf.deallocate() }
                #expect(it.positions(into: buf) == 0)
                #expect(it.isCorrupt)
            }
        }
    }

    /// Dense lists (gaps of 1 or 2 and now and then a long one: the encoder stores such blocks as bit sets, smaller
    /// than bit-packed gaps as wide as the longest) read back exactly, by `nextDoc`,
    /// by `advance` to random targets, and by both mixed, with frequencies and positions.
    @Test(arguments: [1, 2, 3])
    func denseBlocks(seed: Int) throws {
        var rng = SeededRandom(seed: UInt64(100 + seed))
        var doc: Int32 = -1
        var list: [Posting] = []
        for _ in 0..<1000 {
            doc +=
                Int.random(in: 0..<50, using: &rng) == 0
                ? Int32.random(in: 16...40, using: &rng)
                : Int32.random(in: 1...2, using: &rng)
            let freq = Int.random(in: 1...(Int.random(in: 0..<10, using: &rng) == 0 ? 40 : 3), using: &rng)
            var p = -1
            list.append(
                Posting(
                    doc: doc,
                    positions: (0..<freq).map { _ in
                        p += Int.random(in: 1...9, using: &rng)
                        return p
                    }))
        }
        let maxDoc = Int(doc) + 10
        try withEncoded([list], maxDoc: maxDoc) { makers in
            let buf = UnsafeMutablePointer<UInt32>.allocate(capacity: 4096)
            defer { buf.deallocate() }
            // Sequential.
            var it = try #require(makers[0]())
            var back: [Posting] = []
            while it.nextDoc() != PostingsIterator.noMoreDocs {
                let n = it.positions(into: buf)
                back.append(Posting(doc: it.doc, positions: (0..<n).map { Int(buf[$0]) }))
            }
            #expect(back == list)
            #expect(!it.isCorrupt)
            // Random advances and next steps against the list itself.
            let docs = list.map(\.doc)
            for round in 0..<50 {
                it = try #require(makers[0]())
                var target: Int32 = 0
                while true {
                    let step = Int32.random(in: 0...(round % 2 == 0 ? 12 : 400), using: &rng)
                    let d: Int32
                    var expectedIndex: Int?
                    if step == 0 && it.doc >= 0 && it.doc != PostingsIterator.noMoreDocs {
                        d = it.nextDoc()
                        let i = docs.firstIndex(of: target)!
                        expectedIndex = i + 1 < docs.count ? i + 1 : nil
                    } else {
                        target = max(target, it.doc) + step
                        d = it.advance(to: target)
                        expectedIndex = docs.firstIndex { $0 >= target }
                    }
                    guard let e = expectedIndex else {
                        #expect(d == PostingsIterator.noMoreDocs, "round \(round): past the end, got \(d)")
                        break
                    }
                    #expect(d == docs[e], "round \(round): target \(target)")
                    guard d == docs[e] else { break }
                    #expect(Int(it.freq) == list[e].positions.count)
                    if Int.random(in: 0..<4, using: &rng) == 0 {
                        let n = it.positions(into: buf)
                        #expect((0..<n).map { Int(buf[$0]) } == list[e].positions)
                    }
                    target = d
                }
                #expect(!it.isCorrupt)
            }
        }
    }

    @Test(arguments: [0, 1, 2, 127, 128, 129, 255, 256, 257, 1000])
    func listsAroundTheBlockSize(length: Int) throws {
        var rng = SeededRandom(seed: UInt64(length))
        var doc: Int32 = -1
        var list: [Posting] = []
        for _ in 0..<length {
            doc += Int32.random(in: 1...20, using: &rng)
            let freq = Int.random(in: 1...(Int.random(in: 0..<10, using: &rng) == 0 ? 300 : 4), using: &rng)
            var p = -1
            list.append(
                Posting(
                    doc: doc,
                    positions: (0..<freq).map { _ in
                        p += Int.random(in: 1...50, using: &rng)
                        return p
                    }))
        }
        let back = try roundTrip([list], maxDoc: Int(doc) + 1)
        #expect(back[0] == list)
    }

    @Test func largeGapsAndAdvance() throws {
        // Document numbers up to 2^31 - 2 (the largest a segment can hold), gaps up to 2^30.
        var rng = SeededRandom(seed: 42)
        var docs: Set<Int32> = [0, 1, Int32.max - 2]
        while docs.count < 300 { docs.insert(Int32.random(in: 0..<(Int32.max - 1), using: &rng)) }
        let sorted = docs.sorted()
        let list = sorted.map { Posting(doc: $0, positions: [Int($0 % 1000)]) }
        let back = try roundTrip([list], maxDoc: Int(Int32.max) - 1)
        #expect(back[0] == list)
    }

    @Test func advanceLandsOnTheFirstDocumentAtOrAfterTheTarget() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        // One word in every third document of 1000: 334 postings, two full blocks and a tail.
        let docs = (0..<1000).map { Document(id: "d\($0)", body: $0 % 3 == 0 ? "needle hay" : "hay") }
        try buildIndex(docs, at: dir.path)
        let reader = try IndexReader(path: dir.path)
        let seg = reader.segments[0]
        let meta = try #require(
            try withBytes(Array("needl".utf8)) { try seg.lookup(field: BuiltinFields.bodyField, term: $0) })
        #expect(meta.docFreq == 334)
        var rng = SeededRandom(seed: 3)
        for _ in 0..<200 {
            let it = seg.postingsIterator(meta, field: BuiltinFields.bodyField)
            var target: Int32 = 0
            while true {
                target += Int32.random(in: 1...150, using: &rng)
                let d = it.advance(to: target)
                if target > 999 {
                    #expect(d == PostingsIterator.noMoreDocs)
                    break
                }
                let expected = (target + 2) / 3 * 3
                #expect(d == (expected > 999 ? PostingsIterator.noMoreDocs : expected))
                if d == PostingsIterator.noMoreDocs { break }
                target = d
            }
        }
    }
}

@Suite struct IdStoreTests {
    @Test func idsRoundTripBothWays() throws {
        var rng = SeededRandom(seed: 8)
        var ids: [String] = []
        for i in 0..<500 {
            switch i % 5 {
            case 0: ids.append("gcide:word\(i)")
            case 1: ids.append("gcide:word\(i)-suffix")
            case 2: ids.append(String(repeating: "x", count: Int.random(in: 1...1000, using: &rng)) + "\(i)")
            case 3: ids.append("Ключ-\(i)-ü")
            default: ids.append("\(i)")
            }
        }
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(ids.map { Document(id: $0, body: "text \($0.count)") }, at: dir.path, flushAfter: [99, 300])
        let reader = try IndexReader(path: dir.path)
        for (n, id) in ids.enumerated() {
            let doc = try #require(try reader.document(id: id))
            #expect(doc.id == id)
            #expect(try reader.document(number: n).id == id)
        }
        #expect(try reader.document(id: "gcide:word") == nil)
        #expect(try reader.document(id: "zzz") == nil)
        #expect(try reader.document(id: "") == nil)
    }
}
