import ArgumentParser
import CoreCache
import CoreProtocols
import Foundation
import Logging
import Metrics
import Prometheus
import Messaging
import ServiceLifecycle
import UnixSignals

/// `whale serve`: runs the node until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the node: health probes and metrics over HTTP (127.0.0.1:8080 by default)."
    )

    @OptionGroup var options: NodeOptions

    func run() async throws {
        try await reportingFailures {
            let configuration = try options.resolve()
            try configuration.prepareDataDirectory()

            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = configuration.logLevel
                return handler
            }
            let metrics = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
            let logger = Logger(label: "smart-whale.node")

            let health = try NodeHealth(configuration: configuration)
            let http = NodeHTTP.application(
                listen: configuration.listen,
                health: health.registry,
                metrics: metrics,
                logger: logger
            )
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: [http],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger
                )
            )
            logger.info(
                "whale serving",
                metadata: [
                    "listen": "\(configuration.listen)",
                    "data_dir": "\(configuration.dataDirectory)",
                    "redis": "\(configuration.redis.map { "\($0.endpoint)" } ?? "off")",
                    "kafka": "\(configuration.kafka.map { $0.bootstrapServers.map(\.description).joined(separator: ",") } ?? "off")",
                ]
            )
            do {
                try await group.run()
            } catch {
                await health.close()
                throw error
            }
            await health.close()
            logger.info("whale stopped")
        }
    }
}
