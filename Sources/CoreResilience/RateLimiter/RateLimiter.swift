public import CoreMetrics
public import CoreProtocols
import Synchronization

/// Limits how often calls may start: a token bucket or GCRA
/// (``RateLimiterConfiguration/Algorithm``), refilled lazily from the injected
/// clock with no timer.
///
/// ``tryAcquire(permits:)`` answers at once in O(1). ``acquire(permits:timeout:)``
/// also waits, on the clock, when the permits will be there within the
/// timeout: it reserves them first (so waiters are served in order and the
/// rate holds) and gives the reservation back if its task is cancelled while
/// it waits. When the permits would come too late it throws `WhaleError`
/// `.rateLimited` at once, with the retry-after in the message.
///
/// Metrics (swift-metrics): counter `whale_rate_limiter_calls` with the
/// dimensions `name` and `outcome` (`permitted`, `rejected`).
///
/// ```swift
/// let limiter = RateLimiter(name: "geocoder", configuration: try RateLimiterConfiguration(algorithm: .gcra(ratePerSecond: 10, burst: 5)))
/// guard limiter.tryAcquire() else { return .tooManyRequests }
/// ```
public final class RateLimiter: ResiliencePolicy, Sendable {
    /// The name used in errors and metric dimensions.
    public let name: String
    /// The algorithm and default wait.
    public let configuration: RateLimiterConfiguration

    private let clock: any WhaleClock
    private let bucket: Mutex<RateLimiterBucket>
    private let metrics: RateLimiterMetrics

    /// Creates a limiter whose permits are all available (a full bucket, an idle GCRA).
    /// - Parameters:
    ///   - name: used in errors and the `name` metric dimension. Default: `"default"`.
    ///   - configuration: the algorithm and default wait. Default: ``RateLimiterConfiguration/default``.
    ///   - clock: the time refills are computed from. Default: `SystemClock()`.
    ///   - metricsFactory: where the metrics go. Default: the factory
    ///     `MetricsSystem` was bootstrapped with.
    public init(
        name: String = "default",
        configuration: RateLimiterConfiguration = .default,
        clock: any WhaleClock = SystemClock(),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.name = name
        self.configuration = configuration
        self.clock = clock
        self.bucket = Mutex(RateLimiterBucket(configuration.algorithm, now: clock.now.nanosecondsSinceEpoch))
        self.metrics = RateLimiterMetrics(name: name, factory: metricsFactory)
    }

    /// Takes `permits` if they are available now; never waits.
    /// - Parameter permits: how many to take, 1… the algorithm's
    ///   ``RateLimiterConfiguration/Algorithm/maximumPermits``. Default: 1.
    /// - Returns: whether they were taken; `false` also for a count outside that range.
    public func tryAcquire(permits: Int = 1) -> Bool {
        guard permits >= 1, permits <= configuration.algorithm.maximumPermits else { return false }
        let now = clock.now.nanosecondsSinceEpoch
        let decision = bucket.locked { $0.reserve(permits: permits, now: now, maxWaitNanos: 0) }
        return metrics.count(decision)
    }

    /// Takes `permits`, waiting for them on the clock when they will be
    /// available within `timeout`.
    /// - Parameters:
    ///   - permits: how many to take, 1… the algorithm's maximum. Default: 1.
    ///   - timeout: the longest wait; zero or less fails fast. Default: nil,
    ///     meaning the configured ``RateLimiterConfiguration/timeout``.
    /// - Throws: `WhaleError` `.rateLimited` when the permits would come later
    ///   than `timeout` (the message says when they would); `.invalidInput` for
    ///   a count outside 1… the maximum; `CancellationError` when the task is
    ///   cancelled (a reservation is given back).
    public func acquire(permits: Int = 1, timeout: Duration? = nil) async throws {
        try RateLimiterMetrics.check(permits: permits, algorithm: configuration.algorithm, name: name)
        try Task.checkCancellation()
        let wait = timeout ?? configuration.timeout
        let now = clock.now
        let decision = bucket.locked {
            $0.reserve(permits: permits, now: now.nanosecondsSinceEpoch, maxWaitNanos: max(0, wait.whaleNanoseconds))
        }
        guard metrics.count(decision), case .granted(let waitNanos) = decision else {
            throw RateLimiterMetrics.rejection(name: name, permits: permits, timeout: wait, decision: decision)
        }
        guard waitNanos > 0 else { return }
        do {
            try await clock.sleep(until: now.advanced(by: .nanoseconds(waitNanos)), tolerance: nil)
        } catch {
            let at = clock.now.nanosecondsSinceEpoch
            bucket.locked { $0.refund(permits: permits, now: at) }
            throw error
        }
    }

    /// The permits that could be taken now without waiting.
    public var availablePermits: Int {
        let now = clock.now.nanosecondsSinceEpoch
        return bucket.locked { $0.available(now: now) }
    }

    /// Takes one permit as ``acquire(permits:timeout:)`` does with the
    /// configured timeout, then runs `operation`.
    /// - Throws: `WhaleError` `.rateLimited`, `CancellationError`, or what `operation` throws.
    public func execute<Result: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await acquire()
        return try await operation()
    }
}

/// The counters and errors shared by ``RateLimiter`` and ``KeyedRateLimiter``.
struct RateLimiterMetrics: Sendable {
    private let permitted: Counter
    private let rejected: Counter

    init(name: String, factory: any MetricsFactory) {
        permitted = Counter(label: "whale_rate_limiter_calls", dimensions: [("name", name), ("outcome", "permitted")], factory: factory)
        rejected = Counter(label: "whale_rate_limiter_calls", dimensions: [("name", name), ("outcome", "rejected")], factory: factory)
    }

    /// Counts the decision; returns whether it granted the permits.
    func count(_ decision: RateLimiterBucket.Decision) -> Bool {
        if case .granted = decision {
            permitted.increment()
            return true
        }
        rejected.increment()
        return false
    }

    static func check(permits: Int, algorithm: RateLimiterConfiguration.Algorithm, name: String) throws {
        guard permits >= 1, permits <= algorithm.maximumPermits else {
            throw WhaleError(
                .invalidInput,
                "rate limiter '\(name)': permits must be in 1…\(algorithm.maximumPermits) for \(algorithm), got \(permits)"
            )
        }
    }

    static func rejection(name: String, permits: Int, timeout: Duration, decision: RateLimiterBucket.Decision) -> WhaleError {
        var retryAfter = Duration.zero
        if case .denied(let nanos) = decision { retryAfter = .nanoseconds(nanos) }
        let within = timeout > .zero ? " within \(timeout)" : ""
        return WhaleError(
            .rateLimited,
            "rate limiter '\(name)': no permit for \(permits) call(s)\(within); retry after \(retryAfter)"
        )
    }
}
