// Surface forms: on a stemmed index, prefixes, wildcards and regular expressions match whole words as written
// (`running*` finds "running", whose term is `run`), through the unstemmed words kept besides the terms (`TermKey`).

import Testing

@testable import Saiga

@Suite struct SurfaceFormTests {
    let documents = [
        Document(id: "d1", title: "Running on the steppe", body: "The saiga keeps running across the steppes."),
        Document(id: "d2", title: "Shoes", body: "Runners wear shoes; the runner ran."),
        Document(id: "d3", title: "Kazakhstan", body: "Kazakhstan is a country of steppe and mountains."),
        Document(id: "d4", title: "Happy", body: "A happy herd, happiness on the plains."),
    ]

    @Test func theAnalyzerPassesTheWordsTheStemmerChanged() {
        var sink = CollectingSink(withOffsets: false, surfaceForms: true)
        var text = "Running steppes Kazakhstan's run happy"
        _ = text.withUTF8 { Analyzer().analyze(UnsafeRawBufferPointer($0), into: &sink) }
        #expect(
            sink.terms.map { String(decoding: $0, as: UTF8.self) } == ["run", "stepp", "kazakhstan", "run", "happi"])
        #expect(
            sink.surfaces.map { $0.map { String(decoding: $0, as: UTF8.self) } } == [
                "running", "steppes", nil, nil, "happy",
            ])
    }

    func ids(_ reader: IndexReader, _ query: String) throws -> [String] {
        try reader.search(query, options: SearchOptions(k: 10, snippets: false)).hits.map(\.id).sorted()
    }

    @Test(arguments: [false, true])
    func patternsFindWholeWords(segments: Bool) throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(documents, at: dir.path, flushAfter: segments ? [0, 2] : [])
        let reader = try IndexReader(path: dir.path)
        #expect(try ids(reader, "running*") == ["d1"])
        #expect(try ids(reader, "body:steppe*") == ["d1", "d3"])
        #expect(try ids(reader, "shoes*") == ["d2"])
        #expect(try ids(reader, "runn?ng") == ["d1"])
        #expect(try ids(reader, "/steppes?/") == ["d1", "d3"])
        #expect(try ids(reader, "runner*") == ["d2"])
        // A pattern also matches terms: `happi*` reaches the term of "happy" (happi) as well as "happiness".
        #expect(try ids(reader, "happi*") == ["d4"])
        // Surface forms never reach fuzzy words, exact words or phrases: those match terms.
        #expect(try ids(reader, "running") == ["d1"])
        #expect(try ids(reader, "runners") == ["d2"])
        #expect(try ids(reader, "\"keeps running\"") == ["d1"])
        // Statistics: the field's terms are what they were; the surface forms are counted apart.
        #expect(reader.statistics.surfaceForms > 0)
        #expect(try IndexChecker.check(path: dir.path).isSound)
        // Snippets mark the word the prefix matched.
        let hit = try reader.search("running*").hits[0]
        #expect(hit.snippet?.contains("<b>running</b>") == true, "\(hit.snippet ?? "")")
        let explained = try #require(try reader.explain("running*", id: "d1"))
        #expect(explained.text.contains("body:running"), "\(explained.text)")
    }

    @Test func mergedSegmentsKeepThem() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(documents, at: dir.path, flushAfter: [0, 1, 2])
        let writer = try IndexWriter(path: dir.path, options: IndexWriterOptions())
        try writer.forceMerge(maxSegments: 1)
        try writer.commit()
        writer.close()
        let reader = try IndexReader(path: dir.path)
        #expect(reader.statistics.segments == 1)
        #expect(try ids(reader, "running*") == ["d1"])
        #expect(try ids(reader, "body:steppe*") == ["d1", "d3"])
        #expect(try IndexChecker.check(path: dir.path).isSound)
    }

    @Test func withoutSurfaceFormsPatternsMatchTermsOnly() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex(
            documents, at: dir.path,
            options: IndexWriterOptions(analyzer: AnalyzerOptions(stemming: true, surfaceForms: false)))
        let reader = try IndexReader(path: dir.path)
        #expect(try ids(reader, "running*") == [])
        #expect(try ids(reader, "run*") == ["d1", "d2"])
        #expect(reader.statistics.surfaceForms == 0)
        // Unstemmed indexes need none: their terms are the words.
        let plain = TemporaryDirectory()
        defer { plain.cleanup() }
        try buildIndex(
            documents, at: plain.path, options: IndexWriterOptions(analyzer: AnalyzerOptions(stemming: false)))
        let unstemmed = try IndexReader(path: plain.path)
        #expect(try ids(unstemmed, "running*") == ["d1"])
        #expect(unstemmed.statistics.surfaceForms == 0)
    }
}
