import CoreProtocols
@testable import CoreResilience
import CoreTestKit
import Synchronization
import Testing

/// A one-shot flag tests can set from any task.
final class RetryTestFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}

/// A gate that ignores cancellation: `wait()` returns only after `open()`.
final class RetryTestGate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    var waiterCount: Int { state.withLock { $0.waiters.count } }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

@Suite struct TimeLimiterTests {
    private let clock = ManualClock()

    @Test func theDefaultTimeoutIsOneSecond() throws {
        let limiter = try TimeLimiter(clock: clock)
        #expect(limiter.timeout == .seconds(1))
        #expect(limiter.name == "time-limiter")
    }

    @Test func aFastOperationReturnsItsValueAndTheWatchdogStopsAfterTheDeadline() async throws {
        let limiter = try TimeLimiter(name: "fast", timeout: .seconds(1), clock: clock)
        #expect(try await limiter.execute { 42 } == 42)
        #expect(try await limiter.execute { 43 } == 43)
        // One watchdog serves every call. It either found both calls finished
        // when it started and stopped at once, or it sleeps until the oldest
        // deadline, finds nothing pending and stops then.
        #expect(clock.sleeperCount <= 1)
        clock.advance(by: .seconds(1))
        await expectNoSleepers()
    }

    /// Starts a call whose operation sleeps an hour on the clock and sets
    /// `cancelled` when that sleep is cancelled.
    private func hungCall(through limiter: TimeLimiter, cancelled: RetryTestFlag) -> Task<Int, any Error> {
        Task {
            try await limiter.execute { () async throws -> Int in
                do {
                    try await clock.sleep(for: .seconds(3_600))
                } catch {
                    cancelled.set()
                    throw error
                }
                return 1
            }
        }
    }

    /// Waits until the watchdog has noticed it has nothing left to watch.
    private func expectNoSleepers() async {
        for _ in 0..<1_000 where clock.sleeperCount > 0 { await Task.yield() }
        #expect(clock.sleeperCount == 0, "nothing is left running")
    }

    @Test func aHungOperationIsCancelledAtTheTimeout() async throws {
        let limiter = try TimeLimiter(name: "db", timeout: .seconds(1), clock: clock)
        let cancelled = RetryTestFlag()
        let start = clock.now
        let call = hungCall(through: limiter, cancelled: cancelled)
        await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(999))
        #expect(clock.sleeperCount == 2, "not yet timed out")
        clock.advance(by: .milliseconds(1))
        let error = await #expect(throws: WhaleError.self) { try await call.value }
        #expect(error?.code == .timeout)
        #expect(error?.message == "time limiter 'db' timed out after 1.0 seconds")
        #expect(error?.isRetriable == true)
        #expect(cancelled.isSet, "the operation was cancelled")
        await expectNoSleepers()
        #expect(start.duration(to: clock.now) == .seconds(1))
    }

    @Test func theOperationsOwnErrorPassesThrough() async throws {
        struct Boom: Error {}
        let limiter = try TimeLimiter(timeout: .seconds(1), clock: clock)
        await #expect(throws: Boom.self) { try await limiter.execute { () async throws -> Int in throw Boom() } }
        let notFound = await #expect(throws: WhaleError.self) {
            try await limiter.execute { () async throws -> Int in throw WhaleError(.notFound, "no key") }
        }
        #expect(notFound?.code == .notFound)
    }

    @Test func callerCancellationPropagatesAndIsNotATimeout() async throws {
        let limiter = try TimeLimiter(timeout: .seconds(10), clock: clock)
        let cancelled = RetryTestFlag()
        let call = hungCall(through: limiter, cancelled: cancelled)
        await clock.waitForSleepers(count: 2)
        call.cancel()
        await #expect(throws: CancellationError.self) { try await call.value }
        #expect(cancelled.isSet)
        // Only the watchdog sleeps now, until the (10 s) deadline.
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(10))
        await expectNoSleepers()
    }

    @Test func anAlreadyCancelledCallerDoesNotRunTheOperation() async throws {
        let limiter = try TimeLimiter(timeout: .seconds(10), clock: clock)
        let ran = RetryTestFlag()
        let call = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await limiter.execute { () async throws -> Int in
                ran.set()
                return 1
            }
        }
        await #expect(throws: CancellationError.self) { try await call.value }
        #expect(!ran.isSet)
    }

    @Test func anOperationIgnoringCancellationDelaysTheReturnAndALateResultIsKept() async throws {
        let limiter = try TimeLimiter(name: "stubborn", timeout: .seconds(1), clock: clock)
        let gate = RetryTestGate()
        let ended = RetryTestFlag()
        let call = Task {
            try await limiter.execute { () async throws -> Int in
                await gate.wait()
                ended.set()
                return 7
            }
        }
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(1))
        // The timer fired; the call waits for the operation, which ignores cancellation.
        while gate.waiterCount == 0 { await Task.yield() }
        gate.open()
        // The deadline passed, but the operation still produced a value: it is
        // returned rather than thrown away (only a late failure becomes `.timeout`).
        #expect(try await call.value == 7)
        #expect(ended.isSet, "the call returned only after the operation ended")
    }

    @Test func aLateFailureAfterTheDeadlineIsATimeout() async throws {
        let limiter = try TimeLimiter(name: "stubborn", timeout: .seconds(1), clock: clock)
        let gate = RetryTestGate()
        let call = Task {
            try await limiter.execute { () async throws -> Int in
                await gate.wait()
                throw WhaleError(.unavailable, "gave up")
            }
        }
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(1))
        while gate.waiterCount == 0 { await Task.yield() }
        gate.open()
        let error = await #expect(throws: WhaleError.self) { try await call.value }
        #expect(error?.code == .timeout)
    }

    @Test func invalidTimeoutsNameTheField() {
        expectRetryInvalidConfiguration("timeout") { _ = try TimeLimiter(timeout: .zero, clock: clock) }
        expectRetryInvalidConfiguration("timeout") { _ = try TimeLimiter(timeout: .seconds(-1), clock: clock) }
    }
}
