import CoreProtocols
import CoreTestKit
import Synchronization
import Testing

@testable import CoreResilience

/// Counts how often the protected operation really ran.
private final class Calls: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    func increment() { count.add(1, ordering: .relaxed) }
}

private let unavailable = WhaleError(.unavailable, "dependency down")

@Suite struct ResiliencePipelineTests {
    let clock = ManualClock()

    func breaker(minimumCalls: Int = 4) throws -> CircuitBreaker {
        try CircuitBreaker(
            name: "dependency",
            configuration: try CircuitBreakerConfiguration(
                failureRateThreshold: 50,
                minimumNumberOfCalls: minimumCalls,
                slidingWindow: .countBased(size: minimumCalls)
            ),
            clock: clock
        )
    }

    func noWaitRetry(maxAttempts: Int) throws -> RetryPolicy {
        RetryPolicy(
            name: "dependency",
            configuration: try RetryConfiguration(maxAttempts: maxAttempts, backoff: .constant(.nanoseconds(1))),
            clock: ImmediateClock()
        )
    }

    @Test func layersRunInTheDocumentedOrder() throws {
        let pipeline = ResiliencePipeline(
            fallback: FallbackPolicy([]),
            retry: try noWaitRetry(maxAttempts: 2),
            rateLimiter: RateLimiter(name: "r", clock: clock),
            bulkhead: Bulkhead(name: "b", clock: clock),
            circuitBreaker: try breaker(),
            timeLimiter: try TimeLimiter(name: "t", timeout: .seconds(1), clock: clock),
            hedging: HedgingPolicy(name: "h", clock: clock)
        )
        let kinds = pipeline.layers.map { String(describing: type(of: $0)) }
        #expect(kinds == ["FallbackPolicy", "RetryPolicy", "RateLimiter", "Bulkhead", "CircuitBreaker", "TimeLimiter", "HedgingPolicy"])
        #expect(ResiliencePipeline().layers.isEmpty)
    }

    @Test func anEmptyPipelineRunsTheOperationOnce() async throws {
        let calls = Calls()
        let value = try await ResiliencePipeline().execute {
            calls.increment()
            return 7
        }
        #expect(value == 7 && calls.value == 1)
    }

    @Test func retriesStopWhenTheBreakerOpens() async throws {
        let calls = Calls()
        let breaker = try breaker(minimumCalls: 4)
        let pipeline = ResiliencePipeline(retry: try noWaitRetry(maxAttempts: 10), circuitBreaker: breaker)
        await #expect {
            try await pipeline.execute { () async throws -> Int in
                calls.increment()
                throw unavailable
            }
        } throws: { error in
            (error as? WhaleError)?.code == .circuitOpen
        }
        // Four failures fill the window and trip it; the fifth attempt is refused
        // by the breaker, and `.circuitOpen` is not retriable.
        #expect(calls.value == 4)
        #expect(breaker.state == .open)
    }

    @Test func theFallbackAnswersForAnOpenBreaker() async throws {
        let breaker = try breaker()
        breaker.transitionToForcedOpen()
        let pipeline = ResiliencePipeline(
            fallback: FallbackPolicy([.init("cached", when: .code(.circuitOpen)) { _ in "stale answer" }]),
            circuitBreaker: breaker
        )
        let answer = try await pipeline.execute { () async throws -> String in "fresh answer" }
        #expect(answer == "stale answer")
    }

    @Test func aFullBulkheadIsNotRecordedAsADependencyFailure() async throws {
        let breaker = try breaker(minimumCalls: 1)
        let bulkhead = Bulkhead(name: "b", configuration: try BulkheadConfiguration(maxConcurrentCalls: 1, maxWaitQueue: 0), clock: clock)
        let pipeline = ResiliencePipeline(bulkhead: bulkhead, circuitBreaker: breaker)
        try await bulkhead.acquirePermission()
        await #expect {
            try await pipeline.execute { 1 }
        } throws: { error in
            (error as? WhaleError)?.code == .bulkheadFull
        }
        bulkhead.releasePermission()
        #expect(breaker.state == .closed)
        #expect(try await pipeline.execute { 2 } == 2)
    }

    @Test func eachAttemptGetsItsOwnTimeout() async throws {
        let calls = Calls()
        let pipeline = ResiliencePipeline(
            retry: try noWaitRetry(maxAttempts: 3),
            timeLimiter: try TimeLimiter(name: "t", timeout: .seconds(1), clock: clock)
        )
        let run = Task {
            try await pipeline.execute { () async throws -> Int in
                calls.increment()
                try await Task.sleep(for: .seconds(3600))  // hangs until cancelled by the time limiter
                return 0
            }
        }
        for attempt in 1...3 {
            // Each attempt: the operation's own sleep is real, the limiter's is on the manual clock.
            await clock.waitForSleepers(count: 1)
            #expect(calls.value == attempt)
            clock.advance(by: .seconds(1))
        }
        await #expect {
            try await run.value
        } throws: { error in
            (error as? WhaleError)?.code == .timeout
        }
        #expect(calls.value == 3)
    }

    @Test func usableAsTheCoreProtocolsPolicy() async throws {
        func protected(by policy: any ResiliencePolicy) async throws -> Int {
            try await policy.execute { 41 + 1 }
        }
        #expect(try await protected(by: ResiliencePipeline(circuitBreaker: try breaker())) == 42)
    }
}

/// A clock whose sleeps return at once, for retries whose waits do not matter.
private struct ImmediateClock: WhaleClock {
    typealias Duration = Swift.Duration
    var now: WhaleInstant { WhaleInstant(nanosecondsSinceEpoch: 0) }
    var minimumResolution: Duration { .nanoseconds(1) }
    func sleep(until deadline: WhaleInstant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
    }
}
