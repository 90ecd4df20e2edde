import Synchronization

/// Size and shape of an index.
public struct IndexStatistics: Sendable, Hashable, Codable {
    public var generation: UInt64
    /// Live documents.
    public var documents: Int
    /// Deleted documents still held by segments (until merges rewrite them).
    public var deleted: Int
    public var segments: Int
    /// Distinct (field, term) pairs of the index: the vocabulary, where a term in two segments counts once.
    public var terms: Int
    /// Distinct terms per segment, summed (a term in two segments counts twice): what the term dictionaries hold.
    public var segmentTerms: Int
    /// Distinct surface forms of stemmed words (`AnalyzerOptions.surfaceForms`), counted like `terms`: the
    /// unstemmed words that prefixes, wildcards and completions match, held besides the terms.
    public var surfaceForms: Int = 0
    /// (term, document) pairs.
    public var postings: Int
    /// Indexed tokens.
    public var tokens: Int
    /// Bytes of all index files.
    public var bytes: Int
    /// Bytes by component.
    public var componentBytes: [IndexComponent: Int]
    public var stemming: Bool
    public var stopWords: Bool
    /// Per field of the schema, in schema order.
    public var fields: [FieldStats] = []

    /// What the index holds of one field, summed over its segments (deleted documents included until merged).
    public struct FieldStats: Sendable, Hashable, Codable {
        public var name: String
        public var type: Schema.FieldType
        /// Documents with a value (text: with at least one token).
        public var documents: Int
        /// Text: tokens; keywords: (document, value) pairs; numbers, dates, booleans: values.
        public var values: Int
        /// Distinct terms per segment, summed (text and indexed keywords).
        public var terms: Int
        /// Text: the language its words are analyzed in (`none` for other types).
        public var language: Schema.TextLanguage = .none
    }
}

extension IndexReader {
    /// Distinct (field, term) keys over all segments, terms and surface forms (`TermKey`) apart: with one segment
    /// its counts (the fields' term counts, which leave surface forms out, and the dictionary's), with several a
    /// merge of the dictionaries, computed once per reader. -1 if a dictionary cannot be read.
    var vocabularySize: (terms: Int, surfaceForms: Int) {
        if let known = vocabulary.withLock({ $0 }) { return known }
        var count = (terms: 0, surfaceForms: 0)
        if segments.count == 1 {
            count.terms = segments[0].info.fields.reduce(0) { $0 + $1.termCount }
            count.surfaceForms = segments[0].terms.termCount - count.terms
            vocabulary.withLock { $0 = count }
            return count
        }
        var walks = segments.map { CheckedTermWalk($0) }
        do throws(SaigaError) {
            var live = [Bool](repeating: false, count: walks.count)
            for i in walks.indices { live[i] = try walks[i].next() }
            while let smallest = walks.smallestKey(live: live) {
                let key = walks[smallest].key
                if TermKey.isSurfaceForm(key) { count.surfaceForms += 1 } else { count.terms += 1 }
                for i in walks.indices where live[i] && walks[i].key == key { live[i] = try walks[i].next() }
            }
        } catch { count = (-1, -1) }
        vocabulary.withLock { $0 = count }
        return count
    }

    /// The size and shape of the index: documents, segments, terms, postings, tokens and bytes by component.
    public var statistics: IndexStatistics {
        let vocabulary = vocabularySize
        var s = IndexStatistics(
            generation: generation, documents: documentCount, deleted: deletedCount,
            segments: segments.count, terms: vocabulary.terms, segmentTerms: 0,
            postings: 0, tokens: 0, bytes: 0, componentBytes: [:],
            stemming: analyzerOptions.stemming, stopWords: analyzerOptions.stopWords)
        s.surfaceForms = vocabulary.surfaceForms
        for seg in segments {
            for f in seg.info.fields {
                s.segmentTerms += f.termCount
                s.postings += f.sumDocFreq
                if f.flags.contains(.norms) { s.tokens += f.sumTotalTermFreq }
            }
        }
        for (n, field) in manifest.schema.fields.enumerated() {
            var stats = IndexStatistics.FieldStats(
                name: field.name, type: field.type, documents: 0, values: 0, terms: 0)
            for seg in segments {
                guard let f = seg.info.field(number: n), f.name == field.name else { continue }
                stats.documents += n == BuiltinFields.idField ? seg.maxDoc : f.docCount
                stats.values += n == BuiltinFields.idField ? seg.maxDoc : f.sumTotalTermFreq
                stats.terms += f.termCount
            }
            stats.language = field.type == .text && analyzerOptions.stemming ? field.language : .none
            s.fields.append(stats)
        }
        (s.bytes, s.componentBytes) = fileBytes
        return s
    }

    /// The bytes of the commit's files, in all and by component (each segment's files, deletions and `.meta`, and
    /// the manifest): what `statistics` reports, without its term counts (which merge the segments' dictionaries
    /// once per reader), for a health check or a metrics scrape.
    package var fileBytes: (total: Int, byComponent: [IndexComponent: Int]) {
        var total = 0
        var components: [IndexComponent: Int] = [:]
        func add(_ component: IndexComponent, _ bytes: Int) {
            components[component, default: 0] += bytes
            total += bytes
        }
        for seg in segments {
            for r in seg.info.files { add(r.kind.component, r.length) }
            if let gen = manifest.segments.first(where: { $0.name == seg.name })?.deletionGeneration, gen > 0 {
                add(.deletions, directory.size(of: DeletedDocuments.fileName(segment: seg.name, generation: gen)))
            }
            add(.meta, directory.size(of: seg.info.fileName(.segmentInfo)))
        }
        add(.meta, directory.size(of: Manifest.fileName(generation: generation)))
        return (total, components)
    }

    /// The segments of this commit.
    package var segmentCount: Int { segments.count }
}

/// A kind of index data, as `IndexStatistics.componentBytes` counts it (its raw value is the name `saiga stats`
/// prints).
public enum IndexComponent: String, Sendable, Hashable, Codable, CodingKeyRepresentable, CaseIterable, Comparable {
    /// Term dictionaries.
    case terms
    /// Document and frequency postings, with skip entries and impacts.
    case postings
    /// Term positions (for phrase queries).
    case positions
    /// Field length norms.
    case norms
    /// The compressed document store.
    case stored
    /// Document ids and titles.
    case ids
    /// Deleted-document bit sets.
    case deletions
    /// Columns (doc values) and point indexes of structured fields.
    case columns
    /// Segment infos and manifests.
    case meta

    public static func < (a: IndexComponent, b: IndexComponent) -> Bool { a.rawValue < b.rawValue }
}

extension FileKind {
    /// The component this kind of file counts toward.
    var component: IndexComponent {
        switch self {
        case .terms: return .terms
        case .postings: return .postings
        case .positions: return .positions
        case .norms: return .norms
        case .stored: return .stored
        case .ids: return .ids
        case .deletions: return .deletions
        case .columns: return .columns
        case .segmentInfo, .manifest: return .meta
        }
    }
}
