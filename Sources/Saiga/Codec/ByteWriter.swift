/// A growable little-endian byte buffer for building index structures in memory before they are written.
@usableFromInline
struct ByteWriter {
    @usableFromInline var bytes: [UInt8]

    @inlinable init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inlinable var count: Int { bytes.count }

    @inlinable mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    @inlinable mutating func writeU8(_ v: UInt8) { bytes.append(v) }

    @inlinable mutating func writeU16(_ v: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: v))
        bytes.append(UInt8(truncatingIfNeeded: v &>> 8))
    }

    @inlinable mutating func writeU32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inlinable mutating func writeU64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// LEB128: 7 bits per byte, low bits first, high bit set on all but the last byte.
    @inlinable mutating func writeVInt(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v &>>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    @inlinable mutating func writeVInt(_ v: Int) { writeVInt(UInt64(v)) }
    @inlinable mutating func writeVInt(_ v: UInt32) { writeVInt(UInt64(v)) }

    @inlinable mutating func write<C: Collection>(_ data: C) where C.Element == UInt8 { bytes.append(contentsOf: data) }

    @inlinable mutating func write(_ data: UnsafeRawBufferPointer) { bytes.append(contentsOf: data) }

    /// A length-prefixed (VInt) byte string.
    @inlinable mutating func writeBytesWithLength(_ data: UnsafeRawBufferPointer) {
        writeVInt(data.count)
        bytes.append(contentsOf: data)
    }

    @inlinable mutating func writeString(_ s: String) {
        var s = s
        s.withUTF8 { writeBytesWithLength(UnsafeRawBufferPointer($0)) }
    }

    /// Overwrites 4 bytes at `offset` (used to patch lengths after the fact).
    @inlinable mutating func patchU32(_ v: UInt32, at offset: Int) {
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt32.self) }
    }
}

/// Number of bytes `writeVInt` uses for `v`.
@inlinable func vintSize(_ v: UInt64) -> Int {
    // Branch-free: ceil(bitLength / 7), at least 1 (the swift-protobuf trick).
    let bits = 64 - (v | 1).leadingZeroBitCount
    return (bits + 6) / 7
}
