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
    /// `"a quoted phrase"`.
    case phrase(field: String?, text: String)
    /// `prefix*`.
    case prefix(field: String?, text: String)
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
    case word(String, prefix: Bool)
    case phrase(String)
    case field(String)  // `name:` (the colon consumed)
    case range(lower: String?, upper: String?, includeLower: Bool, includeUpper: Bool)
    case all  // `*:*`
    case open, close, plus, minus, and, or, not
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
            case "\"":
                tokens.append(Token(kind: .phrase(try readPhrase()), offset: start))
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
            case "[", "{":
                throw syntaxError("a range needs a field, as in year:[2000 TO 2020]", at: i)
            case "&" where i + 1 < scalars.count && scalars[i + 1] == "&":
                tokens.append(Token(kind: .and, offset: i))
                i += 2
            case "|" where i + 1 < scalars.count && scalars[i + 1] == "|":
                tokens.append(Token(kind: .or, offset: i))
                i += 2
            default:
                let (text, prefix, raw) = try readWord()
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
                    if let range = try readRange() { tokens.append(range) }
                    continue
                }
                if !prefix && !raw.contains("\\") {
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
                tokens.append(Token(kind: .word(text, prefix: prefix), offset: start))
            }
        }
        return tokens
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

    /// Reads a word; returns its unescaped text, whether it ends in an unescaped `*`, and the raw scalars.
    mutating func readWord() throws(SaigaError) -> (String, Bool, [Unicode.Scalar]) {
        var text = String.UnicodeScalarView()
        var raw: [Unicode.Scalar] = []
        var prefix = false
        while i < scalars.count {
            let c = scalars[i]
            // A colon ends the word only after something that can be a field name (`title:`); elsewhere
            // (`3:1`, `a::b`) it is part of the word and the analyzer treats it as a separator.
            if c == ":" && !text.isEmpty && !text.contains(":")
                && raw.allSatisfy(Lexer.isFieldNameChar) && !Lexer.isDigit(raw.first!)
            {
                break
            }
            if Lexer.isSpace(c) || (c != ":" && Lexer.isWordBreak(c)) { break }
            if c == "\\" {
                guard i + 1 < scalars.count else {
                    throw syntaxError("a backslash must be followed by a character", at: i)
                }
                raw.append(c)
                raw.append(scalars[i + 1])
                text.append(scalars[i + 1])
                i += 2
                continue
            }
            if c == "*" {
                let next = i + 1
                if next < scalars.count && !Lexer.isSpace(scalars[next]) && !Lexer.isWordBreak(scalars[next]) {
                    throw syntaxError("'*' is only supported at the end of a word (prefix search)", at: i)
                }
                if text.isEmpty { throw syntaxError("a prefix search needs at least one character before '*'", at: i) }
                prefix = true
                raw.append(c)
                i += 1
                break
            }
            if c == "~" || c == "^" {
                throw syntaxError("'\(c)' (fuzzy, proximity and boost) is not supported; escape it as \\\(c)", at: i)
            }
            raw.append(c)
            text.append(c)
            i += 1
        }
        return (String(text), prefix, raw)
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
                if i < scalars.count && (scalars[i] == "~" || scalars[i] == "^") {
                    throw syntaxError("'\(scalars[i])' after a phrase (proximity, boost) is not supported", at: i)
                }
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

    /// primary := [field ':'] (word | prefix | phrase | '(' orExpr ')')
    mutating func parsePrimary(field inherited: String?) throws(SaigaError) -> ParsedQuery {
        guard i < tokens.count else { throw syntaxError("expected a term", at: end) }
        var field = inherited
        if case .field(let name) = tokens[i].kind {
            field = name
            i += 1
            guard i < tokens.count else { throw syntaxError("expected a term after '\(name):'", at: end) }
        }
        let t = tokens[i]
        if field == QueryParser.existsField {
            guard case .word(let name, false) = t.kind else {
                throw syntaxError("expected a field name after '_exists_:'", at: t.offset)
            }
            i += 1
            try countLeaf(t.offset)
            return .exists(field: name)
        }
        switch t.kind {
        case .word(let text, let prefix):
            i += 1
            try countLeaf(t.offset)
            if let field, let f = schema?[field], f.type != .text {
                if prefix {
                    throw syntaxError("'\(field)' is a \(f.type.rawValue) field: no prefix search", at: t.offset)
                }
                try checkValue(text, field: field, at: t.offset)
            }
            return prefix ? .prefix(field: field, text: text) : .term(field: field, text: text)
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
        }
    }

    mutating func countLeaf(_ at: Int) throws(SaigaError) {
        leaves += 1
        guard leaves <= QueryParser.maxLeaves else {
            throw SaigaError(.limitExceeded, "query has more than \(QueryParser.maxLeaves) terms", offset: at)
        }
    }
}
