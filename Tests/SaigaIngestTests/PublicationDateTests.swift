import Foundation
import Saiga
import SaigaTestSupport
import Testing

@testable import SaigaIngest

/// Publication dates stated on a line of their own, and never taken from a sentence.
@Suite struct PublicationDateTests {
    @Test func theThreeFormsParse() throws {
        let expected = try #require(DateValue(parsing: "2025-12-09"))
        for line in [
            "09 December 2025", "9 december 2025", "  9 DECEMBER 2025 ", "December 9, 2025", "December 09, 2025.",
            "2025-12-09", "Tuesday, 9 December 2025", "tuesday, December 9, 2025",
        ] {
            #expect(PublicationDate.parse(line: line) == expected, "\(line)")
        }
        for line in [
            "On December 10, 2023, the world celebrated", "31 February 2025", "December 2025", "9 Dec 2025",
            "2025", "Kazakhstan: A decree on human rights", "[130] OSCE, 10 January 2021,",
            "Someday, 9 December 2025", "9 December 25", "0 December 2025", "",
        ] {
            #expect(PublicationDate.parse(line: line) == nil, "\(line)")
        }
    }

    @Test func theBundledCorpusStatesItsDateOnALine() throws {
        let text = try String(
            contentsOf: corpusDirectory.appendingPathComponent("000_3c8d84578b754a48.txt"),
            encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(PublicationDate.find(in: lines) == DateValue(parsing: "2025-12-09"))
        // A file whose dates are all inside sentences (003: "On March 19, 2023, …") has none.
        let other = try String(
            contentsOf: corpusDirectory.appendingPathComponent("003_c5f1b9d40414082f.txt"),
            encoding: .utf8)
        #expect(PublicationDate.find(in: other.split(separator: "\n")) == nil)
    }
}
