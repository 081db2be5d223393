import CoreProtocols
@testable import CoreResilience
import CoreTestKit
import MetricsTestKit
import Synchronization
import Testing

@Suite struct RetryBudgetTests {
    private let clock = ManualClock()

    @Test func theDefaultsAreDocumented() throws {
        let budget = try RetryBudget(clock: clock)
        #expect(budget.ratio == 0.1)
        #expect(budget.minimumRetriesPerSecond == 10)
        #expect(budget.depositWindow == 1_000)
        #expect(budget.availableTokens == 10, "a new budget starts with a full reserve and nothing earned")
    }

    @Test func aFailureStormAddsAtMostTheRatioOfExtraAttempts() async throws {
        let budget = try RetryBudget(ratio: 0.1, minimumRetriesPerSecond: 10, clock: clock)
        let retry = RetryPolicy(
            name: "storm",
            configuration: try RetryConfiguration(maxAttempts: 5, backoff: .constant(.zero), budget: budget),
            clock: clock,
            metricsFactory: TestMetrics()
        )
        let calls = 10_000
        for _ in 0..<calls {
            await #expect(throws: WhaleError.self) {
                try await retry.execute { () async throws -> Int in throw WhaleError(.unavailable, "down") }
            }
        }
        // The clock never moves: retries = ratio × calls + the initial reserve,
        // exactly, because deposits of 0.1 add up exactly in millionths.
        let bound = calls + calls / 10 + 10
        let statistics = retry.statistics
        #expect(statistics.totalAttempts == bound)
        #expect(statistics.totalAttempts == 11_010)
        // Calls 1 and 2 spend the reserve on all 4 retries; every later call is
        // refused its first or second retry.
        #expect(statistics.retriesDeniedByBudget == 9_998)
        #expect(statistics.callsFailedWithoutRetry == 8_997)
        #expect(statistics.callsFailedAfterRetry == 1_003)
        #expect(budget.availableTokens == 0)
    }

    @Test func aConcurrentStormStaysWithinTheBound() async throws {
        let budget = try RetryBudget(ratio: 0.1, minimumRetriesPerSecond: 10, clock: clock)
        let configuration = try RetryConfiguration(maxAttempts: 5, backoff: .constant(.zero), budget: budget)
        let policies = (0..<2).map { index in
            RetryPolicy(name: "storm-\(index)", configuration: configuration, clock: clock, metricsFactory: TestMetrics())
        }
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<100 {
                let retry = policies[task % 2]
                group.addTask {
                    for _ in 0..<50 {
                        _ = try? await retry.execute { () async throws -> Int in throw WhaleError(.unavailable, "down") }
                    }
                }
            }
        }
        let attempts = policies.map(\.statistics.totalAttempts).reduce(0, +)
        #expect(attempts <= 5_000 + 500 + 10)
        #expect(attempts >= 5_000 + 500 + 10 - 4, "at most the last few deposits can be left unspent")
    }

    @Test func theReserveRefillsWithTimeUpToOneSecondsWorth() throws {
        let budget = try RetryBudget(ratio: 0.1, minimumRetriesPerSecond: 10, clock: clock)
        for _ in 0..<10 { #expect(budget.tryAcquireRetry()) }
        #expect(!budget.tryAcquireRetry())
        clock.advance(by: .milliseconds(99))
        #expect(!budget.tryAcquireRetry(), "0.99 tokens are not enough")
        clock.advance(by: .milliseconds(1))
        #expect(budget.tryAcquireRetry())
        #expect(!budget.tryAcquireRetry())
        // Sub-millionth remainders carry over: 3 × 33.333334 ms ≥ 100 ms.
        for _ in 0..<3 { clock.advance(by: .nanoseconds(33_333_334)) ; _ = budget.availableTokens }
        #expect(budget.tryAcquireRetry())
        clock.advance(by: .seconds(3_600))
        #expect(budget.availableTokens == 10, "capped at one second's worth")
        for _ in 0..<10 { #expect(budget.tryAcquireRetry()) }
        #expect(!budget.tryAcquireRetry())
    }

    @Test func earnedTokensAreCappedByTheDepositWindow() throws {
        let budget = try RetryBudget(ratio: 0.1, minimumRetriesPerSecond: 0, depositWindow: 100, clock: clock)
        #expect(budget.availableTokens == 0)
        #expect(!budget.tryAcquireRetry())
        for _ in 0..<9 { budget.recordRequest() }
        #expect(!budget.tryAcquireRetry(), "0.9 tokens")
        budget.recordRequest()
        #expect(budget.tryAcquireRetry())
        for _ in 0..<1_000 { budget.recordRequest() }
        #expect(budget.availableTokens == 10, "ratio × depositWindow")
    }

    @Test func earnedTokensAreSpentBeforeTheReserve() throws {
        let budget = try RetryBudget(ratio: 0.5, minimumRetriesPerSecond: 1, clock: clock)
        budget.recordRequest()
        #expect(budget.availableTokens == 1.5)
        #expect(budget.tryAcquireRetry())
        #expect(budget.availableTokens == 0.5)
        // 0.5 earned were spent first, then 0.5 of the reserve: 0.5 left.
        #expect(!budget.tryAcquireRetry())
        // Half earned plus half reserve make one retry.
        budget.recordRequest()
        #expect(budget.tryAcquireRetry())
        #expect(budget.availableTokens == 0)
        #expect(!budget.tryAcquireRetry())
    }

    @Test func oneBudgetIsSharedByManyPolicies() async throws {
        let budget = try RetryBudget(ratio: 1, minimumRetriesPerSecond: 0, clock: clock)
        let first = RetryPolicy(
            name: "a",
            configuration: try RetryConfiguration(maxAttempts: 3, backoff: .constant(.zero), budget: budget),
            clock: clock,
            metricsFactory: TestMetrics()
        )
        let second = RetryPolicy(
            name: "b",
            configuration: try RetryConfiguration(maxAttempts: 3, backoff: .constant(.zero), budget: budget),
            clock: clock,
            metricsFactory: TestMetrics()
        )
        // `a` succeeds twice: 2 tokens. `b` fails: deposit 1 → 3 tokens, 2 retries.
        _ = try await first.execute { 1 }
        _ = try await first.execute { 1 }
        await #expect(throws: WhaleError.self) {
            try await second.execute { () async throws -> Int in throw WhaleError(.timeout, "slow") }
        }
        #expect(second.statistics.totalAttempts == 3)
        #expect(budget.availableTokens == 1)
    }

    @Test func aRetryCancelledDuringItsBackoffGivesItsTokenBack() async throws {
        let budget = try RetryBudget(ratio: 1, minimumRetriesPerSecond: 0, clock: clock)
        let retry = RetryPolicy(
            name: "cancelled",
            configuration: try RetryConfiguration(maxAttempts: 3, backoff: .constant(.seconds(10)), budget: budget),
            clock: clock,
            metricsFactory: TestMetrics()
        )
        let call = Task { try await retry.execute { () async throws -> Int in throw WhaleError(.unavailable, "down") } }
        await clock.waitForSleepers(count: 1)
        #expect(budget.availableTokens == 0, "the deposit was withdrawn for the retry")
        call.cancel()
        await #expect(throws: CancellationError.self) { try await call.value }
        #expect(budget.availableTokens == 1, "no token leaks with a retry that never ran")
        #expect(retry.statistics == RetryStatistics(callsCancelled: 1, totalAttempts: 1))
    }

    @Test func returnedTokensStayWithinTheCaps() throws {
        let budget = try RetryBudget(ratio: 0.1, minimumRetriesPerSecond: 2, depositWindow: 10, clock: clock)
        for _ in 0..<10 { budget.recordRequest() }
        #expect(budget.availableTokens == 3)
        budget.returnRetry()
        #expect(budget.availableTokens == 3, "both parts are full")
        #expect(budget.tryAcquireRetry())
        budget.returnRetry()
        #expect(budget.availableTokens == 3)
    }

    @Test func invalidSettingsNameTheField() {
        for ratio in [0, -0.1, 1.5, .nan, .infinity, 0.000_000_1] {
            expectRetryInvalidConfiguration("ratio") { _ = try RetryBudget(ratio: ratio, clock: clock) }
        }
        expectRetryInvalidConfiguration("minimumRetriesPerSecond") { _ = try RetryBudget(minimumRetriesPerSecond: -1, clock: clock) }
        expectRetryInvalidConfiguration("depositWindow") { _ = try RetryBudget(depositWindow: 0, clock: clock) }
        expectRetryInvalidConfiguration("depositWindow") { _ = try RetryBudget(ratio: 0.001, depositWindow: 10, clock: clock) }
    }
}
