public import CoreProtocols

/// How to reach a Kafka-protocol cluster, and client settings.
public struct KafkaConfiguration: Sendable, Hashable {
    /// Bootstrap brokers. Default port: 9092.
    public var bootstrapServers: [ServiceEndpoint]
    /// `client.id` sent to the brokers. Default: `"smart-whale"`.
    public var clientID: String
    /// How long a produced message may wait for acknowledgement before it
    /// fails (`message.timeout.ms`). Default: 10 s (`DEFAULT_KAFKA_TIMEOUT`).
    public var messageTimeout: Duration
    /// Further librdkafka properties, set last (they override the above).
    /// Default: none.
    public var properties: [String: String]
    /// How often a producer reports librdkafka's statistics
    /// (`statistics.interval.ms`), exported as swift-metrics gauges (see
    /// ``KafkaProducerMetrics``); `nil` turns them off. Default: `nil`.
    /// (A subscription has its own,
    /// ``KafkaSubscriptionOptions/statisticsInterval``.)
    public var statisticsInterval: Duration?

    /// Creates a configuration.
    public init(
        bootstrapServers: [ServiceEndpoint],
        clientID: String = "smart-whale",
        messageTimeout: Duration = .seconds(10),
        properties: [String: String] = [:],
        statisticsInterval: Duration? = nil
    ) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.messageTimeout = messageTimeout
        self.properties = properties
        self.statisticsInterval = statisticsInterval
    }

    /// Parses a broker list such as `127.0.0.1:19092,kafka-2:9092`, the form of
    /// `WHALE_KAFKA_BROKERS`.
    /// - Throws: ``CoreProtocols/WhaleError`` `.invalidConfiguration` naming what is wrong.
    public init(brokers: String) throws {
        self.init(bootstrapServers: try ServiceEndpoint.list(parsing: brokers, defaultPort: 9092))
    }

    /// The librdkafka properties this configuration sets for a client: the
    /// client's own `defaults` first, then the connection, then ``properties``.
    func librdkafkaProperties(defaults: [(String, String)]) -> [(String, String)] {
        defaults + [
            ("bootstrap.servers", bootstrapServers.map(\.description).joined(separator: ",")),
            ("client.id", clientID),
        ] + properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
