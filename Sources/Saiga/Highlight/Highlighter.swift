/// How snippets look.
public struct SnippetOptions: Sendable, Hashable {
    /// Target length of a snippet in bytes of source text (markers and ellipses not counted). Default 200.
    public var maxLength: Int
    /// Inserted before each matched term. Default `<b>`.
    public var preTag: String
    /// Inserted after each matched term. Default `</b>`.
    public var postTag: String

    public init(maxLength: Int = 200, preTag: String = "<b>", postTag: String = "</b>") {
        self.maxLength = maxLength
        self.preTag = preTag
        self.postTag = postTag
    }
}

/// Picks the best passage of a document for a query and marks the matched terms.
///
/// The text is analyzed again (with byte offsets) and every token whose term the query looks for is a match,
/// weighted by the term's idf. The passage is the window of at most `maxLength` bytes whose distinct matched
/// terms weigh most (more occurrences break ties), widened to use the length budget, cut at token boundaries,
/// with whitespace collapsed and an ellipsis where text was cut.
struct Highlighter {
    let analyzer: Analyzer
    /// Term → weight (idf); a term absent from the map does not match.
    let weights: [[UInt8]: Float]
    let prefixes: [[UInt8]]
    let options: SnippetOptions

    private struct Tok {
        var start: Int
        var end: Int
        var termIndex: Int  // -1: no match; otherwise index into matchedTerms
    }

    func snippet(_ text: String) -> String {
        var text = text
        return text.withUTF8 { utf8 in snippet(utf8) }
    }

    private func snippet(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        // A token matches by its term, or by its word as written (`TermKey`): a surface form a pattern expanded
        // to (marker byte first in `weights`), or a prefix of the word (`running*` marks "running", term `run`).
        let surfaceForms = analyzer.options.stemming && analyzer.options.surfaceForms
        var sink = CollectingSink(withOffsets: true, surfaceForms: surfaceForms)
        analyzer.analyze(UnsafeRawBufferPointer(bytes), into: &sink)
        var toks: [Tok] = []
        toks.reserveCapacity(sink.terms.count)
        var matchedTerms: [[UInt8]] = []
        var termIndexes: [[UInt8]: Int] = [:]
        for i in sink.terms.indices {
            var term = sink.terms[i]
            var index = -1
            var matched = weights[term] != nil || prefixes.contains(where: { term.starts(with: $0) })
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
                    index = matchedTerms.count
                    termIndexes[term] = index
                    matchedTerms.append(term)
                }
            }
            toks.append(Tok(start: sink.starts[i], end: sink.ends[i], termIndex: index))
        }
        let maxLength = max(options.maxLength, 20)
        let matches = toks.indices.filter { toks[$0].termIndex >= 0 }
        if toks.isEmpty { return render(bytes, from: 0, to: min(bytes.count, maxLength), toks: [], first: 0) }

        // Best window of matches.
        var bestStart = 0
        var bestEnd = 0
        if !matches.isEmpty {
            var bestScore = -1.0
            var seen = [Bool](repeating: false, count: matchedTerms.count)
            for (mi, a) in matches.enumerated() {
                for k in seen.indices { seen[k] = false }
                var score = 0.0
                var last = a
                for b in matches[mi...] {
                    if toks[b].end - toks[a].start > maxLength { break }
                    let t = toks[b].termIndex
                    if !seen[t] {
                        seen[t] = true
                        score += Double(weights[matchedTerms[t]] ?? 1)
                    }
                    score += 0.01
                    last = b
                }
                if score > bestScore {
                    bestScore = score
                    bestStart = a
                    bestEnd = last
                }
            }
        }
        // Widen: about a third of the spare budget before the first match, the rest after.
        let used = toks[bestEnd].end - toks[bestStart].start
        let spare = max(0, maxLength - used)
        let desiredStart = matches.isEmpty ? 0 : max(0, toks[bestStart].start - spare / 3)
        var first = bestStart
        while first > 0 && toks[first - 1].start >= desiredStart { first -= 1 }
        if matches.isEmpty { first = 0 }
        let startByte = first == 0 && desiredStart == 0 ? 0 : toks[first].start
        var last = max(bestEnd, first)
        while last + 1 < toks.count && toks[last + 1].end - startByte <= maxLength { last += 1 }
        let endByte =
            last + 1 < toks.count ? toks[last].end : max(toks[last].end, min(bytes.count, startByte + maxLength))
        return render(bytes, from: startByte, to: min(endByte, bytes.count), toks: toks, first: first)
    }

    /// The text between two byte offsets (on token or text boundaries) with matches marked and whitespace collapsed.
    private func render(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, toks: [Tok], first: Int
    ) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(end - start + 64)
        if start > 0 { out.append(contentsOf: "… ".utf8) }
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
        if end < bytes.count { out.append(contentsOf: " …".utf8) }
        // Offsets are token or text boundaries, so the bytes are valid UTF-8; decoding repairs anything else.
        return String(decoding: out, as: UTF8.self)
    }
}
