public import CoreMetrics
public import CoreProtocols
public import Logging
public import ServiceLifecycle
import Dispatch
import Synchronization

/// The spec's `KafkaService`: one object for the connection, single and batch
/// sends, validated sends of Smart Whale messages, subscriptions, request /
/// response, and topic administration.
///
/// It is a facade over the module's parts, created on first use (or by
/// ``connect(timeout:)``) and closed by ``disconnect()``:
/// ``KafkaProducer`` (idempotent, `acks=all`), ``KafkaSubscriber``
/// (consumer groups, at-least-once, dead letters), ``KafkaAdmin`` and
/// ``TopicManager``. It is a `MessagePublisher` and `MessageSubscriber`, a
/// ``KafkaTopicAdministering`` (so a ``TopicManager`` can run over it) and a
/// swift-service-lifecycle `Service` that disconnects on graceful shutdown.
///
/// ```swift
/// let kafka = try KafkaService(configuration: KafkaConfiguration(brokers: "127.0.0.1:19092"))
/// try await kafka.connect()
/// try await kafka.sendMessage(topic: MessagingConstants.systemLogsTopic, ["level": "info", "text": "up"])
/// let request = DataRequest.create(modelID: "m1", dataType: .text, parameters: ["query": "whales"])
/// let response = try await kafka.request(request, timeout: .seconds(30))
/// print(response.payload.status)
/// await kafka.disconnect()
/// ```
public final class KafkaService: MessagePublisher, MessageSubscriber, KafkaTopicAdministering, Service, Sendable {
    /// The cluster and client settings.
    public let configuration: KafkaConfiguration
    /// The options of subscriptions made without their own.
    public let subscriptionOptions: KafkaSubscriptionOptions
    /// The largest message (key, value and headers) a send accepts, in bytes.
    public let maxMessageBytes: Int
    /// How topics the service creates treat a replication factor above the
    /// broker count.
    public let replicationPolicy: KafkaReplicationPolicy
    let logger: Logger
    private let metricsFactory: any MetricsFactory
    private let state = Mutex(State())
    /// Marked when ``run()`` should end: on ``disconnect()``.
    private let closedSignal = ClosedSignal()

    /// What one connection holds.
    struct Connection: Sendable {
        let producer: KafkaProducer
        let admin: KafkaAdmin
        let subscriber: KafkaSubscriber
        let topics: TopicManager
    }

    private struct State: ~Copyable {
        var connection: Connection?
        var subscriptions: [SubscriptionKey: [KafkaSubscription]] = [:]
        var listeners: [String: ResponseListener] = [:]
    }

    private struct SubscriptionKey: Hashable {
        let topic: String
        let group: String
    }

    /// Creates the service; nothing connects until the first call or
    /// ``connect(timeout:)``.
    /// - Parameters:
    ///   - configuration: the brokers and client settings.
    ///   - subscriptionOptions: the options of subscriptions made without
    ///     their own. Default: `KafkaSubscriptionOptions()`.
    ///   - maxMessageBytes: the largest message a send accepts; a larger one
    ///     fails with `.invalidInput` before anything is sent. Default:
    ///     `DEFAULT_BUFFER_SIZE` (1 MiB, the broker's usual limit).
    ///   - replicationPolicy: for the topics it creates. Default:
    ///     ``KafkaReplicationPolicy/capToBrokerCount``.
    ///   - logger: Default: `smart-whale.kafka`.
    ///   - metricsFactory: Default: the bootstrapped `MetricsSystem.factory`.
    /// - Throws: `WhaleError` `.invalidConfiguration` for bad options.
    public init(
        configuration: KafkaConfiguration,
        subscriptionOptions: KafkaSubscriptionOptions = KafkaSubscriptionOptions(),
        maxMessageBytes: Int = MessagingConstants.defaultBufferSize,
        replicationPolicy: KafkaReplicationPolicy = .capToBrokerCount,
        logger: Logger = Logger(label: "smart-whale.kafka"),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws {
        try subscriptionOptions.validate()
        guard maxMessageBytes >= 1 else {
            throw WhaleError(.invalidConfiguration, "maxMessageBytes must be at least 1, not \(maxMessageBytes)")
        }
        self.configuration = configuration
        self.subscriptionOptions = subscriptionOptions
        self.maxMessageBytes = maxMessageBytes
        self.replicationPolicy = replicationPolicy
        self.logger = logger
        self.metricsFactory = metricsFactory
    }

    // MARK: Connection

    /// Whether a connection is open (between ``connect(timeout:)`` or the
    /// first call and ``disconnect()``).
    public var isConnected: Bool {
        state.locked { $0.connection != nil }
    }

    /// Opens the connection and checks that the cluster answers. Calling it
    /// while connected only checks again.
    /// - Parameter timeout: how long the cluster may take to answer. Default: 10 s.
    /// - Throws: `WhaleError` `.timeout` / `.unavailable` when the cluster does
    ///   not answer (the connection stays open: librdkafka keeps trying),
    ///   `.invalidConfiguration` for a property librdkafka rejects.
    public func connect(timeout: Duration = MessagingConstants.defaultKafkaTimeout) async throws {
        let connection = try self.connection()
        _ = try await connection.producer.metadata(timeout: timeout)
    }

    /// Cancels every subscription (each commits what was handled and leaves
    /// its group), fails waiting requests with `.cancelled`, flushes and closes
    /// the producer and closes the admin client. A later call connects again.
    /// Idempotent.
    public func disconnect() async {
        let (connection, listeners) = state.locked { state in
            defer {
                state.connection = nil
                state.subscriptions = [:]
                state.listeners = [:]
            }
            return (state.connection, Array(state.listeners.values))
        }
        for listener in listeners { await listener.stop() }
        if let connection {
            await connection.subscriber.shutdown()
            await connection.producer.close()
            await connection.admin.close()
            logger.info("Kafka service disconnected")
        }
        closedSignal.markClosed()
    }

    /// Runs until graceful shutdown (or cancellation, or ``disconnect()``),
    /// then disconnects.
    public func run() async throws {
        let closedSignal = self.closedSignal
        await cancelWhenGracefulShutdown { await closedSignal.wait() }
        await disconnect()
    }

    /// The open connection, opened now if there is none.
    func connection() throws -> Connection {
        try state.locked { state throws -> Connection in
            if let connection = state.connection { return connection }
            let producer = try KafkaProducer(configuration: configuration, logger: logger, metricsFactory: metricsFactory)
            let admin = try KafkaAdmin(configuration: configuration, logger: logger)
            let subscriber = try KafkaSubscriber(
                configuration: configuration,
                options: subscriptionOptions,
                logger: logger,
                metricsFactory: metricsFactory
            )
            let connection = Connection(
                producer: producer,
                admin: admin,
                subscriber: subscriber,
                topics: TopicManager(admin: admin, replicationPolicy: replicationPolicy, logger: logger)
            )
            state.connection = connection
            logger.debug("Kafka service connecting", metadata: ["kafka.brokers": "\(configuration.bootstrapServers)"])
            return connection
        }
    }

    /// The topic manager over this service's admin client (the spec's
    /// `TopicManager`, sharing the connection).
    public func topicManager() throws -> TopicManager {
        try connection().topics
    }

    // MARK: Health

    /// Whether the cluster answers a metadata request within `timeout`.
    /// - Parameter timeout: Default: 2 s.
    public func checkHealth(timeout: Duration = .seconds(2)) async -> HealthStatus {
        do {
            return await (try connection()).admin.checkHealth(timeout: timeout)
        } catch {
            return .unhealthy(error)
        }
    }

    /// A health check for the node's registry that runs ``checkHealth(timeout:)``.
    /// - Parameters:
    ///   - name: Default: `"kafka"`.
    ///   - kind: Default: readiness.
    public func healthCheck(name: String = "kafka", kind: HealthCheckKind = .readiness) -> ClosureHealthCheck {
        ClosureHealthCheck(name: name, kind: kind) { [self] in await checkHealth() }
    }

    // MARK: Sending

    /// Sends one message and returns once the broker acknowledged it
    /// (`send_message`).
    /// - Parameters:
    ///   - topic: where it goes.
    ///   - body: a dictionary or other JSON value, text, or bytes.
    ///   - key: the partitioning key. Default: none.
    ///   - headers: Default: none.
    /// - Throws: `WhaleError` `.invalidInput` for an illegal topic name or a
    ///   message over ``maxMessageBytes`` (nothing is sent); the errors of
    ///   ``KafkaProducer/send(_:)``.
    @discardableResult
    public func sendMessage(
        topic: String,
        _ body: MessageBody,
        key: String? = nil,
        headers: [MessageHeader] = []
    ) async throws -> KafkaDeliveryReport {
        let message = OutboundMessage(topic: topic, key: key.map { Array($0.utf8) }, value: body.bytes, headers: headers)
        return try await send(message)
    }

    /// Sends a prepared message after the same checks as
    /// ``sendMessage(topic:_:key:headers:)``.
    @discardableResult
    public func send(_ message: OutboundMessage) async throws -> KafkaDeliveryReport {
        try check(message)
        return try await connection().producer.send(message)
    }

    /// Publishes one message (`MessagePublisher`); see ``send(_:)``.
    public func publish(_ message: OutboundMessage) async throws {
        try await send(message)
    }

    /// Sends many messages to one topic and waits for every acknowledgement
    /// (`send_batch`); librdkafka batches them on the wire.
    /// - Parameters:
    ///   - key: the partitioning key of each message, or `nil` for none.
    ///     Default: none.
    /// - Returns: one result per message; ``KafkaBatchResult/allSucceeded`` is
    ///   the spec's boolean. A message that fails the checks (too large) fails
    ///   alone; the others are sent.
    public func sendBatch(
        topic: String,
        _ bodies: [MessageBody],
        key: (@Sendable (Int) -> String?)? = nil
    ) async -> KafkaBatchResult {
        let messages = bodies.enumerated().map { index, body in
            OutboundMessage(topic: topic, key: key?(index).map { Array($0.utf8) }, value: body.bytes)
        }
        return await sendBatch(messages)
    }

    /// Sends prepared messages (any topics); see ``sendBatch(topic:_:key:)``.
    public func sendBatch(_ messages: [OutboundMessage]) async -> KafkaBatchResult {
        let producer: KafkaProducer
        do {
            producer = try connection().producer
        } catch {
            let failure = error as? WhaleError ?? WhaleError(.unavailable, "cannot connect", underlying: error)
            return KafkaBatchResult(results: Array(repeating: .failure(failure), count: messages.count))
        }
        var results = [Result<KafkaDeliveryReport, WhaleError>?](repeating: nil, count: messages.count)
        var accepted: [OutboundMessage] = []
        var acceptedIndices: [Int] = []
        accepted.reserveCapacity(messages.count)
        acceptedIndices.reserveCapacity(messages.count)
        for (index, message) in messages.enumerated() {
            do {
                try check(message)
                accepted.append(message)
                acceptedIndices.append(index)
            } catch {
                results[index] = .failure(error as? WhaleError ?? WhaleError(.invalidInput, "\(error)"))
            }
        }
        let sent = await producer.send(batch: accepted)
        for (slot, result) in zip(acceptedIndices, sent) { results[slot] = result }
        return KafkaBatchResult(results: results.map { $0 ?? .failure(WhaleError(.internalError, "no result")) })
    }

    /// Validates a request strictly (``ContractMessage/validateStrictly()``),
    /// then sends it (`send_data_request`), keyed by its request id with its
    /// priority in the `priority` header.
    /// - Parameter topic: Default: `smartwhale.data.requests`.
    /// - Throws: `WhaleError` `.invalidInput` listing what is missing or
    ///   unknown (nothing is sent); the errors of ``send(_:)``.
    @discardableResult
    public func sendDataRequest(
        _ request: DataRequest,
        topic: String = MessagingConstants.dataRequestsTopic
    ) async throws -> KafkaDeliveryReport {
        try request.validateStrictly()
        return try await send(Self.message(request, topic: topic))
    }

    /// Validates a response strictly, then sends it (`send_data_response`),
    /// keyed by the request id it answers.
    /// - Parameter topic: the requester's response topic (the request's
    ///   `response_topic`, e.g. `smartwhale.data.responses.<model_id>`).
    /// - Throws: as ``sendDataRequest(_:topic:)``.
    @discardableResult
    public func sendDataResponse(_ response: DataResponse, topic: String) async throws -> KafkaDeliveryReport {
        try response.validateStrictly()
        return try await send(Self.message(response, topic: topic))
    }

    /// A contract message as a Kafka message: JSON value, keyed by the
    /// request id it belongs to, with the `priority` header.
    static func message(_ message: some ContractMessage, topic: String) -> OutboundMessage {
        let metadata = message.metadata
        return OutboundMessage(
            topic: topic,
            key: Array((metadata.correlationID ?? metadata.requestID).utf8),
            value: message.toJSONBytes(),
            headers: [MessageHeader(key: InProcessBusRules.priorityHeader, string: String(metadata.priority.rawValue))]
        )
    }

    /// The checks every send makes before anything goes out.
    private func check(_ message: OutboundMessage) throws {
        try KafkaTopicName.validate(message.topic)
        let size = InProcessBusRules.size(key: message.key, value: message.value, headers: message.headers)
        guard size <= maxMessageBytes else {
            throw WhaleError(
                .invalidInput,
                "message for '\(message.topic)' is \(size) bytes; the limit is \(maxMessageBytes) (maxMessageBytes)"
            )
        }
    }

    // MARK: Subscriptions

    /// Joins `group` for `topic` with ``subscriptionOptions`` (`MessageSubscriber`).
    public func subscribe(
        topic: String,
        group: String,
        handler: @escaping @Sendable (InboundMessage) async throws -> Void
    ) async throws -> any MessageSubscription {
        try await subscribe(topic: topic, group: group, options: subscriptionOptions, handler: handler)
    }

    /// Joins `group` for `topic` and hands its messages to `handler`, at least
    /// once; see ``KafkaSubscriber/subscribe(topic:group:options:handler:)``.
    /// ``unsubscribe(topic:group:)`` cancels it.
    public func subscribe(
        topic: String,
        group: String,
        options: KafkaSubscriptionOptions,
        handler: @escaping @Sendable (InboundMessage) async throws -> Void
    ) async throws -> KafkaSubscription {
        let subscription = try await connection().subscriber.subscribe(
            topic: topic,
            group: group,
            options: options,
            handler: handler
        )
        state.locked { $0.subscriptions[SubscriptionKey(topic: topic, group: group), default: []].append(subscription) }
        return subscription
    }

    /// Subscribes with messages decoded to dictionaries (the spec's
    /// `subscribe(topic, group_id, handler)`): a value that is not a JSON
    /// object is not retried but goes to the dead-letter topic with the
    /// reason (``MessageRejection``).
    /// - Parameter options: Default: ``subscriptionOptions``.
    public func subscribeJSON(
        topic: String,
        group: String,
        options: KafkaSubscriptionOptions? = nil,
        handler: @escaping @Sendable ([String: JSONValue], InboundMessage) async throws -> Void
    ) async throws -> KafkaSubscription {
        try await subscribe(topic: topic, group: group, options: options ?? subscriptionOptions) { message in
            let object: [String: JSONValue]
            do {
                guard let members = try JSONValue(parsing: message.value).objectValue else {
                    throw WhaleError(.malformedData, "the value is JSON but not an object")
                }
                object = members
            } catch {
                throw MessageRejection("not a JSON object", underlying: error)
            }
            try await handler(object, message)
        }
    }

    /// Cancels the subscriptions to `topic` in `group` made through this
    /// service (`unsubscribe`): each commits what was handled and leaves the
    /// group.
    /// - Returns: how many were cancelled (0 when there was none).
    @discardableResult
    public func unsubscribe(topic: String, group: String) async -> Int {
        let subscriptions = state.locked { $0.subscriptions.removeValue(forKey: SubscriptionKey(topic: topic, group: group)) ?? [] }
        await withDiscardingTaskGroup { tasks in
            for subscription in subscriptions {
                tasks.addTask { await subscription.cancel() }
            }
        }
        return subscriptions.count
    }

    // MARK: Topics (KafkaTopicAdministering)

    /// Whether the topic exists (`topic_exists`); see ``KafkaAdmin/topicExists(_:)``.
    public func topicExists(_ name: String) async throws -> Bool {
        try await connection().admin.topicExists(name)
    }

    /// Creates a topic only if it is missing (`create_topic`); see
    /// ``KafkaAdmin/createTopic(_:partitions:replicationFactor:configs:replicationPolicy:)``.
    /// - Returns: `true` when it was created, `false` when it existed.
    @discardableResult
    public func createTopic(
        _ name: String,
        partitions: Int = MessagingConstants.defaultPartitions,
        replicationFactor: Int = MessagingConstants.defaultReplication,
        configs: [String: String] = [:],
        replicationPolicy: KafkaReplicationPolicy
    ) async throws -> Bool {
        try await connection().admin.createTopic(
            name,
            partitions: partitions,
            replicationFactor: replicationFactor,
            configs: configs,
            replicationPolicy: replicationPolicy
        )
    }

    /// Creates a topic only if it is missing, with the service's
    /// ``replicationPolicy``.
    @discardableResult
    public func createTopic(
        _ name: String,
        partitions: Int = MessagingConstants.defaultPartitions,
        replicationFactor: Int = MessagingConstants.defaultReplication,
        configs: [String: String] = [:]
    ) async throws -> Bool {
        try await createTopic(
            name,
            partitions: partitions,
            replicationFactor: replicationFactor,
            configs: configs,
            replicationPolicy: replicationPolicy
        )
    }

    /// Deletes a topic (`delete_topic`); `false` when it did not exist.
    @discardableResult
    public func deleteTopic(_ name: String) async throws -> Bool {
        try await connection().admin.deleteTopic(name)
    }

    /// The cluster's topics, sorted (`list_topics`, real metadata).
    public func listTopics(includeInternal: Bool = false) async throws -> [String] {
        try await connection().admin.listTopics(includeInternal: includeInternal)
    }

    /// Partitions, leaders and replicas of a topic (`get_topic_info`); `nil`
    /// when it does not exist.
    public func topicInfo(_ name: String) async throws -> KafkaTopicInfo? {
        try await connection().admin.topicInfo(name)
    }

    // MARK: Response listeners

    /// The running listener of a response topic, started (and the topic
    /// created) on first need.
    func responseListener(for topic: String, timeout: Duration) async throws -> ResponseListener {
        if let existing = state.locked({ $0.listeners[topic] }) { return existing }
        let connection = try connection()
        try await connection.topics.ensureTopicExists(
            topic,
            partitions: MessagingConstants.modelTopicPartitions,
            replicationFactor: MessagingConstants.modelTopicReplication
        )
        let listener = try ResponseListener(configuration: configuration, topic: topic, logger: logger)
        try await DispatchQueue.global().runBlocking { try listener.start(timeout: timeout) }
        let (winner, isNew) = state.locked { state -> (ResponseListener, Bool) in
            if let existing = state.listeners[topic] { return (existing, false) }
            state.listeners[topic] = listener
            return (listener, true)
        }
        if !isNew { await listener.stop() }
        return winner
    }
}
