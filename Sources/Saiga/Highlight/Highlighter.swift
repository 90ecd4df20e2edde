/// How snippets look.
public struct SnippetOptions: Sendable, Hashable {
    /// Target length of each fragment in bytes of source text (markers and ellipses not counted), 20...10,000.
    /// Default 200.
    public var maxLength: Int
    /// Inserted before each matched term. Default `<b>`.
    public var preTag: String
    /// Inserted after each matched term. Default `</b>`.
    public var postTag: String
    /// How many passages a snippet joins (the best ones, in text order, separated by ` … `), 1...10. Default 1.
    public var fragments: Int

    public init(maxLength: Int = 200, preTag: String = "<b>", postTag: String = "</b>", fragments: Int = 1) {
        self.maxLength = maxLength
        self.preTag = preTag
        self.postTag = postTag
        self.fragments = fragments
    }

    /// Largest `fragments`, and the range of `maxLength`.
    public static let maxFragments = 10
    public static let lengthRange = 20...10_000

    /// Throws `.invalidArgument` for a value out of range (the library, `saiga search` and the server share it).
    public func validate() throws(SaigaError) {
        guard (1...SnippetOptions.maxFragments).contains(fragments) else {
            throw SaigaError(
                .invalidArgument, "snippet fragments must be 1...\(SnippetOptions.maxFragments) (got \(fragments))")
        }
        guard SnippetOptions.lengthRange.contains(maxLength) else {
            throw SaigaError(
                .invalidArgument,
                "snippet length must be \(SnippetOptions.lengthRange.lowerBound)...\(SnippetOptions.lengthRange.upperBound) bytes (got \(maxLength))"
            )
        }
        guard preTag.utf8.count <= 64, postTag.utf8.count <= 64 else {
            throw SaigaError(.invalidArgument, "snippet tags are at most 64 bytes each")
        }
    }
}

/// A phrase of the query, for marking only the words that are part of a match of it (`Highlighter`).
struct HighlightPhrase: Hashable {
    var terms: [[UInt8]]
    /// Each term's position relative to the first.
    var offsets: [Int]
    var slop: Int
}

/// Picks the best passages of a document for a query and marks the matched terms.
///
/// The text is analyzed again (with byte offsets) and every token whose term the query looks for is a match,
/// weighted by the term's idf. A term the query has only inside phrases matches only where a phrase matches:
/// `"human rights"` marks "human rights", not a lone "rights" elsewhere (a sloppy phrase: its words within the slop
/// of their places). The passage is the window of at most `maxLength` bytes whose distinct matched terms weigh most
/// (more occurrences break ties), widened to use the length budget, cut at token boundaries, with whitespace
/// collapsed and an ellipsis where text was cut; with `fragments` > 1, the best windows that do not overlap, in
/// text order.
struct Highlighter {
    let analyzer: Analyzer
    /// Term → weight (idf); a term absent from the map does not match.
    let weights: [[UInt8]: Float]
    let prefixes: [[UInt8]]
    let options: SnippetOptions
    /// The query's phrases, and the terms it has only inside them.
    var phrases: [HighlightPhrase] = []
    var phraseOnlyTerms: Set<[UInt8]> = []

    private struct Tok {
        var start: Int
        var end: Int
        var termIndex: Int  // -1: no match; otherwise the matched term's number
        var weight: Float
    }

    func snippet(_ text: String) -> String {
        var text = text
        return text.withUTF8 { utf8 in snippet(utf8) }
    }

    /// The whole text with its matches marked and whitespace collapsed (a title).
    func marked(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            render(bytes, from: 0, to: bytes.count, toks: tokens(bytes).toks, first: 0, leading: false, trailing: false)
        }
    }

    /// The text's tokens, each with the index of its matched term (-1: none), and the count of matched terms.
    private func tokens(_ bytes: UnsafeBufferPointer<UInt8>) -> (toks: [Tok], matchedTermCount: Int) {
        // A token matches by its term, or by its word as written (`TermKey`): a surface form a pattern expanded
        // to (marker byte first in `weights`), or a prefix of the word (`running*` marks "running", term `run`).
        let surfaceForms = analyzer.indexesSurfaceForms
        var sink = CollectingSink(withOffsets: true, surfaceForms: surfaceForms)
        analyzer.analyze(UnsafeRawBufferPointer(bytes), into: &sink)
        let inPhrase = phraseMatches(sink)
        var toks: [Tok] = []
        toks.reserveCapacity(sink.terms.count)
        var termIndexes: [[UInt8]: Int] = [:]
        for i in sink.terms.indices {
            var term = sink.terms[i]
            var index = -1
            var matched =
                (weights[term] != nil && (inPhrase.isEmpty || inPhrase[i] || !phraseOnlyTerms.contains(term)))
                || prefixes.contains(where: { term.starts(with: $0) })
            if !matched && surfaceForms {
                let word = sink.surfaces[i] ?? term
                if prefixes.contains(where: { word.starts(with: $0) }) {
                    matched = true
                } else if weights[[TermKey.surfaceMarker] + word] != nil {
                    term = [TermKey.surfaceMarker] + word
                    matched = true
                }
            }
            if matched {
                if let k = termIndexes[term] {
                    index = k
                } else {
                    index = termIndexes.count
                    termIndexes[term] = index
                }
            }
            toks.append(Tok(start: sink.starts[i], end: sink.ends[i], termIndex: index, weight: weights[term] ?? 1))
        }
        return (toks, termIndexes.count)
    }

    /// For each token, whether it is part of a match of one of the phrases (empty when there are none).
    private func phraseMatches(_ sink: CollectingSink) -> [Bool] {
        guard !phrases.isEmpty else { return [] }
        var inPhrase = [Bool](repeating: false, count: sink.terms.count)
        var atPosition: [Int: Int] = [:]
        for (i, p) in sink.positions.enumerated() { atPosition[p] = i }
        for phrase in phrases where !phrase.terms.isEmpty {
            for i in sink.terms.indices where sink.terms[i] == phrase.terms[0] {
                let base = sink.positions[i] - phrase.offsets[0]
                var found: [Int] = []
                for (k, term) in phrase.terms.enumerated() {
                    let want = base + phrase.offsets[k]
                    var hit: Int?
                    // Exact phrases: the very position; sloppy ones: the nearest within the slop.
                    for delta in 0...phrase.slop {
                        for p in delta == 0 ? [want] : [want - delta, want + delta] {
                            if let j = atPosition[p], sink.terms[j] == term {
                                hit = j
                                break
                            }
                        }
                        if hit != nil { break }
                    }
                    guard let j = hit else { break }
                    found.append(j)
                }
                if found.count == phrase.terms.count { for j in found { inPhrase[j] = true } }
            }
        }
        return inPhrase
    }

    private func snippet(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let (toks, matchedTermCount) = tokens(bytes)
        let maxLength = max(options.maxLength, 20)
        let matches = toks.indices.filter { toks[$0].termIndex >= 0 }
        if toks.isEmpty {
            return render(bytes, from: 0, to: min(bytes.count, maxLength), toks: [], first: 0)
        }

        // Every window starting at a match: its last match and its score (distinct matched terms by weight, each
        // occurrence adding a little).
        var windows: [(first: Int, last: Int, score: Double)] = []
        var seen = [Bool](repeating: false, count: matchedTermCount)
        for (mi, a) in matches.enumerated() {
            for k in seen.indices { seen[k] = false }
            var score = 0.0
            var last = a
            for b in matches[mi...] {
                if toks[b].end - toks[a].start > maxLength { break }
                let t = toks[b].termIndex
                if !seen[t] {
                    seen[t] = true
                    score += Double(toks[b].weight)
                }
                score += 0.01
                last = b
            }
            windows.append((a, last, score))
        }
        // The best window first (the earliest on ties), then the next best that overlap none chosen.
        var chosen: [(first: Int, last: Int)] = []
        let ranked = windows.indices.sorted {
            windows[$0].score > windows[$1].score || (windows[$0].score == windows[$1].score && $0 < $1)
        }
        for w in ranked where chosen.count < max(1, options.fragments) {
            let c = windows[w]
            if chosen.contains(where: { !(c.last < $0.first || c.first > $0.last) }) { continue }
            chosen.append((c.first, c.last))
        }
        if chosen.count <= 1 {
            let bestStart = chosen.first?.first ?? 0
            let bestEnd = chosen.first?.last ?? 0
            return render(
                bytes, window: (bestStart, bestEnd), toks: toks, matched: !matches.isEmpty, limits: (0, bytes.count),
                leading: true)
        }
        // Several fragments, in text order, each widened within its length and short of its neighbours.
        chosen.sort { $0.first < $1.first }
        var parts: [String] = []
        for (n, c) in chosen.enumerated() {
            let lower = n == 0 ? 0 : toks[chosen[n - 1].last].end
            let upper = n + 1 < chosen.count ? toks[chosen[n + 1].first].start : bytes.count
            parts.append(render(bytes, window: c, toks: toks, matched: true, limits: (lower, upper), leading: n == 0))
        }
        return parts.joined(separator: " ")
    }

    /// One passage: the window of tokens `first...last`, widened (about a third of the spare length before, the
    /// rest after) within `limits`, and rendered.
    private func render(
        _ bytes: UnsafeBufferPointer<UInt8>, window: (first: Int, last: Int), toks: [Tok], matched: Bool,
        limits: (lower: Int, upper: Int), leading: Bool
    ) -> String {
        let maxLength = max(options.maxLength, 20)
        let (bestStart, bestEnd) = window
        let used = toks[bestEnd].end - toks[bestStart].start
        let spare = max(0, maxLength - used)
        let desiredStart = matched ? max(limits.lower, toks[bestStart].start - spare / 3) : limits.lower
        var first = bestStart
        while first > 0 && toks[first - 1].start >= desiredStart { first -= 1 }
        if !matched { first = 0 }
        let startByte = first == 0 && desiredStart == 0 ? 0 : toks[first].start
        var last = max(bestEnd, first)
        while last + 1 < toks.count && toks[last + 1].end - startByte <= maxLength && toks[last + 1].end <= limits.upper
        {
            last += 1
        }
        let endByte =
            last + 1 < toks.count
            ? toks[last].end : max(toks[last].end, min(bytes.count, limits.upper, startByte + maxLength))
        return render(
            bytes, from: startByte, to: min(endByte, bytes.count), toks: toks, first: first, leading: leading,
            trailing: true)
    }

    /// The text between two byte offsets (on token or text boundaries) with matches marked and whitespace collapsed.
    private func render(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, toks: [Tok], first: Int,
        leading: Bool = true, trailing: Bool = true
    ) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(end - start + 64)
        if start > 0 && leading { out.append(contentsOf: "… ".utf8) }
        var i = start
        var t = first
        var pendingSpace = false
        while i < end {
            // Next marked token at or after i.
            while t < toks.count && toks[t].start < i { t += 1 }
            if t < toks.count && toks[t].start == i && toks[t].termIndex >= 0 && toks[t].end <= end {
                if pendingSpace {
                    out.append(0x20)
                    pendingSpace = false
                }
                out.append(contentsOf: options.preTag.utf8)
                out.append(contentsOf: bytes[toks[t].start..<toks[t].end])
                out.append(contentsOf: options.postTag.utf8)
                i = toks[t].end
                continue
            }
            let b = bytes[i]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace {
                    out.append(0x20)
                    pendingSpace = false
                }
                out.append(b)
            }
            i += 1
        }
        if end < bytes.count && trailing { out.append(contentsOf: " …".utf8) }
        // Offsets are token or text boundaries, so the bytes are valid UTF-8; decoding repairs anything else.
        return String(decoding: out, as: UTF8.self)
    }
}
