/// How many calls a ``Bulkhead`` lets run at once and how long the others may
/// wait for a slot (Resilience4j's `SemaphoreBulkhead` settings).
///
/// ```swift
/// let configuration = try BulkheadConfiguration(maxConcurrentCalls: 10, maxWaitQueue: 50, maxWaitDuration: .milliseconds(200))
/// ```
public struct BulkheadConfiguration: Sendable, Hashable {
    /// How many calls may run at the same time. At least 1. Default: 25.
    public let maxConcurrentCalls: Int
    /// How many calls may wait for a slot at the same time; one more is
    /// rejected at once. At least 0. Default: 100.
    public let maxWaitQueue: Int
    /// How long a call waits for a slot before it is rejected with
    /// `WhaleError` `.bulkheadFull`. Zero means fail fast: a call that finds no
    /// free slot is rejected at once and the queue is never used. At least 0.
    /// Default: 0 (fail fast).
    public let maxWaitDuration: Duration

    /// Creates a configuration; every field is validated.
    /// - Parameters:
    ///   - maxConcurrentCalls: calls that may run at once, at least 1. Default: 25.
    ///   - maxWaitQueue: calls that may wait for a slot, at least 0. Default: 100.
    ///   - maxWaitDuration: how long a call may wait, at least 0; 0 fails fast. Default: 0.
    /// - Throws: `WhaleError` `.invalidConfiguration` whose message starts with the field's name.
    public init(maxConcurrentCalls: Int = 25, maxWaitQueue: Int = 100, maxWaitDuration: Duration = .zero) throws {
        try ConfigurationCheck.positive(maxConcurrentCalls, "maxConcurrentCalls")
        try ConfigurationCheck.require(maxWaitQueue >= 0, "maxWaitQueue", "must be zero or more, got \(maxWaitQueue)")
        try ConfigurationCheck.require(maxWaitDuration >= .zero, "maxWaitDuration", "must be zero or more, got \(maxWaitDuration)")
        self.init(unchecked: maxConcurrentCalls, maxWaitQueue, maxWaitDuration)
    }

    private init(unchecked maxConcurrentCalls: Int, _ maxWaitQueue: Int, _ maxWaitDuration: Duration) {
        self.maxConcurrentCalls = maxConcurrentCalls
        self.maxWaitQueue = maxWaitQueue
        self.maxWaitDuration = maxWaitDuration
    }

    /// The defaults: 25 concurrent calls, a queue of 100, fail fast (no waiting).
    public static var `default`: BulkheadConfiguration {
        BulkheadConfiguration(unchecked: 25, 100, .zero)
    }

    /// Whether a call that finds no free slot may wait in the queue.
    var allowsWaiting: Bool { maxWaitQueue > 0 && maxWaitDuration > .zero }
}
