public import CoreProtocols

/// How long a ``RetryPolicy`` waits before each retry (the spec's
/// `calculate_delay`).
///
/// Every strategy is capped by ``maximumDelay`` (default 30 s): no formula ever
/// returns more, and none traps on overflow — a multiplier raised to a large
/// attempt number saturates at the cap. The jittered strategies follow the AWS
/// Architecture Blog's "Exponential Backoff And Jitter" and draw their
/// randomness from an injected `RandomNumberGenerator`, so a seeded generator
/// makes them reproducible.
///
/// `attempt` is the number of the retry about to happen: 1 for the wait after
/// the first failure, 2 after the second, … (values below 1 count as 1).
///
/// | strategy | delay before retry `n` |
/// | --- | --- |
/// | ``constant(_:maximumDelay:)`` | `d` |
/// | ``linear(initial:increment:maximumDelay:)`` | `initial + increment × (n − 1)` |
/// | ``exponential(initial:multiplier:maximumDelay:)`` | `initial × multiplierⁿ⁻¹` |
/// | ``exponentialFullJitter(initial:multiplier:maximumDelay:)`` | `random(0 … e)`, `e = min(cap, initial × multiplierⁿ⁻¹)` |
/// | ``exponentialEqualJitter(initial:multiplier:maximumDelay:)`` | `e/2 + random(0 … e/2)` |
/// | ``decorrelatedJitter(base:maximumDelay:)`` | `min(cap, random(base … previous × 3))` |
/// | ``custom(maximumDelay:_:)`` | your closure, clamped to `0 … cap` |
///
/// Delays are computed in whole nanoseconds.
///
/// ```swift
/// let backoff = BackoffStrategy.exponentialFullJitter(initial: .milliseconds(50), multiplier: 2)
/// var rng = SystemRandomNumberGenerator()
/// let wait = backoff.delay(forAttempt: 3, previousDelay: .zero, using: &rng)   // 0 … 200 ms
/// ```
public struct BackoffStrategy: Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        case constant(Duration)
        case linear(initial: Duration, increment: Duration)
        case exponential(initial: Duration, multiplier: Double)
        case exponentialFullJitter(initial: Duration, multiplier: Double)
        case exponentialEqualJitter(initial: Duration, multiplier: Double)
        case decorrelatedJitter(base: Duration)
        case custom(@Sendable (_ attempt: Int, _ previousDelay: Duration) -> Duration)
    }

    let kind: Kind

    /// The longest delay the strategy ever returns. Default: 30 s.
    public let maximumDelay: Duration

    /// The default cap of every strategy: 30 s.
    public static let defaultMaximumDelay: Duration = .seconds(30)

    init(kind: Kind, maximumDelay: Duration) {
        self.kind = kind
        self.maximumDelay = maximumDelay
    }

    /// The same strategy with another cap.
    /// - Parameter maximumDelay: the longest delay to return; must be greater than zero
    ///   (checked by ``RetryConfiguration``).
    public func withMaximumDelay(_ maximumDelay: Duration) -> BackoffStrategy {
        BackoffStrategy(kind: kind, maximumDelay: maximumDelay)
    }

    // MARK: - Factories

    /// The same delay before every retry.
    /// - Parameters:
    ///   - delay: the wait before each retry; zero retries at once. Must not be negative.
    ///   - maximumDelay: the cap. Default: 30 s.
    public static func constant(_ delay: Duration, maximumDelay: Duration = defaultMaximumDelay) -> BackoffStrategy {
        BackoffStrategy(kind: .constant(delay), maximumDelay: maximumDelay)
    }

    /// A delay that grows by `increment` per retry: `initial + increment × (n − 1)`.
    /// - Parameters:
    ///   - initial: the wait before the first retry. Must not be negative.
    ///   - increment: added per further retry. Must not be negative.
    ///   - maximumDelay: the cap. Default: 30 s.
    public static func linear(
        initial: Duration,
        increment: Duration,
        maximumDelay: Duration = defaultMaximumDelay
    ) -> BackoffStrategy {
        BackoffStrategy(kind: .linear(initial: initial, increment: increment), maximumDelay: maximumDelay)
    }

    /// A delay that grows geometrically: `initial × multiplierⁿ⁻¹`, no jitter.
    /// - Parameters:
    ///   - initial: the wait before the first retry. Must be greater than zero.
    ///   - multiplier: the growth per retry. Must be at least 1. Default: 2.
    ///   - maximumDelay: the cap. Default: 30 s.
    public static func exponential(
        initial: Duration,
        multiplier: Double = 2,
        maximumDelay: Duration = defaultMaximumDelay
    ) -> BackoffStrategy {
        BackoffStrategy(kind: .exponential(initial: initial, multiplier: multiplier), maximumDelay: maximumDelay)
    }

    /// AWS "full jitter": a uniformly random delay in `0 … min(cap, initial × multiplierⁿ⁻¹)`.
    /// Spreads retries best; the expected wait is half the exponential one.
    /// - Parameters:
    ///   - initial: the upper bound of the first retry's wait. Must be greater than zero.
    ///   - multiplier: the growth per retry. Must be at least 1. Default: 2.
    ///   - maximumDelay: the cap. Default: 30 s.
    public static func exponentialFullJitter(
        initial: Duration,
        multiplier: Double = 2,
        maximumDelay: Duration = defaultMaximumDelay
    ) -> BackoffStrategy {
        BackoffStrategy(kind: .exponentialFullJitter(initial: initial, multiplier: multiplier), maximumDelay: maximumDelay)
    }

    /// AWS "equal jitter": half of the capped exponential delay plus a uniformly
    /// random part of up to the other half, so a retry never comes sooner than
    /// half the exponential wait.
    /// - Parameters:
    ///   - initial: the exponential wait of the first retry. Must be greater than zero.
    ///   - multiplier: the growth per retry. Must be at least 1. Default: 2.
    ///   - maximumDelay: the cap. Default: 30 s.
    public static func exponentialEqualJitter(
        initial: Duration,
        multiplier: Double = 2,
        maximumDelay: Duration = defaultMaximumDelay
    ) -> BackoffStrategy {
        BackoffStrategy(kind: .exponentialEqualJitter(initial: initial, multiplier: multiplier), maximumDelay: maximumDelay)
    }

    /// AWS "decorrelated jitter": `min(cap, random(base … previous × 3))`, where
    /// `previous` is the delay before the last retry (`base` for the first one).
    /// - Parameters:
    ///   - base: the smallest delay. Must be greater than zero.
    ///   - maximumDelay: the cap. Default: 30 s.
    public static func decorrelatedJitter(base: Duration, maximumDelay: Duration = defaultMaximumDelay) -> BackoffStrategy {
        BackoffStrategy(kind: .decorrelatedJitter(base: base), maximumDelay: maximumDelay)
    }

    /// A delay computed by `delay(attempt, previousDelay)`; its result is clamped
    /// to `0 … maximumDelay`. The closure runs on the retrying task and should be fast.
    /// - Parameters:
    ///   - maximumDelay: the cap. Default: 30 s.
    ///   - delay: the retry number (1 for the first retry) and the previous delay
    ///     (zero before the first retry) to the wait.
    public static func custom(
        maximumDelay: Duration = defaultMaximumDelay,
        _ delay: @escaping @Sendable (_ attempt: Int, _ previousDelay: Duration) -> Duration
    ) -> BackoffStrategy {
        BackoffStrategy(kind: .custom(delay), maximumDelay: maximumDelay)
    }

    // MARK: - Computing

    /// The wait before retry number `attempt` (the spec's `calculate_delay`).
    ///
    /// Never traps and never returns more than ``maximumDelay`` or less than zero.
    /// - Parameters:
    ///   - attempt: the retry about to happen, 1 for the first retry; smaller
    ///     values count as 1.
    ///   - previousDelay: the delay returned for the previous retry; `.zero`
    ///     before the first. Only ``decorrelatedJitter(base:maximumDelay:)`` and
    ///     ``custom(maximumDelay:_:)`` read it.
    ///   - generator: where the jittered strategies draw randomness.
    public func delay(
        forAttempt attempt: Int,
        previousDelay: Duration,
        using generator: inout some RandomNumberGenerator
    ) -> Duration {
        let cap = max(0, maximumDelay.whaleNanoseconds)
        let attempt = max(1, attempt)
        let nanoseconds: Int64
        switch kind {
        case .constant(let delay):
            nanoseconds = delay.whaleNanoseconds
        case .linear(let initial, let increment):
            let (steps, overflow) = max(0, increment.whaleNanoseconds).multipliedReportingOverflow(by: Int64(attempt - 1))
            nanoseconds = overflow ? cap : max(0, initial.whaleNanoseconds).addingSaturating(steps)
        case .exponential(let initial, let multiplier):
            nanoseconds = Self.exponential(initial, multiplier, attempt, cap: cap)
        case .exponentialFullJitter(let initial, let multiplier):
            let ceiling = Self.exponential(initial, multiplier, attempt, cap: cap)
            nanoseconds = Int64.random(in: 0...ceiling, using: &generator)
        case .exponentialEqualJitter(let initial, let multiplier):
            let ceiling = Self.exponential(initial, multiplier, attempt, cap: cap)
            let half = ceiling / 2
            nanoseconds = (ceiling - half) + Int64.random(in: 0...half, using: &generator)
        case .decorrelatedJitter(let base):
            let base = max(0, base.whaleNanoseconds)
            let previous = previousDelay.whaleNanoseconds
            let upper = max(base, (previous > 0 ? previous : base).multipliedSaturating(by: 3))
            nanoseconds = Int64.random(in: base...upper, using: &generator)
        case .custom(let compute):
            nanoseconds = compute(attempt, previousDelay).whaleNanoseconds
        }
        return .nanoseconds(min(cap, max(0, nanoseconds)))
    }

    /// The wait before retry number `attempt`, with the system's random number generator.
    /// See ``delay(forAttempt:previousDelay:using:)``.
    public func delay(forAttempt attempt: Int, previousDelay: Duration = .zero) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(forAttempt: attempt, previousDelay: previousDelay, using: &generator)
    }

    /// `min(cap, initial × multiplier^(attempt − 1))` in nanoseconds, saturating.
    static func exponential(_ initial: Duration, _ multiplier: Double, _ attempt: Int, cap: Int64) -> Int64 {
        let initial = initial.whaleNanoseconds
        guard initial > 0, cap > 0 else { return 0 }
        let value = (Double(initial) * power(multiplier, attempt - 1)).rounded()
        // `!(value < cap)` also catches infinity and NaN.
        guard value < Double(cap) else { return cap }
        return max(0, Int64(value))
    }

    /// `base^exponent` by squaring: O(log exponent), saturates at infinity.
    static func power(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        var factor = base
        var remaining = exponent
        while remaining > 0 {
            if remaining & 1 == 1 { result *= factor }
            remaining >>= 1
            if remaining > 0 { factor *= factor }
            if result.isInfinite || result.isNaN { break }
        }
        return result
    }

    // MARK: - Validation

    /// Throws `.invalidConfiguration` naming the field (`<prefix>.initial`, …) when
    /// a parameter is out of range.
    func validate(field prefix: String) throws {
        try ConfigurationCheck.positive(maximumDelay, "\(prefix).maximumDelay")
        switch kind {
        case .constant(let delay):
            try Self.nonNegative(delay, "\(prefix).delay")
        case .linear(let initial, let increment):
            try Self.nonNegative(initial, "\(prefix).initial")
            try Self.nonNegative(increment, "\(prefix).increment")
        case .exponential(let initial, let multiplier),
            .exponentialFullJitter(let initial, let multiplier),
            .exponentialEqualJitter(let initial, let multiplier):
            try ConfigurationCheck.positive(initial, "\(prefix).initial")
            try ConfigurationCheck.require(
                multiplier.isFinite && multiplier >= 1,
                "\(prefix).multiplier",
                "must be a finite number of at least 1, got \(multiplier)"
            )
        case .decorrelatedJitter(let base):
            try ConfigurationCheck.positive(base, "\(prefix).base")
        case .custom:
            break
        }
    }

    private static func nonNegative(_ value: Duration, _ field: String) throws {
        try ConfigurationCheck.require(value >= .zero, field, "must not be negative, got \(value)")
    }

    public var description: String {
        let formula: String
        switch kind {
        case .constant(let delay): formula = "constant(\(delay))"
        case .linear(let initial, let increment): formula = "linear(initial: \(initial), increment: \(increment))"
        case .exponential(let initial, let multiplier): formula = "exponential(initial: \(initial), multiplier: \(multiplier))"
        case .exponentialFullJitter(let initial, let multiplier):
            formula = "exponentialFullJitter(initial: \(initial), multiplier: \(multiplier))"
        case .exponentialEqualJitter(let initial, let multiplier):
            formula = "exponentialEqualJitter(initial: \(initial), multiplier: \(multiplier))"
        case .decorrelatedJitter(let base): formula = "decorrelatedJitter(base: \(base))"
        case .custom: formula = "custom"
        }
        return "\(formula), maximumDelay: \(maximumDelay)"
    }
}

extension Int64 {
    fileprivate func multipliedSaturating(by other: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        if overflow { return (self < 0) != (other < 0) ? .min : .max }
        return product
    }

    fileprivate func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        if overflow { return other < 0 ? .min : .max }
        return sum
    }
}
