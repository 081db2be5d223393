import CoreProtocols
import CoreTestKit
import MetricsTestKit
import Testing

@testable import CoreResilience

/// A retriable error: counts as a failure with the default predicate.
let breakerFailure = WhaleError(.unavailable, "dependency down")

/// Not a `RetriableError`: ignored by the default predicate.
struct BreakerTestBug: Error {}

func makeBreaker(
    _ name: String = "test",
    clock: ManualClock,
    metrics: TestMetrics = TestMetrics(),
    _ configuration: () throws -> CircuitBreakerConfiguration
) throws -> CircuitBreaker {
    try CircuitBreaker(name: name, configuration: configuration(), clock: clock, metricsFactory: metrics)
}

extension CircuitBreaker {
    /// Runs a successful call.
    func succeedOnce() async throws {
        try await run {}
    }

    /// Runs a failing call; returns whether the breaker let it through.
    @discardableResult
    func failOnce(with error: any Error = breakerFailure) async -> Bool {
        do {
            try await run { throw error }
            return true
        } catch let error as WhaleError where error.code == .circuitOpen {
            return false
        } catch {
            return true
        }
    }

    /// Whether the breaker refuses a call now (the operation is not run).
    func refusesACall() async -> Bool {
        var ran = false
        do {
            try await run { ran = true }
            return false
        } catch let error as WhaleError {
            #expect(!ran)
            #expect(!error.isRetriable)
            return error.code == .circuitOpen
        } catch {
            return false
        }
    }
}

@Suite struct CircuitBreakerConfigurationTests {
    @Test func defaultsMatchResilience4j() {
        let configuration = CircuitBreakerConfiguration()
        #expect(configuration.failureRateThreshold == 50)
        #expect(configuration.slowCallRateThreshold == 100)
        #expect(configuration.slowCallDurationThreshold == .seconds(60))
        #expect(configuration.minimumNumberOfCalls == 100)
        #expect(configuration.slidingWindow == .countBased(size: 100))
        #expect(configuration.permittedCallsInHalfOpenState == 10)
        #expect(configuration.maxWaitInHalfOpen == nil)
        #expect(configuration.waitInOpen == .fixed(.seconds(60)))
        #expect(!configuration.automaticTransitionFromOpenToHalfOpen)
        #expect(configuration.historyCapacity == 100)
        #expect(configuration.recordFailure(breakerFailure))
        #expect(!configuration.recordFailure(BreakerTestBug()))
        #expect(!configuration.timesCalls)
    }

    @Test func throwingInitialiserDefaultsEqualThePlainOne() throws {
        let configuration = try CircuitBreakerConfiguration(failureRateThreshold: 50)
        #expect(configuration.minimumNumberOfCalls == 100)
        #expect(configuration.slidingWindow == .countBased(size: 100))
    }

    struct InvalidCase: Sendable, CustomTestStringConvertible {
        var field: String
        var make: @Sendable () throws -> Void
        var testDescription: String { field }
    }

    static let invalidCases: [InvalidCase] = [
        .init(field: "failureRateThreshold") { _ = try CircuitBreakerConfiguration(failureRateThreshold: 0) },
        .init(field: "failureRateThreshold") { _ = try CircuitBreakerConfiguration(failureRateThreshold: 100.5) },
        .init(field: "failureRateThreshold") { _ = try CircuitBreakerConfiguration(failureRateThreshold: -5) },
        .init(field: "failureRateThreshold") { _ = try CircuitBreakerConfiguration(failureRateThreshold: .nan) },
        .init(field: "slowCallRateThreshold") { _ = try CircuitBreakerConfiguration(slowCallRateThreshold: 0) },
        .init(field: "slowCallRateThreshold") { _ = try CircuitBreakerConfiguration(slowCallRateThreshold: 101) },
        .init(field: "slowCallDurationThreshold") {
            _ = try CircuitBreakerConfiguration(slowCallDurationThreshold: .zero)
        },
        .init(field: "slowCallDurationThreshold") {
            _ = try CircuitBreakerConfiguration(slowCallDurationThreshold: .seconds(-1))
        },
        .init(field: "minimumNumberOfCalls") { _ = try CircuitBreakerConfiguration(minimumNumberOfCalls: 0) },
        .init(field: "slidingWindow.size") { _ = try CircuitBreakerConfiguration(slidingWindow: .countBased(size: 0)) },
        .init(field: "slidingWindow.seconds") {
            _ = try CircuitBreakerConfiguration(slidingWindow: .timeBased(seconds: 0))
        },
        .init(field: "slidingWindow.seconds") {
            _ = try CircuitBreakerConfiguration(slidingWindow: .timeBased(seconds: -3))
        },
        .init(field: "permittedCallsInHalfOpenState") {
            _ = try CircuitBreakerConfiguration(permittedCallsInHalfOpenState: 0)
        },
        .init(field: "maxWaitInHalfOpen") { _ = try CircuitBreakerConfiguration(maxWaitInHalfOpen: .zero) },
        .init(field: "waitInOpen") { _ = try CircuitBreakerConfiguration(waitInOpen: .fixed(.zero)) },
        .init(field: "waitInOpen") { _ = try CircuitBreakerConfiguration(waitInOpen: .fixed(.seconds(-1))) },
        .init(field: "waitInOpen.initial") {
            _ = try CircuitBreakerConfiguration(waitInOpen: .exponential(initial: .zero, maximum: .seconds(1)))
        },
        .init(field: "waitInOpen.multiplier") {
            _ = try CircuitBreakerConfiguration(
                waitInOpen: .exponential(initial: .seconds(1), multiplier: 0.5, maximum: .seconds(10)))
        },
        .init(field: "waitInOpen.maximum") {
            _ = try CircuitBreakerConfiguration(waitInOpen: .exponential(initial: .seconds(10), maximum: .seconds(5)))
        },
        .init(field: "historyCapacity") { _ = try CircuitBreakerConfiguration(historyCapacity: 0) },
        .init(field: "name") { _ = try CircuitBreaker(name: "", clock: ManualClock()) },
        .init(field: "nodeID") { _ = try CircuitBreaker(name: "a", clock: ManualClock(), nodeID: "") },
        .init(field: "syncInterval") { _ = try CircuitBreaker(name: "a", clock: ManualClock(), syncInterval: .zero) },
    ]

    @Test(arguments: invalidCases)
    func invalidValuesAreRejectedNamingTheField(_ invalid: InvalidCase) {
        do {
            try invalid.make()
            Issue.record("\(invalid.field): no error")
        } catch let error as WhaleError {
            #expect(error.code == .invalidConfiguration)
            #expect(error.message.hasPrefix(invalid.field + ":"), "\(error.message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func exponentialWaitGrowsPerOpeningUpToTheMaximum() {
        let wait = CircuitBreakerConfiguration.WaitInOpen.exponential(
            initial: .seconds(10), multiplier: 2, maximum: .seconds(30))
        #expect(wait.duration(forOpening: 1) == .seconds(10))
        #expect(wait.duration(forOpening: 2) == .seconds(20))
        #expect(wait.duration(forOpening: 3) == .seconds(30))
        #expect(wait.duration(forOpening: 50) == .seconds(30))
        #expect(CircuitBreakerConfiguration.WaitInOpen.fixed(.seconds(7)).duration(forOpening: 9) == .seconds(7))
    }

    @Test func statesHaveStableNames() {
        #expect(CircuitBreakerState.all.map(\.name) == ["closed", "open", "half_open", "forced_open", "disabled"])
        #expect(CircuitBreakerState.all.map(\.metricValue) == [0, 1, 2, 3, 4])
        for state in CircuitBreakerState.all {
            #expect(CircuitBreakerState(name: state.name) == state)
        }
        #expect(CircuitBreakerState(name: "ajar") == nil)
    }
}

@Suite struct CircuitBreakerTransitionTests {
    @Test func opensWhenTheFailureRateReachesTheThreshold() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(minimumNumberOfCalls: 4, slidingWindow: .countBased(size: 4))
        }
        try await breaker.succeedOnce()
        try await breaker.succeedOnce()
        await breaker.failOnce()
        #expect(breaker.state == .closed)  // 3 calls < minimum of 4
        await breaker.failOnce()
        #expect(breaker.state == .open)
        #expect(breaker.history.map(\.reason) == ["failure rate 50 % ≥ 50 %"])
        #expect(breaker.history.first?.from == .closed)
        #expect(breaker.history.first?.at == clock.now)
        #expect(await breaker.refusesACall())
    }

    @Test func reasonCarriesTheRateWithOneDecimal() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) {
            try .init(minimumNumberOfCalls: 8, slidingWindow: .countBased(size: 8))
        }
        for _ in 0..<3 { try await breaker.succeedOnce() }
        for _ in 0..<5 { await breaker.failOnce() }
        #expect(breaker.history.map(\.reason) == ["failure rate 62.5 % ≥ 50 %"])
    }

    @Test func staysClosedBelowTheMinimumNumberOfCalls() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) {
            try .init(minimumNumberOfCalls: 5, slidingWindow: .countBased(size: 10))
        }
        for _ in 0..<4 { await breaker.failOnce() }
        #expect(breaker.state == .closed)
        #expect(breaker.metrics.failureRate == nil)
        #expect(breaker.metrics.numberOfFailedCalls == 4)
        await breaker.failOnce()
        #expect(breaker.state == .open)
    }

    @Test func staysClosedBelowTheFailureRate() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) {
            try .init(failureRateThreshold: 60, minimumNumberOfCalls: 10, slidingWindow: .countBased(size: 10))
        }
        for _ in 0..<5 { try await breaker.succeedOnce() }
        for _ in 0..<5 { await breaker.failOnce() }
        #expect(breaker.state == .closed)
        #expect(breaker.metrics.failureRate == 50)
        await breaker.failOnce()  // evicts a success: 6 of 10
        #expect(breaker.state == .open)
    }

    @Test func opensWhenTheSlowCallRateReachesTheThreshold() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(
                slowCallRateThreshold: 50, slowCallDurationThreshold: .seconds(1),
                minimumNumberOfCalls: 4, slidingWindow: .countBased(size: 4))
        }
        try await breaker.run { clock.advance(by: .seconds(2)) }
        try await breaker.succeedOnce()
        try await breaker.run { clock.advance(by: .milliseconds(999)) }  // just under: not slow
        #expect(breaker.metrics.numberOfSlowCalls == 1)
        try await breaker.run { clock.advance(by: .seconds(1)) }  // exactly the threshold: slow
        #expect(breaker.state == .open)
        #expect(breaker.history.map(\.reason) == ["slow-call rate 50 % ≥ 50 %"])
        #expect(breaker.metrics.numberOfSlowSuccessfulCalls == 2)
        #expect(breaker.metrics.numberOfFailedCalls == 0)
    }

    @Test func slowFailuresCountInBothRates() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(
                failureRateThreshold: 100, slowCallRateThreshold: 90, slowCallDurationThreshold: .seconds(1),
                minimumNumberOfCalls: 10, slidingWindow: .countBased(size: 10))
        }
        for _ in 0..<3 {
            await breaker.failOnce()
            _ = try? await breaker.run {
                clock.advance(by: .seconds(5))
                throw breakerFailure
            }
        }
        let metrics = breaker.metrics
        #expect(metrics.numberOfSlowFailedCalls == 3)
        #expect(metrics.numberOfFailedCalls == 6)
        #expect(metrics.numberOfSlowCalls == 3)
    }

    @Test func withoutSlowCallTrackingRunDoesNotTimeCalls() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(
                slowCallDurationThreshold: .seconds(1), minimumNumberOfCalls: 2, slidingWindow: .countBased(size: 2))
        }
        try await breaker.run { clock.advance(by: .seconds(5)) }
        try await breaker.run { clock.advance(by: .seconds(5)) }
        #expect(breaker.state == .closed)
        #expect(breaker.metrics.numberOfSlowCalls == 0)
        // The low-level API takes the duration from the caller: 100 % slow opens.
        breaker.onSuccess(duration: .seconds(2))
        breaker.onSuccess(duration: .seconds(2))
        #expect(breaker.state == .open)
    }

    @Test func movesToHalfOpenLazilyAfterAFixedWait() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(permittedCallsInHalfOpenState: 2, waitInOpen: .fixed(.seconds(30)))
        }
        breaker.transitionToOpen(reason: "test")
        clock.advance(by: .seconds(30) - .nanoseconds(1))
        #expect(await breaker.refusesACall())
        clock.advance(by: .nanoseconds(1))
        #expect(breaker.state == .open)  // lazily: nothing happens until the next call
        try await breaker.succeedOnce()
        #expect(breaker.state == .halfOpen)
        #expect(breaker.history.last?.reason == "wait in open of 30 s passed")
        try await breaker.succeedOnce()
        #expect(breaker.state == .closed)
        #expect(breaker.history.last?.reason == "2 probes: failure rate 0 % < 50 %")
        #expect(breaker.history.map(\.to) == [.open, .halfOpen, .closed])
    }

    @Test func exponentialWaitGrowsOnEachReopeningUpToTheCapAndResetsWhenClosed() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(
                permittedCallsInHalfOpenState: 1,
                waitInOpen: .exponential(initial: .seconds(10), multiplier: 2, maximum: .seconds(30)))
        }
        // Each opening: refused just before the wait, a failing probe just after it.
        breaker.transitionToOpen()
        for wait in [10, 20, 30, 30] {
            clock.advance(by: .seconds(wait) - .nanoseconds(1))
            #expect(await breaker.refusesACall(), "wait \(wait) s")
            clock.advance(by: .nanoseconds(1))
            #expect(await breaker.failOnce(), "probe after \(wait) s")
            #expect(breaker.state == .open)
        }
        clock.advance(by: .seconds(30))
        try await breaker.succeedOnce()
        #expect(breaker.state == .closed)
        breaker.transitionToOpen()
        clock.advance(by: .seconds(10))
        try await breaker.succeedOnce()
        #expect(breaker.state == .closed, "the wait starts again from the initial value")
    }

    @Test func movesToHalfOpenAutomaticallyWhenConfigured() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(waitInOpen: .fixed(.seconds(5)), automaticTransitionFromOpenToHalfOpen: true)
        }
        let events = breaker.events
        breaker.transitionToOpen()
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(5))
        var transitions: [CircuitBreakerTransition] = []
        for await event in events where event.kind == .stateTransition {
            if let transition = event.transition { transitions.append(transition) }
            if transitions.count == 2 { break }
        }
        #expect(transitions.map(\.to) == [.open, .halfOpen])
        #expect(breaker.state == .halfOpen)
        #expect(clock.sleeperCount == 0)
    }

    @Test func manualTransitionCancelsThePendingTimer() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(waitInOpen: .fixed(.seconds(5)), automaticTransitionFromOpenToHalfOpen: true)
        }
        breaker.transitionToOpen()
        await clock.waitForSleepers(count: 1)
        breaker.transitionToClosed()
        while clock.sleeperCount > 0 { await Task.yield() }
        clock.advance(by: .seconds(5))
        #expect(breaker.state == .closed)
    }

    @Test func closesWhenTheProbesSucceed() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) { try .init(permittedCallsInHalfOpenState: 3) }
        breaker.transitionToHalfOpen()
        try await breaker.succeedOnce()
        await breaker.failOnce()
        #expect(breaker.state == .halfOpen)
        try await breaker.succeedOnce()
        #expect(breaker.state == .closed)  // 1 of 3 failed: 33.3 % < 50 %
        #expect(breaker.history.last?.reason == "3 probes: failure rate 33.3 % < 50 %")
        #expect(breaker.metrics.numberOfCalls == 0, "closing starts an empty window")
    }

    @Test func reopensWhenTheProbesFailAndDecidesOnlyAfterAllOfThem() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) { try .init(permittedCallsInHalfOpenState: 4) }
        breaker.transitionToHalfOpen()
        await breaker.failOnce()
        await breaker.failOnce()
        try await breaker.succeedOnce()
        #expect(breaker.state == .halfOpen)
        #expect(breaker.metrics.failureRate == nil)
        #expect(breaker.metrics.numberOfCalls == 3)
        try await breaker.succeedOnce()
        #expect(breaker.state == .open)
        #expect(breaker.history.last?.reason == "4 probes: failure rate 50 % ≥ 50 %")
    }

    @Test func reopensWhenTheProbesAreSlow() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(
                slowCallRateThreshold: 50, slowCallDurationThreshold: .seconds(1), permittedCallsInHalfOpenState: 2)
        }
        breaker.transitionToHalfOpen()
        try await breaker.run { clock.advance(by: .seconds(3)) }
        try await breaker.succeedOnce()
        #expect(breaker.state == .open)
        #expect(breaker.history.last?.reason == "2 probes: slow-call rate 50 % ≥ 50 %")
    }

    @Test func halfOpenRefusesCallsBeyondItsPermits() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) { try .init(permittedCallsInHalfOpenState: 2) }
        breaker.transitionToHalfOpen()
        let first = try breaker.acquirePermission()
        let second = try breaker.acquirePermission()
        do {
            try breaker.acquirePermission()
            Issue.record("a third permit was granted")
        } catch let error as WhaleError {
            #expect(error.code == .circuitOpen)
            #expect(error.message == "circuit breaker 'test' is half_open and all 2 probe permits are in use")
        }
        breaker.onSuccess(duration: .zero, permit: first)
        breaker.onSuccess(duration: .zero, permit: second)
        #expect(breaker.state == .closed)
    }

    @Test func reopensWhenProbesDoNotReportWithinTheMaxWait() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(permittedCallsInHalfOpenState: 2, maxWaitInHalfOpen: .seconds(5))
        }
        let events = breaker.events
        breaker.transitionToHalfOpen()
        let stuck = try breaker.acquirePermission()  // a probe that never reports
        try await breaker.succeedOnce()
        await clock.waitForSleepers(count: 1)  // the max-wait timer
        clock.advance(by: .seconds(5))
        var last: CircuitBreakerTransition?
        for await event in events where event.kind == .stateTransition {
            last = event.transition
            if last?.to == .open { break }
        }
        #expect(last?.reason == "no decision within the max wait in half-open of 5 s")
        #expect(breaker.state == .open)
        breaker.onSuccess(duration: .zero, permit: stuck)  // late: ignored
        #expect(breaker.state == .open)
    }

    @Test func maxWaitInHalfOpenIsCheckedLazilyToo() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(permittedCallsInHalfOpenState: 1, maxWaitInHalfOpen: .seconds(5))
        }
        breaker.transitionToHalfOpen()
        _ = try breaker.acquirePermission()
        // Move time without waking the timer task's sleep first: the next call decides.
        clock.advance(by: .seconds(6))
        #expect(await breaker.refusesACall())
        #expect(breaker.state == .open)
    }

    @Test func forcedOpenRefusesEverythingUntilChanged() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) { try .init(waitInOpen: .fixed(.seconds(1))) }
        breaker.transitionToForcedOpen()
        clock.advance(by: .seconds(3600))
        for _ in 0..<3 {
            do {
                try await breaker.succeedOnce()
                Issue.record("forced-open let a call through")
            } catch let error as WhaleError {
                #expect(error.code == .circuitOpen)
                #expect(error.message == "circuit breaker 'test' is forced_open")
            }
        }
        #expect(breaker.state == .forcedOpen)
        #expect(breaker.metrics.numberOfNotPermittedCalls == 3)
        breaker.transitionToClosed()
        try await breaker.succeedOnce()
        #expect(breaker.state == .closed)
    }

    @Test func disabledLetsEverythingThroughAndRecordsNothing() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) {
            try .init(minimumNumberOfCalls: 1, slidingWindow: .countBased(size: 1))
        }
        breaker.transitionToDisabled()
        for _ in 0..<10 { #expect(await breaker.failOnce()) }
        #expect(breaker.state == .disabled)
        #expect(breaker.metrics.numberOfCalls == 0)
        breaker.transitionToClosed()
        await breaker.failOnce()
        #expect(breaker.state == .open)
    }

    @Test func resetClosesWithAnEmptyWindow() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(minimumNumberOfCalls: 2, slidingWindow: .countBased(size: 2))
        }
        let events = breaker.events
        await breaker.failOnce()
        await breaker.failOnce()
        #expect(await breaker.refusesACall())
        breaker.reset()
        #expect(breaker.state == .closed)
        #expect(breaker.metrics.numberOfCalls == 0)
        #expect(breaker.metrics.numberOfNotPermittedCalls == 0)
        #expect(breaker.history.last?.reason == "reset")
        await breaker.failOnce()
        #expect(breaker.state == .closed, "the window was emptied: 1 call < minimum 2")
        var kinds: [CircuitBreakerEvent.Kind] = []
        for await event in events {
            kinds.append(event.kind)
            if event.kind == .reset { break }
        }
        #expect(kinds == [.error, .error, .stateTransition, .callNotPermitted, .stateTransition, .reset])
    }

    @Test func resetOfAClosedBreakerEmptiesItsWindowAndDropsCallsInFlight() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) {
            try .init(minimumNumberOfCalls: 2, slidingWindow: .countBased(size: 2))
        }
        await breaker.failOnce()
        let inFlight = try breaker.acquirePermission()
        breaker.reset()
        breaker.onError(breakerFailure, duration: .zero, permit: inFlight)
        #expect(breaker.metrics.numberOfCalls == 0)
        #expect(breaker.history.isEmpty)
    }

    @Test func openRejectionNamesTheBreakerAndTheRemainingWait() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker("redis", clock: clock) { try .init(waitInOpen: .fixed(.seconds(60))) }
        breaker.transitionToOpen()
        clock.advance(by: .milliseconds(47_500))
        do {
            try await breaker.succeedOnce()
            Issue.record("open breaker let a call through")
        } catch let error as WhaleError {
            #expect(error.code == .circuitOpen)
            #expect(!error.isRetriable)
            #expect(error.message == "circuit breaker 'redis' is open; probes pass again in 12.5 s")
        }
    }

    @Test func executeConformsToResiliencePolicy() async throws {
        let policy: any ResiliencePolicy = try makeBreaker(clock: ManualClock()) { CircuitBreakerConfiguration() }
        let value = try await policy.execute { 42 }
        #expect(value == 42)
    }

    @Test func historyIsBoundedAndOldestFirst() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) { try .init(historyCapacity: 3) }
        breaker.transitionToOpen(reason: "1")
        breaker.transitionToClosed(reason: "2")
        breaker.transitionToForcedOpen(reason: "3")
        breaker.transitionToDisabled(reason: "4")
        breaker.transitionToClosed(reason: "5")
        #expect(breaker.history.map(\.reason) == ["3", "4", "5"])
        #expect(breaker.history.map(\.from) == [.closed, .forcedOpen, .disabled])
    }

    @Test func transitionToTheSameStateIsANoOp() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) { CircuitBreakerConfiguration() }
        breaker.transitionToClosed()
        breaker.transitionToOpen()
        breaker.transitionToOpen()
        #expect(breaker.history.count == 1)
    }
}

@Suite struct CircuitBreakerPredicateTests {
    @Test func nonRetriableErrorsAreIgnoredByDefault() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) {
            try .init(minimumNumberOfCalls: 1, slidingWindow: .countBased(size: 1))
        }
        for _ in 0..<5 { await breaker.failOnce(with: BreakerTestBug()) }
        await breaker.failOnce(with: WhaleError(.invalidInput, "bad request"))
        #expect(breaker.state == .closed)
        #expect(breaker.metrics.numberOfCalls == 0)
        await breaker.failOnce(with: WhaleError(.timeout, "slow"))
        #expect(breaker.state == .open)
    }

    @Test func aCustomPredicateDecides() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) {
            try .init(
                minimumNumberOfCalls: 2, slidingWindow: .countBased(size: 2),
                recordFailure: { $0 is BreakerTestBug })
        }
        await breaker.failOnce(with: breakerFailure)  // retriable, but the predicate says no
        #expect(breaker.metrics.numberOfCalls == 0)
        await breaker.failOnce(with: BreakerTestBug())
        await breaker.failOnce(with: BreakerTestBug())
        #expect(breaker.state == .open)
    }

    @Test func cancellationNeverCountsWhateverThePredicateSays() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) {
            try .init(minimumNumberOfCalls: 1, slidingWindow: .countBased(size: 1), recordFailure: { _ in true })
        }
        await breaker.failOnce(with: CancellationError())
        await breaker.failOnce(with: WhaleError(.cancelled, "caller went away"))
        breaker.onError(CancellationError(), duration: .seconds(1))
        #expect(breaker.state == .closed)
        #expect(breaker.metrics.numberOfCalls == 0)
    }

    @Test func anErrorThrownByACancelledTaskDoesNotCount() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) {
            try .init(minimumNumberOfCalls: 1, slidingWindow: .countBased(size: 1))
        }
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await breaker.failOnce(with: breakerFailure)
        }
        await task.value
        #expect(breaker.state == .closed)
        #expect(breaker.metrics.numberOfCalls == 0)
    }

    @Test func ignoredErrorsAreRethrownUnchanged() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) { CircuitBreakerConfiguration() }
        await #expect(throws: BreakerTestBug.self) { try await breaker.run { throw BreakerTestBug() } }
    }
}

@Suite struct CircuitBreakerEventAndMetricsTests {
    @Test func eventsArriveInOrder() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(
                minimumNumberOfCalls: 2, slidingWindow: .countBased(size: 2), permittedCallsInHalfOpenState: 1,
                waitInOpen: .fixed(.seconds(1)))
        }
        let events = breaker.events
        try await breaker.succeedOnce()
        await breaker.failOnce(with: BreakerTestBug())
        await breaker.failOnce()
        #expect(await breaker.refusesACall())
        clock.advance(by: .seconds(1))
        try await breaker.succeedOnce()
        var received: [CircuitBreakerEvent] = []
        for await event in events {
            received.append(event)
            if event.transition?.to == .closed { break }
        }
        #expect(
            received.map(\.kind) == [
                .success, .ignoredError, .error, .stateTransition, .callNotPermitted,
                .stateTransition, .success, .stateTransition,
            ])
        #expect(received.compactMap(\.transition).map(\.to) == [.open, .halfOpen, .closed])
        #expect(received[1].error is BreakerTestBug)
        #expect(received[2].errorDescription == "\(breakerFailure)")
        #expect(received.allSatisfy { $0.breaker == "test" })
    }

    @Test func timedCallsCarryTheirDuration() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) { try .init(slowCallRateThreshold: 80) }
        let events = breaker.events
        try await breaker.run { clock.advance(by: .milliseconds(250)) }
        var iterator = events.makeAsyncIterator()
        let event = await iterator.next()
        #expect(event?.kind == .success)
        #expect(event?.duration == .milliseconds(250))
    }

    @Test func recordsStateAndCallsByOutcome() async throws {
        let metrics = TestMetrics()
        let clock = ManualClock()
        let breaker = try makeBreaker("redis", clock: clock, metrics: metrics) {
            try .init(minimumNumberOfCalls: 2, slidingWindow: .countBased(size: 2))
        }
        let state = try metrics.expectGauge("whale_circuit_breaker_state", [("name", "redis")])
        #expect(state.lastValue == 0)
        try await breaker.succeedOnce()
        await breaker.failOnce(with: BreakerTestBug())
        await breaker.failOnce()
        #expect(state.lastValue == 1)
        #expect(await breaker.refusesACall())
        #expect(await breaker.refusesACall())
        breaker.transitionToHalfOpen()
        #expect(state.lastValue == 2)
        breaker.transitionToForcedOpen()
        #expect(state.lastValue == 3)
        breaker.transitionToDisabled()
        #expect(state.lastValue == 4)
        func calls(_ outcome: String) throws -> Int64 {
            try metrics.expectCounter("whale_circuit_breaker_calls", [("name", "redis"), ("outcome", outcome)])
                .totalValue
        }
        #expect(try calls("successful") == 1)
        #expect(try calls("failed") == 1)
        #expect(try calls("ignored") == 1)
        #expect(try calls("not_permitted") == 2)
    }

    @Test func metricsSnapshotReportsRates() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(
                failureRateThreshold: 100, slowCallRateThreshold: 90, slowCallDurationThreshold: .seconds(1),
                minimumNumberOfCalls: 4, slidingWindow: .countBased(size: 10))
        }
        try await breaker.succeedOnce()
        try await breaker.run { clock.advance(by: .seconds(2)) }
        await breaker.failOnce()
        await breaker.failOnce()
        let metrics = breaker.metrics
        #expect(metrics.state == .closed)
        #expect(metrics.failureRate == 50)
        #expect(metrics.slowCallRate == 25)
        #expect(metrics.numberOfCalls == 4)
        #expect(metrics.numberOfSuccessfulCalls == 2)
        #expect(metrics.numberOfSlowSuccessfulCalls == 1)
        #expect(metrics.numberOfNotPermittedCalls == 0)
    }
}

@Suite struct CircuitBreakerLowLevelTests {
    @Test func permitsFromAnEarlierStateAreNotRecordedInTheNewOne() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) {
            try .init(minimumNumberOfCalls: 1, slidingWindow: .countBased(size: 1), permittedCallsInHalfOpenState: 1)
        }
        let closedPermit = try breaker.acquirePermission()
        breaker.transitionToHalfOpen()
        breaker.onError(breakerFailure, duration: .zero, permit: closedPermit)
        #expect(breaker.state == .halfOpen, "a closed-state outcome is not a probe result")
        breaker.releasePermission(closedPermit)
        let probe = try breaker.acquirePermission()
        #expect(breaker.tryAcquirePermission() == nil)
        breaker.onSuccess(duration: .zero, permit: probe)
        #expect(breaker.state == .closed)
    }

    @Test func outcomesWithoutAPermitApplyToTheCurrentState() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) {
            try .init(minimumNumberOfCalls: 2, slidingWindow: .countBased(size: 2))
        }
        try breaker.acquirePermission()
        breaker.onError(breakerFailure, duration: .zero)
        try breaker.acquirePermission()
        breaker.onError(breakerFailure, duration: .zero)
        #expect(breaker.state == .open)
        #expect(breaker.tryAcquirePermission() == nil)
    }

    @Test func releasedHalfOpenPermitsCanBeGrantedAgain() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) { try .init(permittedCallsInHalfOpenState: 1) }
        breaker.transitionToHalfOpen()
        let first = try breaker.acquirePermission()
        #expect(breaker.tryAcquirePermission() == nil)
        breaker.releasePermission(first)
        breaker.releasePermission(first)  // twice: no extra permit appears
        let second = try breaker.acquirePermission()
        #expect(breaker.tryAcquirePermission() == nil)
        breaker.onSuccess(duration: .zero, permit: second)
        #expect(breaker.state == .closed)
    }

    @Test func durationFormatting() {
        #expect(CircuitBreaker.format(Duration.seconds(60)) == "60 s")
        #expect(CircuitBreaker.format(Duration.milliseconds(2500)) == "2.5 s")
        #expect(CircuitBreaker.format(Duration.milliseconds(250)) == "250 ms")
        #expect(CircuitBreaker.format(62.5) == "62.5")
        #expect(CircuitBreaker.format(100.0 / 3) == "33.3")
        #expect(CircuitBreaker.format(50.0) == "50")
    }
}
