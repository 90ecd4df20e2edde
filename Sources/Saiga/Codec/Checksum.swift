import CZlib

/// CRC-32 (the zlib/IEEE polynomial), computed incrementally with zlib's implementation.
@usableFromInline
struct CRC32 {
    @usableFromInline var value: UInt32 = 0

    @inlinable init() {}

    @inlinable mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var n = bytes.count
        // zlib takes a 32-bit length; feed huge buffers in pieces.
        while n > 0 {
            let chunk = min(n, 1 << 30)
            value = UInt32(truncatingIfNeeded: crc32(uLong(value), p, uInt(chunk)))
            p += chunk
            n -= chunk
        }
    }

    /// The CRC of bytes A followed by bytes B, from the CRC of each and B's length (zlib's `crc32_combine`): no
    /// byte is read again.
    static func combine(_ a: UInt32, _ b: UInt32, lengthOfB: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: crc32_combine(uLong(a), uLong(b), numericCast(lengthOfB)))
    }

    @inlinable static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = CRC32()
        c.update(bytes)
        return c.value
    }
}
