public import CoreMetrics
public import CoreProtocols
import Synchronization

/// Computes the node's ``ServiceLevel`` from ``DegradationSignal``s, with
/// hysteresis so it does not flap, and gates features by level.
///
/// Each ``evaluate()`` reads every signal (concurrently), combines them into
/// one badness 0…1 (``Configuration/Combination``: the maximum by default, so
/// one failing dependency alone can degrade the node) and maps it to a level
/// with the thresholds (reduced ≥ 0.3, minimal ≥ 0.6, offline ≥ 0.9 by default):
///
/// - **Worse at once:** when the badness reaches a worse level's threshold,
///   the level drops to it in that evaluation.
/// - **Better slowly:** the level rises one step only after the badness has
///   stayed below the current level's threshold minus
///   ``Configuration/hysteresisMargin`` for ``Configuration/recoveryDelay``
///   (measured on the clock between evaluations; one evaluation at or above
///   that bound restarts the wait). Each further step waits again.
///
/// An operator can ``force(_:reason:)`` a level (it wins until
/// ``clearForce()``; the computed level keeps being tracked meanwhile).
/// Every change of the effective level is an event on ``events()`` and sets
/// the gauge `whale_service_level` {name} (3 full, 2 reduced, 1 minimal, 0 offline).
///
/// ```swift
/// let degradation = DegradationManager(name: "node", signals: [
///     BreakerStateSignal { breakers.isOpenByName() },
///     HealthCheckSignal(checks: [redisCheck, kafkaCheck]),
///     PressureSignal(source: resourceMonitor),
/// ])
/// let search = degradation.register(feature: "fuzzy-search", minimumLevel: .full)
/// Task { try await degradation.runEvaluation(every: .seconds(5)) }
/// ```
public final class DegradationManager: Sendable {
    /// Thresholds, hysteresis and how signals combine.
    public struct Configuration: Sendable, Hashable {
        /// How the signals' values become one badness.
        public struct Combination: Sendable, Hashable, CustomStringConvertible {
            private enum Base: String, Hashable {
                case maximum
                case weightedAverage
            }

            private let base: Base

            /// The worst signal decides (weights ignored).
            public static let maximum = Combination(base: .maximum)
            /// The weighted mean of the signals (`Σ weight·value / Σ weight`;
            /// weights below 0 count as 0; 0 when every weight is 0).
            public static let weightedAverage = Combination(base: .weightedAverage)

            public var description: String { base.rawValue }

            func combine(_ readings: [(name: String, weight: Double, value: Double)]) -> Double {
                switch base {
                case .maximum:
                    return readings.map(\.value).max() ?? 0
                case .weightedAverage:
                    var total = 0.0
                    var weights = 0.0
                    for reading in readings {
                        let weight = reading.weight.isFinite ? max(0, reading.weight) : 0
                        total += weight * reading.value
                        weights += weight
                    }
                    return weights > 0 ? min(1, max(0, total / weights)) : 0
                }
            }
        }

        /// Badness at or above which the level is at most ``ServiceLevel/reduced``.
        /// In (0, 1). Default: 0.3.
        public let reducedThreshold: Double
        /// Badness at or above which the level is at most ``ServiceLevel/minimal``.
        /// Above ``reducedThreshold``, below 1. Default: 0.6.
        public let minimalThreshold: Double
        /// Badness at or above which the level is ``ServiceLevel/offline``.
        /// Above ``minimalThreshold``, at most 1. Default: 0.9.
        public let offlineThreshold: Double
        /// How far below a level's threshold the badness must fall before the
        /// level may rise. 0 ≤ margin < ``reducedThreshold``. Default: 0.1.
        public let hysteresisMargin: Double
        /// How long the badness must stay below (threshold − margin) before the
        /// level rises one step. At least 0. Default: 30 s.
        public let recoveryDelay: Duration
        /// How the signals combine. Default: ``Combination/maximum``.
        public let combination: Combination

        /// Creates a configuration; every field is validated.
        /// - Throws: `WhaleError` `.invalidConfiguration` whose message starts with the field's name.
        public init(
            reducedThreshold: Double = 0.3,
            minimalThreshold: Double = 0.6,
            offlineThreshold: Double = 0.9,
            hysteresisMargin: Double = 0.1,
            recoveryDelay: Duration = .seconds(30),
            combination: Combination = .maximum
        ) throws {
            try ConfigurationCheck.require(
                reducedThreshold.isFinite && reducedThreshold > 0 && reducedThreshold < 1,
                "reducedThreshold",
                "must be in (0, 1), got \(reducedThreshold)"
            )
            try ConfigurationCheck.require(
                minimalThreshold.isFinite && minimalThreshold > reducedThreshold && minimalThreshold < 1,
                "minimalThreshold",
                "must be above reducedThreshold (\(reducedThreshold)) and below 1, got \(minimalThreshold)"
            )
            try ConfigurationCheck.require(
                offlineThreshold.isFinite && offlineThreshold > minimalThreshold && offlineThreshold <= 1,
                "offlineThreshold",
                "must be above minimalThreshold (\(minimalThreshold)) and at most 1, got \(offlineThreshold)"
            )
            try ConfigurationCheck.require(
                hysteresisMargin.isFinite && hysteresisMargin >= 0 && hysteresisMargin < reducedThreshold,
                "hysteresisMargin",
                "must be at least 0 and below reducedThreshold (\(reducedThreshold)), got \(hysteresisMargin)"
            )
            try ConfigurationCheck.require(recoveryDelay >= .zero, "recoveryDelay", "must be zero or more, got \(recoveryDelay)")
            self.init(unchecked: reducedThreshold, minimalThreshold, offlineThreshold, hysteresisMargin, recoveryDelay, combination)
        }

        private init(
            unchecked reduced: Double,
            _ minimal: Double,
            _ offline: Double,
            _ margin: Double,
            _ delay: Duration,
            _ combination: Combination
        ) {
            self.reducedThreshold = reduced
            self.minimalThreshold = minimal
            self.offlineThreshold = offline
            self.hysteresisMargin = margin
            self.recoveryDelay = delay
            self.combination = combination
        }

        /// The defaults: thresholds 0.3 / 0.6 / 0.9, margin 0.1, recovery after 30 s, maximum.
        public static var `default`: Configuration {
            Configuration(unchecked: 0.3, 0.6, 0.9, 0.1, .seconds(30), .maximum)
        }

        /// The level the badness alone calls for, without hysteresis.
        public func level(for badness: Double) -> ServiceLevel {
            if badness >= offlineThreshold { return .offline }
            if badness >= minimalThreshold { return .minimal }
            if badness >= reducedThreshold { return .reduced }
            return .full
        }

        /// The badness at which `level` starts (0 for ``ServiceLevel/full``).
        public func threshold(of level: ServiceLevel) -> Double {
            switch level.rank {
            case 2: reducedThreshold
            case 1: minimalThreshold
            case 0: offlineThreshold
            default: 0
            }
        }
    }

    /// The name used in the `name` metric dimension.
    public let name: String
    /// Thresholds, hysteresis and combination.
    public let configuration: Configuration

    private struct State {
        var computed = ServiceLevel.full
        var forced: ServiceLevel?
        var recoveryStartedAt: WhaleInstant?
        var badness = 0.0
        var signals: [any DegradationSignal]

        var effective: ServiceLevel { forced ?? computed }

        /// Applies one evaluation's badness to the computed level; returns the
        /// reason when it changed.
        mutating func step(badness: Double, worst: String, now: WhaleInstant, configuration: Configuration) -> String? {
            self.badness = badness
            let target = configuration.level(for: badness)
            if target < computed {
                computed = target
                recoveryStartedAt = nil
                let threshold = configuration.threshold(of: target)
                return "badness \(formatBadness(badness)) reached the \(target) threshold \(formatBadness(threshold))\(worst)"
            }
            guard target > computed else {
                recoveryStartedAt = nil
                return nil
            }
            let bound = configuration.threshold(of: computed) - configuration.hysteresisMargin
            guard badness < bound else {
                recoveryStartedAt = nil
                return nil
            }
            let since = recoveryStartedAt ?? now
            recoveryStartedAt = since
            let below = since.duration(to: now)
            guard below >= configuration.recoveryDelay else { return nil }
            computed = computed.better
            recoveryStartedAt = computed < target ? now : nil
            return "badness \(formatBadness(badness)) stayed below \(formatBadness(bound)) for \(below)\(worst)"
        }
    }

    private let clock: any WhaleClock
    private let state: Mutex<State>
    private let features = Mutex<[String: ServiceLevel]>([:])
    private let level = ServiceLevelCell(.full)
    private let gauge: Gauge
    private let broadcaster = EventBroadcaster<DegradationEvent>()

    /// Creates a manager at ``ServiceLevel/full``.
    /// - Parameters:
    ///   - name: used in the `name` dimension of `whale_service_level`. Default: `"default"`.
    ///   - signals: the inputs. More can be added with ``addSignal(_:)``. Default: none.
    ///   - configuration: thresholds and hysteresis. Default: ``Configuration/default``.
    ///   - clock: measures the recovery delay and stamps events. Default: `SystemClock()`.
    ///   - metricsFactory: where the gauge goes. Default: the factory
    ///     `MetricsSystem` was bootstrapped with.
    public init(
        name: String = "default",
        signals: [any DegradationSignal] = [],
        configuration: Configuration = .default,
        clock: any WhaleClock = SystemClock(),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.name = name
        self.configuration = configuration
        self.clock = clock
        self.state = Mutex(State(signals: signals))
        self.gauge = Gauge(label: "whale_service_level", dimensions: [("name", name)], factory: metricsFactory)
        gauge.record(ServiceLevel.full.rank)
    }

    deinit {
        broadcaster.finish()
    }

    /// Adds an input, read from the next evaluation on.
    public func addSignal(_ signal: any DegradationSignal) {
        state.locked { $0.signals.append(signal) }
    }

    /// The effective level: the forced one if any, else the computed one.
    /// One atomic load.
    public var currentLevel: ServiceLevel { ServiceLevel(rank: level.rank) }

    /// The level computed from the signals, whether or not one is forced.
    public var computedLevel: ServiceLevel { state.locked { $0.computed } }

    /// The level an operator forced, if any.
    public var forcedLevel: ServiceLevel? { state.locked { $0.forced } }

    /// The combined badness of the last evaluation, 0…1 (0 before the first).
    public var lastBadness: Double { state.locked { $0.badness } }

    /// Reads every signal, updates the computed level and returns the
    /// effective one. Call it periodically, or use ``runEvaluation(every:)``.
    @discardableResult
    public func evaluate() async -> ServiceLevel {
        let signals = state.locked { $0.signals }
        let readings = await Self.read(signals)
        let badness = configuration.combination.combine(readings)
        var worst = ""
        if let top = readings.max(by: { $0.value < $1.value }), top.value > 0 {
            worst = " (worst: \(top.name) \(formatBadness(top.value)))"
        }
        return apply(badness: badness, worst: worst)
    }

    /// Evaluates now and then every `interval` on the clock until the task is
    /// cancelled.
    /// - Throws: `CancellationError` when cancelled; `WhaleError` `.invalidInput`
    ///   when `interval` is not greater than zero.
    public func runEvaluation(every interval: Duration) async throws {
        guard interval > .zero else {
            throw WhaleError(.invalidInput, "interval: must be greater than zero, got \(interval)")
        }
        var next = clock.now
        while true {
            try Task.checkCancellation()
            await evaluate()
            next = next.advanced(by: interval)
            let now = clock.now
            if next < now { next = now }
            try await clock.sleep(until: next, tolerance: nil)
        }
    }

    /// Forces the effective level to `level` until ``clearForce()``, whatever
    /// the signals say.
    /// - Parameter reason: the reason in the event. Default: `"forced by operator"`.
    public func force(_ level: ServiceLevel, reason: String = "forced by operator") {
        update(reason: reason) { state in state.forced = level }
    }

    /// Ends a forced level: the computed level applies again.
    public func clearForce() {
        update(reason: "forced level cleared") { state in state.forced = nil }
    }

    /// Registers `feature` as needing at least `minimumLevel` (replacing an
    /// earlier registration) and returns its gate.
    @discardableResult
    public func register(feature: String, minimumLevel: ServiceLevel) -> FeatureGate {
        features.locked { $0[feature] = minimumLevel }
        return FeatureGate(feature: feature, minimumLevel: minimumLevel, level: level)
    }

    /// Whether `feature` is on at the current level. A feature that was never
    /// registered needs ``ServiceLevel/full``: it is on only while nothing is degraded.
    public func isEnabled(_ feature: String) -> Bool {
        let minimum = features.locked { $0[feature] } ?? .full
        return level.rank >= minimum.rank
    }

    /// The gate of a registered feature, or nil.
    public func gate(for feature: String) -> FeatureGate? {
        features.locked { $0[feature] }.map { FeatureGate(feature: feature, minimumLevel: $0, level: level) }
    }

    /// The registered features and their minimum levels.
    public var registeredFeatures: [String: ServiceLevel] { features.locked { $0 } }

    /// A new subscription to every change of the effective level from now on.
    /// The stream ends when the manager is deinitialised.
    public func events() -> AsyncStream<DegradationEvent> {
        broadcaster.subscribe()
    }

    // MARK: - Internals

    /// Applies a combined badness as one evaluation would (NaN counts as 1).
    @discardableResult
    func apply(badness: Double, worst: String = "") -> ServiceLevel {
        let now = clock.now
        let badness = badness.isNaN ? 1 : min(1, max(0, badness))
        var reason = ""
        return update(reasonFrom: { reason }) { state in
            reason = state.step(badness: badness, worst: worst, now: now, configuration: configuration) ?? ""
        }
    }

    @discardableResult
    private func update(reason: String, _ change: (inout State) -> Void) -> ServiceLevel {
        update(reasonFrom: { reason }, change)
    }

    /// Runs `change` under the lock; when the effective level changed, stores
    /// it, records the gauge and emits the event (under the lock, so events
    /// arrive in order).
    @discardableResult
    private func update(reasonFrom reason: () -> String, _ change: (inout State) -> Void) -> ServiceLevel {
        let now = clock.now
        return state.locked { state in
            let before = state.effective
            change(&state)
            let after = state.effective
            if after != before {
                level.store(after)
                gauge.record(after.rank)
                broadcaster.emit(DegradationEvent(from: before, to: after, reason: reason(), badness: state.badness, time: now))
            }
            return after
        }
    }

    private static func read(_ signals: [any DegradationSignal]) async -> [(name: String, weight: Double, value: Double)] {
        if signals.isEmpty { return [] }
        if signals.count == 1, let signal = signals.first {
            return [(signal.name, signal.weight, clamp(await signal.evaluate()))]
        }
        return await withTaskGroup(of: (Int, Double).self) { group in
            for (index, signal) in signals.enumerated() {
                group.addTask { (index, clamp(await signal.evaluate())) }
            }
            var values = [Double](repeating: 0, count: signals.count)
            for await (index, value) in group { values[index] = value }
            return zip(signals, values).map { ($0.name, $0.weight, $1) }
        }
    }

    private static func clamp(_ value: Double) -> Double {
        value.isNaN ? 1 : min(1, max(0, value))
    }
}

/// `value` rounded to three decimals, for reasons.
private func formatBadness(_ value: Double) -> String {
    let rounded = (value * 1000).rounded() / 1000
    return "\(rounded)"
}
