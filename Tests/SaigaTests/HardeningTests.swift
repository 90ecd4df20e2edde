// What a hostile user found (issue 10), each at its root: symlinks and FIFOs in an index directory, damage in the
// newest commit, a directory that is not an index, a merge over checksum-valid but inconsistent data, too many
// extra fields, oversized titles and documents. Symlink tests point only at decoy files in their own temp directory.

import Dispatch
import Foundation
import Testing

@testable import Saiga

#if canImport(Glibc)
    import Glibc
#endif

private func write(_ text: String, to path: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

private func read(_ path: String) throws -> String {
    String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
}

private func names(_ path: String) throws -> Set<String> {
    Set(try FileManager.default.contentsOfDirectory(atPath: path))
}

/// Runs `body` on a thread and waits at most `seconds`: a call that blocks forever (a FIFO opened for reading) is
/// reported instead of hanging the test run.
private final class ResultBox<T>: @unchecked Sendable {  // written before `done` is signalled, read after
    var value: T?
}

private func withinSeconds<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () -> T) -> T? {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        box.value = body()
        done.signal()
    }
    guard done.wait(timeout: .now() + seconds) == .success else { return nil }
    return box.value
}

@Suite struct HardeningTests {
    /// An index with two commits: `_0` (commit 1) and `_1` (added by commit 2).
    func twoCommits(_ dir: TemporaryDirectory) throws -> String {
        let index = dir.path + "/idx"
        let w = try IndexWriter(path: index)
        try w.add(Document(id: "a", title: "Steppe", body: "the saiga of the steppe"))
        try w.commit()
        try w.add(Document(id: "b", title: "River", body: "a horse by the river"))
        try w.commit()
        w.close()
        return index
    }

    // MARK: - 1. Symlinks and FIFOs

    @Test func aSymlinkedLockFileIsNeverFollowed() throws {
        let dir = TemporaryDirectory("saiga-hostile")
        defer { dir.cleanup() }
        let index = try twoCommits(dir)
        let decoy = dir.path + "/decoy"
        try write("DECOY CONTENT", to: decoy)
        try FileManager.default.removeItem(atPath: index + "/write.lock")
        #expect(symlink(decoy, index + "/write.lock") == 0)
        #expect(throws: SaigaError.self) { try IndexWriter(path: index) }
        let report = try IndexChecker.check(path: index)
        #expect(throws: SaigaError.self) { try IndexChecker.repair(path: index, report: report) }
        #expect(try read(decoy) == "DECOY CONTENT", "the decoy was written through the symlink")
        // A symlink to a file that does not exist is not created through either.
        try FileManager.default.removeItem(atPath: index + "/write.lock")
        let absent = dir.path + "/created-through-link"
        #expect(symlink(absent, index + "/write.lock") == 0)
        #expect(throws: SaigaError.self) { try IndexWriter(path: index) }
        #expect(!FileManager.default.fileExists(atPath: absent))
    }

    @Test func aSymlinkWhereASegmentFileShouldBeIsDamage() throws {
        let dir = TemporaryDirectory("saiga-hostile")
        defer { dir.cleanup() }
        let index = try twoCommits(dir)
        // The same bytes, behind a symlink: still refused (never followed).
        let decoy = dir.path + "/decoy.post"
        try FileManager.default.moveItem(atPath: index + "/_1.post", toPath: decoy)
        let before = try Data(contentsOf: URL(fileURLWithPath: decoy))
        #expect(symlink(decoy, index + "/_1.post") == 0)
        let reader = try IndexReader(path: index)
        #expect(reader.generation == 1)
        let warning = try #require(reader.openWarnings.first)
        #expect(warning.generation == 2 && warning.error.message.contains("symbolic link"), "\(warning)")
        #expect(warning.error.path?.hasSuffix("_1.post") == true)
        #expect {
            try IndexWriter(path: index)
        } throws: { ($0 as? SaigaError)?.code == .corruptIndex }
        #expect(!(try IndexChecker.check(path: index).isSound))
        #expect(try Data(contentsOf: URL(fileURLWithPath: decoy)) == before)
    }

    @Test func namesAWriterWillCreateAreNeverFollowed() throws {
        let dir = TemporaryDirectory("saiga-hostile")
        defer { dir.cleanup() }
        let index = try twoCommits(dir)
        let decoy = dir.path + "/decoy"
        try write("DECOY CONTENT", to: decoy)
        // Squatters on the next segment's files and on the next manifest's temp file.
        for name in ["_2.post", "_2.store", "_2.meta", "manifest_3.tmp"] {
            #expect(symlink(decoy, index + "/" + name) == 0)
        }
        let w = try IndexWriter(path: index)
        try w.add(Document(id: "c", body: "an eagle over the mountain"))
        #expect(try w.commit() == 3)
        w.close()
        #expect(try read(decoy) == "DECOY CONTENT")
        #expect(try IndexReader(path: index).documentCount == 3)
        #expect(try IndexChecker.check(path: index).isSound)
        // The squatting links were index-like names no commit uses: removed (the links, not the decoy).
        let left = try names(index)
        for name in ["_2.post", "_2.store", "_2.meta", "manifest_3.tmp"] {
            #expect(!left.contains(name), "\(name) left")
        }
        #expect(FileManager.default.fileExists(atPath: decoy))
    }

    @Test func aFIFOWhereAnIndexFileShouldBeNeverBlocks() throws {
        let dir = TemporaryDirectory("saiga-hostile")
        defer { dir.cleanup() }
        let index = try twoCommits(dir)
        // A FIFO as a newer manifest: skipped as damaged, without blocking.
        #expect(mkfifo(index + "/manifest_3", 0o644) == 0)
        let opened = withinSeconds(10) { () -> Result<UInt64, SaigaError> in
            do throws(SaigaError) {
                let r = try IndexReader(path: index)
                return .success(r.generation)
            } catch { return .failure(error) }
        }
        let result = try #require(opened, "opening an index with a FIFO for a manifest blocked")
        #expect(try result.get() == 2)
        let reader = try IndexReader(path: index)
        #expect(reader.openWarnings.first?.error.message.contains("FIFO") == true, "\(reader.openWarnings)")
        #expect(throws: SaigaError.self) { try IndexWriter(path: index) }
        try FileManager.default.removeItem(atPath: index + "/manifest_3")
        // A FIFO in place of a segment file.
        try FileManager.default.removeItem(atPath: index + "/_0.store")
        #expect(mkfifo(index + "/_0.store", 0o644) == 0)
        let second = withinSeconds(10) { () -> String in
            do throws(SaigaError) {
                _ = try IndexReader(path: index)
                return "opened"
            } catch { return "\(error)" }
        }
        let outcome = try #require(second, "opening an index with a FIFO for a segment file blocked")
        #expect(outcome.contains("FIFO"), "\(outcome)")
    }

    // MARK: - 3. Damage in the newest commit

    @Test func aWriterRefusesANewestCommitWithADamagedSegment() throws {
        let dir = TemporaryDirectory("saiga-newest")
        defer { dir.cleanup() }
        let index = try twoCommits(dir)
        let files = try names(index)
        let url = URL(fileURLWithPath: index + "/_1.store")
        var data = try Data(contentsOf: url)
        data[data.count / 2] ^= 0x55
        try data.write(to: url)
        #expect {
            try IndexWriter(path: index)
        } throws: { error in
            let e = error as? SaigaError
            return e?.code == .corruptIndex && e?.path?.hasSuffix("_1.store") == true
                && e!.message.contains("check --repair")
        }
        // Nothing was touched: both commits and all their files are still there.
        #expect(try names(index) == files)
        // A reader serves commit 2 if the damage is not in what it reads at open (a search reading it fails), or
        // skips it with a warning (here the file is one chunk, read at open for its header).
        let r = try IndexReader(path: index)
        #expect(r.generation == 2 || r.openWarnings.first?.generation == 2)
        // A rebuild is not refused: it replaces the index.
        let w = try IndexWriter(path: index, options: IndexWriterOptions(openMode: .create))
        try w.add(Document(id: "z", body: "fresh start"))
        try w.commit()
        w.close()
        #expect(try IndexReader(path: index).documentCount == 1)
        #expect(try IndexChecker.check(path: index).isSound)
    }

    @Test func theDeleterNeverDeletesWhatADamagedManifestNames() throws {
        let dir = TemporaryDirectory("saiga-deleter")
        defer { dir.cleanup() }
        let index = dir.path + "/idx"
        let w = try IndexWriter(path: index, options: IndexWriterOptions(mergePolicy: nil))
        try w.add(Document(id: "a", body: "first"))
        try w.commit()  // 1: _0
        try w.add(Document(id: "b", body: "second"))
        try w.commit()  // 2: _0, _1
        try w.forceMerge()
        try w.commit()  // 3: _2 (the merge of _0 and _1)
        w.close()
        // Commit 2 is the fallback; commit 1's manifest is gone. Damage commit 2's manifest.
        #expect(try names(index).contains("manifest_2"))
        let url = URL(fileURLWithPath: index + "/manifest_2")
        var data = try Data(contentsOf: url)
        data[40] ^= 0x01
        try data.write(to: url)
        let w2 = try IndexWriter(path: index, options: IndexWriterOptions(mergePolicy: nil))
        try w2.add(Document(id: "c", body: "third"))
        try w2.commit()  // 4: would retire commit 2 and its _0 and _1 files
        try w2.add(Document(id: "d", body: "fourth"))
        try w2.commit()
        w2.close()
        let left = try names(index)
        #expect(left.contains("manifest_2"), "a damaged manifest was deleted")
        for f in ["_0.meta", "_0.post", "_1.meta", "_1.store"] {
            #expect(left.contains(f), "\(f), which manifest_2 may name, was deleted")
        }
        #expect(try IndexReader(path: index).documentCount == 4)
        // Repair removes the damaged manifest; then the next writer collects what only it named.
        let report = try IndexChecker.check(path: index)
        #expect(!report.isSound)
        _ = try IndexChecker.repair(path: index, report: report)
        let w3 = try IndexWriter(path: index)
        try w3.add(Document(id: "e", body: "fifth"))
        try w3.commit()
        w3.close()
        let after = try names(index)
        #expect(!after.contains("manifest_2") && !after.contains("_0.meta") && !after.contains("_1.meta"))
        #expect(try IndexChecker.check(path: index).isSound)
        #expect(try IndexReader(path: index).documentCount == 5)
    }

    @Test func readerWarningsNameTheSkippedCommitAndFile() throws {
        let dir = TemporaryDirectory("saiga-warn")
        defer { dir.cleanup() }
        let index = try twoCommits(dir)
        try FileManager.default.removeItem(atPath: index + "/_1.meta")
        let r = try IndexReader(path: index)
        #expect(r.generation == 1 && r.documentCount == 1)
        let w = try #require(r.openWarnings.first)
        #expect(w.generation == 2)
        #expect(w.error.code == .corruptIndex && w.error.path?.hasSuffix("_1.meta") == true)
        #expect(w.description.contains("commit 2") && w.description.contains("_1.meta"))
    }

    // MARK: - 4. A directory that is not an index

    @Test func aDirectoryOfOtherFilesIsNotTakenForAnIndex() throws {
        let dir = TemporaryDirectory("saiga-foreign")
        defer { dir.cleanup() }
        let docs = dir.path + "/docs"
        try FileManager.default.createDirectory(atPath: docs, withIntermediateDirectories: true)
        let foreign = ["notes.txt", "_notes.txt", "manifest_final.doc", "_1.txt", "manifest_2.bak"]
        for name in foreign { try write("mine", to: docs + "/" + name) }
        #expect {
            try IndexWriter(path: docs)
        } throws: { ($0 as? SaigaError)?.code == .notAnIndex && "\($0)".contains("notes") }
        #expect(try names(docs) == Set(foreign), "a refused writer left something behind")
        // Asked for explicitly: an index among the files, which are never deleted.
        let w = try IndexWriter(path: docs, options: IndexWriterOptions(allowNonIndexDirectory: true))
        try w.add(Document(id: "a", body: "text"))
        try w.commit()
        try w.add(Document(id: "b", body: "more"))
        try w.commit()
        try w.forceMerge()
        try w.commit()
        w.close()
        for name in foreign { #expect(try read(docs + "/" + name) == "mine", "\(name)") }
        #expect(try IndexReader(path: docs).documentCount == 2)
        // An empty directory, and one left by an interrupted first build, are fine.
        let empty = dir.path + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        try IndexWriter(path: empty).close()
        let interrupted = dir.path + "/interrupted"
        try FileManager.default.createDirectory(atPath: interrupted, withIntermediateDirectories: true)
        for name in ["_0.store", "write.lock", "manifest_1.tmp"] { try write("x", to: interrupted + "/" + name) }
        try IndexWriter(path: interrupted).close()
        #expect(!(try names(interrupted)).contains("_0.store"))
    }

    @Test func onlyTheShapesTheEngineWritesAreIndexFiles() {
        for name in [
            "_0.post", "_a1.terms", "_3.meta", "_3.ids", "_3.norms", "_3.store", "_3.pos", "_3.12.del",
            "manifest_1", "manifest_12.tmp",
        ] {
            #expect(IndexDirectory.isIndexFile(name), "\(name)")
        }
        for name in [
            "_notes.txt", "_0.post.bak", "_0", "manifest_final.doc", "manifest_", "manifest_1.old",
            "_3.x.del", "_3.1.2.del", "_Z.post", "write.lock", "notes", ".hidden", "_.post",
        ] {
            #expect(!IndexDirectory.isIndexFile(name), "\(name)")
        }
    }

    // MARK: - 9. A merge over checksum-valid but inconsistent data

    @Test func aMergeReportsAnOutOfOrderDictionaryInsteadOfTrapping() throws {
        let dir = TemporaryDirectory("saiga-merge")
        defer { dir.cleanup() }
        let index = dir.path + "/idx"
        let w = try IndexWriter(path: index, options: IndexWriterOptions(mergePolicy: nil))
        try w.add(Document(id: "a", body: "alpha bravo charlie delta echo"))
        try w.commit()
        try w.add(Document(id: "b", body: "foxtrot golf hotel"))
        try w.commit()
        w.close()
        // In _0's dictionary, make "bravo" sort after "charli": its first byte becomes 'z'. The key before it
        // ("alpha") shares only the field byte with it, so its suffix starts with 'b'.
        let url = URL(fileURLWithPath: index + "/_0.terms")
        var data = try Data(contentsOf: url)
        let bravo = Array("bravo".utf8)
        let at = try #require(
            (0..<(data.count - bravo.count)).first { i in bravo.indices.allSatisfy { data[i + $0] == bravo[$0] } })
        data[at] = UInt8(ascii: "z")
        try data.write(to: url)
        try resealSegment(index: index, segment: "_0")
        // Checksums are valid: only the structure is wrong. check says so; a merge fails with the same error.
        let report = try IndexChecker.check(path: index)
        #expect(report.problems.contains { $0.message.contains("out of order") }, "\(report.problems)")
        let w2 = try IndexWriter(path: index, options: IndexWriterOptions(mergePolicy: nil))
        #expect {
            try w2.forceMerge()
        } throws: { error in
            (error as? SaigaError)?.code == .corruptIndex && "\(error)".contains("out of order")
        }
        w2.close()
        #expect(try IndexReader(path: index).documentCount == 2, "the failed merge changed the index")
    }

    @Test func aMergeReportsPostingsBeyondTheSegment() throws {
        let dir = TemporaryDirectory("saiga-merge")
        defer { dir.cleanup() }
        let index = dir.path + "/idx"
        let w = try IndexWriter(path: index, options: IndexWriterOptions(mergePolicy: nil))
        for i in 0..<3 { try w.add(Document(id: "a\(i)", body: "steppe word\(i)")) }
        try w.commit()
        try w.add(Document(id: "b", body: "steppe"))
        try w.commit()
        w.close()
        // "steppe" in _0 is a tail-only list of three VInt gaps (gap << 1 | tf == 1): 03, 03, 03 (the only list in
        // the file: single postings live in the dictionary). Make the last gap huge: a document past the segment's
        // end, which a merge would index its document map with.
        let url = URL(fileURLWithPath: index + "/_0.post")
        var data = try Data(contentsOf: url)
        let at = try #require(
            (28..<(data.count - 16 - 2)).first { data[$0] == 0x03 && data[$0 + 1] == 0x03 && data[$0 + 2] == 0x03 })
        data[at + 2] = 0x7F
        try data.write(to: url)
        try resealSegment(index: index, segment: "_0")
        let w2 = try IndexWriter(path: index, options: IndexWriterOptions(mergePolicy: nil))
        #expect(throws: SaigaError.self) { try w2.forceMerge() }
        w2.close()
        #expect(!(try IndexChecker.check(path: index).isSound))
    }

    // MARK: - 10, 11. Extra fields, titles, document size

    @Test func extraFieldNamesAreCappedPerIndexAndTheDocumentIsNamed() throws {
        let dir = TemporaryDirectory("saiga-fields")
        defer { dir.cleanup() }
        let index = dir.path + "/idx"
        let w = try IndexWriter(
            path: index,
            options: IndexWriterOptions(
                maxBufferedDocuments: 10, mergePolicy: MergePolicy(mergeFactor: 2, floorBytes: 1, maxSegments: 2)))
        // 253 distinct names over many segments: fine, and every merge of them fits.
        for i in 0..<BuiltinFields.maxExtraFields {
            try w.add(Document(id: "d\(i)", body: "text", fields: [Document.Field("f\(i)", "v")]))
        }
        #expect {
            try w.add(Document(id: "one-too-many", body: "text", fields: [Document.Field("another", "v")]))
        } throws: { error in
            let e = error as? SaigaError
            return e?.code == .invalidDocument && e!.message.contains("one-too-many") && e!.message.contains("253")
        }
        // The writer is unchanged by the refusal: the document can be skipped and the build goes on.
        try w.add(Document(id: "ok", body: "text", fields: [Document.Field("f7", "again")]))
        try w.commit()
        try w.forceMerge()
        try w.commit()
        w.close()
        let r = try IndexReader(path: index)
        #expect(r.documentCount == BuiltinFields.maxExtraFields + 1)
        #expect(try r.document(id: "d252")?.fields == [Document.Field("f252", "v")])
        #expect(try IndexChecker.check(path: index).isSound)
        // A later writer knows the index's names.
        let w2 = try IndexWriter(path: index)
        #expect(throws: SaigaError.self) {
            try w2.add(Document(id: "x", body: "t", fields: [Document.Field("new", "v")]))
        }
        try w2.add(Document(id: "y", body: "t", fields: [Document.Field("f1", "v")]))
        w2.close()
    }

    @Test func titlesAndDocumentsAreBounded() throws {
        let dir = TemporaryDirectory("saiga-size")
        defer { dir.cleanup() }
        let w = try IndexWriter(path: dir.path + "/idx", options: IndexWriterOptions(ramBudgetMB: 8))
        #expect {
            try w.add(Document(id: "t", title: String(repeating: "x", count: Document.maxTitleBytes + 1), body: "b"))
        } throws: { ($0 as? SaigaError)?.code == .invalidDocument && "\($0)".contains("title") }
        // A quarter of the 8 MiB budget, at least 1 MiB: 2 MiB.
        #expect {
            try w.add(Document(id: "big", body: String(repeating: "word ", count: 500_000)))
        } throws: { ($0 as? SaigaError)?.code == .invalidDocument && "\($0)".contains("big") }
        try w.add(
            Document(
                id: "fine", title: String(repeating: "x", count: Document.maxTitleBytes),
                body: String(repeating: "word ", count: 300_000)))
        try w.commit()
        w.close()
        #expect(try IndexReader(path: dir.path + "/idx").documentCount == 1)
    }
}
