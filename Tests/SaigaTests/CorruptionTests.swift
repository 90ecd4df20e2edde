import Foundation
import Testing
@testable import Saiga

/// Damaged index files are reported as errors, never crash, and never go unnoticed when checksums are verified.
@Suite struct CorruptionTests {
    func buildSample() throws -> (TemporaryDirectory, [String]) {
        var rng = SeededRandom(seed: 77)
        let docs = RandomCorpus.documents(count: 300, rng: &rng)
        let dir = TemporaryDirectory("saiga-corrupt")
        try buildIndex(docs, at: dir.path, flushAfter: [150])
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

    @Test func everyFlippedByteIsDetectedOnOpen() throws {
        let (dir, files) = try buildSample()
        defer { dir.cleanup() }
        #expect(files.count == 15)  // 2 segments × 7 files + the manifest
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
                    _ = try IndexReader(path: dir.path)
                    Issue.record("flipping byte \(offset) of \(name) went unnoticed")
                } catch {
                    #expect(error.code == .corruptIndex || error.code == .unsupportedFormat || error.code == .indexNotFound,
                            "\(name)@\(offset): \(error)")
                }
                try original.write(to: URL(fileURLWithPath: path))
                trials += 1
            }
        }
        #expect(trials > 300)
        // Restored: opens and searches again.
        #expect(try IndexReader(path: dir.path).search("steppe").total > 0)
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

    /// Without checksum verification a damaged file can be opened; searching it must still never crash or hang:
    /// it either returns some result or throws `corruptIndex`.
    @Test func searchingUnverifiedDamageNeverCrashes() throws {
        let (dir, files) = try buildSample()
        defer { dir.cleanup() }
        var rng = SeededRandom(seed: 9)
        let queries = ["steppe", "saiga horse", "\"steppe saiga\"", "+law -court", "ri*", "title:river", "steppe OR north"]
        for name in files where name.hasSuffix(".post") || name.hasSuffix(".pos") || name.hasSuffix(".terms")
            || name.hasSuffix(".store") || name.hasSuffix(".norms") {
            let path = dir.file(name)
            let size = try Data(contentsOf: URL(fileURLWithPath: path)).count
            for _ in 0..<40 {
                let offset = Int.random(in: 28..<(size - 16), using: &rng)
                let value = UInt8.random(in: 0...255, using: &rng)
                let original = try mutate(path) { $0[offset] = value }
                if let reader = try? IndexReader(path: dir.path, verifyChecksums: false) {
                    for q in queries {
                        do {
                            let r = try reader.search(q, options: SearchOptions(k: 5))
                            #expect(r.hits.count <= 5)
                        } catch {
                            #expect(error.code == .corruptIndex || error.code == .limitExceeded, "\(name)@\(offset) \(q): \(error)")
                        }
                    }
                }
                try original.write(to: URL(fileURLWithPath: path))
            }
        }
    }
}
