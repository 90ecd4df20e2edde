import Foundation
import Testing

/// `saiga schema`: an index's schema, and schemas inferred from JSON lines, through the real binary.
@Suite("saiga schema")
struct SchemaCLITests {
    @Test("an index's schema: the built-in fields as the index keeps them")
    func indexSchema() async throws {
        try await withTempDir { dir in
            let docs = dir.appendingPathComponent("docs.jsonl")
            try Data(#"{"id": "a", "title": "Steppe", "contents": "saiga"}"#.utf8).write(to: docs)
            let index = dir.appendingPathComponent("idx").path
            let built = try await saiga("index", docs.path, "--index", index, "--no-positions", "--quiet")
            #expect(built.status == 0, "\(built)")
            let r = try await saiga("schema", "--index", index)
            #expect(r.status == 0, "\(r)")
            #expect(r.stdout.contains(#"{"name":"id","type":"keyword""#), "\(r)")
            #expect(
                r.stdout.contains(
                    #"{"name":"body","type":"text","indexed":true,"stored":true,"column":false,"positions":false"#),
                "\(r)")
        }
    }

    @Test("inferred from JSON lines, and disagreements named by file and line")
    func inferred() async throws {
        try await withTempDir { dir in
            let good = dir.appendingPathComponent("products.jsonl")
            try Data(
                """
                {"id": "p1", "title": "Lamp", "price": 19.5, "tags": ["home"], "stock": {"count": 3}}

                {"id": 2, "title": "Desk", "price": 120, "available": true}
                """.utf8
            ).write(to: good)
            let r = try await saiga("schema", "--infer", good.path)
            #expect(r.status == 0, "\(r)")
            for line in [
                #""name":"price","type":"float""#, #""name":"tags","type":"keyword""#,
                #""name":"stock.count","type":"integer""#, #""name":"available","type":"boolean""#,
            ] {
                #expect(r.stdout.contains(line), "\(line): \(r)")
            }
            let bad = dir.appendingPathComponent("bad.jsonl")
            try Data("{\"a\": \"x\"}\n{\"a\": 1}\n".utf8).write(to: bad)
            let e = try await saiga("schema", "--infer", bad.path)
            #expect(e.status == 1 && e.stderr.contains("bad.jsonl:1") && e.stderr.contains("bad.jsonl:2"), "\(e)")
            let usage = try await saiga("schema", "--infer")
            #expect(usage.status == 64, "\(usage)")
        }
    }
}
