import Foundation
@testable import Saiga

/// Recomputes every checksum of a segment after a test edited its data files in place: each data file's footer
/// CRC, and the `.meta` (lengths, CRCs and chunk checksums), so that only the structural checks stand between the
/// edited bytes and a reader or a merge.
func resealSegment(index path: String, segment: String) throws {
    let directory = try IndexDirectory(path: path)
    let generation = try require(try directory.manifestGenerations().first)
    let manifest = try directory.readManifest(generation: generation)
    let entry = try require(manifest.segments.first { $0.name == segment })
    var info = try SegmentInfo.read(directory: directory, name: segment, expectedID: entry.id)
    for (i, record) in info.files.enumerated() {
        let url = URL(fileURLWithPath: directory.file(info.fileName(record.kind)))
        var data = try Data(contentsOf: url)
        let crc = data.prefix(data.count - 8).withUnsafeBytes { CRC32.checksum($0) }
        var value = UInt64(crc).littleEndian
        withUnsafeBytes(of: &value) { data.replaceSubrange((data.count - 8)..<data.count, with: $0) }
        try data.write(to: url)
        info.files[i].length = data.count
        info.files[i].crc = crc
        info.files[i].chunks = data.withUnsafeBytes { ChunkChecksums.compute($0) }
    }
    try directory.delete(info.fileName(.segmentInfo))
    try info.write(directory: directory)
}

/// `#require` for a plain throwing helper (outside a test function).
private func require<T>(_ value: T?) throws -> T {
    guard let value else { throw SaigaError(.invalidArgument, "test setup: missing value") }
    return value
}
