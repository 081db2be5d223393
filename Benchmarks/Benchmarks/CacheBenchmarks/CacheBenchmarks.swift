import Benchmark

// Issue 4's figures, each beside its baseline, in one run. Each tier keeps its
// benchmarks in its own file.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 100_000
    )
    memoryCacheBenchmarks()
    l1ReplayBenchmarks()
    redisTierBenchmarks()
    sqliteTierBenchmarks()
    cacheManagerBenchmarks()
}

extension Benchmark.Configuration {
    /// The lookup rows' shape: a million lookups an iteration, so the
    /// per-iteration overhead (and a two-thread row's thread start-up) is noise.
    static var millionLookups: Benchmark.Configuration {
        .init(
            metrics: [.wallClock, .mallocCountTotal, .throughput],
            scalingFactor: .mega,
            maxDuration: .seconds(3),
            maxIterations: 200
        )
    }
}
