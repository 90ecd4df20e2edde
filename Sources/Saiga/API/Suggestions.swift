import SaigaPosix

/// What a search box offers while the user types (`IndexReader.suggest`): the last word completed, and titles.
public struct Suggestions: Sendable, Hashable, Codable {
    /// One completion of the last word.
    public struct Completion: Sendable, Hashable, Codable {
        /// The input with its last word completed (`history of kaz` → `history of kazakhstan`), the word in lower
        /// case as the index folds it.
        public var text: String
        /// The completed word.
        public var word: String
        /// In how many documents the word occurs (summed over the text fields searched by default; an estimate on
        /// a stemmed index, see docs/ANALYSIS.md).
        public var frequency: Int

        public init(text: String, word: String, frequency: Int) {
            self.text = text
            self.word = word
            self.frequency = frequency
        }
    }

    /// A document whose title contains the input's words, the last as a prefix.
    public struct Title: Sendable, Hashable, Codable {
        public var id: String
        public var title: String
        /// The BM25 score of the title match (the title field only).
        public var score: Float

        public init(id: String, title: String, score: Float) {
            self.id = id
            self.title = title
            self.score = score
        }
    }

    /// Most frequent first (ties: byte order of the word).
    public var completions: [Completion]
    /// Best title match first.
    public var titles: [Title]
    /// Wall time.
    public var duration: Duration

    public init(completions: [Completion], titles: [Title], duration: Duration) {
        self.completions = completions
        self.titles = titles
        self.duration = duration
    }

    /// Largest number of completions or titles one call returns.
    public static let maxLimit = 100
}

extension IndexReader {
    /// Completes what a user is typing: the last word of `text` (the characters touching its end; none when `text`
    /// ends with a space) becomes each of the `limit` most frequent words of the index that start with it, and,
    /// with `titles` > 0, the best `titles` documents whose title holds the other words and a word starting with
    /// the last one. Words are folded as the index folds them but not stemmed, so `kazakhst` completes to
    /// `kazakhstan` and `runn` to `running` on a stemmed index too. The first call builds the completion words from
    /// the dictionaries (`prepareSuggestions`); later calls take microseconds.
    public func suggest(_ text: String, limit: Int = 5, titles: Int = 0) throws(SaigaError) -> Suggestions {
        let start = Sys.monotonicNanos()
        guard (0...Suggestions.maxLimit).contains(limit), (0...Suggestions.maxLimit).contains(titles) else {
            throw SaigaError(
                .invalidArgument, "suggestion limits must be 0...\(Suggestions.maxLimit) (got \(limit), \(titles))")
        }
        guard text.utf8.count <= 4096 else {
            throw SaigaError(.limitExceeded, "text to complete is longer than 4,096 bytes")
        }
        var done: Suggestions {
            Suggestions(completions: [], titles: [], duration: .nanoseconds(Int64(Sys.monotonicNanos() - start)))
        }
        // The last word: the last token, if it ends where the text ends.
        let utf8 = Array(text.utf8)
        var sink = CollectingSink(withOffsets: true)
        _ = utf8.withUnsafeBytes {
            analyzers.body.unstemmed.analyze($0, into: &sink)
        }
        guard let last = sink.terms.indices.last, sink.ends[last] == utf8.count else { return done }
        let prefix = sink.terms[last]
        let head = String(decoding: utf8[..<sink.starts[last]], as: UTF8.self)
        let index = try prepareSuggestions().index
        let words = index.complete(prefix, limit: max(limit, titles > 0 ? 32 : 0))
        var result = done
        result.completions = words.prefix(limit).map {
            let word = String(decoding: $0.word, as: UTF8.self)
            return Suggestions.Completion(text: head + word, word: word, frequency: $0.weight)
        }
        if titles > 0 && !words.isEmpty {
            result.titles = try titleSuggestions(head: head, completions: words.map(\.word), limit: titles)
        }
        result.duration = .nanoseconds(Int64(Sys.monotonicNanos() - start))
        return result
    }

    /// Builds the words `suggest` completes from, if not yet built (a server calls it when it loads a commit, so
    /// that no search box waits for it). The words of the default text fields, with their document frequencies;
    /// on an index of 10,000 documents or more, words of one document are left out.
    @discardableResult
    public func prepareSuggestions() throws(SaigaError) -> CompletionIndexSummary {
        let index = try completionIndex.withLock {
            (cached: inout CompletionIndex?) throws(SaigaError) -> CompletionIndex in
            if let cached { return cached }
            let built = try CompletionIndex.build(
                segments: segments, fields: rewriter.defaultFields,
                analyzers: analyzers, minimumFrequency: documentCount >= 10_000 ? 2 : 1)
            cached = built
            return built
        }
        return CompletionIndexSummary(words: index.count, index: index)
    }

    private func titleSuggestions(
        head: String, completions: [[UInt8]], limit: Int
    ) throws(SaigaError)
        -> [Suggestions.Title]
    {
        let title = BuiltinFields.titleField
        var sink = CollectingSink(withOffsets: false)
        var head = head
        _ = head.withUTF8 { analyzers[title].analyze(UnsafeRawBufferPointer($0), into: &sink) }
        var seen = Set<[UInt8]>()
        // The words before the last are required in the title (at most 16 of them: a search box, not a document).
        let required = sink.terms.filter { seen.insert($0).inserted }.suffix(16).map {
            QueryNode.term(field: title, term: $0)
        }
        // The last word: any completion, as a term or as the surface form of a stemmed word.
        let last = completions.flatMap {
            [QueryNode.term(field: title, term: $0), .term(field: title, term: [TermKey.surfaceMarker] + $0)]
        }
        let node = QueryNode.boolean(
            must: required + [.boolean(must: [], should: last, mustNot: [])], should: [], mustNot: [])
        var options = SearchOptions(k: limit, snippets: false, totalHitsThreshold: limit)
        options.didYouMean = false
        let results = try search(node: node, options: options, start: Sys.monotonicNanos())
        return results.hits.map { Suggestions.Title(id: $0.id, title: $0.title, score: $0.score) }
    }
}

/// What `IndexReader.prepareSuggestions` built: the number of words it completes from.
public struct CompletionIndexSummary: Sendable {
    public let words: Int
    let index: CompletionIndex
}
