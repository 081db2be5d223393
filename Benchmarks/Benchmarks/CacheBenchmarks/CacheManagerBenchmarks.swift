import Benchmark
import CoreCache

/// Issue 4: the manager's `get` on an L1 hit beside the raw L1 hit it wraps
/// (the same `MemoryCache`, the same keys), single task.
func cacheManagerBenchmarks() {
    let keys = (0..<1_024).map { "user:\($0)" }
    let manager: CacheManager
    do {
        manager = try CacheManager()
    } catch {
        print("cannot configure the cache manager benchmarks: \(error)")
        return
    }
    Benchmark("L1 raw hit (baseline for the manager)") { benchmark in
        try await fill(manager, keys)
        guard let l1 = manager.l1 else { return }
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            blackHole(l1.get(keys[index & 1_023]))
        }
    }
    Benchmark("Manager get, L1 hit") { benchmark in
        try await fill(manager, keys)
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            blackHole(try await manager.get(keys[index & 1_023], as: String.self))
        }
    }
}

private func fill(_ manager: CacheManager, _ keys: [String]) async throws {
    for key in keys { try await manager.set(key, key, options: CacheEntryOptions(tiers: [.l1])) }
}
