// Every seed and every crash input of the fuzz targets, replayed (Tests/Fuzz/README.md): what a fuzzer once found
// stays found. Uninstrumented here; `Tests/Fuzz/fuzz` runs the instrumented targets with AddressSanitizer.

import Foundation
import SaigaFuzzTargets
import Testing

private let fuzzDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

/// The inputs of a target: its seed corpus and its crash inputs.
private func inputs(_ target: String) -> [URL] {
    var files: [URL] = []
    for folder in ["Corpus", "Crashes"] {
        let dir = fuzzDirectory.appendingPathComponent(folder).appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        files += names.filter { !$0.hasPrefix(".") }.sorted().map { dir.appendingPathComponent($0) }
    }
    return files
}

@Suite("fuzz inputs replayed")
struct FuzzReplayTests {
    @Test("every seed and crash input of every target runs cleanly", arguments: FuzzTargets.all.map(\.name))
    func replay(_ target: String) throws {
        let run = try #require(FuzzTargets.named(target))
        let files = inputs(target)
        #expect(!files.isEmpty, "no seeds for \(target) in \(fuzzDirectory.path)")
        for file in files {
            let data = try Data(contentsOf: file)
            data.withUnsafeBytes { run($0) }
        }
    }
}
