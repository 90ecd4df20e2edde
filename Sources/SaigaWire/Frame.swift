/// One protocol frame: `length u32 | type u8 | flags u8 | request id u32 | payload`, all integers big-endian;
/// `length` counts the bytes after itself (so it is 6 + the payload's size). docs/PROTOCOL.md has the details.
public struct Frame: Sendable, Hashable {
    public var type: UInt8
    public var flags: UInt8
    public var requestID: UInt32
    public var payload: [UInt8]

    /// Bytes of the length field.
    public static let lengthSize = 4
    /// Bytes between the length field and the payload (type, flags, request id).
    public static let headerSize = 6
    /// The default largest `length` accepted: 16 MiB.
    public static let defaultMaxLength = 16 << 20

    public init(type: UInt8, flags: UInt8 = 0, requestID: UInt32, payload: [UInt8] = []) {
        self.type = type
        self.flags = flags
        self.requestID = requestID
        self.payload = payload
    }

    public init(_ type: MessageType, requestID: UInt32, payload: [UInt8] = []) {
        self.init(type: type.rawValue, requestID: requestID, payload: payload)
    }

    /// The frame's bytes on the wire.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Frame.lengthSize + Frame.headerSize + payload.count)
        appendEncoded(to: &out)
        return out
    }

    public func appendEncoded(to out: inout [UInt8]) {
        out.appendBigEndian(UInt32(Frame.headerSize + payload.count))
        out.append(type)
        out.append(flags)
        out.appendBigEndian(requestID)
        out.append(contentsOf: payload)
    }
}

/// Cuts frames out of a byte stream. It checks a frame's length against the maximum before buffering anything for
/// it, so a peer can never make it allocate more than `maxLength` plus one read.
public struct FrameDecoder: Sendable {
    /// The largest `length` accepted; may change between frames (a server accepts only a small frame before HELLO).
    public var maxLength: Int
    private var buffer: [UInt8] = []
    private var start = 0

    public init(maxLength: Int = Frame.defaultMaxLength) {
        self.maxLength = maxLength
    }

    /// Bytes received but not yet returned as frames.
    public var bufferedByteCount: Int { buffer.count - start }

    /// True when some bytes of an incomplete frame are buffered.
    public var hasPartialFrame: Bool { bufferedByteCount > 0 }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 65536 && start * 2 > buffer.count {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next complete frame, or nil if more bytes are needed. Throws `frameTooLarge` or `malformedFrame` (a
    /// length below the 6-byte header); after an error the stream cannot be resynchronised and must be closed.
    public mutating func next() throws(WireError) -> Frame? {
        let available = buffer.count - start
        guard available >= Frame.lengthSize else { return nil }
        let length = Int(buffer.readBigEndianUInt32(at: start))
        guard length >= Frame.headerSize else {
            throw WireError(.malformedFrame, "frame length \(length) is shorter than the 6-byte frame header")
        }
        guard length <= maxLength else {
            throw WireError(.frameTooLarge, "frame length \(length) exceeds the maximum of \(maxLength) bytes")
        }
        guard available >= Frame.lengthSize + length else { return nil }
        let h = start + Frame.lengthSize
        let frame = Frame(
            type: buffer[h], flags: buffer[h + 1], requestID: buffer.readBigEndianUInt32(at: h + 2),
            payload: Array(buffer[(h + Frame.headerSize)..<(h + length)]))
        start = h + length
        return frame
    }
}

extension Array where Element == UInt8 {
    @inlinable mutating func appendBigEndian(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v >> 8))
        append(UInt8(truncatingIfNeeded: v))
    }

    @inlinable mutating func appendBigEndian(_ v: UInt32) {
        append(UInt8(truncatingIfNeeded: v >> 24))
        append(UInt8(truncatingIfNeeded: v >> 16))
        append(UInt8(truncatingIfNeeded: v >> 8))
        append(UInt8(truncatingIfNeeded: v))
    }

    @inlinable mutating func appendBigEndian(_ v: UInt64) {
        appendBigEndian(UInt32(truncatingIfNeeded: v >> 32))
        appendBigEndian(UInt32(truncatingIfNeeded: v))
    }

    @inlinable func readBigEndianUInt32(at i: Int) -> UInt32 {
        UInt32(self[i]) << 24 | UInt32(self[i + 1]) << 16 | UInt32(self[i + 2]) << 8 | UInt32(self[i + 3])
    }
}
