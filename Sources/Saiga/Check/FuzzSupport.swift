import SaigaPosix
import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Entry points for the coverage-guided fuzz targets (`Tests/Fuzz`, built by `Tests/Fuzz/fuzz`) and for their
/// replay in `swift test`. Each takes arbitrary bytes and must never crash, hang or touch memory it does not own;
/// errors are the expected answer to bad bytes. Package access: not part of the library's API.
package enum FuzzSupport {
    // MARK: - Text inputs

    /// The query parser and the rewriter, on any text.
    package static func query(_ data: UnsafeRawBufferPointer) {
        let text = String(decoding: data, as: UTF8.self)
        guard let parsed = try? QueryParser().parse(text) else { return }
        let analyzer = Analyzer(options: .default)
        _ = try? QueryRewriter(analyzer: analyzer).rewrite(parsed)
        _ = try? QueryRewriter(analyzer: analyzer, positions: false).rewrite(parsed)
    }

    /// The analyzer with every option, on any bytes (invalid UTF-8 included).
    package static func analyzer(_ data: UnsafeRawBufferPointer) {
        var analyzers = [
            Analyzer(options: AnalyzerOptions(stemming: false, stopWords: true)),
            Analyzer(options: .default, language: .english, analysisVersion: 1),
        ]
        for language in Schema.TextLanguage.allCases {
            let a = Analyzer(options: AnalyzerOptions(stemming: true, stopWords: true), language: language)
            analyzers += [a, a.unstemmed]
        }
        for analyzer in analyzers {
            var sink = CollectingSink(withOffsets: true, surfaceForms: true)
            _ = analyzer.analyze(data, into: &sink)
            for term in sink.terms {
                precondition(!term.isEmpty && term.count <= Analyzer.maxTermBytes, "term of \(term.count) bytes")
                precondition(String(validating: term, as: UTF8.self) != nil, "a term that is not UTF-8")
            }
            for case let surface? in sink.surfaces {
                precondition(
                    !surface.isEmpty && surface.count <= Analyzer.maxTermBytes, "surface of \(surface.count) bytes")
                precondition(String(validating: surface, as: UTF8.self) != nil, "a surface form that is not UTF-8")
            }
        }
    }

    // MARK: - A damaged segment

    /// The first byte picks a file of a small sample index (0–5: a data file, 6: the segment's `.meta`, 7: the
    /// manifest, 8: a deletions file), the rest replaces its content; every checksum is then recomputed, so only
    /// the structural checks stand between the bytes and the reader. The index is opened, searched (pruned and
    /// exhaustive), its documents read, its terms walked as a merge walks them, and checked.
    package static func segment(_ data: UnsafeRawBufferPointer) {
        guard let choice = data.first, let sample = Sample.shared else { return }
        let kinds: [FileKind] = FileKind.segmentDataFiles
        let name: String
        switch Int(choice % 9) {
        case let k where k < kinds.count: name = sample.segment + "." + kinds[k].fileExtension
        case 6: name = sample.segment + "." + FileKind.segmentInfo.fileExtension
        case 7: name = sample.manifest
        default: name = sample.deletions
        }
        sample.lock.withLock { _ in
            let originals = sample.replace(name, with: UnsafeRawBufferPointer(rebasing: data.dropFirst()))
            defer { sample.restore(originals) }
            exercise(sample.path)
        }
    }

    /// Everything a reader, a merge and the checker do with an index, every error swallowed.
    static func exercise(_ path: String) {
        if let reader = try? IndexReader(path: path) {
            for q in [
                "steppe", "saiga horse", "\"steppe saiga\"", "+law -court", "ri*", "title:river", "river AND north",
                "\"north river\" OR horse",
            ] {
                _ = try? reader.search(q, options: SearchOptions(k: 5, fields: ["*"]))
                _ = try? reader.search(q, options: SearchOptions(k: 50, snippets: false, exhaustive: true))
            }
            _ = try? reader.search(words: "steppe saiga law", match: .all)
            for id in ["d0", "d7", "d150", "d299", "nope"] { _ = try? reader.document(id: id) }
            try? reader.forEachDocument { _ in }
            _ = reader.statistics
            for segment in reader.segments {
                var walk = CheckedTermWalk(segment)
                do throws(SaigaError) {
                    while try walk.next() {
                        try walk.forEachPosting(withPositions: true) {
                            (_: Int32, _: UInt32, _: UnsafeBufferPointer<UInt32>) throws(SaigaError) in
                        }
                    }
                } catch {}
            }
            _ = try? reader.verifyChecksums()
        }
        _ = try? IndexChecker.check(path: path)
    }

    /// Recomputes every checksum of segment `segment` of the index at `path` after its files were edited in place:
    /// each data file's footer CRC and the `.meta` (lengths, CRCs, chunk checksums, and its own footer). For tests
    /// and fuzzing.
    package static func resealSegment(index path: String, segment: String) throws(SaigaError) {
        let directory = try IndexDirectory(path: path)
        guard let generation = try directory.manifestGenerations().first else { return }
        let manifest = try directory.readManifest(generation: generation)
        guard let entry = manifest.segments.first(where: { $0.name == segment }) else { return }
        var info = try SegmentInfo.read(directory: directory, name: segment, expectedID: entry.id)
        for (i, record) in info.files.enumerated() {
            let file = info.fileName(record.kind)
            var bytes = try readFile(directory.file(file))
            resealFooter(&bytes)
            try writeFile(directory.file(file), bytes)
            info.files[i].length = bytes.count
            info.files[i].crc =
                bytes.count >= FileFooter.size
                ? bytes.suffix(8).withUnsafeBytes {
                    UInt32(truncatingIfNeeded: UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)))
                } : 0
            info.files[i].chunks = bytes.withUnsafeBytes { ChunkChecksums.compute($0) }
        }
        try? directory.delete(info.fileName(.segmentInfo))
        try info.write(directory: directory)
    }

    /// Sets the footer's CRC field to the CRC of the bytes before it (no-op for a file too short for a footer).
    static func resealFooter(_ bytes: inout [UInt8]) {
        guard bytes.count >= FileFooter.size else { return }
        let crc = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<(bytes.count - 8)])) }
        var value = UInt64(crc).littleEndian
        withUnsafeBytes(of: &value) { v in
            for k in 0..<8 { bytes[bytes.count - 8 + k] = v[k] }
        }
    }

    static func readFile(_ path: String) throws(SaigaError) -> [UInt8] {
        do { return try Sys.readFile(path) } catch { throw .system(error) }
    }

    static func writeFile(_ path: String, _ bytes: [UInt8]) throws(SaigaError) {
        let fd: CInt
        do { fd = try Sys.open(path, O_WRONLY | O_CREAT | O_TRUNC) } catch { throw .system(error) }
        defer { Sys.close(fd) }
        let failure: SystemError? = bytes.withUnsafeBytes { b in
            do throws(SystemError) {
                try Sys.writeAll(fd, b, path: path)
                return nil
            } catch { return error }
        }
        if let failure { throw .system(failure) }
    }

    /// A small index built once per process: two segments (one with deletions), full blocks, positions, extra
    /// fields; its files are replaced and restored around every input.
    package final class Sample: @unchecked Sendable {  // its files are touched only under `lock`
        let path: String
        let segment: String
        let manifest: String
        let deletions: String
        let lock = Mutex<Void>(())

        package static let shared: Sample? = try? Sample()

        private init() throws(SaigaError) {
            let base = Sys.isDirectory("/dev/shm") ? "/dev/shm" : "/tmp"
            path = base + "/saiga-fuzz-\(Sys.processID)"
            _ = try? Sys.makeDirectories(path)
            // The same documents every time: every run of a target sees the same sample.
            let words = ["steppe", "saiga", "horse", "river", "north", "law", "court", "rights", "oil", "lake"]
            var state: UInt64 = 0x5A16A
            func next() -> Int {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Int(state >> 33)
            }
            let writer = try IndexWriter(path: path, options: IndexWriterOptions(openMode: .create, mergePolicy: nil))
            for d in 0..<300 {
                let body = (0..<(3 + next() % 30)).map { _ in words[next() % words.count] }.joined(separator: " ")
                let title = (0..<(next() % 4)).map { _ in words[next() % words.count] }.joined(separator: " ")
                let fields = d % 5 == 0 ? [Document.Field("lang", d % 2 == 0 ? "kk" : "ru")] : []
                try writer.add(Document(id: "d\(d)", title: title, body: "steppe " + body, fields: fields))
                if d == 199 { try writer.flush() }
            }
            try writer.commit()
            for d in stride(from: 201, to: 300, by: 7) { _ = try writer.delete(id: "d\(d)") }
            let generation = try writer.commit()
            writer.close()
            let reader = try IndexReader(path: path)
            segment = reader.segments.last!.name
            manifest = Manifest.fileName(generation: generation)
            let g = reader.manifest.segments.last!.deletionGeneration
            deletions = DeletedDocuments.fileName(segment: segment, generation: g)
        }

        /// Replaces `name` with `content`, reseals, and returns the original bytes of every file it changed.
        func replace(_ name: String, with content: UnsafeRawBufferPointer) -> [(String, [UInt8])] {
            let meta = segment + "." + FileKind.segmentInfo.fileExtension
            var originals: [(String, [UInt8])] = []
            for file in Set([name, meta]) {
                if let bytes = try? FuzzSupport.readFile(path + "/" + file) { originals.append((file, bytes)) }
            }
            var bytes = Array(content)
            if name == meta || name == manifest || name == deletions {
                FuzzSupport.resealFooter(&bytes)
                try? FuzzSupport.writeFile(path + "/" + name, bytes)
            } else {
                try? FuzzSupport.writeFile(path + "/" + name, bytes)
                try? FuzzSupport.resealSegment(index: path, segment: segment)
            }
            return originals
        }

        func restore(_ originals: [(String, [UInt8])]) {
            for (file, bytes) in originals { try? FuzzSupport.writeFile(path + "/" + file, bytes) }
        }

        /// The current bytes of each file a segment input can replace, prefixed with its selector byte: the seeds
        /// of the segment target's corpus.
        package func seeds() -> [[UInt8]] {
            var names = FileKind.segmentDataFiles.map { segment + "." + $0.fileExtension }
            names += [segment + "." + FileKind.segmentInfo.fileExtension, manifest, deletions]
            return names.enumerated().compactMap { i, n in
                (try? FuzzSupport.readFile(path + "/" + n)).map { [UInt8(i)] + $0 }
            }
        }
    }
}
