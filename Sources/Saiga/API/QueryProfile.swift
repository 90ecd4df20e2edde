import SaigaPosix

/// Where a query spends its time, clause by clause (`IndexReader.profile`, `saiga search --profile`).
///
/// The query runs once more through the general document-at-a-time scorers, every clause's scorer counted and
/// timed, over every segment and every match (no block-max pruning, no filters, no sort: what the clauses cost
/// when each must be evaluated). `searchNanoseconds` is the time of the search itself as it runs, pruning
/// included, for comparison.
public struct QueryProfile: Sendable, Hashable, Codable {
    /// One clause: a word in a field, a phrase, a group, a pattern's terms.
    public struct Clause: Sendable, Hashable, Codable {
        public var description: String
        /// Time in this clause's scorer, its children's included.
        public var nanoseconds: UInt64
        /// Calls that moved the scorer to its next match, and calls that skipped ahead to a document.
        public var nextDocCalls: Int
        public var advanceCalls: Int
        /// Documents the scorer stopped on (visited), and documents it scored.
        public var matches: Int
        public var scored: Int
        public var children: [Clause]

        public init(
            description: String, nanoseconds: UInt64, nextDocCalls: Int, advanceCalls: Int, matches: Int, scored: Int,
            children: [Clause] = []
        ) {
            self.description = description
            self.nanoseconds = nanoseconds
            self.nextDocCalls = nextDocCalls
            self.advanceCalls = advanceCalls
            self.matches = matches
            self.scored = scored
            self.children = children
        }

        /// The tree as indented lines: `1.234 ms  term body:oil  next 3,000 advance 12 matches 3,012 scored 3,000`.
        public var text: String {
            var lines: [String] = []
            func walk(_ c: Clause, _ depth: Int) {
                let ms = Double(c.nanoseconds) / 1e6
                let rounded = (ms * 1000).rounded() / 1000
                lines.append(
                    String(repeating: "  ", count: depth) + "\(rounded) ms  \(c.description)  next \(c.nextDocCalls)"
                        + " advance \(c.advanceCalls) matches \(c.matches) scored \(c.scored)")
                for d in c.children { walk(d, depth + 1) }
            }
            walk(self, 0)
            return lines.joined(separator: "\n")
        }
    }

    /// The query's clauses; nil when it matches nothing in any segment.
    public var root: Clause?
    /// Segments the query ran over, and live documents it matched.
    public var segments: Int
    public var matches: Int
    /// Wall time of the profiled run, and of the search as it normally runs.
    public var profiledNanoseconds: UInt64
    public var searchNanoseconds: UInt64

    public init(root: Clause?, segments: Int, matches: Int, profiledNanoseconds: UInt64, searchNanoseconds: UInt64) {
        self.root = root
        self.segments = segments
        self.matches = matches
        self.profiledNanoseconds = profiledNanoseconds
        self.searchNanoseconds = searchNanoseconds
    }
}

extension IndexReader {
    /// Runs `query` profiled (see `QueryProfile`) with these options' BM25 parameters and field boosts.
    public func profile(_ query: String, options: SearchOptions = SearchOptions()) throws(SaigaError) -> QueryProfile {
        var plain = options
        plain.snippets = false
        plain.didYouMean = false
        let searchStart = Sys.monotonicNanos()
        _ = try search(query, options: plain)
        let searchNanoseconds = Sys.monotonicNanos() - searchStart

        let node = try queryNode(query)
        let executor = try executor(for: options)
        let prepared = try executor.prepare(node, parameters: options.bm25)
        var labels: [String: String] = [:]
        for s in segments.indices { try collectLabels(node, segment: s, executor: executor, into: &labels) }
        let root = profileTree(prepared, labels: labels)
        let start = Sys.monotonicNanos()
        var matched = 0
        var ran = false
        for s in segments.indices {
            let seg = segments[s]
            try seg.checkNorms()
            var iterators: [PostingsIterator] = []
            guard let scorer = try executor.scorer(prepared, segment: s, iterators: &iterators, profile: root) else {
                continue
            }
            ran = true
            var d = scorer.nextDoc()
            while d != PostingsIterator.noMoreDocs {
                if !seg.isDeleted(Int(d)) {
                    _ = scorer.score()
                    matched += 1
                }
                d = scorer.nextDoc()
            }
            if iterators.contains(where: { $0.isCorrupt }) { throw seg.postingsCorruption() }
        }
        return QueryProfile(
            root: ran ? clause(root) : nil, segments: segments.count, matches: matched,
            profiledNanoseconds: Sys.monotonicNanos() - start, searchNanoseconds: searchNanoseconds)
    }

    private func profileTree(_ q: PreparedQuery, labels: [String: String]) -> ProfileNode {
        let name = fieldName
        switch q {
        case .none: return ProfileNode("nothing")
        case .structured(let sq): return ProfileNode("structured \(sq.name)")
        case .term(let field, let metas, _):
            let label = metas.lazy.compactMap { $0 }.first.flatMap { labels[IndexReader.key(field, $0)] } ?? "?"
            return ProfileNode("term \(name(field)):\(label)")
        case .phrase(let field, let metas, _, let slop, _, _):
            // `metas[s]`: segment s's metadata of each of the phrase's terms; any segment with all of them names them.
            let terms = metas.first { $0.allSatisfy { $0 != nil } } ?? []
            let words = terms.map { $0.flatMap { labels[IndexReader.key(field, $0)] } ?? "?" }
            return ProfileNode("phrase \(name(field)):\"\(words.joined(separator: " "))\"\(slop > 0 ? "~\(slop)" : "")")
        case .termUnion(let field, let metas, _):
            return ProfileNode(
                "union \(name(field)): \(metas.map(\.count).max() ?? 0) terms (a prefix, wildcard or regular "
                    + "expression, constant score)")
        case .boolean(let must, let should, let mustNot):
            let parts = [
                must.isEmpty ? nil : "\(must.count) required", should.isEmpty ? nil : "\(should.count) optional",
                mustNot.isEmpty ? nil : "\(mustNot.count) excluded",
            ].compactMap { $0 }
            return ProfileNode(
                "boolean (\(parts.joined(separator: ", ")))",
                children: (must + should + mustNot).map { profileTree($0, labels: labels) })
        }
    }

    private func clause(_ n: ProfileNode) -> QueryProfile.Clause {
        QueryProfile.Clause(
            description: n.description, nanoseconds: n.nanoseconds, nextDocCalls: n.nextDocCalls,
            advanceCalls: n.advanceCalls, matches: n.matches, scored: n.scored, children: n.children.map(clause))
    }
}
