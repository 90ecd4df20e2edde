/// WRITE: one batch of changes, applied all or nothing and acknowledged once committed (docs/PROTOCOL.md,
/// "Writes").
///
/// Order within a batch: deletes by query, then deletes by id, then documents. A document whose id is live
/// replaces it (an update); an id may appear once per batch.
public struct WriteRequest: Sendable, Hashable {
    /// Documents, each one JSON object as `saiga index` reads a JSONL line: `id`, `title`, `body` (or `contents`)
    /// and the schema's fields.
    public var documents: [String]
    /// Ids of documents to delete.
    public var deleteIDs: [String]
    /// Queries (the search syntax) whose every match is deleted.
    public var deleteQueries: [String]
    /// The index (WRITE field 4, COMMIT field 1); nil: the server's default index.
    public var index: String?

    public init(
        documents: [String] = [], deleteIDs: [String] = [], deleteQueries: [String] = [], index: String? = nil
    ) {
        self.documents = documents
        self.deleteIDs = deleteIDs
        self.deleteQueries = deleteQueries
        self.index = index
    }

    /// True if the batch changes nothing (it still waits for the writes before it: a COMMIT).
    public var isEmpty: Bool { documents.isEmpty && deleteIDs.isEmpty && deleteQueries.isEmpty }

    public func encode() -> [UInt8] {
        var w = FieldWriter()
        for d in documents { w.string(1, d) }
        for id in deleteIDs { w.string(2, id) }
        for q in deleteQueries { w.string(3, q) }
        if let index { w.string(4, index) }
        return w.bytes
    }

    public static func decode(_ payload: [UInt8]) throws(WireError) -> WriteRequest {
        let f = try FieldSet(payload, message: "WRITE", known: [1, 2, 3, 4], repeatable: [1, 2, 3])
        func strings(_ tag: UInt16) throws(WireError) -> [String] {
            var out: [String] = []
            for x in f.all(tag) { out.append(try x.string(in: "WRITE")) }
            return out
        }
        return WriteRequest(
            documents: try strings(1), deleteIDs: try strings(2), deleteQueries: try strings(3),
            index: try f.string(4))
    }
}

/// WRITTEN: the answer to WRITE and COMMIT, sent once the changes are committed (fsynced, in a manifest) and
/// visible to every search that starts after it.
public struct WriteResponse: Sendable, Hashable {
    /// The commit holding the changes.
    public var generation: UInt64
    /// Documents whose id was not live before.
    public var added: UInt64
    /// Documents that replaced a live document with their id.
    public var replaced: UInt64
    /// Documents deleted by id or by query.
    public var deleted: UInt64
    /// How long the shared commit took, in µs.
    public var commitMicros: UInt64
    /// Writes that shared the commit (group commit): 1 when this one was alone.
    public var sharedWith: UInt32
    /// Live documents in the index after the commit.
    public var documents: UInt64

    public init(
        generation: UInt64, added: UInt64 = 0, replaced: UInt64 = 0, deleted: UInt64 = 0, commitMicros: UInt64 = 0,
        sharedWith: UInt32 = 1, documents: UInt64 = 0
    ) {
        self.generation = generation
        self.added = added
        self.replaced = replaced
        self.deleted = deleted
        self.commitMicros = commitMicros
        self.sharedWith = sharedWith
        self.documents = documents
    }

    public func encode() -> [UInt8] {
        var w = FieldWriter()
        w.u64(1, generation)
        w.u64(2, added)
        w.u64(3, replaced)
        w.u64(4, deleted)
        w.u64(5, commitMicros)
        w.u32(6, sharedWith)
        w.u64(7, documents)
        return w.bytes
    }

    public static func decode(_ payload: [UInt8]) throws(WireError) -> WriteResponse {
        let f = try FieldSet(lenient: payload, message: "WRITTEN")
        return WriteResponse(
            generation: try f.required(try f.u64(1), 1, "generation"), added: try f.u64(2) ?? 0,
            replaced: try f.u64(3) ?? 0, deleted: try f.u64(4) ?? 0, commitMicros: try f.u64(5) ?? 0,
            sharedWith: try f.u32(6) ?? 1, documents: try f.u64(7) ?? 0)
    }
}

/// A document of a WRITE refused by validation (ERROR field 4): the batch was not applied.
public struct RejectedDocument: Sendable, Hashable, CustomStringConvertible {
    /// 0-based position of the document in the WRITE's documents.
    public var position: UInt32
    /// Its id, when it has one.
    public var id: String?
    public var message: String

    public init(position: UInt32, id: String?, message: String) {
        self.position = position
        self.id = id
        self.message = message
    }

    public var description: String { "document \(position)\(id.map { " (\"\($0)\")" } ?? ""): \(message)" }

    func encode() -> FieldWriter {
        var w = FieldWriter()
        w.u32(1, position)
        if let id { w.string(2, id) }
        w.string(3, message)
        return w
    }

    static func decode(_ bytes: [UInt8]) throws(WireError) -> RejectedDocument {
        let f = try FieldSet(lenient: bytes, message: "ERROR rejected document")
        return RejectedDocument(
            position: try f.u32(1) ?? 0, id: try f.string(2), message: try f.string(3) ?? "")
    }
}
