import Saiga
import SaigaPosix
import SaigaWire

/// Runs one request against an index snapshot and builds the response (on a worker thread).
enum RequestHandler {
    static func handle(_ request: Request, reader: IndexReader) -> Response {
        do throws(SaigaError) {
            switch request {
            case .search(let s):
                // k and offset are checked by the library (`SearchOptions.maxK`, `maxWindow`): one rule everywhere.
                var options = SearchOptions(k: Int(s.k), offset: Int(s.offset), snippets: s.snippets, fields: s.fields)
                if let k1 = s.k1 { options.bm25.k1 = k1 }
                if let b = s.b { options.bm25.b = b }
                if s.exactCount { options.totalHitsThreshold = .max }
                options.filter = s.filters
                options.sort = try s.sort.map { (x: String) throws(SaigaError) in try SortField(parsing: x) }
                options.facets = try s.facets.map { (x: String) throws(SaigaError) in
                    try FacetRequest.parse(x, schema: reader.schema)
                }
                options.after = s.after
                if s.typos { options.typos = .auto }
                if let n = s.fuzzyPrefixLength { options.fuzzyPrefixLength = Int(min(n, 1_000_000)) }
                if let e = s.expansionScoring { options.expansionScoring = e == .bm25 ? .bm25 : .constant }
                if let n = s.fragments { options.snippet.fragments = Int(min(n, 1_000_000)) }
                if let n = s.snippetLength { options.snippet.maxLength = Int(min(n, 1_000_000)) }
                if let t = s.preTag { options.snippet.preTag = t }
                if let t = s.postTag { options.snippet.postTag = t }
                for b in s.boosts {
                    let (field, boost) = try SearchOptions.fieldBoost(parsing: b)
                    options.fieldBoosts[field] = boost
                }
                let r: SearchResults
                switch s.syntax {
                case .query: r = try reader.search(s.query, options: options)
                case .anyWords: r = try reader.search(words: s.query, match: .any, options: options)
                case .allWords: r = try reader.search(words: s.query, match: .all, options: options)
                }
                var hits = r.hits.map {
                    WireHit(
                        id: $0.id, score: $0.score, title: $0.title, snippet: $0.snippet, fields: $0.fields,
                        sortValues: ($0.sortValues ?? []).map { $0.map(wireValue) },
                        values: $0.values.mapValues { $0.map(wireValue) }, titleHighlight: $0.titleHighlight)
                }
                if s.explain {
                    guard s.syntax == .query else {
                        throw SaigaError(
                            .invalidArgument, "explain needs the query syntax (SEARCH field 8 absent or 0)")
                    }
                    for i in hits.indices {
                        hits[i].explanation = try reader.explain(s.query, id: hits[i].id, options: options).map(wire)
                    }
                }
                var response = SearchResponse(
                    total: UInt64(r.total), totalIsExact: r.totalIsExact,
                    tookMicros: UInt64(r.duration.inSeconds * 1e6),
                    generation: reader.generation, hits: hits)
                response.facets = zip(s.facets, r.facets).map { spec, f in
                    WireFacet(
                        spec: spec, field: f.request.field,
                        buckets: f.buckets.map {
                            WireFacet.Bucket(
                                label: $0.label, count: UInt64($0.count), value: $0.value.map(wireValue),
                                upper: $0.upper.map(wireValue))
                        }, otherCount: UInt64(f.otherCount))
                }
                if !s.sort.isEmpty || s.after != nil { response.next = r.next }
                response.didYouMean = r.didYouMean
                if s.profile {
                    guard s.syntax == .query else {
                        throw SaigaError(
                            .invalidArgument, "profile needs the query syntax (SEARCH field 8 absent or 0)")
                    }
                    let p = try reader.profile(s.query, options: options)
                    response.profile = WireProfile(
                        root: p.root.map(wire), matches: UInt64(p.matches),
                        profiledMicros: p.profiledNanoseconds / 1000, searchMicros: p.searchNanoseconds / 1000,
                        segments: UInt32(p.segments))
                }
                return .results(response)
            case .get(let g):
                guard let d = try reader.document(id: g.id) else { return .document(DocumentResponse(found: false)) }
                var fields: [String: String] = [:]
                // A multi-valued field's values joined by newlines, as in search hits.
                for f in d.fields {
                    if let earlier = fields[f.name] {
                        fields[f.name] = earlier + "\n" + f.value.description
                    } else {
                        fields[f.name] = f.value.description
                    }
                }
                return .document(DocumentResponse(found: true, id: d.id, title: d.title, body: d.body, fields: fields))
            case .stats:
                let s = reader.statistics
                return .stats(
                    StatsResponse(
                        documents: UInt64(s.documents), segments: UInt32(s.segments),
                        terms: UInt64(s.terms), postings: UInt64(s.postings), bytes: UInt64(s.bytes),
                        generation: s.generation))
            case .suggest(let s):
                let r = try reader.suggest(s.text, limit: Int(min(s.limit, 1000)), titles: Int(min(s.titles, 1000)))
                return .suggestions(
                    SuggestResponse(
                        completions: r.completions.map {
                            SuggestResponse.Completion(text: $0.text, word: $0.word, frequency: UInt64($0.frequency))
                        },
                        titles: r.titles.map { SuggestResponse.Title(id: $0.id, title: $0.title, score: $0.score) },
                        tookMicros: UInt64(r.duration.inSeconds * 1e6)))
            case .hello, .ping:
                return .error(WireError(.internalError, "handled by the event loop"))
            case .write:
                return .error(WireError(.internalError, "handled by the index's writer"))
            case .admin:
                return .error(WireError(.internalError, "handled by AdminHandler, on the admin queue"))
            }
        } catch {
            return .error(wireError(error))
        }
    }

    /// A profiled clause as the protocol carries it.
    static func wire(_ c: QueryProfile.Clause) -> WireProfile.Clause {
        WireProfile.Clause(
            description: c.description, nanoseconds: c.nanoseconds, nextDocCalls: UInt64(c.nextDocCalls),
            advanceCalls: UInt64(c.advanceCalls), matches: UInt64(c.matches), scored: UInt64(c.scored),
            children: c.children.map(wire))
    }

    /// An explanation as the protocol carries it.
    static func wire(_ e: Explanation) -> WireExplanation {
        WireExplanation(value: e.value, description: e.description, details: e.details.map(wire))
    }

    static func wireValue(_ v: FieldValue) -> WireValue {
        switch v {
        case .string(let s): return WireValue(.string, s)
        case .integer(let i): return WireValue(.integer, String(i))
        case .float(let d): return WireValue(.float, d.description)
        case .boolean(let b): return WireValue(.boolean, b ? "true" : "false")
        case .date(let d): return WireValue(.date, d.description)
        }
    }

    static func wireError(_ e: SaigaError) -> WireError {
        switch e.code {
        // The wire carries the 1-based column (in Unicode code points) that the message names.
        case .invalidQuery: return WireError(.invalidQuery, e.message, offset: e.offset.map { $0 + 1 })
        case .limitExceeded: return WireError(.limitExceeded, e.message)
        case .invalidArgument: return WireError(.invalidArgument, e.message)
        case .corruptIndex, .io, .diskFull, .unsupportedFormat, .indexNotFound:
            return WireError(.indexError, e.description)
        default: return WireError(.internalError, e.description)
        }
    }
}
