/// The error every public Saiga API throws: a code to switch on, a message a person can act on, and where it
/// happened (a file and byte offset for index problems, a character position for query syntax errors).
///
/// A struct with static codes rather than an enum, so that new codes can be added without breaking callers
/// (the NIO `IOError` pattern).
import SaigaPosix

public struct SaigaError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// An index file failed its checksum or structural checks, or is truncated.
        public static let corruptIndex = Code("corrupt index")
        /// An index file was written by a format version this build cannot read.
        public static let unsupportedFormat = Code("unsupported format")
        /// There is no index at the path.
        public static let indexNotFound = Code("index not found")
        /// Another writer holds the index's write lock.
        public static let indexLocked = Code("index locked")
        /// A read, write, fsync or other system call failed.
        public static let io = Code("I/O error")
        /// The disk (or quota, or file-size limit) is full; the previous commit is intact.
        public static let diskFull = Code("disk full")
        /// The query string is malformed; `offset` is the character position.
        public static let invalidQuery = Code("invalid query")
        /// An input document is malformed (bad JSON, invalid UTF-8, missing id, ...).
        public static let invalidDocument = Code("invalid document")
        /// Two documents in one build have the same id.
        public static let duplicateID = Code("duplicate id")
        /// A size or count limit was exceeded (query too long, too many clauses, term too large, ...).
        public static let limitExceeded = Code("limit exceeded")
        /// An argument is outside its valid range.
        public static let invalidArgument = Code("invalid argument")
        /// The object was used after it was closed.
        public static let closed = Code("closed")
        /// The directory holds other files and no index (an index is created only in an empty or new directory).
        public static let notAnIndex = Code("not an index")
    }

    public let code: Code
    public let message: String
    /// The file concerned, if any.
    public let path: String?
    /// Byte offset in `path`, or character position in a query, if known.
    public let offset: Int?

    public init(_ code: Code, _ message: String, path: String? = nil, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.offset = offset
    }

    public var description: String {
        var s = "\(code): \(message)"
        if let path {
            s += " (\(path)"
            if let offset { s += " at byte \(offset)" }
            s += ")"
        }
        return s
    }

    static func corrupt(_ path: String, _ reason: String, offset: Int? = nil) -> SaigaError {
        SaigaError(.corruptIndex, reason, path: path, offset: offset)
    }

    /// A failed syscall: `.diskFull` when it ran out of space (or quota, or file size), else `.io`.
    package static func system(_ error: SystemError) -> SaigaError {
        SaigaError(error.isDiskFull ? .diskFull : .io, error.description, path: error.path.isEmpty ? nil : error.path)
    }
}
