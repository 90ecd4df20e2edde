/// A protocol error: the numeric code sent in an ERROR frame and a message. Codes are listed in docs/PROTOCOL.md.
public struct WireError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    /// For `invalidQuery`: the 1-based column in the query, counted in Unicode code points (the "column N" of the
    /// message). Field 3 of ERROR.
    public var offset: Int?
    /// For `invalidDocument`: the documents of the WRITE that validation refused (ERROR field 4, repeated).
    public var rejected: [RejectedDocument] = []

    public init(_ code: ErrorCode, _ message: String, offset: Int? = nil, rejected: [RejectedDocument] = []) {
        self.code = code
        self.message = message
        self.offset = offset
        self.rejected = rejected
    }

    public var description: String { "\(code) (\(code.rawValue)): \(message)" }
}

/// The error codes of ERROR frames. A struct so that new codes do not break clients.
public struct ErrorCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// A frame's payload is not well formed (bad field lengths, truncated field, bad flags).
    public static let malformedFrame = ErrorCode(rawValue: 1)
    /// The frame's length exceeds the server's maximum; the server closes the connection.
    public static let frameTooLarge = ErrorCode(rawValue: 2)
    /// The message type is not one this server knows.
    public static let unknownMessageType = ErrorCode(rawValue: 3)
    /// A request carries a field tag this server does not know for that message.
    public static let unknownField = ErrorCode(rawValue: 4)
    /// A required field is missing.
    public static let missingField = ErrorCode(rawValue: 5)
    /// A string field is not valid UTF-8.
    public static let invalidUTF8 = ErrorCode(rawValue: 6)
    /// The client's protocol version is not spoken by the server; the server closes the connection.
    public static let unsupportedVersion = ErrorCode(rawValue: 7)
    /// Missing or wrong token; the server closes the connection.
    public static let authenticationFailed = ErrorCode(rawValue: 8)
    /// A request came before HELLO; the server closes the connection.
    public static let handshakeRequired = ErrorCode(rawValue: 9)
    /// The query string is malformed; `offset` says where.
    public static let invalidQuery = ErrorCode(rawValue: 10)
    /// A field value is out of range (k, offset, k1, b, ...).
    public static let invalidArgument = ErrorCode(rawValue: 11)
    /// Too many requests in flight on this connection; retry after a response arrives.
    public static let tooManyInFlight = ErrorCode(rawValue: 12)
    /// The server has too many connections; it closes this one.
    public static let serverBusy = ErrorCode(rawValue: 13)
    /// The index could not be read (damaged files, I/O error).
    public static let indexError = ErrorCode(rawValue: 14)
    /// The server is shutting down and takes no new requests.
    public static let shuttingDown = ErrorCode(rawValue: 15)
    /// A frame was started and not completed in time; the server closes the connection.
    public static let timeout = ErrorCode(rawValue: 16)
    /// A query limit was exceeded (too long, too many terms, prefix too broad).
    public static let limitExceeded = ErrorCode(rawValue: 17)
    /// A WRITE's documents do not fit the index (malformed JSON, a wrong-typed value, a field the schema lacks, an
    /// id twice): field 4 lists each one; nothing of the batch was applied.
    public static let invalidDocument = ErrorCode(rawValue: 18)
    /// The server cannot take this write now (writes queued past its budget while commits or merges catch up):
    /// nothing was applied; send it again after a pause.
    public static let retryLater = ErrorCode(rawValue: 19)
    /// The server takes no writes (`saiga serve --read-only`), or another process holds the index's write lock.
    public static let writesRefused = ErrorCode(rawValue: 20)
    /// The write was not committed (a full disk, an I/O error): nothing of it is in the index, and the previous
    /// commit is intact. The message says why.
    public static let writeFailed = ErrorCode(rawValue: 21)
    /// The request names an index this server does not serve (or names none, and the server has no default).
    public static let indexNotFound = ErrorCode(rawValue: 22)
    /// The token's rights do not cover this request (a read-only token writing, a token of other indexes).
    public static let forbidden = ErrorCode(rawValue: 23)
    /// Anything else.
    public static let internalError = ErrorCode(rawValue: 100)

    public var description: String {
        switch self {
        case .malformedFrame: return "malformed frame"
        case .frameTooLarge: return "frame too large"
        case .unknownMessageType: return "unknown message type"
        case .unknownField: return "unknown field"
        case .missingField: return "missing field"
        case .invalidUTF8: return "invalid UTF-8"
        case .unsupportedVersion: return "unsupported version"
        case .authenticationFailed: return "authentication failed"
        case .handshakeRequired: return "handshake required"
        case .invalidQuery: return "invalid query"
        case .invalidArgument: return "invalid argument"
        case .tooManyInFlight: return "too many in flight"
        case .serverBusy: return "server busy"
        case .indexError: return "index error"
        case .shuttingDown: return "shutting down"
        case .timeout: return "timeout"
        case .limitExceeded: return "limit exceeded"
        case .invalidDocument: return "invalid document"
        case .retryLater: return "retry later"
        case .writesRefused: return "writes refused"
        case .writeFailed: return "write failed"
        case .indexNotFound: return "index not found"
        case .forbidden: return "forbidden"
        case .internalError: return "internal error"
        default: return "error \(rawValue)"
        }
    }
}
