/// Two small non-negative integers in one byte's nibbles, each nibble of 15 followed by a VInt of the rest.
///
/// The term dictionary (shared prefix, suffix length), the id column (the same) and the impact frontiers
/// (Δtf − 1, Δnorm − 1) all store pairs that are almost always below 15: one byte for both in the common case.
@usableFromInline
struct NibblePair: Equatable, Sendable {
    @usableFromInline var high: Int
    @usableFromInline var low: Int

    @inlinable init(high: Int, low: Int) {
        self.high = high
        self.low = low
    }

    /// Appends the pair (both values ≥ 0).
    @inlinable func write(to w: inout ByteWriter) {
        w.writeU8(UInt8(min(high, 15) << 4 | min(low, 15)))
        if high >= 15 { w.writeVInt(high - 15) }
        if low >= 15 { w.writeVInt(low - 15) }
    }
}

extension ByteCursor {
    /// Reads a `NibblePair` (each escaped value at most 32 bits).
    @inlinable mutating func readNibblePair() throws(DecodeError) -> NibblePair {
        let byte = try readU8()
        var high = Int(byte >> 4)
        var low = Int(byte & 15)
        if high == 15 { high &+= Int(try readVInt32()) }
        if low == 15 { low &+= Int(try readVInt32()) }
        return NibblePair(high: high, low: low)
    }

    /// Moves past a `NibblePair` without decoding its values.
    @inlinable mutating func skipNibblePair() throws(DecodeError) {
        let byte = try readU8()
        if byte >> 4 == 15 { _ = try readVInt() }
        if byte & 15 == 15 { _ = try readVInt() }
    }
}
