/// Where circuit breakers publish and read their state, so that several nodes
/// protecting the same dependency trip together.
///
/// The resilience module ships an in-memory store (one process); the cache
/// module provides a Redis one. A store is eventually consistent: a breaker
/// writes on every transition and reads on its sync interval.
public protocol BreakerStateStore: Sendable {
    /// The last record written for the breaker `name`, or `nil` if none.
    func read(breaker name: String) async throws -> BreakerStateRecord?

    /// Replaces the record of the breaker `name`.
    func write(breaker name: String, record: BreakerStateRecord) async throws
}

/// One breaker's shared state as stored in a ``BreakerStateStore``.
public struct BreakerStateRecord: Sendable, Hashable, Codable {
    /// `"closed"`, `"open"`, `"half_open"`, `"forced_open"` or `"disabled"`.
    public var state: String
    /// When the breaker entered this state.
    public var since: WhaleInstant
    /// For an open breaker: when it may let probes through again.
    public var openUntil: WhaleInstant?
    /// The node that wrote the record, e.g. a host name.
    public var origin: String
    /// Why the transition happened, e.g. `"failure rate 62.5 % ≥ 50 %"`.
    public var reason: String

    public init(state: String, since: WhaleInstant, openUntil: WhaleInstant? = nil, origin: String, reason: String) {
        self.state = state
        self.since = since
        self.openUntil = openUntil
        self.origin = origin
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case state, since, origin, reason
        case openUntil = "open_until"
    }
}
