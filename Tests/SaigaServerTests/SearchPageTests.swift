// The search page of `saiga serve --http`, in a real browser: Debian's headless Chromium, driven over its DevTools
// pipe by Tests/SaigaServerTests/browser/drive_search_page.py, types a query, reads the DOM, clicks a facet, pages,
// and saves a screenshot (.build/test-artifacts/search-page.png).

import Foundation
import Saiga
import Testing

private let driver = packageRoot.appendingPathComponent("Tests/SaigaServerTests/browser/drive_search_page.py")

/// Chromium, where Debian puts it; nil when it is not installed.
private func chromium() -> String? {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// 25 documents about a steppe in two regions; one has markup in its title and body, which must stay text.
private func pageIndex(in dir: URL) async throws -> URL {
    let input = dir.appendingPathComponent("page.jsonl")
    var lines: [String] = []
    for i in 0..<25 {
        let region = i % 3 == 0 ? "north" : "south"
        let title = i == 7 ? "<img src=x onerror=alert(1)> Steppe \(i)" : "Steppe report \(i)"
        let body =
            i == 7
            ? "<script>document.title='owned'</script> steppe, steppe: the steppe at night"
            : "the steppe and its saiga herd \(i)"
        lines.append(
            "{\"id\":\"p\(i)\",\"title\":\(jsonQuoted(title)),\"body\":\(jsonQuoted(body)),\"region\":[\"\(region)\"]}")
    }
    try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
    let index = dir.appendingPathComponent("idx")
    try await buildIndex([input], at: index)
    return index
}

private func jsonQuoted(_ s: String) -> String {
    String(decoding: try! JSONEncoder().encode(s), as: UTF8.self)
}

@Suite struct SearchPageTests {
    @Test func aBrowserSearchesFiltersAndPages() async throws {
        guard chromium() != nil else {
            let why: Comment =
                "chromium is not installed, so the search page cannot be tested in a browser: .ci/run installs it (Debian: apt-get install chromium)"
            Issue.record(why)
            return
        }
        try await withTempDir { dir in
            let index = try await pageIndex(in: dir)
            let artifacts = packageRoot.appendingPathComponent(".build/test-artifacts")
            try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
            for token in [nil, "page-t0k"] as [String?] {
                var options = ["--quiet", "--http", "127.0.0.1:0"]
                if let token { options += ["--token", token] }
                try await withServer(index: index, options) { server in
                    let shot = artifacts.appendingPathComponent(
                        token == nil ? "search-page.png" : "search-page-token.png")
                    try? FileManager.default.removeItem(at: shot)
                    var args = [driver.path, "http://127.0.0.1:\(server.httpPort)/", "steppe", shot.path]
                    if let token { args += ["--token", token] }
                    let run = try await run("/usr/bin/env", ["python3"] + args, timeout: 90)
                    #expect(run.succeeded, "\(run)")
                    let page = try parseJSONObject(run.stdout)
                    #expect(page["typed"] as? String == "steppe")
                    let first = page["first"] as? [String: Any] ?? [:]
                    #expect(first["total"] as? Int == 25, "\(first)")
                    let hits = first["hits"] as? [[String: Any]] ?? []
                    #expect(hits.count == 10)
                    for h in hits {
                        let marks = h["marks"] as? [String] ?? []
                        #expect(marks.contains { $0.lowercased() == "steppe" }, "no highlighted word in \(h)")
                        #expect(h["scripts"] as? Int == 0)
                    }
                    // Markup in a document is shown as text, never run.
                    let injected = hits.first { $0["id"] as? String == "p7" }
                    #expect(injected != nil, "the document with markup is not on the first page: \(hits)")
                    #expect((injected?["title"] as? String)?.hasPrefix("<img src=x") == true)
                    #expect(first["docTitle"] as? String == "Saiga search")
                    let facets = first["facets"] as? [[String: Any]] ?? []
                    let labels = Set(facets.compactMap { $0["label"] as? String })
                    #expect(labels == ["north", "south"], "\(facets)")
                    // Clicking the first bucket filters to its documents.
                    let clicked = facets.first
                    let filtered = page["filtered"] as? [String: Any] ?? [:]
                    #expect(filtered["total"] as? Int == clicked?["count"] as? Int, "\(filtered)")
                    let region = clicked?["label"] as? String ?? ""
                    let reader = try IndexReader(path: index.path)
                    for h in filtered["hits"] as? [[String: Any]] ?? [] {
                        let id = h["id"] as? String ?? ""
                        let doc = try reader.document(id: id)
                        #expect(doc?.fields.contains { $0.name == "region" && $0.value.description == region } == true)
                    }
                    #expect((filtered["chips"] as? [String] ?? []).count == 1)
                    // The next page: offset 10, ten more hits, none of the first page's.
                    let next = page["next"] as? [String: Any] ?? [:]
                    #expect(next["offset"] as? Int == 10)
                    let nextIDs = Set((next["hits"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
                    #expect(nextIDs.count == 10)
                    #expect(nextIDs.isDisjoint(with: hits.compactMap { $0["id"] as? String }))
                    let png = try Data(contentsOf: shot)
                    #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000)
                }
            }
        }
    }

    /// The page is served without a token (it holds no data); its searches need one when the server has one.
    @Test func thePageIsStaticAndSearchesNeedTheToken() async throws {
        try await withTempDir { dir in
            let index = try await pageIndex(in: dir)
            try await withServer(index: index, ["--quiet", "--http", "127.0.0.1:0", "--token", "page-t0k"]) { server in
                let base = "http://127.0.0.1:\(server.httpPort)"
                let page = try await run("/usr/bin/curl", ["-s", "-i", base + "/"])
                #expect(page.stdout.hasPrefix("HTTP/1.1 200 OK"))
                #expect(page.stdout.contains("Content-Security-Policy:"))
                #expect(page.stdout.contains("\"needsToken\":true") && page.stdout.contains("auto_facets"))
                #expect(!page.stdout.contains("region"), "the page names a field to anyone")
                let bare = try await run(
                    "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", base + "/search?q=steppe"])
                #expect(bare.stdout == "401")
                let marked = try await run(
                    "/usr/bin/curl",
                    ["-s", "-H", "Authorization: Bearer page-t0k", base + "/search?q=steppe&k=1&pre=%01&post=%02"])
                #expect(marked.stdout.contains("\\u0001steppe\\u0002"), "\(marked.stdout)")
            }
        }
    }
}
