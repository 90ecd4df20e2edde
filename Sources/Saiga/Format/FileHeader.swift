/// The kinds of files an index holds; the tag is written into every file's header.
import SaigaPosix

@usableFromInline
enum FileKind: UInt32, Sendable, CaseIterable {
    // Four ASCII bytes read as a little-endian UInt32, so a hex dump shows the name.
    case segmentInfo = 0x4154_454D  // "META"
    case terms = 0x4D52_4554  // "TERM"
    case postings = 0x5453_4F50  // "POST"
    case positions = 0x4E53_4F50  // "POSN"
    case norms = 0x4D52_4F4E  // "NORM"
    case stored = 0x524F_5453  // "STOR"
    case manifest = 0x494E_414D  // "MANI"
    case ids = 0x5344_4949  // "IIDS"
    case deletions = 0x534C_4544  // "DELS"
    case columns = 0x534C_4F43  // "COLS"

    /// File name extension for segment files.
    var fileExtension: String {
        switch self {
        case .segmentInfo: return "meta"
        case .terms: return "terms"
        case .postings: return "post"
        case .positions: return "pos"
        case .norms: return "norms"
        case .stored: return "store"
        case .manifest: return "manifest"
        case .ids: return "ids"
        case .deletions: return "del"
        case .columns: return "cols"
        }
    }

    /// The files every segment has, in the order `SegmentInfo` lists their checksums.
    static let segmentDataFiles: [FileKind] = [.terms, .postings, .positions, .norms, .stored, .ids, .columns]
}

/// Every index file starts with this 28-byte header:
///
///     magic "SAIG" (4) | kind (4) | format version u32 (4) | segment or commit id (16)
///
/// The id ties a file to the segment (or commit) that wrote it, so a file copied from another index or left over
/// from an earlier build is detected instead of being read as if it belonged here.
@usableFromInline
enum FileHeader {
    static let magic: UInt32 = 0x4749_4153  // "SAIG"
    static let size = 28
    /// The on-disk format version this build writes and reads. See docs/FORMAT.md.
    static let formatVersion: UInt32 = 8

    static func write(_ out: OutputFile, kind: FileKind, id: SegmentID) throws(SaigaError) {
        try out.writeU32(magic)
        try out.writeU32(kind.rawValue)
        try out.writeU32(formatVersion)
        try out.write(id.bytes)
    }

    /// Checks the header of a mapped file and returns the id it carries.
    static func check(
        _ bytes: UnsafeRawBufferPointer, kind: FileKind, expectedID: SegmentID?, path: String
    )
        throws(SaigaError) -> SegmentID
    {
        guard bytes.count >= size + FileFooter.size else {
            throw .corrupt(path, "file is truncated (\(bytes.count) bytes, shorter than header and footer)")
        }
        var c = ByteCursor(bytes)
        do {
            guard try c.readU32() == magic else {
                throw SaigaError.corrupt(path, "not a Saiga index file (bad magic)", offset: 0)
            }
            let k = try c.readU32()
            guard k == kind.rawValue else {
                throw SaigaError.corrupt(path, "wrong file kind in header (expected \(kind))", offset: 4)
            }
            let v = try c.readU32()
            guard v == formatVersion else {
                throw SaigaError(
                    .unsupportedFormat,
                    "format version \(v) is not supported (this build reads version \(formatVersion))",
                    path: path, offset: 8)
            }
            let id = SegmentID(bytes: Array(try c.readBytes(16)))
            if let expectedID, id != expectedID {
                throw SaigaError.corrupt(
                    path, "file belongs to another segment (id \(id), expected \(expectedID))",
                    offset: 12)
            }
            return id
        } catch let e as SaigaError {
            throw e
        } catch {
            throw .corrupt(path, "file is truncated")
        }
    }
}

/// Every index file ends with this 16-byte footer:
///
///     footer magic u32 (~"SAIG") | checksum algorithm u32 (0 = CRC-32) | CRC-32 as u64
///
/// The CRC covers every byte of the file before the CRC field itself (header, body and the first 8 footer bytes).
@usableFromInline
enum FileFooter {
    static let size = 16
    static let magic: UInt32 = ~FileHeader.magic

    /// Writes the footer and returns the file's CRC.
    @discardableResult
    static func write(_ out: OutputFile) throws(SaigaError) -> UInt32 {
        try out.writeU32(magic)
        try out.writeU32(0)
        let crc = try out.checksum()
        try out.writeU64(UInt64(crc))
        return crc
    }

    /// Checks the footer; with `verifyChecksum` also recomputes the CRC over the whole file. Returns the CRC.
    @discardableResult
    static func check(_ bytes: UnsafeRawBufferPointer, path: String, verifyChecksum: Bool) throws(SaigaError) -> UInt32
    {
        guard bytes.count >= FileHeader.size + size else { throw .corrupt(path, "file is truncated") }
        let at = bytes.count - size
        var c = ByteCursor(bytes, position: at)
        do {
            guard try c.readU32() == magic else {
                throw SaigaError.corrupt(
                    path, "footer is missing or damaged (file truncated or appended to?)", offset: at)
            }
            guard try c.readU32() == 0 else {
                throw SaigaError.corrupt(path, "unknown checksum algorithm", offset: at + 4)
            }
            let stored = try c.readU64()
            guard stored <= UInt64(UInt32.max) else {
                throw SaigaError.corrupt(path, "footer checksum field damaged", offset: at + 8)
            }
            if verifyChecksum {
                let actual = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 8)]))
                guard UInt64(actual) == stored else {
                    throw SaigaError.corrupt(
                        path,
                        "checksum mismatch (stored \(hex(UInt32(stored))), computed \(hex(actual))): the file is damaged"
                    )
                }
            }
            return UInt32(stored)
        } catch let e as SaigaError {
            throw e
        } catch {
            throw .corrupt(path, "file is truncated")
        }
    }

    /// The body of a file: between header and footer.
    static func body(_ bytes: UnsafeRawBufferPointer) -> Range<Int> { FileHeader.size..<(bytes.count - size) }
}

func hex(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
}

/// A 16-byte random identifier of a segment or commit.
@usableFromInline
struct SegmentID: Hashable, Sendable, CustomStringConvertible {
    let bytes: [UInt8]
    init(bytes: [UInt8]) {
        precondition(bytes.count == 16)
        self.bytes = bytes
    }
    static func random() -> SegmentID { SegmentID(bytes: Sys.randomBytes(16)) }
    @usableFromInline var description: String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
