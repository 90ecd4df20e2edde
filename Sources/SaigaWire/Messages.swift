/// Message types: requests have the high bit clear, responses set.
public enum MessageType: UInt8, Sendable, CaseIterable {
    case hello = 0x01
    case ping = 0x02
    case search = 0x03
    case get = 0x04
    case stats = 0x05
    case suggest = 0x06
    case write = 0x07
    case commit = 0x08
    case createIndex = 0x09
    case dropIndex = 0x0A
    case listIndexes = 0x0B
    case backup = 0x0C
    case helloOK = 0x81
    case pong = 0x82
    case results = 0x83
    case document = 0x84
    case statsResult = 0x85
    case suggestions = 0x86
    case written = 0x87
    case indexList = 0x88
    case backedUp = 0x89
    case error = 0xFF
}

/// The protocol versions this build speaks.
public enum ProtocolVersion {
    public static let current: UInt32 = 1
    public static let supported: [UInt32] = [1]
}

/// Decodes a request payload's fields, refusing unknown tags (so a newer client learns what an older server lacks).
struct FieldSet {
    let message: String
    private(set) var fields: [Field]

    /// Request decoding: a tag not in `known` is `unknownField`; a tag that appears twice and is not in
    /// `repeatable` is `malformedFrame` (which of two values was meant cannot be guessed).
    init(_ payload: [UInt8], message: String, known: Set<UInt16>, repeatable: Set<UInt16> = []) throws(WireError) {
        self.message = message
        fields = try FieldReader.parse(payload, message: message)
        var seen = Set<UInt16>()
        for f in fields {
            guard known.contains(f.tag) else { throw WireError(.unknownField, "\(message) has no field \(f.tag)") }
            guard seen.insert(f.tag).inserted || repeatable.contains(f.tag) else {
                throw WireError(.malformedFrame, "field \(f.tag) of \(message) appears twice")
            }
        }
    }

    /// Response decoding: unknown tags are ignored (an older client reading a newer server's answer).
    init(lenient payload: [UInt8], message: String) throws(WireError) {
        self.message = message
        fields = try FieldReader.parse(payload, message: message)
    }

    func first(_ tag: UInt16) -> Field? { fields.first { $0.tag == tag } }
    func all(_ tag: UInt16) -> [Field] { fields.filter { $0.tag == tag } }

    func string(_ tag: UInt16) throws(WireError) -> String? { try first(tag)?.string(in: message) }
    func u32(_ tag: UInt16) throws(WireError) -> UInt32? { try first(tag)?.u32(in: message) }
    func u64(_ tag: UInt16) throws(WireError) -> UInt64? { try first(tag)?.u64(in: message) }
    func f32(_ tag: UInt16) throws(WireError) -> Float? { try first(tag)?.f32(in: message) }
    func bool(_ tag: UInt16) throws(WireError) -> Bool? { try first(tag)?.bool(in: message) }

    func required<T>(_ value: T?, _ tag: UInt16, _ name: String) throws(WireError) -> T {
        guard let value else { throw WireError(.missingField, "\(message) needs field \(tag) (\(name))") }
        return value
    }
}

// MARK: - Requests

/// HELLO: the first frame of every connection.
public struct Hello: Sendable, Hashable {
    public var version: UInt32
    public var token: String?
    public var client: String?

    public init(version: UInt32 = ProtocolVersion.current, token: String? = nil, client: String? = nil) {
        self.version = version
        self.token = token
        self.client = client
    }

    public func encode() -> [UInt8] {
        var w = FieldWriter()
        w.u32(1, version)
        if let token { w.string(2, token) }
        if let client { w.string(3, client) }
        return w.bytes
    }

    public static func decode(_ payload: [UInt8]) throws(WireError) -> Hello {
        let f = try FieldSet(payload, message: "HELLO", known: [1, 2, 3])
        return Hello(
            version: try f.required(try f.u32(1), 1, "version"), token: try f.string(2), client: try f.string(3))
    }
}

/// How a SEARCH's query string is read.
public enum QuerySyntax: UInt8, Sendable, Hashable {
    /// The query language: operators, phrases, fields, prefixes.
    case query = 0
    /// Plain words, any of them.
    case anyWords = 1
    /// Plain words, all of them.
    case allWords = 2
}

/// SEARCH field 23: how prefixes, wildcards and regular expressions score.
public enum ExpansionScoringMode: UInt8, Sendable, Hashable {
    /// Every matching document scores the clause's boost (Lucene's constant-score rewrite).
    case constant = 0
    /// The BM25 scores of up to 1,024 matched terms are summed.
    case bm25 = 1
}

/// SEARCH.
public struct SearchRequest: Sendable, Hashable {
    public var query: String
    public var k: UInt32
    public var offset: UInt32
    /// Stored fields to return besides id and title (`*` for all).
    public var fields: [String]
    public var snippets: Bool
    public var k1: Float?
    public var b: Float?
    public var syntax: QuerySyntax
    /// Count every match exactly. By default matches are counted up to 1,000 and `SearchResponse.total` is a
    /// lower bound past that (which lets the server skip documents that cannot reach the top k).
    public var exactCount: Bool
    /// Filters in the query syntax (`source:bbc`, `year:[2000 TO 2020]`): every one must hold; none scores.
    public var filters: [String]
    /// Sort keys, `field[:asc|desc[:min|max]]` or `_score`, in order; empty: by score.
    public var sort: [String]
    /// Facets to count over every match, as `saiga search --facet` takes them (`source`, `date:year`,
    /// `price:0,10,100`).
    public var facets: [String]
    /// A search-after cursor (`SearchResponse.next` of the previous page).
    public var after: String?
    /// Boosts of text fields, `FIELD^N` (`title^3`).
    public var boosts: [String]
    /// Typo tolerance: words of 5 characters or more also match terms one edit away, of 9 or more two; exact
    /// matches rank first (`SearchOptions.typos`).
    public var typos = false
    /// Each hit carries the explanation of its score (query syntax only).
    public var explain = false
    /// Snippets: passages per snippet (nil: the server's default, 1), bytes per passage (nil: 200), and the tags
    /// around matched words (nil: `<b>`, `</b>`).
    public var fragments: UInt32?
    public var snippetLength: UInt32?
    public var preTag: String?
    public var postTag: String?
    /// Profile the query (RESULTS field 9): time and counts per clause.
    public var profile = false
    /// Characters at the start of a fuzzy word that must match as typed (`SearchOptions.fuzzyPrefixLength`).
    public var fuzzyPrefixLength: UInt32?
    /// How prefixes, wildcards and regular expressions score (`SearchOptions.expansionScoring`); nil: the server's
    /// default, a constant.
    public var expansionScoring: ExpansionScoringMode?
    /// The index to search (field 24) on a server that serves several; nil: the server's default index.
    public var index: String?

    public init(
        query: String, k: UInt32 = 10, offset: UInt32 = 0, fields: [String] = [], snippets: Bool = true,
        k1: Float? = nil, b: Float? = nil, syntax: QuerySyntax = .query, exactCount: Bool = false,
        filters: [String] = [], sort: [String] = [], facets: [String] = [], after: String? = nil,
        boosts: [String] = []
    ) {
        self.boosts = boosts
        self.filters = filters
        self.sort = sort
        self.facets = facets
        self.after = after
        self.query = query
        self.k = k
        self.offset = offset
        self.fields = fields
        self.snippets = snippets
        self.k1 = k1
        self.b = b
        self.syntax = syntax
        self.exactCount = exactCount
    }

    public func encode() -> [UInt8] {
        var w = FieldWriter()
        w.string(1, query)
        w.u32(2, k)
        if offset != 0 { w.u32(3, offset) }
        for f in fields { w.string(4, f) }
        w.bool(5, snippets)
        if let k1 { w.f32(6, k1) }
        if let b { w.f32(7, b) }
        if syntax != .query { w.raw(8, [syntax.rawValue]) }
        if exactCount { w.bool(9, true) }
        for f in filters { w.string(10, f) }
        for s in sort { w.string(11, s) }
        for f in facets { w.string(12, f) }
        if let after { w.string(13, after) }
        for b in boosts { w.string(14, b) }
        if typos { w.bool(15, true) }
        if explain { w.bool(16, true) }
        if let fragments { w.u32(17, fragments) }
        if let snippetLength { w.u32(18, snippetLength) }
        if let preTag { w.string(19, preTag) }
        if let postTag { w.string(20, postTag) }
        if profile { w.bool(21, true) }
        if let fuzzyPrefixLength { w.u32(22, fuzzyPrefixLength) }
        if let expansionScoring { w.raw(23, [expansionScoring.rawValue]) }
        if let index { w.string(24, index) }
        return w.bytes
    }

    public static func decode(_ payload: [UInt8]) throws(WireError) -> SearchRequest {
        let f = try FieldSet(
            payload, message: "SEARCH",
            known: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
            repeatable: [4, 10, 11, 12, 14])
        var r = SearchRequest(query: try f.required(try f.string(1), 1, "query"))
        if let k = try f.u32(2) { r.k = k }
        if let o = try f.u32(3) { r.offset = o }
        for field in f.all(4) { r.fields.append(try field.string(in: "SEARCH")) }
        if let s = try f.bool(5) { r.snippets = s }
        r.k1 = try f.f32(6)
        r.b = try f.f32(7)
        if let s = f.first(8) {
            guard s.value.count == 1 else {
                throw WireError(.malformedFrame, "field 8 of SEARCH (syntax) must be 1 byte")
            }
            guard let syntax = QuerySyntax(rawValue: s.value.first!) else {
                throw WireError(.invalidArgument, "SEARCH field 8 (syntax) must be 0, 1 or 2 (got \(s.value.first!))")
            }
            r.syntax = syntax
        }
        if let e = try f.bool(9) { r.exactCount = e }
        for field in f.all(10) { r.filters.append(try field.string(in: "SEARCH")) }
        for field in f.all(11) { r.sort.append(try field.string(in: "SEARCH")) }
        for field in f.all(12) { r.facets.append(try field.string(in: "SEARCH")) }
        r.after = try f.string(13)
        for field in f.all(14) { r.boosts.append(try field.string(in: "SEARCH")) }
        if let t = try f.bool(15) { r.typos = t }
        if let e = try f.bool(16) { r.explain = e }
        r.fragments = try f.u32(17)
        r.snippetLength = try f.u32(18)
        r.preTag = try f.string(19)
        r.postTag = try f.string(20)
        if let p = try f.bool(21) { r.profile = p }
        r.fuzzyPrefixLength = try f.u32(22)
        if let e = f.first(23) {
            guard e.value.count == 1 else {
                throw WireError(.malformedFrame, "field 23 of SEARCH (expansion scoring) must be 1 byte")
            }
            guard let mode = ExpansionScoringMode(rawValue: e.value.first!) else {
                throw WireError(
                    .invalidArgument, "SEARCH field 23 (expansion scoring) must be 0 or 1 (got \(e.value.first!))")
            }
            r.expansionScoring = mode
        }
        r.index = try f.string(24)
        return r
    }
}

/// GET: a stored document by id.
public struct GetRequest: Sendable, Hashable {
    public var id: String
    /// The index (field 2); nil: the server's default index.
    public var index: String?
    public init(id: String, index: String? = nil) {
        self.id = id
        self.index = index
    }

    public func encode() -> [UInt8] {
        var w = FieldWriter()
        w.string(1, id)
        if let index { w.string(2, index) }
        return w.bytes
    }

    public static func decode(_ payload: [UInt8]) throws(WireError) -> GetRequest {
        let f = try FieldSet(payload, message: "GET", known: [1, 2])
        return GetRequest(id: try f.required(try f.string(1), 1, "id"), index: try f.string(2))
    }
}

/// SUGGEST: complete the last word of `text` (and, with `titles`, suggest titles).
public struct SuggestRequest: Sendable, Hashable {
    public var text: String
    public var limit: UInt32
    public var titles: UInt32
    /// The index (field 4); nil: the server's default index.
    public var index: String?

    public init(text: String, limit: UInt32 = 5, titles: UInt32 = 0, index: String? = nil) {
        self.text = text
        self.limit = limit
        self.titles = titles
        self.index = index
    }

    public func encode() -> [UInt8] {
        var w = FieldWriter()
        w.string(1, text)
        w.u32(2, limit)
        w.u32(3, titles)
        if let index { w.string(4, index) }
        return w.bytes
    }

    public static func decode(_ payload: [UInt8]) throws(WireError) -> SuggestRequest {
        let f = try FieldSet(payload, message: "SUGGEST", known: [1, 2, 3, 4])
        return SuggestRequest(
            text: try f.required(try f.string(1), 1, "text"), limit: try f.u32(2) ?? 5, titles: try f.u32(3) ?? 0,
            index: try f.string(4))
    }
}

/// SUGGESTIONS: the completions (text, word, frequency) and titles (id, title, score) of a SUGGEST.
public struct SuggestResponse: Sendable, Hashable {
    public struct Completion: Sendable, Hashable {
        public var text: String
        public var word: String
        public var frequency: UInt64
        public init(text: String, word: String, frequency: UInt64) {
            self.text = text
            self.word = word
            self.frequency = frequency
        }
    }
    public struct Title: Sendable, Hashable {
        public var id: String
        public var title: String
        public var score: Float
        public init(id: String, title: String, score: Float) {
            self.id = id
            self.title = title
            self.score = score
        }
    }
    public var completions: [Completion]
    public var titles: [Title]
    public var tookMicros: UInt64

    public init(completions: [Completion], titles: [Title], tookMicros: UInt64) {
        self.completions = completions
        self.titles = titles
        self.tookMicros = tookMicros
    }

    public func encode() -> [UInt8] {
        var w = FieldWriter()
        for c in completions {
            var n = FieldWriter()
            n.string(1, c.text)
            n.string(2, c.word)
            n.u64(3, c.frequency)
            w.nested(1, n)
        }
        for t in titles {
            var n = FieldWriter()
            n.string(1, t.id)
            n.string(2, t.title)
            n.f32(3, t.score)
            w.nested(2, n)
        }
        w.u64(3, tookMicros)
        return w.bytes
    }

    public static func decode(_ payload: [UInt8]) throws(WireError) -> SuggestResponse {
        let message = "SUGGESTIONS"
        let f = try FieldSet(lenient: payload, message: message)
        var completions: [Completion] = []
        for c in f.all(1) {
            let n = try FieldSet(lenient: Array(c.value), message: message)
            completions.append(
                Completion(
                    text: try n.required(try n.string(1), 1, "text"), word: try n.required(try n.string(2), 2, "word"),
                    frequency: try n.u64(3) ?? 0))
        }
        var titles: [Title] = []
        for t in f.all(2) {
            let n = try FieldSet(lenient: Array(t.value), message: message)
            titles.append(
                Title(
                    id: try n.required(try n.string(1), 1, "id"), title: try n.string(2) ?? "",
                    score: try n.f32(3) ?? 0))
        }
        return SuggestResponse(completions: completions, titles: titles, tookMicros: try f.u64(3) ?? 0)
    }
}

/// A decoded request frame.
public enum Request: Sendable, Hashable {
    case hello(Hello)
    case ping([UInt8])
    case search(SearchRequest)
    case get(GetRequest)
    /// STATS of an index (nil: the server's default index).
    case stats(index: String? = nil)
    case suggest(SuggestRequest)
    /// WRITE (and COMMIT, an empty write: it waits for the writes before it).
    case write(WriteRequest)
    /// CREATE_INDEX, DROP_INDEX, LIST_INDEXES, BACKUP: what an admin token may do.
    case admin(AdminRequest)

    /// Decodes a request frame; unknown message types, unknown fields and bad values are `WireError`s.
    public static func decode(_ frame: Frame) throws(WireError) -> Request {
        guard frame.flags == 0 else { throw WireError(.malformedFrame, "frame flags must be 0 (got \(frame.flags))") }
        guard let type = MessageType(rawValue: frame.type) else {
            throw WireError(.unknownMessageType, "unknown message type 0x\(String(frame.type, radix: 16))")
        }
        switch type {
        case .hello: return .hello(try Hello.decode(frame.payload))
        case .ping:
            let f = try FieldSet(frame.payload, message: "PING", known: [1])
            return .ping(f.first(1).map { Array($0.value) } ?? [])
        case .search: return .search(try SearchRequest.decode(frame.payload))
        case .get: return .get(try GetRequest.decode(frame.payload))
        case .suggest: return .suggest(try SuggestRequest.decode(frame.payload))
        case .stats:
            let f = try FieldSet(frame.payload, message: "STATS", known: [1])
            return .stats(index: try f.string(1))
        case .write: return .write(try WriteRequest.decode(frame.payload))
        case .commit:
            let f = try FieldSet(frame.payload, message: "COMMIT", known: [1])
            return .write(WriteRequest(index: try f.string(1)))
        case .createIndex, .dropIndex, .listIndexes, .backup:
            return .admin(try AdminRequest.decode(type, frame.payload))
        default:
            throw WireError(
                .unknownMessageType, "message type 0x\(String(frame.type, radix: 16)) is a response, not a request")
        }
    }
}

// MARK: - Responses

/// HELLO_OK.
public struct HelloOK: Sendable, Hashable {
    public var version: UInt32
    public var server: String
    public var maxFrameLength: UInt32
    public var generation: UInt64
    /// Requests the server takes in flight (sent, not yet answered) on one connection; 0 when the server did not
    /// say (then 64, the default, is safe).
    public var maxInFlight: UInt32

    public init(version: UInt32, server: String, maxFrameLength: UInt32, generation: UInt64, maxInFlight: UInt32 = 0) {
        self.version = version
        self.server = server
        self.maxFrameLength = maxFrameLength
        self.generation = generation
        self.maxInFlight = maxInFlight
    }

    public func encode() -> [UInt8] {
        var w = FieldWriter()
        w.u32(1, version)
        w.string(2, server)
        w.u32(3, maxFrameLength)
        w.u64(4, generation)
        if maxInFlight > 0 { w.u32(5, maxInFlight) }
        return w.bytes
    }

    public static func decode(_ payload: [UInt8]) throws(WireError) -> HelloOK {
        let f = try FieldSet(lenient: payload, message: "HELLO_OK")
        return HelloOK(
            version: try f.u32(1) ?? 0, server: try f.string(2) ?? "", maxFrameLength: try f.u32(3) ?? 0,
            generation: try f.u64(4) ?? 0, maxInFlight: try f.u32(5) ?? 0)
    }
}

/// A typed value on the wire (a sort key, a facet bucket): its type and its text (integers in decimal, floats in the
/// shortest form that reads back, booleans `true`/`false`, dates in RFC 3339).
public struct WireValue: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: UInt8, Sendable {
        case string = 0
        case integer = 1
        case float = 2
        case boolean = 3
        case date = 4
    }

    public var kind: Kind
    public var text: String

    public init(_ kind: Kind, _ text: String) {
        self.kind = kind
        self.text = text
    }

    public var description: String { text }

    func encode() -> FieldWriter {
        var w = FieldWriter()
        w.raw(1, [kind.rawValue])
        w.string(2, text)
        return w
    }

    static func decode(_ bytes: [UInt8]) throws(WireError) -> WireValue {
        let f = try FieldSet(lenient: bytes, message: "value")
        let kind = f.first(1).flatMap { $0.value.first.flatMap(Kind.init(rawValue:)) } ?? .string
        return WireValue(kind, try f.string(2) ?? "")
    }
}

/// One hit of RESULTS.
public struct WireHit: Sendable, Hashable {
    public var id: String
    public var score: Float
    public var title: String
    public var snippet: String?
    public var fields: [String: String]
    /// A sorted search's key values, in key order (nil: the document has none).
    public var sortValues: [WireValue?]
    /// The requested stored fields typed, one entry per value (a multi-valued field has several).
    public var values: [String: [WireValue]]
    /// How the score was computed, when the request asked (`SearchRequest.explain`).
    public var explanation: WireExplanation?
    /// The title with matched words marked (RESULTS hit field 9; with snippets).
    public var titleHighlight: String?

    public init(
        id: String, score: Float, title: String, snippet: String?, fields: [String: String],
        sortValues: [WireValue?] = [], values: [String: [WireValue]] = [:], titleHighlight: String? = nil
    ) {
        self.titleHighlight = titleHighlight
        self.values = values
        self.id = id
        self.score = score
        self.title = title
        self.snippet = snippet
        self.fields = fields
        self.sortValues = sortValues
    }
}

/// A query's profile (RESULTS field 9): 1: root clause, nested (absent when nothing matched) · 2: matches u64 ·
/// 3: profiled run µs u64 · 4: search µs u64 · 5: segments u32. A clause: 1: description string · 2: ns u64 ·
/// 3: next-document calls u64 · 4: advance calls u64 · 5: documents visited u64 · 6: documents scored u64 ·
/// 7: child clause, nested, repeated.
public struct WireProfile: Sendable, Hashable {
    public struct Clause: Sendable, Hashable {
        public var description: String
        public var nanoseconds: UInt64
        public var nextDocCalls: UInt64
        public var advanceCalls: UInt64
        public var matches: UInt64
        public var scored: UInt64
        public var children: [Clause]

        public init(
            description: String, nanoseconds: UInt64, nextDocCalls: UInt64, advanceCalls: UInt64, matches: UInt64,
            scored: UInt64, children: [Clause]
        ) {
            self.description = description
            self.nanoseconds = nanoseconds
            self.nextDocCalls = nextDocCalls
            self.advanceCalls = advanceCalls
            self.matches = matches
            self.scored = scored
            self.children = children
        }

        func encode() -> FieldWriter {
            var w = FieldWriter()
            w.string(1, description)
            w.u64(2, nanoseconds)
            w.u64(3, nextDocCalls)
            w.u64(4, advanceCalls)
            w.u64(5, matches)
            w.u64(6, scored)
            for c in children { w.nested(7, c.encode()) }
            return w
        }

        static func decode(_ bytes: [UInt8], depth: Int) throws(WireError) -> Clause {
            guard depth < WireExplanation.maxDepth else {
                throw WireError(.malformedFrame, "RESULTS profile nests deeper than \(WireExplanation.maxDepth) levels")
            }
            let f = try FieldSet(lenient: bytes, message: "RESULTS profile")
            var children: [Clause] = []
            for c in f.all(7) { children.append(try decode(Array(c.value), depth: depth + 1)) }
            return Clause(
                description: try f.string(1) ?? "", nanoseconds: try f.u64(2) ?? 0, nextDocCalls: try f.u64(3) ?? 0,
                advanceCalls: try f.u64(4) ?? 0, matches: try f.u64(5) ?? 0, scored: try f.u64(6) ?? 0,
                children: children)
        }
    }

    public var root: Clause?
    public var matches: UInt64
    public var profiledMicros: UInt64
    public var searchMicros: UInt64
    public var segments: UInt32

    public init(root: Clause?, matches: UInt64, profiledMicros: UInt64, searchMicros: UInt64, segments: UInt32) {
        self.root = root
        self.matches = matches
        self.profiledMicros = profiledMicros
        self.searchMicros = searchMicros
        self.segments = segments
    }

    func encode() -> FieldWriter {
        var w = FieldWriter()
        if let root { w.nested(1, root.encode()) }
        w.u64(2, matches)
        w.u64(3, profiledMicros)
        w.u64(4, searchMicros)
        w.u32(5, segments)
        return w
    }

    static func decode(_ bytes: [UInt8]) throws(WireError) -> WireProfile {
        let f = try FieldSet(lenient: bytes, message: "RESULTS profile")
        return WireProfile(
            root: try f.first(1).map { (c: Field) throws(WireError) in try Clause.decode(Array(c.value), depth: 0) },
            matches: try f.u64(2) ?? 0, profiledMicros: try f.u64(3) ?? 0, searchMicros: try f.u64(4) ?? 0,
            segments: try f.u32(5) ?? 0)
    }
}

/// A score's explanation (RESULTS hit field 8): its value, what it is, and the values it came from.
public struct WireExplanation: Sendable, Hashable {
    public var value: Float
    public var description: String
    public var details: [WireExplanation]

    public init(value: Float, description: String, details: [WireExplanation] = []) {
        self.value = value
        self.description = description
        self.details = details
    }

    /// Deepest explanation a client decodes (the server's are a few levels deep).
    static let maxDepth = 32

    func encode() -> FieldWriter {
        var w = FieldWriter()
        w.f32(1, value)
        w.string(2, description)
        for d in details { w.nested(3, d.encode()) }
        return w
    }

    static func decode(_ bytes: [UInt8], depth: Int = 0) throws(WireError) -> WireExplanation {
        guard depth < maxDepth else {
            throw WireError(.malformedFrame, "RESULTS explanation nests deeper than \(maxDepth) levels")
        }
        let f = try FieldSet(lenient: bytes, message: "RESULTS explanation")
        var e = WireExplanation(value: try f.f32(1) ?? 0, description: try f.string(2) ?? "")
        for d in f.all(3) { e.details.append(try decode(Array(d.value), depth: depth + 1)) }
        return e
    }
}

/// One facet of RESULTS: its request as sent, and its buckets.
public struct WireFacet: Sendable, Hashable {
    public struct Bucket: Sendable, Hashable {
        public var label: String
        public var count: UInt64
        /// The value (terms) or the bucket's start; nil for an open start.
        public var value: WireValue?
        /// The bucket's end (histograms, ranges); nil otherwise or for an open end.
        public var upper: WireValue?

        public init(label: String, count: UInt64, value: WireValue?, upper: WireValue?) {
            self.label = label
            self.count = count
            self.value = value
            self.upper = upper
        }
    }

    public var spec: String
    public var field: String
    public var buckets: [Bucket]
    /// Terms facets: the counts of the values not among the buckets.
    public var otherCount: UInt64

    public init(spec: String, field: String, buckets: [Bucket], otherCount: UInt64 = 0) {
        self.spec = spec
        self.field = field
        self.buckets = buckets
        self.otherCount = otherCount
    }
}

/// RESULTS: the answer to SEARCH.
public struct SearchResponse: Sendable, Hashable {
    /// Matching documents: exact when `totalIsExact`, else a lower bound (see `SearchRequest.exactCount`).
    public var total: UInt64
    public var totalIsExact: Bool
    public var tookMicros: UInt64
    public var generation: UInt64
    public var hits: [WireHit]
    /// The counts of `SearchRequest.facets`, in their order.
    public var facets: [WireFacet] = []
    /// The search-after cursor of the next page, when the request sorted or gave a cursor.
    public var next: String?
    /// A corrected query, when this one found few matches and the corrected one finds more.
    public var didYouMean: String?
    /// The query's profile, when SEARCH field 21 asked.
    public var profile: WireProfile?

    public init(total: UInt64, totalIsExact: Bool = true, tookMicros: UInt64, generation: UInt64, hits: [WireHit]) {
        self.total = total
        self.totalIsExact = totalIsExact
        self.tookMicros = tookMicros
        self.generation = generation
        self.hits = hits
    }

    public func encode() -> [UInt8] {
        var w = FieldWriter()
        w.u64(1, total)
        w.u64(2, tookMicros)
        w.u64(3, generation)
        for h in hits {
            var hw = FieldWriter()
            hw.string(1, h.id)
            hw.f32(2, h.score)
            hw.string(3, h.title)
            if let s = h.snippet { hw.string(4, s) }
            for (name, value) in h.fields.sorted(by: { $0.key < $1.key }) {
                var fw = FieldWriter()
                fw.string(1, name)
                fw.string(2, value)
                hw.nested(5, fw)
            }
            for v in h.sortValues {
                // A missing value is an empty field 6, so that positions keep their key.
                hw.nested(6, v?.encode() ?? FieldWriter())
            }
            for (name, values) in h.values.sorted(by: { $0.key < $1.key }) {
                for v in values {
                    var fw = FieldWriter()
                    fw.string(1, name)
                    fw.nested(2, v.encode())
                    hw.nested(7, fw)
                }
            }
            if let e = h.explanation { hw.nested(8, e.encode()) }
            if let t = h.titleHighlight { hw.string(9, t) }
            w.nested(4, hw)
        }
        if !totalIsExact { w.bool(5, true) }
        for f in facets {
            var fw = FieldWriter()
            fw.string(1, f.spec)
            fw.string(2, f.field)
            if f.otherCount > 0 { fw.u64(3, f.otherCount) }
            for b in f.buckets {
                var bw = FieldWriter()
                bw.string(1, b.label)
                bw.u64(2, b.count)
                if let v = b.value { bw.nested(3, v.encode()) }
                if let u = b.upper { bw.nested(4, u.encode()) }
                fw.nested(4, bw)
            }
            w.nested(6, fw)
        }
        if let next { w.string(7, next) }
        if let didYouMean { w.string(8, didYouMean) }
        if let profile { w.nested(9, profile.encode()) }
        return w.bytes
    }

    public static func decode(_ payload: [UInt8]) throws(WireError) -> SearchResponse {
        let f = try FieldSet(lenient: payload, message: "RESULTS")
        var r = SearchResponse(
            total: try f.u64(1) ?? 0, tookMicros: try f.u64(2) ?? 0, generation: try f.u64(3) ?? 0,
            hits: [])
        r.totalIsExact = !(try f.bool(5) ?? false)
        for hitField in f.all(4) {
            let hf = try FieldSet(lenient: Array(hitField.value), message: "RESULTS hit")
            var hit = WireHit(
                id: try hf.string(1) ?? "", score: try hf.f32(2) ?? 0, title: try hf.string(3) ?? "",
                snippet: try hf.string(4), fields: [:])
            for field in hf.all(5) {
                let ff = try FieldSet(lenient: Array(field.value), message: "RESULTS field")
                if let name = try ff.string(1) { hit.fields[name] = try ff.string(2) ?? "" }
            }
            for v in hf.all(6) { hit.sortValues.append(v.value.isEmpty ? nil : try WireValue.decode(Array(v.value))) }
            for field in hf.all(7) {
                let ff = try FieldSet(lenient: Array(field.value), message: "RESULTS value")
                guard let name = try ff.string(1), let v = ff.first(2) else { continue }
                hit.values[name, default: []].append(try WireValue.decode(Array(v.value)))
            }
            if let e = hf.first(8) { hit.explanation = try WireExplanation.decode(Array(e.value)) }
            hit.titleHighlight = try hf.string(9)
            r.hits.append(hit)
        }
        for facetField in f.all(6) {
            let ff = try FieldSet(lenient: Array(facetField.value), message: "RESULTS facet")
            var facet = WireFacet(
                spec: try ff.string(1) ?? "", field: try ff.string(2) ?? "", buckets: [], otherCount: try ff.u64(3) ?? 0
            )
            for b in ff.all(4) {
                let bf = try FieldSet(lenient: Array(b.value), message: "RESULTS bucket")
                facet.buckets.append(
                    WireFacet.Bucket(
                        label: try bf.string(1) ?? "", count: try bf.u64(2) ?? 0,
                        value: try bf.first(3).map { (x: Field) throws(WireError) in
                            try WireValue.decode(Array(x.value))
                        },
                        upper: try bf.first(4).map { (x: Field) throws(WireError) in
                            try WireValue.decode(Array(x.value))
                        }))
            }
            r.facets.append(facet)
        }
        r.next = try f.string(7)
        r.didYouMean = try f.string(8)
        if let p = f.first(9) { r.profile = try WireProfile.decode(Array(p.value)) }
        return r
    }
}

/// DOCUMENT: the answer to GET.
public struct DocumentResponse: Sendable, Hashable {
    public var found: Bool
    public var id: String
    public var title: String
    public var body: String
    public var fields: [String: String]

    public init(found: Bool, id: String = "", title: String = "", body: String = "", fields: [String: String] = [:]) {
        self.found = found
        self.id = id
        self.title = title
        self.body = body
        self.fields = fields
    }

    public func encode() -> [UInt8] {
        var w = FieldWriter()
        w.bool(1, found)
        if found {
            w.string(2, id)
            w.string(3, title)
            w.string(4, body)
            for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
                var fw = FieldWriter()
                fw.string(1, name)
                fw.string(2, value)
                w.nested(5, fw)
            }
        }
        return w.bytes
    }

    public static func decode(_ payload: [UInt8]) throws(WireError) -> DocumentResponse {
        let f = try FieldSet(lenient: payload, message: "DOCUMENT")
        var d = DocumentResponse(
            found: try f.bool(1) ?? false, id: try f.string(2) ?? "", title: try f.string(3) ?? "",
            body: try f.string(4) ?? "")
        for field in f.all(5) {
            let ff = try FieldSet(lenient: Array(field.value), message: "DOCUMENT field")
            if let name = try ff.string(1) { d.fields[name] = try ff.string(2) ?? "" }
        }
        return d
    }
}

/// STATS_RESULT.
public struct StatsResponse: Sendable, Hashable {
    public var documents: UInt64
    public var segments: UInt32
    public var terms: UInt64
    public var postings: UInt64
    public var bytes: UInt64
    public var generation: UInt64

    public init(documents: UInt64, segments: UInt32, terms: UInt64, postings: UInt64, bytes: UInt64, generation: UInt64)
    {
        self.documents = documents
        self.segments = segments
        self.terms = terms
        self.postings = postings
        self.bytes = bytes
        self.generation = generation
    }

    public func encode() -> [UInt8] {
        var w = FieldWriter()
        w.u64(1, documents)
        w.u32(2, segments)
        w.u64(3, terms)
        w.u64(4, postings)
        w.u64(5, bytes)
        w.u64(6, generation)
        return w.bytes
    }

    public static func decode(_ payload: [UInt8]) throws(WireError) -> StatsResponse {
        let f = try FieldSet(lenient: payload, message: "STATS_RESULT")
        return StatsResponse(
            documents: try f.u64(1) ?? 0, segments: try f.u32(2) ?? 0, terms: try f.u64(3) ?? 0,
            postings: try f.u64(4) ?? 0, bytes: try f.u64(5) ?? 0, generation: try f.u64(6) ?? 0)
    }
}

/// ERROR.
extension WireError {
    public func encode() -> [UInt8] {
        var w = FieldWriter()
        var code: [UInt8] = []
        code.appendBigEndian(self.code.rawValue)
        w.raw(1, code)
        w.string(2, message)
        if let offset { w.u32(3, UInt32(clamping: offset)) }
        for r in rejected { w.nested(4, r.encode()) }
        return w.bytes
    }

    public static func decode(_ payload: [UInt8]) throws(WireError) -> WireError {
        let f = try FieldSet(lenient: payload, message: "ERROR")
        let code =
            try f.first(1).map { (x: Field) throws(WireError) -> UInt16 in try x.u16(in: "ERROR") }
            ?? ErrorCode.internalError.rawValue
        var e = WireError(ErrorCode(rawValue: code), try f.string(2) ?? "", offset: try f.u32(3).map { Int($0) })
        for r in f.all(4) { e.rejected.append(try RejectedDocument.decode(Array(r.value))) }
        return e
    }
}

/// A decoded response frame.
public enum Response: Sendable, Hashable {
    case helloOK(HelloOK)
    case pong([UInt8])
    case results(SearchResponse)
    case document(DocumentResponse)
    case stats(StatsResponse)
    case suggestions(SuggestResponse)
    case written(WriteResponse)
    case indexList([WireIndexInfo])
    case backedUp(BackupResponse)
    case error(WireError)

    public static func decode(_ frame: Frame) throws(WireError) -> Response {
        guard let type = MessageType(rawValue: frame.type) else {
            throw WireError(.unknownMessageType, "unknown response type 0x\(String(frame.type, radix: 16))")
        }
        switch type {
        case .helloOK: return .helloOK(try HelloOK.decode(frame.payload))
        case .pong:
            let f = try FieldSet(lenient: frame.payload, message: "PONG")
            return .pong(f.first(1).map { Array($0.value) } ?? [])
        case .results: return .results(try SearchResponse.decode(frame.payload))
        case .document: return .document(try DocumentResponse.decode(frame.payload))
        case .statsResult: return .stats(try StatsResponse.decode(frame.payload))
        case .suggestions: return .suggestions(try SuggestResponse.decode(frame.payload))
        case .written: return .written(try WriteResponse.decode(frame.payload))
        case .indexList: return .indexList(try WireIndexInfo.decodeList(frame.payload))
        case .backedUp: return .backedUp(try BackupResponse.decode(frame.payload))
        case .error: return .error(try WireError.decode(frame.payload))
        default:
            throw WireError(.unknownMessageType, "message type 0x\(String(frame.type, radix: 16)) is not a response")
        }
    }

    /// The frame carrying this response.
    public func frame(requestID: UInt32) -> Frame {
        switch self {
        case .helloOK(let m): return Frame(.helloOK, requestID: requestID, payload: m.encode())
        case .pong(let data):
            var w = FieldWriter()
            if !data.isEmpty { w.raw(1, data) }
            return Frame(.pong, requestID: requestID, payload: w.bytes)
        case .results(let m): return Frame(.results, requestID: requestID, payload: m.encode())
        case .document(let m): return Frame(.document, requestID: requestID, payload: m.encode())
        case .stats(let m): return Frame(.statsResult, requestID: requestID, payload: m.encode())
        case .suggestions(let m): return Frame(.suggestions, requestID: requestID, payload: m.encode())
        case .written(let m): return Frame(.written, requestID: requestID, payload: m.encode())
        case .indexList(let m): return Frame(.indexList, requestID: requestID, payload: WireIndexInfo.encodeList(m))
        case .backedUp(let m): return Frame(.backedUp, requestID: requestID, payload: m.encode())
        case .error(let e): return Frame(.error, requestID: requestID, payload: e.encode())
        }
    }
}

extension Request {
    /// The frame carrying this request.
    public func frame(requestID: UInt32) -> Frame {
        switch self {
        case .hello(let m): return Frame(.hello, requestID: requestID, payload: m.encode())
        case .ping(let data):
            var w = FieldWriter()
            if !data.isEmpty { w.raw(1, data) }
            return Frame(.ping, requestID: requestID, payload: w.bytes)
        case .search(let m): return Frame(.search, requestID: requestID, payload: m.encode())
        case .get(let m): return Frame(.get, requestID: requestID, payload: m.encode())
        case .stats(let index):
            var w = FieldWriter()
            if let index { w.string(1, index) }
            return Frame(.stats, requestID: requestID, payload: w.bytes)
        case .suggest(let m): return Frame(.suggest, requestID: requestID, payload: m.encode())
        // An empty WRITE is a COMMIT: sent as one.
        case .write(let m):
            if m.isEmpty {
                var w = FieldWriter()
                if let index = m.index { w.string(1, index) }
                return Frame(.commit, requestID: requestID, payload: w.bytes)
            }
            return Frame(.write, requestID: requestID, payload: m.encode())
        case .admin(let m):
            let (type, payload) = m.encoded()
            return Frame(type, requestID: requestID, payload: payload)
        }
    }
}
