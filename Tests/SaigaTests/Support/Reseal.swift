@testable import Saiga

/// Recomputes every checksum of a segment after a test edited its files in place (`FuzzSupport.resealSegment`).
func resealSegment(index path: String, segment: String) throws {
    try FuzzSupport.resealSegment(index: path, segment: segment)
}
