// swift-tools-version:6.1
import PackageDescription

// Benchmarks live in their own package so the library never depends on the
// benchmark tool. Run them with `make bench` (or `swift package benchmark` here).
let package = Package(
    name: "smart-whale-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "smart-whale-core", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(
            name: "CSQLiteBaseline",
            path: "Sources/CSQLiteBaseline",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        // Helpers shared by the benchmark executables (CountDown).
        .target(name: "BenchmarkSupport", path: "Sources/BenchmarkSupport", swiftSettings: [.swiftLanguageMode(.v6)]),
        .executableTarget(
            name: "CacheBenchmarks",
            dependencies: [
                "CSQLiteBaseline",
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "CoreProtocols", package: "smart-whale-core"),
                .product(name: "CoreCache", package: "smart-whale-core"),
            ],
            path: "Benchmarks/CacheBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "CoreBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "CoreProtocols", package: "smart-whale-core"),
                .product(name: "CoreSecurity", package: "smart-whale-core"),
                .product(name: "CoreCache", package: "smart-whale-core"),
            ],
            path: "Benchmarks/CoreBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "MessagingBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "CoreProtocols", package: "smart-whale-core"),
                .product(name: "Messaging", package: "smart-whale-core"),
            ],
            path: "Benchmarks/MessagingBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "ResilienceBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "CoreProtocols", package: "smart-whale-core"),
                .product(name: "CoreResilience", package: "smart-whale-core"),
            ],
            path: "Benchmarks/ResilienceBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "UtilsBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "CoreProtocols", package: "smart-whale-core"),
                .product(name: "CoreUtils", package: "smart-whale-core"),
            ],
            path: "Benchmarks/UtilsBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
