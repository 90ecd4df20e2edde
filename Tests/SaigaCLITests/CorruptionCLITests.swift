// End-to-end tests of damaged indexes: flipped bytes, truncated and missing files. `saiga check` finds every
// damaged byte; a search either answers exactly as on the undamaged index (it read no damaged byte: opening reads
// metadata only, each chunk is verified when a search first reads it) or fails cleanly (exit 1, "corrupt index" or
// "unsupported format" on stderr, nothing on stdout). Never a crash, a hang or a different answer.

import Foundation
import Testing

/// The files a one-segment build of the corpus writes (besides write.lock).
let indexFiles = [
    "_0.terms", "_0.post", "_0.pos", "_0.norms", "_0.store", "_0.ids", "_0.cols", "_0.meta", "manifest_1",
]

/// Offsets to damage in a file of `size` bytes: first, middle, last, and `random` more from a generator seeded by
/// the file name (so every run tries the same offsets).
func sampledOffsets(size: Int, file: String, random: Int) -> [Int] {
    var rng = SeededRandom(seed: file.utf8.reduce(0xC0FF_EE00) { ($0 &* 31) &+ UInt64($1) })
    var offsets: Set<Int> = [0, size / 2, size - 1]
    for _ in 0..<random { offsets.insert(Int.random(in: 0..<size, using: &rng)) }
    return offsets.sorted()
}

/// Whether a run against a damaged index failed the way it should: exit 1 with a clear message, nothing on stdout.
func failedCleanly(_ r: RunResult) -> Bool {
    r.exited && r.status == 1 && r.stdout.isEmpty
        && (r.stderr.contains("corrupt") || r.stderr.contains("unsupported format"))
}

@Suite("saiga on damaged indexes")
struct CorruptionCLITests {
    @Test("a one-segment build writes the files the corruption tests damage")
    func layout() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let names = try FileManager.default.contentsOfDirectory(atPath: idx.path).filter { $0 != "write.lock" }
            #expect(Set(names) == Set(indexFiles), "index files: \(names.sorted())")
            let ok = try await saiga("search", "--index", idx.path, "--json", "kazakhstan")
            #expect(try searchJSON(ok).total > 0)
        }
    }

    @Test("a flipped byte anywhere: check finds it, searches answer as before or fail cleanly", arguments: indexFiles)
    func flippedByte(_ file: String) async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let url = idx.appendingPathComponent(file)
            let original = try Data(contentsOf: url)
            try #require(!original.isEmpty)
            let queries = ["kazakhstan", "\"human rights\" OR kaz*", "title:oil", "+saiga -oil"]
            var expected: [String: String] = [:]
            for q in queries {
                let r = try await saiga("search", "--index", idx.path, "--json", "-k", "20", q)
                try #require(r.status == 0)
                expected[q] = r.stdout
            }
            var failures: [String] = []
            let offsets = sampledOffsets(size: original.count, file: file, random: 8)
            var clean = 0
            for offset in offsets {
                var damaged = original
                damaged[offset] ^= 0xFF
                try damaged.write(to: url)
                defer { try? original.write(to: url) }
                let c = try await saiga("check", "--index", idx.path)
                if !(c.exited && c.status == 1 && c.stdout.contains("problem")) {
                    failures.append("check missed \(file) byte \(offset):\n\(c)")
                }
                for q in queries {
                    let r = try await saiga("search", "--index", idx.path, "--json", "-k", "20", q)
                    if failedCleanly(r) {
                        clean += 1
                    } else if !(r.exited && r.status == 0 && r.stdout == expected[q]) {
                        failures.append(
                            "\(file) byte \(offset), \(q): neither the same answer nor a clean failure:\n\(r)")
                    }
                }
                // stats reads the metadata: the same answer or a clean failure too.
                let s = try await saiga("stats", "--index", idx.path, "--json")
                if !(failedCleanly(s) || (s.exited && s.status == 0)) {
                    failures.append("stats, \(file) byte \(offset):\n\(s)")
                }
            }
            #expect(
                failures.isEmpty,
                """
                \(failures.count) bad outcomes of \(offsets.count) flips:
                \(failures.prefix(5).joined(separator: "\n\n"))
                """)
            #expect(clean > 0, "no search read the damage in \(file)")
            // Restored: the index reads again.
            let ok = try await saiga("search", "--index", idx.path, "--json", "kazakhstan")
            #expect(try searchJSON(ok).total > 0)
        }
    }

    @Test("a file cut short by one byte or by half is detected", arguments: indexFiles)
    func truncatedFile(_ file: String) async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let original = try Data(contentsOf: idx.appendingPathComponent(file))
            for newSize in [original.count - 1, original.count / 2, 0] {
                let copy = dir.appendingPathComponent("copy-\(newSize)")
                try FileManager.default.copyItem(at: idx, to: copy)
                try original.prefix(newSize).write(to: copy.appendingPathComponent(file))
                let r = try await saiga("search", "--index", copy.path, "--json", "kazakhstan")
                #expect(failedCleanly(r), "\(file) cut to \(newSize) of \(original.count) bytes:\n\(r)")
                try FileManager.default.removeItem(at: copy)
            }
        }
    }

    @Test("a file with bytes appended is detected", arguments: indexFiles)
    func appendedFile(_ file: String) async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let url = idx.appendingPathComponent(file)
            try (try Data(contentsOf: url) + Data([0])).write(to: url)
            let r = try await saiga("search", "--index", idx.path, "--json", "kazakhstan")
            #expect(failedCleanly(r), "\(file) with one byte appended:\n\(r)")
        }
    }

    @Test("a missing file: non-zero exit and a clear message", arguments: indexFiles)
    func missingFile(_ file: String) async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            try FileManager.default.removeItem(at: idx.appendingPathComponent(file))
            for args in [["search", "--index", idx.path, "--json", "kazakhstan"], ["stats", "--index", idx.path]] {
                let r = try await saiga(args)
                #expect(r.exited && r.status == 1, "\(file) deleted:\n\(r)")
                #expect(r.stdout.isEmpty, "\(file) deleted:\n\(r)")
                if file.hasPrefix("manifest_") {
                    // Without its only manifest the directory holds no committed index.
                    #expect(
                        r.stderr.contains("no committed index") || r.stderr.contains("not found"),
                        "\(file) deleted:\n\(r)")
                } else {
                    #expect(
                        r.stderr.contains("corrupt") && r.stderr.contains(file) && r.stderr.contains("missing"),
                        "\(file) deleted:\n\(r)")
                }
            }
        }
    }
}
