// The schema of typed fields and date values, through the public API only (issue 12's first step: the value types,
// not yet wired into the index).
import Foundation
import Saiga
import Testing

@Suite struct SchemaTests {
    @Test func typesHaveTheirDefaults() throws {
        let schema = try Schema([
            .init("id", .keyword), .init("title", .text), .init("source", .keyword, lowercase: true),
            .init("year", .integer), .init("price", .float), .init("date", .date), .init("draft", .boolean),
        ])
        let title = try #require(schema["title"])
        #expect(title.indexed && title.stored && title.positions && !title.column && title.boost == 1)
        for name in ["source", "year", "price", "date", "draft"] {
            let f = try #require(schema[name])
            #expect(f.indexed && f.stored && f.column && !f.positions, "\(name)")
        }
        #expect(schema["source"]?.lowercase == true)
        #expect(schema["nope"] == nil)
        #expect(Schema.default.fields.map(\.name) == ["id", "title", "body"])
    }

    @Test func invalidSchemasNameTheField() {
        let bad: [([Schema.Field], String)] = [
            ([.init("body", .text, column: true)], "\"body\""),
            ([.init("n", .integer, positions: true)], "positions"),
            ([.init("t", .text, lowercase: true)], "lower-cased"),
            ([.init("n", .integer, boost: 2)], "boost"),
            ([.init("t", .text, boost: 0)], "boost"),
            ([.init("t", .text, indexed: false, positions: true)], "positions need"),
            ([.init("k", .keyword, indexed: false, stored: false, column: false)], "keeps nothing"),
            ([.init("a", .keyword), .init("a", .integer)], "twice"),
            ([.init("id", .integer)], "document id"),
            ([.init("", .keyword)], "1 to 255"),
            ([.init("title:x", .text)], "letters"),
            ([.init("9lives", .keyword)], "letters"),
            ([.init("a..b", .keyword)], "letters"),
            ([.init("a.", .keyword)], "letters"),
            ([.init(String(repeating: "a", count: 256), .keyword)], "1 to 255"),
            ((0...Schema.maxFields).map { .init("f\($0)", .keyword) }, "at most"),
        ]
        for (fields, says) in bad {
            #expect {
                _ = try Schema(fields)
            } throws: { error in
                guard let e = error as? SaigaError else { return false }
                return (e.code == .invalidArgument || e.code == .limitExceeded) && e.message.contains(says)
            }
        }
        #expect(throws: Never.self) { _ = try Schema([.init("a.b-c_d9", .keyword)]) }
    }

    @Test func evolutionAddsFieldsAndRefusesChanges() throws {
        let base = try Schema([.init("id", .keyword), .init("tags", .keyword)])
        let grown = try base.adding(try Schema([.init("tags", .keyword), .init("year", .integer)]))
        #expect(grown.fields.map(\.name) == ["id", "tags", "year"])
        #expect(try grown.adding(base) == grown, "adding what is there changes nothing")
        for (changed, says) in [
            (Schema.Field("tags", .text), "is keyword in the index and text in the new schema"),
            (Schema.Field("tags", .keyword, lowercase: true), "lowercase false in the index and true"),
            (Schema.Field("tags", .keyword, stored: false), "stored true in the index and false"),
        ] {
            #expect {
                _ = try base.adding(try Schema([changed]))
            } throws: { error in
                ((error as? SaigaError)?.message.contains(says) ?? false)
                    && ((error as? SaigaError)?.message.contains("\"tags\"") ?? false)
            }
        }
    }

    @Test func schemasRoundTripThroughJSONAndUnknownKeysAreRefused() throws {
        let json = Data(
            #"""
            {"fields": [{"name": "id", "type": "keyword"}, {"name": "body", "type": "text", "boost": 2},
                        {"name": "source", "type": "keyword", "lowercase": true},
                        {"name": "date", "type": "date", "stored": false}]}
            """#.utf8)
        let schema = try JSONDecoder().decode(Schema.self, from: json)
        #expect(schema["body"]?.boost == 2 && schema["body"]?.positions == true)
        #expect(schema["date"]?.stored == false && schema["date"]?.column == true)
        let again = try JSONDecoder().decode(Schema.self, from: try JSONEncoder().encode(schema))
        #expect(again == schema)

        for bad in [
            #"{"fields": [{"name": "a", "type": "keyword", "colum": true}]}"#,
            #"{"fields": [{"name": "a", "type": "string"}]}"#,
            #"{"fields": [{"name": "a", "type": "integer", "positions": true}]}"#,
            #"{"fields": [{"type": "integer"}]}"#,
        ] {
            #expect(throws: DecodingError.self, "\(bad)") {
                _ = try JSONDecoder().decode(Schema.self, from: Data(bad.utf8))
            }
        }
    }

    @Test func datesParseAsRFC3339AndPrintInUTC() throws {
        let cases: [(String, String)] = [
            ("2025-12-09", "2025-12-09T00:00:00Z"),
            ("2025-12-09T14:30:00Z", "2025-12-09T14:30:00Z"),
            ("2025-12-09t14:30z", "2025-12-09T14:30:00Z"),
            ("2025-12-09 14:30:00.250+05:00", "2025-12-09T09:30:00.250Z"),
            ("2024-02-29T23:59:59.999999-01:30", "2024-03-01T01:29:59.999Z"),
            ("1970-01-01", "1970-01-01T00:00:00Z"),
            ("1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.500Z"),
            ("0000-01-01", "0000-01-01T00:00:00Z"),
            ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"),
        ]
        for (text, utc) in cases {
            let d = try #require(DateValue(parsing: text), "\(text)")
            #expect(d.description == utc, "\(text)")
            #expect(DateValue(parsing: d.description) == d, "\(text) round trip")
        }
        #expect(DateValue(parsing: "1970-01-02")?.milliseconds == 86_400_000)
        #expect(DateValue(epochSeconds: 1_765_238_400) == DateValue(parsing: "2025-12-09"))
        #expect(DateValue(epochSeconds: 253_402_300_800) == nil, "past 9999")
        for bad in [
            "", "2025", "2025-13-01", "2025-02-29", "2024-02-30", "2025-04-31", "2025-12-09T24:00",
            "2025-12-09T12:60", "2025-12-09T12:00:60", "2025-12-09T12:00+5:00", "2025-12-09T", "2025-1-09",
            "2025-12-09T12:00:00.", "2025-12-09T12:00:00.1234567890Z", "2025-12-09x", "2025-12-09T12:00Zjunk",
            "09 December 2025", "+2025-12-09",
        ] {
            #expect(DateValue(parsing: bad) == nil, "\(bad)")
        }
        // Every day from 1900 to 2100 survives a round trip and consecutive days are 86,400,000 ms apart.
        var previous: DateValue?
        var day = try #require(DateValue(parsing: "1900-01-01"))
        while day.description < "2100-01-01" {
            let text = String(day.description.prefix(10))
            #expect(DateValue(parsing: text) == day, "\(text)")
            if let previous { #expect(day.milliseconds - previous.milliseconds == 86_400_000) }
            previous = day
            day = DateValue(milliseconds: day.milliseconds + 86_400_000)
        }
    }
}
