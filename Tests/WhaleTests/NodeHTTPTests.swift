import CoreMonitoring
import CoreProtocols
import Foundation
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing

@testable import whale

@Suite struct NodeHTTPTests {
    func application(_ registry: HealthRegistry, metrics: PrometheusCollectorRegistry = .init()) -> some ApplicationProtocol {
        Application(router: NodeHTTP.router(health: registry, metrics: metrics))
    }

    @Test func readyIs200WhenEveryCheckPasses() async throws {
        let registry = HealthRegistry()
        registry.register(ClosureHealthCheck(name: "sqlite", kind: .readiness) { .healthy() })
        try await application(registry).test(.router) { client in
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .ok)
                let report = try JSONDecoder().decode(HealthReport.self, from: Data(String(buffer: response.body).utf8))
                #expect(report.status == "up")
            }
            try await client.execute(uri: "/health/live", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func readyIs503NamingTheFailingChecks() async throws {
        let registry = HealthRegistry()
        registry.register(ClosureHealthCheck(name: "sqlite", kind: .readiness) { .healthy() })
        registry.register(ClosureHealthCheck(name: "redis", kind: .readiness) { .unhealthy("Connection refused") })
        try await application(registry).test(.router) { client in
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let report = try JSONDecoder().decode(HealthReport.self, from: Data(String(buffer: response.body).utf8))
                #expect(report.failing == ["redis"])
                #expect(report.checks.first { $0.name == "redis" }?.reason == "Connection refused")
            }
            // Liveness is unaffected by a failing dependency.
            try await client.execute(uri: "/health/live", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func metricsAreInPrometheusTextFormat() async throws {
        let metrics = PrometheusCollectorRegistry()
        metrics.makeCounter(descriptor: .init(namespace: "whale", metricName: "test", unitName: "total", helpText: "a test counter"), labels: [("kind", "x")]).increment(by: Int64(3))
        try await application(HealthRegistry(), metrics: metrics).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                #expect(text.contains("# TYPE whale_test_total counter"))
                #expect(text.contains(#"whale_test_total{kind="x"} 3"#))
            }
        }
    }

    @Test func anUnknownPathIs404() async throws {
        try await application(HealthRegistry()).test(.router) { client in
            try await client.execute(uri: "/nope", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}
