import Saiga

enum MergeCommand {
    static let help = """
        usage: saiga merge [--index DIR] [--max-segments N]

        Merges the segments of the index at DIR until at most N remain (default 1), dropping deleted documents
        from the segments it rewrites, and commits. Readers keep searching their commit meanwhile.
        """

    static func run(_ argv: [String]) throws -> Int32 {
        let args = try Arguments(argv, valueOptions: ["index", "max-segments"], flagOptions: ["quiet"])
        guard args.positional.isEmpty else { throw UsageError("merge takes no arguments") }
        let maxSegments = try args.int("max-segments", default: 1, range: 1...1_000_000)
        let path = args.value("index") ?? Defaults.indexDirectory
        let start = Terminal.now()
        let before = try IndexReader(path: path).statistics
        let writer = try IndexWriter(path: path, options: IndexWriterOptions(openMode: .append, mergePolicy: nil))
        do {
            try writer.forceMerge(maxSegments: maxSegments)
            let generation = try writer.commit(userData: ["tool": "saiga \(Help.version)"])
            writer.close()
            let after = try IndexReader(path: path).statistics
            if !args.flag("quiet") {
                Terminal.out("merged \(before.segments) segments into \(after.segments) (\(Terminal.grouped(after.documents)) documents, "
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
