import Saiga

/// Splits a plain-text file holding one or more articles (pages saved from news sites) into articles at their
/// headlines. The rule, documented in docs/INGEST.md:
///
/// A **paragraph** is a run of non-blank lines. A **heading candidate** is a paragraph of one line, at most 200
/// characters and 25 words, starting with an uppercase letter or a digit, and not ending (after closing quotes)
/// in `.`, `,`, `;` or `:`. Known page chrome ("Connect with us", "Continue Reading", "Share this article:",
/// "Related Posts", "Scroll Top", …) and bylines ("By …", "… by Name") are never headlines.
///
/// A heading candidate **starts a new article** when the text after it (past any further heading lines, which
/// are treated as kickers and bylines) begins with a prose paragraph (at least 80 characters ending a sentence,
/// or several lines; not a `[12]` reference entry), and one of these holds:
/// 1. it is the first heading candidate of the file;
/// 2. the paragraph before it is a date line ("09 December 2025") or an end-of-article marker ("Continue Reading"),
///    or two or more blank lines precede it;
/// 3. it reads like a title: at least three significant words (four letters or more, not a function word) and at
///    least three quarters of them capitalised;
/// 4. it ends with a question mark.
///
/// Section headings inside an article ("Building gender equality", "Conclusion") meet none of these and stay in
/// the article's body. Text before the first headline belongs to the first article. The title is the longest
/// line of the headline's heading run (so "Human Rights" / "New Decree on Human Rights in Kazakhstan." takes the
/// latter; a title-like line ending in a period may close the run).
///
/// Markdown files split at `#` headings (or `##` when there is no `#`).
package enum ArticleSplitter {
    /// One article: title, body, and the 1-based line where it starts.
    package struct Article: Sendable, Hashable {
        package var title: String
        package var body: String
        package var line: Int
    }

    static let chrome: Set<String> = [
        "connect with us", "scroll top", "continue reading", "read more", "share this article", "share this article:",
        "related posts", "related articles", "advertisement", "share", "print", "skip to content", "menu",
    ]
    static let endMarkers: Set<String> = ["continue reading", "read more", "share this article", "share this article:"]
    static let functionWords: Set<String> = [
        "with", "from", "that", "this", "into", "over", "about", "than", "under", "upon", "onto", "near", "after",
        "before", "their", "there", "these", "those", "which", "while", "where", "when", "what", "have", "been",
        "were", "will", "would", "should", "could", "also", "such", "very", "more", "most",
    ]
    static let months: Set<String> = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    ]

    private struct Paragraph {
        var firstLine: Int  // 1-based
        var lines: [Substring]
        var blankLinesBefore = 0
        var text: String { lines.joined(separator: "\n") }
        var isSingle: Bool { lines.count == 1 }
    }

    /// Splits `text` (the content of a .txt file) at headlines. Returns at least one article for non-blank text.
    package static func splitText(_ text: String, split: Bool = true) -> [Article] {
        let paragraphs = self.paragraphs(text)
        guard !paragraphs.isEmpty else { return [] }
        var starts: [Int] = []  // paragraph indexes of headlines
        var seenCandidate = false
        var i = 0
        while i < paragraphs.count {
            let p = paragraphs[i]
            guard isHeadingCandidate(p) else {
                i += 1
                continue
            }
            let line = p.lines[0].trimmed()
            let firstCandidate = !seenCandidate
            seenCandidate = true
            let previous = i > 0 ? paragraphs[i - 1] : nil
            let afterMarker =
                previous.map { isDateLine($0) || endMarkers.contains($0.text.trimmed().lowercased()) } ?? false
            var qualifies =
                firstCandidate || afterMarker || p.blankLinesBefore >= 2 || isTitleLike(line)
                || line.hasSuffix("?")
            if !firstCandidate && (!split) { qualifies = false }
            // Skip the rest of the heading run (kickers, bylines) and require prose after it.
            var j = i + 1
            while j < paragraphs.count && (isHeadingCandidate(paragraphs[j]) || isChrome(paragraphs[j])) { j += 1 }
            if qualifies && (j < paragraphs.count && isProse(paragraphs[j]) || firstCandidate) {
                starts.append(i)
                i = j
                continue
            }
            i += 1
        }
        if starts.isEmpty {
            // No headline: one article titled by its first line (cut to `maxTitleCharacters`).
            let title = boundedTitle(paragraphs.first { !isChrome($0) }?.lines[0].trimmed() ?? "")
            return [
                Article(
                    title: title, body: paragraphs.map(\.text).joined(separator: "\n\n"), line: paragraphs[0].firstLine)
            ]
        }
        var articles: [Article] = []
        for (n, s) in starts.enumerated() {
            let from = n == 0 ? 0 : s
            let to = n + 1 < starts.count ? starts[n + 1] : paragraphs.count
            // The heading run: the headline and the heading lines right after it.
            var runEnd = s + 1
            while runEnd < to && (isHeadingCandidate(paragraphs[runEnd]) || isChrome(paragraphs[runEnd])) {
                runEnd += 1
            }
            var run = Array(s..<runEnd)
            if runEnd < to, isPeriodTitle(paragraphs[runEnd]) {
                run.append(runEnd)
                runEnd += 1
            }
            let titleIndex =
                run.filter { !isChrome(paragraphs[$0]) && !isByline(paragraphs[$0].lines[0].trimmed()) }
                .max { paragraphs[$0].lines[0].trimmed().count < paragraphs[$1].lines[0].trimmed().count } ?? s
            let headline = paragraphs[titleIndex].lines[0].trimmed()
            let title = boundedTitle(headline)
            var bodyParts: [String] = []
            // A headline cut to a title stays whole in the body.
            for k in from..<to where k != titleIndex || title != headline {
                bodyParts.append(paragraphs[k].text)
            }
            articles.append(
                Article(title: title, body: bodyParts.joined(separator: "\n\n"), line: paragraphs[s].firstLine))
        }
        return articles
    }

    /// Splits a Markdown file at level-1 headings (level 2 if there is no level-1 heading).
    package static func splitMarkdown(_ text: String, split: Bool = true) -> [Article] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }
        func level(_ l: Substring) -> Int? {
            let hashes = l.prefix { $0 == "#" }.count
            guard hashes >= 1, hashes <= 6, l.dropFirst(hashes).first == " " else { return nil }
            return hashes
        }
        var inFence = false
        var headings: [(Int, Int)] = []  // (line index, level)
        for (i, l) in lines.enumerated() {
            if l.hasPrefix("```") || l.hasPrefix("~~~") { inFence.toggle() }
            if !inFence, let lv = level(l) { headings.append((i, lv)) }
        }
        let top = headings.contains { $0.1 == 1 } ? 1 : 2
        var cuts = headings.filter { $0.1 == top }.map(\.0)
        if !split { cuts = Array(cuts.prefix(1)) }
        guard !lines.allSatisfy({ $0.trimmed().isEmpty }) else { return [] }
        if cuts.isEmpty {
            let title = boundedTitle(lines.first { !$0.trimmed().isEmpty }.map { String($0.trimmed()) } ?? "")
            return [Article(title: title, body: lines.joined(separator: "\n"), line: 1)]
        }
        var articles: [Article] = []
        for (n, c) in cuts.enumerated() {
            let from = n == 0 ? 0 : c
            let to = n + 1 < cuts.count ? cuts[n + 1] : lines.count
            let title = lines[c].drop { $0 == "#" }.trimmed()
            var body = lines[from..<to]
            body.remove(at: c)
            // A heading longer than a title may be is kept whole in the body, and its start is the title.
            if title.count > maxTitleCharacters { body.insert(Substring(title), at: body.startIndex) }
            articles.append(
                Article(title: boundedTitle(title), body: body.joined(separator: "\n").trimmed(), line: c + 1))
        }
        return articles
    }

    /// Longest title taken from a text or Markdown file, in characters: a longer first line or heading gives a
    /// title of its first words and "…" (the whole line stays in the body). Headlines are at most 200 characters
    /// by the rule above.
    package static let maxTitleCharacters = 200

    static func boundedTitle(_ line: String) -> String {
        guard line.count > maxTitleCharacters else { return line }
        var cut = line.prefix(maxTitleCharacters - 1)
        if let space = cut.lastIndex(where: { $0.isWhitespace }), cut.distance(from: space, to: cut.endIndex) < 40 {
            cut = cut[..<space]
        }
        return cut.trimmed() + "…"
    }

    // MARK: - Rules

    private static func paragraphs(_ text: String) -> [Paragraph] {
        var result: [Paragraph] = []
        var current: [Substring] = []
        var start = 0
        var blanks = 0
        var blanksBefore = 0
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.allSatisfy({ $0.isWhitespace }) {
                if !current.isEmpty {
                    result.append(Paragraph(firstLine: start + 1, lines: current, blankLinesBefore: blanksBefore))
                    blanks = 0
                }
                current = []
                blanks += 1
            } else {
                if current.isEmpty {
                    start = i
                    blanksBefore = blanks
                }
                current.append(line)
            }
        }
        if !current.isEmpty {
            result.append(Paragraph(firstLine: start + 1, lines: current, blankLinesBefore: blanksBefore))
        }
        return result
    }

    private static func words(_ line: String) -> [Substring] { line.split(whereSeparator: { $0.isWhitespace }) }

    private static func isChrome(_ p: Paragraph) -> Bool {
        p.isSingle && chrome.contains(p.lines[0].trimmed().lowercased())
    }

    private static func isByline(_ line: String) -> Bool {
        if line.hasPrefix("By ") { return true }
        let w = words(line)
        for k in w.indices.dropLast() where w[k] == "by" {
            if let f = w[k + 1].first, f.isUppercase { return true }
        }
        return false
    }

    private static func isHeadingCandidate(_ p: Paragraph) -> Bool {
        guard p.isSingle else { return false }
        let line = p.lines[0].trimmed()
        guard !line.isEmpty, line.count <= 200, words(line).count <= 25 else { return false }
        guard let first = line.first, first.isUppercase || first.isNumber else { return false }
        var end = Substring(line)
        while let l = end.last, "\"'”’»)".contains(l) { end = end.dropLast() }
        guard let last = end.last, !".,;:".contains(last) else { return false }
        return !chrome.contains(line.lowercased()) && !isByline(line)
    }

    /// A title-like line ending in a period, allowed at the end of a heading run.
    private static func isPeriodTitle(_ p: Paragraph) -> Bool {
        guard p.isSingle else { return false }
        let line = p.lines[0].trimmed()
        guard line.hasSuffix("."), !line.hasSuffix(".."), words(line).count <= 15 else { return false }
        return isTitleLike(String(line.dropLast()))
    }

    static func isTitleLike(_ line: String) -> Bool {
        var significant = 0
        var capitalised = 0
        for w in words(line) {
            let letters = w.filter { $0.isLetter }
            guard letters.count >= 4, !functionWords.contains(letters.lowercased()) else { continue }
            significant += 1
            if let f = w.first(where: { $0.isLetter }), f.isUppercase { capitalised += 1 }
        }
        return significant >= 3 && capitalised * 4 >= significant * 3
    }

    private static func isDateLine(_ p: Paragraph) -> Bool {
        let line = p.lines[p.lines.count - 1].trimmed()
        let w = words(line)
        guard w.count <= 6 else { return false }
        let lower = w.map { $0.lowercased().trimmingCharacters(in: ",.") }
        let hasMonth = lower.contains { months.contains($0) }
        let hasYear = lower.contains { $0.count == 4 && $0.allSatisfy(\.isNumber) }
        if hasMonth && hasYear { return true }
        // ISO 2025-12-09
        let iso = line.split(separator: "-")
        return iso.count == 3 && iso[0].count == 4 && iso.allSatisfy { $0.allSatisfy(\.isNumber) }
    }

    private static func isProse(_ p: Paragraph) -> Bool {
        // A reference list entry ("[12] Author, Title, 2021,") is not the start of an article.
        if p.lines[0].hasPrefix("[") { return false }
        if p.lines.count >= 2 { return true }
        var line = Substring(p.lines[0].trimmed())
        guard line.count >= 80 else { return false }
        while let l = line.last, "\"'”’»)".contains(l) { line = line.dropLast() }
        guard let last = line.last else { return false }
        return ".!?…".contains(last)
    }
}
