import CoreCache
import CoreProtocols
import MetricsTestKit
import Testing

/// Issue 4's fault behaviour against `redis-server` processes the tests start
/// themselves (``RedisServerProcess``): killed and restarted, silent, with a
/// password.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct RedisFaultIntegrationTests {
    /// Polls `body` until it succeeds; returns how long that took.
    private func eventually(
        within limit: Duration = .seconds(10),
        _ body: () async throws -> Void
    ) async throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        while true {
            do {
                try await body()
                return start.duration(to: clock.now)
            } catch {
                if start.duration(to: clock.now) > limit { throw error }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    @Test func aKilledServerFailsFastAndThePoolReconnectsOnItsOwn() async throws {
        let server = try await RedisServerProcess()
        let metrics = TestMetrics()
        let pool = try RedisConnectionPool(
            configuration: try server.configuration(),
            poolConfiguration: RedisConnectionPoolConfiguration(
                connections: 4,
                reconnectBackoff: .milliseconds(20),
                maximumReconnectBackoff: .milliseconds(200)
            ),
            name: "fault",
            metricsFactory: metrics
        )
        let tier = try RedisCacheTier(pool: pool)
        try await pool.connect()
        try await tier.set("before", value: [1], ttl: .seconds(60))
        #expect(try await tier.get("before") == [1])

        server.kill()
        let clock = ContinuousClock()
        for attempt in 0..<40 {
            let start = clock.now
            await expectError(.unavailable, "attempt \(attempt)") { try await tier.get("before") }
            let elapsed = start.duration(to: clock.now)
            // Refused without waiting for a connect timeout; loose bound, the machine may be loaded.
            #expect(elapsed < .seconds(5), "attempt \(attempt) took \(elapsed)")
        }
        #expect(pool.isRefusingCalls)
        // The sockets that died with the server are closed without being tried.
        _ = try await eventually(within: .seconds(2)) {
            guard pool.openConnections == 0 else { throw WhaleError(.conflict, "\(pool.openConnections) still open") }
        }
        await expectError(.unavailable) { try await tier.setMany([CacheWrite(key: "during", value: [2])]) }

        try await server.start()
        let recovery = try await eventually { _ = try await tier.get("before") }
        // Connections idle since the kill reconnect before use: no call fails on a dead socket.
        for attempt in 0..<20 {
            await expectNoError("attempt \(attempt) after the restart") { try await tier.get("before") }
        }
        // The restarted server kept nothing (no persistence); the same pool works.
        #expect(try await tier.get("before") == nil)
        try await tier.set("after", value: [3], ttl: .seconds(60))
        #expect(try await tier.get("after") == [3])
        #expect(pool.isRefusingCalls == false)
        #expect(recovery < .seconds(10), "recovered after \(recovery)")
        let reconnects = try metrics.expectCounter("whale_cache_l2_reconnects", [("pool", "fault"), ("outcome", "succeeded")])
        let failures = try metrics.expectCounter("whale_cache_l2_reconnects", [("pool", "fault"), ("outcome", "failed")])
        #expect(reconnects.totalValue >= 1)
        #expect(failures.totalValue >= 1)
        let unavailable = try metrics.expectCounter("whale_cache_l2_errors", [("pool", "fault"), ("code", "unavailable")])
        #expect(unavailable.totalValue >= 40)
        await pool.close()
    }

    @Test func aKillUnderLoadFailsCallsWithTypedErrorsAndLoadResumes() async throws {
        let server = try await RedisServerProcess()
        let pool = try RedisConnectionPool(
            configuration: try server.configuration(),
            poolConfiguration: RedisConnectionPoolConfiguration(
                connections: 8,
                reconnectBackoff: .milliseconds(20),
                maximumReconnectBackoff: .milliseconds(100)
            )
        )
        let tier = try RedisCacheTier(pool: pool)
        try await tier.set("hot", value: [9], ttl: .seconds(60))
        let successes = Tally()
        let untyped = Tally()
        let stop = Flag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<32 {
                group.addTask {
                    while !stop.isSet {
                        do {
                            if task % 4 == 0 {
                                _ = try await tier.getMany(["hot", "cold"])
                            } else {
                                _ = try await tier.get("hot")
                            }
                            successes.add()
                        } catch let error as WhaleError where error.code == .unavailable || error.code == .timeout {
                            try await Task.sleep(for: .milliseconds(1))
                        } catch {
                            untyped.add()
                        }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(200))
            server.kill()
            try await Task.sleep(for: .milliseconds(300))
            try await server.start()
            let before = successes.value
            _ = try await eventually {
                guard successes.value > before + 100 else {
                    throw WhaleError(.unavailable, "load has not resumed")
                }
            }
            stop.set()
            try await group.waitForAll()
        }
        #expect(untyped.value == 0)
        await pool.close()
    }

    @Test func aServerThatDoesNotAnswerTimesOut() async throws {
        let silent = try SilentServer()
        var configuration = RedisConfiguration(endpoint: try ServiceEndpoint(host: "127.0.0.1", port: silent.port))
        configuration.commandTimeout = .milliseconds(200)
        let pool = try RedisConnectionPool(configuration: configuration, poolConfiguration: .init(connections: 1))
        let clock = ContinuousClock()
        let start = clock.now
        await expectError(.timeout) { try await pool.send("PING") }
        let elapsed = start.duration(to: clock.now)
        #expect(elapsed >= .milliseconds(150) && elapsed < .seconds(10), "\(elapsed)")
        await pool.close()
    }

    @Test func nothingListeningIsUnavailableAtOnce() async throws {
        let port = try RedisServerProcess.freePort()
        let pool = try RedisConnectionPool(
            configuration: RedisConfiguration(endpoint: try ServiceEndpoint(host: "127.0.0.1", port: port))
        )
        let clock = ContinuousClock()
        let start = clock.now
        await expectError(.unavailable) { try await pool.connect() }
        await expectError(.unavailable) { try await pool.send("PING") }
        #expect(start.duration(to: clock.now) < .seconds(5))
        #expect(pool.isRefusingCalls)
        await pool.close()
    }

    @Test func authAndSelectComeFromTheURL() async throws {
        let server = try await RedisServerProcess(extraArguments: ["--requirepass", "s3cret"])
        let tier = try RedisCacheTier(
            pool: try RedisConnectionPool(configuration: try server.configuration(password: "s3cret", database: 3)),
            configuration: RedisTierConfiguration(namespace: "auth")
        )
        try await tier.set("k", value: [42], ttl: .seconds(60))
        #expect(try await tier.get("k") == [42])

        let database3 = try await RedisConnection.connect(try server.configuration(password: "s3cret", database: 3))
        #expect(try await database3.send("GET", "auth:v1:k:k") == .bulkString([42]))
        let database0 = try await RedisConnection.connect(try server.configuration(password: "s3cret"))
        #expect(try await database0.send("EXISTS", "auth:v1:k:k").integer == 0)

        // An ACL user from the URL.
        try await database0.send("ACL", "SETUSER", "app", "on", ">app-pass", "~*", "+@all")
        let user = try RedisCacheTier(
            pool: try RedisConnectionPool(configuration: try server.configuration(password: "app-pass", username: "app", database: 3)),
            configuration: RedisTierConfiguration(namespace: "auth")
        )
        #expect(try await user.get("k") == [42])

        // Wrong or missing credentials are unauthenticated, and fail fast afterwards.
        let wrong = try RedisConnectionPool(configuration: try server.configuration(password: "wrong"))
        await expectError(.unauthenticated) { try await wrong.connect() }
        await expectError(.unauthenticated) { try await wrong.send("PING") }
        let missing = try RedisConnectionPool(configuration: try server.configuration())
        await expectError(.unauthenticated) { try await missing.send("GET", "auth:v1:k:k") }
        await database0.close()
        await database3.close()
    }
}
