/// The deleted documents of one segment as of one commit, a bit per document.
///
/// A segment's files never change; deleting documents from it writes a new `<segment>.<generation>.del` file
/// with the commit, and the manifest names, per segment, the deletion generation in force (0: nothing deleted).
/// Layout (docs/FORMAT.md):
///
///     header (kind "DELS", the segment's id) | generation VInt | maxDoc VInt | deleted count VInt |
///     bit set: (maxDoc + 7) / 8 bytes, bit d (byte d >> 3, bit d & 7) set when document d is deleted | footer
///
/// A value type: the writer edits its own copy (copy-on-write) while readers keep theirs.
struct DeletedDocuments: Sendable, Hashable {
    let maxDoc: Int
    private(set) var bits: [UInt8]
    private(set) var count: Int

    init(maxDoc: Int) {
        self.maxDoc = maxDoc
        bits = [UInt8](repeating: 0, count: (maxDoc + 7) / 8)
        count = 0
    }

    @inline(__always)
    func contains(_ doc: Int) -> Bool {
        bits[doc >> 3] & (1 << UInt8(doc & 7)) != 0
    }

    /// Marks `doc` deleted; returns false if it already was.
    @discardableResult
    mutating func insert(_ doc: Int) -> Bool {
        precondition(doc >= 0 && doc < maxDoc, "document \(doc) out of range")
        let mask: UInt8 = 1 << UInt8(doc & 7)
        if bits[doc >> 3] & mask != 0 { return false }
        bits[doc >> 3] |= mask
        count += 1
        return true
    }

    var isEmpty: Bool { count == 0 }
    var liveCount: Int { maxDoc - count }

    /// The file holding a segment's deletions at `generation`.
    static func fileName(segment: String, generation: Int) -> String {
        "\(segment).\(generation).\(FileKind.deletions.fileExtension)"
    }

    /// Writes `<segment>.<generation>.del`, fsynced.
    func write(directory: IndexDirectory, segment: String, id: SegmentID, generation: Int) throws(SaigaError) {
        let out = try directory.createOutput(
            DeletedDocuments.fileName(segment: segment, generation: generation),
            bufferSize: 1 << 16)
        do {
            try FileHeader.write(out, kind: .deletions, id: id)
            var w = ByteWriter(capacity: 32)
            w.writeVInt(generation)
            w.writeVInt(maxDoc)
            w.writeVInt(count)
            try out.write(w)
            try out.write(bits)
            try FileFooter.write(out)
            try out.finish()
        } catch {
            out.abandon()
            throw error
        }
    }

    /// Reads and checks `<segment>.<generation>.del` (always with its checksum: the file is small).
    static func read(
        directory: IndexDirectory, segment: String, id: SegmentID, generation: Int, maxDoc: Int
    )
        throws(SaigaError) -> DeletedDocuments
    {
        let name = fileName(segment: segment, generation: generation)
        let path = directory.file(name)
        let file = try directory.openInput(name)
        _ = try FileHeader.check(file.bytes, kind: .deletions, expectedID: id, path: path)
        try FileFooter.check(file.bytes, path: path, verifyChecksum: true)
        let body = FileFooter.body(file.bytes)
        var c = ByteCursor(base: file.bytes.baseAddress!, start: body.lowerBound, end: body.upperBound)
        var d = DeletedDocuments(maxDoc: maxDoc)
        do {
            guard try c.readVInt() == UInt64(generation) else {
                throw SaigaError.corrupt(path, "deletion generation differs from the file name")
            }
            guard try c.readVInt() == UInt64(maxDoc) else {
                throw SaigaError.corrupt(path, "document count differs from the segment's")
            }
            let count = Int(truncatingIfNeeded: try c.readVInt())
            let bytes = try c.readBytes(d.bits.count)
            guard c.position == body.upperBound else {
                throw SaigaError.corrupt(path, "trailing bytes after the bit set")
            }
            d.bits = Array(bytes)
            var counted = 0
            for b in d.bits { counted += b.nonzeroBitCount }
            guard counted == count, count <= maxDoc else {
                throw SaigaError.corrupt(path, "bit set holds \(counted) deletions, the file says \(count)")
            }
            if maxDoc & 7 != 0, let last = d.bits.last, last >> UInt8(maxDoc & 7) != 0 {
                throw SaigaError.corrupt(path, "deletions beyond the last document")
            }
            d.count = count
        } catch let e as SaigaError {
            throw e
        } catch let e as DecodeError {
            throw .corrupt(path, "\(e.reason)", offset: e.offset)
        } catch {
            throw .corrupt(path, "unreadable deletions")
        }
        return d
    }
}
