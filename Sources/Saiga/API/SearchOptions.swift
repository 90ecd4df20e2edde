/// How `IndexReader.search(words:match:options:)` combines the words.
public enum WordMatch: Sendable, Hashable {
    /// Documents with any of the words (OR).
    case any
    /// Documents with all of the words (AND).
    case all
}

/// Options for searches.
public struct SearchOptions: Sendable, Hashable {
    /// Number of hits to return. Default 10.
    public var k: Int
    /// Hits to skip before the first returned (for paging). Default 0.
    public var offset: Int
    /// BM25 k1 and b. Default 1.2 / 0.75.
    public var bm25: BM25Parameters
    /// Compute a snippet for each returned hit. Default true.
    public var snippets: Bool
    public var snippet: SnippetOptions
    /// Stored fields to return with each hit besides id and title (`["*"]` for all). Default none.
    public var fields: [String]
    /// Count matches exactly up to this many; past it the count is a lower bound (`SearchResults.totalIsExact`)
    /// and block-max pruning skips documents that cannot reach the top k. Default 1,000 (as Lucene).
    public var totalHitsThreshold: Int
    /// Score and count every match (no pruning; the total is always exact). Default false.
    public var exhaustive: Bool
    /// Filters, in the query syntax (`source:bbc`, `year:[2000 TO 2020]`, `date:>=2024-01-01`, any query): a hit
    /// must match every one; they never change scores (Lucene's FILTER clauses). Default none.
    public var filter: [String]
    /// Sort keys, in order (a field with a column, or `SortField.score`); empty (default): by score, then index
    /// order. Sorted hits carry their key values (`SearchHit.sortValues`) and a score of 0 unless the score is a key.
    public var sort: [SortField]
    /// A search-after cursor: `SearchResults.next` of the previous page. The hits sort after that page's last hit
    /// (with `offset` 0: deep paging without the cost of a window of `offset + k`). The cursor holds sort values and
    /// an index-order tie-break, so it keeps working across commits (ties may then shift). Default nil.
    public var after: String?
    /// Facet counts over every matching document. Default none.
    public var facets: [FacetRequest]
    /// Boosts of text fields for this search (`["title": 3]`), in place of the schema's (`Schema.Field.boost`): a
    /// match in the field scores boost × its BM25 weight, as Lucene's `BoostQuery` does. Default none.
    public var fieldBoosts: [String: Float] = [:]
    /// When the query finds fewer than `SearchResults.fewHits` matches, look for a spelling of its words that the
    /// index knows better and return it as `SearchResults.didYouMean` (`search(_:options:)` only: it rewrites the
    /// query text).
    public var didYouMean = true
    /// Typo tolerance for the search box: with `.auto`, words of 5 characters or more also match terms one edit
    /// away, and of 9 or more two (Meilisearch's rule), and the documents that match exactly rank above those
    /// found only through a correction. Default `.off`.
    public var typos: TypoTolerance = .off
    /// Characters at the start of a fuzzy word (`kazakstan~1`, and the words typo tolerance makes fuzzy) that must
    /// match as typed: Lucene's `FuzzyQuery` prefix length. 0 (the default) lets every character vary; a larger
    /// value finds fewer spellings, faster.
    public var fuzzyPrefixLength = 0
    /// How a prefix, wildcard or regular expression scores. `.constant` (the default): every document it matches
    /// scores its boost, as Lucene and Elasticsearch score multi-term queries (BM25 over the expanded terms would
    /// let the rarest expansions, often misspellings, outrank the common words). `.bm25`: the BM25 scores of its
    /// terms are summed, up to 1,024 terms (past that it scores a constant).
    public var expansionScoring: ExpansionScoring = .constant

    /// `title^3`: a field name and its boost, as `saiga search --boost` and the protocol write them.
    public static func fieldBoost(parsing text: String) throws(SaigaError) -> (field: String, boost: Float) {
        guard let caret = text.lastIndex(of: "^"), let boost = Float(text[text.index(after: caret)...]),
            boost.isFinite, boost > 0
        else {
            throw SaigaError(.invalidArgument, "boost '\(text)': expected FIELD^N with N a positive number")
        }
        return (String(text[..<caret]), boost)
    }

    /// Largest `k` accepted (the same limit for the library, `saiga search` and the server).
    public static let maxK = 10_000
    /// Largest `offset + k` accepted: deep pages cost a top-(offset + k) heap per search.
    public static let maxWindow = 100_000

    public init(
        k: Int = 10, offset: Int = 0, bm25: BM25Parameters = BM25Parameters(), snippets: Bool = true,
        snippet: SnippetOptions = SnippetOptions(), fields: [String] = [], totalHitsThreshold: Int = 1000,
        exhaustive: Bool = false, filter: [String] = [], sort: [SortField] = [], after: String? = nil,
        facets: [FacetRequest] = []
    ) {
        self.filter = filter
        self.sort = sort
        self.after = after
        self.facets = facets
        self.totalHitsThreshold = totalHitsThreshold
        self.exhaustive = exhaustive
        self.k = k
        self.offset = offset
        self.bm25 = bm25
        self.snippets = snippets
        self.snippet = snippet
        self.fields = fields
    }
}

/// One result.
public struct SearchHit: Sendable, Hashable, Codable {
    public var id: String
    public var score: Float
    public var title: String
    /// The best passage of the body with matched terms marked, if snippets were requested
    /// (`SearchOptions.snippet` sets its length, fragments and tags).
    public var snippet: String?
    /// The title with matched terms marked, if snippets were requested.
    public var titleHighlight: String?
    /// Requested stored fields, as text (a multi-valued field's values joined by newlines).
    public var fields: [String: String]
    /// Requested stored fields, typed by the schema and one by one (a multi-valued field has several).
    public var values: [String: [FieldValue]] = [:]
    /// The document's number in this snapshot (stable only for the reader that returned it).
    public var docNumber: Int
    /// With `SearchOptions.sort`: the hit's value of each sort key (nil: the document has none).
    public var sortValues: [FieldValue?]?

    public init(id: String, score: Float, title: String, snippet: String?, fields: [String: String], docNumber: Int) {
        self.id = id
        self.score = score
        self.title = title
        self.snippet = snippet
        self.fields = fields
        self.docNumber = docNumber
    }
}

/// How prefixes, wildcards and regular expressions score (`SearchOptions.expansionScoring`).
public enum ExpansionScoring: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every matching document scores the clause's boost (Lucene's constant-score rewrite).
    case constant
    /// The BM25 scores of the matched terms are summed, up to 1,024 terms; past that, a constant.
    case bm25
}

/// Whether a search forgives typos (`SearchOptions.typos`).
public enum TypoTolerance: String, Sendable, Hashable, Codable, CaseIterable {
    /// Words match as typed (after analysis).
    case off
    /// Words match terms within one edit from 5 characters and two from 9; exact matches rank first.
    case auto

    /// The typos a word of `characters` characters may have (Meilisearch's rule): 0 below 5, 1 from 5, 2 from 9.
    /// Typo tolerance and "did you mean" share it.
    static func edits(forCharacters characters: Int) -> Int {
        characters >= 9 ? 2 : characters >= 5 ? 1 : 0
    }
}

/// The result of a search.
public struct SearchResults: Sendable, Hashable, Codable {
    /// Number of matching documents: exact when `totalIsExact`, else a lower bound (see
    /// `SearchOptions.totalHitsThreshold`).
    public var total: Int
    public var totalIsExact: Bool
    public var hits: [SearchHit]
    /// Wall time of the search.
    public var duration: Duration
    /// The counts of `SearchOptions.facets`, in their order.
    public var facets: [FacetResult] = []
    /// The search-after cursor of the next page (`SearchOptions.after`), when this page has hits and the search
    /// sorted (`SearchOptions.sort`, `SortField.score` included) or started from a cursor.
    public var next: String?
    /// A corrected query when this one found fewer than `fewHits` matches and one with other spellings of its words
    /// finds more (`SearchOptions.didYouMean`): `kazakstan` → `kazakhstan`.
    public var didYouMean: String?
    /// Below this many matches a search looks for a correction.
    public static let fewHits = 5

    public init(total: Int, totalIsExact: Bool = true, hits: [SearchHit], duration: Duration) {
        self.total = total
        self.totalIsExact = totalIsExact
        self.hits = hits
        self.duration = duration
    }
}
