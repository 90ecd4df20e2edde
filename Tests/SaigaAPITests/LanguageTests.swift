// Languages per text field (issue 14), through the public API only: the schema's `language`, indexes whose fields
// are Russian, Kazakh and auto, and what a writer does with languages when an index already exists.
import Foundation
import Saiga
import Testing

@Suite struct LanguageTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("saiga-lang-\(UUID().uuidString)").path
    }

    @Test func textFieldsDefaultToAutoAndLanguagesRoundTripThroughJSON() throws {
        #expect(Schema.default["title"]?.language == .auto && Schema.default["body"]?.language == .auto)
        #expect(Schema.Field("n", .integer, language: .russian).language == Schema.TextLanguage.none)
        let schema = try Schema([
            .init("ru", .text, language: .russian), .init("kk", .text, language: .kazakh),
            .init("plain", .text, language: .none), .init("n", .integer),
        ])
        let json = try JSONEncoder().encode(schema)
        #expect(try JSONDecoder().decode(Schema.self, from: json) == schema)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"language\":\"kazakh\"") && text.contains("\"language\":\"russian\""))
        // A language on a field that is not text is refused; so is an unknown language.
        for bad in [
            #"{"fields":[{"name":"n","type":"integer","language":"russian"}]}"#,
            #"{"fields":[{"name":"t","type":"text","language":"klingon"}]}"#,
        ] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(Schema.self, from: Data(bad.utf8)) }
        }
        let parsed = try JSONDecoder().decode(
            Schema.self, from: Data(#"{"fields":[{"name":"t","type":"text"}]}"#.utf8))
        #expect(parsed["t"]?.language == .auto)
    }

    /// Each field analyzes in its own language, at index time and query time; unscoped words are analyzed per field.
    @Test func eachFieldIsSearchedInItsLanguage() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let schema = try Schema([
            .init("ru", .text, language: .russian), .init("kk", .text, language: .kazakh),
            .init("en", .text, language: .english), .init("raw", .text, language: .none),
        ])
        let writer = try IndexWriter(path: path, options: IndexWriterOptions(schema: schema))
        try writer.add(
            Document(
                id: "1", title: "Экономика", body: "Рост экономики Казахстана",
                fields: [
                    .init("ru", "Экономика Казахстана растёт"), .init("kk", "Қазақстанның экономикасы Алматыда"),
                    .init("en", "Kazakhstan's economies"), .init("raw", "экономики"),
                ]))
        try writer.add(Document(id: "2", title: "Другое", body: "Мой дом", fields: [.init("kk", "Qazaqstan")]))
        try writer.commit()
        writer.close()

        let reader = try IndexReader(path: path)
        func ids(_ q: String) throws -> [String] { try reader.search(q).hits.map(\.id).sorted() }
        #expect(try ids("ru:Казахстан") == ["1"])
        #expect(try ids("ru:экономики") == ["1"])
        #expect(try ids("kk:Қазақстан") == ["1", "2"])  // Qazaqstan reads as Қазақстан
        #expect(try ids("kk:Qazaqstannyñ") == ["1", "2"])
        #expect(try ids("kk:Алматы") == ["1"])
        #expect(try ids("en:economy") == ["1"])
        #expect(try ids("raw:экономика") == [])  // no stemming in a `none` field
        #expect(try ids("raw:экономики") == ["1"])
        // Unscoped: the body (auto) finds the Russian forms.
        #expect(try ids("Казахстан") == ["1"])
        #expect(try ids("экономика") == ["1"])
        // й is kept: мой is not мои.
        #expect(try ids("body:мой") == ["2"])
        #expect(try reader.search(words: "Казахстан экономика", match: .all).hits.map(\.id) == ["1"])
        #expect(try reader.search(phrase: "экономики Казахстана").hits.map(\.id) == ["1"])
        #expect(reader.schema["kk"]?.language == .kazakh && reader.schema["body"]?.language == .auto)
        #expect(reader.analyze("Қазақстанның", field: "kk") == ["қазақстан"])
        #expect(reader.analyze("Казахстана", field: "ru") == ["казахста"])
        #expect(reader.analyze("x", field: "nope") == nil)
        // Prefixes and wildcards read Latin Kazakh as Cyrillic too, and match the words as written.
        #expect(try ids("kk:Qazaq*") == ["1", "2"])
        #expect(try ids("kk:қазақстанның") == ["1", "2"])
    }

    /// The writer settles languages against the index: a field keeps its language (`auto` in a later schema means
    /// "unsaid"), another language is refused, and without stemming every text field is `none`.
    @Test func languagesAreSettledAgainstTheIndex() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try Schema([.init("ru", .text, language: .russian)])
        var writer = try IndexWriter(path: path, options: IndexWriterOptions(schema: first))
        try writer.add(Document(id: "1", title: "", body: "", fields: [.init("ru", "Казахстана")]))
        try writer.commit()
        writer.close()

        // Appending with the field left at auto keeps Russian.
        writer = try IndexWriter(
            path: path, options: IndexWriterOptions(schema: try Schema([.init("ru", .text), .init("kk", .text)])))
        writer.close()
        #expect(try IndexReader(path: path).schema["ru"]?.language == .russian)
        // Another language for it is refused, naming the field.
        let error = #expect(throws: SaigaError.self) {
            _ = try IndexWriter(
                path: path, options: IndexWriterOptions(schema: try Schema([.init("ru", .text, language: .kazakh)])))
        }
        #expect(error?.message.contains("\"ru\"") == true)

        // Without stemming: every text field is none; asking for a stemming language is an error.
        let plain = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: plain) }
        let noStem = IndexWriterOptions(
            analyzer: AnalyzerOptions(stemming: false), schema: try Schema([.init("t", .text)]))
        writer = try IndexWriter(path: plain, options: noStem)
        try writer.add(Document(id: "1", title: "Казахстана", body: "", fields: [.init("t", "running")]))
        try writer.commit()
        writer.close()
        let reader = try IndexReader(path: plain)
        #expect(reader.schema.fields.filter { $0.type == .text }.allSatisfy { $0.language == .none })
        #expect(try reader.search("t:running").hits.count == 1 && reader.search("t:run").hits.isEmpty)
        #expect(throws: SaigaError.self) {
            _ = try IndexWriter(
                path: temporaryPath(),
                options: IndexWriterOptions(
                    analyzer: AnalyzerOptions(stemming: false),
                    schema: try Schema([.init("t", .text, language: .russian)])))
        }

        // A new index's title and body take the languages its schema declares.
        let declared = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: declared) }
        writer = try IndexWriter(
            path: declared,
            options: IndexWriterOptions(
                schema: try Schema([.init("title", .text, language: .kazakh), .init("body", .text, language: .russian)])
            ))
        try writer.add(Document(id: "1", title: "Алматыда", body: "Казахстана"))
        try writer.commit()
        writer.close()
        let r = try IndexReader(path: declared)
        #expect(r.schema["title"]?.language == .kazakh && r.schema["body"]?.language == .russian)
        #expect(try r.search("title:Алматы").hits.count == 1 && r.search("body:Казахстан").hits.count == 1)
    }

    /// The search box in Russian and Kazakh: completions are words as written (never a stem that is no word), a
    /// misspelling gets its word back, and fuzzy words reach Cyrillic terms.
    @Test func searchBoxInRussianAndKazakh() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try IndexWriter(path: path)
        try writer.add(Document(id: "1", title: "Экономика Казахстана", body: "Рост экономики Казахстана. Мои годы."))
        try writer.add(Document(id: "2", title: "Қазақстан", body: "Қазақстанның жылдары Алматыда. Нефть."))
        try writer.commit()
        writer.close()
        let reader = try IndexReader(path: path)
        let completions = try reader.suggest("каза").completions.map(\.word)
        #expect(completions == ["казахстана"], "\(completions)")  // not the stem казахста
        #expect(try reader.suggest("қаза").completions.map(\.word).contains("қазақстанның"))
        #expect(try reader.search("Казахстна").didYouMean == "казахстана")
        #expect(try reader.search("Қазақстн").didYouMean == "қазақстан")
        #expect(try reader.search("Казахстн~1").hits.map(\.id) == ["1"])
        #expect(try reader.search("нефть~1").hits.map(\.id) == ["2"])
        var tolerant = SearchOptions()
        tolerant.typos = .auto
        #expect(try reader.search("Казахстнаа", options: tolerant).hits.map(\.id) == ["1"])
    }
}
