/// The messages an admin token may send: create, drop and list indexes, and back one up (docs/PROTOCOL.md,
/// "Indexes and backups").
public enum AdminRequest: Sendable, Hashable {
    /// CREATE_INDEX: a new, empty index `name` under the server's data directory, with `schema` (the JSON of a
    /// `saiga schema` file; nil: the default schema). Answered INDEX_LIST with the new index.
    case createIndex(name: String, schema: String?)
    /// DROP_INDEX: stop serving `name` and delete it. Searches already running finish on what they opened.
    /// Answered INDEX_LIST with the indexes left.
    case dropIndex(name: String)
    /// LIST_INDEXES: the indexes the token may read. Answered INDEX_LIST.
    case listIndexes
    /// BACKUP: a consistent copy of the newest commit of `index` (nil: the default) into `destination`, a new or
    /// empty directory on the server's machine, hard-linked where the filesystem allows unless `copy`; verified
    /// before the answer. Answered BACKED_UP.
    case backup(index: String?, destination: String, copy: Bool)

    func encoded() -> (MessageType, [UInt8]) {
        var w = FieldWriter()
        switch self {
        case .createIndex(let name, let schema):
            w.string(1, name)
            if let schema { w.string(2, schema) }
            return (.createIndex, w.bytes)
        case .dropIndex(let name):
            w.string(1, name)
            return (.dropIndex, w.bytes)
        case .listIndexes:
            return (.listIndexes, [])
        case .backup(let index, let destination, let copy):
            if let index { w.string(1, index) }
            w.string(2, destination)
            if copy { w.bool(3, true) }
            return (.backup, w.bytes)
        }
    }

    static func decode(_ type: MessageType, _ payload: [UInt8]) throws(WireError) -> AdminRequest {
        switch type {
        case .createIndex:
            let f = try FieldSet(payload, message: "CREATE_INDEX", known: [1, 2])
            return .createIndex(name: try f.required(try f.string(1), 1, "name"), schema: try f.string(2))
        case .dropIndex:
            let f = try FieldSet(payload, message: "DROP_INDEX", known: [1])
            return .dropIndex(name: try f.required(try f.string(1), 1, "name"))
        case .listIndexes:
            _ = try FieldSet(payload, message: "LIST_INDEXES", known: [])
            return .listIndexes
        default:
            let f = try FieldSet(payload, message: "BACKUP", known: [1, 2, 3])
            return .backup(
                index: try f.string(1), destination: try f.required(try f.string(2), 2, "destination"),
                copy: try f.bool(3) ?? false)
        }
    }

    /// The index the request concerns, if one (nil also for the default index of BACKUP).
    public var indexName: String? {
        switch self {
        case .createIndex(let name, _), .dropIndex(let name): return name
        case .listIndexes: return nil
        case .backup(let index, _, _): return index
        }
    }
}

/// One index as INDEX_LIST describes it (field 1, repeated, nested).
public struct WireIndexInfo: Sendable, Hashable {
    public var name: String
    public var documents: UInt64
    public var generation: UInt64
    public var segments: UInt32
    public var bytes: UInt64
    /// Requests that name no index go to this one.
    public var isDefault: Bool

    public init(
        name: String, documents: UInt64, generation: UInt64, segments: UInt32, bytes: UInt64, isDefault: Bool
    ) {
        self.name = name
        self.documents = documents
        self.generation = generation
        self.segments = segments
        self.bytes = bytes
        self.isDefault = isDefault
    }

    static func encodeList(_ list: [WireIndexInfo]) -> [UInt8] {
        var w = FieldWriter()
        for i in list {
            var n = FieldWriter()
            n.string(1, i.name)
            n.u64(2, i.documents)
            n.u64(3, i.generation)
            n.u32(4, i.segments)
            n.u64(5, i.bytes)
            if i.isDefault { n.bool(6, true) }
            w.nested(1, n)
        }
        return w.bytes
    }

    static func decodeList(_ payload: [UInt8]) throws(WireError) -> [WireIndexInfo] {
        let f = try FieldSet(lenient: payload, message: "INDEX_LIST")
        var out: [WireIndexInfo] = []
        for x in f.all(1) {
            let n = try FieldSet(lenient: Array(x.value), message: "INDEX_LIST index")
            out.append(
                WireIndexInfo(
                    name: try n.string(1) ?? "", documents: try n.u64(2) ?? 0, generation: try n.u64(3) ?? 0,
                    segments: try n.u32(4) ?? 0, bytes: try n.u64(5) ?? 0, isDefault: try n.bool(6) ?? false))
        }
        return out
    }
}

/// BACKED_UP: what a BACKUP copied.
public struct BackupResponse: Sendable, Hashable {
    /// The commit copied.
    public var generation: UInt64
    public var files: UInt32
    public var bytes: UInt64
    /// Files hard-linked rather than copied.
    public var linked: UInt32
    public var micros: UInt64

    public init(generation: UInt64, files: UInt32, bytes: UInt64, linked: UInt32, micros: UInt64) {
        self.generation = generation
        self.files = files
        self.bytes = bytes
        self.linked = linked
        self.micros = micros
    }

    public func encode() -> [UInt8] {
        var w = FieldWriter()
        w.u64(1, generation)
        w.u32(2, files)
        w.u64(3, bytes)
        w.u32(4, linked)
        w.u64(5, micros)
        return w.bytes
    }

    public static func decode(_ payload: [UInt8]) throws(WireError) -> BackupResponse {
        let f = try FieldSet(lenient: payload, message: "BACKED_UP")
        return BackupResponse(
            generation: try f.required(try f.u64(1), 1, "generation"), files: try f.u32(2) ?? 0,
            bytes: try f.u64(3) ?? 0, linked: try f.u32(4) ?? 0, micros: try f.u64(5) ?? 0)
    }
}

extension Request {
    /// The index a request names (nil: the server's default, or none for HELLO, PING and LIST_INDEXES).
    public var indexName: String? {
        switch self {
        case .hello, .ping: return nil
        case .search(let r): return r.index
        case .get(let r): return r.index
        case .stats(let index): return index
        case .suggest(let r): return r.index
        case .write(let r): return r.index
        case .admin(let a): return a.indexName
        }
    }
}
