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
    }

    @Test(arguments: [
        ("", 0), ("title:(saiga", 6), ("\"unterminated", 0), ("a AND", 5), (")", 0), ("foo:bar", 0),
        ("a AND OR b", 6), ("(a b", 0), ("()", 0), ("wild*card", 4), ("*", 0), ("fuzzy~2", 5), ("boost^2", 5),
        ("title:", 6), ("OR a", 0),
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
            QueryNode.phrase(field: f, terms: [Array("kassym".utf8), Array("jomart".utf8)], offsets: [0, 1])
        }
        #expect(node == .boolean(must: [], should: [phrase(1), phrase(2)], mustNot: []))
        // Words that analyze to nothing are dropped; a query of nothing matches nothing.
        #expect(try rewriter.rewrite(try parse("!!! ???")) == QueryNode.none)
        // Pure negation is an error.
        #expect(throws: SaigaError.self) { try rewriter.rewrite(try parse("-saiga")) }
        // Scoped term.
        #expect(try rewriter.rewrite(try parse("title:Saigas")) == .term(field: 1, term: Array("saiga".utf8)))
    }
}
