import CoreProtocols
import CoreTestKit
import MetricsTestKit
import Synchronization
import Testing

@testable import CoreResilience

/// A badness the test sets by hand.
private final class Dial: Sendable {
    private let storage = Mutex(0.0)

    var value: Double {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

/// A fixed resource pressure.
private struct FixedPressure: ResourcePressureSignal {
    var value: Double

    func pressure() -> Double { value }
}

@Suite(.timeLimit(.minutes(1))) struct DegradationTests {
    fileprivate static func manager(
        dial: Dial,
        configuration: DegradationManager.Configuration = .default,
        clock: ManualClock,
        metrics: TestMetrics = TestMetrics()
    ) -> DegradationManager {
        DegradationManager(
            name: "node",
            signals: [ClosureSignal(name: "dial") { dial.value }],
            configuration: configuration,
            clock: clock,
            metricsFactory: metrics
        )
    }

    @Test func levelsAreOrdered() {
        #expect(ServiceLevel.full > .reduced)
        #expect(ServiceLevel.reduced > .minimal)
        #expect(ServiceLevel.minimal > .offline)
        #expect(ServiceLevel.all.map(\.name) == ["full", "reduced", "minimal", "offline"])
        #expect(ServiceLevel.all.map(\.rank) == [3, 2, 1, 0])
        #expect(ServiceLevel.offline.better == .minimal)
        #expect(ServiceLevel.full.better == .full)
        #expect(ServiceLevel.offline.worse == .offline)
        #expect(ServiceLevel(rank: 9) == .full)
    }

    @Test func defaultsAreDocumented() {
        let configuration = DegradationManager.Configuration.default
        #expect(configuration.reducedThreshold == 0.3)
        #expect(configuration.minimalThreshold == 0.6)
        #expect(configuration.offlineThreshold == 0.9)
        #expect(configuration.hysteresisMargin == 0.1)
        #expect(configuration.recoveryDelay == .seconds(30))
        #expect(configuration.combination == .maximum)
        #expect(configuration.level(for: 0.29) == .full)
        #expect(configuration.level(for: 0.3) == .reduced)
        #expect(configuration.level(for: 0.6) == .minimal)
        #expect(configuration.level(for: 0.9) == .offline)
    }

    @Test(arguments: [
        (0.0, 0.6, 0.9, 0.1, Duration.seconds(1), "reducedThreshold"),
        (1.0, 0.6, 0.9, 0.1, .seconds(1), "reducedThreshold"),
        (.nan, 0.6, 0.9, 0.1, .seconds(1), "reducedThreshold"),
        (0.3, 0.3, 0.9, 0.1, .seconds(1), "minimalThreshold"),
        (0.3, 1.0, 0.9, 0.1, .seconds(1), "minimalThreshold"),
        (0.3, 0.6, 0.6, 0.1, .seconds(1), "offlineThreshold"),
        (0.3, 0.6, 1.1, 0.1, .seconds(1), "offlineThreshold"),
        (0.3, 0.6, 0.9, -0.1, .seconds(1), "hysteresisMargin"),
        (0.3, 0.6, 0.9, 0.3, .seconds(1), "hysteresisMargin"),
        (0.3, 0.6, 0.9, 0.1, .seconds(-1), "recoveryDelay"),
    ])
    func invalidConfigurationNamesTheField(
        reduced: Double,
        minimal: Double,
        offline: Double,
        margin: Double,
        delay: Duration,
        field: String
    ) async {
        let error = await caught {
            _ = try DegradationManager.Configuration(
                reducedThreshold: reduced,
                minimalThreshold: minimal,
                offlineThreshold: offline,
                hysteresisMargin: margin,
                recoveryDelay: delay
            )
        }
        let whale = error as? WhaleError
        #expect(whale?.code == .invalidConfiguration)
        #expect(whale?.message.hasPrefix(field + ":") == true, "\(String(describing: whale))")
    }

    @Test func degradesAtOnceWhenABadnessThresholdIsReached() async {
        let clock = ManualClock()
        let dial = Dial()
        let manager = Self.manager(dial: dial, clock: clock)
        #expect(await manager.evaluate() == .full)
        dial.value = 0.3
        #expect(await manager.evaluate() == .reduced)
        dial.value = 0.6
        #expect(await manager.evaluate() == .minimal)
        dial.value = 0.95
        #expect(await manager.evaluate() == .offline)

        let jump = Self.manager(dial: dial, clock: clock)
        #expect(await jump.evaluate() == .offline, "full straight to offline in one evaluation")
        #expect(jump.lastBadness == 0.95)
    }

    @Test func oscillatingAroundAThresholdDoesNotFlap() async {
        let clock = ManualClock()
        let dial = Dial()
        let manager = Self.manager(dial: dial, clock: clock)
        let events = manager.events()
        for step in 0..<40 {
            dial.value = step.isMultiple(of: 2) ? 0.31 : 0.29
            await manager.evaluate()
            clock.advance(by: .seconds(10))
        }
        #expect(manager.currentLevel == .reduced)
        dial.value = 0.25  // below the threshold but inside the margin (0.3 − 0.1)
        for _ in 0..<10 {
            await manager.evaluate()
            clock.advance(by: .seconds(60))
        }
        #expect(manager.currentLevel == .reduced, "never below 0.2: no recovery however long")
        var iterator = events.makeAsyncIterator()
        let first = await iterator.next()
        #expect(first?.from == .full)
        #expect(first?.to == .reduced)
        manager.force(.offline)  // a marker: the next event must be this one
        #expect(await iterator.next()?.to == .offline, "exactly one change while oscillating")
    }

    @Test func recoversOneLevelOnlyAfterTheDelay() async {
        let clock = ManualClock()
        let dial = Dial()
        let manager = Self.manager(dial: dial, clock: clock)
        dial.value = 1
        #expect(await manager.evaluate() == .offline)

        dial.value = 0
        await manager.evaluate()  // the badness is below every bound from now
        clock.advance(by: .seconds(29))
        #expect(await manager.evaluate() == .offline)
        clock.advance(by: .seconds(1))
        #expect(await manager.evaluate() == .minimal, "one level after 30 s")
        clock.advance(by: .seconds(29))
        #expect(await manager.evaluate() == .minimal, "each level waits again")
        clock.advance(by: .seconds(1))
        #expect(await manager.evaluate() == .reduced)

        clock.advance(by: .seconds(20))
        dial.value = 0.25  // inside the margin below reduced: the wait restarts
        #expect(await manager.evaluate() == .reduced)
        dial.value = 0.1
        await manager.evaluate()
        clock.advance(by: .seconds(29))
        #expect(await manager.evaluate() == .reduced)
        clock.advance(by: .seconds(1))
        #expect(await manager.evaluate() == .full)
    }

    @Test func aWorseningDuringRecoveryDegradesAtOnceAndRestartsTheWait() async {
        let clock = ManualClock()
        let dial = Dial()
        let manager = Self.manager(dial: dial, clock: clock)
        dial.value = 0.65
        #expect(await manager.evaluate() == .minimal)
        dial.value = 0.1
        await manager.evaluate()
        clock.advance(by: .seconds(25))
        dial.value = 0.7
        #expect(await manager.evaluate() == .minimal)
        dial.value = 0.1
        clock.advance(by: .seconds(10))
        #expect(await manager.evaluate() == .minimal, "35 s since the first good reading, but the bad one reset the wait")
        clock.advance(by: .seconds(30))
        #expect(await manager.evaluate() == .reduced)
    }

    @Test func aZeroRecoveryDelayRecoversOneLevelPerEvaluation() async throws {
        let clock = ManualClock()
        let dial = Dial()
        let configuration = try DegradationManager.Configuration(recoveryDelay: .zero)
        let manager = Self.manager(dial: dial, configuration: configuration, clock: clock)
        dial.value = 0.95
        await manager.evaluate()
        dial.value = 0
        #expect(await manager.evaluate() == .minimal)
        #expect(await manager.evaluate() == .reduced)
        #expect(await manager.evaluate() == .full)
    }

    @Test func featureGatesFollowTheLevel() async {
        let clock = ManualClock()
        let dial = Dial()
        let manager = Self.manager(dial: dial, clock: clock)
        let recommendations = manager.register(feature: "recommendations", minimumLevel: .full)
        manager.register(feature: "search", minimumLevel: .reduced)
        manager.register(feature: "checkout", minimumLevel: .minimal)
        #expect(recommendations.isEnabled)
        #expect(manager.isEnabled("search"))
        #expect(manager.isEnabled("unregistered"))

        dial.value = 0.4
        await manager.evaluate()
        #expect(!recommendations.isEnabled)
        #expect(!manager.isEnabled("recommendations"))
        #expect(!manager.isEnabled("unregistered"), "an unregistered feature needs full")
        #expect(manager.isEnabled("search"))
        #expect(manager.isEnabled("checkout"))

        dial.value = 0.7
        await manager.evaluate()
        #expect(!manager.isEnabled("search"))
        #expect(manager.isEnabled("checkout"))
        #expect(manager.gate(for: "checkout")?.isEnabled == true)

        dial.value = 0.9
        await manager.evaluate()
        #expect(!manager.isEnabled("checkout"))
        #expect(manager.gate(for: "nothing") == nil)
        #expect(manager.registeredFeatures["search"] == .reduced)
    }

    @Test func aForcedLevelWinsUntilCleared() async {
        let clock = ManualClock()
        let dial = Dial()
        let manager = Self.manager(dial: dial, clock: clock)
        let events = manager.events()
        manager.force(.minimal, reason: "maintenance")
        #expect(manager.currentLevel == .minimal)
        #expect(manager.forcedLevel == .minimal)
        #expect(!manager.isEnabled("anything"))
        dial.value = 0.95
        #expect(await manager.evaluate() == .minimal, "forced beats computed")
        #expect(manager.computedLevel == .offline, "the computed level is still tracked")
        manager.clearForce()
        #expect(manager.currentLevel == .offline)
        #expect(manager.forcedLevel == nil)

        var iterator = events.makeAsyncIterator()
        let forced = await iterator.next()
        #expect(forced?.from == .full)
        #expect(forced?.to == .minimal)
        #expect(forced?.reason == "maintenance")
        let cleared = await iterator.next()
        #expect(cleared?.from == .minimal)
        #expect(cleared?.to == .offline, "no event for the computed change while forced; one when the force ends")
        #expect(cleared?.reason == "forced level cleared")
    }

    @Test func eventsAndTheGaugeFollowEveryChange() async throws {
        let clock = ManualClock()
        let dial = Dial()
        let metrics = TestMetrics()
        let manager = Self.manager(dial: dial, clock: clock, metrics: metrics)
        let gauge = try metrics.expectGauge("whale_service_level", [("name", "node")])
        #expect(gauge.lastValue == 3)
        let events = manager.events()
        dial.value = 0.65
        await manager.evaluate()
        #expect(gauge.lastValue == 1)
        dial.value = 0
        await manager.evaluate()
        clock.advance(by: .seconds(30))
        await manager.evaluate()
        #expect(gauge.lastValue == 2)
        manager.force(.offline)
        #expect(gauge.lastValue == 0)

        var iterator = events.makeAsyncIterator()
        let down = await iterator.next()
        #expect(down?.from == .full)
        #expect(down?.to == .minimal)
        #expect(down?.isDegradation == true)
        #expect(down?.badness == 0.65)
        #expect(down?.reason.contains("minimal threshold 0.6") == true, "\(String(describing: down))")
        #expect(down?.reason.contains("dial") == true)
        let up = await iterator.next()
        #expect(up?.to == .reduced)
        #expect(up?.isDegradation == false)
        #expect(up?.reason.contains("stayed below 0.5") == true, "\(String(describing: up))")
        #expect(up?.time == clock.now)
        #expect(await iterator.next()?.to == .offline)
        #expect(gauge.values == [3, 1, 2, 0])
    }

    @Test func builtInSignals() async {
        let health = HealthCheckSignal(checks: [
            ClosureHealthCheck(name: "a", kind: .readiness) { .healthy() },
            ClosureHealthCheck(name: "b", kind: .readiness) { .unhealthy("down") },
            ClosureHealthCheck(name: "c", kind: .readiness) { .healthy() },
            ClosureHealthCheck(name: "d", kind: .readiness) { .unhealthy("down") },
        ])
        #expect(await health.evaluate() == 0.5)
        #expect(await HealthCheckSignal(checks: []).evaluate() == 0)
        #expect(await PressureSignal(source: FixedPressure(value: 0.42)).evaluate() == 0.42)
        #expect(await PressureSignal(source: FixedPressure(value: 1.7)).evaluate() == 1)
        #expect(await PressureSignal(source: FixedPressure(value: -3)).evaluate() == 0)
        #expect(await PressureSignal(source: FixedPressure(value: .nan)).evaluate() == 1)
        let breakers = BreakerStateSignal { ["db": true, "cache": false, "search": false, "mail": false] }
        #expect(await breakers.evaluate() == 0.25)
        #expect(await BreakerStateSignal { [:] }.evaluate() == 0)
        #expect(ClosureSignal(name: "x") { 0 }.weight == 1)
    }

    @Test func signalsCombineByMaximumOrWeightedAverage() async throws {
        let clock = ManualClock()
        let signals: [any DegradationSignal] = [
            ClosureSignal(name: "low", weight: 3) { 0.2 },
            ClosureSignal(name: "high", weight: 1) { 1.0 },
            ClosureSignal(name: "out of range", weight: 0) { 7 },
        ]
        let maximum = DegradationManager(signals: signals, clock: clock, metricsFactory: TestMetrics())
        #expect(await maximum.evaluate() == .offline)
        #expect(maximum.lastBadness == 1, "clamped to 1")

        let averaged = DegradationManager(
            signals: signals,
            configuration: try .init(combination: .weightedAverage),
            clock: clock,
            metricsFactory: TestMetrics()
        )
        #expect(await averaged.evaluate() == .reduced)
        #expect(abs(averaged.lastBadness - 0.4) < 1e-9, "(3·0.2 + 1·1.0 + 0·1) / 4")

        let empty = DegradationManager(clock: clock, metricsFactory: TestMetrics())
        #expect(await empty.evaluate() == .full)
        empty.addSignal(ClosureSignal(name: "late") { 0.61 })
        #expect(await empty.evaluate() == .minimal)
    }

    @Test func runEvaluationEvaluatesEveryIntervalUntilCancelled() async throws {
        let clock = ManualClock()
        let dial = Dial()
        let manager = Self.manager(dial: dial, clock: clock)
        let events = manager.events()
        dial.value = 0.5
        let loop = Task { try await manager.runEvaluation(every: .seconds(5)) }
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next()?.to == .reduced, "the first evaluation runs at once")
        await clock.waitForSleepers(count: 1)
        dial.value = 0.95
        clock.advance(by: .seconds(5))
        #expect(await iterator.next()?.to == .offline)
        loop.cancel()
        #expect(await caught { try await loop.value } is CancellationError)

        let invalid = await caught { try await manager.runEvaluation(every: .zero) }
        #expect((invalid as? WhaleError)?.code == .invalidInput)
    }
}
