public import CoreMetrics
public import CoreProtocols
import Synchronization

/// One rate limit per key (per user, tenant, client IP), each created on
/// demand with the same ``RateLimiterConfiguration``.
///
/// At most ``maxKeys`` limits are kept; making room for a new key drops the
/// least recently used one (O(1)). A dropped key starts again with every
/// permit available, which loses nothing for a key idle long enough for its
/// bucket to refill, so keep ``maxKeys`` above the number of keys active
/// within one refill period. All keys share one lock.
///
/// Metrics: counter `whale_rate_limiter_calls` with the dimensions `name` and
/// `outcome`, summed over the keys (keys are not dimensions, to bound
/// cardinality).
///
/// ```swift
/// let perUser = try KeyedRateLimiter<String>(name: "api", configuration: try RateLimiterConfiguration(algorithm: .gcra(ratePerSecond: 5, burst: 10)))
/// guard perUser.tryAcquire(key: userID) else { return .tooManyRequests }
/// ```
public final class KeyedRateLimiter<Key: Hashable & Sendable>: Sendable {
    /// The name used in errors and metric dimensions.
    public let name: String
    /// The limit every key gets.
    public let configuration: RateLimiterConfiguration
    /// The most keys kept at once. Default: 10 000.
    public let maxKeys: Int

    private let clock: any WhaleClock
    private let buckets: Mutex<LRUBuckets<Key>>
    private let metrics: RateLimiterMetrics

    /// Creates a keyed limiter with no key yet.
    /// - Parameters:
    ///   - name: used in errors and the `name` metric dimension. Default: `"default"`.
    ///   - configuration: the limit each key gets. Default: ``RateLimiterConfiguration/default``.
    ///   - maxKeys: the most keys kept, at least 1. Default: 10 000.
    ///   - clock: the time refills are computed from. Default: `SystemClock()`.
    ///   - metricsFactory: where the metrics go. Default: the factory
    ///     `MetricsSystem` was bootstrapped with.
    /// - Throws: `WhaleError` `.invalidConfiguration` naming `maxKeys` when it is below 1.
    public init(
        name: String = "default",
        configuration: RateLimiterConfiguration = .default,
        maxKeys: Int = 10_000,
        clock: any WhaleClock = SystemClock(),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws {
        try ConfigurationCheck.positive(maxKeys, "maxKeys")
        self.name = name
        self.configuration = configuration
        self.maxKeys = maxKeys
        self.clock = clock
        self.buckets = Mutex(LRUBuckets(capacity: maxKeys))
        self.metrics = RateLimiterMetrics(name: name, factory: metricsFactory)
    }

    /// Takes `permits` from `key`'s limit if they are available now; never waits.
    /// - Returns: whether they were taken; `false` also for a count outside
    ///   1… the algorithm's maximum.
    public func tryAcquire(key: Key, permits: Int = 1) -> Bool {
        guard permits >= 1, permits <= configuration.algorithm.maximumPermits else { return false }
        let now = clock.now.nanosecondsSinceEpoch
        let algorithm = configuration.algorithm
        let decision = buckets.locked {
            $0.withBucket(key, create: RateLimiterBucket(algorithm, now: now)) {
                $0.reserve(permits: permits, now: now, maxWaitNanos: 0)
            }
        }
        return metrics.count(decision)
    }

    /// Takes `permits` from `key`'s limit, waiting on the clock when they will
    /// be available within `timeout`; see ``RateLimiter/acquire(permits:timeout:)``.
    /// - Parameter timeout: the longest wait. Default: nil, the configured timeout.
    /// - Throws: `WhaleError` `.rateLimited`, `.invalidInput`, or `CancellationError`.
    public func acquire(key: Key, permits: Int = 1, timeout: Duration? = nil) async throws {
        try RateLimiterMetrics.check(permits: permits, algorithm: configuration.algorithm, name: name)
        try Task.checkCancellation()
        let wait = timeout ?? configuration.timeout
        let now = clock.now
        let nanos = now.nanosecondsSinceEpoch
        let algorithm = configuration.algorithm
        let decision = buckets.locked {
            $0.withBucket(key, create: RateLimiterBucket(algorithm, now: nanos)) {
                $0.reserve(permits: permits, now: nanos, maxWaitNanos: max(0, wait.whaleNanoseconds))
            }
        }
        guard metrics.count(decision), case .granted(let waitNanos) = decision else {
            throw RateLimiterMetrics.rejection(name: "\(name)' key '\(key)", permits: permits, timeout: wait, decision: decision)
        }
        guard waitNanos > 0 else { return }
        do {
            try await clock.sleep(until: now.advanced(by: .nanoseconds(waitNanos)), tolerance: nil)
        } catch {
            let at = clock.now.nanosecondsSinceEpoch
            buckets.locked { $0.withExistingBucket(key) { $0.refund(permits: permits, now: at) } }
            throw error
        }
    }

    /// Takes one permit from `key`'s limit with the configured timeout, then runs `operation`.
    /// - Throws: `WhaleError` `.rateLimited`, `CancellationError`, or what `operation` throws.
    public func execute<Result: Sendable>(
        key: Key,
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await acquire(key: key)
        return try await operation()
    }

    /// The permits `key` could take now without waiting (a key not kept has them all).
    public func availablePermits(for key: Key) -> Int {
        let now = clock.now.nanosecondsSinceEpoch
        let available = buckets.locked { $0.withExistingBucket(key) { $0.available(now: now) } }
        return available ?? configuration.algorithm.maximumPermits
    }

    /// How many keys are kept now.
    public var keyCount: Int { buckets.locked { $0.count } }

    /// Whether `key` has a limit kept now (it was used and not dropped since).
    public func contains(_ key: Key) -> Bool { buckets.locked { $0.contains(key) } }

    /// A ``CoreProtocols/ResiliencePolicy`` that limits calls under `key`, for
    /// code that takes `any ResiliencePolicy`.
    public func policy(for key: Key) -> KeyedRateLimiterPolicy<Key> {
        KeyedRateLimiterPolicy(limiter: self, key: key)
    }
}

/// ``KeyedRateLimiter`` bound to one key, as a ``CoreProtocols/ResiliencePolicy``.
public struct KeyedRateLimiterPolicy<Key: Hashable & Sendable>: ResiliencePolicy {
    /// The limiter.
    public let limiter: KeyedRateLimiter<Key>
    /// The key whose limit applies.
    public let key: Key

    /// Limits calls under `key` of `limiter`.
    public init(limiter: KeyedRateLimiter<Key>, key: Key) {
        self.limiter = limiter
        self.key = key
    }

    /// Runs `operation` once a permit of the key is taken (``KeyedRateLimiter/execute(key:_:)``).
    public func execute<Result: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await limiter.execute(key: key, operation)
    }
}

/// Buckets by key in least-recently-used order: a dictionary to slot indices
/// plus a doubly linked list through the slots, so lookup, touch and
/// eviction are O(1). Slots of evicted keys are reused.
struct LRUBuckets<Key: Hashable> {
    private struct Node {
        var key: Key
        var bucket: RateLimiterBucket
        var newer: Int
        var older: Int
    }

    private let capacity: Int
    private var index: [Key: Int] = [:]
    private var nodes: [Node] = []
    /// Most recently used slot, or -1.
    private var newest = -1
    /// Least recently used slot, or -1.
    private var oldest = -1

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { index.count }

    func contains(_ key: Key) -> Bool { index[key] != nil }

    /// Runs `body` on `key`'s bucket, creating it (and evicting the least
    /// recently used key when full) if needed; marks it most recently used.
    mutating func withBucket<T>(_ key: Key, create: @autoclosure () -> RateLimiterBucket, _ body: (inout RateLimiterBucket) -> T) -> T {
        let slot: Int
        if let existing = index[key] {
            slot = existing
            unlink(slot)
        } else if index.count >= capacity, oldest >= 0 {
            slot = oldest
            unlink(slot)
            index[nodes[slot].key] = nil
            nodes[slot] = Node(key: key, bucket: create(), newer: -1, older: -1)
            index[key] = slot
        } else {
            slot = nodes.count
            nodes.append(Node(key: key, bucket: create(), newer: -1, older: -1))
            index[key] = slot
        }
        pushNewest(slot)
        return body(&nodes[slot].bucket)
    }

    /// Runs `body` on `key`'s bucket if it is kept, without changing the order.
    mutating func withExistingBucket<T>(_ key: Key, _ body: (inout RateLimiterBucket) -> T) -> T? {
        guard let slot = index[key] else { return nil }
        return body(&nodes[slot].bucket)
    }

    private mutating func unlink(_ slot: Int) {
        let newer = nodes[slot].newer
        let older = nodes[slot].older
        if newer >= 0 { nodes[newer].older = older } else { newest = older }
        if older >= 0 { nodes[older].newer = newer } else { oldest = newer }
        nodes[slot].newer = -1
        nodes[slot].older = -1
    }

    private mutating func pushNewest(_ slot: Int) {
        nodes[slot].older = newest
        nodes[slot].newer = -1
        if newest >= 0 { nodes[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }
}
