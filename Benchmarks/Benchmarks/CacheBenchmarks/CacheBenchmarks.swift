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
    redisTierBenchmarks()
    sqliteTierBenchmarks()
    cacheManagerBenchmarks()
}
