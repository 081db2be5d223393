import Benchmark
import CoreCache

/// Issue 4: the manager's `get` on an L1 hit beside the raw L1 hit it wraps
/// (the same `MemoryCache`, the same keys), single task. The keys are stored
/// once, before each benchmark's iterations (storing them again in every
/// iteration put a thousand JSON encodings and policy writes beside the
/// thousand lookups measured, whose cache misses and pending maintenance
/// then spilled into the measurement); an iteration is a million lookups.
func cacheManagerBenchmarks() {
    let keys = (0..<1_024).map { "user:\($0)" }
    let manager: CacheManager
    do {
        manager = try CacheManager()
    } catch {
        print("cannot configure the cache manager benchmarks: \(error)")
        return
    }
    let configuration = Benchmark.Configuration.millionLookups
    Benchmark("L1 raw hit (baseline for the manager)", configuration: configuration) { benchmark in
        guard let l1 = manager.l1 else { return }
        for index in benchmark.scaledIterations {
            blackHole(l1.get(keys[index & 1_023]))
        }
    } setup: {
        try await fill(manager, keys)
    }
    Benchmark("Manager get, L1 hit", configuration: configuration) { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(try await manager.get(keys[index & 1_023], as: String.self))
        }
    } setup: {
        try await fill(manager, keys)
    }
}

private func fill(_ manager: CacheManager, _ keys: [String]) async throws {
    for key in keys { try await manager.set(key, key, options: CacheEntryOptions(tiers: [.l1])) }
}
