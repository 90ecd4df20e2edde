/// How a clause takes part in a boolean query (Lucene's `Occur`).
public enum Occur: Sendable, Hashable {
    /// Optional: adds to the score; a query with no required clause needs at least one optional match.
    case should
    /// Required (`+term`, `a AND b`).
    case must
    /// Excluded (`-term`, `NOT term`).
    case mustNot
}

/// A parsed query string, before analysis: what the user typed, structured.
public indirect enum ParsedQuery: Sendable, Hashable {
    /// A word as typed (it may analyze to several terms, e.g. `Kassym-Jomart`, which then match as a phrase).
    case term(field: String?, text: String)
    /// `"a quoted phrase"`; `"a phrase"~N` lets its words be up to N moves apart (Lucene's slop: `"a b"~1`
    /// matches "a x b", `"a b"~2` also "b a").
    case phrase(field: String?, text: String, slop: Int = 0)
    /// `prefix*`.
    case prefix(field: String?, text: String)
    /// `word~N`: terms within N edits (insertions, deletions, substitutions and transpositions of adjacent
    /// characters, Lucene's Damerau–Levenshtein); `word~` is `word~2`.
    case fuzzy(field: String?, text: String, maxEdits: Int)
    /// A word with `?` (any one character) or `*` (any characters) other than a single trailing `*`: `te?t`,
    /// `*stan`, `k*z*`. `pattern` keeps the typed escapes (`\?` is a literal question mark).
    case wildcard(field: String?, pattern: String)
    /// `/regular expression/` matched against whole terms (the subset in docs/QUERY.md).
    case regex(field: String?, pattern: String)
    /// `query^N`: the query's scores multiplied by N (Lucene's `BoostQuery`), N ≥ 0.
    case boost(ParsedQuery, Float)
    /// `field:[lower TO upper]` (inclusive), `field:{lower TO upper}` (exclusive), mixed, `*` for an open end;
    /// `field:>=lower`, `>`, `<=`, `<`. The bounds as typed (numbers, dates, keywords).
    case range(field: String, lower: String?, upper: String?, includeLower: Bool, includeUpper: Bool)
    /// `_exists_:field`: documents with a value in the field.
    case exists(field: String)
    /// `*:*`: every document.
    case all
    /// Clauses combined with `+`, `-`, `AND`, `OR`, `NOT` and parentheses.
    case boolean([Clause])

    public struct Clause: Sendable, Hashable {
        public var occur: Occur
        public var query: ParsedQuery
        public init(_ occur: Occur, _ query: ParsedQuery) {
            self.occur = occur
            self.query = query
        }
    }
}

/// Parses the query language:
///
///     human rights            either word (OR is the default)
///     +human rights -torture  human required, rights optional, torture excluded
///     a AND b, a OR b, NOT a  operators (uppercase); AND binds tighter than OR; && || ! also work
///     (a OR b) AND c          grouping
///     "death penalty"         phrase
///     title:saiga             field scoping (title, body); title:(a b) and title:"a b" too
///     kazakh*                 prefix
///     te?t  *stan  k*z*       wildcards: ? one character, * any (leading ones too)
///     /ka[sz]akh?stan/        a regular expression over whole terms
///     kazakstan~  oil~1       fuzzy: within 2 (or N ≤ 2) edits
///     "saiga steppe"~3        a phrase whose words may be up to 3 moves apart
///     oil^2  "a b"^3  (x y)^2 boosts: the clause's score times N
///     source:bbc              a keyword (or boolean, number, date) field equals a value
///     year:[2000 TO 2020]     a range, inclusive; {a TO b} exclusive, mixed brackets, * for an open end
///     year:>=2000             comparisons: >=, >, <=, <
///     _exists_:date           documents with a value in the field
///     *:*                     every document
///     \+ \( \" \* \:          a backslash escapes a special character
///
/// Malformed input gives `SaigaError.Code.invalidQuery` whose `offset` is the 0-based character position and
/// whose message names the 1-based column.
package struct QueryParser: Sendable {
    /// Longest query accepted, in characters.
    package static let maxQueryLength = 16 * 1024
    /// Deepest nesting of parentheses and operators.
    package static let maxDepth = 64
    /// Most terms, phrases and prefixes in one query.
    package static let maxLeaves = 1024

    /// Field names accepted before `:` (besides `_exists_`).
    package let fields: Set<String>
    /// The pseudo-field of `_exists_:field`.
    package static let existsField = "_exists_"

    /// The schema, to check values and ranges against their fields' types where they are typed (so that an error
    /// points at the column); nil: only field names are checked.
    package let schema: Schema?

    package init(fields: Set<String> = ["title", "body"]) {
        self.fields = fields.union([QueryParser.existsField])
        schema = nil
    }

    /// A parser for an index with this schema: every field it declares may be named.
    package init(schema: Schema) {
        fields = Set(schema.fields.map(\.name)).subtracting([BuiltinFields.idName]).union([QueryParser.existsField])
        self.schema = schema
    }

    package func parse(_ query: String) throws(SaigaError) -> ParsedQuery {
        let scalars = Array(query.unicodeScalars)
        guard scalars.count <= QueryParser.maxQueryLength else {
            throw SaigaError(
                .limitExceeded, "query is \(scalars.count) characters; the limit is \(QueryParser.maxQueryLength)")
        }
        var lexer = Lexer(scalars: scalars, fields: fields)
        let tokens = try lexer.tokenize()
        var parser = Parser(tokens: tokens, end: scalars.count, schema: schema)
        guard !tokens.isEmpty else { throw SaigaError(.invalidQuery, "query is empty", offset: 0) }
        let q = try parser.parseQuery()
        return q
    }
}

// MARK: - Lexer

private enum TokenKind: Equatable {
    case word(String, kind: WordKind)
    case regex(String)
    /// `~` or `~N` after a word or phrase (nil: no number).
    case tilde(Int?)
    /// `^N` after a clause.
    case boost(Float)
    case phrase(String)
    case field(String)  // `name:` (the colon consumed)
    case range(lower: String?, upper: String?, includeLower: Bool, includeUpper: Bool)
    case all  // `*:*`
    case open, close, plus, minus, and, or, not
}

/// How a word is matched: as typed, as a prefix (one trailing `*`), or as a wildcard pattern.
private enum WordKind: Equatable {
    case plain, prefix, wildcard
}

private struct Token {
    var kind: TokenKind
    var offset: Int
}

private func syntaxError(_ message: String, at offset: Int) -> SaigaError {
    SaigaError(.invalidQuery, "\(message) at column \(offset + 1)", offset: offset)
}

private struct Lexer {
    let scalars: [Unicode.Scalar]
    let fields: Set<String>
    var i = 0

    init(scalars: [Unicode.Scalar], fields: Set<String>) {
        self.scalars = scalars
        self.fields = fields
    }

    static func isSpace(_ c: Unicode.Scalar) -> Bool { c.properties.isWhitespace }

    /// Characters that end a word (besides space).
    static func isWordBreak(_ c: Unicode.Scalar) -> Bool {
        c == "(" || c == ")" || c == "\"" || c == ":"
    }

    mutating func tokenize() throws(SaigaError) -> [Token] {
        var tokens: [Token] = []
        while i < scalars.count {
            let c = scalars[i]
            if Lexer.isSpace(c) {
                i += 1
                continue
            }
            let start = i
            // Operators that only count at the start of a clause.
            let atClauseStart =
                tokens.isEmpty || [.open, .plus, .minus, .and, .or, .not].contains(tokens.last!.kind)
                || {
                    if case .field = tokens.last!.kind { return true }
                    return false
                }()
                || (start > 0 && Lexer.isSpace(scalars[start - 1]))
            switch c {
            case "(":
                tokens.append(Token(kind: .open, offset: i))
                i += 1
            case ")":
                tokens.append(Token(kind: .close, offset: i))
                i += 1
                try readSuffixes(into: &tokens)
            case "\"":
                tokens.append(Token(kind: .phrase(try readPhrase()), offset: start))
                try readSuffixes(into: &tokens)
            case "/" where atClauseStart:
                tokens.append(Token(kind: .regex(try readRegex()), offset: start))
                try readSuffixes(into: &tokens)
            case "~", "^":
                throw syntaxError("'\(c)' must follow a word, phrase or group", at: i)
            case "+" where atClauseStart && i + 1 < scalars.count && !Lexer.isSpace(scalars[i + 1]):
                tokens.append(Token(kind: .plus, offset: i))
                i += 1
            case "-" where atClauseStart && i + 1 < scalars.count && !Lexer.isSpace(scalars[i + 1]):
                tokens.append(Token(kind: .minus, offset: i))
                i += 1
            case "!" where atClauseStart:
                tokens.append(Token(kind: .not, offset: i))
                i += 1
            case "*" where i + 2 < scalars.count && scalars[i + 1] == ":" && scalars[i + 2] == "*":
                tokens.append(Token(kind: .all, offset: i))
                i += 3
                try readSuffixes(into: &tokens)
            case "[", "{":
                throw syntaxError("a range needs a field, as in year:[2000 TO 2020]", at: i)
            case "&" where i + 1 < scalars.count && scalars[i + 1] == "&":
                tokens.append(Token(kind: .and, offset: i))
                i += 2
            case "|" where i + 1 < scalars.count && scalars[i + 1] == "|":
                tokens.append(Token(kind: .or, offset: i))
                i += 2
            default:
                let (text, kind, raw) = try readWord()
                if i < scalars.count && scalars[i] == ":" && !raw.isEmpty && raw.allSatisfy(Lexer.isFieldNameChar)
                    && !Lexer.isDigit(raw.first!)
                {
                    let name = String(String.UnicodeScalarView(raw))
                    guard fields.contains(name) else {
                        throw syntaxError(
                            "unknown field '\(name)' (searchable fields: \(fields.sorted().joined(separator: ", ")))",
                            at: start)
                    }
                    i += 1
                    if i >= scalars.count || Lexer.isSpace(scalars[i]) {
                        throw syntaxError("expected a term, phrase or group after '\(name):'", at: i)
                    }
                    tokens.append(Token(kind: .field(name), offset: start))
                    if let range = try readRange() {
                        tokens.append(range)
                        try readSuffixes(into: &tokens)
                    }
                    continue
                }
                if kind == .plain && !raw.contains("\\") {
                    switch text {
                    case "AND":
                        tokens.append(Token(kind: .and, offset: start))
                        continue
                    case "OR":
                        tokens.append(Token(kind: .or, offset: start))
                        continue
                    case "NOT":
                        tokens.append(Token(kind: .not, offset: start))
                        continue
                    default: break
                    }
                }
                tokens.append(Token(kind: .word(text, kind: kind), offset: start))
                try readSuffixes(into: &tokens)
            }
        }
        return tokens
    }

    /// After a word, phrase, group, range or regular expression: `~` (with an optional whole number) and then `^`
    /// and a number, each at most once, in that order (Lucene's `term~1^2`); the clause must end there.
    mutating func readSuffixes(into tokens: inout [Token]) throws(SaigaError) {
        if i < scalars.count && scalars[i] == "~" {
            let start = i
            i += 1
            var digits = ""
            while i < scalars.count && Lexer.isDigit(scalars[i]) && digits.count < 6 {
                digits.unicodeScalars.append(scalars[i])
                i += 1
            }
            if i < scalars.count && (scalars[i] == "." || Lexer.isDigit(scalars[i])) {
                throw syntaxError(
                    "'~' takes a whole number: edits for a word (~1, ~2), moves for a phrase (~3)", at: start)
            }
            tokens.append(Token(kind: .tilde(digits.isEmpty ? nil : Int(digits)), offset: start))
        }
        if i < scalars.count && scalars[i] == "^" {
            let start = i
            i += 1
            var number = ""
            while i < scalars.count && (Lexer.isDigit(scalars[i]) || scalars[i] == ".") && number.count < 24 {
                number.unicodeScalars.append(scalars[i])
                i += 1
            }
            guard let boost = Float(number), boost.isFinite else {
                throw syntaxError("expected a number after '^' (a boost, as in oil^2 or oil^0.5)", at: start)
            }
            tokens.append(Token(kind: .boost(boost), offset: start))
        }
        if i < scalars.count && !Lexer.isSpace(scalars[i]) && scalars[i] != ")" {
            if scalars[i] == "~" { throw syntaxError("'~' must come before '^' (as in oil~1^2)", at: i) }
            if tokens.last.map({ if case .boost = $0.kind { return true } else { return false } }) ?? false
                || tokens.last.map({ if case .tilde = $0.kind { return true } else { return false } }) ?? false
            {
                throw syntaxError("expected a space or ')' after the clause", at: i)
            }
        }
    }

    /// `/…/` at the start of a clause: the pattern between the slashes (`\/` is a slash in it).
    mutating func readRegex() throws(SaigaError) -> String {
        let open = i
        i += 1
        var text = String.UnicodeScalarView()
        while i < scalars.count {
            let c = scalars[i]
            if c == "\\" && i + 1 < scalars.count {
                // Kept with its backslash: the expression's own escapes (\. \[) mean something there.
                text.append(c)
                text.append(scalars[i + 1])
                i += 2
                continue
            }
            if c == "/" {
                i += 1
                return String(text)
            }
            text.append(c)
            i += 1
        }
        throw syntaxError("unterminated regular expression: the '/' opened here is never closed", at: open)
    }

    static func isFieldNameChar(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == "."
            || c == "-"
    }

    /// After `field:`: a range in brackets or a comparison, as one token; nil if neither follows.
    mutating func readRange() throws(SaigaError) -> Token? {
        let start = i
        let c = scalars[i]
        if c == ">" || c == "<" {
            i += 1
            let inclusive = i < scalars.count && scalars[i] == "="
            if inclusive { i += 1 }
            guard i < scalars.count, !Lexer.isSpace(scalars[i]) else {
                throw syntaxError("expected a value after '\(c)\(inclusive ? "=" : "")'", at: i)
            }
            let value = try readBound(until: [])
            guard let value else { throw syntaxError("expected a value, not '*', after '\(c)'", at: start) }
            let kind: TokenKind =
                c == ">"
                ? .range(lower: value, upper: nil, includeLower: inclusive, includeUpper: true)
                : .range(lower: nil, upper: value, includeLower: true, includeUpper: inclusive)
            return Token(kind: kind, offset: start)
        }
        guard c == "[" || c == "{" else { return nil }
        i += 1
        skipSpaces()
        let lower = try readBound(until: [" ", "]", "}"])
        skipSpaces()
        guard i + 1 < scalars.count, scalars[i] == "T", scalars[i + 1] == "O" else {
            throw syntaxError("expected 'TO' in the range opened here", at: start)
        }
        i += 2
        skipSpaces()
        let upper = try readBound(until: [" ", "]", "}"])
        skipSpaces()
        guard i < scalars.count, scalars[i] == "]" || scalars[i] == "}" else {
            throw syntaxError("unclosed range: expected ']' or '}'", at: start)
        }
        let includeUpper = scalars[i] == "]"
        i += 1
        return Token(
            kind: .range(lower: lower, upper: upper, includeLower: c == "[", includeUpper: includeUpper),
            offset: start)
    }

    private mutating func skipSpaces() { while i < scalars.count && Lexer.isSpace(scalars[i]) { i += 1 } }

    /// A range bound: a quoted string, or characters up to a space, a bracket or the end; nil for `*` (open).
    private mutating func readBound(until stops: Set<Unicode.Scalar>) throws(SaigaError) -> String? {
        let start = i
        if i < scalars.count && scalars[i] == "\"" { return try readPhrase() }
        var text = String.UnicodeScalarView()
        while i < scalars.count {
            let c = scalars[i]
            if Lexer.isSpace(c) || stops.contains(c) || c == ")" || (stops.isEmpty && c == "(") { break }
            if c == "\\" && i + 1 < scalars.count {
                text.append(scalars[i + 1])
                i += 2
                continue
            }
            text.append(c)
            i += 1
        }
        guard !text.isEmpty else { throw syntaxError("expected a value", at: start) }
        let s = String(text)
        return s == "*" ? nil : s
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    /// Reads a word; returns its text, how it matches, and the raw scalars. A plain word or prefix has its escapes
    /// removed; a wildcard pattern keeps them (`\\?` stays a literal `?` for the pattern compiler). A word ends at a
    /// space, a parenthesis, a quote, a field's colon, `~` or `^`.
    mutating func readWord() throws(SaigaError) -> (String, WordKind, [Unicode.Scalar]) {
        var text = String.UnicodeScalarView()
        var pattern = String.UnicodeScalarView()
        var raw: [Unicode.Scalar] = []
        var wildcards = 0
        var trailingStar = false
        let start = i
        while i < scalars.count {
            let c = scalars[i]
            // A colon ends the word only after something that can be a field name (`title:`); elsewhere
            // (`3:1`, `a::b`) it is part of the word and the analyzer treats it as a separator.
            if c == ":" && !text.isEmpty && !text.contains(":")
                && raw.allSatisfy(Lexer.isFieldNameChar) && !Lexer.isDigit(raw.first!)
            {
                break
            }
            if Lexer.isSpace(c) || (c != ":" && Lexer.isWordBreak(c)) || c == "~" || c == "^" { break }
            if c == "\\" {
                guard i + 1 < scalars.count else {
                    throw syntaxError("a backslash must be followed by a character", at: i)
                }
                raw.append(c)
                raw.append(scalars[i + 1])
                text.append(scalars[i + 1])
                pattern.append(c)
                pattern.append(scalars[i + 1])
                trailingStar = false
                i += 2
                continue
            }
            if c == "*" || c == "?" {
                wildcards += 1
                trailingStar = c == "*"
            } else {
                trailingStar = false
                text.append(c)
            }
            raw.append(c)
            pattern.append(c)
            i += 1
        }
        if wildcards == 0 { return (String(text), .plain, raw) }
        if wildcards == 1 && trailingStar {
            if text.isEmpty {
                throw syntaxError("a lone '*' matches nothing by itself: use *:* for every document", at: start)
            }
            return (String(text), .prefix, raw)
        }
        if text.isEmpty && !pattern.contains("?") {
            throw syntaxError("a pattern of only '*' matches nothing by itself: use *:* for every document", at: start)
        }
        return (String(pattern), .wildcard, raw)
    }

    mutating func readPhrase() throws(SaigaError) -> String {
        let open = i
        i += 1
        var text = String.UnicodeScalarView()
        while i < scalars.count {
            let c = scalars[i]
            if c == "\\" && i + 1 < scalars.count {
                text.append(scalars[i + 1])
                i += 2
                continue
            }
            if c == "\"" {
                i += 1
                return String(text)
            }
            text.append(c)
            i += 1
        }
        throw syntaxError("unterminated phrase: the quote opened here is never closed", at: open)
    }
}

// MARK: - Parser

private struct Parser {
    let tokens: [Token]
    let end: Int
    var i = 0
    var depth = 0
    var leaves = 0
    let schema: Schema?

    init(tokens: [Token], end: Int, schema: Schema?) {
        self.tokens = tokens
        self.end = end
        self.schema = schema
    }

    /// Checks a value typed for a structured field (a keyword, number, date or boolean) against its type.
    func checkValue(_ text: String, field: String?, at offset: Int) throws(SaigaError) {
        guard let field, let f = schema?[field], f.type != .text else { return }
        guard f.queryValue(text) != nil else {
            throw syntaxError("'\(text)' is not a value of \(f.type.rawValue) field '\(field)'", at: offset)
        }
    }

    var offset: Int { i < tokens.count ? tokens[i].offset : end }

    mutating func parseQuery() throws(SaigaError) -> ParsedQuery {
        let q = try parseOr(field: nil)
        if i < tokens.count {
            if tokens[i].kind == .close { throw syntaxError("unmatched ')'", at: tokens[i].offset) }
            throw syntaxError("unexpected input", at: tokens[i].offset)
        }
        return q
    }

    /// orExpr := andExpr (('OR' | implicit) andExpr)*
    mutating func parseOr(field: String?) throws(SaigaError) -> ParsedQuery {
        depth += 1
        defer { depth -= 1 }
        guard depth <= QueryParser.maxDepth else {
            throw SaigaError(.limitExceeded, "query nests deeper than \(QueryParser.maxDepth) levels", offset: offset)
        }
        var clauses: [ParsedQuery.Clause] = []
        while i < tokens.count && tokens[i].kind != .close {
            if tokens[i].kind == .or {
                guard !clauses.isEmpty else { throw syntaxError("OR needs a term before it", at: tokens[i].offset) }
                i += 1
                guard i < tokens.count, tokens[i].kind != .close, tokens[i].kind != .or, tokens[i].kind != .and else {
                    throw syntaxError("expected a term after OR", at: offset)
                }
            }
            clauses.append(try parseAnd(field: field))
        }
        if clauses.count == 1 && clauses[0].occur == .should { return clauses[0].query }
        return .boolean(clauses)
    }

    /// andExpr := clause ('AND' clause)*   — a chain of ANDs becomes one group of required clauses.
    mutating func parseAnd(field: String?) throws(SaigaError) -> ParsedQuery.Clause {
        let first = try parseClause(field: field)
        guard i < tokens.count, tokens[i].kind == .and else { return first }
        var group: [ParsedQuery.Clause] = [
            ParsedQuery.Clause(first.occur == .should ? .must : first.occur, first.query)
        ]
        while i < tokens.count && tokens[i].kind == .and {
            i += 1
            guard i < tokens.count, tokens[i].kind != .close, tokens[i].kind != .or, tokens[i].kind != .and else {
                throw syntaxError("expected a term after AND", at: offset)
            }
            let next = try parseClause(field: field)
            group.append(ParsedQuery.Clause(next.occur == .should ? .must : next.occur, next.query))
        }
        return ParsedQuery.Clause(.should, .boolean(group))
    }

    /// clause := ('NOT' | '!') clause | ('+' | '-') primary | primary
    mutating func parseClause(field: String?) throws(SaigaError) -> ParsedQuery.Clause {
        guard i < tokens.count else { throw syntaxError("expected a term", at: end) }
        switch tokens[i].kind {
        case .not:
            i += 1
            guard i < tokens.count, tokens[i].kind != .close else {
                throw syntaxError("expected a term after NOT", at: offset)
            }
            let inner = try parseClause(field: field)
            return ParsedQuery.Clause(.mustNot, inner.occur == .mustNot ? .boolean([inner]) : inner.query)
        case .plus:
            i += 1
            return ParsedQuery.Clause(.must, try parsePrimary(field: field))
        case .minus:
            i += 1
            return ParsedQuery.Clause(.mustNot, try parsePrimary(field: field))
        default:
            return ParsedQuery.Clause(.should, try parsePrimary(field: field))
        }
    }

    /// primary := atom ['~' [N]] ['^' N]
    mutating func parsePrimary(field inherited: String?) throws(SaigaError) -> ParsedQuery {
        var q = try parseAtom(field: inherited)
        if i < tokens.count, case .tilde(let n) = tokens[i].kind {
            let at = tokens[i].offset
            i += 1
            switch q {
            case .term(let field, let text):
                let edits = n ?? 2
                guard edits <= 2 else {
                    throw syntaxError("a fuzzy word allows at most 2 edits (~0, ~1 or ~2)", at: at)
                }
                if let field, let f = schema?[field], f.type != .text {
                    throw syntaxError("'\(field)' is a \(f.type.rawValue) field: no fuzzy search", at: at)
                }
                q = .fuzzy(field: field, text: text, maxEdits: edits)
            case .phrase(let field, let text, _):
                guard let n else {
                    throw syntaxError("'~' after a phrase needs a number of moves, as in \"a b\"~2", at: at)
                }
                if let field, let f = schema?[field], f.type != .text {
                    throw syntaxError("'\(field)' is a \(f.type.rawValue) field: no proximity search", at: at)
                }
                q = .phrase(field: field, text: text, slop: n)
            default:
                throw syntaxError("'~' applies to a word (fuzzy) or a phrase (proximity)", at: at)
            }
        }
        if i < tokens.count, case .boost(let b) = tokens[i].kind {
            i += 1
            q = .boost(q, b)
        }
        return q
    }

    /// atom := [field ':'] (word | prefix | wildcard | regex | phrase | range | '*:*' | '(' orExpr ')')
    mutating func parseAtom(field inherited: String?) throws(SaigaError) -> ParsedQuery {
        guard i < tokens.count else { throw syntaxError("expected a term", at: end) }
        var field = inherited
        if case .field(let name) = tokens[i].kind {
            field = name
            i += 1
            guard i < tokens.count else { throw syntaxError("expected a term after '\(name):'", at: end) }
        }
        let t = tokens[i]
        if field == QueryParser.existsField {
            guard case .word(let name, .plain) = t.kind else {
                throw syntaxError("expected a field name after '_exists_:'", at: t.offset)
            }
            i += 1
            try countLeaf(t.offset)
            return .exists(field: name)
        }
        switch t.kind {
        case .word(let text, let kind):
            i += 1
            try countLeaf(t.offset)
            if let field, let f = schema?[field], f.type != .text {
                switch kind {
                case .prefix:
                    throw syntaxError("'\(field)' is a \(f.type.rawValue) field: no prefix search", at: t.offset)
                case .wildcard:
                    throw syntaxError("'\(field)' is a \(f.type.rawValue) field: no wildcard search", at: t.offset)
                case .plain:
                    try checkValue(text, field: field, at: t.offset)
                }
            }
            switch kind {
            case .plain: return .term(field: field, text: text)
            case .prefix: return .prefix(field: field, text: text)
            case .wildcard: return .wildcard(field: field, pattern: text)
            }
        case .regex(let pattern):
            i += 1
            try countLeaf(t.offset)
            if let field, let f = schema?[field], f.type != .text {
                throw syntaxError(
                    "'\(field)' is a \(f.type.rawValue) field: no regular expression search", at: t.offset)
            }
            return .regex(field: field, pattern: pattern)
        case .range(let lower, let upper, let includeLower, let includeUpper):
            i += 1
            try countLeaf(t.offset)
            guard let field else { throw syntaxError("a range needs a field", at: t.offset) }
            if let f = schema?[field] {
                guard f.type != .text && f.type != .keyword else {
                    throw syntaxError(
                        "'\(field)' is a \(f.type.rawValue) field: ranges need an integer, float, date or boolean "
                            + "field", at: t.offset)
                }
                for b in [lower, upper].compactMap({ $0 }) { try checkValue(b, field: field, at: t.offset) }
            }
            return .range(
                field: field, lower: lower, upper: upper, includeLower: includeLower, includeUpper: includeUpper)
        case .all:
            i += 1
            try countLeaf(t.offset)
            if inherited != field || field != nil { throw syntaxError("'*:*' cannot follow a field", at: t.offset) }
            return .all
        case .phrase(let text):
            i += 1
            try countLeaf(t.offset)
            try checkValue(text, field: field, at: t.offset)
            return .phrase(field: field, text: text)
        case .open:
            i += 1
            let inner = try parseOr(field: field)
            guard i < tokens.count, tokens[i].kind == .close else {
                throw syntaxError("unclosed '(': the group opened here is never closed", at: t.offset)
            }
            i += 1
            if case .boolean(let c) = inner, c.isEmpty { throw syntaxError("empty group '()'", at: t.offset) }
            return inner
        case .close:
            throw syntaxError("unexpected ')'", at: t.offset)
        case .and, .or:
            throw syntaxError("unexpected operator", at: t.offset)
        case .not, .plus, .minus:
            throw syntaxError("unexpected operator (an operator cannot follow '+', '-' or a field)", at: t.offset)
        case .field:
            throw syntaxError("a field cannot follow another field", at: t.offset)
        case .tilde, .boost:
            throw syntaxError("'~' and '^' must follow a word, phrase or group", at: t.offset)
        }
    }

    mutating func countLeaf(_ at: Int) throws(SaigaError) {
        leaves += 1
        guard leaves <= QueryParser.maxLeaves else {
            throw SaigaError(.limitExceeded, "query has more than \(QueryParser.maxLeaves) terms", offset: at)
        }
    }
}
