/// Lucene's one-byte length norms (`SmallFloat.intToByte4`/`byte4ToInt`), so that BM25 scores reproduce Lucene's.
///
/// Lengths 0...23 are stored exactly; above that the byte holds a 4-bit-mantissa float of `length - 24`, rounding
/// down. The encoding is monotonic, so a smaller byte never means a longer field: block-max bounds can use the
/// minimum byte of a block.
@usableFromInline
enum SmallFloat {
    /// Values below this are stored as themselves.
    @usableFromInline static let numFreeValues = 255 - Int(longToInt4(Int64(Int32.max)))

    @inlinable static func longToInt4(_ i: Int64) -> Int64 {
        precondition(i >= 0, "only non-negative values")
        let numBits = 64 - i.leadingZeroBitCount
        if numBits < 4 { return i }
        let shift = numBits - 4
        var encoded = i >> shift
        encoded &= 0x07
        encoded |= Int64(shift + 1) << 3
        return encoded
    }

    @inlinable static func int4ToLong(_ i: Int64) -> Int64 {
        let bits = i & 0x07
        let shift = Int((i >> 3) - 1)
        if shift == -1 { return bits }
        return (bits | 0x08) << shift
    }

    /// Encodes a field length (token count) as a norm byte.
    @inlinable static func intToByte4(_ i: Int) -> UInt8 {
        let i = min(max(i, 0), Int(Int32.max))
        if i < numFreeValues { return UInt8(i) }
        return UInt8(numFreeValues + Int(longToInt4(Int64(i - numFreeValues))))
    }

    /// Decodes a norm byte to the (rounded-down) field length it stands for.
    @inlinable static func byte4ToInt(_ b: UInt8) -> Int {
        let i = Int(b)
        if i < numFreeValues { return i }
        return numFreeValues + Int(int4ToLong(Int64(i - numFreeValues)))
    }

    /// The 256 decoded lengths, for building per-query score caches.
    @usableFromInline static let decodedLengths: [Float] = (0..<256).map { Float(byte4ToInt(UInt8($0))) }
}
