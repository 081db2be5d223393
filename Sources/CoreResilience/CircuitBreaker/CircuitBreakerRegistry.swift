public import CoreMetrics
public import CoreProtocols
public import Logging
import Metrics
import Synchronization

/// The breaker manager: circuit breakers by name, created on first use with
/// shared settings, and the operator's controls (`check_state`,
/// `trip_breaker`, `reset_breaker`).
///
/// ```swift
/// let registry = CircuitBreakerRegistry()
/// let redis = try registry.breaker(named: "redis", configuration: registry.defaultConfiguration)
/// try registry.trip("redis", reason: "maintenance")
/// print(try registry.checkState("redis"))  // open
/// ```
public final class CircuitBreakerRegistry: Sendable {
    /// The configuration of breakers created without one of their own.
    /// Default: `CircuitBreakerConfiguration()`.
    public let defaultConfiguration: CircuitBreakerConfiguration

    private let breakers = Mutex<[String: CircuitBreaker]>([:])
    private let clock: any WhaleClock
    private let stateStore: (any BreakerStateStore)?
    private let nodeID: String
    private let syncInterval: Duration
    private let metricsFactory: any MetricsFactory
    private let logger: Logger

    /// Creates an empty registry; every breaker it creates gets these settings.
    /// - Parameters:
    ///   - defaultConfiguration: for breakers created without a configuration.
    ///     Default: `CircuitBreakerConfiguration()`.
    ///   - clock: the breakers' clock. Default: `SystemClock()`.
    ///   - stateStore: where the breakers share their state. Default: none.
    ///   - nodeID: this node's name in shared records. Default: `"local"`.
    ///   - syncInterval: how often a breaker's `runSynchronization()` reads the store. Default: 1 s.
    ///   - metricsFactory: where the breakers' metrics go. Default: `MetricsSystem.factory`.
    ///   - logger: the breakers' logger. Default: label `whale.resilience.circuit-breaker`.
    public init(
        defaultConfiguration: CircuitBreakerConfiguration = CircuitBreakerConfiguration(),
        clock: any WhaleClock = SystemClock(),
        stateStore: (any BreakerStateStore)? = nil,
        nodeID: String = "local",
        syncInterval: Duration = .seconds(1),
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        logger: Logger = Logger(label: "whale.resilience.circuit-breaker")
    ) {
        self.defaultConfiguration = defaultConfiguration
        self.clock = clock
        self.stateStore = stateStore
        self.nodeID = nodeID
        self.syncInterval = syncInterval
        self.metricsFactory = metricsFactory
        self.logger = logger
    }

    /// The breaker named `name`, created with `configuration` if there is none
    /// yet. An existing breaker is returned as it is (its configuration is not
    /// changed), as in Resilience4j.
    /// - Throws: `WhaleError(.invalidConfiguration)` when `name` is empty, or the
    ///   registry's `nodeID` / `syncInterval` is invalid.
    public func breaker(named name: String, configuration: CircuitBreakerConfiguration) throws -> CircuitBreaker {
        try breakers.locked { breakers in
            if let existing = breakers[name] { return existing }
            let created = try CircuitBreaker(
                name: name,
                configuration: configuration,
                clock: clock,
                stateStore: stateStore,
                nodeID: nodeID,
                syncInterval: syncInterval,
                metricsFactory: metricsFactory,
                logger: logger
            )
            breakers[name] = created
            return created
        }
    }

    /// The breaker named `name`.
    /// - Throws: `WhaleError(.notFound)` when there is none.
    public func breaker(named name: String) throws -> CircuitBreaker {
        guard let breaker = breakers.locked({ $0[name] }) else {
            throw WhaleError(.notFound, "no circuit breaker named '\(name)'")
        }
        return breaker
    }

    /// Every breaker, sorted by name.
    public var all: [CircuitBreaker] {
        breakers.locked { $0.values.sorted { $0.name < $1.name } }
    }

    /// The names of the breakers, sorted.
    public var names: [String] {
        breakers.locked { $0.keys.sorted() }
    }

    /// The state of the breaker named `name` (`check_state`).
    /// - Throws: `WhaleError(.notFound)` when there is none.
    public func checkState(_ name: String) throws -> CircuitBreakerState {
        try breaker(named: name).state
    }

    /// Opens the breaker named `name` now (`trip_breaker`).
    /// - Throws: `WhaleError(.notFound)` when there is none.
    public func trip(_ name: String, reason: String = "opened by operator") throws {
        try breaker(named: name).transitionToOpen(reason: reason)
    }

    /// Resets the breaker named `name`: closed, empty window (`reset_breaker`).
    /// - Throws: `WhaleError(.notFound)` when there is none.
    public func reset(_ name: String) throws {
        try breaker(named: name).reset()
    }

    /// Removes the breaker named `name` from the registry and returns it.
    /// - Throws: `WhaleError(.notFound)` when there is none.
    @discardableResult
    public func remove(_ name: String) throws -> CircuitBreaker {
        guard let removed = breakers.locked({ $0.removeValue(forKey: name) }) else {
            throw WhaleError(.notFound, "no circuit breaker named '\(name)'")
        }
        return removed
    }

    /// Calls `synchronize()` on every breaker (for a node that drives the
    /// shared state itself instead of running each breaker's loop).
    public func synchronizeAll() async {
        for breaker in all { await breaker.synchronize() }
    }
}
