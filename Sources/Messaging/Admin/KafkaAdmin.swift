public import CoreProtocols
import Dispatch
public import Logging
public import ServiceLifecycle
import Synchronization

/// Topic administration over librdkafka's admin API: check, create, delete,
/// list and describe topics, read a topic's configuration, add partitions,
/// and a health check.
///
/// Every topic name is checked with ``KafkaTopicName`` before anything is
/// sent. Each request waits for its answer on a result queue of its own, on a
/// dispatch queue of the admin's, never on Swift's cooperative pool. Topic
/// descriptions come from the cluster's metadata, which carries partitions,
/// leaders, replicas and the ISR.
///
/// Creating and deleting are idempotent: ``createTopic(_:partitions:replicationFactor:configs:replicationPolicy:)``
/// creates a topic only if it is missing and returns `false` otherwise, and
/// ``deleteTopic(_:)`` returns `false` for a missing topic. Both return only
/// once the cluster's metadata shows the change (or the timeout passed), so a
/// following ``topicExists(_:)`` agrees.
///
/// A replication factor larger than the cluster's broker count is refused
/// with `WhaleError(.invalidInput)` by default (``KafkaReplicationPolicy/strict``);
/// pass ``KafkaReplicationPolicy/capToBrokerCount`` to lower it with a logged
/// warning instead, as ``TopicManager`` does.
///
/// Failures are `WhaleError`s: `.invalidInput` for a bad name, partition count,
/// factor or configuration (locally or from the broker, e.g. `POLICY_VIOLATION`),
/// `.timeout` and `.unavailable` when the cluster does not answer,
/// `.permissionDenied`, `.notFound` for a missing topic where one is required,
/// `.cancelled` after ``close()``. When the broker sent an error code, the
/// `WhaleError`'s `underlying` error is a ``KafkaAdminError`` with the code
/// and its name. A broker that cannot be reached shows as `.timeout` after
/// ``timeout`` (librdkafka keeps retrying the connection until then).
///
/// Calls do not react to task cancellation; each ends within its timeout.
///
/// ```swift
/// let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: "127.0.0.1:19092"))
/// if try await admin.createTopic("smartwhale.core.logs", partitions: 5, replicationFactor: 1) {
///     print("created")
/// }
/// let info = try await admin.topicInfo("smartwhale.core.logs")
/// print(info?.partitionCount ?? 0)
/// await admin.close()
/// ```
public final class KafkaAdmin: KafkaTopicAdministering, Service, Sendable {
    /// The configuration it was created with.
    public let configuration: KafkaConfiguration
    /// How long one request to the cluster may take (metadata, CreateTopics,
    /// DeleteTopics, …). A create or delete makes up to three such steps (read
    /// metadata, send the request, wait for the metadata to show the change).
    /// Default: 10 s (`DEFAULT_KAFKA_TIMEOUT`).
    public let timeout: Duration

    private let client: Mutex<RDKafkaClient?>
    private let queue: DispatchQueue
    private let logger: Logger
    private let closedSignal = ClosedSignal()

    /// Creates the admin client. It connects lazily: a wrong address fails the
    /// first call (with `.timeout` or `.unavailable`), not this one.
    /// - Parameters:
    ///   - configuration: the cluster. Its `messageTimeout` does not apply here.
    ///   - timeout: how long one request may take. Default: 10 s
    ///     (`DEFAULT_KAFKA_TIMEOUT`).
    ///   - logger: receives librdkafka's log lines and the admin's warnings.
    ///     Default: `smart-whale.kafka.admin`.
    /// - Throws: `WhaleError` `.invalidConfiguration` for a property librdkafka
    ///   rejects or a timeout that is not positive.
    public init(
        configuration: KafkaConfiguration,
        timeout: Duration = MessagingConstants.defaultKafkaTimeout,
        logger: Logger = Logger(label: "smart-whale.kafka.admin")
    ) throws {
        guard timeout > .zero else {
            throw WhaleError(.invalidConfiguration, "the admin timeout must be positive, not \(timeout)")
        }
        self.configuration = configuration
        self.timeout = timeout
        self.logger = logger
        // Any client type can send admin requests; a producer that never
        // produces needs no polling (no delivery reports are asked for).
        let properties = configuration.librdkafkaProperties(defaults: [])
        self.client = Mutex(try RDKafkaClient(kind: .producer, properties: properties, logger: logger))
        self.queue = DispatchQueue(label: "smart-whale.kafka.admin", attributes: .concurrent)
    }

    deinit {
        // rd_kafka_destroy blocks while librdkafka's threads stop: do it on the
        // admin's queue, not on the releasing (possibly cooperative) thread.
        if let client = client.locked({ $0.take() }) {
            queue.async { withExtendedLifetime(client) {} }
        }
    }

    // MARK: Topics

    /// Whether the cluster has a topic named `name`.
    /// - Throws: `WhaleError` `.invalidInput` for a name Kafka would refuse
    ///   (nothing is sent), `.timeout` / `.unavailable` when the cluster does
    ///   not answer within ``timeout``.
    public func topicExists(_ name: String) async throws -> Bool {
        try KafkaTopicName.validate(name)
        let timeout = self.timeout
        return try await perform { client in
            try client.clusterSnapshot(timeout: timeout).topics[name] != nil
        }
    }

    /// Creates the topic only if it is missing.
    ///
    /// Returns once the topic shows in the cluster's metadata, or after
    /// ``timeout`` with a logged warning when it does not show yet.
    /// - Parameters:
    ///   - name: the topic; must satisfy ``KafkaTopicName``'s rules.
    ///   - partitions: how many partitions, at least 1.
    ///   - replicationFactor: how many replicas of each partition, at least 1.
    ///   - configs: topic configuration entries, e.g. `["retention.ms": "60000"]`.
    ///     Default: none (the broker's defaults).
    ///   - replicationPolicy: what to do when `replicationFactor` exceeds the
    ///     cluster's broker count. Default: ``KafkaReplicationPolicy/strict``.
    /// - Returns: `true` when this call created the topic, `false` when it
    ///   existed already (whatever its partitions and replication).
    /// - Throws: `WhaleError` `.invalidInput` for a bad name, partition count,
    ///   factor or configuration key (nothing is sent), for a factor above the
    ///   broker count under ``KafkaReplicationPolicy/strict``, or when the
    ///   broker refuses (`INVALID_CONFIG`, `POLICY_VIOLATION`, …);
    ///   `.permissionDenied`; `.timeout` / `.unavailable`.
    @discardableResult
    public func createTopic(
        _ name: String,
        partitions: Int,
        replicationFactor: Int,
        configs: [String: String] = [:],
        replicationPolicy: KafkaReplicationPolicy = .strict
    ) async throws -> Bool {
        try KafkaTopicName.validate(name)
        guard partitions >= 1, partitions <= Int(Int32.max) else {
            throw WhaleError(.invalidInput, "topic '\(name)': the partition count must be at least 1, not \(partitions)")
        }
        guard replicationFactor >= 1, replicationFactor <= Int(Int16.max) else {
            throw WhaleError(
                .invalidInput,
                "topic '\(name)': the replication factor must be between 1 and \(Int16.max), not \(replicationFactor)"
            )
        }
        if let key = configs.keys.first(where: { $0.isEmpty || $0.contains(where: \.isWhitespace) }) {
            throw WhaleError(.invalidInput, "topic '\(name)': '\(key)' is not a configuration name")
        }
        let timeout = self.timeout
        let logger = self.logger
        return try await perform { client in
            let snapshot = try client.clusterSnapshot(timeout: timeout)
            if snapshot.topics[name] != nil { return false }
            guard
                let factor = replicationPolicy.effectiveFactor(
                    requested: replicationFactor,
                    brokerCount: snapshot.brokerCount
                )
            else {
                throw WhaleError(
                    .invalidInput,
                    "topic '\(name)': replication factor \(replicationFactor) exceeds the cluster's "
                        + "\(snapshot.brokerCount) broker(s); lower it or use the capToBrokerCount replication policy"
                )
            }
            if factor != replicationFactor {
                logger.warning(
                    "replication factor capped to the broker count",
                    metadata: [
                        "topic": "\(name)", "requested": "\(replicationFactor)",
                        "brokers": "\(snapshot.brokerCount)", "used": "\(factor)",
                    ]
                )
            }
            do {
                try client.createTopic(
                    name,
                    partitions: partitions,
                    replicationFactor: factor,
                    configs: configs,
                    timeout: timeout
                )
            } catch let error as WhaleError where error.code == .alreadyExists {
                // Created by someone else since the metadata was read.
                return false
            }
            if !client.waitForTopic(name, toExist: true, timeout: timeout) {
                logger.warning(
                    "topic created but not yet in the cluster's metadata",
                    metadata: ["topic": "\(name)", "waited": "\(timeout)"]
                )
            }
            return true
        }
    }

    /// Deletes the topic and all its messages.
    ///
    /// Returns once the topic is gone from the cluster's metadata, or after
    /// ``timeout`` with a logged warning when it still shows.
    /// - Returns: `true` when this call deleted it, `false` when it did not exist.
    /// - Throws: `WhaleError` `.invalidInput` for a bad name (nothing is sent),
    ///   `.permissionDenied` (e.g. `TOPIC_DELETION_DISABLED`), `.timeout` /
    ///   `.unavailable`.
    @discardableResult
    public func deleteTopic(_ name: String) async throws -> Bool {
        try KafkaTopicName.validate(name)
        let timeout = self.timeout
        let logger = self.logger
        return try await perform { client in
            do {
                try client.deleteTopic(name, timeout: timeout)
            } catch let error as WhaleError where error.code == .notFound {
                return false
            }
            if !client.waitForTopic(name, toExist: false, timeout: timeout) {
                logger.warning(
                    "topic deleted but still in the cluster's metadata",
                    metadata: ["topic": "\(name)", "waited": "\(timeout)"]
                )
            }
            return true
        }
    }

    /// The names of the cluster's topics, sorted, read from its metadata.
    /// - Parameter includeInternal: whether Kafka's internal topics (names
    ///   starting with `"__"`, such as `__consumer_offsets`) are listed.
    ///   Default: `false`.
    /// - Throws: `WhaleError` `.timeout` / `.unavailable`.
    public func listTopics(includeInternal: Bool = false) async throws -> [String] {
        let timeout = self.timeout
        return try await perform { client in
            try client.clusterSnapshot(timeout: timeout).topics.keys
                .filter { includeInternal || !KafkaTopicInfo.isInternalTopicName($0) }
                .sorted()
        }
    }

    /// The topic's partitions (leader, replicas, ISR) and replication factor,
    /// or `nil` when it does not exist.
    /// - Throws: `WhaleError` `.invalidInput` for a bad name (nothing is sent),
    ///   `.timeout` / `.unavailable`.
    public func topicInfo(_ name: String) async throws -> KafkaTopicInfo? {
        try KafkaTopicName.validate(name)
        let timeout = self.timeout
        return try await perform { client in
            try client.clusterSnapshot(timeout: timeout).topics[name]
        }
    }

    /// The topic's configuration entries (`DescribeConfigs`), by name: by
    /// default its effective configuration, defaults included.
    ///
    /// Entries the broker marks sensitive are left out (their value is withheld).
    /// Brokers differ in what they report: Apache Kafka lists every entry and
    /// marks the broker defaults; Tansu lists only the entries set explicitly
    /// and marks even those as defaults, so there `includeDefaults: false`
    /// returns nothing.
    /// - Parameter includeDefaults: whether entries the broker marks as
    ///   defaults are included. Default: `true`.
    /// - Throws: `WhaleError` `.notFound` when the topic does not exist,
    ///   `.invalidInput` for a bad name, `.unavailable` (not retriable) when the
    ///   broker does not support the request, `.timeout` / `.unavailable`.
    public func topicConfiguration(_ name: String, includeDefaults: Bool = true) async throws -> [String: String] {
        try KafkaTopicName.validate(name)
        let timeout = self.timeout
        return try await perform { client in
            guard try client.clusterSnapshot(timeout: timeout).topics[name] != nil else {
                throw WhaleError(.notFound, "topic '\(name)' does not exist")
            }
            return try client.describeTopicConfig(name, includeDefaults: includeDefaults, timeout: timeout)
        }
    }

    /// Grows the topic to `totalCount` partitions (`CreatePartitions`).
    /// Kafka cannot shrink a topic; existing keys may map to other partitions
    /// afterwards.
    /// - Parameter totalCount: the new total number of partitions, larger than
    ///   the current one.
    /// - Throws: `WhaleError` `.invalidInput` for a bad name or count (e.g. not
    ///   larger than now: `INVALID_PARTITIONS`), `.notFound` for a missing
    ///   topic, `.unavailable` (not retriable, ``KafkaAdminError`` name
    ///   `_UNSUPPORTED_FEATURE`) when the broker does not implement the request,
    ///   `.timeout` / `.unavailable`.
    public func createPartitions(_ name: String, totalCount: Int) async throws {
        try KafkaTopicName.validate(name)
        guard totalCount >= 1, totalCount <= Int(Int32.max) else {
            throw WhaleError(.invalidInput, "topic '\(name)': the partition count must be at least 1, not \(totalCount)")
        }
        let timeout = self.timeout
        try await perform { client in
            try client.createPartitions(name, totalCount: totalCount, timeout: timeout)
        }
    }

    /// The cluster's brokers and topics, as in ``KafkaProducer/metadata(timeout:)``.
    /// - Throws: `WhaleError` `.timeout` / `.unavailable`.
    public func metadata() async throws -> KafkaClusterMetadata {
        let timeout = self.timeout
        return try await perform { client in try client.metadata(timeout: timeout) }
    }

    // MARK: Health

    /// Whether the cluster answers a metadata request within `timeout`; the
    /// note gives the broker and topic counts, the reason the error.
    /// - Parameter timeout: Default: 2 s.
    public func checkHealth(timeout: Duration = .seconds(2)) async -> HealthStatus {
        do {
            let snapshot = try await perform { client in try client.clusterSnapshot(timeout: timeout) }
            return .healthy("\(snapshot.brokerCount) broker(s), \(snapshot.topics.count) topic(s)")
        } catch {
            return .unhealthy(error)
        }
    }

    /// A health check for the node's registry that runs ``checkHealth(timeout:)``.
    /// - Parameters:
    ///   - name: Default: `"kafka-admin"`.
    ///   - kind: Default: readiness.
    ///   - timeout: Default: 2 s.
    public func healthCheck(
        name: String = "kafka-admin",
        kind: HealthCheckKind = .readiness,
        timeout: Duration = .seconds(2)
    ) -> ClosureHealthCheck {
        ClosureHealthCheck(name: name, kind: kind) { [self] in await checkHealth(timeout: timeout) }
    }

    // MARK: Lifecycle

    /// Closes the client: calls after this throw `WhaleError(.cancelled)`;
    /// requests in flight finish first, then the connection closes (off the
    /// caller's thread). Calling it again does nothing.
    public func close() async {
        guard closedSignal.markClosed() else { return }
        if let client = client.locked({ $0.take() }) {
            queue.async { withExtendedLifetime(client) {} }
        }
    }

    /// The client as a swift-service-lifecycle `Service`: runs until the
    /// service group shuts down gracefully, the calling task is cancelled or
    /// ``close()`` is called, then closes the client.
    public func run() async throws {
        let closedSignal = self.closedSignal
        await cancelWhenGracefulShutdown { await closedSignal.wait() }
        await close()
    }

    /// Runs blocking librdkafka work on the admin's queue.
    private func perform<Result: Sendable>(
        _ body: @escaping @Sendable (RDKafkaClient) throws -> Result
    ) async throws -> Result {
        guard let client = client.locked({ $0 }) else {
            throw WhaleError(.cancelled, "the Kafka admin client is closed")
        }
        let queue = self.queue
        // If close() ran meanwhile, the last reference may be this one: let
        // the queue, not this (cooperative) thread, destroy the client.
        defer { queue.async { withExtendedLifetime(client) {} } }
        do {
            return try await queue.runBlocking { try body(client) }
        } catch var error as WhaleError where error.code == .timeout || error.code == .unavailable {
            // Say where it looked: "no answer" alone does not tell an operator much.
            let servers = configuration.bootstrapServers.map(\.description).joined(separator: ",")
            error.message += " (bootstrap servers: \(servers))"
            throw error
        }
    }
}
