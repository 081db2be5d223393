import CoreCache
import CoreProtocols
import MetricsTestKit
import Testing

/// The connection pool against the live Redis of `make test` (`WHALE_REDIS_URL`).
@Suite(.serialized, .timeLimit(.minutes(1)))
struct RedisConnectionPoolIntegrationTests {
    let redis: RedisTestSupport

    init() throws {
        redis = try RedisTestSupport()
    }

    @Test func aPipelineAnswersEveryCommandInOrderWithErrorRepliesInline() async throws {
        let pool = try RedisConnectionPool(configuration: redis.configuration)
        let key = "\(redis.namespace):pipeline"
        var commands = [command("SET", key, "1", "PX", "30000")]
        for _ in 0..<98 { commands.append(command("INCR", key)) }
        commands.append(command("NOSUCHCOMMAND"))
        commands.append(command("GET", key))
        let replies = try await pool.pipeline(commands)
        #expect(replies.count == 101)
        #expect(replies[0] == .simpleString("OK"))
        #expect(replies[1] == .integer(2))
        #expect(replies[98] == .integer(99))
        guard case .error(let message) = replies[99] else {
            Issue.record("expected an inline error, got \(replies[99])")
            return
        }
        #expect(message.contains("unknown command"))
        #expect(replies[100] == .bulkString(Array("99".utf8)))
        #expect(try await pool.pipeline([]) == [])
        await expectError(.invalidInput) { try await pool.pipeline([command("GET", key), []]) }
        try await redis.purge(pool)
        await pool.close()
    }

    @Test func manyConcurrentCallersEachGetTheirOwnReply() async throws {
        let pool = try RedisConnectionPool(
            configuration: redis.configuration,
            poolConfiguration: RedisConnectionPoolConfiguration(connections: 4)
        )
        let namespace = redis.namespace
        let mismatches = Tally()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<64 {
                group.addTask {
                    let key = "\(namespace):task:\(task)"
                    try await pool.send("SET", key, "\(task)", "PX", "30000")
                    for round in 0..<100 {
                        let value: String?
                        if round % 10 == 0 {
                            let replies = try await pool.pipeline([command("GET", key), command("ECHO", "\(task):\(round)")])
                            value = replies[0].string
                            if replies[1].string != "\(task):\(round)" { mismatches.add() }
                        } else {
                            value = try await pool.send("GET", key).string
                        }
                        if value != "\(task)" { mismatches.add() }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(mismatches.value == 0)
        #expect(pool.openConnections <= 4)
        try await redis.purge(pool)
        await pool.close()
    }

    @Test func connectOpensEveryConnectionAndCloseRefusesLaterCalls() async throws {
        let metrics = TestMetrics()
        let pool = try await RedisConnectionPool.connect(
            redis.configuration,
            poolConfiguration: RedisConnectionPoolConfiguration(connections: 6),
            name: "lifecycle",
            metricsFactory: metrics
        )
        #expect(pool.openConnections == 6)
        #expect(try metrics.expectGauge("whale_cache_l2_connections", [("pool", "lifecycle")]).lastValue == 6)
        #expect(try await pool.ping() > .zero)
        await pool.close()
        #expect(pool.openConnections == 0)
        await expectError(.unavailable) { try await pool.send("PING") }
        await pool.close()
    }

    @Test func metricsCountCommandsErrorsAndPoolWait() async throws {
        let metrics = TestMetrics()
        let pool = try RedisConnectionPool(configuration: redis.configuration, name: "metrics", metricsFactory: metrics)
        try await pool.send("PING")
        _ = try await pool.pipeline([command("PING"), command("PING"), command("NOSUCHCOMMAND")])
        await expectError(.invalidInput) { try await pool.send("NOSUCHCOMMAND") }
        let commands = try metrics.expectCounter("whale_cache_l2_commands", [("pool", "metrics")])
        #expect(commands.totalValue == 5)
        let errors = try metrics.expectCounter("whale_cache_l2_errors", [("pool", "metrics"), ("code", "invalidInput")])
        #expect(errors.totalValue == 2)
        let wait = try metrics.expectTimer("whale_cache_l2_pool_wait", [("pool", "metrics")])
        #expect(wait.values.count == 3)
        await pool.close()
    }

    @Test func invalidPoolSettingsAreRejected() {
        for settings in [
            RedisConnectionPoolConfiguration(connections: 0),
            RedisConnectionPoolConfiguration(connections: 1_025),
            RedisConnectionPoolConfiguration(reconnectBackoff: .seconds(2), maximumReconnectBackoff: .seconds(1)),
        ] {
            #expect(throws: WhaleError.self) {
                try RedisConnectionPool(configuration: redis.configuration, poolConfiguration: settings)
            }
        }
    }

    @Test func theHealthCheckReportsThroughThePool() async throws {
        let pool = try RedisConnectionPool(configuration: redis.configuration)
        let status = await RedisHealthCheck(pool: pool).check()
        #expect(status.isHealthy, "\(status)")
        await pool.close()
        #expect(await RedisHealthCheck(pool: pool).check().isHealthy == false)
    }
}
