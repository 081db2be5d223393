import CoreCache
import CoreProtocols
import MetricsTestKit
import Testing

/// The L2 tier against the live Redis of `make test` (`WHALE_REDIS_URL`);
/// each test owns a namespace and removes it afterwards.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct RedisCacheTierIntegrationTests {
    let redis: RedisTestSupport

    init() throws {
        redis = try RedisTestSupport()
    }

    @Test func setGetAndDeleteWithTheTTLInMilliseconds() async throws {
        try await redis.withTier { tier in
            #expect(try await tier.get("missing") == nil)
            // A TTL no slow run outlives; in whole seconds it would be 3,601,000 ms.
            try await tier.set("user:42", value: [1, 2, 3], ttl: .milliseconds(3_600_321))
            #expect(try await tier.get("user:42") == [1, 2, 3])
            let pttl = try await tier.pool.send(arguments: command("PTTL", tier.redisKey(for: "user:42"))).integer
            #expect((3_000_321...3_600_321).contains(pttl ?? -1), "PTTL \(String(describing: pttl))")
            #expect(try await tier.delete("user:42"))
            #expect(try await tier.delete("user:42") == false)
            #expect(try await tier.get("user:42") == nil)
        }
    }

    @Test func defaultTTLAndSubMillisecondTTLsRoundUp() async throws {
        // TTLs far longer than a slow (sanitized, loaded) run takes between the write and PTTL.
        try await redis.withTier({ $0.defaultTTL = .seconds(900) }) { tier in
            try await tier.set("default", value: [0], ttl: nil)
            try await tier.set("tiny", value: [0], ttl: .microseconds(1_500))
            let pttl = try await tier.pool.send(arguments: command("PTTL", tier.redisKey(for: "default"))).integer ?? -1
            #expect(pttl > 600_000 && pttl <= 900_000, "PTTL \(pttl)")
            // 1.5 ms rounds up to 2 ms: the key may already be gone (-2), never longer.
            let tiny = try await tier.pool.send(arguments: command("PTTL", tier.redisKey(for: "tiny"))).integer ?? -1
            #expect(tiny == -2 || (0...2).contains(tiny), "PTTL \(tiny)")
        }
    }

    @Test func anEntryExpiresAfterItsTTL() async throws {
        try await redis.withTier { tier in
            try await tier.set("short", value: [7], ttl: .milliseconds(30))
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(5)
            var value = try await tier.get("short")
            while value != nil, clock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
                value = try await tier.get("short")
            }
            #expect(value == nil)
        }
    }

    @Test func distributedGetAndSetAreGetAndSet() async throws {
        try await redis.withTier { tier in
            try await tier.distributedSet("spec", value: Array("L2".utf8), ttl: .seconds(5), tags: ["spec"])
            #expect(try await tier.distributedGet("spec") == Array("L2".utf8))
            #expect(try await tier.get("spec") == Array("L2".utf8))
            #expect(try await tier.invalidate(tag: "spec") == 1)
        }
    }

    @Test func getManyIsOneMGETInKeyOrder() async throws {
        let metrics = TestMetrics()
        let pool = try RedisConnectionPool(configuration: redis.configuration, name: "getmany", metricsFactory: metrics)
        let tier = try RedisCacheTier(pool: pool, configuration: RedisTierConfiguration(namespace: redis.namespace))
        try await tier.setMany((0..<10).map { CacheWrite(key: "k\($0)", value: [UInt8($0)], ttl: .seconds(30)) })
        let commands = try metrics.expectCounter("whale_cache_l2_commands", [("pool", "getmany")])
        let before = commands.totalValue
        let keys = ["k3", "absent", "k0", "k9", "k3"]
        #expect(try await tier.getMany(keys) == [[3], nil, [0], [9], [3]])
        #expect(commands.totalValue - before == 1, "getMany sends one command")
        #expect(try await tier.getMany([]) == [])
        try await redis.purge(pool)
        await pool.close()
    }

    @Test func setManyStoresEveryWriteWithItsOwnTTL() async throws {
        try await redis.withTier { tier in
            let writes = (0..<200).map {
                // 10 minutes apart, so a slow run cannot blur one write's TTL into its neighbour's.
                CacheWrite(key: "batch:\($0)", value: Array("value \($0)".utf8), ttl: .seconds(Int64(600 * (1 + $0))))
            }
            try await tier.setMany(writes)
            let values = try await tier.getMany(writes.map(\.key))
            #expect(values == writes.map { $0.value })
            let replies = try await tier.pool.pipeline(writes.map { command("PTTL", tier.redisKey(for: $0.key)) })
            for (index, reply) in replies.enumerated() {
                let pttl = reply.integer ?? -1
                let ttl = Int64(600 * (1 + index)) * 1_000
                #expect(pttl > ttl - 300_000 && pttl <= ttl, "\(index): \(pttl)")
            }
            #expect(try await tier.deleteMany(writes.map(\.key) + ["never-written"]) == 200)
            #expect(try await tier.deleteMany([]) == 0)
        }
    }

    @Test func keysAndValuesAreBinarySafe() async throws {
        try await redis.withTier { tier in
            let key = "bin \r\n*?[x]\\ \u{7f} ü 😀 \u{1}"
            let value = (0...255).map { UInt8($0) } + [0, 13, 10, 0]
            try await tier.setMany([CacheWrite(key: key, value: value, ttl: .seconds(30), tags: ["tag \r\n*"])])
            #expect(try await tier.get(key) == value)
            #expect(try await tier.getMany([key]) == [value])
            let raw = try await tier.pool.send(arguments: command("GET", Array("\(redis.namespace):v1:k:".utf8) + Array(key.utf8)))
            #expect(raw == .bulkString(value))
            // A literal pattern with the key's metacharacters escaped removes exactly it.
            #expect(try await tier.invalidate(matching: GlobPattern(GlobPattern.escape(key))) == 1)
            #expect(try await tier.get(key) == nil)
            await expectError(.invalidInput) { try await tier.set("", value: [], ttl: nil) }
        }
    }

    @Test func theKeyLayoutIsReadableWithRawCommands() async throws {
        try await redis.withTier { tier in
            try await tier.setMany([
                CacheWrite(key: "city:tehran", value: Array("envelope".utf8), ttl: .seconds(60), tags: ["cities", "iran"])
            ])
            let ns = redis.namespace
            #expect(tier.redisKey(for: "city:tehran") == Array("\(ns):v1:k:city:tehran".utf8))
            #expect(tier.redisTagKey(for: "cities") == Array("\(ns):v1:t:cities".utf8))
            #expect(try await tier.pool.send("GET", "\(ns):v1:k:city:tehran") == .bulkString(Array("envelope".utf8)))
            #expect(try await tier.pool.send("TYPE", "\(ns):v1:k:city:tehran").string == "string")
            #expect(try await tier.pool.send("TYPE", "\(ns):v1:t:cities").string == "set")
            #expect(try await tier.pool.send("SMEMBERS", "\(ns):v1:t:iran") == .array([.bulkString(Array("city:tehran".utf8))]))
            let keys = try await tier.pool.send("SCAN", "0", "MATCH", "\(ns):*", "COUNT", "1000")
            guard case .array(let parts) = keys, case .array(let names) = parts[1] else {
                Issue.record("SCAN answered \(keys)")
                return
            }
            #expect(Set(names.compactMap(\.string)) == ["\(ns):v1:k:city:tehran", "\(ns):v1:t:cities", "\(ns):v1:t:iran"])
        }
    }

    @Test func patternInvalidationScansAndUnlinksInBatches() async throws {
        try await redis.withTier({
            $0.scanCount = 100
            $0.unlinkBatchSize = 128
        }) { tier in
            let matching = (0..<2_500).map { CacheWrite(key: "bulk:\($0)", value: [1], ttl: .seconds(60)) }
            let others = (0..<100).map { CacheWrite(key: "keep:\($0)", value: [2], ttl: .seconds(60)) }
            try await tier.setMany(matching + others)
            // Another namespace with the same keys is not touched.
            let neighbour = try RedisCacheTier(
                pool: tier.pool,
                configuration: RedisTierConfiguration(namespace: redis.namespace + "-x")
            )
            try await neighbour.set("bulk:1", value: [3], ttl: .seconds(60))

            #expect(try await tier.invalidate(matching: "bulk:*") == 2_500)
            #expect(try await tier.getMany(["bulk:0", "bulk:1999", "bulk:2499"]) == [nil, nil, nil])
            #expect(try await tier.getMany(others.map(\.key)) == others.map { $0.value })
            #expect(try await neighbour.get("bulk:1") == [3])
            #expect(try await tier.invalidate(matching: "bulk:*") == 0)
            #expect(try await tier.invalidate(matching: "keep:[0-4]") == 5)
            #expect(try await tier.invalidate(matching: "keep:?") == 5)
            #expect(try await neighbour.invalidate(matching: "*") == 1)
        }
    }

    @Test func tagsInvalidateWhatWasWrittenWithThem() async throws {
        try await redis.withTier { tier in
            try await tier.setMany([
                CacheWrite(key: "a", value: [1], ttl: .seconds(30), tags: ["t1"]),
                CacheWrite(key: "b", value: [2], ttl: .seconds(30), tags: ["t1", "t2"]),
                CacheWrite(key: "c", value: [3], ttl: .seconds(30), tags: ["t1"]),
                CacheWrite(key: "d", value: [4], ttl: .seconds(30), tags: ["t2"]),
                CacheWrite(key: "e", value: [5], ttl: .seconds(30)),
            ])
            try await tier.delete("c")
            // c is gone already: the count is what UNLINK removed.
            #expect(try await tier.invalidate(tag: "t1") == 2)
            #expect(try await tier.getMany(["a", "b", "c", "d", "e"]) == [nil, nil, nil, [4], [5]])
            #expect(try await tier.pool.send(arguments: command("EXISTS", tier.redisTagKey(for: "t1"))).integer == 0)
            #expect(try await tier.invalidate(tag: "t2") == 1)
            #expect(try await tier.invalidate(tag: "t2") == 0)
            #expect(try await tier.invalidate(tag: "never-used") == 0)
        }
    }

    @Test func aTagSetLivesAsLongAsItsLongestEntry() async throws {
        try await redis.withTier { tier in
            let tagKey = tier.redisTagKey(for: "ttl")
            try await tier.setMany([CacheWrite(key: "short", value: [1], ttl: .seconds(10), tags: ["ttl"])])
            var pttl = try await tier.pool.send(arguments: command("PTTL", tagKey)).integer ?? -1
            #expect(pttl > 9_000 && pttl <= 10_000, "\(pttl)")
            try await tier.setMany([CacheWrite(key: "long", value: [2], ttl: .seconds(60), tags: ["ttl"])])
            pttl = try await tier.pool.send(arguments: command("PTTL", tagKey)).integer ?? -1
            #expect(pttl > 59_000 && pttl <= 60_000, "\(pttl)")
            try await tier.setMany([CacheWrite(key: "shorter", value: [3], ttl: .seconds(5), tags: ["ttl"])])
            pttl = try await tier.pool.send(arguments: command("PTTL", tagKey)).integer ?? -1
            #expect(pttl > 58_000 && pttl <= 60_000, "a shorter entry does not shorten the set: \(pttl)")
        }
    }

    @Test func aLargeTagSetIsScannedInBatches() async throws {
        try await redis.withTier({
            $0.scanCount = 100
            $0.unlinkBatchSize = 64
        }) { tier in
            let writes = (0..<1_500).map { CacheWrite(key: "member:\($0)", value: [1], ttl: .seconds(60), tags: ["big"]) }
            try await tier.setMany(writes)
            #expect(try await tier.pool.send(arguments: command("SCARD", tier.redisTagKey(for: "big"))).integer == 1_500)
            #expect(try await tier.invalidate(tag: "big") == 1_500)
            #expect(try await tier.getMany(["member:0", "member:1499"]) == [nil, nil])
            #expect(try await tier.pool.send(arguments: command("EXISTS", tier.redisTagKey(for: "big"))).integer == 0)
        }
    }

    @Test func badInputThrowsInvalidInputAndStoresNothing() async throws {
        try await redis.withTier({
            $0.maxValueBytes = 1_024
            $0.keyRules = CacheKeyRules(maxKeyBytes: 64)
        }) { tier in
            let good = CacheWrite(key: "good", value: [1], ttl: .seconds(30))
            let bad: [CacheWrite] = [
                CacheWrite(key: "", value: [1]),
                CacheWrite(key: String(repeating: "k", count: 65), value: [1]),
                CacheWrite(key: "nul\u{0}key", value: [1]),
                CacheWrite(key: "big", value: [UInt8](repeating: 0, count: 1_025)),
                CacheWrite(key: "tagged", value: [1], tags: [""]),
                CacheWrite(key: "tagged", value: [1], tags: ["nul\u{0}"]),
                CacheWrite(key: "ttl", value: [1], ttl: .zero),
                CacheWrite(key: "ttl", value: [1], ttl: .seconds(-1)),
            ]
            for write in bad {
                await expectError(.invalidInput, "\(write)") { try await tier.setMany([good, write]) }
                if write.tags.isEmpty {
                    await expectError(.invalidInput, "\(write)") { try await tier.set(write.key, value: write.value, ttl: write.ttl) }
                }
            }
            #expect(try await tier.get("good") == nil, "nothing of a rejected batch is stored")
            await expectError(.invalidInput) { try await tier.get("") }
            await expectError(.invalidInput) { try await tier.get("nul\u{0}") }
            await expectError(.invalidInput) { try await tier.getMany(["ok", ""]) }
            await expectError(.invalidInput) { try await tier.deleteMany(["ok", String(repeating: "k", count: 65)]) }
            await expectError(.invalidInput) { try await tier.invalidate(tag: "") }
            await expectError(.invalidInput) { try await tier.invalidate(matching: "[abc") }
            await expectError(.invalidInput) { try await tier.invalidate(matching: "abc\\") }
            await expectError(.invalidInput) { try await tier.invalidate(matching: "") }
            // The limit itself is allowed.
            try await tier.set("max", value: [UInt8](repeating: 7, count: 1_024), ttl: .seconds(5))
            #expect(try await tier.get("max")?.count == 1_024)
        }
    }

    @Test func theDefaultValueLimitIs512KiB() async throws {
        try await redis.withTier { tier in
            #expect(tier.configuration.maxValueBytes == 512 * 1_024)
            try await tier.set("at-limit", value: [UInt8](repeating: 1, count: 512 * 1_024), ttl: .seconds(5))
            #expect(try await tier.get("at-limit")?.count == 512 * 1_024)
            await expectError(.invalidInput) { try await tier.set("over", value: [UInt8](repeating: 1, count: 512 * 1_024 + 1), ttl: .seconds(5)) }
            #expect(try await tier.get("over") == nil)
        }
    }

    @Test func anErrorReplyIsInvalidInput() async throws {
        try await redis.withTier { tier in
            // Somebody else put a string where the tag set belongs.
            try await tier.pool.send(arguments: command("SET", tier.redisTagKey(for: "clash"), "not a set"))
            await expectError(.invalidInput) { try await tier.setMany([CacheWrite(key: "x", value: [1], ttl: .seconds(5), tags: ["clash"])]) }
            await expectError(.invalidInput) { try await tier.invalidate(tag: "clash") }
        }
    }
}
