import Foundation
import SaigaTestSupport
import Testing

@testable import SaigaIngest

/// JSON objects flattened for typed fields: nested objects to dotted keys, arrays to multi-valued fields, checked
/// against a reference flattening built on Foundation's JSONSerialization over seeded random documents.
@Suite struct JSONFlatteningTests {
    private func flatten(
        _ text: String, duplicates: JSONObjectParser.DuplicateKeyPolicy = .keepLast
    ) throws
        -> [JSONField]
    {
        var parser = JSONObjectParser(duplicateKeys: duplicates)
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBytes { buffer throws(JSONParseError) in
            try parser.parseFlattened(UnsafeRawBufferPointer(buffer))
        }
    }

    @Test func objectsAndArraysFlatten() throws {
        let fields = try flatten(
            #"""
            {"id": "d1", "meta": {"source": "Astana Times", "geo": {"lat": 51.1, "lon": 71.4}}, "tags": ["a", "b"],
             "empty": [], "n": null, "nested": [[1, 2], [3, null]], "people": [{"name": "A", "age": 3}, {"name": "B"}],
             "esc": "\u00e9\ud83d\ude00\n"}
            """#)
        let byKey = Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0) })
        #expect(
            fields.map(\.key) == [
                "id", "meta.source", "meta.geo.lat", "meta.geo.lon", "tags", "n", "nested",
                "people.name", "people.age", "esc",
            ], "an empty array gives no field")
        #expect(byKey["meta.geo.lat"]?.values == [.number("51.1")] && byKey["meta.geo.lat"]?.isArray == false)
        #expect(byKey["tags"]?.values == [.string("a"), .string("b")] && byKey["tags"]?.isArray == true)
        #expect(byKey["n"]?.values == [.null])
        #expect(byKey["nested"]?.values == [.number("1"), .number("2"), .number("3")])
        #expect(byKey["people.name"]?.values == [.string("A"), .string("B")] && byKey["people.name"]?.isArray == true)
        #expect(byKey["people.age"]?.values == [.number("3")])
        #expect(byKey["esc"]?.values == [.string("é😀\n")])
    }

    @Test func duplicatesFollowThePolicyOutsideArrays() throws {
        let text = #"{"a": {"b": 1}, "a.b": 2}"#
        #expect(try flatten(text).first?.values == [.number("2")])
        #expect(throws: JSONParseError.self) { _ = try flatten(text, duplicates: .reject) }
        #expect(throws: JSONParseError.self) { _ = try flatten(#"{"x": 1, "x": 2}"#, duplicates: .reject) }
    }

    @Test func malformedTextIsRefusedAsByTheFlatParser() {
        for bad in [
            #"{"a": [1, 2}"#, #"{"a": {"b": }}"#, #"{"a": "\ud800"}"#, #"{"a": [1,]}"#, "[1]", "{", "",
            #"{"a": 1} x"#, String(repeating: #"{"a": "#, count: 200) + "1" + String(repeating: "}", count: 200),
        ] {
            #expect(throws: JSONParseError.self, "\(bad)") { _ = try flatten(bad) }
        }
    }

    /// Random documents (seed printed on failure) flattened here and by a reference over JSONSerialization.
    @Test(arguments: 0..<30)
    func matchesAReferenceFlattening(seed: Int) throws {
        var rng = SeededRandom(seed: UInt64(seed) &+ 4242)
        func scalar() -> Any {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return "s\(Int.random(in: 0..<5, using: &rng))"
            case 1: return Int.random(in: -50...50, using: &rng)
            case 2: return Bool.random(using: &rng)
            default: return NSNull()
            }
        }
        func value(_ depth: Int) -> Any {
            switch depth > 3 ? 0 : Int.random(in: 0..<5, using: &rng) {
            case 0, 1: return scalar()
            case 2: return (0..<Int.random(in: 0...3, using: &rng)).map { _ in value(depth + 1) }
            default: return object(depth + 1)
            }
        }
        func object(_ depth: Int) -> [String: Any] {
            var o: [String: Any] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                o["k\(Int.random(in: 0..<4, using: &rng))"] = value(depth)
            }
            return o
        }
        let document = object(0)
        let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
        let text = String(decoding: data, as: UTF8.self)

        // The reference: every scalar reached, under the dotted path of objects, marked multi-valued under arrays.
        var expected: [String: (values: [String], isArray: Bool)] = [:]
        func walk(_ v: Any, _ key: String, _ inArray: Bool) {
            if let o = v as? [String: Any] {
                for k in o.keys.sorted() { walk(o[k]!, key.isEmpty ? k : key + "." + k, inArray) }
            } else if let a = v as? [Any] {
                for e in a { walk(e, key, true) }
            } else {
                if inArray && v is NSNull { return }
                var entry = expected[key, default: ([], inArray)]
                entry.values.append(describe(v))
                entry.isArray = entry.isArray || inArray
                expected[key] = entry
            }
        }
        walk(document, "", false)
        let got = try flatten(text)
        #expect(Set(got.map(\.key)) == Set(expected.keys), "seed \(seed): \(text)")
        for f in got {
            #expect(f.values.map(describe) == expected[f.key]?.values, "seed \(seed) key \(f.key): \(text)")
            #expect(f.isArray == expected[f.key]?.isArray, "seed \(seed) key \(f.key): \(text)")
        }
    }

    private func describe(_ v: Any) -> String {
        if v is NSNull { return "null" }
        // The generator's own Swift values (not re-read from JSON): Bool, Int, String.
        if let b = v as? Bool { return b ? "true" : "false" }
        if let n = v as? Int { return "\(n)" }
        return "\(v)"
    }

    private func describe(_ s: JSONScalar) -> String {
        switch s {
        case .string(let v): return v
        case .number(let v): return v
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .composite: return "composite"
        }
    }
}
