import Testing

@testable import Saiga

@Suite struct QueryParserTests {
    let parser = QueryParser()

    func parse(_ s: String) throws -> ParsedQuery { try parser.parse(s) }

    @Test func structure() throws {
        typealias C = ParsedQuery.Clause
        #expect(try parse("saiga") == .term(field: nil, text: "saiga"))
        #expect(
            try parse("human rights")
                == .boolean([
                    C(.should, .term(field: nil, text: "human")),
                    C(.should, .term(field: nil, text: "rights")),
                ]))
        #expect(
            try parse("+human -rights law")
                == .boolean([
                    C(.must, .term(field: nil, text: "human")), C(.mustNot, .term(field: nil, text: "rights")),
                    C(.should, .term(field: nil, text: "law")),
                ]))
        #expect(
            try parse("a AND b")
                == .boolean([C(.must, .term(field: nil, text: "a")), C(.must, .term(field: nil, text: "b"))]))
        #expect(
            try parse("a OR b")
                == .boolean([C(.should, .term(field: nil, text: "a")), C(.should, .term(field: nil, text: "b"))]))
        // AND binds tighter than OR.
        #expect(
            try parse("a OR b AND c")
                == .boolean([
                    C(.should, .term(field: nil, text: "a")),
                    C(
                        .should,
                        .boolean([C(.must, .term(field: nil, text: "b")), C(.must, .term(field: nil, text: "c"))])),
                ]))
        #expect(
            try parse("a AND NOT b")
                == .boolean([C(.must, .term(field: nil, text: "a")), C(.mustNot, .term(field: nil, text: "b"))]))
        #expect(
            try parse("a && b || !c")
                == .boolean([
                    C(
                        .should,
                        .boolean([C(.must, .term(field: nil, text: "a")), C(.must, .term(field: nil, text: "b"))])),
                    C(.mustNot, .term(field: nil, text: "c")),
                ]))
        #expect(try parse("\"death penalty\"") == .phrase(field: nil, text: "death penalty"))
        #expect(try parse("title:saiga") == .term(field: "title", text: "saiga"))
        #expect(try parse("title:\"human rights\"") == .phrase(field: "title", text: "human rights"))
        #expect(
            try parse("body:(oil gas)")
                == .boolean([
                    C(.should, .term(field: "body", text: "oil")),
                    C(.should, .term(field: "body", text: "gas")),
                ]))
        #expect(try parse("kazakh*") == .prefix(field: nil, text: "kazakh"))
        #expect(try parse("e-mail") == .term(field: nil, text: "e-mail"))
        #expect(
            try parse("\\+escaped \\:colon")
                == .boolean([
                    C(.should, .term(field: nil, text: "+escaped")),
                    C(.should, .term(field: nil, text: ":colon")),
                ]))
        #expect(try parse("3:1") == .term(field: nil, text: "3:1"))
        // Fuzzy words, sloppy phrases, wildcards, regular expressions and boosts (Lucene's classic syntax).
        #expect(try parse("kazakstan~") == .fuzzy(field: nil, text: "kazakstan", maxEdits: 2))
        #expect(try parse("title:oil~1") == .fuzzy(field: "title", text: "oil", maxEdits: 1))
        #expect(try parse("\"saiga steppe\"~3") == .phrase(field: nil, text: "saiga steppe", slop: 3))
        #expect(try parse("te?t") == .wildcard(field: nil, pattern: "te?t"))
        #expect(try parse("*stan") == .wildcard(field: nil, pattern: "*stan"))
        #expect(try parse("k*z*") == .wildcard(field: nil, pattern: "k*z*"))
        #expect(try parse("what\\?") == .term(field: nil, text: "what?"))
        #expect(try parse("te\\?t*") == .prefix(field: nil, text: "te?t"))
        #expect(try parse("/ka[sz]akh?stan/") == .regex(field: nil, pattern: "ka[sz]akh?stan"))
        #expect(try parse("body:/a\\/b/") == .regex(field: "body", pattern: "a\\/b"))
        #expect(try parse("km/h") == .term(field: nil, text: "km/h"))
        #expect(try parse("oil^2") == .boost(.term(field: nil, text: "oil"), 2))
        #expect(try parse("oil~1^0.5") == .boost(.fuzzy(field: nil, text: "oil", maxEdits: 1), 0.5))
        #expect(try parse("\"a b\"~2^3") == .boost(.phrase(field: nil, text: "a b", slop: 2), 3))
        #expect(
            try parse("(oil gas)^2 -x")
                == .boolean([
                    C(
                        .should,
                        .boost(
                            .boolean([
                                C(.should, .term(field: nil, text: "oil")), C(.should, .term(field: nil, text: "gas")),
                            ]),
                            2)),
                    C(.mustNot, .term(field: nil, text: "x")),
                ]))
        #expect(
            try parse("title:(oil gas)^2")
                == .boost(
                    .boolean([
                        C(.should, .term(field: "title", text: "oil")), C(.should, .term(field: "title", text: "gas")),
                    ]), 2))
        #expect(try parse("*:*^2") == .boost(.all, 2))
    }

    @Test(arguments: [
        ("", 0), ("title:(saiga", 6), ("\"unterminated", 0), ("a AND", 5), (")", 0), ("foo:bar", 0),
        ("a AND OR b", 6), ("(a b", 0), ("()", 0), ("*", 0), ("**", 0), ("title:", 6), ("OR a", 0),
        // Fuzzy, proximity and boosts: malformed suffixes point at their '~' or '^'.
        ("oil~3", 3), ("oil~1.5", 3), ("\"a b\"~", 5), ("\"a b\"~0.5", 5), ("oil^", 3), ("oil^x", 3),
        ("oil^2~1", 5), ("oil~1^2x", 7), ("~oil", 0), ("^2", 0), ("(a b)~2", 5), ("kazakh*~1", 7),
        ("/unterminated", 0), ("a /b", 2),
    ])
    func errorsPointAtThePosition(query: String, column: Int) {
        do {
            _ = try parser.parse(query)
            Issue.record("expected an error for \(query)")
        } catch {
            #expect(error.code == .invalidQuery, "\(query): \(error)")
            #expect(error.offset == column, "\(query): \(error.message)")
        }
    }

    @Test func limits() {
        let long = String(repeating: "a ", count: QueryParser.maxQueryLength)
        #expect(throws: SaigaError.self) { try parser.parse(long) }
        let deep = String(repeating: "(", count: 10_000) + "a" + String(repeating: ")", count: 10_000)
        #expect(throws: SaigaError.self) { try parser.parse(deep) }
        let many = (0..<(QueryParser.maxLeaves + 1)).map { "w\($0)" }.joined(separator: " ")
        #expect(throws: SaigaError.self) { try parser.parse(many) }
        let ok = (0..<QueryParser.maxLeaves).map { "w\($0)" }.joined(separator: " ")
        #expect(throws: Never.self) { try parser.parse(ok) }
    }

    @Test func rewriting() throws {
        let rewriter = QueryRewriter(analyzer: Analyzer())
        // A hyphenated word becomes a phrase on each default field.
        let node = try rewriter.rewrite(try parse("Kassym-Jomart"))
        let phrase = { (f: Int) in
            QueryNode.phrase(field: f, terms: [Array("kassym".utf8), Array("jomart".utf8)], offsets: [0, 1], slop: 0)
        }
        #expect(node == .boolean(must: [], should: [phrase(1), phrase(2)], mustNot: []))
        // Words that analyze to nothing are dropped; a query of nothing matches nothing.
        #expect(try rewriter.rewrite(try parse("!!! ...")) == QueryNode.none)
        // Pure negation: every document but those.
        let saiga = QueryNode.boolean(
            must: [], should: [.term(field: 1, term: Array("saiga".utf8)), .term(field: 2, term: Array("saiga".utf8))],
            mustNot: [])
        #expect(
            try rewriter.rewrite(try parse("-saiga"))
                == .boolean(must: [.structured(.all)], should: [], mustNot: [saiga]))
        #expect(
            try rewriter.rewrite(try parse("NOT saiga"))
                == .boolean(must: [.structured(.all)], should: [], mustNot: [saiga]))
        // Boosts wrap what they weigh; on a clause that scores nothing they are dropped.
        #expect(
            try rewriter.rewrite(try parse("title:saiga^2")) == .boosted(.term(field: 1, term: Array("saiga".utf8)), 2))
        #expect(try rewriter.rewrite(try parse("*:*^3")) == .structured(.all))
        // A phrase with slop keeps it; one word with slop is that word.
        #expect(
            try rewriter.rewrite(try parse("title:\"saiga steppe\"~2"))
                == .phrase(field: 1, terms: [Array("saiga".utf8), Array("stepp".utf8)], offsets: [0, 1], slop: 2))
        #expect(try rewriter.rewrite(try parse("title:\"saiga\"~2")) == .term(field: 1, term: Array("saiga".utf8)))
        // Scoped term.
        #expect(try rewriter.rewrite(try parse("title:Saigas")) == .term(field: 1, term: Array("saiga".utf8)))
    }
}
