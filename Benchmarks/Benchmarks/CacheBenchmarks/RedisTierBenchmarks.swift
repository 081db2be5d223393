import Benchmark
import CoreCache
import CoreProtocols

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// GETs per measured iteration of every L2 throughput benchmark, so requests/s
/// = throughput (iterations/s) × this. `scripts/bench-redis` reads the same
/// number to put the figures beside `redis-benchmark`'s.
let redisGetsPerIteration = 4_096

/// The key `redis-benchmark -t get` reads (`key:__rand_int__` without `-r`);
/// `scripts/bench-redis` and these benchmarks store the same 3-byte value
/// (`-d 3`, its default) under it and under the tier's key.
private let redisBenchmarkValue: [UInt8] = Array("xxx".utf8)

/// Issue 4's L2 figures against the Redis at `WHALE_REDIS_URL`; their
/// baselines are `redis-benchmark -t get -P 16` and `-c 64` on the same
/// server, which `scripts/bench-redis` runs and prints beside them.
func redisTierBenchmarks() {
    guard let url = getenv("WHALE_REDIS_URL").map({ String(cString: $0) }), !url.isEmpty else {
        print("RedisTierBenchmarks: WHALE_REDIS_URL is not set; the L2 benchmarks need a live Redis (run scripts/bench-redis)")
        return
    }
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .one,
        maxDuration: .seconds(3),
        maxIterations: 1_000
    )

    /// A tier over a pool of `connections`, with the benchmark key written.
    @Sendable func makeTier(connections: Int) async throws -> RedisCacheTier {
        let pool = try RedisConnectionPool(
            configuration: try RedisConfiguration(url: url),
            poolConfiguration: RedisConnectionPoolConfiguration(connections: connections),
            name: "bench-\(connections)"
        )
        try await pool.connect()
        let tier = try RedisCacheTier(pool: pool, configuration: RedisTierConfiguration(namespace: "bench", defaultTTL: .seconds(600)))
        try await tier.set("key:__rand_int__", value: redisBenchmarkValue, ttl: nil)
        return tier
    }

    // Pipelined: 50 tasks, each sending rounds of 16 GETs in one pipeline, the
    // baseline's shape (redis-benchmark -P 16 keeps 16 GETs in flight on each
    // of its 50 clients, -c's default).
    Benchmark("L2 pipelined GET, 16 per round trip", configuration: configuration) { benchmark, tier in
        let round = [[[UInt8]]](repeating: [Array("GET".utf8), tier.redisKey(for: "key:__rand_int__")], count: 16)
        for _ in benchmark.scaledIterations {
            try await concurrently(tasks: 50, calls: redisGetsPerIteration / 16) {
                blackHole(try await tier.pool.pipeline(round))
            }
        }
    } setup: {
        try await makeTier(connections: 8)
    }

    // Not pipelined: 64 tasks, each awaiting one GET at a time through the
    // tier (redis-benchmark -c 64: 64 connections, one GET in flight each),
    // over the default pool (8 connections: GETs that queue on a busy
    // connection share its next write) …
    Benchmark("L2 GET, 64 concurrent tasks", configuration: configuration) { benchmark, tier in
        for _ in benchmark.scaledIterations {
            try await concurrently(tasks: 64, calls: redisGetsPerIteration) {
                blackHole(try await tier.get("key:__rand_int__"))
            }
        }
    } setup: {
        try await makeTier(connections: RedisConnectionPoolConfiguration.default.connections)
    }
    // … and, for comparison, over 64 connections (a thread each, one GET per write).
    Benchmark("L2 GET, 64 concurrent tasks, 64 connections", configuration: configuration) { benchmark, tier in
        for _ in benchmark.scaledIterations {
            try await concurrently(tasks: 64, calls: redisGetsPerIteration) {
                blackHole(try await tier.get("key:__rand_int__"))
            }
        }
    } setup: {
        try await makeTier(connections: 64)
    }

    // One task, one GET at a time: the round trip through the pool.
    Benchmark("L2 GET, 1 task, 256 in a row", configuration: configuration) { benchmark, tier in
        for _ in benchmark.scaledIterations {
            for _ in 0..<256 {
                blackHole(try await tier.get("key:__rand_int__"))
            }
        }
    } setup: {
        try await makeTier(connections: 1)
    }
}

/// Runs `body` `calls` times in total, split evenly over `tasks` concurrent tasks.
private func concurrently(tasks: Int, calls: Int, _ body: @escaping @Sendable () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for task in 0..<tasks {
            // Exactly `calls` in all: the first `calls % tasks` tasks take one more.
            let share = calls / tasks + (task < calls % tasks ? 1 : 0)
            group.addTask {
                for _ in 0..<share {
                    try await body()
                }
            }
        }
        try await group.waitForAll()
    }
}
