// swift-tools-version:6.2
import PackageDescription

// Saiga: a full-text search engine. See README.md and docs/.
//
// Targets follow docs/ARCHITECTURE.md: the embedded engine `Saiga` (no sockets), zlib through a system library
// target, the `saiga` command-line tool in Tools/saiga and the benchmark driver in Benchmarks/.
let package = Package(
    name: "Saiga",
    products: [
        .library(name: "Saiga", targets: ["Saiga"]),
        .executable(name: "saiga", targets: ["saiga"]),
        .executable(name: "saiga-bench", targets: ["saiga-bench"]),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "Saiga",
            dependencies: ["CZlib"],
            path: "Sources/Saiga"
        ),
        .executableTarget(
            name: "saiga",
            dependencies: ["Saiga"],
            path: "Tools/saiga"
        ),
        .executableTarget(
            name: "saiga-bench",
            dependencies: ["Saiga"],
            path: "Benchmarks/saiga-bench"
        ),
        .testTarget(
            name: "SaigaTests",
            dependencies: ["Saiga"],
            path: "Tests/SaigaTests",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "SaigaAPITests",
            dependencies: ["Saiga"],
            path: "Tests/SaigaAPITests"
        ),
        .testTarget(
            name: "SaigaCLITests",
            dependencies: ["saiga"],
            path: "Tests/SaigaCLITests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
