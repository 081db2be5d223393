import CoreCache
import CoreProtocols
import Logging
import ServiceLifecycle
import Testing

/// The Redis pool and the L3 tier as swift-service-lifecycle services: a
/// graceful shutdown of their group closes both, and L3 flushes first.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct CacheServiceLifecycleTests {
    @Test func aGracefulShutdownClosesThePoolAndFlushesL3() async throws {
        let redis = try RedisTestSupport()
        let fixture = try SQLiteTierFixture()
        let pool = try RedisConnectionPool(configuration: redis.configuration, name: "lifecycle-service")
        let l3 = try await fixture.open()
        let group = ServiceGroup(services: [pool, l3], logger: Logger(label: "test.cache.lifecycle"))
        let running = Task { try await group.run() }

        #expect(try await pool.send("PING") == .simpleString("PONG"))
        try await l3.set("kept", value: [1, 2, 3], ttl: nil)
        await group.triggerGracefulShutdown()
        try await running.value

        await expectError(.unavailable) { try await pool.send("PING") }
        await expectError(.unavailable) { try await l3.get("kept") }
        // The write acknowledged before the shutdown was flushed by it.
        let reopened = try await fixture.open()
        #expect(try await reopened.get("kept") == [1, 2, 3])
        try await reopened.close()
    }

    @Test func closingThePoolEndsItsRun() async throws {
        let redis = try RedisTestSupport()
        let pool = try RedisConnectionPool(configuration: redis.configuration, name: "lifecycle-close")
        let running = Task { try await pool.run() }
        _ = try await pool.send("PING")
        await pool.close()
        try await running.value
    }

    @Test func cancellingThePoolsRunClosesIt() async throws {
        let redis = try RedisTestSupport()
        let pool = try RedisConnectionPool(configuration: redis.configuration, name: "lifecycle-cancel")
        let running = Task { try await pool.run() }
        _ = try await pool.send("PING")
        running.cancel()
        try await running.value
        await expectError(.unavailable) { try await pool.send("PING") }
    }
}
