import Saiga
import SaigaTestSupport
import Testing

@testable import SaigaIngest

/// Schemas inferred from JSON lines: the type rules, widening, and disagreements reported with both documents.
@Suite struct SchemaInferenceTests {
    private func fields(_ text: String) throws -> [JSONField] {
        var parser = JSONObjectParser()
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBytes { buffer throws(JSONParseError) in
            try parser.parseFlattened(UnsafeRawBufferPointer(buffer))
        }
    }

    private func infer(_ lines: [String]) throws -> Schema {
        var inference = SchemaInference()
        for (n, line) in lines.enumerated() { try inference.observe(try fields(line), at: "in.jsonl:\(n + 1)") }
        return try inference.schema()
    }

    @Test func typesFollowTheValues() throws {
        let schema = try infer([
            #"{"price": 3, "title": "Steppe", "id": 7, "tags": ["a"], "meta": {"year": 2024, "ok": true}, "n": null}"#,
            #"{"price": 2.5, "id": "x", "body": "text", "ratings": [1, 2.5], "flags": [true], "tags": []}"#,
        ])
        #expect(
            schema.fields.map(\.name) == [
                "id", "title", "body", "price", "tags", "meta.year", "meta.ok", "ratings",
                "flags",
            ])
        let types = Dictionary(uniqueKeysWithValues: schema.fields.map { ($0.name, $0.type) })
        #expect(
            types == [
                "id": .keyword, "title": .text, "body": .text, "price": .float, "tags": .keyword,
                "meta.year": .integer, "meta.ok": .boolean, "ratings": .float, "flags": .boolean,
            ])
        #expect(schema["n"] == nil, "a field seen only as null gets no field")
    }

    @Test func disagreementsNameTheFieldAndBothDocuments() throws {
        for (lines, says) in [
            (
                [#"{"a": "x"}"#, #"{"a": 1}"#],
                #"field "a" is a string (text) at in.jsonl:1 and an integer at in.jsonl:2"#
            ),
            ([#"{"a": "x"}"#, #"{"a": ["x"]}"#], "an array of strings (keyword) at in.jsonl:2"),
            ([#"{"a": [1, "x"]}"#], "mixes integers and strings in one array"),
            ([#"{"a": true}"#, #"{"a": 1.5}"#], "a boolean at in.jsonl:1 and a number at in.jsonl:2"),
            ([#"{"bad key": 1}"#], "bad key"),
        ] {
            #expect {
                _ = try infer(lines)
            } throws: { error in
                (error as? SaigaError)?.message.contains(says) ?? false
            }
        }
    }

    @Test func mappingExplosionsAreCapped() throws {
        let wide = "{" + (0...Schema.maxFields).map { "\"f\($0)\": 1" }.joined(separator: ", ") + "}"
        #expect {
            _ = try infer([wide])
        } throws: { error in
            (error as? SaigaError)?.code == .limitExceeded
        }
    }
}
