public import CoreProtocols
public import CoreMetrics
import Metrics
import Synchronization

/// The node's health checks, run together into a ``HealthReport``.
///
/// Each run also records the gauge `whale_health_check_up` (1 or 0) with the
/// dimensions `check` and `probe` through swift-metrics.
///
/// Modules contribute checks (`RedisHealthCheck`, `SQLiteHealthCheck`, a Kafka
/// metadata check, …); the HTTP layer asks for ``report(for:)``. Checks run
/// concurrently; one that outlives the timeout counts as failed, so a hung
/// dependency cannot hang the probe.
public final class HealthRegistry: Sendable {
    private let checks = Mutex<[any HealthCheck]>([])
    /// How long one check may take. Default: 2 s.
    public let timeout: Duration

    private let metrics: any MetricsFactory

    /// - Parameters:
    ///   - timeout: how long one check may take. Default: 2 s.
    ///   - metricsFactory: where the `whale_health_check_up` gauges go.
    ///     Default: the factory `MetricsSystem` was bootstrapped with.
    public init(timeout: Duration = .seconds(2), metricsFactory: any MetricsFactory = MetricsSystem.factory) {
        self.timeout = timeout
        self.metrics = metricsFactory
    }

    /// Adds a check.
    public func register(_ check: any HealthCheck) {
        checks.locked { $0.append(check) }
    }

    /// The registered checks' names, in order.
    public var names: [String] { checks.locked { $0.map(\.name) } }

    /// Runs every check of `kind` and aggregates them. With no check of that
    /// kind the report is up (a live process with nothing to check is live).
    public func report(for kind: HealthCheckKind) async -> HealthReport {
        let selected = checks.locked { $0.filter { $0.kind == kind } }
        let timeout = self.timeout
        let metrics = self.metrics
        let results = await withTaskGroup(of: (Int, HealthReport.Check).self) { group in
            for (index, check) in selected.enumerated() {
                group.addTask { (index, await Self.run(check, timeout: timeout, metrics: metrics)) }
            }
            var results = [HealthReport.Check?](repeating: nil, count: selected.count)
            for await (index, result) in group { results[index] = result }
            return results.compactMap { $0 }
        }
        return HealthReport(probe: kind, checks: results)
    }

    private static func run(_ check: any HealthCheck, timeout: Duration, metrics: any MetricsFactory) async -> HealthReport.Check {
        let clock = ContinuousClock()
        let start = clock.now
        let status = await firstOf(check: check, timeout: timeout, clock: clock)
        let elapsed = start.duration(to: clock.now)
        Gauge(
            label: "whale_health_check_up",
            dimensions: [("check", check.name), ("probe", check.kind.description)],
            factory: metrics
        ).record(status.isHealthy ? 1 : 0)
        return HealthReport.Check(
            name: check.name,
            status: status.isHealthy ? "up" : "down",
            reason: status.reason,
            durationMilliseconds: Double(elapsed.whaleNanoseconds) / 1_000_000
        )
    }

    /// The check's status, or a failure when it outlives `timeout`. The check
    /// runs in its own task, so one that ignores cancellation cannot hold the
    /// probe past its timeout.
    private static func firstOf(check: any HealthCheck, timeout: Duration, clock: ContinuousClock) async -> HealthStatus {
        let once = OnceFlag()
        return await withCheckedContinuation { (continuation: CheckedContinuation<HealthStatus, Never>) in
            let timer = Task {
                try await clock.sleep(for: timeout)
                if once.claim() {
                    continuation.resume(returning: .unhealthy("no answer within \(timeout)"))
                }
            }
            Task {
                let status = await check.check()
                if once.claim() {
                    timer.cancel()
                    continuation.resume(returning: status)
                }
            }
        }
    }
}

/// True for the first caller of ``claim()`` only.
private final class OnceFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    func claim() -> Bool {
        !flag.exchange(true, ordering: .acquiringAndReleasing)
    }
}
