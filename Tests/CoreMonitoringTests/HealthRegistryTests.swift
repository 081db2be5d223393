import CoreMonitoring
import CoreProtocols
import MetricsTestKit
import Synchronization
import Testing

@Suite struct HealthRegistryTests {
    @Test func upWhenEveryCheckPasses() async {
        let registry = HealthRegistry()
        registry.register(ClosureHealthCheck(name: "a", kind: .readiness) { .healthy() })
        registry.register(ClosureHealthCheck(name: "b", kind: .readiness) { .healthy("fine") })
        let report = await registry.report(for: .readiness)
        #expect(report.isHealthy)
        #expect(report.checks.map(\.name) == ["a", "b"])
    }

    @Test func downNamesTheFailingChecksAndTheirReasons() async {
        let registry = HealthRegistry()
        registry.register(ClosureHealthCheck(name: "redis", kind: .readiness) { .unhealthy("connection refused") })
        registry.register(ClosureHealthCheck(name: "sqlite", kind: .readiness) { .healthy() })
        registry.register(ClosureHealthCheck(name: "process", kind: .liveness) { .healthy() })
        let ready = await registry.report(for: .readiness)
        #expect(!ready.isHealthy)
        #expect(ready.failing == ["redis"])
        #expect(ready.checks.first?.reason == "connection refused")
        #expect(await registry.report(for: .liveness).isHealthy)
    }

    @Test func aHungCheckFailsAfterTheTimeoutInsteadOfHangingTheProbe() async {
        let registry = HealthRegistry(timeout: .milliseconds(100))
        let released = ReleaseFlag()
        registry.register(ClosureHealthCheck(name: "stuck", kind: .readiness) {
            // Ignores cancellation on purpose, and hangs until the test has
            // its report: the report coming back at all proves the probe did
            // not wait for it (no wall-clock bound, which load would break).
            while !released.isSet { try? await Task.sleep(for: .milliseconds(10)) }
            return .healthy()
        })
        let report = await registry.report(for: .readiness)
        released.set()
        #expect(report.failing == ["stuck"])
        #expect(report.checks.first?.reason?.contains("no answer within") == true)
    }

    @Test func aProbeWithNoChecksIsUp() async {
        #expect(await HealthRegistry().report(for: .liveness).isHealthy)
    }
}

@Suite struct HealthRegistryMetricsTests {
    @Test func recordsAnUpGaugePerCheck() async throws {
        let metrics = TestMetrics()
        let registry = HealthRegistry(metricsFactory: metrics)
        registry.register(ClosureHealthCheck(name: "redis", kind: .readiness) { .unhealthy("down") })
        registry.register(ClosureHealthCheck(name: "sqlite", kind: .readiness) { .healthy() })
        _ = await registry.report(for: .readiness)
        let redis = try metrics.expectGauge("whale_health_check_up", [("check", "redis"), ("probe", "readiness")])
        let sqlite = try metrics.expectGauge("whale_health_check_up", [("check", "sqlite"), ("probe", "readiness")])
        #expect(redis.lastValue == 0)
        #expect(sqlite.lastValue == 1)
    }
}

/// A flag a hung check polls.
private final class ReleaseFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}
