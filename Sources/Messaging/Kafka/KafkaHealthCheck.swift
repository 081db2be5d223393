public import CoreProtocols

/// Readiness check: the cluster answers a metadata request.
public struct KafkaHealthCheck: HealthCheck {
    public let name: String
    public let kind: HealthCheckKind
    private let producer: KafkaProducer
    private let timeout: Duration

    /// - Parameters:
    ///   - producer: the client whose connection is checked.
    ///   - timeout: how long the metadata request may take. Default: 2 s.
    ///   - name: Default: `"kafka"`.
    ///   - kind: Default: readiness.
    public init(producer: KafkaProducer, timeout: Duration = .seconds(2), name: String = "kafka", kind: HealthCheckKind = .readiness) {
        self.producer = producer
        self.timeout = timeout
        self.name = name
        self.kind = kind
    }

    public func check() async -> HealthStatus {
        do {
            let metadata = try await producer.metadata(timeout: timeout)
            return .healthy("\(metadata.brokers.count) broker(s), \(metadata.topics.count) topic(s)")
        } catch {
            return .unhealthy(error)
        }
    }
}
