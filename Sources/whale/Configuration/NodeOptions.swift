import ArgumentParser
import Foundation

/// The flags every node command shares. Each falls back to its `WHALE_*`
/// environment variable, then to the embedded default (ARCHITECTURE.md).
struct NodeOptions: ParsableArguments {
    @Option(help: "HTTP listen address. Env: WHALE_HOST. Default: 127.0.0.1.")
    var host: String?

    @Option(help: "HTTP port, 1-65535. Env: WHALE_PORT. Default: 8080.")
    var port: String?

    @Option(name: .customLong("data-dir"), help: "Directory for SQLite files and logs. Env: WHALE_DATA_DIR. Default: ./.whale.")
    var dataDirectory: String?

    @Option(help: "Redis URL, e.g. redis://127.0.0.1:6390. Env: WHALE_REDIS_URL. Default: none (no L2 tier).")
    var redis: String?

    @Option(help: "Kafka brokers, e.g. 127.0.0.1:19092. Env: WHALE_KAFKA_BROKERS. Default: none (in-process bus).")
    var kafka: String?

    @Option(name: .customLong("log-level"), help: "trace|debug|info|notice|warning|error|critical. Env: WHALE_LOG_LEVEL. Default: info.")
    var logLevel: String?
}

extension NodeOptions {
    /// The configuration these flags give in this process's environment.
    func resolve() throws -> NodeConfiguration {
        try NodeConfiguration.resolve(self, environment: ProcessInfo.processInfo.environment)
    }
}
