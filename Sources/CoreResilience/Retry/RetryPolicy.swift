public import CoreMetrics
public import CoreProtocols
import Metrics
import Synchronization

/// Runs an operation again when it fails with a retriable error, waiting a
/// backoff between attempts (the spec's retry manager: `attempt_retry`).
///
/// A call runs the operation; on a failure that ``RetryConfiguration/retryOn``
/// accepts, it waits ``RetryConfiguration/backoff`` on the injected clock and
/// tries again, up to ``RetryConfiguration/maxAttempts`` attempts in all. It
/// stops early, rethrowing the last error as it was thrown, when
/// - the error is not retriable (``Event/Kind/ignoredError``);
/// - the next wait would end after ``RetryConfiguration/deadline``;
/// - the shared ``RetryBudget`` refuses the retry (a retry whose wait is then
///   cancelled gives its token back).
///
/// **Cancellation** is honoured at once: a cancelled task is never retried, a
/// backoff wait ends the moment the task is cancelled (throwing
/// `CancellationError`, with no further attempt), and cancellation never counts
/// as a failure.
///
/// Each call records its outcome in ``statistics`` (the spec's
/// `track_attempts`) and in the counter `whale_retry_calls` with the dimensions
/// `name` and `outcome` (`succeeded_without_retry`, `succeeded_after_retry`,
/// `failed_without_retry`, `failed_after_retry`), and emits ``Event``s to every
/// ``events()`` subscriber.
///
/// ```swift
/// let retry = RetryPolicy(name: "redis", configuration: try RetryConfiguration(maxAttempts: 4))
/// let value = try await retry.execute { try await redis.get(key) }
/// ```
public final class RetryPolicy: ResiliencePolicy {
    /// Something a ``RetryPolicy`` did, for ``RetryPolicy/events()``.
    public struct Event: Sendable, CustomStringConvertible {
        /// What happened. New kinds may be added, so switch with a `default`.
        public struct Kind: Hashable, Sendable, CustomStringConvertible {
            private enum Base: String, Hashable, Sendable {
                case retry, success, error, ignoredError
            }

            private let base: Base
            private init(_ base: Base) { self.base = base }

            /// An attempt failed and another one follows after ``Event/delay``.
            public static let retry = Kind(.retry)
            /// The call succeeded (on the attempt ``Event/attempt``).
            public static let success = Kind(.success)
            /// The call failed with a retriable error and no retry was left: attempts
            /// exhausted, deadline reached or budget refused.
            public static let error = Kind(.error)
            /// The call failed with an error that ``RetryConfiguration/retryOn`` rejects.
            public static let ignoredError = Kind(.ignoredError)

            public var description: String { base.rawValue }
        }

        /// The policy's ``RetryPolicy/name``.
        public let policyName: String
        /// What happened.
        public let kind: Kind
        /// The attempt this event is about, 1 for the first.
        public let attempt: Int
        /// For ``Kind/retry``: the wait before the next attempt; otherwise `nil`.
        public let delay: Duration?
        /// The attempt's error; `nil` for ``Kind/success``.
        public let error: (any Error)?
        /// When it happened, on the policy's clock.
        public let time: WhaleInstant

        public var description: String {
            var text = "\(policyName): \(kind) on attempt \(attempt)"
            if let delay { text += ", next in \(delay)" }
            if let error { text += ": \(error)" }
            return text
        }
    }

    /// The policy's name, used as the `name` metric dimension and in events.
    public let name: String
    /// The validated settings.
    public let configuration: RetryConfiguration

    private let clock: any WhaleClock
    private let random: SeededRandomSource?
    private let broadcaster = EventBroadcaster<Event>()
    /// Set by the first ``events()`` call, so a policy nobody watches builds no events.
    private let hasSubscribed = Atomic<Bool>(false)

    private let succeededWithoutRetry = Atomic<Int>(0)
    private let succeededAfterRetry = Atomic<Int>(0)
    private let failedWithoutRetry = Atomic<Int>(0)
    private let failedAfterRetry = Atomic<Int>(0)
    private let cancelled = Atomic<Int>(0)
    private let deniedByBudget = Atomic<Int>(0)
    private let attempts = Atomic<Int>(0)

    private let succeededWithoutRetryCounter: Counter
    private let succeededAfterRetryCounter: Counter
    private let failedWithoutRetryCounter: Counter
    private let failedAfterRetryCounter: Counter

    /// Creates a retry policy.
    /// - Parameters:
    ///   - name: names the policy in metrics and events.
    ///   - configuration: the settings. Default: ``RetryConfiguration/default``.
    ///   - clock: the clock backoff waits and the deadline are measured on.
    ///     Default: ``CoreProtocols/SystemClock``.
    ///   - randomSeed: seeds the jitter (a SplitMix64 generator) so delays are
    ///     reproducible; `nil` uses the system generator. Default: `nil`.
    ///   - metricsFactory: where the `whale_retry_calls` counters go. Default: the
    ///     factory `MetricsSystem` was bootstrapped with.
    public init(
        name: String,
        configuration: RetryConfiguration = .default,
        clock: any WhaleClock = SystemClock(),
        randomSeed: UInt64? = nil,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.name = name
        self.configuration = configuration
        self.clock = clock
        self.random = randomSeed.map(SeededRandomSource.init(seed:))
        func counter(_ outcome: String) -> Counter {
            Counter(label: "whale_retry_calls", dimensions: [("name", name), ("outcome", outcome)], factory: metricsFactory)
        }
        self.succeededWithoutRetryCounter = counter("succeeded_without_retry")
        self.succeededAfterRetryCounter = counter("succeeded_after_retry")
        self.failedWithoutRetryCounter = counter("failed_without_retry")
        self.failedAfterRetryCounter = counter("failed_after_retry")
    }

    deinit {
        broadcaster.finish()
    }

    /// A snapshot of the calls and attempts so far (the spec's `track_attempts`).
    public var statistics: RetryStatistics {
        RetryStatistics(
            callsSucceededWithoutRetry: succeededWithoutRetry.load(ordering: .relaxed),
            callsSucceededAfterRetry: succeededAfterRetry.load(ordering: .relaxed),
            callsFailedWithoutRetry: failedWithoutRetry.load(ordering: .relaxed),
            callsFailedAfterRetry: failedAfterRetry.load(ordering: .relaxed),
            callsCancelled: cancelled.load(ordering: .relaxed),
            retriesDeniedByBudget: deniedByBudget.load(ordering: .relaxed),
            totalAttempts: attempts.load(ordering: .relaxed)
        )
    }

    /// A new subscription to every event from now on. Ends when the policy is
    /// released; a slow subscriber keeps the newest 256 events.
    public func events() -> AsyncStream<Event> {
        hasSubscribed.store(true, ordering: .sequentiallyConsistent)
        return broadcaster.subscribe()
    }

    /// Runs `operation`, retrying it as configured (the spec's `attempt_retry`).
    /// - Returns: the first successful attempt's result.
    /// - Throws: the last attempt's error as thrown, or `CancellationError` when
    ///   the task is cancelled during a backoff wait.
    public func execute<Result: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await run(operation)
    }

    /// ``execute(_:)`` for a non-escaping, non-`Sendable` operation that runs on
    /// the caller's executor.
    nonisolated(nonsending) public func run<Result>(
        _ operation: nonisolated(nonsending) () async throws -> Result
    ) async throws -> Result {
        let configuration = self.configuration
        let deadline = configuration.deadline.map { clock.now.advanced(by: $0) }
        configuration.budget?.recordRequest()
        var attempt = 0
        var previousDelay = Duration.zero
        while true {
            attempt += 1
            attempts.add(1, ordering: .relaxed)
            let failure: any Error
            do {
                let result = try await operation()
                if attempt == 1 {
                    finish(succeededWithoutRetry, succeededWithoutRetryCounter)
                } else {
                    finish(succeededAfterRetry, succeededAfterRetryCounter)
                }
                emit(.success, attempt: attempt, delay: nil, error: nil)
                return result
            } catch {
                failure = error
            }
            if Task.isCancelled || Self.isCancellation(failure) {
                cancelled.add(1, ordering: .relaxed)
                throw failure
            }
            guard configuration.retryOn(failure) else {
                fail(attempt: attempt, kind: .ignoredError, error: failure)
                throw failure
            }
            guard attempt < configuration.maxAttempts else {
                fail(attempt: attempt, kind: .error, error: failure)
                throw failure
            }
            let delay = nextDelay(forAttempt: attempt, previousDelay: previousDelay)
            if let deadline, clock.now.advanced(by: delay) > deadline {
                fail(attempt: attempt, kind: .error, error: failure)
                throw failure
            }
            if let budget = configuration.budget, !budget.tryAcquireRetry() {
                deniedByBudget.add(1, ordering: .relaxed)
                fail(attempt: attempt, kind: .error, error: failure)
                throw failure
            }
            emit(.retry, attempt: attempt, delay: delay, error: failure)
            do {
                if delay > .zero {
                    try await clock.sleep(for: delay)
                } else {
                    try Task.checkCancellation()
                }
            } catch {
                // The retry will not run: its budget token goes back.
                configuration.budget?.returnRetry()
                cancelled.add(1, ordering: .relaxed)
                throw error
            }
            previousDelay = delay
        }
    }

    /// The backoff before retry `attempt`, drawn from the seeded generator when
    /// there is one.
    private func nextDelay(forAttempt attempt: Int, previousDelay: Duration) -> Duration {
        var generator = PolicyRandomGenerator(source: random)
        return configuration.backoff.delay(forAttempt: attempt, previousDelay: previousDelay, using: &generator)
    }

    private func finish(_ count: borrowing Atomic<Int>, _ counter: Counter) {
        count.add(1, ordering: .relaxed)
        counter.increment()
    }

    private func fail(attempt: Int, kind: Event.Kind, error: any Error) {
        if attempt == 1 {
            finish(failedWithoutRetry, failedWithoutRetryCounter)
        } else {
            finish(failedAfterRetry, failedAfterRetryCounter)
        }
        emit(kind, attempt: attempt, delay: nil, error: error)
    }

    private func emit(_ kind: Event.Kind, attempt: Int, delay: Duration?, error: (any Error)?) {
        guard hasSubscribed.load(ordering: .relaxed) else { return }
        broadcaster.emit(Event(policyName: name, kind: kind, attempt: attempt, delay: delay, error: error, time: clock.now))
    }

    /// Whether `error` is task cancellation: `CancellationError` or `WhaleError` `.cancelled`.
    static func isCancellation(_ error: any Error) -> Bool {
        if error is CancellationError { return true }
        return (error as? WhaleError)?.code == .cancelled
    }
}

/// A SplitMix64 generator shared by the attempts of one policy: lock-free, so
/// concurrent calls each draw a distinct value; reproducible for sequential calls.
final class SeededRandomSource: Sendable {
    private let state: Atomic<UInt64>

    init(seed: UInt64) {
        state = Atomic(seed)
    }

    func next() -> UInt64 {
        var z = state.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The seeded source when there is one, the system generator otherwise.
struct PolicyRandomGenerator: RandomNumberGenerator {
    let source: SeededRandomSource?
    var system = SystemRandomNumberGenerator()

    init(source: SeededRandomSource?) {
        self.source = source
    }

    mutating func next() -> UInt64 {
        if let source { return source.next() }
        return system.next()
    }
}
