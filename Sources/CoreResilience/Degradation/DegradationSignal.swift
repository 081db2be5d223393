public import CoreProtocols

/// One input of a ``DegradationManager``: how bad things are, from 0 (fine)
/// to 1 (down). The manager clamps values to 0…1 and reads NaN as 1.
///
/// Built in: ``HealthCheckSignal`` (the fraction of failing health checks),
/// ``PressureSignal`` (a `ResourcePressureSignal`), ``BreakerStateSignal``
/// (the fraction of open circuit breakers) and ``ClosureSignal``.
public protocol DegradationSignal: Sendable {
    /// A short name, used in the reason of a level change.
    var name: String { get }
    /// The signal's weight under ``DegradationManager/Configuration/Combination/weightedAverage``;
    /// ignored by ``DegradationManager/Configuration/Combination/maximum``. Default: 1.
    var weight: Double { get }
    /// The current badness, 0…1.
    func evaluate() async -> Double
}

extension DegradationSignal {
    /// Weight 1.
    public var weight: Double { 1 }
}

/// A signal computed by a closure.
public struct ClosureSignal: DegradationSignal {
    public let name: String
    public let weight: Double
    private let body: @Sendable () async -> Double

    /// - Parameters:
    ///   - name: a short name for reasons.
    ///   - weight: its weight in a weighted average. Default: 1.
    ///   - body: returns the badness, 0…1.
    public init(name: String, weight: Double = 1, _ body: @escaping @Sendable () async -> Double) {
        self.name = name
        self.weight = weight
        self.body = body
    }

    public func evaluate() async -> Double { await body() }
}

/// The fraction of `checks` that fail, run concurrently (0 with no check).
public struct HealthCheckSignal: DegradationSignal {
    public let name: String
    public let weight: Double
    /// The checks run on each evaluation.
    public let checks: [any HealthCheck]

    /// - Parameters:
    ///   - name: a short name for reasons. Default: `"health"`.
    ///   - weight: its weight in a weighted average. Default: 1.
    ///   - checks: the checks to run; each should finish within a few seconds.
    public init(name: String = "health", weight: Double = 1, checks: [any HealthCheck]) {
        self.name = name
        self.weight = weight
        self.checks = checks
    }

    public func evaluate() async -> Double {
        guard !checks.isEmpty else { return 0 }
        let failing = await withTaskGroup(of: Bool.self) { group in
            for check in checks {
                group.addTask { await !check.check().isHealthy }
            }
            var failing = 0
            for await failed in group where failed { failing += 1 }
            return failing
        }
        return Double(failing) / Double(checks.count)
    }
}

/// A `ResourcePressureSignal` (CPU, memory, GPU load from the resources
/// module) as a degradation signal: its pressure, clamped to 0…1.
public struct PressureSignal: DegradationSignal {
    public let name: String
    public let weight: Double
    /// Where the pressure comes from.
    public let source: any ResourcePressureSignal

    /// - Parameters:
    ///   - name: a short name for reasons. Default: `"resource-pressure"`.
    ///   - weight: its weight in a weighted average. Default: 1.
    ///   - source: the pressure reading.
    public init(name: String = "resource-pressure", weight: Double = 1, source: any ResourcePressureSignal) {
        self.name = name
        self.weight = weight
        self.source = source
    }

    public func evaluate() async -> Double {
        let pressure = source.pressure()
        return pressure.isNaN ? 1 : min(1, max(0, pressure))
    }
}

/// The fraction of circuit breakers that are open, from a closure that
/// reports "is open" per dependency (0 with none). Wire it to the breaker
/// registry, e.g. `{ registry.states.mapValues { $0 == .open } }`.
public struct BreakerStateSignal: DegradationSignal {
    public let name: String
    public let weight: Double
    private let isOpen: @Sendable () -> [String: Bool]

    /// - Parameters:
    ///   - name: a short name for reasons. Default: `"circuit-breakers"`.
    ///   - weight: its weight in a weighted average. Default: 1.
    ///   - isOpen: whether each dependency's breaker is open, by dependency name.
    public init(name: String = "circuit-breakers", weight: Double = 1, isOpen: @escaping @Sendable () -> [String: Bool]) {
        self.name = name
        self.weight = weight
        self.isOpen = isOpen
    }

    public func evaluate() async -> Double {
        let states = isOpen()
        guard !states.isEmpty else { return 0 }
        return Double(states.values.count { $0 }) / Double(states.count)
    }
}
