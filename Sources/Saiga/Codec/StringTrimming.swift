/// Trimming for the few places that handle `String` rather than bytes (lock file contents, ingest headings).
extension StringProtocol {
    /// The string without leading and trailing white space.
    package func trimmed() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }

    /// The string without leading and trailing characters of `set`.
    package func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
