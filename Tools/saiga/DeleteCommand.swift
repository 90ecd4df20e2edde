import Saiga

/// The options of `saiga delete` alone.
extension OptionSpec {
    fileprivate static let query = OptionSpec(
        "query", "QUERY", help: "also delete every document matching QUERY (in the search syntax)")
}

/// `saiga delete`: deletes documents by id or query, in one commit.
enum DeleteCommand: Command {
    static let spec = CommandSpec(
        "delete", arguments: "[ID ...]", summary: "delete documents by id (or --query QUERY)",
        discussion: """
            Deletes the documents with the given ids (and, with --query, every document matching QUERY, in the
            search syntax) from the index at DIR, in one commit. Prints how many were deleted; ids not in the index
            are reported on stderr. Exit 1 if nothing matched (then nothing is committed).

            With --server HOST:PORT the delete is one WRITE to a `saiga serve` server, answered once committed.

            Deleted documents vanish from results and counts at once; their space is reclaimed when merges rewrite
            their segments (`saiga merge`).
            """,
        options: [
            .index, .query, .quiet.help("do not print how many documents were deleted"),
            .server.help("delete through a `saiga serve` server (not with --index)"), .indexName, .token,
        ])

    static func run(_ args: Arguments) throws -> Int32 {
        guard !args.positional.isEmpty || args.value(.query) != nil else {
            throw UsageError("delete needs ids or --query")
        }
        if let server = args.value(.server) {
            guard args.value(.index) == nil else { throw UsageError("--server and --index exclude each other") }
            let w = try RemoteWrites.delete(
                ids: args.positional, query: args.value(.query), server: server, index: args.value(.indexName),
                token: args.token)
            let n = Int(w.deleted)
            if n == 0 {
                Terminal.err("saiga: nothing deleted; the index is unchanged")
                return 1
            }
            if !args.flag(.quiet) {
                Terminal.out("deleted \(n) document\(n == 1 ? "" : "s") (generation \(w.generation))")
            }
            return 0
        }
        let writer = try IndexWriter(
            path: args.value(.index) ?? Defaults.indexDirectory,
            options: IndexWriterOptions(openMode: .append))
        var deleted = 0
        do {
            for id in args.positional {
                if try writer.delete(id: id) {
                    deleted += 1
                } else {
                    Terminal.err("saiga: no document with id \"\(id)\"")
                }
            }
            if let q = args.value(.query) { deleted += try writer.delete(query: q) }
            guard deleted > 0 else {
                writer.rollback()  // nothing to delete: no commit
                Terminal.err("saiga: nothing deleted; the index is unchanged")
                return 1
            }
            let generation = try writer.commit(userData: ["tool": "saiga \(Help.version)"])
            writer.close()
            if !args.flag(.quiet) {
                Terminal.out("deleted \(deleted) document\(deleted == 1 ? "" : "s") (generation \(generation))")
            }
        } catch {
            writer.rollback()
            throw error
        }
        return deleted > 0 ? 0 : 1
    }
}
