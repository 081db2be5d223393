// swift-tools-version:6.1
import PackageDescription

/// One set of Swift settings for every Swift target (STYLE.md): Swift 6 mode,
/// existential `any`, member import visibility and internal imports by default.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// The library modules. None of them may depend on another one: they meet only
/// through `CoreProtocols` (ARCHITECTURE.md; `scripts/check-module-deps` enforces it).
let lifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let modules: [(name: String, dependencies: [Target.Dependency])] = [
    ("CoreCache", ["CWhaleRedis", "CWhaleSQLite", "CWhaleZstd", lifecycle]),
    ("CoreResources", []),
    ("CoreResilience", []),
    ("CoreMonitoring", []),
    ("CoreLogging", []),
    ("CoreSecurity", ["CWhaleOpenSSL", "CWhaleSQLite"]),
    ("CoreUtils", ["CWhaleMath", lifecycle]),
    ("Messaging", ["CWhaleKafka", lifecycle]),
]

let log: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")

var targets: [Target] = [
    .systemLibrary(
        name: "CWhaleKafka",
        pkgConfig: "rdkafka",
        providers: [.apt(["librdkafka-dev"]), .brew(["librdkafka"])]
    ),
    .systemLibrary(
        name: "CWhaleRedis",
        pkgConfig: "hiredis",
        providers: [.apt(["libhiredis-dev"]), .brew(["hiredis"])]
    ),
    .systemLibrary(
        name: "CWhaleSQLite",
        pkgConfig: "sqlite3",
        providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
    ),
    .systemLibrary(
        name: "CWhaleZstd",
        pkgConfig: "libzstd",
        providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]
    ),
    .systemLibrary(
        name: "CWhaleOpenSSL",
        pkgConfig: "openssl",
        providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
    ),
    // Dense matrix kernels for CoreUtils' Matrix (AVX2/FMA when the CPU has them, portable C otherwise; no BLAS).
    .target(name: "CWhaleMath", path: "Sources/CWhaleMath"),
    .target(name: "CoreProtocols", dependencies: [log, metrics]),
    .target(name: "CoreTestKit", dependencies: ["CoreProtocols"]),
    .executableTarget(
        name: "whale",
        dependencies: ["CoreProtocols"] + modules.map { .byName(name: $0.name) } + [
            log, metrics,
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]
    ),
    // Test support: C11 thrd_create through pthread_create, so librdkafka's
    // threads run under ThreadSanitizer (Tests/CWhaleTestThreads/thrd_create.c).
    .target(name: "CWhaleTestThreads", path: "Tests/CWhaleTestThreads"),
    .testTarget(name: "CoreProtocolsTests", dependencies: ["CoreProtocols"]),
    .testTarget(name: "CoreTestKitTests", dependencies: ["CoreTestKit", "CoreProtocols"]),
    .testTarget(
        name: "WhaleTests",
        dependencies: [
            "whale", "CoreTestKit", "CoreProtocols", "CoreCache", "CoreMonitoring", "Messaging", log, "CWhaleTestThreads",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]
    ),
]
for module in modules {
    targets.append(.target(name: module.name, dependencies: ["CoreProtocols", log, metrics] + module.dependencies))
    targets.append(
        .testTarget(
            name: "\(module.name)Tests",
            dependencies: [
                .byName(name: module.name), "CoreProtocols", "CoreTestKit",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ] + (module.name == "Messaging" ? ["CWhaleTestThreads"] : [])
                + (["CoreCache", "CoreUtils", "Messaging"].contains(module.name) ? [lifecycle] : []),
            // Messaging's JSON fixtures and the Python interop peer are read from the source tree by path.
            exclude: module.name == "Messaging" ? ["Fixtures", "Interop/interop_peer.py"] : []
        )
    )
}
for target in targets where target.type != .system && !target.name.hasPrefix("CWhale") {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}

let package = Package(
    name: "smart-whale-core",
    platforms: [.macOS(.v15)],
    products: [.library(name: "CoreProtocols", targets: ["CoreProtocols"])]
        + modules.map { .library(name: $0.name, targets: [$0.name]) }
        + [
            .library(name: "CoreTestKit", targets: ["CoreTestKit"]),
            .executable(name: "whale", targets: ["whale"]),
        ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: targets
)
