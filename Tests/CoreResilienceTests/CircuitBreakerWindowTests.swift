import CoreProtocols
import CoreTestKit
import Testing

@testable import CoreResilience

@Suite struct CircuitBreakerCountWindowTests {
    @Test func evictsTheOldestOutcomeExactlyWhenFull() {
        var window = BreakerSlidingWindow(countBased: 3)
        window.record(failure: true, slow: false, second: 0)
        window.record(failure: false, slow: true, second: 0)
        window.record(failure: false, slow: false, second: 0)
        #expect(window.totals == .init(calls: 3, failures: 1, slowCalls: 1, slowFailures: 0))
        window.record(failure: false, slow: false, second: 0)  // evicts the failure
        #expect(window.totals == .init(calls: 3, failures: 0, slowCalls: 1, slowFailures: 0))
        window.record(failure: true, slow: true, second: 0)  // evicts the slow success
        #expect(window.totals == .init(calls: 3, failures: 1, slowCalls: 1, slowFailures: 1))
        window.record(failure: false, slow: false, second: 0)
        window.record(failure: false, slow: false, second: 0)
        #expect(window.totals == .init(calls: 3, failures: 1, slowCalls: 1, slowFailures: 1))
        window.record(failure: false, slow: false, second: 0)  // evicts the slow failure
        #expect(window.totals == .init(calls: 3, failures: 0, slowCalls: 0, slowFailures: 0))
    }

    @Test func runningTotalsMatchARecountOverManyCalls() {
        var window = BreakerSlidingWindow(countBased: 7)
        var outcomes: [(failure: Bool, slow: Bool)] = []
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1_000 {
            let outcome = (failure: Bool.random(using: &generator), slow: Bool.random(using: &generator))
            outcomes.append(outcome)
            window.record(failure: outcome.failure, slow: outcome.slow, second: 0)
            let last = outcomes.suffix(7)
            #expect(
                window.totals
                    == .init(
                        calls: last.count,
                        failures: last.filter(\.failure).count,
                        slowCalls: last.filter(\.slow).count,
                        slowFailures: last.filter { $0.failure && $0.slow }.count))
        }
    }

    @Test func resetForgetsEverything() {
        var window = BreakerSlidingWindow(countBased: 2)
        window.record(failure: true, slow: true, second: 0)
        window.reset()
        #expect(window.totals == .init())
        window.record(failure: false, slow: false, second: 0)
        window.record(failure: false, slow: false, second: 0)
        window.record(failure: false, slow: false, second: 0)
        #expect(window.totals == .init(calls: 2, failures: 0, slowCalls: 0, slowFailures: 0))
    }

    @Test func theBreakerForgetsFailuresThatLeftTheWindow() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) {
            try .init(minimumNumberOfCalls: 3, slidingWindow: .countBased(size: 3))
        }
        await breaker.failOnce()
        try await breaker.succeedOnce()
        try await breaker.succeedOnce()  // 1 of 3: 33 %
        await breaker.failOnce()  // evicts the first failure: 1 of 3 again
        #expect(breaker.state == .closed)
        await breaker.failOnce()  // 2 of 3: 67 %
        #expect(breaker.state == .open)
    }

    @Test func theMinimumIsCappedAtTheWindowSize() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) {
            try .init(minimumNumberOfCalls: 100, slidingWindow: .countBased(size: 4))
        }
        for _ in 0..<3 { await breaker.failOnce() }
        #expect(breaker.state == .closed)
        await breaker.failOnce()
        #expect(breaker.state == .open)
    }
}

@Suite struct CircuitBreakerTimeWindowTests {
    @Test func bucketsExpireAsTheClockMovesPastThem() {
        var window = BreakerSlidingWindow(timeBased: 3)
        window.record(failure: true, slow: false, second: 100)
        window.record(failure: false, slow: true, second: 101)
        window.record(failure: false, slow: false, second: 102)
        window.record(failure: true, slow: true, second: 102)
        #expect(window.totals(asOf: 102) == .init(calls: 4, failures: 2, slowCalls: 2, slowFailures: 1))
        #expect(window.totals(asOf: 103) == .init(calls: 3, failures: 1, slowCalls: 2, slowFailures: 1))
        #expect(window.totals(asOf: 104) == .init(calls: 2, failures: 1, slowCalls: 1, slowFailures: 1))
        #expect(window.totals(asOf: 105) == .init())
    }

    @Test func aJumpLongerThanTheWindowEmptiesIt() {
        var window = BreakerSlidingWindow(timeBased: 5)
        for second in Int64(10)..<15 { window.record(failure: true, slow: false, second: second) }
        #expect(window.totals(asOf: 14).calls == 5)
        window.record(failure: false, slow: false, second: 1_000_000)
        #expect(window.totals == .init(calls: 1, failures: 0, slowCalls: 0, slowFailures: 0))
    }

    @Test func aLateOutcomeCountsInItsOwnSecondOrIsDroppedWhenOutOfTheWindow() {
        var window = BreakerSlidingWindow(timeBased: 3)
        window.record(failure: false, slow: false, second: 50)
        window.record(failure: true, slow: false, second: 49)  // read before, recorded after: still in the window
        #expect(window.totals(asOf: 50) == .init(calls: 2, failures: 1, slowCalls: 0, slowFailures: 0))
        window.record(failure: true, slow: false, second: 47)  // three seconds old: out
        #expect(window.totals(asOf: 50).calls == 2)
        #expect(window.totals(asOf: 52) == .init(calls: 1, failures: 0, slowCalls: 0, slowFailures: 0))
    }

    @Test func runningTotalsMatchARecountAcrossBucketBoundaries() {
        var window = BreakerSlidingWindow(timeBased: 4)
        var outcomes: [(second: Int64, failure: Bool)] = []
        var generator = SystemRandomNumberGenerator()
        var second: Int64 = 1_000
        for _ in 0..<500 {
            second += Int64.random(in: 0...2, using: &generator)
            let failure = Bool.random(using: &generator)
            outcomes.append((second, failure))
            window.record(failure: failure, slow: false, second: second)
            let inWindow = outcomes.filter { $0.second > second - 4 }
            #expect(window.totals.calls == inWindow.count)
            #expect(window.totals.failures == inWindow.filter(\.failure).count)
        }
    }

    @Test func theBreakerCountsOnlyTheLastSeconds() async throws {
        let clock = ManualClock(start: WhaleInstant(secondsSinceEpoch: 1_000))
        let breaker = try makeBreaker(clock: clock) {
            try .init(minimumNumberOfCalls: 3, slidingWindow: .timeBased(seconds: 10))
        }
        await breaker.failOnce()
        await breaker.failOnce()
        clock.advance(by: .seconds(10))  // both failures leave the window
        #expect(breaker.metrics.numberOfCalls == 0)
        await breaker.failOnce()
        #expect(breaker.state == .closed)
        clock.advance(by: .seconds(9))  // second 1 019: the failure of second 1 010 is still inside
        await breaker.failOnce()
        #expect(breaker.state == .closed)
        await breaker.failOnce()
        #expect(breaker.state == .open)
    }

    @Test func bucketBoundariesFollowWholeSecondsOfTheClock() async throws {
        let clock = ManualClock(start: WhaleInstant(secondsSinceEpoch: 1_000))
        let breaker = try makeBreaker(clock: clock) {
            try .init(minimumNumberOfCalls: 2, slidingWindow: .timeBased(seconds: 2))
        }
        clock.advance(by: .milliseconds(999))  // 1 000.999 s: bucket 1 000
        await breaker.failOnce()
        clock.advance(by: .milliseconds(1))  // 1 001.000 s: bucket 1 001
        #expect(breaker.metrics.numberOfCalls == 1)
        clock.advance(by: .milliseconds(999))  // 1 001.999 s: the window is 1 000 and 1 001
        #expect(breaker.metrics.numberOfCalls == 1)
        clock.advance(by: .milliseconds(1))  // 1 002.000 s: bucket 1 000 leaves
        #expect(breaker.metrics.numberOfCalls == 0)
        await breaker.failOnce()
        #expect(breaker.state == .closed)
        await breaker.failOnce()
        #expect(breaker.state == .open)
    }

    @Test func timeBasedWindowsTimeCallsAndTrackSlowCallsAtTheDefaultThreshold() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(
                slowCallDurationThreshold: .seconds(1), minimumNumberOfCalls: 2, slidingWindow: .timeBased(seconds: 60))
        }
        try await breaker.run { clock.advance(by: .seconds(2)) }
        #expect(breaker.metrics.numberOfSlowCalls == 1)
        try await breaker.run { clock.advance(by: .seconds(2)) }
        #expect(breaker.state == .open)
        #expect(breaker.history.last?.reason == "slow-call rate 100 % ≥ 100 %")
    }
}
