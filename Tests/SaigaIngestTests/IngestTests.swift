import Foundation
import SaigaTestSupport
import Testing

@testable import Saiga
@testable import SaigaIngest

@Suite struct ArticleSplitterTests {
    static var corpusDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Index/corpus").path
    }

    func articles(_ file: String) throws -> [ArticleSplitter.Article] {
        let text = try String(contentsOfFile: ArticleSplitterTests.corpusDirectory + "/" + file, encoding: .utf8)
        return ArticleSplitter.splitText(text)
    }

    @Test func bundledCorpusSplitsIntoItsArticles() throws {
        let a0 = try articles("000_3c8d84578b754a48.txt").map(\.title)
        #expect(
            a0 == [
                "Kazakhstan: A decree on human rights demonstrates the government is responsive to the people’s demands",
                "Can Kazakhstan set an example for Central Asia’s key position in the global transition to green economy?",
                "Islamic Extremism in Central Asia: A Threat to Liberal Progress",
                "EU’s €20M Project to Diversify Internet Resources in Kazakhstan with Satellite Communications",
                "OCCRP Reports on Corruption Linked to Berdimuhamedov family",
                "Leonardo DiCaprio Congratulates Government of Kazakhstan",
            ])
        let a1 = try articles("001_da1136e84224b206.txt").map(\.title)
        #expect(
            a1 == [
                "Human rights in Kazakhstan",
                "Kazakhstan’s government determined to enhance engagement with civil society",
                "Kazakhstan will continue to increase oil production under OPEC+ agreement",
                "More airlines resume international air travel to Kazakhstan",
            ])
        #expect(try articles("002_73c89ad6eebc6f35.txt").map(\.title) == ["New Decree on Human Rights in Kazakhstan."])
        #expect(try articles("003_c5f1b9d40414082f.txt").map(\.title) == ["General Information about the Country"])
        #expect(
            try articles("004_038d0ce85438f681.txt").map(\.title) == ["Retreating Rights – Kazakhstan: Introduction"])
    }

    @Test func sectionHeadingsStayInTheirArticle() throws {
        let decree = try articles("000_3c8d84578b754a48.txt")[0]
        for heading in ["Building gender equality", "Combatting domestic violence", "Conclusion"] {
            #expect(decree.body.contains(heading))
        }
        let dicaprio = try articles("000_3c8d84578b754a48.txt")[5]
        #expect(dicaprio.body.contains("saiga"))
        #expect(!dicaprio.body.contains("OCCRP"))
        // Bylines stay in the body, the title is not repeated in it.
        let opec = try articles("001_da1136e84224b206.txt")[2]
        #expect(opec.body.hasPrefix("Astana Times"))
        #expect(!opec.body.contains("under OPEC+ agreement\n"))
    }

    @Test func splitNoneKeepsOneDocumentPerFile() throws {
        let text = try String(
            contentsOfFile: ArticleSplitterTests.corpusDirectory + "/000_3c8d84578b754a48.txt", encoding: .utf8)
        let all = ArticleSplitter.splitText(text, split: false)
        #expect(all.count == 1)
        #expect(all[0].body.contains("DiCaprio"))
    }

    @Test func markdown() {
        let md = "# First\n\nAlpha text.\n\n## Sub\n\nMore.\n\n# Second\n\n```\n# not a heading\n```\nBeta.\n"
        let a = ArticleSplitter.splitMarkdown(md)
        #expect(a.map(\.title) == ["First", "Second"])
        #expect(a[1].body.contains("# not a heading"))
        #expect(a[0].body.contains("## Sub"))
    }
}

@Suite struct CorpusReaderTests {
    func write(_ dir: TemporaryDirectory, _ name: String, _ bytes: [UInt8]) -> String {
        let path = dir.file(name)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    func read(
        _ inputs: [String], skipBad: Bool = false
    ) -> (docs: [Document], issues: [IngestIssue], thrown: IngestIssue?) {
        var issues: [IngestIssue] = []
        let reader = CorpusReader(inputs: inputs, issues: &issues)
        var docs: [Document] = []
        do {
            try reader.forEachDocument(
                { d, _ in docs.append(d) },
                onIssue: {
                    issues.append($0)
                    return skipBad
                })
        } catch let e as IngestIssue {
            return (docs, issues, e)
        } catch { Issue.record("\(error)") }
        return (docs, issues, nil)
    }

    @Test func jsonLines() {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let path = write(
            dir, "a.jsonl",
            Array(
                """
                {"id": "x1", "title": "First", "contents": "alpha", "lang": "en", "n": 3, "tags": ["a"], "z": null}

                {"id": 2, "body": "beta"}
                """.utf8))
        let (docs, issues, thrown) = read([path])
        #expect(thrown == nil && issues.isEmpty)
        #expect(docs.map(\.id) == ["x1", "2"])
        #expect(docs[0].title == "First" && docs[0].body == "alpha")
        // Typed as JSON gives them (the schema checks them), arrays as several values, nulls dropped.
        #expect(
            docs[0].fields == [
                Document.Field("lang", "en"), Document.Field("n", .integer(3)), Document.Field("tags", "a"),
            ])
        #expect(docs[1].body == "beta")
    }

    @Test(arguments: [
        ("{\"id\": \"a\", \"contents\": \"x\"}\n{\"id\": \"b\" \"contents\": \"y\"}\n", 2, "malformed JSON"),
        ("{\"title\": \"t\", \"contents\": \"x\"}\n", 1, "missing \"id\""),
        ("{\"id\": \"a\"}\n", 1, "contents"),
        ("{\"id\": [1], \"contents\": \"x\"}\n", 1, "\"id\""),
        ("[1, 2]\n", 1, "malformed JSON"),
    ])
    func badJSONLinesNameTheLine(content: String, line: Int, message: String) {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let path = write(dir, "bad.jsonl", Array(content.utf8))
        let (_, _, thrown) = read([path])
        let issue = thrown
        #expect(issue != nil)
        #expect(issue?.line == line)
        #expect(issue?.path == path)
        #expect(issue?.message.contains(message) == true, "\(issue?.message ?? "")")
    }

    @Test func badTextFiles() {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let invalid = write(
            dir, "invalid.txt", Array("Title line\n\nok text\n".utf8) + [0xC3, 0x28] + Array(" more\n".utf8))
        let (_, _, t1) = read([invalid])
        #expect(t1?.line == 4)
        #expect(t1?.message.contains("UTF-8") == true)
        let empty = write(dir, "empty.txt", [])
        #expect(read([empty]).thrown?.message.contains("empty") == true)
        let missing = dir.file("nope.txt")
        var issues: [IngestIssue] = []
        _ = CorpusReader(inputs: [missing], issues: &issues)
        #expect(issues.first?.path == missing)
        // With skip-bad, good files still come through.
        let good = write(
            dir, "good.txt",
            Array(
                "A Good Title For This Text\n\nThis is the body of a perfectly fine article, long enough to count as prose.\n"
                    .utf8))
        let (docs, skipped, thrown) = read([invalid, empty, good], skipBad: true)
        #expect(thrown == nil)
        #expect(skipped.count == 2)
        #expect(docs.map(\.id) == ["good.txt#1"])
        #expect(docs[0].title == "A Good Title For This Text")
    }

    /// Every title the splitter makes is at most 200 characters, and a headline cut to a title stays whole in the
    /// body (found by the `articles` fuzz target: a title-like line ending in a period had no length limit).
    @Test func titlesAreBoundedAndNothingIsLost() {
        let long = (0..<40).map { _ in "Extraordinarily" }.joined(separator: "") + " Long Capitalised Headline Words."
        let texts = [
            "Saiga Numbers\n\n" + long
                + "\n\nThe saiga population on the steppe has grown to over a million animals this year.\n",
            String(repeating: "word ", count: 100) + "\n\nsecond paragraph.\n",
            "# " + String(repeating: "heading ", count: 60) + "\n\ntext\n",
        ]
        for (i, text) in texts.enumerated() {
            let articles = i == 2 ? ArticleSplitter.splitMarkdown(text) : ArticleSplitter.splitText(text)
            #expect(!articles.isEmpty)
            for a in articles {
                #expect(a.title.count <= ArticleSplitter.maxTitleCharacters, "\(a.title.count): \(a.title)")
                let words = Set(text.split(whereSeparator: { $0.isWhitespace || $0 == "#" }).map(String.init))
                let kept = Set(
                    (a.title + " " + a.body).split(whereSeparator: { $0.isWhitespace || $0 == "#" || $0 == "…" }).map(
                        String.init))
                #expect(words.subtracting(kept).isEmpty, "lost: \(words.subtracting(kept))")
            }
        }
        #expect(ArticleSplitter.splitText(texts[0]).first?.title.hasSuffix("…") == true)
    }
}
