import CZlib

/// zlib compression of stored-document blocks.
@usableFromInline
enum Deflate {
    /// Compresses `input` and returns the compressed bytes.
    static func compress(_ input: UnsafeRawBufferPointer, level: Int32) -> [UInt8] {
        let bound = Int(compressBound(uLong(input.count)))
        var outLength = uLongf(bound)
        let result = [UInt8](unsafeUninitializedCapacity: bound) { dst, initialized in
            let status = compress2(dst.baseAddress, &outLength, input.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                   uLong(input.count), level)
            precondition(status == Z_OK, "zlib compress2 failed with status \(status)")
            initialized = Int(outLength)
        }
        return result
    }

    /// Decompresses `input` into exactly `expectedSize` bytes written at `out`; false if the data is corrupt.
    static func decompress(_ input: UnsafeRawBufferPointer, expectedSize: Int, into out: UnsafeMutableRawPointer) -> Bool {
        var outLength = uLongf(expectedSize)
        let status = uncompress(out.assumingMemoryBound(to: UInt8.self), &outLength,
                                input.baseAddress?.assumingMemoryBound(to: UInt8.self), uLong(input.count))
        return status == Z_OK && Int(outLength) == expectedSize
    }
}
