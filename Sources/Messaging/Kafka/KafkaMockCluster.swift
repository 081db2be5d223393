internal import CWhaleKafka
import CoreProtocols
public import Logging
import Synchronization

/// An in-process Kafka cluster for fault tests: librdkafka's mock cluster
/// (`rdkafka_mock.h`), with brokers that can be taken down, partition leaders
/// that can be moved and request errors that can be injected.
///
/// The brokers listen on `127.0.0.1` in this process, speak enough of the
/// Kafka protocol for producers (idempotent ones too), partition readers and
/// consumer groups with offset commits, and keep everything in memory. Point
/// any client at ``configuration`` (or ``bootstrapServers``); no external
/// broker is needed.
///
/// ```swift
/// let cluster = try KafkaMockCluster(brokers: 3)
/// try cluster.createTopic("orders", partitions: 2, replicationFactor: 3)
/// let producer = try KafkaProducer(configuration: cluster.configuration)
/// try cluster.pushRequestErrors(apiKey: .produce, errors: [.notLeaderForPartition, .requestTimedOut])
/// _ = try await producer.send(OutboundMessage(topic: "orders", value: Array("hi".utf8)))  // retried, stored once
/// try cluster.setBrokerDown(1)
/// …
/// cluster.close()
/// ```
///
/// librdkafka marks the mock cluster API experimental; the features here are
/// the ones its 2.0 header declares.
public final class KafkaMockCluster: Sendable {
    /// How many brokers it runs; their ids are `1...brokerCount`.
    public let brokerCount: Int
    /// The brokers' addresses, `host:port` separated by commas (the form of
    /// `bootstrap.servers` and `WHALE_KAFKA_BROKERS`).
    public let bootstrapServers: String
    /// A client configuration that reaches the cluster, with every other
    /// setting at its default.
    public let configuration: KafkaConfiguration
    /// The throwaway producer handle librdkafka needs to own the cluster; it
    /// is never polled and outlives the cluster.
    private let owner: RDKafkaClient
    /// The cluster; `nil` once closed. Held locked during every call into it,
    /// so ``close()`` never destroys it under a running call.
    private let cluster: Mutex<Handle?>

    /// The `rd_kafka_mock_cluster_t`. librdkafka serialises every mock call
    /// through the cluster's own thread, so the pointer may cross threads.
    private struct Handle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// Starts `brokers` brokers on local ports.
    /// - Parameters:
    ///   - brokers: how many brokers; at least 1. Default: 3.
    ///   - logger: receives librdkafka's log lines of the cluster. Default:
    ///     `smart-whale.kafka.mock`.
    /// - Throws: ``CoreProtocols/WhaleError`` `.invalidInput` for fewer than one
    ///   broker, `.unavailable` when librdkafka cannot start the cluster (it
    ///   could not listen, or this build has no mock cluster).
    public init(brokers: Int = 3, logger: Logger = Logger(label: "smart-whale.kafka.mock")) throws {
        guard brokers >= 1, let count = Int32(exactly: brokers) else {
            throw WhaleError(.invalidInput, "a mock cluster needs at least one broker, not \(brokers)")
        }
        let owner = try RDKafkaClient(
            kind: .producer,
            properties: [("client.id", "smart-whale-mock-cluster")],
            logger: logger
        )
        guard let cluster = rd_kafka_mock_cluster_new(owner.handle, count) else {
            throw WhaleError(.unavailable, "librdkafka could not start a mock cluster of \(brokers) broker(s)")
        }
        guard let servers = rd_kafka_mock_cluster_bootstraps(cluster).map({ String(cString: $0) }), !servers.isEmpty
        else {
            rd_kafka_mock_cluster_destroy(cluster)
            throw WhaleError(.unavailable, "the mock cluster reported no bootstrap servers")
        }
        let configuration: KafkaConfiguration
        do {
            configuration = try KafkaConfiguration(brokers: servers)
        } catch {
            rd_kafka_mock_cluster_destroy(cluster)
            throw error
        }
        self.brokerCount = brokers
        self.bootstrapServers = servers
        self.configuration = configuration
        self.owner = owner
        self.cluster = Mutex(Handle(pointer: cluster))
    }

    deinit {
        // `owner` is released after this body, so the cluster goes first.
        cluster.locked { cluster in
            if let handle = cluster { rd_kafka_mock_cluster_destroy(handle.pointer) }
            cluster = nil
        }
    }

    /// Whether ``close()`` was called.
    public var isClosed: Bool { cluster.locked { $0 == nil } }

    /// Stops the brokers and frees the cluster; clients still connected see
    /// their connections drop. Later calls on the cluster throw `.cancelled`.
    /// Idempotent.
    public func close() {
        cluster.locked { cluster in
            if let handle = cluster { rd_kafka_mock_cluster_destroy(handle.pointer) }
            cluster = nil
        }
    }

    /// Creates a topic (the mock brokers do not serve the CreateTopics admin
    /// request). Topics a client asks for are also created on first use,
    /// with librdkafka's mock defaults.
    /// - Parameters:
    ///   - partitions: at least 1.
    ///   - replicationFactor: between 1 and ``brokerCount``. Default: 1.
    /// - Throws: ``CoreProtocols/WhaleError`` `.invalidInput` for an empty name or
    ///   counts out of range, `.alreadyExists` for an existing topic,
    ///   `.cancelled` once closed.
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        guard !name.isEmpty else { throw WhaleError(.invalidInput, "a topic needs a name") }
        guard partitions >= 1, let partitionCount = Int32(exactly: partitions) else {
            throw WhaleError(.invalidInput, "topic '\(name)' needs at least one partition, not \(partitions)")
        }
        guard (1...brokerCount).contains(replicationFactor), let replicas = Int32(exactly: replicationFactor) else {
            throw WhaleError(
                .invalidInput,
                "replication factor \(replicationFactor) of '\(name)' is not within 1...\(brokerCount)"
            )
        }
        try call("creating topic '\(name)'") { rd_kafka_mock_topic_create($0, name, partitionCount, replicas) }
    }

    /// Disconnects broker `id` and refuses new connections to it until
    /// ``setBrokerUp(_:)``. Its partitions keep it as their leader (as when a
    /// broker process stalls), so their clients wait and retry.
    /// - Throws: ``CoreProtocols/WhaleError`` `.notFound` for an id outside
    ///   `1...brokerCount`, `.cancelled` once closed.
    public func setBrokerDown(_ id: Int32) throws {
        try checkBroker(id)
        try call("taking broker \(id) down") { rd_kafka_mock_broker_set_down($0, id) }
    }

    /// Lets broker `id` accept connections again.
    /// - Throws: ``CoreProtocols/WhaleError`` `.notFound` for an id outside
    ///   `1...brokerCount`, `.cancelled` once closed.
    public func setBrokerUp(_ id: Int32) throws {
        try checkBroker(id)
        try call("bringing broker \(id) up") { rd_kafka_mock_broker_set_up($0, id) }
    }

    /// Delays every response of broker `id` by `roundTripTime` (`.zero`
    /// removes the delay), so requests are still in flight when a fault hits.
    /// - Throws: ``CoreProtocols/WhaleError`` `.notFound` for an id outside
    ///   `1...brokerCount`, `.invalidInput` for a negative time, `.cancelled`
    ///   once closed.
    public func setRoundTripTime(_ roundTripTime: Duration, broker id: Int32) throws {
        try checkBroker(id)
        guard roundTripTime >= .zero else {
            throw WhaleError(.invalidInput, "a round-trip time cannot be negative")
        }
        let milliseconds = RDKafkaClient.milliseconds(roundTripTime)
        try call("setting the round-trip time of broker \(id)") { rd_kafka_mock_broker_set_rtt($0, id, milliseconds) }
    }

    /// Makes broker `broker` the leader of `topic`'s `partition` (creating
    /// the topic when it does not exist); clients learn of it from their next
    /// metadata request, prompted by the old leader's `NOT_LEADER` answers.
    /// - Parameter broker: a broker id, or `-1` to leave the partition without
    ///   a leader.
    /// - Throws: ``CoreProtocols/WhaleError`` `.notFound` for an unknown broker or
    ///   partition, `.cancelled` once closed.
    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) throws {
        if broker != -1 { try checkBroker(broker) }
        try call("moving the leader of \(topic)[\(partition)] to broker \(broker)") {
            rd_kafka_mock_partition_set_leader($0, topic, partition, broker)
        }
    }

    /// Makes broker `broker` the coordinator of consumer group `group`
    /// (otherwise chosen by hashing the group id). Consumers find out on
    /// their next request to the old one, which answers `NOT_COORDINATOR`.
    /// - Throws: ``CoreProtocols/WhaleError`` `.notFound` for an unknown broker,
    ///   `.cancelled` once closed.
    public func setCoordinator(group: String, broker: Int32) throws {
        try checkBroker(broker)
        try call("moving the coordinator of group '\(group)' to broker \(broker)") {
            rd_kafka_mock_coordinator_set($0, "group", group, broker)
        }
    }

    /// Makes the next `errors.count` requests of type `apiKey`, to any
    /// broker, fail with these errors, in order; later requests succeed again.
    ///
    /// A failed request changes nothing on the broker (a failed Produce is not
    /// stored). ``ErrorCode/transport`` disconnects the client instead of
    /// answering.
    /// - Throws: ``CoreProtocols/WhaleError`` `.cancelled` once closed.
    public func pushRequestErrors(apiKey: APIKey, errors: [ErrorCode]) throws {
        guard !errors.isEmpty else { return }
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0.rawValue) }
        try withCluster("injecting \(apiKey) errors") { cluster in
            codes.withUnsafeBufferPointer { buffer in
                rd_kafka_mock_push_request_errors_array(cluster, apiKey.rawValue, buffer.count, buffer.baseAddress)
            }
        }
    }

    /// Drops the errors still waiting for requests of type `apiKey`.
    /// - Throws: ``CoreProtocols/WhaleError`` `.cancelled` once closed.
    public func clearRequestErrors(apiKey: APIKey) throws {
        try withCluster("clearing \(apiKey) errors") { rd_kafka_mock_clear_request_errors($0, apiKey.rawValue) }
    }

    private func checkBroker(_ id: Int32) throws {
        guard id >= 1, Int(id) <= brokerCount else {
            throw WhaleError(.notFound, "the mock cluster has brokers 1...\(brokerCount), not \(id)")
        }
    }

    /// Runs `body` on the open cluster, under the lock.
    private func withCluster<Result: Sendable>(_ context: String, _ body: (OpaquePointer) -> Result) throws -> Result {
        let result: Result? = cluster.locked { cluster in cluster.map { body($0.pointer) } }
        guard let result else { throw WhaleError(.cancelled, "\(context): the mock cluster is closed") }
        return result
    }

    /// Runs a mock call that answers with an error code; throws for a failure.
    private func call(_ context: String, _ body: (OpaquePointer) -> rd_kafka_resp_err_t) throws {
        let status = try withCluster(context, body)
        switch status {
        case RD_KAFKA_RESP_ERR_NO_ERROR:
            return
        case RD_KAFKA_RESP_ERR__UNKNOWN_BROKER:
            throw WhaleError(.notFound, "\(context): \(String(cString: rd_kafka_err2str(status)))")
        case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
            throw WhaleError(.alreadyExists, "\(context): \(String(cString: rd_kafka_err2str(status)))")
        default:
            throw RDKafkaError.make(status, context)
        }
    }
}

extension KafkaMockCluster {
    /// A Kafka protocol request type (`ApiKey`), the unit request errors are
    /// injected for.
    public struct APIKey: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The protocol's number for it, e.g. 0 for Produce.
        public let rawValue: Int16

        /// Any request type by its protocol number.
        public init(rawValue: Int16) { self.rawValue = rawValue }

        /// Produce (0).
        public static let produce = APIKey(rawValue: 0)
        /// Fetch (1).
        public static let fetch = APIKey(rawValue: 1)
        /// ListOffsets (2).
        public static let listOffsets = APIKey(rawValue: 2)
        /// Metadata (3).
        public static let metadata = APIKey(rawValue: 3)
        /// OffsetCommit (8).
        public static let offsetCommit = APIKey(rawValue: 8)
        /// OffsetFetch (9).
        public static let offsetFetch = APIKey(rawValue: 9)
        /// FindCoordinator (10).
        public static let findCoordinator = APIKey(rawValue: 10)
        /// JoinGroup (11).
        public static let joinGroup = APIKey(rawValue: 11)
        /// Heartbeat (12).
        public static let heartbeat = APIKey(rawValue: 12)
        /// LeaveGroup (13).
        public static let leaveGroup = APIKey(rawValue: 13)
        /// SyncGroup (14).
        public static let syncGroup = APIKey(rawValue: 14)
        /// InitProducerId (22).
        public static let initProducerID = APIKey(rawValue: 22)

        /// `ApiKey <number>`.
        public var description: String { "ApiKey \(rawValue)" }
    }

    /// A Kafka protocol error code for a mock broker to answer with (or a
    /// librdkafka-local one such as ``transport``).
    public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The numeric code: positive for the protocol's codes, negative for
        /// librdkafka's own.
        public let rawValue: Int32

        /// Any code by its number.
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// `UNKNOWN_TOPIC_OR_PARTITION` (3), retriable.
        public static let unknownTopicOrPartition = ErrorCode(rawValue: 3)
        /// `LEADER_NOT_AVAILABLE` (5), retriable.
        public static let leaderNotAvailable = ErrorCode(rawValue: 5)
        /// `NOT_LEADER_OR_FOLLOWER` (6), retriable: the client refreshes
        /// metadata first.
        public static let notLeaderForPartition = ErrorCode(rawValue: 6)
        /// `REQUEST_TIMED_OUT` (7), retriable.
        public static let requestTimedOut = ErrorCode(rawValue: 7)
        /// `MESSAGE_TOO_LARGE` (10), not retriable.
        public static let messageSizeTooLarge = ErrorCode(rawValue: 10)
        /// `OFFSET_METADATA_TOO_LARGE` (12), not retriable: the commit fails
        /// (offsets stay uncommitted).
        public static let offsetMetadataTooLarge = ErrorCode(rawValue: 12)
        /// `COORDINATOR_LOAD_IN_PROGRESS` (14), retriable.
        public static let coordinatorLoadInProgress = ErrorCode(rawValue: 14)
        /// `COORDINATOR_NOT_AVAILABLE` (15), retriable.
        public static let coordinatorNotAvailable = ErrorCode(rawValue: 15)
        /// `NOT_COORDINATOR` (16), retriable after finding the coordinator again.
        public static let notCoordinator = ErrorCode(rawValue: 16)
        /// `NOT_ENOUGH_REPLICAS` (19), retriable.
        public static let notEnoughReplicas = ErrorCode(rawValue: 19)
        /// `NOT_ENOUGH_REPLICAS_AFTER_APPEND` (20), retriable.
        public static let notEnoughReplicasAfterAppend = ErrorCode(rawValue: 20)
        /// `REBALANCE_IN_PROGRESS` (27).
        public static let rebalanceInProgress = ErrorCode(rawValue: 27)
        /// `TOPIC_AUTHORIZATION_FAILED` (29), not retriable.
        public static let topicAuthorizationFailed = ErrorCode(rawValue: 29)
        /// `GROUP_AUTHORIZATION_FAILED` (30), not retriable.
        public static let groupAuthorizationFailed = ErrorCode(rawValue: 30)
        /// librdkafka's `_TRANSPORT` (-195): the broker drops the connection
        /// instead of answering.
        public static let transport = ErrorCode(rawValue: -195)

        /// librdkafka's name for the code, e.g. `NOT_LEADER_FOR_PARTITION`.
        public var description: String {
            String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: rawValue)))
        }
    }
}
