public import CoreProtocols

/// The settings of a ``RetryPolicy``, validated when created.
///
/// ```swift
/// let configuration = try RetryConfiguration(
///     maxAttempts: 5,
///     backoff: .exponentialFullJitter(initial: .milliseconds(50)),
///     maximumDelay: .seconds(2),
///     deadline: .seconds(10)
/// )
/// ```
public struct RetryConfiguration: Sendable {
    /// Attempts per call in all, the first included: 1 never retries. At least 1. Default: 3.
    public let maxAttempts: Int
    /// The wait before each retry, capped by ``maximumDelay``.
    /// Default: ``BackoffStrategy/exponentialEqualJitter(initial:multiplier:maximumDelay:)``
    /// with 100 ms initial, × 2, capped at 30 s.
    public let backoff: BackoffStrategy
    /// Whether an error is worth another attempt. Task cancellation is never
    /// retried, whatever this says. Default: `error.isWhaleRetriable`
    /// (`WhaleError.isRetriable`, `false` for errors that do not say).
    public let retryOn: @Sendable (any Error) -> Bool
    /// The longest a call may take from its first attempt, or `nil` for no limit.
    ///
    /// A retry whose backoff delay would end after the deadline is not started:
    /// the call fails at once with the last attempt's error **as it was thrown**
    /// (not wrapped), so callers see the real failure. The deadline does not
    /// interrupt an attempt in flight; put a ``TimeLimiter`` inside the retry for
    /// that. Greater than zero when set. Default: `nil`.
    public let deadline: Duration?
    /// A budget shared with other policies that caps retries under a storm, or
    /// `nil` for none. Default: `nil`.
    public let budget: RetryBudget?

    /// The longest wait before one retry: the ``backoff``'s cap. Default: 30 s.
    public var maximumDelay: Duration { backoff.maximumDelay }

    /// The defaults: 3 attempts, equal-jitter exponential backoff from 100 ms,
    /// × 2, capped at 30 s, retrying `isWhaleRetriable` errors, no deadline, no budget.
    public static let `default` = RetryConfiguration(
        uncheckedMaxAttempts: 3,
        backoff: defaultBackoff,
        retryOn: { $0.isWhaleRetriable },
        deadline: nil,
        budget: nil
    )

    /// The default backoff: equal-jitter exponential from 100 ms, × 2, capped at 30 s.
    public static let defaultBackoff = BackoffStrategy.exponentialEqualJitter(initial: .milliseconds(100), multiplier: 2)

    /// Creates a configuration.
    /// - Parameters:
    ///   - maxAttempts: attempts in all, ≥ 1. Default: 3.
    ///   - backoff: the wait before each retry. Default: equal jitter from 100 ms, × 2.
    ///   - maximumDelay: replaces the backoff's cap when given; > 0. Default: the
    ///     backoff's own cap (30 s unless set there).
    ///   - deadline: the longest a call may take, > 0, or `nil`. Default: `nil`.
    ///   - budget: a shared ``RetryBudget``, or `nil`. Default: `nil`.
    ///   - retryOn: whether an error is worth another attempt. Default: `isWhaleRetriable`.
    /// - Throws: `WhaleError` `.invalidConfiguration` whose message starts with
    ///   the field's name (`maxAttempts`, `backoff.initial`, `maximumDelay`, `deadline`, …).
    public init(
        maxAttempts: Int = 3,
        backoff: BackoffStrategy = RetryConfiguration.defaultBackoff,
        maximumDelay: Duration? = nil,
        deadline: Duration? = nil,
        budget: RetryBudget? = nil,
        retryOn: @escaping @Sendable (any Error) -> Bool = { $0.isWhaleRetriable }
    ) throws {
        try ConfigurationCheck.positive(maxAttempts, "maxAttempts")
        if let maximumDelay {
            try ConfigurationCheck.positive(maximumDelay, "maximumDelay")
        }
        let backoff = maximumDelay.map { backoff.withMaximumDelay($0) } ?? backoff
        try backoff.validate(field: "backoff")
        if let deadline {
            try ConfigurationCheck.positive(deadline, "deadline")
        }
        self.init(uncheckedMaxAttempts: maxAttempts, backoff: backoff, retryOn: retryOn, deadline: deadline, budget: budget)
    }

    private init(
        uncheckedMaxAttempts maxAttempts: Int,
        backoff: BackoffStrategy,
        retryOn: @escaping @Sendable (any Error) -> Bool,
        deadline: Duration?,
        budget: RetryBudget?
    ) {
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.retryOn = retryOn
        self.deadline = deadline
        self.budget = budget
    }
}
