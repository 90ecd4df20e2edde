// End-to-end tests of damaged indexes: flipped bytes, truncated and missing files. Reading a damaged index must
// fail cleanly (exit 1, "corrupt index" or "unsupported format" on stderr), never crash, hang or return results.

import Foundation
import Testing

/// The files a one-segment build of the corpus writes (besides write.lock).
let indexFiles = ["_0.terms", "_0.post", "_0.pos", "_0.norms", "_0.store", "_0.ids", "_0.meta", "manifest_1"]

/// Offsets to damage in a file of `size` bytes: first, middle, last, and `random` more from a generator seeded by
/// the file name (so every run tries the same offsets).
func sampledOffsets(size: Int, file: String, random: Int) -> [Int] {
    var rng = SplitMix64(seed: file.utf8.reduce(0xC0FF_EE00) { ($0 &* 31) &+ UInt64($1) })
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

    @Test("a flipped byte anywhere is detected", arguments: indexFiles)
    func flippedByte(_ file: String) async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let url = idx.appendingPathComponent(file)
            let original = try Data(contentsOf: url)
            try #require(!original.isEmpty)
            var failures: [String] = []
            let offsets = sampledOffsets(size: original.count, file: file, random: 10)
            for offset in offsets {
                var damaged = original
                damaged[offset] ^= 0xFF
                try damaged.write(to: url)
                defer { try? original.write(to: url) }
                let r = try await saiga("search", "--index", idx.path, "--json", "kazakhstan")
                if !failedCleanly(r) { failures.append("\(file) byte \(offset) of \(original.count):\n\(r)") }
                // stats reads (and by default verifies) the same files; check it at the fixed offsets.
                if offset == 0 || offset == original.count / 2 || offset == original.count - 1 {
                    let s = try await saiga("stats", "--index", idx.path, "--json")
                    if !failedCleanly(s) { failures.append("\(file) byte \(offset) of \(original.count):\n\(s)") }
                }
            }
            #expect(failures.isEmpty, """
                \(failures.count) of \(offsets.count) flips not detected cleanly:
                \(failures.prefix(5).joined(separator: "\n\n"))
                """)
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
                    #expect(r.stderr.contains("no committed index") || r.stderr.contains("not found"),
                            "\(file) deleted:\n\(r)")
                } else {
                    #expect(r.stderr.contains("corrupt") && r.stderr.contains(file) && r.stderr.contains("missing"),
                            "\(file) deleted:\n\(r)")
                }
            }
        }
    }

    @Test("with --no-verify a flipped byte may go unnoticed, but never crashes or hangs", arguments: indexFiles)
    func flippedByteNoVerify(_ file: String) async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let url = idx.appendingPathComponent(file)
            let original = try Data(contentsOf: url)
            var failures: [String] = []
            for offset in sampledOffsets(size: original.count, file: file + "/no-verify", random: 5) {
                var damaged = original
                damaged[offset] ^= 0xFF
                try damaged.write(to: url)
                for query in ["\"human rights\" OR kaz*", "title:oil"] {
                    let r = try await saiga("search", "--index", idx.path, "--json", "--no-verify", "-k", "20", query)
                    // 0 with a well-formed result, or 1 with a message; a signal is recorded by the runner.
                    if r.exited && r.status == 0 {
                        if (try? JSONSerialization.jsonObject(with: r.stdoutData)) == nil {
                            failures.append("\(file) byte \(offset), \(query): exit 0 with invalid JSON:\n\(r)")
                        }
                    } else if !(r.exited && r.status == 1 && !r.stderr.isEmpty) {
                        failures.append("\(file) byte \(offset), \(query):\n\(r)")
                    }
                }
                try original.write(to: url)
            }
            #expect(failures.isEmpty, "\(failures.count) bad outcomes:\n\(failures.prefix(5).joined(separator: "\n\n"))")
        }
    }
}
