/// A commit: the list of segments that make up the index at one generation, written atomically as
/// `manifest_<generation>` (see `IndexDirectory.writeManifest`).
@usableFromInline
struct Manifest: Sendable, Hashable {
    /// Commit number; the highest valid manifest in a directory is the current commit.
    @usableFromInline var generation: UInt64
    @usableFromInline var commitID: SegmentID
    /// The analyzer the segments were built with; queries must use the same.
    @usableFromInline var analyzer: AnalyzerOptions
    /// Text fields carry positions (phrase queries work).
    @usableFromInline var positions: Bool
    /// The next segment number to hand out (names never repeat within an index).
    @usableFromInline var nextSegmentNumber: Int
    @usableFromInline var segments: [SegmentEntry]
    /// Free-form key/value pairs (creation time, tool version).
    @usableFromInline var userData: [String: String]
    /// The fields of the index's documents (`SchemaRecord`).
    @usableFromInline var schema: Schema = .default
    /// The version of the analysis rules the index was built with (`Manifest.analysisVersion` for new indexes); an
    /// index keeps its version for life, so its terms never change meaning.
    @usableFromInline var analysisVersion: Int = Manifest.analysisVersion

    @usableFromInline
    struct SegmentEntry: Sendable, Hashable {
        var name: String
        var id: SegmentID
        var maxDoc: Int
        /// The `<name>.<generation>.del` file in force; 0: no document of the segment is deleted.
        var deletionGeneration: Int = 0
    }

    /// Version of the analysis rules new indexes get; bumped when tokenization changes so that old indexes are not
    /// queried with different rules silently.
    /// - 1: English or no stemming for every text field; `й` folded to `и`.
    /// - 2: a language per text field (`Schema.TextLanguage`, recorded in the schema); `й` kept.
    /// Both are read and written: an index of version 1 is analyzed as it was built.
    package static let analysisVersion = 2
    static let oldestAnalysisVersion = 1

    static func fileName(generation: UInt64) -> String { "manifest_\(generation)" }

    /// Every file this commit needs: its manifest, each segment's files and deletions file.
    func fileNames() -> Set<String> {
        var names: Set<String> = [Manifest.fileName(generation: generation)]
        for s in segments {
            names.insert(s.name + "." + FileKind.segmentInfo.fileExtension)
            for kind in FileKind.segmentDataFiles { names.insert(s.name + "." + kind.fileExtension) }
            if s.deletionGeneration > 0 {
                names.insert(DeletedDocuments.fileName(segment: s.name, generation: s.deletionGeneration))
            }
        }
        return names
    }

    /// Parses `manifest_<N>`; nil for other names (including `manifest_<N>.tmp`).
    static func generation(ofFileName name: String) -> UInt64? {
        guard name.hasPrefix("manifest_") else { return nil }
        let digits = name.dropFirst("manifest_".count)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(digits)
    }

    func encode(to out: OutputFile) throws(SaigaError) {
        try FileHeader.write(out, kind: .manifest, id: commitID)
        var w = ByteWriter()
        w.writeVInt(generation)
        var flags: UInt8 = 0
        if analyzer.stemming { flags |= 1 }
        if analyzer.stopWords { flags |= 2 }
        if analyzer.surfaceForms { flags |= 8 }
        if positions { flags |= 4 }
        w.writeU8(flags)
        w.writeVInt(analysisVersion)
        w.writeVInt(nextSegmentNumber)
        w.writeVInt(segments.count)
        for s in segments {
            w.writeString(s.name)
            w.write(s.id.bytes)
            w.writeVInt(s.maxDoc)
            w.writeVInt(s.deletionGeneration)
        }
        w.writeVInt(userData.count)
        for (k, v) in userData.sorted(by: { $0.key < $1.key }) {
            w.writeString(k)
            w.writeString(v)
        }
        SchemaRecord.encode(schema, into: &w)
        try out.write(w)
        try FileFooter.write(out)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, path: String) throws(SaigaError) -> Manifest {
        let id = try FileHeader.check(bytes, kind: .manifest, expectedID: nil, path: path)
        try FileFooter.check(bytes, path: path, verifyChecksum: true)
        let body = FileFooter.body(bytes)
        var c = ByteCursor(base: bytes.baseAddress!, start: body.lowerBound, end: body.upperBound)
        do {
            let generation = try c.readVInt()
            let flags = try c.readU8()
            let analysisVersion = try c.readVInt()
            guard analysisVersion >= UInt64(Manifest.oldestAnalysisVersion),
                analysisVersion <= UInt64(Manifest.analysisVersion)
            else {
                throw SaigaError(
                    .unsupportedFormat,
                    "index was built with analysis rules v\(analysisVersion); this build reads v\(Manifest.oldestAnalysisVersion) to v\(Manifest.analysisVersion): rebuild the index",
                    path: path)
            }
            let next = Int(truncatingIfNeeded: try c.readVInt())
            guard next >= 0, next < 1 << 60 else { throw SaigaError.corrupt(path, "next segment number out of range") }
            let count = try c.readLength()
            var segments: [SegmentEntry] = []
            for _ in 0..<count {
                let name = try c.readString()
                guard IndexDirectory.isValidSegmentName(name) else {
                    throw SaigaError.corrupt(path, "bad segment name")
                }
                let sid = SegmentID(bytes: Array(try c.readBytes(16)))
                let maxDoc = Int(try c.readVInt32())
                let deletionGeneration = Int(try c.readVInt32())
                guard maxDoc < Int(Int32.max) else { throw SaigaError.corrupt(path, "document count out of range") }
                segments.append(
                    SegmentEntry(name: name, id: sid, maxDoc: maxDoc, deletionGeneration: deletionGeneration))
            }
            let userCount = try c.readLength()
            var userData: [String: String] = [:]
            for _ in 0..<userCount {
                let k = try c.readString()
                userData[k] = try c.readString()
            }
            var schema = try SchemaRecord.decode(&c, path: path)
            guard c.isAtEnd else { throw SaigaError.corrupt(path, "trailing bytes in manifest") }
            if analysisVersion == 1 {
                // Version 1 analyzed every text field alike, English with stemming and none without; its schema
                // recorded English for the built-in fields either way.
                schema = try schema.settingTextLanguage(flags & 1 != 0 ? .english : .none)
            }
            return Manifest(
                generation: generation, commitID: id,
                analyzer: AnalyzerOptions(
                    stemming: flags & 1 != 0, stopWords: flags & 2 != 0, surfaceForms: flags & 8 != 0),
                positions: flags & 4 != 0, nextSegmentNumber: next, segments: segments, userData: userData,
                schema: schema, analysisVersion: Int(analysisVersion))
        } catch let e as SaigaError {
            throw e
        } catch let e as DecodeError {
            throw .corrupt(path, "\(e.reason)", offset: e.offset)
        } catch {
            throw .corrupt(path, "unreadable manifest")
        }
    }
}
