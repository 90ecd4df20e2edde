/// Micro-benchmarks of the codecs, with package access so that `saiga-bench codec` can run them on the library's own code.
import SaigaPosix

package enum CodecBenchmarks {
    /// Integers per second unpacked from 128-value blocks of `bitWidth` bits, measured for about `seconds`.
    package static func unpackRate(bitWidth: Int, seconds: Double) -> Double {
        let blocks = 256
        let packed = UnsafeMutableRawPointer.allocate(byteCount: blocks * 512, alignment: 64)
        let out = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
        let values = UnsafeMutablePointer<UInt32>.allocate(capacity: 128)
        defer {
            packed.deallocate()
            out.deallocate()
            values.deallocate()
        }
        var seed: UInt64 = 42
        let mask: UInt64 = bitWidth == 32 ? 0xFFFF_FFFF : (1 << UInt64(bitWidth)) - 1
        for b in 0..<blocks {
            for i in 0..<128 {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                values[i] = UInt32(truncatingIfNeeded: (seed >> 17) & mask)
            }
            BitPacking.pack(values, bitWidth: bitWidth, into: packed + b * 512)
        }
        var sink: UInt32 = 0
        var rounds = 0
        let start = Sys.monotonicNanos()
        let limit = UInt64(seconds * 1e9)
        repeat {
            for b in 0..<blocks {
                BitPacking.unpack(packed + b * 512, bitWidth: bitWidth, into: out)
                sink &+= out[Int(b & 127)]
            }
            rounds += 1
        } while Sys.monotonicNanos() - start < limit
        let elapsed = Double(Sys.monotonicNanos() - start) / 1e9
        if sink == 0xDEAD_BEEF { print("") }  // keep the work observable
        return Double(rounds * blocks * 128) / elapsed
    }
}
