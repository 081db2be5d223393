/// Something that happened in a ``CircuitBreaker``, delivered through
/// ``CircuitBreaker/events``.
///
/// The kinds mirror Resilience4j's circuit-breaker events. A struct with a
/// ``Kind`` rather than an enum, so kinds may be added without breaking callers;
/// the fields that do not apply to a kind are `nil`.
public struct CircuitBreakerEvent: Sendable, CustomStringConvertible {
    /// What happened.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case stateTransition = "state_transition"
            case success
            case error
            case ignoredError = "ignored_error"
            case callNotPermitted = "call_not_permitted"
            case reset
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The state changed; ``CircuitBreakerEvent/transition`` says how and why.
        public static let stateTransition = Kind(.stateTransition)
        /// A call succeeded; ``CircuitBreakerEvent/duration`` is its duration when timed.
        public static let success = Kind(.success)
        /// A call failed and was recorded as a failure.
        public static let error = Kind(.error)
        /// A call failed with an error that does not count (the predicate said so,
        /// or the task was cancelled); its half-open permit was returned.
        public static let ignoredError = Kind(.ignoredError)
        /// A call was refused (open, forced-open, or half-open with every permit in use).
        public static let callNotPermitted = Kind(.callNotPermitted)
        /// The breaker was reset: closed with an empty window.
        public static let reset = Kind(.reset)

        public var description: String { base.rawValue }
    }

    /// What happened.
    public var kind: Kind
    /// The breaker's name.
    public var breaker: String
    /// For ``Kind/stateTransition``: from, to, when and why.
    public var transition: CircuitBreakerTransition?
    /// For ``Kind/success``, ``Kind/error`` and ``Kind/ignoredError``: how long the
    /// call took, when it was timed (see `CircuitBreakerConfiguration.slowCallRateThreshold`).
    public var duration: Duration?
    /// For ``Kind/error`` and ``Kind/ignoredError``: the error.
    public var error: (any Error)?

    /// Creates an event.
    public init(
        kind: Kind,
        breaker: String,
        transition: CircuitBreakerTransition? = nil,
        duration: Duration? = nil,
        error: (any Error)? = nil
    ) {
        self.kind = kind
        self.breaker = breaker
        self.transition = transition
        self.duration = duration
        self.error = error
    }

    /// The error's description, for ``Kind/error`` and ``Kind/ignoredError``.
    public var errorDescription: String? { error.map { String(describing: $0) } }

    public var description: String {
        var text = "circuit breaker '\(breaker)': \(kind)"
        if let transition { text += " \(transition)" }
        if let duration { text += " after \(duration)" }
        if let errorDescription { text += " (\(errorDescription))" }
        return text
    }
}
