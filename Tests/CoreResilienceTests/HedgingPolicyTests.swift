import CoreProtocols
@testable import CoreResilience
import CoreTestKit
import Synchronization
import Testing

@Suite struct HedgingPolicyTests {
    private let clock = ManualClock()

    private func hedging(maxHedgedAttempts: Int = 1, delay: Duration = .seconds(1)) throws -> HedgingPolicy {
        HedgingPolicy(
            name: "test",
            configuration: try HedgingConfiguration(maxHedgedAttempts: maxHedgedAttempts, delay: delay),
            clock: clock
        )
    }

    @Test func theDefaultsAreDocumented() throws {
        let defaults = HedgingConfiguration.default
        #expect(defaults.maxHedgedAttempts == 1)
        #expect(defaults.delay == .seconds(2))
        #expect(defaults.shouldHedgeOn(WhaleError(.timeout, "slow")))
        #expect(!defaults.shouldHedgeOn(WhaleError(.invalidInput, "bad")))
        let built = try HedgingConfiguration()
        #expect(built.maxHedgedAttempts == 1 && built.delay == .seconds(2))
    }

    @Test func aFastPrimaryNeedsNoHedge() async throws {
        let policy = try hedging()
        let attempts = Atomic<Int>(0)
        let result = try await policy.execute { () async throws -> String in
            attempts.add(1, ordering: .relaxed)
            return "primary"
        }
        #expect(result == "primary")
        #expect(attempts.load(ordering: .relaxed) == 1)
        #expect(clock.sleeperCount == 0, "the hedge timer was cancelled")
    }

    @Test func aFastHedgeBeatsASlowPrimaryWhichIsCancelled() async throws {
        let policy = try hedging(delay: .seconds(1))
        let primaryCancelled = RetryTestFlag()
        let call = Task {
            try await policy.execute(attempt: { attempt -> String in
                if attempt == 1 {
                    do {
                        try await clock.sleep(for: .seconds(10))
                    } catch {
                        primaryCancelled.set()
                        throw error
                    }
                    return "primary"
                }
                return "hedge \(attempt)"
            })
        }
        // The primary's sleep and the hedge timer.
        await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(999))
        #expect(clock.sleeperCount == 2, "no hedge before the delay")
        clock.advance(by: .milliseconds(1))
        #expect(try await call.value == "hedge 2")
        #expect(primaryCancelled.isSet, "the losing primary was cancelled")
        #expect(clock.sleeperCount == 0)
    }

    @Test func aRetriableFailureStartsTheNextHedgeAtOnce() async throws {
        let policy = try hedging(maxHedgedAttempts: 2, delay: .seconds(30))
        let result = try await policy.execute(attempt: { attempt -> String in
            if attempt == 1 { throw WhaleError(.unavailable, "primary down") }
            return "hedge \(attempt)"
        })
        #expect(result == "hedge 2", "no clock advance was needed")
        #expect(clock.sleeperCount == 0)
    }

    @Test func aNonHedgeableErrorEndsTheCall() async throws {
        let policy = try hedging(maxHedgedAttempts: 3, delay: .seconds(1))
        let attempts = Atomic<Int>(0)
        let error = await #expect(throws: WhaleError.self) {
            try await policy.execute { () async throws -> Int in
                attempts.add(1, ordering: .relaxed)
                throw WhaleError(.invalidInput, "bad request")
            }
        }
        #expect(error?.code == .invalidInput)
        #expect(attempts.load(ordering: .relaxed) == 1)
        #expect(clock.sleeperCount == 0)
    }

    @Test func whenEveryAttemptFailsTheLastErrorIsThrown() async throws {
        let policy = try hedging(maxHedgedAttempts: 2, delay: .seconds(1))
        let error = await #expect(throws: WhaleError.self) {
            try await policy.execute(attempt: { attempt -> Int in
                throw WhaleError(.unavailable, "attempt \(attempt) failed")
            })
        }
        #expect(error?.message == "attempt 3 failed")
        #expect(clock.sleeperCount == 0)
    }

    @Test func aZeroDelayStartsEveryAttemptInParallel() async throws {
        let policy = try hedging(maxHedgedAttempts: 2, delay: .zero)
        let cancelled = Atomic<Int>(0)
        let call = Task {
            try await policy.execute(attempt: { attempt -> Int in
                do {
                    // Attempt 1 takes 3 s, attempt 2 takes 2 s, attempt 3 takes 1 s.
                    try await clock.sleep(for: .seconds(Int64(4 - attempt)))
                } catch {
                    cancelled.add(1, ordering: .relaxed)
                    throw error
                }
                return attempt
            })
        }
        await clock.waitForSleepers(count: 3)
        clock.advance(by: .seconds(1))
        #expect(try await call.value == 3)
        #expect(cancelled.load(ordering: .relaxed) == 2, "both losers were cancelled")
        #expect(clock.sleeperCount == 0)
    }

    @Test func hedgesFollowEachOtherAfterTheDelay() async throws {
        let policy = try hedging(maxHedgedAttempts: 2, delay: .seconds(1))
        let started = Mutex<[Int]>([])
        let call = Task {
            try await policy.execute(attempt: { attempt -> Int in
                started.withLock { $0.append(attempt) }
                try await clock.sleep(for: .seconds(100))
                return attempt
            })
        }
        await clock.waitForSleepers(count: 2)  // attempt 1 + timer
        clock.advance(by: .seconds(1))
        await clock.waitForSleepers(count: 3)  // attempts 1, 2 + timer
        clock.advance(by: .seconds(1))
        await clock.waitForSleepers(count: 3)  // attempts 1, 2, 3, no timer left
        #expect(started.withLock { $0 } == [1, 2, 3])
        clock.advance(by: .seconds(98))
        #expect(try await call.value == 1, "attempt 1 finishes first, at 100 s")
    }

    @Test func callerCancellationCancelsEveryAttempt() async throws {
        let policy = try hedging(maxHedgedAttempts: 1, delay: .zero)
        let cancelled = Atomic<Int>(0)
        let call = Task {
            try await policy.execute { () async throws -> Int in
                do {
                    try await clock.sleep(for: .seconds(100))
                } catch {
                    cancelled.add(1, ordering: .relaxed)
                    throw error
                }
                return 1
            }
        }
        await clock.waitForSleepers(count: 2)
        call.cancel()
        await #expect(throws: CancellationError.self) { try await call.value }
        #expect(cancelled.load(ordering: .relaxed) == 2)
        #expect(clock.sleeperCount == 0)
    }

    @Test func aCustomPredicateChoosesWhatToHedgeOn() async throws {
        struct Busy: Error {}
        let policy = HedgingPolicy(
            name: "custom",
            configuration: try HedgingConfiguration(maxHedgedAttempts: 1, delay: .seconds(5), shouldHedgeOn: { $0 is Busy }),
            clock: clock
        )
        let result = try await policy.execute(attempt: { attempt -> Int in
            if attempt == 1 { throw Busy() }
            return attempt
        })
        #expect(result == 2)
    }

    @Test func invalidConfigurationsNameTheField() {
        expectRetryInvalidConfiguration("maxHedgedAttempts") { _ = try HedgingConfiguration(maxHedgedAttempts: 0) }
        expectRetryInvalidConfiguration("delay") { _ = try HedgingConfiguration(delay: .milliseconds(-1)) }
    }
}
