import Saiga
import SaigaServer
import SaigaTestSupport
import Testing

/// The server refuses settings outside the ranges `ServerConfiguration` declares (the same ranges `saiga serve`
/// checks its options against), naming them.
@Suite struct ServerConfigurationTests {
    @Test func settingsOutOfRangeAreRefused() throws {
        let dir = TemporaryDirectory("saiga-config")
        defer { dir.cleanup() }
        let writer = try IndexWriter(path: dir.path)
        try writer.add(Document(id: "a", body: "steppe"))
        try writer.commit()
        writer.close()
        var cases: [(String, (inout ServerConfiguration) -> Void)] = [
            ("workers 0", { $0.workers = 0 }),
            ("workers past the range", { $0.workers = ServerConfiguration.workersRange.upperBound + 1 }),
            ("no connections", { $0.maxConnections = 0 }),
            (
                "in flight past the range",
                { $0.maxInFlightPerConnection = ServerConfiguration.maxInFlightRange.upperBound + 1 }
            ),
            ("tiny frames", { $0.maxFrameLength = 63 }),
            ("huge frames", { $0.maxFrameLength = ServerConfiguration.frameLengthRange.upperBound + 1 }),
            ("negative spin", { $0.spinMicroseconds = -1 }),
        ]
        cases.append(("zero handshake timeout", { $0.handshakeTimeout = .zero }))
        for (name, change) in cases {
            var config = ServerConfiguration()
            config.logging = false
            change(&config)
            #expect(Comment(rawValue: name)) {
                _ = try SaigaServer(indexPath: dir.path, configuration: config)
            } throws: { error in
                (error as? SaigaError)?.code == .invalidArgument
                    && ((error as? SaigaError)?.message.contains("workers 1...256") ?? false)
            }
        }
        var config = ServerConfiguration()
        config.logging = false
        #expect(ServerConfiguration.workersRange.contains(config.workers), "the default is in range")
        _ = try SaigaServer(indexPath: dir.path, configuration: config)
    }
}
