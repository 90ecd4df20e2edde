import Foundation

/// A fresh temporary directory, removed by `cleanup()`.
public struct TemporaryDirectory: Sendable {
    public let path: String
    public init(_ name: String = "saiga-test") {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    public func cleanup() { try? FileManager.default.removeItem(atPath: path) }
    public func file(_ name: String) -> String { path + "/" + name }
}

/// The package root, from this file's path (Tests/SaigaTestSupport/TemporaryDirectory.swift).
public let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // SaigaTestSupport
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // package root

/// The bundled corpus: five .txt files that split into 13 articles.
public let corpusDirectory: URL = packageRoot.appendingPathComponent("Index/corpus")
