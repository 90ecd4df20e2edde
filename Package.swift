// swift-tools-version:6.2
import PackageDescription

// Saiga: a full-text search engine. See README.md and docs/.
//
// Targets follow docs/ARCHITECTURE.md: the embedded engine `Saiga` (no sockets), its input layer `SaigaIngest`
// (corpus files, JSON lines, articles), zlib through a system library target, the protocol codec, server and
// client, the `saiga` command-line tool in Tools/saiga and the benchmark driver in Benchmarks/.
let package = Package(
    name: "Saiga",
    products: [
        .library(name: "Saiga", targets: ["Saiga"]),
        .library(name: "SaigaWire", targets: ["SaigaWire"]),
        .library(name: "SaigaServer", targets: ["SaigaServer"]),
        .library(name: "SaigaClient", targets: ["SaigaClient"]),
        .executable(name: "saiga", targets: ["saiga"]),
        .executable(name: "saiga-bench", targets: ["saiga-bench"]),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The POSIX layer: every syscall of the engine, the server and the client (package access only).
        .target(
            name: "SaigaPosix",
            dependencies: ["CSaigaShims"],
            path: "Sources/SaigaPosix"
        ),
        .target(
            name: "Saiga",
            dependencies: ["CZlib", "SaigaPosix"],
            path: "Sources/Saiga"
        ),
        .target(
            name: "SaigaIngest",
            dependencies: ["Saiga", "SaigaPosix", "CZlib"],
            path: "Sources/SaigaIngest"
        ),
        .target(
            name: "CSaigaShims",
            path: "Sources/CSaigaShims"
        ),
        .target(
            name: "SaigaWire",
            path: "Sources/SaigaWire"
        ),
        .target(
            name: "SaigaServer",
            dependencies: ["Saiga", "SaigaIngest", "SaigaWire", "SaigaPosix"],
            path: "Sources/SaigaServer"
        ),
        .target(
            name: "SaigaClient",
            dependencies: ["SaigaWire", "SaigaPosix"],
            path: "Sources/SaigaClient"
        ),
        .executableTarget(
            name: "saiga",
            dependencies: ["Saiga", "SaigaIngest", "SaigaPosix", "SaigaServer", "SaigaClient", "SaigaWire"],
            path: "Tools/saiga"
        ),
        .executableTarget(
            name: "saiga-bench",
            dependencies: ["Saiga", "SaigaIngest", "SaigaPosix", "SaigaClient", "SaigaWire"],
            path: "Benchmarks/saiga-bench"
        ),
        // Shared by the test targets: seeded randomness, temporary directories, the package's own paths.
        .target(
            name: "SaigaTestSupport",
            path: "Tests/SaigaTestSupport"
        ),
        .testTarget(
            name: "SaigaTests",
            dependencies: ["Saiga", "SaigaTestSupport"],
            path: "Tests/SaigaTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "SaigaIngestTests",
            dependencies: ["Saiga", "SaigaIngest", "SaigaTestSupport"],
            path: "Tests/SaigaIngestTests"
        ),
        .testTarget(
            name: "SaigaAPITests",
            dependencies: ["Saiga"],
            path: "Tests/SaigaAPITests"
        ),
        .testTarget(
            name: "SaigaCLITests",
            dependencies: ["saiga", "saiga-bench", "Saiga", "SaigaTestSupport"],
            path: "Tests/SaigaCLITests"
        ),
        .testTarget(
            name: "SaigaWireTests",
            dependencies: ["SaigaWire"],
            path: "Tests/SaigaWireTests"
        ),
        .testTarget(
            name: "SaigaServerTests",
            dependencies: ["saiga", "Saiga", "SaigaClient", "SaigaServer", "SaigaWire", "SaigaTestSupport"],
            path: "Tests/SaigaServerTests",
            // The browser driver of SearchPageTests, run as a script.
            exclude: ["browser"]
        ),
        // The fuzz targets (Tests/Fuzz/README.md): replayed by `swift test`, run under libFuzzer by Tests/Fuzz/fuzz.
        .target(
            name: "SaigaFuzzTargets",
            dependencies: ["Saiga", "SaigaIngest", "SaigaWire"],
            path: "Tests/Fuzz/Targets"
        ),
        .testTarget(
            name: "SaigaFuzzReplayTests",
            dependencies: ["SaigaFuzzTargets"],
            path: "Tests/SaigaFuzzReplayTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)

// The libFuzzer driver exists only for Tests/Fuzz/fuzz (SAIGA_FUZZ=1): libFuzzer supplies its `main`, so an
// ordinary build could not link it.
if Context.environment["SAIGA_FUZZ"] != nil {
    package.targets.append(
        .executableTarget(
            name: "saiga-fuzz",
            dependencies: ["SaigaFuzzTargets"],
            path: "Tests/Fuzz/Driver",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ))
    package.products.append(.executable(name: "saiga-fuzz", targets: ["saiga-fuzz"]))
}
