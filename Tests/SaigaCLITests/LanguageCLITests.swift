// Russian and Kazakh end to end (issue 14): a small bilingual JSONL about the corpus's subjects is indexed by the real
// `saiga index` with no language option, and inflected and transliterated forms find their documents through
// `saiga search`.

import Foundation
import Testing

@Suite("Russian and Kazakh through the command line")
struct LanguageCLITests {
    static let documents = """
        {"id":"ru-economy","title":"Экономика Казахстана","body":"Рост экономики Казахстана в прошлом году превысил ожидания. Нефть остаётся главной статьёй экспорта страны."}
        {"id":"ru-saiga","title":"Сайгаки в степи","body":"Численность сайгаков в казахстанских степях выросла. Мои коллеги считали стада с вертолётов."}
        {"id":"kk-almaty","title":"Алматы туралы","body":"Алматыда тау етегінде көптеген саябақтар бар. Қазақстанның ең үлкен қаласы Алматы болып табылады."}
        {"id":"kk-steppe","title":"Дала жануарлары","body":"Қазақстан даласында киіктер мен құландар мекендейді. Киіктердің саны соңғы жылдары өсті."}
        {"id":"en-astana","title":"Astana","body":"Astana became the capital of Kazakhstan in 1997; the steppe city grew quickly."}
        """

    func buildIndex(_ dir: URL, _ extra: String...) async throws -> URL {
        let input = dir.appendingPathComponent("bilingual.jsonl")
        try Self.documents.write(to: input, atomically: true, encoding: .utf8)
        let idx = dir.appendingPathComponent("idx")
        let r = try await saiga(["index", input.path, "--index", idx.path, "--quiet"] + extra)
        try #require(r.status == 0, "\(r)")
        return idx
    }

    func ids(_ idx: URL, _ query: String) async throws -> [String] {
        try searchJSON(try await saiga("search", "--index", idx.path, "--json", "-k", "10", "--", query)).ids.sorted()
    }

    @Test("with no option (auto), Russian and Kazakh forms and Latin Kazakh find their documents")
    func autoFindsInflectedAndTransliteratedForms() async throws {
        try await withTempDir { dir in
            let idx = try await buildIndex(dir)
            // Russian inflection.
            #expect(try await ids(idx, "Казахстан") == ["ru-economy"])
            #expect(try await ids(idx, "экономика") == ["ru-economy"])
            #expect(try await ids(idx, "сайгак") == ["ru-saiga"])
            // Kazakh inflection: the words with Kazakh letters, and Алматыда with none.
            #expect(try await ids(idx, "Қазақстан") == ["kk-almaty", "kk-steppe"])
            #expect(try await ids(idx, "Алматы") == ["kk-almaty"])
            #expect(try await ids(idx, "киік") == ["kk-steppe"])
            // Kazakh in Latin letters finds the Cyrillic spelling.
            #expect(try await ids(idx, "Qazaqstannyñ") == ["kk-almaty", "kk-steppe"])
            // English is as before.
            #expect(try await ids(idx, "capitals") == ["en-astana"])
            // A phrase of inflected Russian words.
            #expect(try await ids(idx, "\"экономика Казахстана\"") == ["ru-economy"])

            // The snippet marks the form as written.
            let r = try await saiga("search", "--index", idx.path, "--json", "Казахстан")
            let snippet = try #require(try searchJSON(r).hits.first?.snippet as? String)
            #expect(snippet.contains("<b>Казахстана</b>"), "\(snippet)")

            // The schema records the language; analyze shows the index's terms.
            let schema = try await saiga("schema", "--index", idx.path)
            #expect(
                schema.stdout.contains("\"language\" : \"auto\"") || schema.stdout.contains("\"language\":\"auto\""),
                "\(schema)")
            let analyzed = try await saiga("analyze", "--index", idx.path, "Қазақстанның Казахстана Qazaqstan")
            #expect(analyzed.stdout == "қазақстан\nказахста\nқазақстан\n", "\(analyzed)")
        }
    }

    @Test("--language kazakh reads every Latin word as Kazakh; --language none keeps й apart from и")
    func explicitLanguages() async throws {
        try await withTempDir { dir in
            let kazakh = try await buildIndex(dir, "--language", "kazakh")
            #expect(try await ids(kazakh, "Almaty") == ["kk-almaty"])
            #expect(try await ids(kazakh, "Qazaqstan") == ["kk-almaty", "kk-steppe"])
            let none = dir.appendingPathComponent("none")
            try FileManager.default.createDirectory(at: none, withIntermediateDirectories: true)
            let plain = try await buildIndex(none, "--language", "none")
            #expect(try await ids(plain, "Мои") == ["ru-saiga"])
            // No hits (and a "did you mean" towards the words the index has).
            for word in ["мой", "экономик"] {
                let r = try await saiga("search", "--index", plain.path, "--json", word)
                #expect(r.status == 0 && r.stdout.contains("\"total\":0,"), "\(r)")
            }
            let bad = try await saiga("index", "--index", dir.appendingPathComponent("x").path, "--language", "klingon")
            #expect(bad.status == 64 && bad.stderr.contains("--language"), "\(bad)")
        }
    }

    @Test("analyze --language prints one term per word, as conflation-eval needs")
    func analyzeLanguages() async throws {
        let kk = try await saiga("analyze", "--language", "kk", "Қазақстанның\nбалалардың\nQarağandyda")
        #expect(kk.stdout == "қазақстан\nбала\nқарағанд\n", "\(kk)")
        let ru = try await saiga("analyze", "--language", "ru", "Казахстана экономики running")
        #expect(ru.stdout == "казахста\nэкономик\nrun\n", "\(ru)")
        let en = try await saiga("analyze", "--language", "english", "Казахстана running")
        #expect(en.stdout == "казахстана\nrun\n", "\(en)")
    }
}
