/// Frame-of-reference bit packing of 128 unsigned 32-bit integers in the "vertical" 4-lane layout of SIMD-BP128
/// (Lemire & Boytsov, "Decoding billions of integers per second through vectorization", SPE 2015).
///
/// Value `i` lives in lane `i % 4`. Each lane holds 32 values of `b` bits, so it fills exactly `b` 32-bit words;
/// the lanes' words are interleaved, word `w` of lane `l` at index `4 * w + l`. A block therefore takes `16 * b`
/// bytes, and four consecutive values are one `SIMD4<UInt32>` at every step of packing and unpacking: the loops
/// below run on 128-bit vectors with one shift/or/and per four values and no cross-lane shuffles.
///
/// Byte order is little-endian (the index format's byte order).
@usableFromInline
enum BitPacking {
    /// Values per block.
    @usableFromInline static let blockSize = 128

    /// Bytes taken by one packed block of `bitWidth`-bit values.
    @inlinable static func packedBytes(bitWidth: Int) -> Int { 16 &* bitWidth }

    /// The number of bits needed for the largest of the 128 values (0 when all are zero).
    @inlinable static func bitWidth(_ values: UnsafePointer<UInt32>) -> Int {
        var acc = SIMD4<UInt32>(repeating: 0)
        let raw = UnsafeRawPointer(values)
        for j in 0..<32 {
            acc |= raw.loadUnaligned(fromByteOffset: j &* 16, as: SIMD4<UInt32>.self)
        }
        let all = acc[0] | acc[1] | acc[2] | acc[3]
        return 32 &- all.leadingZeroBitCount
    }

    /// Packs 128 values, each of which must fit in `bitWidth` bits, writing `packedBytes(bitWidth:)` bytes.
    @inlinable static func pack(_ values: UnsafePointer<UInt32>, bitWidth b: Int, into out: UnsafeMutableRawPointer) {
        precondition(b >= 0 && b <= 32)
        if b == 0 { return }
        let raw = UnsafeRawPointer(values)
        var acc = SIMD4<UInt32>(repeating: 0)
        var bitPos = 0
        var word = 0
        for j in 0..<32 {
            let v = raw.loadUnaligned(fromByteOffset: j &* 16, as: SIMD4<UInt32>.self)
            acc |= v &<< UInt32(truncatingIfNeeded: bitPos)
            let next = bitPos &+ b
            if next >= 32 {
                out.storeBytes(of: acc, toByteOffset: word &* 16, as: SIMD4<UInt32>.self)
                word &+= 1
                // The bits of v that did not fit in the finished word start the next one.
                acc = next == 32 ? SIMD4(repeating: 0) : v &>> UInt32(truncatingIfNeeded: 32 &- bitPos)
                bitPos = next &- 32
            } else {
                bitPos = next
            }
        }
    }

    /// Unpacks one block of `bitWidth`-bit values into `out` (128 values).
    ///
    /// The switch hands each width to an always-inlined body with the width as a constant, so the compiler emits a
    /// specialised, fully unrolled loop per width (shift counts become immediates).
    @inlinable static func unpack(_ input: UnsafeRawPointer, bitWidth: Int, into out: UnsafeMutablePointer<UInt32>) {
        switch bitWidth {
        case 0: out.update(repeating: 0, count: 128)
        case 1: unpackFixed(input, 1, out)
        case 2: unpackFixed(input, 2, out)
        case 3: unpackFixed(input, 3, out)
        case 4: unpackFixed(input, 4, out)
        case 5: unpackFixed(input, 5, out)
        case 6: unpackFixed(input, 6, out)
        case 7: unpackFixed(input, 7, out)
        case 8: unpackFixed(input, 8, out)
        case 9: unpackFixed(input, 9, out)
        case 10: unpackFixed(input, 10, out)
        case 11: unpackFixed(input, 11, out)
        case 12: unpackFixed(input, 12, out)
        case 13: unpackFixed(input, 13, out)
        case 14: unpackFixed(input, 14, out)
        case 15: unpackFixed(input, 15, out)
        case 16: unpackFixed(input, 16, out)
        case 17: unpackFixed(input, 17, out)
        case 18: unpackFixed(input, 18, out)
        case 19: unpackFixed(input, 19, out)
        case 20: unpackFixed(input, 20, out)
        case 21: unpackFixed(input, 21, out)
        case 22: unpackFixed(input, 22, out)
        case 23: unpackFixed(input, 23, out)
        case 24: unpackFixed(input, 24, out)
        case 25: unpackFixed(input, 25, out)
        case 26: unpackFixed(input, 26, out)
        case 27: unpackFixed(input, 27, out)
        case 28: unpackFixed(input, 28, out)
        case 29: unpackFixed(input, 29, out)
        case 30: unpackFixed(input, 30, out)
        case 31: unpackFixed(input, 31, out)
        default: UnsafeMutableRawPointer(out).copyMemory(from: input, byteCount: 512)
        }
    }

    @inlinable @inline(__always)
    static func unpackFixed(_ input: UnsafeRawPointer, _ b: Int, _ out: UnsafeMutablePointer<UInt32>) {
        let mask = SIMD4<UInt32>(repeating: (UInt32(1) &<< UInt32(b)) &- 1)
        let dst = UnsafeMutableRawPointer(out)
        var word = 0
        var cur = input.loadUnaligned(fromByteOffset: 0, as: SIMD4<UInt32>.self)
        var bitPos = 0
        for j in 0..<32 {
            var v = cur &>> UInt32(truncatingIfNeeded: bitPos)
            let next = bitPos &+ b
            if next > 32 {
                word &+= 1
                cur = input.loadUnaligned(fromByteOffset: word &* 16, as: SIMD4<UInt32>.self)
                v |= cur &<< UInt32(truncatingIfNeeded: 32 &- bitPos)
                bitPos = next &- 32
            } else if next == 32 {
                word &+= 1
                if j != 31 { cur = input.loadUnaligned(fromByteOffset: word &* 16, as: SIMD4<UInt32>.self) }
                bitPos = 0
            } else {
                bitPos = next
            }
            dst.storeBytes(of: v & mask, toByteOffset: j &* 16, as: SIMD4<UInt32>.self)
        }
    }
}

/// Plain little-endian bit packing of any number of values (the short tails of postings lists, where the
/// 128-value vertical layout does not apply): value `i` occupies bits `i * b ..< (i + 1) * b` of a byte stream.
@usableFromInline
enum HorizontalBitPacking {
    static func byteCount(count: Int, bitWidth: Int) -> Int { (count * bitWidth + 7) / 8 }

    static func pack(_ values: UnsafePointer<UInt32>, count: Int, bitWidth b: Int, into w: inout ByteWriter) {
        guard b > 0 else { return }
        var acc: UInt64 = 0
        var bits = 0
        for i in 0..<count {
            acc |= UInt64(values[i]) << UInt64(bits)
            bits += b
            while bits >= 8 {
                w.writeU8(UInt8(truncatingIfNeeded: acc))
                acc >>= 8
                bits -= 8
            }
        }
        if bits > 0 { w.writeU8(UInt8(truncatingIfNeeded: acc)) }
    }

    /// Unpacks `count` values; false if `available` bytes are too few.
    @inlinable
    static func unpack(
        _ p: UnsafeRawPointer, available: Int, count: Int, bitWidth b: Int,
        into out: UnsafeMutablePointer<UInt32>
    ) -> Bool {
        guard b > 0 else {
            out.update(repeating: 0, count: count)
            return true
        }
        guard (count &* b &+ 7) / 8 <= available else { return false }
        let mask: UInt64 = (1 << UInt64(b)) &- 1
        var acc: UInt64 = 0
        var bits = 0
        var byte = 0
        for i in 0..<count {
            while bits < b {
                acc |= UInt64(p.load(fromByteOffset: byte, as: UInt8.self)) << UInt64(bits)
                byte &+= 1
                bits &+= 8
            }
            out[i] = UInt32(truncatingIfNeeded: acc & mask)
            acc >>= UInt64(b)
            bits &-= b
        }
        return true
    }
}
