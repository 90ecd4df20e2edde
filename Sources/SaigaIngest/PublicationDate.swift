import Saiga

/// Finds an article's publication date where its text states one: a line that holds a date and nothing else, as news
/// sites print it above or below a headline (`09 December 2025`, `December 9, 2025`, `2025-12-09`). A date inside a
/// sentence ("On March 19, 2023, parliamentary elections were held …") is not a publication date and is never taken.
/// For issue 12's `date` field of the bundled corpus; not yet wired into the documents.
package enum PublicationDate {
    private static let months = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december",
    ]

    /// The date a whole line states, if it is one of the three forms (surrounding white space and a trailing period
    /// aside; month names in any case; a weekday before it allowed: `Tuesday, 9 December 2025`).
    package static func parse(line: some StringProtocol) -> DateValue? {
        var text = line.trimmed()
        if text.hasSuffix(".") { text.removeLast() }
        // An optional weekday: "Tuesday, 9 December 2025".
        if let comma = text.firstIndex(of: ","),
            ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
                .contains(text[..<comma].lowercased())
        {
            text = String(text[text.index(after: comma)...]).trimmed()
        }
        if text.utf8.count == 10, let d = DateValue(parsing: text) { return d }  // 2025-12-09
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 3 else { return nil }
        // "09 December 2025"
        if let day = Int(words[0]), let month = month(words[1]), let year = year(words[2]) {
            return DateValue(year: year, month: month, day: day)
        }
        // "December 9, 2025"
        if let month = month(words[0]), words[1].hasSuffix(","), let day = Int(words[1].dropLast()),
            let year = year(words[2])
        {
            return DateValue(year: year, month: month, day: day)
        }
        return nil
    }

    /// The first line of `lines` that states a date alone.
    package static func find(in lines: some Sequence<some StringProtocol>) -> DateValue? {
        for line in lines where line.utf8.count <= 40 {
            if let d = parse(line: line) { return d }
        }
        return nil
    }

    private static func month(_ word: Substring) -> Int? {
        months.firstIndex(of: word.lowercased()).map { $0 + 1 }
    }

    private static func year(_ word: Substring) -> Int? {
        guard word.count == 4, let y = Int(word), y >= 1000 else { return nil }
        return y
    }
}
