import CoreCache
import CoreProtocols
import CoreTestKit
import Foundation
import MetricsTestKit
import Testing

/// The manager on the real tiers: a `redis-server` the test starts (so it can
/// kill and restart it) and SQLite files in a temporary directory.
@Suite(.timeLimit(.minutes(2)))
struct CacheManagerTierIntegrationTests {
    let fixture: SQLiteTierFixture
    let metrics = TestMetrics()

    init() throws {
        fixture = try SQLiteTierFixture()
    }

    func manager(l2: RedisCacheTier, l3: SQLiteCacheTier) throws -> CacheManager {
        var configuration = CacheManagerConfiguration()
        configuration.tierPolicy.ttlJitter = 0
        return try CacheManager(configuration: configuration, l2: l2, l3: l3, clock: fixture.clock, metricsFactory: metrics)
    }

    @Test func redisKilledAndRestartedReadsFallThroughWritesAreSkippedAndThePoolRecovers() async throws {
        let server = try await RedisServerProcess()
        let pool = try RedisConnectionPool(configuration: try server.configuration(), poolConfiguration: .init(connections: 2))
        let l2 = try RedisCacheTier(pool: pool, configuration: RedisTierConfiguration(namespace: "mgr-fault"))
        let l3 = try await fixture.open()
        let writer = try manager(l2: l2, l3: l3)
        try await writer.set("doc:1", "first", options: CacheEntryOptions(ttl: .seconds(7_200)))
        #expect(try await l2.get("doc:1") != nil)

        server.kill()
        let reader = try manager(l2: l2, l3: l3)
        #expect(try await reader.get("doc:1", as: String.self) == "first", "L2 is down: read from L3")
        try await reader.set("doc:2", "second", options: CacheEntryOptions(ttl: .seconds(7_200)))
        #expect(try await l3.get("doc:2") != nil, "L3 took the write")
        #expect(try metrics.expectCounter("whale_cache_tier_errors", [("tier", "l2"), ("op", "get")]).totalValue >= 1)
        #expect(try metrics.expectCounter("whale_cache_tier_errors", [("tier", "l2"), ("op", "set")]).totalValue >= 1)
        let loaded = try await reader.get("doc:3", as: String.self) { "from the loader" }
        #expect(loaded == "from the loader", "no caller sees the outage")

        try await server.start()
        var recovered = false
        for _ in 0..<50 where !recovered {
            try await reader.set("doc:4", "fourth", options: CacheEntryOptions(ttl: .seconds(7_200)))
            recovered = (try? await l2.get("doc:4")) != nil
            if !recovered { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(recovered, "the pool reconnected on its own")
        try await l3.close()
        await pool.close()
    }

    @Test func aThousandConcurrentMissesOnRealTiersCallTheLoaderOnce() async throws {
        let server = try await RedisServerProcess()
        let pool = try RedisConnectionPool(configuration: try server.configuration())
        let l2 = try RedisCacheTier(pool: pool, configuration: RedisTierConfiguration(namespace: "mgr-flight"))
        let l3 = try await fixture.open()
        let cache = try manager(l2: l2, l3: l3)
        let loader = CountingLoader()
        let gate = AsyncGate()
        let results = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<1_000 {
                group.addTask {
                    try await cache.get("hot", as: String.self) {
                        await gate.wait()
                        return try await loader.load("value")
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(200))
            gate.open()
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(results.count == 1_000 && results.allSatisfy { $0 == "value" })
        #expect(loader.count == 1)
        let stored = try #require(try await pool.send(arguments: [Array("GET".utf8), Array("mgr-flight:v1:k:hot".utf8)]).bytes)
        #expect(String(decoding: stored, as: UTF8.self).hasSuffix("\n\"value\""), "redis-cli sees the envelope")
        try await l3.close()
        await pool.close()
    }
}
