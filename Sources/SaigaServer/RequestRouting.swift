import Saiga
import SaigaWire

/// Where a decoded request goes, decided from the connection's rights and the indexes served: the rights are
/// checked before an index's existence (a token learns nothing of indexes it may not use), then the index is
/// resolved. The event loop carries the decision out; this type does no I/O.
enum RequestRoute {
    /// To the search workers, against this commit (nil for admin requests, which name their index themselves).
    case worker(reader: IndexReader?)
    /// To the index's writer (group commits).
    case writer(GroupCommitWriter, WriteRequest)
    /// Answered at once with this error.
    case refused(WireError)

    /// The route of `request` (SEARCH, GET, STATS, SUGGEST, WRITE, COMMIT, admin) for a connection with `rights`.
    static func of(_ request: Request, rights: TokenRights, catalog: IndexCatalog) -> RequestRoute {
        let needed = TokenRights.needed(by: request) ?? .read
        if case .admin(let a) = request {
            // LIST_INDEXES lists what the token reads; the others need admin on the index they name (BACKUP of the
            // default index: on the default's name).
            if case .listIndexes = a {
                return rights.rights.contains(.read)
                    ? .worker(reader: nil) : .refused(WireError(.forbidden, "the token may not read"))
            }
            let name = a.indexName ?? catalog.defaultName
            guard rights.rights.contains(.admin), name.map({ rights.allows(.admin, on: $0) }) ?? true else {
                return .refused(WireError(.forbidden, "the token has no admin right\(name.map { " on \($0)" } ?? "")"))
            }
            return .worker(reader: nil)
        }
        let named = request.indexName ?? catalog.defaultName
        if let named, !rights.allows(needed, on: named) {
            return .refused(WireError(.forbidden, "the token has no \(needed.rawValue) right on index \(named)"))
        }
        let served: ServedIndex
        do { served = try catalog.resolve(request.indexName) } catch { return .refused(error) }
        guard rights.allows(needed, on: served.name) else {
            return .refused(WireError(.forbidden, "the token has no \(needed.rawValue) right on index \(served.name)"))
        }
        if case .write(let w) = request {
            guard let writes = served.writes else {
                return .refused(WireError(.writesRefused, "this server is read-only (saiga serve --read-only)"))
            }
            return .writer(writes, w)
        }
        return .worker(reader: served.holder.reader)
    }
}
