import Foundation
import Testing

@testable import Saiga

/// Every match of `query` with its score, by id.
private func allMatches(_ reader: IndexReader, _ query: String) throws -> [String: Float] {
    let r = try reader.search(query, options: SearchOptions(k: SearchOptions.maxK, snippets: false, exhaustive: true))
    var out: [String: Float] = [:]
    for h in r.hits { out[h.id] = h.score }
    #expect(r.total == r.hits.count)
    return out
}

private func referenceMatches(_ model: [String: Document], order: [String], _ query: String) throws -> [String: Float] {
    let ref = ReferenceIndex(documents: order.compactMap { model[$0] })
    let (hits, _) = try ref.search(query, k: 100_000)
    var out: [String: Float] = [:]
    for (id, score) in hits { out[id] = score }
    return out
}

/// A merge policy that merges early, so that small tests exercise merging.
private let eagerMerges = MergePolicy(mergeFactor: 3, floorBytes: 512, maxSegments: 8)

@Suite struct LivingIndexTests {
    @Test func updateReplacesInTheSameCommitAndDeleteRemoves() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        // No background merges: which segments hold deleted documents must not depend on a merge's timing.
        let w = try IndexWriter(path: dir.path, options: IndexWriterOptions(mergePolicy: nil))
        try w.add(Document(id: "a", title: "Steppe", body: "the saiga of the steppe"))
        try w.add(Document(id: "b", body: "horse and river"))
        try w.commit()
        let before = try IndexReader(path: dir.path)
        #expect(try w.update(Document(id: "a", title: "Mountain", body: "an eagle over the mountain")))
        #expect(try w.update(Document(id: "c", body: "new document")) == false)  // an upsert of a new id adds
        // Nothing visible before the commit.
        #expect(try IndexReader(path: dir.path).search("saiga").total == 1)
        let g = try w.commit()
        let after = try IndexReader(path: dir.path)
        #expect(after.generation == g)
        #expect(after.documentCount == 3)
        #expect(after.statistics.deleted == 1, "the replaced \"a\" stays in its segment until a merge")
        #expect(try after.search("saiga").total == 0)
        #expect(try after.search("eagle").hits.map(\.id) == ["a"])
        #expect(try after.document(id: "a")?.title == "Mountain")
        // The old reader still sees its snapshot.
        #expect(try before.search("saiga").hits.map(\.id) == ["a"])
        #expect(try before.search("eagle").total == 0)

        #expect(try w.delete(id: "b"))
        #expect(try w.delete(id: "b") == false)
        #expect(try w.delete(id: "nope") == false)
        try w.commit()
        let r = try IndexReader(path: dir.path)
        #expect(r.documentCount == 2)
        // The first segment's documents are all deleted now: it leaves the index at the commit.
        #expect(r.statistics.deleted == 0 && r.statistics.segments == 1)
        #expect(try r.search("horse").total == 0)
        #expect(try r.document(id: "b") == nil)
        w.close()
    }

    /// A reader opened before updates, deletions, merges and further commits keeps answering from its snapshot,
    /// even after the writer deleted the files of that commit (they stay mapped).
    @Test func aReaderKeepsItsSnapshotThroughMergesAndFileDeletion() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let w = try IndexWriter(
            path: dir.path, options: IndexWriterOptions(maxBufferedDocuments: 10, mergePolicy: eagerMerges))
        for i in 0..<100 { try w.add(Document(id: "d\(i)", body: "river \(i) \(i % 2 == 0 ? "even" : "odd")")) }
        try w.commit()
        let old = try IndexReader(path: dir.path)
        let oldFiles = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        for i in 0..<50 { try w.update(Document(id: "d\(i * 2)", body: "lake")) }
        try w.delete(query: "odd")
        for _ in 0..<3 {
            try w.forceMerge(maxSegments: 1)
            try w.commit()
        }
        w.close()
        let now = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        #expect(!oldFiles.subtracting(now).isEmpty)  // the old commit's files are gone from the directory
        #expect(try old.search("river").total == 100)
        #expect(try old.search("odd").total == 50)
        #expect(try old.document(id: "d3")?.body == "river 3 odd")
        let fresh = try IndexReader(path: dir.path)
        #expect(fresh.documentCount == 50)
        #expect(try fresh.search("lake").total == 50)
        #expect(try fresh.search("river").total == 0)
    }

    @Test func addOfAnExistingIdIsAnErrorAcrossSessions() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let w1 = try IndexWriter(path: dir.path)
        try w1.add(Document(id: "x", body: "one"))
        try w1.commit()
        w1.close()
        let w2 = try IndexWriter(path: dir.path)
        #expect(throws: SaigaError.self) { try w2.add(Document(id: "x", body: "two")) }
        do { try w2.add(Document(id: "x", body: "two")) } catch { #expect(error.code == .duplicateID) }
        try w2.update(Document(id: "x", body: "two"))
        try w2.commit()
        w2.close()
        #expect(try IndexReader(path: dir.path).document(id: "x")?.body == "two")
    }

    @Test func updatesOfDocumentsStillInRAMAndDeleteByQuery() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let w = try IndexWriter(path: dir.path, options: IndexWriterOptions(mergePolicy: nil))
        for i in 0..<30 { try w.add(Document(id: "d\(i)", body: i % 3 == 0 ? "wolf eagle" : "tea bread")) }
        // d5 is still in RAM: updating it flushes, then deletes it from the new segment.
        try w.update(Document(id: "d5", body: "wolf replaced"))
        #expect(try w.delete(query: "eagle") == 10)
        #expect(try w.delete(query: "eagle") == 0)
        try w.commit()
        w.close()
        let r = try IndexReader(path: dir.path)
        #expect(r.documentCount == 20)
        #expect(try r.search("wolf").hits.map(\.id) == ["d5"])
        #expect(try r.search("tea").total == 19)
    }

    @Test func rollbackDiscardsAddsDeletesAndMerges() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let w = try IndexWriter(
            path: dir.path, options: IndexWriterOptions(maxBufferedDocuments: 5, mergePolicy: eagerMerges))
        for i in 0..<40 { try w.add(Document(id: "d\(i)", body: "river \(i)")) }
        try w.commit()
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        try w.delete(id: "d1")
        try w.update(Document(id: "d2", body: "lake"))
        for i in 40..<60 { try w.add(Document(id: "d\(i)", body: "river \(i)")) }
        try w.flush()
        w.rollback()
        let r = try IndexReader(path: dir.path)
        #expect(r.documentCount == 40)
        #expect(try r.search("lake").total == 0)
        #expect(try r.document(id: "d1") != nil)
        // Everything written since the commit is gone again (merges of the committed segments included).
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        #expect(after.subtracting(files).isEmpty, "left behind: \(after.subtracting(files).sorted())")
        #expect(throws: SaigaError.self) { try w.add(Document(id: "z", body: "closed")) }
    }

    @Test func forceMergeDropsDeletedDocumentsAndScoresLikeAFreshBuild() throws {
        var rng = SeededRandom(seed: 5)
        let docs = RandomCorpus.documents(count: 400, rng: &rng)
        let dir = TemporaryDirectory()
        let fresh = TemporaryDirectory()
        defer {
            dir.cleanup()
            fresh.cleanup()
        }
        let w = try IndexWriter(path: dir.path, options: IndexWriterOptions(maxBufferedDocuments: 60, mergePolicy: nil))
        for d in docs { try w.add(d) }
        try w.commit()
        var kept: [Document] = []
        for (i, d) in docs.enumerated() {
            if i % 7 == 3 { try w.delete(id: d.id) } else { kept.append(d) }
        }
        try w.commit()
        #expect(try IndexReader(path: dir.path).statistics.segments == 7)
        try w.forceMerge(maxSegments: 1)
        try w.commit()
        w.close()
        let merged = try IndexReader(path: dir.path)
        #expect(merged.statistics.segments == 1)
        #expect(merged.statistics.deleted == 0)
        #expect(merged.documentCount == kept.count)
        try buildIndex(kept, at: fresh.path)
        let reference = try IndexReader(path: fresh.path)
        var qrng = SeededRandom(seed: 9)
        for _ in 0..<40 {
            let q = RandomCorpus.query(&qrng)
            guard (try? merged.search(q)) != nil else { continue }  // e.g. only excluded terms
            let a = try merged.search(q, options: SearchOptions(k: 50, snippets: false))
            let b = try reference.search(q, options: SearchOptions(k: 50, snippets: false))
            #expect(a.total == b.total, "\(q)")
            #expect(a.hits.map(\.id) == b.hits.map(\.id), "\(q)")
            #expect(a.hits.map(\.score) == b.hits.map(\.score), "\(q)")
        }
        #expect(try IndexChecker.check(path: dir.path).isSound)
    }

    /// Random adds, updates, deletes (by id and by query), flushes, commits and merges against a dictionary
    /// id → document: after every commit the index holds exactly the model's documents, every query matches
    /// exactly what a brute-force search of the model matches, and (once merges have dropped every deleted
    /// document, so that the statistics are those of the live documents) with the same scores.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func randomOperationsMatchAReferenceModel(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let pool = RandomCorpus.documents(count: 600, rng: &rng)
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        var model: [String: Document] = [:]
        var nextID = 0
        var writer = try IndexWriter(
            path: dir.path, options: IndexWriterOptions(maxBufferedDocuments: 25, mergePolicy: eagerMerges))
        var commits = 0
        var scoreChecks = 0
        for step in 0..<400 {
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<45:
                var d = pool[Int.random(in: 0..<pool.count, using: &rng)]
                d.id = "id\(nextID)"
                nextID += 1
                try writer.add(d)
                model[d.id] = d
            case 45..<65 where !model.isEmpty:
                let id = model.keys.sorted()[Int.random(in: 0..<model.count, using: &rng)]
                var d = pool[Int.random(in: 0..<pool.count, using: &rng)]
                d.id = id
                #expect(try writer.update(d))
                model[id] = d
            case 65..<78 where !model.isEmpty:
                let id = model.keys.sorted()[Int.random(in: 0..<model.count, using: &rng)]
                #expect(try writer.delete(id: id))
                model[id] = nil
            case 78..<81:
                let q = RandomCorpus.word(&rng) + " AND " + RandomCorpus.word(&rng)
                let expected = try referenceMatches(model, order: model.keys.sorted(), q)
                #expect(try writer.delete(query: q) == expected.count, "\(q)")
                for id in expected.keys { model[id] = nil }
            case 81..<84:
                try writer.flush()
            case 84..<86:
                // Reopen the writer (a new session over the committed state).
                try writer.commit()
                writer.close()
                writer = try IndexWriter(
                    path: dir.path, options: IndexWriterOptions(maxBufferedDocuments: 25, mergePolicy: eagerMerges))
            default:
                if Int.random(in: 0..<4, using: &rng) == 0 { try writer.forceMerge(maxSegments: 1) }
                try writer.commit()
                commits += 1
                let reader = try IndexReader(path: dir.path)
                #expect(reader.documentCount == model.count, "step \(step)")
                #expect(reader.statistics.segments <= eagerMerges.maxSegments + 1)
                for _ in 0..<6 {
                    let q = RandomCorpus.query(&rng)
                    guard (try? QueryParser().parse(q)) != nil, (try? reader.search(q)) != nil else { continue }
                    let got = try allMatches(reader, q)
                    let want = try referenceMatches(model, order: model.keys.sorted(), q)
                    #expect(Set(got.keys) == Set(want.keys), "step \(step): \(q)")
                    if reader.deletedCount == 0 {
                        scoreChecks += 1
                        for (id, s) in want where got[id] != nil {
                            #expect(abs(got[id]! - s) <= 1e-5 * max(1, s), "step \(step): \(q) \(id)")
                        }
                    }
                }
                if let id = model.keys.sorted().first {
                    #expect(try reader.document(id: id)?.body == model[id]!.body)
                }
            }
        }
        try writer.commit()
        try writer.waitForMerges()
        try writer.commit()
        writer.close()
        #expect(commits >= 10)
        #expect(scoreChecks > 0)
        let report = try IndexChecker.check(path: dir.path)
        #expect(report.isSound, "\(report.problems)")
        #expect(report.documents == model.count)
    }

    @Test func manySmallCommitsKeepTheSegmentCountBounded() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let policy = MergePolicy(maxSegments: 12)
        let w = try IndexWriter(path: dir.path, options: IndexWriterOptions(mergePolicy: policy))
        var maxSeen = 0
        for i in 0..<300 {
            try w.add(Document(id: "c\(i)", body: "commit number \(i) steppe"))
            try w.commit()
            maxSeen = max(maxSeen, try IndexReader(path: dir.path).statistics.segments)
        }
        w.close()
        #expect(maxSeen <= policy.maxSegments)
        let r = try IndexReader(path: dir.path)
        #expect(r.documentCount == 300)
        #expect(try r.search("steppe").total == 300)
        // Only the files of the last two commits remain.
        let manifests = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter {
            $0.hasPrefix("manifest_")
        }
        #expect(manifests.count <= 2)
        #expect(try IndexChecker.check(path: dir.path).unreferencedFiles.isEmpty)
    }

    @Test func orphanFilesAreRemovedWhenAWriterOpens() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try buildIndex([Document(id: "a", body: "text")], at: dir.path)
        // An interrupted flush: files of a segment no commit names, and a manifest that never got renamed.
        for name in ["_zz.post", "_zz.terms", "_zz.store", "manifest_9.tmp"] {
            #expect(FileManager.default.createFile(atPath: dir.file(name), contents: Data([1, 2, 3])))
        }
        #expect(try IndexChecker.check(path: dir.path).unreferencedFiles.count == 4)
        let w = try IndexWriter(path: dir.path)
        w.close()
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        for name in ["_zz.post", "_zz.terms", "_zz.store", "manifest_9.tmp"] { #expect(!left.contains(name)) }
        #expect(try IndexReader(path: dir.path).documentCount == 1)
    }

    @Test func aTornNewestManifestFallsBackToThePreviousCommit() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let w = try IndexWriter(path: dir.path)
        try w.add(Document(id: "a", body: "first"))
        try w.commit()
        try w.add(Document(id: "b", body: "second"))
        try w.commit()
        w.close()
        // Tear manifest_2: cut it in half.
        let m2 = dir.file("manifest_2")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: m2))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: m2))
        let r = try IndexReader(path: dir.path)
        #expect(r.generation == 1)
        #expect(r.documentCount == 1)
        #expect(!r.openWarnings.isEmpty)
        #expect(r.openWarnings.first?.generation == 2)
        #expect(r.openWarnings.first?.error.path?.hasSuffix("manifest_2") == true)
        let report = try IndexChecker.check(path: dir.path)
        #expect(!report.isSound)
        // A writer refuses to open on top of it: writing from commit 1 would retire commit 2's files for good.
        #expect {
            try IndexWriter(path: dir.path)
        } throws: { error in
            (error as? SaigaError)?.code == .corruptIndex && "\(error)".contains("check --repair")
        }
        #expect(try IndexReader(path: dir.path).generation == 1, "the refused writer changed nothing")
        #expect(FileManager.default.fileExists(atPath: dir.file("manifest_2")))
        // Repair goes back to commit 1 explicitly; then writing works again.
        _ = try IndexChecker.repair(path: dir.path, report: report)
        let w2 = try IndexWriter(path: dir.path)
        try w2.add(Document(id: "c", body: "third"))
        #expect(try w2.commit() == 4)
        w2.close()
        let r3 = try IndexReader(path: dir.path)
        #expect(r3.documentCount == 2)
        #expect(r3.openWarnings.isEmpty)
        #expect(try IndexChecker.check(path: dir.path).isSound)
    }

    @Test func aSecondWriterIsRefusedWithTheHoldersPid() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let w = try IndexWriter(path: dir.path)
        do {
            _ = try IndexWriter(path: dir.path)
            Issue.record("a second writer was allowed")
        } catch {
            #expect(error.code == .indexLocked)
            #expect(error.message.contains("\(getpid())"), "\(error.message)")
        }
        w.close()
        let again = try IndexWriter(path: dir.path)  // released
        again.close()
    }

    /// A write error during a flush (here: a directory sits where the segment's file must be created) fails the
    /// commit cleanly: the previous commit is intact, and the writer commits once the cause is gone.
    @Test func aFailedFlushLeavesThePreviousCommitAndTheWriterUsable() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let w = try IndexWriter(path: dir.path, options: IndexWriterOptions(mergePolicy: nil))
        try w.add(Document(id: "a", body: "kept"))
        try w.commit()
        try w.add(Document(id: "b", body: "pending"))
        // The in-RAM segment is _1; its terms file is created at flush.
        let blocker = dir.file("_1.terms")
        try FileManager.default.createDirectory(atPath: blocker, withIntermediateDirectories: false)
        #expect(throws: SaigaError.self) { try w.commit() }
        #expect(try IndexReader(path: dir.path).documentCount == 1)
        try FileManager.default.removeItem(atPath: blocker)
        try w.add(Document(id: "c", body: "after the failure"))
        try w.commit()
        w.close()
        let r = try IndexReader(path: dir.path)
        #expect(r.documentCount == 2)  // "b" was in the failed segment: lost with it, never half-committed
        #expect(try r.document(id: "c") != nil)
        #expect(try IndexChecker.check(path: dir.path).isSound)
    }
}

/// `IndexReader.reopen()` shares what two commits have in common instead of opening and checking it again.
@Suite struct ReopenSharingTests {
    @Test func unchangedSegmentsAreSharedAndChangedDeletionsShareTheFiles() throws {
        let dir = TemporaryDirectory("saiga-reopen")
        defer { dir.cleanup() }
        let writer = try IndexWriter(path: dir.path, options: IndexWriterOptions(mergePolicy: nil))
        for i in 0..<20 { try writer.add(Document(id: "a\(i)", body: "steppe saiga \(i)")) }
        try writer.commit()
        for i in 0..<20 { try writer.add(Document(id: "b\(i)", body: "steppe horse \(i)")) }
        try writer.commit()
        let before = try IndexReader(path: dir.path)
        #expect(before.segments.count == 2)

        // A third segment, and a deletion in the second: the first is shared as it is, the second shares its
        // files with new deletions, the third is opened.
        try writer.add(Document(id: "c0", body: "steppe eagle"))
        try writer.delete(id: "b3")
        try writer.commit()
        let after = try before.reopen()
        #expect(after.segments.count == 3)
        #expect(after.segments[0] === before.segments[0])
        #expect(after.segments[1] !== before.segments[1])
        #expect(after.segments[1].postings === before.segments[1].postings, "mapped files shared")
        #expect(try after.segments[1].lookupID("b3") == nil, "deleted in the new commit")
        #expect(try before.segments[1].lookupID("b3") != nil, "live in the old one")
        #expect(after.documentCount == 40)
        #expect(before.documentCount == 40)
        let fresh = try IndexReader(path: dir.path)
        for q in ["steppe", "saiga", "horse", "eagle"] {
            #expect(
                try after.search(q, options: SearchOptions(k: 50)).hits.map(\.id)
                    == fresh.search(q, options: SearchOptions(k: 50)).hits.map(\.id), "\(q)")
        }
        writer.close()
    }
}

/// The merge scheduler's bookkeeping, on real segments.
@Suite struct MergeSchedulerTests {
    /// A merge that finished but whose result the writer has not taken yet still holds its sources: chosen again
    /// meanwhile, they would be merged a second time, and that merge would find their files deleted once the first
    /// result replaced them (a `saiga index --append` once failed so: "index file is missing").
    @Test func aFinishedMergeHoldsItsSourcesUntilTaken() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let writer = try IndexWriter(path: dir.path, options: IndexWriterOptions(mergePolicy: nil))
        for batch in 0..<3 {
            for i in 0..<5 { try writer.add(Document(id: "d\(batch)-\(i)", title: "t", body: "steppe \(batch) \(i)")) }
            try writer.flush()
        }
        try writer.commit()
        writer.close()
        let reader = try IndexReader(path: dir.path)
        let infos = reader.segments.map(\.info)
        #expect(infos.count == 3)
        let directory = try IndexDirectory(path: dir.path)
        let layout = FieldLayout(schema: reader.schema, positions: true, storeText: true)
        let scheduler = MergeScheduler(directory: directory, layout: layout, compressionLevel: 1)
        defer { scheduler.stop() }
        let sources = Array(infos.prefix(2))
        scheduler.enqueue(MergeScheduler.Task(sources: sources, deletions: [nil, nil], output: "_zz"))
        scheduler.waitForIdle()
        #expect(scheduler.pending == 0)
        // Finished, not taken: its sources are still merging, its output still in progress.
        #expect(scheduler.mergingSegments == Set(sources.map(\.name)))
        #expect(scheduler.outputsInProgress == ["_zz"])
        let done = scheduler.takeCompleted()
        #expect(done.count == 1)
        if case .failure(let e) = done.first?.result { Issue.record("the merge failed: \(e)") }
        #expect(scheduler.mergingSegments.isEmpty && scheduler.outputsInProgress.isEmpty)
    }
}
