/// What a segment is: its name and id, document count, fields with their statistics, and the length, CRC and
/// chunk checksums of each of its data files. Written last when a segment is flushed, as `<name>.meta`, and always
/// verified whole when read (it is small: a few bytes per 32 KiB of data).
@usableFromInline
struct SegmentInfo: Sendable, Hashable {
    @usableFromInline var name: String
    @usableFromInline var id: SegmentID
    @usableFromInline var maxDoc: Int
    @usableFromInline var fields: [FieldInfo]
    /// Length and CRC of each data file, in `FileKind.segmentDataFiles` order.
    @usableFromInline var files: [FileRecord]

    @usableFromInline
    struct FileRecord: Sendable, Hashable {
        var kind: FileKind
        var length: Int
        var crc: UInt32
        /// The CRC of each chunk of the file (`ChunkChecksums`), checked as readers read.
        var chunks: ChunkChecksums

        /// What a reader expects of the file, for its `ChunkVerifier`.
        func expected(segment: SegmentID) -> MappedFile.Expected {
            MappedFile.Expected(checksums: chunks, segment: segment, crc: crc)
        }
    }

    func fileName(_ kind: FileKind) -> String { "\(name).\(kind.fileExtension)" }

    /// All file names of the segment, meta included.
    var fileNames: [String] { [fileName(.segmentInfo)] + FileKind.segmentDataFiles.map(fileName) }

    /// Bytes on disk over all files of the segment (meta excluded).
    var dataBytes: Int { files.reduce(0) { $0 + $1.length } }

    func field(named name: String) -> FieldInfo? { fields.first { $0.name == name } }
    func field(number: Int) -> FieldInfo? { fields.first { $0.number == number } }

    func write(directory: IndexDirectory) throws(SaigaError) {
        let out = try directory.createOutput(fileName(.segmentInfo), bufferSize: 4096)
        do {
            try FileHeader.write(out, kind: .segmentInfo, id: id)
            var w = ByteWriter()
            w.writeVInt(maxDoc)
            w.writeVInt(fields.count)
            for f in fields {
                w.writeVInt(f.number)
                w.writeString(f.name)
                w.writeU8(f.flags.rawValue)
                w.writeVInt(f.docCount)
                w.writeVInt(f.sumTotalTermFreq)
                w.writeVInt(f.sumDocFreq)
                w.writeVInt(f.termCount)
            }
            w.writeVInt(files.count)
            for r in files {
                w.writeU32(r.kind.rawValue)
                w.writeVInt(r.length)
                w.writeU32(r.crc)
                w.writeU8(UInt8(r.chunks.shift))
                r.chunks.encode(into: &w)
            }
            try out.write(w)
            try FileFooter.write(out)
            try out.finish()
        } catch {
            out.abandon()
            throw error
        }
    }

    static func read(directory: IndexDirectory, name: String, expectedID: SegmentID) throws(SaigaError) -> SegmentInfo {
        let fileName = name + "." + FileKind.segmentInfo.fileExtension
        let path = directory.file(fileName)
        let file = try directory.openInput(fileName)
        let bytes = file.bytes
        let id = try FileHeader.check(bytes, kind: .segmentInfo, expectedID: expectedID, path: path)
        try FileFooter.check(bytes, path: path, verifyChecksum: true)
        let body = FileFooter.body(bytes)
        var c = ByteCursor(base: bytes.baseAddress!, start: body.lowerBound, end: body.upperBound)
        do {
            let maxDoc = Int(try c.readVInt32())
            guard maxDoc < Int(Int32.max) else { throw SaigaError.corrupt(path, "document count out of range") }
            let fieldCount = try c.readLength()
            var fields: [FieldInfo] = []
            for _ in 0..<fieldCount {
                let number = Int(try c.readVInt32())
                let name = try c.readString()
                let flags = FieldFlags(rawValue: try c.readU8())
                var f = FieldInfo(number: number, name: name, flags: flags)
                f.docCount = Int(try c.readVInt32())
                f.sumTotalTermFreq = Int(truncatingIfNeeded: try c.readVInt())
                f.sumDocFreq = Int(truncatingIfNeeded: try c.readVInt())
                f.termCount = Int(truncatingIfNeeded: try c.readVInt())
                guard number < 256, f.docCount <= maxDoc, !fields.contains(where: { $0.number == number }) else {
                    throw SaigaError.corrupt(path, "field table is inconsistent")
                }
                fields.append(f)
            }
            let fileCount = try c.readLength()
            var files: [FileRecord] = []
            for _ in 0..<fileCount {
                guard let kind = FileKind(rawValue: try c.readU32()) else {
                    throw SaigaError.corrupt(path, "unknown file kind")
                }
                let length = Int(truncatingIfNeeded: try c.readVInt())
                let crc = try c.readU32()
                let shift = Int(try c.readU8())
                guard length >= FileHeader.size + FileFooter.size, length <= 1 << 46,
                    ChunkChecksums.validShifts.contains(shift)
                else { throw SaigaError.corrupt(path, "file record of \(kind.fileExtension) is inconsistent") }
                let chunks = try ChunkChecksums.decode(&c, length: length, shift: shift)
                files.append(FileRecord(kind: kind, length: length, crc: crc, chunks: chunks))
            }
            guard files.map(\.kind) == FileKind.segmentDataFiles else {
                throw SaigaError.corrupt(path, "segment file list is inconsistent")
            }
            guard c.position == body.upperBound else {
                throw SaigaError.corrupt(path, "trailing bytes in segment info")
            }
            return SegmentInfo(name: name, id: id, maxDoc: maxDoc, fields: fields, files: files)
        } catch let e as SaigaError {
            throw e
        } catch let e as DecodeError {
            throw .corrupt(path, "\(e.reason)", offset: e.offset)
        } catch {
            throw .corrupt(path, "unreadable segment info")
        }
    }
}

extension SegmentInfo {
    /// Finishes a segment's data files and commits it to disk: each file gets its footer and is fsynced and closed,
    /// then the `.meta` that records their lengths, CRCs and chunk checksums is written, fsynced, last. Until the
    /// `.meta` exists the segment does not exist (the file deleter removes the orphans). Shared by flushes and
    /// merges.
    static func seal(
        name: String, id: SegmentID, maxDoc: Int, fields: [FieldInfo], files: [FileKind: OutputFile],
        directory: IndexDirectory
    ) throws(SaigaError) -> SegmentInfo {
        var records: [FileRecord] = []
        for kind in FileKind.segmentDataFiles {
            guard let out = files[kind] else { preconditionFailure("segment \(name) has no \(kind) file") }
            let crc = try FileFooter.write(out)
            let length = out.position
            try out.finish()
            records.append(FileRecord(kind: kind, length: length, crc: crc, chunks: out.chunkChecksums))
        }
        let info = SegmentInfo(name: name, id: id, maxDoc: maxDoc, fields: fields, files: records)
        try info.write(directory: directory)
        return info
    }
}
