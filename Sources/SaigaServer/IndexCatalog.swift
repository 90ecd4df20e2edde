import FoundationEssentials
import Saiga
import SaigaPosix
import SaigaWire
import Synchronization

/// One index a server serves: its name, the commit searches run against, and its writer of group commits (nil when
/// the server is read-only).
final class ServedIndex: Sendable {
    let name: String
    let holder: IndexHolder
    let writes: GroupCommitWriter?

    init(name: String, holder: IndexHolder, writes: GroupCommitWriter?) {
        self.name = name
        self.holder = holder
        self.writes = writes
    }
}

/// The indexes a server serves, by name. `saiga serve --index DIR` serves one, named after its directory, which is
/// the default (requests that name no index go to it); `saiga serve --data DIR` serves every index under DIR by the
/// name of its subdirectory, takes CREATE_INDEX and DROP_INDEX, and its default is `--default-index NAME`, or the
/// only index when there is one.
///
/// Names are 1 to 64 of `a-z`, `0-9`, `_` and `-`, starting with a letter or digit: a name is a directory name, and
/// nothing a client sends may reach outside DIR.
final class IndexCatalog: Sendable {
    /// The data directory (`--data`), nil when one index is served (`--index`).
    let dataDirectory: String?
    private let configuration: ServerConfiguration
    private let metrics: ServerMetrics
    private let log: @Sendable (String) -> Void

    private struct State {
        var indexes: [String: ServedIndex] = [:]
        var defaultName: String?
    }
    private let state = Mutex(State())

    /// One index at `path`, the default.
    init(
        index path: String, configuration: ServerConfiguration, metrics: ServerMetrics,
        log: @escaping @Sendable (String) -> Void
    ) throws(SaigaError) {
        dataDirectory = nil
        self.configuration = configuration
        self.metrics = metrics
        self.log = log
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        let name = trimmed.split(separator: "/").last.map(String.init) ?? "index"
        let served = try open(name: name, path: path)
        state.withLock {
            $0.indexes[name] = served
            $0.defaultName = name
        }
    }

    /// Every index under `data` (subdirectories holding a commit; others are logged and skipped).
    init(
        data: String, defaultIndex: String?, configuration: ServerConfiguration, metrics: ServerMetrics,
        log: @escaping @Sendable (String) -> Void
    ) throws(SaigaError) {
        guard Sys.isDirectory(data) else {
            throw SaigaError(.indexNotFound, "--data \(data) is not a directory", path: data)
        }
        dataDirectory = data
        self.configuration = configuration
        self.metrics = metrics
        self.log = log
        let names: [String]
        do { names = try Sys.listDirectory(data).sorted() } catch { throw .system(error) }
        var indexes: [String: ServedIndex] = [:]
        for name in names where !name.hasPrefix(".") {
            let path = data + "/" + name
            guard Sys.isDirectory(path) else { continue }
            guard IndexCatalog.isValidName(name) else {
                log("skipping \(path): not an index name (a-z, 0-9, _ and -, at most 64)")
                continue
            }
            guard (try? IndexReader.newestGeneration(path: path)) != nil else {
                log("skipping \(path): no commit in it")
                continue
            }
            // One index that cannot be opened (damage no older commit escapes, a permission) does not keep the others
            // from being served: it is logged and skipped.
            do { indexes[name] = try open(name: name, path: path) } catch {
                log("skipping \(path): \(error) (`saiga check` shows what is wrong)")
            }
        }
        if let defaultIndex, indexes[defaultIndex] == nil {
            throw SaigaError(.indexNotFound, "--default-index \(defaultIndex): no such index under \(data)")
        }
        let defaultName = defaultIndex ?? (indexes.count == 1 ? indexes.keys.first : nil)
        state.withLock {
            $0.indexes = indexes
            $0.defaultName = defaultName
        }
        // Leftovers of a drop that a crash interrupted.
        for name in names where name.hasPrefix(".dropped-") { try? Sys.removeTree(data + "/" + name) }
    }

    private func open(name: String, path: String) throws(SaigaError) -> ServedIndex {
        serve(name: name, holder: try IndexHolder(path: path, verifyAll: configuration.verifyChecksums, log: log))
    }

    /// `holder`'s index served as `name`, with a writer of its own unless the server is read-only.
    private func serve(name: String, holder: IndexHolder) -> ServedIndex {
        let writes =
            configuration.readOnly
            ? nil : GroupCommitWriter(holder: holder, configuration: configuration, metrics: metrics, log: log)
        return ServedIndex(name: name, holder: holder, writes: writes)
    }

    static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        func ok(_ b: UInt8, first: Bool) -> Bool {
            (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || (!first && (b == 0x5F || b == 0x2D))
        }
        return ok(bytes[0], first: true) && bytes.dropFirst().allSatisfy { ok($0, first: false) }
    }

    /// The indexes served, by name.
    var all: [ServedIndex] { state.withLock { $0.indexes.values.sorted { $0.name < $1.name } } }

    /// The default index's name, if there is one.
    var defaultName: String? { state.withLock { $0.defaultName } }

    /// The index a request names, or the default one when it names none.
    func resolve(_ name: String?) throws(WireError) -> ServedIndex {
        // On every request: one short lock and one lookup. The names served are not listed (a token may read only
        // some of them): LIST_INDEXES shows a token what it may read.
        if let found = state.withLock({ s in s.indexes[name ?? s.defaultName ?? ""] }) { return found }
        if let name { throw WireError(.indexNotFound, "no index named \"\(name)\" (LIST_INDEXES lists them)") }
        throw WireError(
            .indexNotFound, "name an index: this server has no default index (--default-index); LIST_INDEXES lists them"
        )
    }

    /// The INDEX_LIST entries of `indexes`.
    func describe(_ indexes: [ServedIndex]) -> [WireIndexInfo] {
        let defaultName = self.defaultName
        return indexes.map { i in
            let r = i.holder.reader
            return WireIndexInfo(
                name: i.name, documents: UInt64(r.documentCount), generation: r.generation,
                segments: UInt32(r.segmentCount), bytes: UInt64(r.fileBytes.total), isDefault: i.name == defaultName)
        }
    }

    /// CREATE_INDEX: a new empty index `name` under the data directory, with `schemaJSON` (a `saiga schema` file's
    /// JSON; nil: the default schema), served at once.
    func create(name: String, schemaJSON: String?) throws(WireError) -> ServedIndex {
        guard let data = dataDirectory else {
            throw WireError(.invalidArgument, "this server serves one index (--index); start it with --data DIR")
        }
        guard IndexCatalog.isValidName(name) else {
            throw WireError(
                .invalidArgument,
                "\"\(name)\" is not an index name: 1 to 64 of a-z, 0-9, _ and -, starting with a letter or digit")
        }
        var schema: Schema?
        if let schemaJSON {
            do {
                schema = try JSONDecoder().decode(Schema.self, from: Data(schemaJSON.utf8))
            } catch {
                throw WireError(.invalidArgument, "the schema is not a schema: \(error)")
            }
        }
        let path = data + "/" + name
        // Claimed under the lock, so two creates of one name cannot both build it.
        let claimed = state.withLock { s -> Bool in
            if s.indexes[name] != nil || Sys.exists(path) { return false }
            do { try Sys.makeDirectories(path) } catch { return false }
            return true
        }
        guard claimed else { throw WireError(.invalidArgument, "index \"\(name)\" exists already") }
        do {
            let writer = try IndexWriter(
                path: path, options: IndexWriterOptions(openMode: .create, schema: schema))
            try writer.commit(userData: ["tool": "saiga serve"])
            writer.close()
            let served = try open(name: name, path: path)
            state.withLock { $0.indexes[name] = served }
            log("created index \(name)")
            return served
        } catch {
            try? Sys.removeTree(path)
            throw RequestHandler.wireError(error)
        }
    }

    /// DROP_INDEX: stops serving `name` (its queued writes are committed first), then deletes its directory, holding
    /// the index's write lock meanwhile: an index another process is writing is not dropped (`writesRefused`, and
    /// it stays served). A search already running finishes on the files it has open.
    func drop(name: String) throws(WireError) {
        guard let data = dataDirectory else {
            throw WireError(.invalidArgument, "this server serves one index (--index); it cannot drop it")
        }
        let removed = state.withLock { s -> (ServedIndex, wasDefault: Bool)? in
            guard let i = s.indexes.removeValue(forKey: name) else { return nil }
            let wasDefault = s.defaultName == name
            if wasDefault { s.defaultName = nil }
            return (i, wasDefault)
        }
        guard let (index, wasDefault) = removed else {
            throw WireError(.indexNotFound, "no index named \"\(name)\"")
        }
        index.writes?.stop()
        let path = data + "/" + name
        // The lock (through a writer: the lock's own type is the engine's): nobody else writes it while it goes. A
        // damaged index, which no writer opens, is dropped without it.
        var lock: IndexWriter?
        do { lock = try IndexWriter(path: path, options: IndexWriterOptions(openMode: .append)) } catch {
            if error.code == .indexLocked {
                // Served again, as it was (with a fresh writer: the old one stopped).
                state.withLock { s in
                    s.indexes[name] = serve(name: name, holder: index.holder)
                    if wasDefault { s.defaultName = name }
                }
                throw WireError(.writesRefused, "cannot drop \(name): \(error.message)")
            }
            log("dropping \(name) without its lock: \(error)")
        }
        // Renamed first: a crash in the middle leaves a `.dropped-` directory (removed at the next start), never
        // half an index under its name.
        let grave = data + "/.dropped-\(name)-\(Sys.monotonicNanos())"
        do {
            try Sys.rename(path, grave)
            lock?.close()
            try Sys.removeTree(grave)
        } catch {
            lock?.close()
            log("dropping \(name): \(error) (it is no longer served)")
        }
        log("dropped index \(name)")
    }
}
