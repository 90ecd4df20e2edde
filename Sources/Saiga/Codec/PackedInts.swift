/// Fixed-width packed integers with random access: value i is bits `i * bitsPerValue ..< (i + 1) * bitsPerValue`
/// of a little-endian bit stream, followed by 8 bytes of padding so that any value is read with two loads. Used by
/// the columns (doc values), where a document's value is read by its number.
enum PackedInts {
    /// Bytes that `count` values of `bitsPerValue` bits take, padding included.
    static func byteCount(count: Int, bitsPerValue: Int) -> Int { (count * bitsPerValue + 7) / 8 + 8 }

    /// The bits needed for `maxValue` (0 for 0).
    static func bitsRequired(_ maxValue: UInt64) -> Int { maxValue == 0 ? 0 : 64 - maxValue.leadingZeroBitCount }

    /// Appends `values` (each below 2^bitsPerValue) packed, with the padding.
    static func write(_ values: [UInt64], bitsPerValue: Int, to w: inout ByteWriter) {
        var packed = [UInt8](repeating: 0, count: byteCount(count: values.count, bitsPerValue: bitsPerValue))
        if bitsPerValue > 0 {
            for (i, v) in values.enumerated() {
                precondition(bitsPerValue == 64 || v >> UInt64(bitsPerValue) == 0, "value wider than its bits")
                let bit = i * bitsPerValue
                var remaining = bitsPerValue
                var value = v
                var at = bit
                while remaining > 0 {
                    let shift = at & 7
                    let take = Swift.min(8 - shift, remaining)
                    let chunk = UInt8(truncatingIfNeeded: value & ((1 << UInt64(take)) - 1))
                    packed[at >> 3] |= chunk << UInt8(shift)
                    value >>= UInt64(take)
                    at += take
                    remaining -= take
                }
            }
        }
        w.write(packed)
    }

    /// Reads packed values at `offset` of `base`; the caller has checked that `byteCount` bytes are there.
    struct Reader {
        let base: UnsafeRawPointer
        let offset: Int
        let bitsPerValue: Int

        /// Value `i`.
        @inline(__always)
        func get(_ i: Int) -> UInt64 {
            guard bitsPerValue > 0 else { return 0 }
            let bit = i &* bitsPerValue
            let byte = offset &+ bit >> 3
            let shift = UInt64(bit & 7)
            // Two loads cover a value of up to 64 bits starting anywhere in a byte (the padding keeps them in range).
            let low = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: byte, as: UInt64.self)) >> shift
            let high = shift == 0 ? 0 : UInt64(base.load(fromByteOffset: byte &+ 8, as: UInt8.self)) << (64 &- shift)
            let mask: UInt64 = bitsPerValue == 64 ? .max : (1 << UInt64(bitsPerValue)) &- 1
            return (low | high) & mask
        }
    }
}
