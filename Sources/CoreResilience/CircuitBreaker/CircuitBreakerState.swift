/// The state of a ``CircuitBreaker``.
///
/// - ``closed``: calls pass; outcomes are recorded in the sliding window, and the
///   breaker opens when the failure rate or the slow-call rate reaches its threshold.
/// - ``open``: calls are refused with `WhaleError(.circuitOpen)` until the wait in
///   open has passed; then the breaker becomes half-open.
/// - ``halfOpen``: exactly `permittedCallsInHalfOpenState` probe calls pass; their
///   outcomes decide between closed and open again.
/// - ``forcedOpen``: every call is refused until an operator changes the state.
/// - ``disabled``: every call passes and nothing is recorded, until an operator
///   changes the state.
///
/// A struct with static members rather than an enum, so states may be added
/// without breaking callers. ``name`` is the string stored in a
/// `BreakerStateRecord` (`"closed"`, `"open"`, `"half_open"`, `"forced_open"`,
/// `"disabled"`).
public struct CircuitBreakerState: Hashable, Sendable, CustomStringConvertible {
    enum Base: UInt8, Hashable, Sendable {
        case closed = 0
        case open = 1
        case halfOpen = 2
        case forcedOpen = 3
        case disabled = 4
    }

    let base: Base

    init(_ base: Base) { self.base = base }

    /// Calls pass and their outcomes are recorded.
    public static let closed = CircuitBreakerState(.closed)
    /// Calls are refused until the wait in open has passed.
    public static let open = CircuitBreakerState(.open)
    /// A fixed number of probe calls pass; their outcomes decide the next state.
    public static let halfOpen = CircuitBreakerState(.halfOpen)
    /// Every call is refused until an operator changes the state.
    public static let forcedOpen = CircuitBreakerState(.forcedOpen)
    /// Every call passes and nothing is recorded until an operator changes the state.
    public static let disabled = CircuitBreakerState(.disabled)

    /// Every state, in the order of their ``metricValue``.
    public static let all: [CircuitBreakerState] = [.closed, .open, .halfOpen, .forcedOpen, .disabled]

    /// The stable name used in `BreakerStateRecord.state`, logs and events:
    /// `"closed"`, `"open"`, `"half_open"`, `"forced_open"` or `"disabled"`.
    public var name: String {
        switch base {
        case .closed: "closed"
        case .open: "open"
        case .halfOpen: "half_open"
        case .forcedOpen: "forced_open"
        case .disabled: "disabled"
        }
    }

    /// The value of the `whale_circuit_breaker_state` gauge: 0 closed, 1 open,
    /// 2 half-open, 3 forced-open, 4 disabled.
    public var metricValue: Int { Int(base.rawValue) }

    /// Whether the state refuses calls (open or forced-open).
    public var refusesCalls: Bool { base == .open || base == .forcedOpen }

    /// The state whose ``name`` is `name`, or `nil` for an unknown name.
    public init?(name: String) {
        switch name {
        case "closed": self.init(.closed)
        case "open": self.init(.open)
        case "half_open": self.init(.halfOpen)
        case "forced_open": self.init(.forcedOpen)
        case "disabled": self.init(.disabled)
        default: return nil
        }
    }

    public var description: String { name }
}
