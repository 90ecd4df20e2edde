/// What a segment is: its name and id, document count, fields with their statistics, and the length and CRC of
/// each of its data files. Written last when a segment is flushed, as `<name>.meta`.
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
    }

    func fileName(_ kind: FileKind) -> String { "\(name).\(kind.fileExtension)" }

    /// All file names of the segment, meta included.
    var fileNames: [String] { [fileName(.segmentInfo)] + FileKind.segmentDataFiles.map(fileName) }

    /// Bytes on disk over all files of the segment (meta excluded).
    var dataBytes: Int { files.reduce(0) { $0 + $1.length } }

    func field(named name: String) -> FieldInfo? { fields.first { $0.name == name } }
    func field(number: Int) -> FieldInfo? { fields.first { $0.number == number } }

    func write(directory: String) throws(SaigaError) {
        let path = directory + "/" + fileName(.segmentInfo)
        let out = try OutputFile(path: path, bufferSize: 4096)
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
            }
            try out.write(w)
            try FileFooter.write(out)
            try out.finish()
        } catch {
            out.abandon()
            throw error
        }
    }

    static func read(directory: String, name: String, expectedID: SegmentID) throws(SaigaError) -> SegmentInfo {
        let path = directory + "/" + name + "." + FileKind.segmentInfo.fileExtension
        let file = try MappedFile(path: path)
        let bytes = file.bytes
        let id = try FileHeader.check(bytes, kind: .segmentInfo, expectedID: expectedID, path: path)
        try FileFooter.check(bytes, path: path, verifyChecksum: true)
        let body = FileFooter.body(bytes)
        var c = ByteCursor(base: bytes.baseAddress!, start: body.lowerBound, end: body.upperBound)
        do {
            let maxDoc = Int(try c.readVInt32())
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
                guard let kind = FileKind(rawValue: try c.readU32()) else { throw SaigaError.corrupt(path, "unknown file kind") }
                let length = Int(truncatingIfNeeded: try c.readVInt())
                let crc = try c.readU32()
                files.append(FileRecord(kind: kind, length: length, crc: crc))
            }
            guard files.map(\.kind) == FileKind.segmentDataFiles else {
                throw SaigaError.corrupt(path, "segment file list is inconsistent")
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
