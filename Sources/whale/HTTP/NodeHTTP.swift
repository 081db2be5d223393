public import CoreMonitoring
import CoreProtocols
public import Hummingbird
import Logging
import Prometheus

extension HealthReport: ResponseEncodable {}

/// The node's HTTP surface: health probes and Prometheus metrics.
enum NodeHTTP {
    /// `GET /health/live`, `GET /health/ready` (200, or 503 naming the failing
    /// checks and their reasons) and `GET /metrics` (Prometheus text format).
    static func router(health: HealthRegistry, metrics: PrometheusCollectorRegistry) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: MetricsMiddleware())
        router.get("/health/live") { _, _ in
            probe(await health.report(for: .liveness))
        }
        router.get("/health/ready") { _, _ in
            probe(await health.report(for: .readiness))
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer()))
            )
        }
        return router
    }

    /// The node's HTTP application on `listen`.
    static func application(
        listen: ServiceEndpoint,
        health: HealthRegistry,
        metrics: PrometheusCollectorRegistry,
        logger: Logger
    ) -> some ApplicationProtocol {
        Application(
            router: router(health: health, metrics: metrics),
            configuration: ApplicationConfiguration(address: .hostname(listen.host, port: listen.port), serverName: "whale"),
            logger: logger
        )
    }

    private static func probe(_ report: HealthReport) -> EditedResponse<HealthReport> {
        EditedResponse(status: report.isHealthy ? .ok : .serviceUnavailable, response: report)
    }
}
