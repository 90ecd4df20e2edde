import Saiga

/// The options of `saiga merge` alone.
extension OptionSpec {
    fileprivate static let maxSegments = OptionSpec(
        "max-segments", "N", help: "merge until at most N segments remain (default 1)")
}

/// `saiga merge`: merges segments down to a count, dropping deleted documents.
enum MergeCommand: Command {
    static let spec = CommandSpec(
        "merge", summary: "merge segments (--max-segments N)",
        discussion: """
            Merges the segments of the index at DIR until at most N remain (default 1), dropping deleted documents
            from the segments it rewrites, and commits. Readers keep searching their commit meanwhile.
            """,
        options: [.index, .maxSegments, .quiet.help("do not print what was merged")])

    static func run(_ args: Arguments) throws -> Int32 {
        let maxSegments = try args.int(.maxSegments, default: 1, range: 1...1_000_000)
        let path = args.value(.index) ?? Defaults.indexDirectory
        let start = Terminal.now()
        let before = try IndexReader(path: path).statistics
        let writer = try IndexWriter(path: path, options: IndexWriterOptions(openMode: .append, mergePolicy: nil))
        do {
            try writer.forceMerge(maxSegments: maxSegments)
            let generation = try writer.commit(userData: ["tool": "saiga \(Help.version)"])
            writer.close()
            let after = try IndexReader(path: path).statistics
            if !args.flag(.quiet) {
                Terminal.out(
                    "merged \(before.segments) segments into \(after.segments) (\(Terminal.grouped(after.documents)) documents, "
                        + "\(Terminal.grouped(before.deleted - after.deleted)) deleted documents dropped) in "
                        + "\(Terminal.fixed(Terminal.now() - start, 2)) s (generation \(generation))")
            }
        } catch {
            writer.rollback()
            throw error
        }
        return 0
    }
}
