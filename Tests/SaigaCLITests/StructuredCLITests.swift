import Foundation
import Testing

/// Structured search through the real binary: a product-like JSON lines file indexed with an inferred schema and
/// with a schema file, filters, sorts, facets and search-after pages in the JSON output, bad values naming file,
/// line and field, and the bundled corpus's `date` and `source` out of the box.
@Suite("saiga: typed fields, filters, sort, facets")
struct StructuredCLITests {
    static let products = """
        {"id": "p1", "title": "Felt yurt lamp", "contents": "A lamp of felt for steppe evenings.", "brand": "Altyn", "tags": ["lamp", "felt"], "price": 49.5, "stock": 12, "released": "2024-03-01", "eco": true}
        {"id": "p2", "title": "Dombra, walnut", "contents": "Two-string dombra made in Almaty.", "brand": "Saz", "tags": ["music"], "price": 320, "stock": 3, "released": "2023-11-20", "eco": false}
        {"id": "p3", "title": "Felt slippers", "contents": "Warm felt slippers for the steppe.", "brand": "Altyn", "tags": ["felt", "shoes"], "price": 25, "stock": 0, "released": "2025-01-15", "eco": true}
        {"id": "p4", "title": "Saiga poster", "contents": "The saiga antelope of the steppe.", "brand": "Dala", "tags": ["art"], "price": 15.99, "stock": 40, "released": "2025-06-02", "eco": true}

        """

    func object(_ r: RunResult) throws -> [String: Any] {
        try #require(r.exited && r.status == 0, "\(r)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r)")
    }

    func ids(_ o: [String: Any]) -> [String] {
        ((o["hits"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
    }

    @Test("an inferred schema: filters, sort, facets and search-after through --json")
    func inferredSchema() async throws {
        try await withTempDir { dir in
            let file = dir.appendingPathComponent("products.jsonl")
            try write(Self.products, to: file)
            let idx = dir.appendingPathComponent("idx").path
            let built = try await saiga("index", "--index", idx, file.path)
            #expect(built.status == 0, "\(built)")
            #expect(built.stderr.contains("inferred fields: brand (text), tags (keyword), price (float)"), "\(built)")
            #expect(built.stderr.contains("released (date), eco (boolean)"), "\(built)")
            let schema = try await saiga("schema", "--index", idx)
            #expect(schema.stdout.contains(#""name":"released","type":"date""#), "\(schema)")
            // saiga stats reports each field.
            let stats = try object(try await saiga("stats", "--index", idx, "--json"))
            let fields = try #require(stats["fields"] as? [[String: Any]])
            let tagStats = try #require(fields.first { $0["name"] as? String == "tags" })
            #expect(
                tagStats["type"] as? String == "keyword" && tagStats["documents"] as? Int == 4
                    && tagStats["values"] as? Int == 6)
            let price = try #require(fields.first { $0["name"] as? String == "price" })
            #expect(price["type"] as? String == "float" && price["values"] as? Int == 4)
            let brandStats = try #require(fields.first { $0["name"] as? String == "brand" })
            #expect(brandStats["type"] as? String == "text" && (brandStats["terms"] as? Int ?? 0) == 3)

            let cheap = try object(
                try await saiga(
                    "search", "--index", idx, "--json", "steppe", "--filter", "eco:true", "--filter", "price:<=30",
                    "--sort", "price:desc", "--facet", "tags", "--facet", "released:year"))
            #expect(ids(cheap) == ["p3", "p4"])
            #expect(cheap["total"] as? Int == 2)
            let sortValues = (cheap["hits"] as? [[String: Any]])?.compactMap { ($0["sort"] as? [Double])?.first }
            #expect(sortValues == [25, 15.99])
            let facets = try #require(cheap["facets"] as? [String: Any])
            let tags = try #require(facets["tags"] as? [String: Any])
            let buckets = try #require(tags["buckets"] as? [[String: Any]])
            #expect(buckets.compactMap { $0["value"] as? String } == ["art", "felt", "shoes"])
            #expect(buckets.compactMap { $0["count"] as? Int } == [1, 1, 1])
            let years = try #require((facets["released:year"] as? [String: Any])?["buckets"] as? [[String: Any]])
            #expect(years.compactMap { $0["value"] as? String } == ["2025-01-01T00:00:00Z"])

            // Pages of a sort, one hit each, chained by "next".
            var seen: [String] = []
            var after: String?
            for _ in 0..<5 {
                var args = ["search", "--index", idx, "--json", "*:*", "--sort", "released:desc", "-k", "1"]
                if let after { args += ["--after", after] }
                let page = try object(try await saiga(args))
                seen += ids(page)
                guard let next = page["next"] as? String, !ids(page).isEmpty else { break }
                after = next
            }
            #expect(seen == ["p4", "p3", "p1", "p2"])

            // Stored fields come back typed in --json: numbers as numbers, several values as an array.
            let withFields = try object(
                try await saiga("search", "--index", idx, "--json", "lamp", "--fields", "tags,price,eco"))
            let typedFields = (withFields["hits"] as? [[String: Any]])?.first?["fields"] as? [String: Any]
            #expect(typedFields?["tags"] as? [String] == ["lamp", "felt"], "\(withFields)")
            #expect(typedFields?["price"] as? Double == 49.5 && typedFields?["eco"] as? Bool == true, "\(withFields)")
            // A word only the brand (a text field of the schema) holds: the snippet comes from there.
            let brand = try object(try await saiga("search", "--index", idx, "--json", "saz"))
            let snippet = (brand["hits"] as? [[String: Any]])?.first?["snippet"] as? String
            #expect(ids(brand) == ["p2"] && snippet == "<b>Saz</b>", "\(brand)")
            // A date range written as days, and the readable output of a facet.
            let range = try object(
                try await saiga("search", "--index", idx, "--json", "released:[2024-03-01 TO 2025-01-15]"))
            #expect(Set(ids(range)) == ["p1", "p3"])
            let readable = try await saiga("search", "--index", idx, "felt", "--facet", "eco", "--no-snippets")
            #expect(readable.stdout.contains("eco (eco):"), "\(readable)")
            #expect(readable.stdout.contains("true  2"), "\(readable)")

            // Errors: a wrong-typed query value points at its column, an unknown sort field and a facet on a
            // text field are usage errors.
            let typed = try await saiga("search", "--index", idx, "stock:many")
            #expect(typed.status == 1 && typed.stderr.contains("'many' is not a value of integer field 'stock'"))
            let sort = try await saiga("search", "--index", idx, "felt", "--sort", "colour")
            #expect(sort.status == 64 && sort.stderr.contains("no field 'colour'"), "\(sort)")
            let facet = try await saiga("search", "--index", idx, "felt", "--facet", "brand")
            #expect(facet.status == 64 && facet.stderr.contains("text field"), "\(facet)")
            let filter = try await saiga("search", "--index", idx, "felt", "--filter", "price:[a TO b]")
            #expect(filter.status == 1 && filter.stderr.contains("invalid --filter"), "\(filter)")
        }
    }

    @Test("a schema file declares the fields; a value that does not fit names file, line and field")
    func schemaFile() async throws {
        try await withTempDir { dir in
            let file = dir.appendingPathComponent("products.jsonl")
            try write(Self.products + #"{"id": "p5", "contents": "bad stock", "stock": "many"}"# + "\n", to: file)
            let schemaFile = dir.appendingPathComponent("schema.json")
            try write(
                """
                {"fields": [{"name": "brand", "type": "keyword", "lowercase": true}, {"name": "tags", "type": "keyword"},
                 {"name": "price", "type": "float"}, {"name": "stock", "type": "integer"},
                 {"name": "released", "type": "date"}, {"name": "eco", "type": "boolean"}]}
                """, to: schemaFile)
            let idx = dir.appendingPathComponent("idx").path
            let refused = try await saiga("index", "--index", idx, "--schema", schemaFile.path, file.path)
            #expect(refused.status == 1, "\(refused)")
            #expect(
                refused.stderr.contains("products.jsonl:5") && refused.stderr.contains("field \"stock\" is an integer"),
                "\(refused)")
            let skipped = try await saiga(
                "index", "--index", idx, "--schema", schemaFile.path, "--skip-bad", file.path)
            #expect(skipped.status == 0 && skipped.stdout.contains("skipped 1"), "\(skipped)")
            // brand is a lower-cased keyword: facets and filters see one value per brand.
            let brands = try object(
                try await saiga(
                    "search", "--index", idx, "--json", "*:*", "--filter", "brand:altyn", "--facet", "brand"))
            #expect(Set(ids(brands)) == ["p1", "p3"])

            // With no schema, documents that disagree on a field's type are an error naming both; with
            // --skip-bad the first type stays and the documents that disagree are skipped and reported.
            let inferredIdx = dir.appendingPathComponent("inferred").path
            let conflict = try await saiga("index", "--index", inferredIdx, file.path)
            #expect(
                conflict.status == 1 && conflict.stderr.contains("field \"stock\" is an integer")
                    && conflict.stderr.contains("products.jsonl:5"), "\(conflict)")
            let kept = try await saiga("index", "--index", inferredIdx, "--skip-bad", file.path)
            #expect(
                kept.status == 0 && kept.stdout.contains("skipped 1") && kept.stderr.contains("stock (integer)")
                    && kept.stderr.contains("products.jsonl:5"), "\(kept)")
            let stocked = try object(
                try await saiga("search", "--index", inferredIdx, "--json", "*:*", "--filter", "stock:>=0"))
            #expect(!ids(stocked).isEmpty && !ids(stocked).contains("p5"), "\(stocked)")

            // Bad schema files are usage errors that say what is wrong.
            for (text, words) in [
                (#"{"fields": [{"name": "x", "type": "colour"}]}"#, "--schema"),
                (#"{"fields": [{"name": "x", "type": "text", "column": true}]}"#, "cannot have a column"),
                (#"{"fields": [{"name": "x", "type": "text", "shape": 1}]}"#, "unknown field property"),
                ("not json", "--schema"),
            ] {
                try write(text, to: schemaFile)
                let r = try await saiga("index", "--index", idx, "--schema", schemaFile.path, file.path)
                #expect(r.status == 64 && r.stderr.contains(words), "\(text): \(r)")
            }
            // A type change on append names the field; the index is unchanged.
            try write(#"{"fields": [{"name": "price", "type": "integer"}]}"#, to: schemaFile)
            let changed = try await saiga("index", "--index", idx, "--append", "--schema", schemaFile.path, file.path)
            #expect(
                changed.status != 0 && changed.stderr.contains("field \"price\" is float in the index"), "\(changed)")
        }
    }

    @Test("the bundled corpus: --sort date:desc and --facet source work out of the box")
    func bundledCorpus() async throws {
        try await withTempDir { dir in
            let idx = try await buildCorpusIndex(in: dir)
            let sorted = try object(
                try await saiga("search", "--index", idx.path, "--json", "human rights", "--sort", "date:desc"))
            let first = try #require((sorted["hits"] as? [[String: Any]])?.first)
            #expect(first["id"] as? String == "000_3c8d84578b754a48.txt#1")
            #expect((first["sort"] as? [String])?.first == "2025-12-09T00:00:00Z")
            let faceted = try object(
                try await saiga("search", "--index", idx.path, "--json", "decree", "--facet", "source"))
            let source = try #require((faceted["facets"] as? [String: Any])?["source"] as? [String: Any])
            let counts = (source["buckets"] as? [[String: Any]])?.compactMap { $0["count"] as? Int } ?? []
            #expect(counts.reduce(0, +) == faceted["total"] as? Int)
            #expect(!counts.isEmpty)
        }
    }
}
