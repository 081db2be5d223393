import CoreCache
import CoreMonitoring
import CoreProtocols
import Messaging

/// The health checks of a node, built from its configuration: the process
/// (liveness), the SQLite data directory, and Redis and Kafka when configured.
struct NodeHealth: Sendable {
    let registry: HealthRegistry
    /// The Kafka client the Kafka check uses; close it on shutdown.
    let kafkaProducer: KafkaProducer?

    init(configuration: NodeConfiguration, timeout: Duration = .seconds(2)) throws {
        registry = HealthRegistry(timeout: timeout)
        registry.register(ClosureHealthCheck(name: "process", kind: .liveness) { .healthy() })
        registry.register(SQLiteHealthCheck(path: configuration.healthDatabasePath))
        if let redis = configuration.redis {
            registry.register(RedisHealthCheck(configuration: redis))
        }
        if let kafka = configuration.kafka {
            let producer = try KafkaProducer(configuration: kafka)
            registry.register(KafkaHealthCheck(producer: producer, timeout: timeout))
            kafkaProducer = producer
        } else {
            kafkaProducer = nil
        }
    }

    func close() async {
        await kafkaProducer?.close(timeout: .seconds(1))
    }
}
