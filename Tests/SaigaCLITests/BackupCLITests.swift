// `saiga backup` through the real binary: a backup taken while another `saiga` process appends and commits opens,
// checks sound and holds exactly the documents of the commit it names.

import Foundation
import Testing

@Suite("saiga backup")
struct BackupCLITests {
    @Test("backups while saiga index --append commits: each one sound and whole")
    func backupWhileAnotherProcessWrites() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            // 3,000 small documents, committed every 100: the writer runs in its own process meanwhile.
            var lines = ""
            for i in 0..<3_000 {
                lines += "{\"id\":\"n\(i)\",\"title\":\"note \(i)\",\"body\":\"saiga steppe note number \(i)\"}\n"
            }
            let input = dir.appendingPathComponent("notes.jsonl")
            try lines.write(to: input, atomically: true, encoding: .utf8)
            async let writing = saiga(
                "index", input.path, "--index", idx.path, "--append", "--commit-every", "100", "--quiet",
                timeout: 120)
            var generations: Set<Int> = []
            for b in 0..<6 {
                let dest = dir.appendingPathComponent("backup\(b)")
                let r = try await saiga("backup", "--index", idx.path, dest.path, "--json")
                #expect(r.status == 0, "\(r)")
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
                let generation = try #require(object["generation"] as? Int)
                let docs = try #require(object["docs"] as? Int)
                #expect(object["checked"] as? Bool == true && (object["problems"] as? [Any])?.isEmpty == true)
                generations.insert(generation)
                // The commit's documents: the 13 articles and the notes of the commits before it, in input order.
                let all = try searchJSON(
                    try await saiga("search", "--index", dest.path, "--json", "-k", "1", "--exact-count", "*:*"))
                #expect(all.total == docs)
                #expect(docs == 13 || (docs - 13) % 100 == 0, "\(docs) documents")
                let check = try await saiga("check", "--index", dest.path)
                #expect(check.status == 0, "\(check)")
            }
            let w = try await writing
            #expect(w.status == 0, "\(w)")
            // A destination that is not empty is refused and left alone.
            let again = try await saiga("backup", "--index", idx.path, dir.appendingPathComponent("backup0").path)
            #expect(again.status == 1 && again.stderr.contains("not empty"), "\(again)")
            let usage = try await saiga("backup", "--index", idx.path)
            #expect(usage.status == 64, "\(usage)")
        }
    }
}
