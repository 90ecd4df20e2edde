import Saiga
import SaigaPosix
import SaigaWire

/// Runs the admin requests (CREATE_INDEX, DROP_INDEX, LIST_INDEXES, BACKUP) on a worker thread. Rights are checked
/// by the event loop before a request gets here.
enum AdminHandler {
    static func handle(
        _ request: AdminRequest, catalog: IndexCatalog, rights: TokenRights, backupDirectory: String?
    ) -> Response {
        do throws(WireError) {
            switch request {
            case .listIndexes:
                return .indexList(catalog.describe(catalog.all.filter { rights.allows(.read, on: $0.name) }))
            case .createIndex(let name, let schema):
                let created = try catalog.create(name: name, schemaJSON: schema)
                return .indexList(catalog.describe([created]))
            case .dropIndex(let name):
                try catalog.drop(name: name)
                return .indexList(catalog.describe(catalog.all.filter { rights.allows(.read, on: $0.name) }))
            case .backup(let index, let destination, let copy):
                let served = try catalog.resolve(index)
                let destination = try backupPath(destination, in: backupDirectory)
                let started = Sys.monotonicNanos()
                do throws(SaigaError) {
                    let summary = try IndexBackup.backup(
                        index: served.holder.path, to: destination, hardLinks: !copy)
                    // Verified as `saiga check` verifies an index: a backup that does not check is an error.
                    let report = try IndexChecker.check(path: destination)
                    guard report.problems.isEmpty else {
                        throw SaigaError(
                            .corruptIndex,
                            "the backup at \(destination) does not check: \(report.problems.prefix(3).map(\.description).joined(separator: "; "))"
                        )
                    }
                    return .backedUp(
                        BackupResponse(
                            generation: summary.generation, files: UInt32(summary.files), bytes: UInt64(summary.bytes),
                            linked: UInt32(summary.linked), micros: (Sys.monotonicNanos() &- started) / 1000))
                } catch {
                    throw RequestHandler.wireError(error)
                }
            }
        } catch {
            return .error(error)
        }
    }

    /// Where a BACKUP's `destination` goes: inside the server's backup directory, by a relative path of plain names
    /// (no `..`, no empty or hidden component), so that a token never writes elsewhere on the server's disk.
    static func backupPath(_ destination: String, in root: String?) throws(WireError) -> String {
        guard let root else {
            throw WireError(
                .invalidArgument, "this server takes no BACKUP: start it with --backup-dir DIR (backups go inside DIR)")
        }
        // Split on the byte the kernel splits on, not on characters (a `/` can hide inside a grapheme cluster).
        let parts = Array(destination.utf8).split(separator: 0x2F, omittingEmptySubsequences: false)
        guard destination.utf8.first != 0x2F, !parts.isEmpty, parts.count <= 16,
            parts.allSatisfy({ !$0.isEmpty && $0.first != 0x2E && $0.count <= 255 && !$0.contains(0) })
        else {
            throw WireError(
                .invalidArgument,
                "the destination is a relative path inside the server's backup directory (no leading /, no .., "
                    + "no hidden or empty names): \"\(destination)\"")
        }
        return root + "/" + destination
    }
}
