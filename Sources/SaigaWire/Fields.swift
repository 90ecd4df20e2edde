/// Writes a payload: a sequence of fields `tag u16 | length u32 | value`, big-endian.
public struct FieldWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func raw(_ tag: UInt16, _ value: [UInt8]) {
        bytes.appendBigEndian(tag)
        bytes.appendBigEndian(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func string(_ tag: UInt16, _ s: String) { raw(tag, Array(s.utf8)) }

    public mutating func u32(_ tag: UInt16, _ v: UInt32) {
        var b: [UInt8] = []
        b.appendBigEndian(v)
        raw(tag, b)
    }

    public mutating func u64(_ tag: UInt16, _ v: UInt64) {
        var b: [UInt8] = []
        b.appendBigEndian(v)
        raw(tag, b)
    }

    public mutating func f32(_ tag: UInt16, _ v: Float) { u32(tag, v.bitPattern) }

    public mutating func bool(_ tag: UInt16, _ v: Bool) { raw(tag, [v ? 1 : 0]) }

    public mutating func nested(_ tag: UInt16, _ w: FieldWriter) { raw(tag, w.bytes) }
}

/// One field of a payload.
public struct Field: Sendable, Hashable {
    public var tag: UInt16
    public var value: ArraySlice<UInt8>

    public func string(in message: String) throws(WireError) -> String {
        guard let s = String(validating: value, as: UTF8.self) else {
            throw WireError(.invalidUTF8, "field \(tag) of \(message) is not valid UTF-8")
        }
        return s
    }

    public func u32(in message: String) throws(WireError) -> UInt32 {
        guard value.count == 4 else { throw WireError(.malformedFrame, "field \(tag) of \(message) must be 4 bytes") }
        let b = value.startIndex
        return UInt32(value[b]) << 24 | UInt32(value[b + 1]) << 16 | UInt32(value[b + 2]) << 8 | UInt32(value[b + 3])
    }

    public func u16(in message: String) throws(WireError) -> UInt16 {
        guard value.count == 2 else { throw WireError(.malformedFrame, "field \(tag) of \(message) must be 2 bytes") }
        return UInt16(value[value.startIndex]) << 8 | UInt16(value[value.startIndex + 1])
    }

    public func u64(in message: String) throws(WireError) -> UInt64 {
        guard value.count == 8 else { throw WireError(.malformedFrame, "field \(tag) of \(message) must be 8 bytes") }
        var v: UInt64 = 0
        for b in value { v = v << 8 | UInt64(b) }
        return v
    }

    public func f32(in message: String) throws(WireError) -> Float {
        Float(bitPattern: try u32(in: message))
    }

    public func bool(in message: String) throws(WireError) -> Bool {
        guard value.count == 1, value.first! <= 1 else {
            throw WireError(.malformedFrame, "field \(tag) of \(message) must be one byte, 0 or 1")
        }
        return value.first! == 1
    }

    public func fields(in message: String) throws(WireError) -> [Field] {
        try FieldReader.parse(Array(value), message: message)
    }
}

public enum FieldReader {
    /// Splits a payload into fields, checking every length against what remains.
    public static func parse(_ payload: [UInt8], message: String) throws(WireError) -> [Field] {
        var fields: [Field] = []
        var i = 0
        while i < payload.count {
            guard payload.count - i >= 6 else {
                throw WireError(.malformedFrame, "\(message): truncated field header at payload byte \(i)")
            }
            let tag = UInt16(payload[i]) << 8 | UInt16(payload[i + 1])
            let length = Int(payload.readBigEndianUInt32(at: i + 2))
            i += 6
            guard length <= payload.count - i else {
                throw WireError(
                    .malformedFrame, "\(message): field \(tag) claims \(length) bytes, only \(payload.count - i) remain"
                )
            }
            fields.append(Field(tag: tag, value: payload[i..<(i + length)]))
            i += length
        }
        return fields
    }
}
