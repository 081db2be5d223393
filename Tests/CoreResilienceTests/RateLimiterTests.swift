import CoreProtocols
import CoreTestKit
import MetricsTestKit
import Testing

@testable import CoreResilience

@Suite(.timeLimit(.minutes(1))) struct RateLimiterTests {
    static func limiter(
        _ algorithm: RateLimiterConfiguration.Algorithm,
        timeout: Duration = .zero,
        clock: ManualClock,
        metrics: TestMetrics = TestMetrics()
    ) throws -> RateLimiter {
        RateLimiter(
            name: "test",
            configuration: try RateLimiterConfiguration(algorithm: algorithm, timeout: timeout),
            clock: clock,
            metricsFactory: metrics
        )
    }

    @Test func defaultsAreDocumented() {
        let configuration = RateLimiterConfiguration.default
        #expect(configuration.algorithm == .tokenBucket(capacity: 100, refillPerSecond: 100))
        #expect(configuration.timeout == .zero)
        #expect(configuration.algorithm.maximumPermits == 100)
    }

    @Test(arguments: [
        (RateLimiterConfiguration.Algorithm.tokenBucket(capacity: 0, refillPerSecond: 1), Duration.zero, "algorithm.capacity"),
        (.tokenBucket(capacity: 10_000_000_000, refillPerSecond: 1), .zero, "algorithm.capacity"),
        (.tokenBucket(capacity: 1, refillPerSecond: 0), .zero, "algorithm.refillPerSecond"),
        (.tokenBucket(capacity: 1, refillPerSecond: -2), .zero, "algorithm.refillPerSecond"),
        (.tokenBucket(capacity: 1, refillPerSecond: .nan), .zero, "algorithm.refillPerSecond"),
        (.tokenBucket(capacity: 1, refillPerSecond: .infinity), .zero, "algorithm.refillPerSecond"),
        (.gcra(ratePerSecond: 0, burst: 1), .zero, "algorithm.ratePerSecond"),
        (.gcra(ratePerSecond: 2e9, burst: 1), .zero, "algorithm.ratePerSecond"),
        (.gcra(ratePerSecond: 1, burst: 0), .zero, "algorithm.burst"),
        (.gcra(ratePerSecond: 1, burst: 1), .seconds(-1), "timeout"),
    ])
    func invalidConfigurationNamesTheField(algorithm: RateLimiterConfiguration.Algorithm, timeout: Duration, field: String) async {
        let error = await caught { _ = try RateLimiterConfiguration(algorithm: algorithm, timeout: timeout) }
        let whale = error as? WhaleError
        #expect(whale?.code == .invalidConfiguration)
        #expect(whale?.message.hasPrefix(field + ":") == true, "\(String(describing: whale))")
    }

    @Test func tokenBucketCountsAreExactAtEachInstant() throws {
        let clock = ManualClock()
        let limiter = try Self.limiter(.tokenBucket(capacity: 10, refillPerSecond: 2), clock: clock)
        #expect(limiter.availablePermits == 10)
        #expect(limiter.tryAcquire(permits: 4))
        #expect(limiter.availablePermits == 6)
        #expect(limiter.tryAcquire(permits: 6))
        #expect(!limiter.tryAcquire())
        #expect(limiter.availablePermits == 0)

        clock.advance(by: .milliseconds(499))
        #expect(limiter.availablePermits == 0)
        #expect(!limiter.tryAcquire())
        clock.advance(by: .milliseconds(1))
        #expect(limiter.availablePermits == 1, "2 per second: one token after 500 ms")
        clock.advance(by: .milliseconds(250))
        #expect(limiter.availablePermits == 1, "1.5 tokens")
        #expect(limiter.tryAcquire())
        #expect(!limiter.tryAcquire(), "0.5 tokens left")
        clock.advance(by: .milliseconds(250))
        #expect(limiter.tryAcquire(), "0.5 + 0.5")
        #expect(!limiter.tryAcquire())

        clock.advance(by: .seconds(3600))
        #expect(limiter.availablePermits == 10, "capped at the capacity")
        #expect(!limiter.tryAcquire(permits: 11), "more than the capacity never succeeds")
        #expect(!limiter.tryAcquire(permits: 0))
        #expect(limiter.availablePermits == 10)
    }

    @Test func gcraAllowsTheBurstThenOnePermitPerInterval() throws {
        let clock = ManualClock()
        let limiter = try Self.limiter(.gcra(ratePerSecond: 10, burst: 3), clock: clock)
        #expect(limiter.availablePermits == 3)
        #expect(limiter.tryAcquire())
        #expect(limiter.tryAcquire())
        #expect(limiter.tryAcquire())
        #expect(!limiter.tryAcquire(), "the burst is spent")
        #expect(limiter.availablePermits == 0)

        clock.advance(by: .milliseconds(99))
        #expect(!limiter.tryAcquire())
        clock.advance(by: .milliseconds(1))
        #expect(limiter.tryAcquire(), "one permit every 100 ms")
        #expect(!limiter.tryAcquire())
        clock.advance(by: .milliseconds(250))
        #expect(limiter.availablePermits == 2)
        #expect(limiter.tryAcquire(permits: 2))
        #expect(!limiter.tryAcquire())

        clock.advance(by: .seconds(60))
        #expect(limiter.availablePermits == 3, "an idle period restores the burst, no more")
        #expect(!limiter.tryAcquire(permits: 4), "more than the burst never succeeds")
        #expect(limiter.tryAcquire(permits: 3))
        #expect(!limiter.tryAcquire())
    }

    @Test func aWaitingAcquireSucceedsWhenThePermitArrivesWithinTheTimeout() async throws {
        let clock = ManualClock()
        let metrics = TestMetrics()
        let limiter = try Self.limiter(.tokenBucket(capacity: 1, refillPerSecond: 1), clock: clock, metrics: metrics)
        #expect(limiter.tryAcquire())
        let start = clock.now
        let waiter = Task { try await limiter.acquire(timeout: .seconds(2)) }
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(999))
        #expect(clock.sleeperCount == 1, "not before the token is there")
        clock.advance(by: .milliseconds(1))
        try await waiter.value
        #expect(start.duration(to: clock.now) == .seconds(1))
        #expect(limiter.availablePermits == 0, "the waiter took the token that arrived")
        #expect(try metrics.expectCounter("whale_rate_limiter_calls", [("name", "test"), ("outcome", "permitted")]).totalValue == 2)
    }

    @Test func aWaitingAcquireFailsAtOnceWhenThePermitWouldComeTooLate() async throws {
        let clock = ManualClock()
        let metrics = TestMetrics()
        let limiter = try Self.limiter(.tokenBucket(capacity: 1, refillPerSecond: 1), clock: clock, metrics: metrics)
        #expect(limiter.tryAcquire())
        clock.advance(by: .milliseconds(250))
        let error = await caught { try await limiter.acquire(timeout: .milliseconds(500)) }
        let whale = error as? WhaleError
        #expect(whale?.code == .rateLimited)
        #expect(whale?.message.contains("retry after 0.75 seconds") == true, "\(String(describing: whale))")
        #expect(whale?.isRetriable == true)
        #expect(clock.sleeperCount == 0, "it did not wait")
        clock.advance(by: .milliseconds(750))
        #expect(limiter.availablePermits == 1, "a rejected call reserves nothing")
        #expect(try metrics.expectCounter("whale_rate_limiter_calls", [("name", "test"), ("outcome", "rejected")]).totalValue == 1)
    }

    @Test func waitersAreServedInReservationOrderAndTheRateHolds() async throws {
        let clock = ManualClock()
        let limiter = try Self.limiter(.gcra(ratePerSecond: 1, burst: 1), clock: clock)
        let start = clock.now
        try await limiter.acquire()
        let first = Task { try await limiter.acquire(timeout: .seconds(5)); return clock.now }
        await clock.waitForSleepers(count: 1)
        let second = Task { try await limiter.acquire(timeout: .seconds(5)); return clock.now }
        await clock.waitForSleepers(count: 2)
        #expect(!limiter.tryAcquire(), "both future permits are reserved")
        clock.advance(by: .seconds(1))
        #expect(try await first.value == start.advanced(by: .seconds(1)))
        clock.advance(by: .seconds(1))
        #expect(try await second.value == start.advanced(by: .seconds(2)))
    }

    @Test func aCancelledWaiterGivesItsReservationBack() async throws {
        let clock = ManualClock()
        let limiter = try Self.limiter(.tokenBucket(capacity: 1, refillPerSecond: 1), clock: clock)
        #expect(limiter.tryAcquire())
        let waiter = Task { try await limiter.acquire(timeout: .seconds(10)) }
        await clock.waitForSleepers(count: 1)
        waiter.cancel()
        let error = await caught { try await waiter.value }
        #expect(error is CancellationError)
        clock.advance(by: .seconds(1))
        #expect(limiter.availablePermits == 1, "the cancelled waiter's token is not lost")
    }

    @Test func aCancelledGcraWaiterGivesItsSlotBack() async throws {
        let clock = ManualClock()
        let limiter = try Self.limiter(.gcra(ratePerSecond: 2, burst: 1), clock: clock)
        #expect(limiter.tryAcquire())
        let waiter = Task { try await limiter.acquire(timeout: .seconds(10)) }
        await clock.waitForSleepers(count: 1)
        waiter.cancel()
        _ = await caught { try await waiter.value }
        clock.advance(by: .milliseconds(500))
        #expect(limiter.tryAcquire())
    }

    @Test func executeUsesTheConfiguredTimeout() async throws {
        let clock = ManualClock()
        let failFast = try Self.limiter(.tokenBucket(capacity: 1, refillPerSecond: 10), clock: clock)
        #expect(try await failFast.execute { 1 } == 1)
        let error = await caught { _ = try await failFast.execute { 2 } }
        #expect((error as? WhaleError)?.code == .rateLimited)

        let patient = try Self.limiter(.tokenBucket(capacity: 1, refillPerSecond: 10), timeout: .milliseconds(100), clock: clock)
        #expect(try await patient.execute { 1 } == 1)
        let task = Task { try await patient.execute { 2 } }
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(100))
        #expect(try await task.value == 2)
    }

    @Test func aPermitCountOutsideTheRangeIsInvalidInput() async throws {
        let clock = ManualClock()
        let limiter = try Self.limiter(.gcra(ratePerSecond: 1, burst: 2), clock: clock)
        for permits in [0, -1, 3] {
            let error = await caught { try await limiter.acquire(permits: permits) }
            #expect((error as? WhaleError)?.code == .invalidInput)
        }
        #expect(limiter.availablePermits == 2)
    }

    @Test(arguments: [
        RateLimiterConfiguration.Algorithm.tokenBucket(capacity: 50, refillPerSecond: 1),
        .gcra(ratePerSecond: 1, burst: 50),
    ])
    func concurrentCallersGetExactlyTheAvailablePermits(algorithm: RateLimiterConfiguration.Algorithm) async throws {
        let clock = ManualClock()
        let limiter = try Self.limiter(algorithm, clock: clock)
        let granted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 { group.addTask { limiter.tryAcquire() } }
            var granted = 0
            for await ok in group where ok { granted += 1 }
            return granted
        }
        #expect(granted == 50)
        #expect(limiter.availablePermits == 0)
    }

    @Test func anAlreadyCancelledAcquireTakesNothing() async throws {
        let clock = ManualClock()
        let limiter = try Self.limiter(.tokenBucket(capacity: 2, refillPerSecond: 1), clock: clock)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await limiter.acquire()
        }
        #expect(await caught { try await task.value } is CancellationError)
        #expect(limiter.availablePermits == 2)
    }
}

@Suite(.timeLimit(.minutes(1))) struct KeyedRateLimiterTests {
    static func keyed(maxKeys: Int = 100, clock: ManualClock, metrics: TestMetrics = TestMetrics()) throws -> KeyedRateLimiter<String> {
        try KeyedRateLimiter(
            name: "keyed",
            configuration: try RateLimiterConfiguration(algorithm: .tokenBucket(capacity: 2, refillPerSecond: 1)),
            maxKeys: maxKeys,
            clock: clock,
            metricsFactory: metrics
        )
    }

    @Test func keysHaveSeparateLimits() throws {
        let clock = ManualClock()
        let metrics = TestMetrics()
        let limiter = try Self.keyed(clock: clock, metrics: metrics)
        #expect(limiter.tryAcquire(key: "alice", permits: 2))
        #expect(!limiter.tryAcquire(key: "alice"))
        #expect(limiter.tryAcquire(key: "bob"))
        #expect(limiter.availablePermits(for: "bob") == 1)
        #expect(limiter.availablePermits(for: "carol") == 2, "an unseen key has every permit")
        #expect(!limiter.contains("carol"), "asking does not create a key")
        #expect(limiter.keyCount == 2)
        #expect(try metrics.expectCounter("whale_rate_limiter_calls", [("name", "keyed"), ("outcome", "permitted")]).totalValue == 2)
        #expect(try metrics.expectCounter("whale_rate_limiter_calls", [("name", "keyed"), ("outcome", "rejected")]).totalValue == 1)
    }

    @Test func theLeastRecentlyUsedKeyIsEvictedWhenFull() throws {
        let clock = ManualClock()
        let limiter = try Self.keyed(maxKeys: 2, clock: clock)
        #expect(limiter.tryAcquire(key: "a", permits: 2))
        #expect(limiter.tryAcquire(key: "b", permits: 2))
        #expect(!limiter.tryAcquire(key: "a"), "touches a: b is now the least recently used")
        #expect(limiter.tryAcquire(key: "c"))
        #expect(limiter.keyCount == 2)
        #expect(!limiter.contains("b"))
        #expect(limiter.contains("a"))
        #expect(limiter.contains("c"))
        #expect(limiter.tryAcquire(key: "b", permits: 2), "an evicted key starts with every permit")
        #expect(!limiter.contains("a"), "a was the least recently used now")
    }

    @Test func manyKeysStayBounded() throws {
        let clock = ManualClock()
        let limiter = try Self.keyed(maxKeys: 50, clock: clock)
        for index in 0..<1000 { _ = limiter.tryAcquire(key: "user-\(index)") }
        #expect(limiter.keyCount == 50)
        for index in 950..<1000 { #expect(limiter.contains("user-\(index)")) }
        #expect(limiter.availablePermits(for: "user-999") == 1)
    }

    @Test func aKeyWaitsForItsOwnPermitAndThePolicyUsesTheKey() async throws {
        let clock = ManualClock()
        let limiter = try KeyedRateLimiter<Int>(
            name: "tenants",
            configuration: try RateLimiterConfiguration(algorithm: .gcra(ratePerSecond: 1, burst: 1), timeout: .seconds(2)),
            clock: clock,
            metricsFactory: TestMetrics()
        )
        let tenant7: any ResiliencePolicy = limiter.policy(for: 7)
        #expect(try await tenant7.execute { "first" } == "first")
        #expect(limiter.tryAcquire(key: 8), "another tenant is not limited by 7")
        let waiting = Task { try await tenant7.execute { "second" } }
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(1))
        #expect(try await waiting.value == "second")

        #expect(limiter.tryAcquire(key: 8), "a second later, 8 has its permit again")
        let error = await caught { try await limiter.acquire(key: 8, timeout: .milliseconds(10)) }
        #expect((error as? WhaleError)?.code == .rateLimited)
        #expect((error as? WhaleError)?.message.contains("key '8'") == true)
    }

    @Test func aCancelledKeyedWaiterGivesItsReservationBack() async throws {
        let clock = ManualClock()
        let limiter = try Self.keyed(clock: clock)
        #expect(limiter.tryAcquire(key: "k", permits: 2))
        let waiter = Task { try await limiter.acquire(key: "k", timeout: .seconds(5)) }
        await clock.waitForSleepers(count: 1)
        waiter.cancel()
        #expect(await caught { try await waiter.value } is CancellationError)
        clock.advance(by: .seconds(1))
        #expect(limiter.availablePermits(for: "k") == 1)
    }

    @Test func maxKeysMustBePositive() async {
        let error = await caught { _ = try KeyedRateLimiter<String>(maxKeys: 0, clock: ManualClock()) }
        #expect((error as? WhaleError)?.code == .invalidConfiguration)
        #expect((error as? WhaleError)?.message.hasPrefix("maxKeys:") == true)
    }
}
