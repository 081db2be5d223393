import CoreProtocols
@testable import CoreResilience
import CoreTestKit
import MetricsTestKit
import Synchronization
import Testing

/// Counts calls and fails the first `failures` of them with a retriable error
/// whose message names the attempt ("attempt 1", "attempt 2", …).
final class RetryTestFlakyOperation: Sendable {
    private let calls = Atomic<Int>(0)
    private let times = Mutex<[WhaleInstant]>([])
    let failures: Int
    let code: WhaleError.Code
    let clock: (any WhaleClock)?

    init(failures: Int, code: WhaleError.Code = .unavailable, clock: (any WhaleClock)? = nil) {
        self.failures = failures
        self.code = code
        self.clock = clock
    }

    var callCount: Int { calls.load(ordering: .relaxed) }
    var callTimes: [WhaleInstant] { times.withLock { $0 } }

    func callAsFunction() async throws -> String {
        let attempt = calls.add(1, ordering: .relaxed).newValue
        if let clock { times.withLock { $0.append(clock.now) } }
        if attempt <= failures { throw WhaleError(code, "attempt \(attempt)") }
        return "ok on \(attempt)"
    }
}

@Suite struct RetryPolicyTests {
    private let clock = ManualClock()

    private func policy(
        maxAttempts: Int = 3,
        backoff: BackoffStrategy = .constant(.zero),
        deadline: Duration? = nil,
        budget: RetryBudget? = nil,
        retryOn: @escaping @Sendable (any Error) -> Bool = { $0.isWhaleRetriable },
        randomSeed: UInt64? = nil,
        metrics: TestMetrics = TestMetrics()
    ) throws -> RetryPolicy {
        RetryPolicy(
            name: "test",
            configuration: try RetryConfiguration(
                maxAttempts: maxAttempts,
                backoff: backoff,
                deadline: deadline,
                budget: budget,
                retryOn: retryOn
            ),
            clock: clock,
            randomSeed: randomSeed,
            metricsFactory: metrics
        )
    }

    @Test func theDefaultsAreDocumented() throws {
        let defaults = RetryConfiguration.default
        #expect(defaults.maxAttempts == 3)
        #expect(defaults.maximumDelay == .seconds(30))
        #expect(defaults.deadline == nil)
        #expect(defaults.budget == nil)
        #expect(defaults.backoff.description == "exponentialEqualJitter(initial: 0.1 seconds, multiplier: 2.0), maximumDelay: 30.0 seconds")
        #expect(defaults.retryOn(WhaleError(.unavailable, "down")))
        #expect(!defaults.retryOn(WhaleError(.notFound, "gone")))
        #expect(!defaults.retryOn(CancellationError()))
        let built = try RetryConfiguration()
        #expect(built.maxAttempts == 3 && built.backoff.description == defaults.backoff.description)
        #expect(try RetryConfiguration(maximumDelay: .seconds(2)).maximumDelay == .seconds(2))
    }

    @Test func aFirstSuccessIsNotRetried() async throws {
        let operation = RetryTestFlakyOperation(failures: 0)
        let retry = try policy()
        #expect(try await retry.execute { try await operation() } == "ok on 1")
        #expect(retry.statistics == RetryStatistics(callsSucceededWithoutRetry: 1, totalAttempts: 1))
    }

    @Test func retriesWaitTheBackoffOnTheClock() async throws {
        let operation = RetryTestFlakyOperation(failures: 3, clock: clock)
        let retry = try policy(maxAttempts: 4, backoff: .exponential(initial: .milliseconds(100), multiplier: 2))
        let start = clock.now
        let call = Task { try await retry.execute { try await operation() } }
        for delay in [Duration.milliseconds(100), .milliseconds(200), .milliseconds(400)] {
            await clock.waitForSleepers(count: 1)
            clock.advance(by: delay - .nanoseconds(1))
            #expect(clock.sleeperCount == 1, "still waiting 1 ns before the \(delay) backoff ends")
            clock.advance(by: .nanoseconds(1))
        }
        #expect(try await call.value == "ok on 4")
        #expect(operation.callTimes.map { start.duration(to: $0) } == [.zero, .milliseconds(100), .milliseconds(300), .milliseconds(700)])
        #expect(retry.statistics == RetryStatistics(callsSucceededAfterRetry: 1, totalAttempts: 4))
    }

    @Test func eventsReportEachRetryWithItsDelay() async throws {
        let operation = RetryTestFlakyOperation(failures: 2)
        let retry = try policy(maxAttempts: 3, backoff: .linear(initial: .milliseconds(10), increment: .milliseconds(10)))
        let events = retry.events()
        let call = Task { try await retry.execute { try await operation() } }
        for delay in [Duration.milliseconds(10), .milliseconds(20)] {
            await clock.waitForSleepers(count: 1)
            clock.advance(by: delay)
        }
        _ = try await call.value
        var iterator = events.makeAsyncIterator()
        var received: [RetryPolicy.Event] = []
        for _ in 0..<3 { if let event = await iterator.next() { received.append(event) } }
        #expect(received.map(\.kind) == [.retry, .retry, .success])
        #expect(received.map(\.attempt) == [1, 2, 3])
        #expect(received.map(\.delay) == [.milliseconds(10), .milliseconds(20), nil])
        #expect(received.allSatisfy { $0.policyName == "test" })
        #expect((received.first?.error as? WhaleError)?.message == "attempt 1")
    }

    @Test func seededJitterIsReproducibleAndMatchesTheStrategy() async throws {
        let backoff = BackoffStrategy.exponentialEqualJitter(initial: .milliseconds(100), multiplier: 2)
        var twin = RetryTestSplitMix64(seed: 2026)
        let expected = backoff.delays(3, using: &twin)
        let operation = RetryTestFlakyOperation(failures: 3)
        let retry = try policy(maxAttempts: 4, backoff: backoff, randomSeed: 2026)
        let events = retry.events()
        let call = Task { try await retry.execute { try await operation() } }
        for delay in expected {
            await clock.waitForSleepers(count: 1)
            clock.advance(by: delay - .nanoseconds(1))
            #expect(clock.sleeperCount == 1)
            clock.advance(by: .nanoseconds(1))
        }
        _ = try await call.value
        var iterator = events.makeAsyncIterator()
        var delays: [Duration] = []
        for _ in 0..<3 { if let delay = await iterator.next()?.delay { delays.append(delay) } }
        #expect(delays == expected)
    }

    @Test func aNonRetriableErrorIsThrownAtOnce() async throws {
        let operation = RetryTestFlakyOperation(failures: 5, code: .notFound)
        let retry = try policy(maxAttempts: 5)
        let events = retry.events()
        let error = await #expect(throws: WhaleError.self) { try await retry.execute { try await operation() } }
        #expect(error?.code == .notFound && error?.message == "attempt 1")
        #expect(operation.callCount == 1)
        #expect(retry.statistics == RetryStatistics(callsFailedWithoutRetry: 1, totalAttempts: 1))
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next()?.kind == .ignoredError)
    }

    @Test func exhaustedAttemptsRethrowTheLastError() async throws {
        let operation = RetryTestFlakyOperation(failures: 10)
        let retry = try policy(maxAttempts: 3)
        let error = await #expect(throws: WhaleError.self) { try await retry.execute { try await operation() } }
        #expect(error?.message == "attempt 3")
        #expect(operation.callCount == 3)
        #expect(retry.statistics == RetryStatistics(callsFailedAfterRetry: 1, totalAttempts: 3))
    }

    @Test func oneMaxAttemptNeverRetries() async throws {
        let operation = RetryTestFlakyOperation(failures: 10)
        let retry = try policy(maxAttempts: 1)
        await #expect(throws: WhaleError.self) { try await retry.execute { try await operation() } }
        #expect(operation.callCount == 1)
        #expect(retry.statistics == RetryStatistics(callsFailedWithoutRetry: 1, totalAttempts: 1))
    }

    @Test func theRetryOnPredicateDecides() async throws {
        struct Transient: Error {}
        let calls = Atomic<Int>(0)
        let retry = try policy(maxAttempts: 4, retryOn: { $0 is Transient })
        await #expect(throws: Transient.self) {
            try await retry.execute { () async throws -> Int in
                calls.add(1, ordering: .relaxed)
                throw Transient()
            }
        }
        #expect(calls.load(ordering: .relaxed) == 4)
        // A retriable WhaleError is not retried when the predicate says no.
        let operation = RetryTestFlakyOperation(failures: 1)
        await #expect(throws: WhaleError.self) { try await retry.execute { try await operation() } }
        #expect(operation.callCount == 1)
    }

    @Test func aRetryThatWouldPassTheDeadlineIsNotStarted() async throws {
        let operation = RetryTestFlakyOperation(failures: 10, clock: clock)
        let retry = try policy(maxAttempts: 10, backoff: .exponential(initial: .milliseconds(400), multiplier: 2), deadline: .seconds(1))
        let start = clock.now
        let call = Task { try await retry.execute { try await operation() } }
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(400))
        // Attempt 2 fails at 400 ms; the next wait (800 ms) would end at 1.2 s > 1 s.
        let error = await #expect(throws: WhaleError.self) { try await call.value }
        #expect(error?.code == .unavailable && error?.message == "attempt 2", "the last error, as thrown")
        #expect(operation.callTimes.map { start.duration(to: $0) } == [.zero, .milliseconds(400)])
        #expect(clock.sleeperCount == 0)
        #expect(retry.statistics == RetryStatistics(callsFailedAfterRetry: 1, totalAttempts: 2))
    }

    @Test func aRetryEndingExactlyAtTheDeadlineIsStarted() async throws {
        let operation = RetryTestFlakyOperation(failures: 1)
        let retry = try policy(maxAttempts: 3, backoff: .constant(.seconds(1)), deadline: .seconds(1))
        let call = Task { try await retry.execute { try await operation() } }
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(1))
        #expect(try await call.value == "ok on 2")
    }

    @Test func cancellationDuringBackoffStopsAtOnce() async throws {
        let operation = RetryTestFlakyOperation(failures: 10)
        let retry = try policy(maxAttempts: 5, backoff: .constant(.seconds(10)))
        let call = Task { try await retry.execute { try await operation() } }
        await clock.waitForSleepers(count: 1)
        call.cancel()
        await #expect(throws: CancellationError.self) { try await call.value }
        #expect(operation.callCount == 1, "no attempt after the cancelled wait")
        #expect(clock.sleeperCount == 0)
        #expect(retry.statistics == RetryStatistics(callsCancelled: 1, totalAttempts: 1))
    }

    @Test func cancellationIsNeverRetriedEvenWhenThePredicateSaysYes() async throws {
        let retry = try policy(maxAttempts: 5, retryOn: { _ in true })
        let calls = Atomic<Int>(0)
        await #expect(throws: CancellationError.self) {
            try await retry.execute { () async throws -> Int in
                calls.add(1, ordering: .relaxed)
                throw CancellationError()
            }
        }
        let cancelled = await #expect(throws: WhaleError.self) {
            try await retry.execute { () async throws -> Int in
                calls.add(1, ordering: .relaxed)
                throw WhaleError(.cancelled, "stopped", isRetriable: true)
            }
        }
        #expect(cancelled?.code == .cancelled)
        #expect(calls.load(ordering: .relaxed) == 2)
        #expect(retry.statistics == RetryStatistics(callsCancelled: 2, totalAttempts: 2))
    }

    @Test func aCancelledCallerIsNotRetriedAfterAFailure() async throws {
        let retry = try policy(maxAttempts: 5)
        let operation = RetryTestFlakyOperation(failures: 10)
        let call = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await retry.execute { try await operation() }
        }
        await #expect(throws: WhaleError.self) { try await call.value }
        #expect(operation.callCount == 1)
        #expect(retry.statistics.callsCancelled == 1)
    }

    @Test func runAcceptsANonSendableNonEscapingOperation() async throws {
        let retry = try policy(maxAttempts: 3)
        var attempts = 0
        let result = try await retry.run { () async throws -> Int in
            attempts += 1
            if attempts < 3 { throw WhaleError(.timeout, "slow") }
            return attempts
        }
        #expect(result == 3 && attempts == 3)
    }

    @Test func statisticsAndMetricsCountEveryOutcome() async throws {
        let metrics = TestMetrics()
        let retry = try policy(maxAttempts: 2, metrics: metrics)
        _ = try await retry.execute(RetryTestFlakyOperation(failures: 0).callAsFunction)
        _ = try await retry.execute(RetryTestFlakyOperation(failures: 0).callAsFunction)
        _ = try await retry.execute(RetryTestFlakyOperation(failures: 1).callAsFunction)
        for _ in 0..<3 {
            await #expect(throws: WhaleError.self) { try await retry.execute(RetryTestFlakyOperation(failures: 1, code: .notFound).callAsFunction) }
        }
        for _ in 0..<4 {
            await #expect(throws: WhaleError.self) { try await retry.execute(RetryTestFlakyOperation(failures: 5).callAsFunction) }
        }
        let statistics = retry.statistics
        #expect(
            statistics
                == RetryStatistics(
                    callsSucceededWithoutRetry: 2,
                    callsSucceededAfterRetry: 1,
                    callsFailedWithoutRetry: 3,
                    callsFailedAfterRetry: 4,
                    totalAttempts: 2 + 2 + 3 + 8
                )
        )
        #expect(statistics.totalCalls == 10)
        func total(_ outcome: String) throws -> Int64 {
            try metrics.expectCounter("whale_retry_calls", [("name", "test"), ("outcome", outcome)]).totalValue
        }
        #expect(try total("succeeded_without_retry") == 2)
        #expect(try total("succeeded_after_retry") == 1)
        #expect(try total("failed_without_retry") == 3)
        #expect(try total("failed_after_retry") == 4)
    }

    @Test func concurrentCallsAreCountedExactly() async throws {
        let retry = try policy(maxAttempts: 3)
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let operation = RetryTestFlakyOperation(failures: index % 4)
                    _ = try? await retry.execute { try await operation() }
                }
            }
        }
        // failures 0 → 1 attempt ok; 1 → 2 ok; 2 → 3 ok; 3 → 3 attempts, failed.
        #expect(
            retry.statistics
                == RetryStatistics(
                    callsSucceededWithoutRetry: 50,
                    callsSucceededAfterRetry: 100,
                    callsFailedAfterRetry: 50,
                    totalAttempts: 50 * (1 + 2 + 3 + 3)
                )
        )
    }

    @Test func invalidConfigurationsNameTheField() {
        expectRetryInvalidConfiguration("maxAttempts") { _ = try RetryConfiguration(maxAttempts: 0) }
        expectRetryInvalidConfiguration("maxAttempts") { _ = try RetryConfiguration(maxAttempts: -3) }
        expectRetryInvalidConfiguration("maximumDelay") { _ = try RetryConfiguration(maximumDelay: .zero) }
        expectRetryInvalidConfiguration("deadline") { _ = try RetryConfiguration(deadline: .zero) }
        expectRetryInvalidConfiguration("deadline") { _ = try RetryConfiguration(deadline: .seconds(-1)) }
    }
}
