// Uses only the public API (no @testable), exactly as an app embedding Saiga would. The first test is the
// README's example, compiled.
import Foundation
import Saiga
import Testing

@Suite struct EmbeddingTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("saiga-api-\(UUID().uuidString)").path
    }

    /// The README's structured-documents example, compiled.
    @Test func readmeStructuredExample() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }

        // --- README structured example begins ---
        let schema = try Schema([
            Schema.Field("tags", .keyword), Schema.Field("price", .float), Schema.Field("released", .date),
        ])
        let writer = try IndexWriter(path: path, options: IndexWriterOptions(schema: schema))
        try writer.add(
            Document(
                id: "p1", title: "Felt yurt lamp", body: "A lamp of felt for steppe evenings.",
                fields: [
                    .init("tags", "lamp"), .init("tags", "felt"), .init("price", .float(49.5)),
                    .init("released", "2024-03-01"),
                ]))
        try writer.commit()
        let results = try IndexReader(path: path).search(
            "steppe",
            options: SearchOptions(
                filter: ["price:<=50"], sort: [SortField("released", .descending)],
                facets: [FacetRequest("tags", .terms(size: 10))]))
        // --- README structured example ends ---
        writer.close()

        #expect(results.hits.map(\.id) == ["p1"])
        #expect(results.hits.first?.sortValues == [.date(DateValue(year: 2024, month: 3, day: 1)!)])
        #expect(results.facets.first?.buckets.map(\.label) == ["felt", "lamp"])
        #expect(results.next != nil)
    }

    @Test func readmeExample() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }

        // --- README example begins ---
        let writer = try IndexWriter(path: path)
        try writer.add(
            Document(
                id: "saiga-1", title: "Saiga antelope numbers recover",
                body: "The saiga population on the Kazakh steppe has grown to over a million."))
        try writer.add(
            Document(
                id: "oil-1", title: "Oil output rises",
                body: "Kazakhstan will increase oil production under the OPEC+ agreement."))
        try writer.commit()
        writer.close()

        let reader = try IndexReader(path: path)
        let results = try reader.search("saiga steppe", options: SearchOptions(k: 5))
        for hit in results.hits {
            print(hit.id, hit.score, hit.title, hit.snippet ?? "")
        }
        // --- README example ends ---

        #expect(results.total == 1)
        #expect(results.hits.first?.id == "saiga-1")
        #expect(results.hits.first?.snippet?.contains("<b>saiga</b>") == true)
        #expect(try reader.document(id: "oil-1")?.title == "Oil output rises")
        #expect(try reader.document(id: "missing") == nil)
    }

    @Test func errorsAreTyped() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try IndexReader(path: path)
            Issue.record("opening a missing index must fail")
        } catch {
            #expect(error.code == .indexNotFound)
        }
        let writer = try IndexWriter(path: path)
        try writer.add(Document(id: "a", body: "alpha"))
        do {
            try writer.add(Document(id: "a", body: "again"))
            Issue.record("duplicate ids must fail")
        } catch {
            #expect(error.code == .duplicateID)
        }
        // A second writer is refused while the first holds the lock.
        do {
            _ = try IndexWriter(path: path)
            Issue.record("a second writer must be refused")
        } catch {
            #expect(error.code == .indexLocked)
        }
        try writer.commit()
        writer.close()
        let reader = try IndexReader(path: path)
        do {
            _ = try reader.search("title:(alpha")
            Issue.record("malformed queries must fail")
        } catch {
            #expect(error.code == .invalidQuery)
            #expect(error.offset == 6)
        }
        #expect(try reader.search("alpha").total == 1)
    }

    @Test func aReaderKeepsItsCommitWhileTheIndexIsRebuilt() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w1 = try IndexWriter(path: path)
        for i in 0..<50 { try w1.add(Document(id: "old\(i)", body: "old document number \(i)")) }
        try w1.commit()
        w1.close()
        let oldReader = try IndexReader(path: path)
        #expect(oldReader.generation == 1)

        let w2 = try IndexWriter(path: path, options: IndexWriterOptions(openMode: .create))
        for i in 0..<20 { try w2.add(Document(id: "new\(i)", body: "new document number \(i)")) }
        #expect(try IndexReader(path: path).documentCount == 50)  // nothing visible before the commit
        let generation = try w2.commit()
        w2.close()
        #expect(generation == 2)

        // The old reader still searches its commit (its files were deleted but stay mapped).
        #expect(try oldReader.search("old").total == 50)
        #expect(try oldReader.document(id: "old7")?.body == "old document number 7")
        let newReader = try IndexReader(path: path)
        #expect(newReader.documentCount == 20)
        #expect(try newReader.search("old").total == 0)
        #expect(try newReader.search("new").total == 20)
    }

    @Test func bm25ParametersAndFields() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try IndexWriter(path: path)
        try writer.add(
            Document(id: "1", title: "River", body: "the river river river flows", fields: [.init("lang", "en")]))
        try writer.add(
            Document(id: "2", title: "Lake", body: "a river and a lake and a very long text about many other things"))
        try writer.commit()
        writer.close()
        let reader = try IndexReader(path: path)
        let a = try reader.search(
            "river", options: SearchOptions(bm25: BM25Parameters(k1: 1.2, b: 0.75), fields: ["lang"]))
        let b = try reader.search("river", options: SearchOptions(bm25: BM25Parameters(k1: 0.9, b: 0.4)))
        #expect(a.hits.map(\.id) == ["1", "2"])
        #expect(a.hits[0].fields["lang"] == "en")
        #expect(a.hits[0].score != b.hits[0].score)
        #expect(try reader.search("title:river").hits.map(\.id) == ["1"])
        #expect(try reader.search("body:lake").hits.map(\.id) == ["2"])
        do {
            _ = try reader.search("river", options: SearchOptions(bm25: BM25Parameters(k1: -1, b: 2)))
            Issue.record("invalid BM25 parameters must fail")
        } catch { #expect(error.code == .invalidArgument) }
    }
}
