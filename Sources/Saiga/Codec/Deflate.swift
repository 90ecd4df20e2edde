import CZlib

/// zlib compression of stored-document blocks.
@usableFromInline
enum Deflate {
    /// Compresses `input` and returns the compressed bytes; nil if zlib fails (out of memory).
    static func compress(_ input: UnsafeRawBufferPointer, level: Int32) -> [UInt8]? {
        let bound = Int(compressBound(uLong(input.count)))
        var outLength = uLongf(bound)
        var status = Z_OK
        let result = [UInt8](unsafeUninitializedCapacity: bound) { dst, initialized in
            status = compress2(
                dst.baseAddress, &outLength, input.baseAddress?.assumingMemoryBound(to: UInt8.self),
                uLong(input.count), level)
            initialized = status == Z_OK ? Int(outLength) : 0
        }
        return status == Z_OK ? result : nil
    }

    /// Decompresses `input` into exactly `expectedSize` bytes written at `out`; false if the data is corrupt.
    static func decompress(
        _ input: UnsafeRawBufferPointer, expectedSize: Int, into out: UnsafeMutableRawPointer
    ) -> Bool {
        var outLength = uLongf(expectedSize)
        let status = uncompress(
            out.assumingMemoryBound(to: UInt8.self), &outLength,
            input.baseAddress?.assumingMemoryBound(to: UInt8.self), uLong(input.count))
        return status == Z_OK && Int(outLength) == expectedSize
    }
}
