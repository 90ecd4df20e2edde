/// Patched frame of reference (PFOR) for 128 values, Lucene's `PForUtil` idea: pack every value's low `b` bits
/// with `BitPacking`, and store the few values that need more bits as exceptions (index and high bits). Term
/// frequencies are mostly 1 with rare large outliers; one outlier no longer widens the whole block.
///
/// Layout: `token u8 = exceptions << 5 | b` (b ≤ 31, at most 7 exceptions), `16 * b` packed bytes, then per exception
/// `index u8` and `VInt(value >> b)`.
@usableFromInline
enum PatchedFrameOfReference {
    static let maxExceptions = 7

    /// Encodes 128 values (each < 2^31) into `w`. `scratch` holds 128 values, `packed` 512 bytes.
    static func encode(
        _ values: UnsafePointer<UInt32>, into w: inout ByteWriter,
        scratch: UnsafeMutablePointer<UInt32>, packed: UnsafeMutableRawPointer
    ) {
        let maxBits = BitPacking.bitWidth(values)
        precondition(maxBits <= 31, "PFOR values must be below 2^31")
        // Try widths from maxBits down to maxBits - 8; keep the smallest encoding with at most 7 exceptions.
        var bestBits = maxBits
        var bestCost = 16 * maxBits
        var b = maxBits - 1
        while b >= max(0, maxBits - 8) {
            var exceptions = 0
            var cost = 16 * b
            for i in 0..<128 where values[i] >> UInt32(b) != 0 {
                exceptions += 1
                cost += 1 + vintSize(UInt64(values[i] >> UInt32(b)))
            }
            if exceptions > maxExceptions { break }
            if cost < bestCost {
                bestCost = cost
                bestBits = b
            }
            b -= 1
        }
        var exceptionCount = 0
        for i in 0..<128 {
            scratch[i] = bestBits == 32 ? values[i] : values[i] & ((UInt32(1) << UInt32(bestBits)) &- 1)
            if values[i] >> UInt32(bestBits) != 0 { exceptionCount += 1 }
        }
        w.writeU8(UInt8(exceptionCount << 5 | bestBits))
        BitPacking.pack(scratch, bitWidth: bestBits, into: packed)
        w.write(UnsafeRawBufferPointer(start: packed, count: BitPacking.packedBytes(bitWidth: bestBits)))
        if exceptionCount > 0 {
            for i in 0..<128 where values[i] >> UInt32(bestBits) != 0 {
                w.writeU8(UInt8(i))
                w.writeVInt(UInt64(values[i] >> UInt32(bestBits)))
            }
        }
    }

    /// Decodes a block at `p` (at most `available` bytes) into `out`; returns the bytes read, or nil if the data
    /// is inconsistent.
    @inlinable
    static func decode(_ p: UnsafeRawPointer, available: Int, into out: UnsafeMutablePointer<UInt32>) -> Int? {
        guard available >= 1 else { return nil }
        let token = p.load(as: UInt8.self)
        let bits = Int(token & 0x1F)
        let exceptions = Int(token >> 5)
        let packedBytes = BitPacking.packedBytes(bitWidth: bits)
        guard available >= 1 &+ packedBytes else { return nil }
        BitPacking.unpack(p + 1, bitWidth: bits, into: out)
        var used = 1 &+ packedBytes
        if exceptions > 0 {
            var c = ByteCursor(base: p, start: used, end: available)
            for _ in 0..<exceptions {
                guard let index = try? c.readU8(), index < 128, let high = try? c.readVInt32() else { return nil }
                out[Int(index)] |= high &<< UInt32(bits)
            }
            used = c.position
        }
        return used
    }
}
