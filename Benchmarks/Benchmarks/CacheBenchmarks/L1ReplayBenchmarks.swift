import Benchmark
import CoreCache
import Foundation
import Synchronization

/// Hit ratios of ``MemoryCache`` itself (not the policy alone, as in
/// `whale cache simulate`) at the default read maintenance share (1/4) beside 1/16:
/// each request is a `get` and, on a miss, a `set`, on one thread at full
/// speed, so the read buffer drops what the share does not let readers drain.
/// The figure is the custom metric "hit ratio (0.01 %)". Traces: the ARC
/// paper's OLTP (Megiddo and Modha, "ARC: A Self-Tuning, Low Overhead
/// Replacement Cache", FAST 2003) from `../shared/testdata`, and 5 million
/// Zipf(0.99) requests over 100 000 keys.
func l1ReplayBenchmarks() {
    let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let oltpPath = root.appendingPathComponent("../shared/testdata/cache-traces/OLTP.lis.zst").standardized.path
    let hitRatio = BenchmarkMetric.custom("hit ratio (0.01 %)", polarity: .prefersLarger, useScalingFactor: false)
    let configuration = Benchmark.Configuration(
        metrics: [hitRatio],
        scalingFactor: .one,
        maxDuration: .seconds(10),
        maxIterations: 1
    )
    let shares: [(name: String, value: Double?)] = [("default share", nil), ("share 1/16", 1.0 / 16)]
    let traces: [(name: String, keys: L1ReplayKeys, capacities: [Int])] = [
        ("OLTP", L1ReplayKeys { try CacheSimulator.readTrace(path: oltpPath) }, [250, 1_000, 2_000]),
        ("Zipf 0.99", L1ReplayKeys { zipfKeys(count: 5_000_000, universe: 100_000) }, [1_000, 10_000]),
    ]
    for trace in traces {
        for capacity in trace.capacities {
            for share in shares {
                Benchmark("L1 replay, \(trace.name), \(capacity) entries, \(share.name)", configuration: configuration) {
                    benchmark in
                    let keys = try trace.keys.load()
                    var cacheConfiguration = MemoryCacheConfiguration<UInt64, Int>(maximumEntries: capacity)
                    if let value = share.value { cacheConfiguration.readMaintenanceShare = value }
                    let cache = try MemoryCache(configuration: cacheConfiguration)
                    var hits = 0
                    for key in keys {
                        if cache.get(key) != nil { hits += 1 } else { try cache.set(key, 1) }
                    }
                    benchmark.measurement(hitRatio, hits * 10_000 / max(keys.count, 1))
                }
            }
        }
    }
}

/// A trace's keys, made on first use and kept for the trace's other rows
/// (nothing is read or generated when no replay row runs).
private final class L1ReplayKeys: Sendable {
    private let make: @Sendable () throws -> [UInt64]
    private let keys = Mutex<[UInt64]?>(nil)

    init(_ make: @escaping @Sendable () throws -> [UInt64]) { self.make = make }

    func load() throws -> [UInt64] {
        try keys.withLock { keys in
            if let keys { return keys }
            let made = try make()
            keys = made
            return made
        }
    }
}

/// `count` requests drawn from Zipf(0.99) over `universe` keys (a fixed seed),
/// spread over the 64-bit key space.
private func zipfKeys(count: Int, universe: Int) -> [UInt64] {
    var cumulative = [Double](repeating: 0, count: universe)
    var total = 0.0
    for rank in 0..<universe {
        total += 1 / pow(Double(rank + 1), 0.99)
        cumulative[rank] = total
    }
    var generator = L1BenchmarkRandom(seed: 99)
    return (0..<count).map { _ in
        let target = Double(generator.next() >> 11) / Double(1 << 53) * total
        var low = 0
        var high = universe - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return UInt64(low) &* 0x9E37_79B9_7F4A_7C15
    }
}
