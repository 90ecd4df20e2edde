import Foundation
import Testing

@testable import Saiga

/// Damaged index files are reported as errors, never crash, and never go unnoticed when checksums are verified.
@Suite struct CorruptionTests {
    func buildSample(documents: Int = 300) throws -> (TemporaryDirectory, [String]) {
        var rng = SeededRandom(seed: 77)
        let docs = RandomCorpus.documents(count: documents, rng: &rng)
        let dir = TemporaryDirectory("saiga-corrupt")
        try buildIndex(docs, at: dir.path, flushAfter: [documents / 2])
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0 != IndexDirectory.lockFileName }.sorted()
        return (dir, files)
    }

    func mutate(_ path: String, _ body: (inout Data) -> Void) throws -> Data {
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        var copy = original
        body(&copy)
        try copy.write(to: URL(fileURLWithPath: path))
        return original
    }

    /// Every flipped byte is found: at open with `.atOpen`, and by `verifyChecksums()` (or already at open) with the
    /// default verification on first read.
    @Test func everyFlippedByteIsFound() throws {
        let (dir, files) = try buildSample()
        defer { dir.cleanup() }
        #expect(files.count == 17)  // 2 segments × 8 files + the manifest
        var rng = SeededRandom(seed: 1)
        var trials = 0
        for name in files {
            let path = dir.file(name)
            let size = try Data(contentsOf: URL(fileURLWithPath: path)).count
            var offsets = Set([0, 4, 8, 12, 27, 28, size / 2, size - 17, size - 9, size - 1])
            for _ in 0..<25 { offsets.insert(Int.random(in: 0..<size, using: &rng)) }
            for offset in offsets where offset >= 0 && offset < size {
                let original = try mutate(path) { $0[offset] ^= 0xFF }
                do {
                    _ = try IndexReader(path: dir.path, verification: .atOpen)
                    Issue.record("flipping byte \(offset) of \(name) went unnoticed at open")
                } catch {
                    #expect(
                        error.code == .corruptIndex || error.code == .unsupportedFormat || error.code == .indexNotFound,
                        "\(name)@\(offset): \(error)")
                }
                do {
                    let reader = try IndexReader(path: dir.path)
                    try reader.verifyChecksums()
                    Issue.record("flipping byte \(offset) of \(name) went unnoticed by verifyChecksums")
                } catch {
                    #expect(
                        error.code == .corruptIndex || error.code == .unsupportedFormat || error.code == .indexNotFound,
                        "\(name)@\(offset): \(error)")
                }
                try original.write(to: URL(fileURLWithPath: path))
                trials += 1
            }
        }
        #expect(trials > 300)
        // Restored: opens and searches again.
        #expect(try IndexReader(path: dir.path, verification: .atOpen).search("steppe").total > 0)
    }

    @Test func truncatedAndMissingFilesAreDetected() throws {
        let (dir, files) = try buildSample()
        defer { dir.cleanup() }
        for name in files {
            let path = dir.file(name)
            for cut in [1, 16, 0] {  // 0: truncate to empty
                let original = try mutate(path) { d in d = cut == 0 ? Data() : d.prefix(d.count - cut) }
                #expect(throws: SaigaError.self, "\(name) cut \(cut)") { try IndexReader(path: dir.path) }
                try original.write(to: URL(fileURLWithPath: path))
            }
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            try FileManager.default.removeItem(atPath: path)
            #expect(throws: SaigaError.self, "\(name) missing") { try IndexReader(path: dir.path) }
            try original.write(to: URL(fileURLWithPath: path))
        }
        #expect(try IndexReader(path: dir.path).documentCount == 300)
    }

    /// The guarantee of verification on first read: whatever byte of a data file is damaged, every search and
    /// document fetch gives exactly the answer of the undamaged index or a `corruptIndex` error, never a wrong
    /// answer, a crash or a hang.
    @Test func damageNeverGivesAWrongAnswer() throws {
        // Large enough that most files span several 32 KiB chunks: damage in one chunk leaves the others readable.
        let (dir, files) = try buildSample(documents: 16000)
        defer { dir.cleanup() }
        var rng = SeededRandom(seed: 9)
        let queries = [
            "steppe", "saiga horse", "\"steppe saiga\"", "+law -court", "ri*", "title:river", "steppe OR north",
            "river AND north", "\"north river\" OR horse",
        ]
        // Every match with its score (any changed frequency, norm or document shows), and the top hits whole.
        let everything = SearchOptions(k: 1000, snippets: false, exhaustive: true)
        let options = SearchOptions(k: 5, fields: ["*"])
        let ids = (0..<16000).filter { $0 % 2003 == 0 }.map { "doc\($0)" }
        // The answers of the undamaged index, and the chunks those searches and fetches read (so that most damage
        // below lands where they read: random damage elsewhere proves little).
        var expected: [String: [SearchHit]] = [:]
        var expectedDocs: [String: Document?] = [:]
        var touched: [String: [Int]] = [:]
        var postingsTargets: [String: [Range<Int>]] = [:]
        do {
            let reader = try IndexReader(path: dir.path)
            for q in queries {
                expected[q] = try reader.search(q, options: options).hits.map { h in
                    var h = h
                    h.docNumber = 0
                    return h
                }
                expected["all " + q] = try reader.search(q, options: everything).hits
            }
            for id in ids { expectedDocs[id] = try reader.document(id: id) }
            for seg in reader.segments {
                for f in [
                    seg.terms.file, seg.postings, seg.positionsFile, seg.normsFile, seg.stored.file, seg.ids.file,
                ] {
                    let v = try #require(f.verifier)
                    touched[String(f.path.split(separator: "/").last!)] =
                        (1..<max(1, v.chunkCount - 1)).filter { v.flags.isSet($0) }
                }
                // In the postings, the exact bytes of the searched terms' skip entries and full blocks.
                var ranges: [Range<Int>] = []
                for word in ["steppe", "saiga", "horse", "law", "court", "river", "north"] {
                    for field in [BuiltinFields.titleField, BuiltinFields.bodyField] {
                        let term = Array(word.utf8)
                        guard
                            let m = try term.withUnsafeBytes({ (b: UnsafeRawBufferPointer) throws(SaigaError) in
                                try seg.lookup(field: field, term: b)
                            }), m.blockCount > 0
                        else { continue }
                        let it = seg.postingsIterator(m, field: field)
                        var end = m.docOffset + m.blockCount * SkipEntry.size
                        for b in 0..<m.blockCount { end += it.cursor.pointee.skipBlockSize(b) }
                        ranges.append(m.docOffset..<end)
                    }
                }
                postingsTargets[String(seg.postings.path.split(separator: "/").last!)] = ranges
            }
        }
        var errors = 0
        var answers = 0
        for name in files where !name.hasPrefix("manifest") && !name.hasSuffix(".meta") {
            let path = dir.file(name)
            let size = try Data(contentsOf: URL(fileURLWithPath: path)).count
            let chunks = touched[name] ?? []
            for trial in 0..<12 {
                // Mostly inside chunks the searches read (not the first or last: those are verified at open).
                var offset =
                    trial < 9 && !chunks.isEmpty
                    ? (chunks.randomElement(using: &rng)! << 15) + Int.random(in: 0..<(1 << 15), using: &rng)
                    : Int.random(in: 0..<size, using: &rng)
                if trial < 9, let targets = postingsTargets[name], let r = targets.randomElement(using: &rng) {
                    offset = Int.random(in: r, using: &rng)
                }
                guard offset < size else { continue }
                let original = try mutate(path) { $0[offset] ^= UInt8.random(in: 1...255, using: &rng) }
                defer { try? original.write(to: URL(fileURLWithPath: path)) }
                guard let reader = try? IndexReader(path: dir.path) else {
                    errors += 1
                    continue
                }
                for q in queries {
                    do {
                        let all = try reader.search(q, options: everything).hits
                        #expect(all == expected["all " + q], "\(name)@\(offset): \(q) matched or scored differently")
                        let hits = try reader.search(q, options: options).hits.map { h in
                            var h = h
                            h.docNumber = 0
                            return h
                        }
                        #expect(hits == expected[q], "\(name)@\(offset): \(q) answered differently")
                        answers += 1
                    } catch {
                        #expect(error.code == .corruptIndex, "\(name)@\(offset) \(q): \(error)")
                        errors += 1
                    }
                }
                for id in ids {
                    do {
                        let d = try reader.document(id: id)
                        #expect(d == expectedDocs[id], "\(name)@\(offset): document \(id)")
                    } catch {
                        #expect(error.code == .corruptIndex, "\(name)@\(offset) \(id): \(error)")
                    }
                }
            }
        }
        // Both outcomes happen: damage some searches read, and damage they do not.
        #expect(errors > 30 && answers > 30, "\(errors) errors, \(answers) answers")
    }

    /// Opening reads metadata only: after opening and one search for a rare word, most chunks of a larger index
    /// are still unverified (the search touched a few), and `verifyChecksums()` then verifies all.
    @Test func openingAndOneSearchVerifyOnlyWhatTheyRead() throws {
        var rng = SeededRandom(seed: 3)
        let docs =
            RandomCorpus.documents(count: 20000, rng: &rng)
            + [Document(id: "rare", title: "Zyzzyva", body: "the zyzzyva is a weevil")]
        let dir = TemporaryDirectory("saiga-lazy")
        defer { dir.cleanup() }
        try buildIndex(docs, at: dir.path)
        let reader = try IndexReader(path: dir.path)
        let r = try reader.search("zyzzyva", options: SearchOptions(snippets: false))
        #expect(r.hits.map(\.id) == ["rare"])
        let segment = try #require(reader.segments.first)
        var verified = 0
        var total = 0
        for f in [segment.terms.file, segment.postings, segment.positionsFile, segment.stored.file, segment.ids.file] {
            let v = try #require(f.verifier)
            verified += v.verifiedChunkCount
            total += v.chunkCount
        }
        #expect(total > 20, "the sample index should span many chunks (\(total))")
        #expect(verified * 4 < total, "\(verified) of \(total) chunks verified after one search")
        try reader.verifyChecksums()
        for f in [segment.terms.file, segment.postings, segment.positionsFile, segment.stored.file, segment.ids.file] {
            #expect(f.verifier?.isFullyVerified == true)
        }
    }
}
