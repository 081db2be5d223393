public import CoreProtocols

/// One state change of a ``CircuitBreaker``, as kept in its bounded
/// ``CircuitBreaker/history`` and carried by its transition events.
public struct CircuitBreakerTransition: Hashable, Sendable, CustomStringConvertible {
    /// The state before.
    public var from: CircuitBreakerState
    /// The state after.
    public var to: CircuitBreakerState
    /// When it happened, on the breaker's clock.
    public var at: WhaleInstant
    /// Why, e.g. `"failure rate 62.5 % ≥ 50 %"`, `"wait in open of 60 s passed"`.
    public var reason: String
    /// The node whose record caused it, when the breaker adopted a state from
    /// its shared `BreakerStateStore`; `nil` for a local decision.
    public var remoteOrigin: String?

    /// Creates a transition record.
    public init(
        from: CircuitBreakerState, to: CircuitBreakerState, at: WhaleInstant, reason: String,
        remoteOrigin: String? = nil
    ) {
        self.from = from
        self.to = to
        self.at = at
        self.reason = reason
        self.remoteOrigin = remoteOrigin
    }

    public var description: String {
        "\(from) → \(to): \(reason)\(remoteOrigin.map { " (from \($0))" } ?? "")"
    }
}
