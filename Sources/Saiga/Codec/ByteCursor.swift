/// Reading past the end of a buffer or a malformed variable-length integer. The caller turns it into a
/// `SaigaError.corruptIndex` naming the file, because only the caller knows which file the bytes came from.
@usableFromInline
struct DecodeError: Error, Sendable {
    @usableFromInline let offset: Int
    @usableFromInline let reason: StaticString
    @inlinable init(offset: Int, reason: StaticString) {
        self.offset = offset
        self.reason = reason
    }
}

/// A bounds-checked little-endian reader over bytes that may be corrupt (an mmap'd index file).
///
/// Every read checks the remaining length first and throws `DecodeError` instead of reading out of range, so a
/// corrupt or truncated file can never crash the process. Typed throws keep the error path allocation-free.
@usableFromInline
struct ByteCursor {
    @usableFromInline let base: UnsafeRawPointer
    @usableFromInline let end: Int
    @usableFromInline var position: Int

    @inlinable init(_ buffer: UnsafeRawBufferPointer, position: Int = 0) {
        // An empty buffer may have a nil base address; point at something valid that is never read.
        self.base = buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 0x10)!
        self.end = buffer.count
        self.position = position
    }

    @inlinable init(base: UnsafeRawPointer, start: Int, end: Int) {
        self.base = base
        self.position = start
        self.end = end
    }

    @inlinable var remaining: Int { end - position }
    @inlinable var isAtEnd: Bool { position >= end }

    @inlinable mutating func require(_ n: Int) throws(DecodeError) {
        guard n >= 0, n <= end - position else { throw DecodeError(offset: position, reason: "unexpected end of data") }
    }

    @inlinable mutating func readU8() throws(DecodeError) -> UInt8 {
        try require(1)
        let v = base.load(fromByteOffset: position, as: UInt8.self)
        position &+= 1
        return v
    }

    @inlinable mutating func readU16() throws(DecodeError) -> UInt16 {
        try require(2)
        let v = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt16.self))
        position &+= 2
        return v
    }

    @inlinable mutating func readU32() throws(DecodeError) -> UInt32 {
        try require(4)
        let v = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt32.self))
        position &+= 4
        return v
    }

    @inlinable mutating func readU64() throws(DecodeError) -> UInt64 {
        try require(8)
        let v = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
        position &+= 8
        return v
    }

    /// LEB128 with a one-byte fast path; more than 10 bytes or a value over 64 bits is corrupt.
    @inlinable mutating func readVInt() throws(DecodeError) -> UInt64 {
        guard position < end else { throw DecodeError(offset: position, reason: "unexpected end of data") }
        let first = base.load(fromByteOffset: position, as: UInt8.self)
        position &+= 1
        if first < 0x80 { return UInt64(first) }
        return try readVIntSlow(UInt64(first & 0x7F))
    }

    @inline(never) @usableFromInline
    mutating func readVIntSlow(_ low: UInt64) throws(DecodeError) -> UInt64 {
        var result = low
        var shift: UInt64 = 7
        while true {
            guard position < end else { throw DecodeError(offset: position, reason: "unexpected end of data") }
            let b = base.load(fromByteOffset: position, as: UInt8.self)
            position &+= 1
            if shift == 63 && b > 1 {
                throw DecodeError(offset: position - 1, reason: "variable-length integer too large")
            }
            result |= UInt64(b & 0x7F) &<< shift
            if b < 0x80 { return result }
            shift &+= 7
            if shift > 63 { throw DecodeError(offset: position - 1, reason: "variable-length integer too long") }
        }
    }

    /// A VInt that must fit in 32 bits.
    @inlinable mutating func readVInt32() throws(DecodeError) -> UInt32 {
        let v = try readVInt()
        guard v <= UInt64(UInt32.max) else { throw DecodeError(offset: position, reason: "value out of range") }
        return UInt32(truncatingIfNeeded: v)
    }

    /// A VInt used as a count or length: must fit in the remaining data when `bounded` is set.
    @inlinable mutating func readLength() throws(DecodeError) -> Int {
        let v = try readVInt()
        guard v <= UInt64(end - position) else {
            throw DecodeError(offset: position, reason: "length beyond end of data")
        }
        return Int(v)
    }

    @inlinable mutating func readBytes(_ n: Int) throws(DecodeError) -> UnsafeRawBufferPointer {
        try require(n)
        let r = UnsafeRawBufferPointer(start: base + position, count: n)
        position &+= n
        return r
    }

    @inlinable mutating func readLengthPrefixedBytes() throws(DecodeError) -> UnsafeRawBufferPointer {
        let n = try readLength()
        return try readBytes(n)
    }

    @inlinable mutating func readString() throws(DecodeError) -> String {
        let b = try readLengthPrefixedBytes()
        guard let s = String(validating: b, as: UTF8.self) else {
            throw DecodeError(offset: position - b.count, reason: "invalid UTF-8 in stored string")
        }
        return s
    }

    @inlinable mutating func skip(_ n: Int) throws(DecodeError) {
        try require(n)
        position &+= n
    }
}
