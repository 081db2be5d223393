import CoreProtocols
import CoreTestKit
import Synchronization
import Testing

@testable import CoreResilience

/// Waits (yielding) until `condition` holds; the suite's time limit ends a wait
/// that never does.
private func eventually(_ condition: () -> Bool) async {
    while !condition() { await Task.yield() }
}

/// A counter that concurrent tasks share.
final class BreakerTestCounter: Sendable {
    private let atomic = Atomic<Int>(0)

    func increment() { atomic.add(1, ordering: .relaxed) }

    var value: Int { atomic.load(ordering: .relaxed) }
}

@Suite(.timeLimit(.minutes(2))) struct CircuitBreakerConcurrencyTests {
    /// Resilience4j #1090: half-open granted more than N permits under load.
    /// 500 tasks race for the permits of a half-open breaker with N = 5; the
    /// probes hold their permits (asleep on the manual clock) until every task
    /// has been admitted or refused, so exactly 5 operations may run.
    @Test func halfOpenAdmitsExactlyNOf500ConcurrentCalls() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(permittedCallsInHalfOpenState: 5, waitInOpen: .fixed(.seconds(10)))
        }
        // Round 0: probes succeed (closes); round 1: probes fail (reopens); round 2: from that reopening.
        for (round, probesFail) in [false, true, false].enumerated() {
            breaker.transitionToOpen()
            clock.advance(by: .seconds(10))
            let ran = BreakerTestCounter()
            let refused = BreakerTestCounter()
            let admitted = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<500 {
                    group.addTask {
                        do {
                            try await breaker.run {
                                ran.increment()
                                try await clock.sleep(for: .seconds(1))
                                if probesFail { throw breakerFailure }
                            }
                            return true
                        } catch let error as WhaleError where error.code == .circuitOpen {
                            refused.increment()
                            return false
                        } catch {
                            return true
                        }
                    }
                }
                await eventually { ran.value + refused.value == 500 }
                await clock.waitForSleepers(count: ran.value)
                clock.advance(by: .seconds(1))
                var admitted = 0
                for await wasAdmitted in group where wasAdmitted { admitted += 1 }
                return admitted
            }
            #expect(ran.value == 5, "round \(round): operations run")
            #expect(admitted == 5, "round \(round)")
            #expect(refused.value == 495, "round \(round)")
            #expect(breaker.state == (probesFail ? .open : .closed), "round \(round)")
        }
    }

    @Test func cancelledProbesReturnTheirPermits() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) { try .init(permittedCallsInHalfOpenState: 2) }
        breaker.transitionToHalfOpen()
        let ran = BreakerTestCounter()
        let probe = { @Sendable in
            try await breaker.run {
                ran.increment()
                try await clock.sleep(for: .seconds(1))
            }
        }
        let first = Task { try await probe() }
        let second = Task { try await probe() }
        await clock.waitForSleepers(count: 2)
        #expect(await breaker.refusesACall())
        first.cancel()
        await #expect(throws: CancellationError.self) { try await first.value }
        #expect(breaker.state == .halfOpen)
        try await breaker.succeedOnce()  // the returned permit is granted again
        #expect(breaker.state == .halfOpen)
        clock.advance(by: .seconds(1))
        try await second.value
        #expect(breaker.state == .closed)
        #expect(ran.value == 2)
    }

    @Test func aHungProbeThatIsCancelledAndThrowsItsOwnErrorReturnsItsPermit() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(permittedCallsInHalfOpenState: 1, recordFailure: { _ in true })
        }
        breaker.transitionToHalfOpen()
        let hung = Task {
            try await breaker.run {
                do {
                    try await clock.sleep(for: .seconds(3600))
                } catch {
                    throw WhaleError(.unavailable, "connection dropped")  // not a CancellationError
                }
            }
        }
        await clock.waitForSleepers(count: 1)
        #expect(breaker.tryAcquirePermission() == nil)
        hung.cancel()
        _ = await hung.result
        #expect(breaker.state == .halfOpen, "the error of a cancelled call is not recorded")
        try await breaker.succeedOnce()
        #expect(breaker.state == .closed)
    }

    @Test func probesThatThrowIgnoredErrorsReturnTheirPermits() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) { try .init(permittedCallsInHalfOpenState: 2) }
        breaker.transitionToHalfOpen()
        for _ in 0..<5 {
            #expect(await breaker.failOnce(with: BreakerTestBug()), "admitted")
        }
        #expect(breaker.state == .halfOpen)
        try await breaker.succeedOnce()
        try await breaker.succeedOnce()
        #expect(breaker.state == .closed)
    }

    @Test func failingProbesAreRecordedAndTheBreakerAdmitsAgainAfterTheWait() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(permittedCallsInHalfOpenState: 3, waitInOpen: .fixed(.seconds(5)))
        }
        breaker.transitionToHalfOpen()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    _ = try? await breaker.run {
                        try await clock.sleep(for: .seconds(1))
                        throw breakerFailure
                    }
                }
            }
            await clock.waitForSleepers(count: 3)
            clock.advance(by: .seconds(1))
        }
        #expect(breaker.state == .open)
        clock.advance(by: .seconds(5))
        for _ in 0..<3 { try await breaker.succeedOnce() }
        #expect(breaker.state == .closed)
    }

    @Test func aProbeThatHangsForeverIsBoundedByTheMaxWaitInHalfOpen() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(
                permittedCallsInHalfOpenState: 1, maxWaitInHalfOpen: .seconds(30), waitInOpen: .fixed(.seconds(10)))
        }
        breaker.transitionToHalfOpen()
        let hung = try breaker.acquirePermission()  // its operation never returns
        clock.advance(by: .seconds(30))
        #expect(await breaker.refusesACall())
        #expect(breaker.state == .open)
        clock.advance(by: .seconds(10))
        try await breaker.succeedOnce()
        #expect(breaker.state == .closed)
        breaker.onSuccess(duration: .zero, permit: hung)  // far too late: not recorded anywhere
        #expect(breaker.metrics.numberOfCalls == 0)
    }

    /// Mixed outcomes, cancellations and hung calls across many state changes:
    /// when every call has ended, the breaker is never stuck without a free probe.
    @Test func noPermitLeaksUnderChurn() async throws {
        let clock = ManualClock()
        let breaker = try makeBreaker(clock: clock) {
            try .init(
                minimumNumberOfCalls: 4, slidingWindow: .countBased(size: 4),
                permittedCallsInHalfOpenState: 3, waitInOpen: .fixed(.seconds(1)))
        }
        for _ in 0..<20 {
            let decided = BreakerTestCounter()
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        var hangs = false
                        _ = try? await breaker.run {
                            switch index % 5 {
                            case 0: return
                            case 1: throw breakerFailure
                            case 2: throw BreakerTestBug()
                            case 3: throw CancellationError()
                            default:
                                hangs = true
                                decided.increment()
                                try await clock.sleep(for: .seconds(3600))
                            }
                        }
                        if !hangs { decided.increment() }
                    }
                }
                // Every call has ended except the admitted hung ones, which are going to sleep.
                await eventually { decided.value == 50 }
                group.cancelAll()
            }
            clock.advance(by: .seconds(1))
        }
        switch breaker.state {
        case .open:
            clock.advance(by: .seconds(1))
            #expect(breaker.tryAcquirePermission() != nil)
        case .halfOpen:
            #expect(
                breaker.tryAcquirePermission() != nil, "a half-open breaker with no call in flight has a free probe")
        default:
            #expect(breaker.state == .closed)
        }
        #expect(clock.sleeperCount == 0)
    }

    @Test func concurrentClosedCallsAreAllCounted() async throws {
        let breaker = try makeBreaker(clock: ManualClock()) {
            try .init(failureRateThreshold: 100, minimumNumberOfCalls: 10_000, slidingWindow: .countBased(size: 10_000))
        }
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for call in 0..<500 {
                        if (task + call) % 2 == 0 {
                            try? await breaker.succeedOnce()
                        } else {
                            await breaker.failOnce()
                        }
                    }
                }
            }
        }
        let metrics = breaker.metrics
        #expect(metrics.numberOfCalls == 4_000)
        #expect(metrics.numberOfFailedCalls == 2_000)
        #expect(breaker.state == .closed)
    }
}
