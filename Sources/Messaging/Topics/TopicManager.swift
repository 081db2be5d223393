import CoreProtocols
public import Logging
import Synchronization

/// Names, creates and deletes the Smart Whale topics (spec §8, Python
/// `TopicManager`): the base topic table, the per-model response topics
/// `smartwhale.data.responses.<model_id>`, and the record of what it created.
///
/// It works through any ``KafkaTopicAdministering`` — ``KafkaAdmin`` against a
/// cluster, or an in-memory double in tests. Every name, and every model id
/// (as part of its response topic), is checked against Kafka's topic-name
/// rules (``KafkaTopicName``) before anything is sent.
///
/// Replication: the spec's defaults (3 for a standard topic, 2 for a model's
/// response topic) assume a production cluster. By default the manager caps
/// a factor above the cluster's broker count and logs a warning
/// (``KafkaReplicationPolicy/capToBrokerCount``), so ``initializeAllTopics()``
/// also works on a one-broker development cluster; pass
/// ``KafkaReplicationPolicy/strict`` to get an error instead.
///
/// ```swift
/// let admin = try KafkaAdmin(configuration: KafkaConfiguration(brokers: "127.0.0.1:19092"))
/// let topics = TopicManager(admin: admin)
/// try await topics.initializeAllTopics()
/// let responses = try await topics.ensureModelTopic(modelID: "gpt-whale-7")
/// // responses == "smartwhale.data.responses.gpt-whale-7"
/// ```
public final class TopicManager: Sendable {
    /// The base topic table in the spec's order: `data_requests`,
    /// `data_responses_prefix` (a prefix, see ``TopicDefinition/isPrefix``),
    /// `models_requests`, `balance_metrics`, `balance_events`, `system_logs`.
    public static let baseTopicDefinitions: [TopicDefinition] = [
        TopicDefinition(key: "data_requests", name: MessagingConstants.dataRequestsTopic, category: .request),
        TopicDefinition(
            key: "data_responses_prefix",
            name: MessagingConstants.dataResponsesPrefix,
            category: .response,
            isPrefix: true
        ),
        TopicDefinition(key: "models_requests", name: MessagingConstants.modelsRequestsTopic, category: .request),
        TopicDefinition(key: "balance_metrics", name: MessagingConstants.balanceMetricsTopic, category: .metric),
        TopicDefinition(key: "balance_events", name: MessagingConstants.balanceEventsTopic, category: .event),
        TopicDefinition(key: "system_logs", name: MessagingConstants.systemLogsTopic, category: .log),
    ]

    /// The base topic table as key → name (Python `base_topics`).
    public static let baseTopics: [String: String] = Dictionary(
        uniqueKeysWithValues: baseTopicDefinitions.map { ($0.key, $0.name) }
    )

    /// The longest model id whose response topic is still a legal topic name:
    /// 249 minus the length of `"smartwhale.data.responses."`, i.e. 223.
    public static let maximumModelIDLength = KafkaTopicName.maximumLength - modelTopicPrefix.utf8.count

    /// `"smartwhale.data.responses."`: what every model response topic starts with.
    private static let modelTopicPrefix = MessagingConstants.dataResponsesPrefix + "."

    /// What creates, deletes and lists the topics.
    public let admin: any KafkaTopicAdministering
    /// What ``ensureTopicExists(_:partitions:replicationFactor:configs:)`` does with a
    /// replication factor above the broker count. Default: ``KafkaReplicationPolicy/capToBrokerCount``.
    public let replicationPolicy: KafkaReplicationPolicy
    private let logger: Logger
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var createdTopics: Set<String> = []
        var modelTopics: [String: String] = [:]
    }

    /// Creates a manager.
    /// - Parameters:
    ///   - admin: what creates, deletes and lists the topics.
    ///   - replicationPolicy: what to do with a replication factor above the
    ///     cluster's broker count. Default: ``KafkaReplicationPolicy/capToBrokerCount``.
    ///   - logger: receives the manager's warnings. Default: `smart-whale.messaging.topics`.
    public init(
        admin: any KafkaTopicAdministering,
        replicationPolicy: KafkaReplicationPolicy = .capToBrokerCount,
        logger: Logger = Logger(label: "smart-whale.messaging.topics")
    ) {
        self.admin = admin
        self.replicationPolicy = replicationPolicy
        self.logger = logger
    }

    // MARK: What it tracks

    /// The topics this manager made sure of: created by it, or found to exist
    /// by ``ensureTopicExists(_:partitions:replicationFactor:configs:)``
    /// (Python `created_topics`). ``deleteTopic(_:)`` removes from it.
    public var createdTopics: Set<String> { state.locked { $0.createdTopics } }

    /// Model id → response topic, for every model this manager named a topic
    /// for or found on the cluster (Python `model_topics`).
    public var modelTopics: [String: String] { state.locked { $0.modelTopics } }

    // MARK: Names

    /// The topic for a key of the base topic table, e.g. `"system_logs"` →
    /// `"smartwhale.core.logs"`; a key the table does not have is returned
    /// unchanged (so a full topic name may be passed too).
    public func topicName(forKey key: String) -> String {
        Self.baseTopics[key] ?? key
    }

    /// The category of a base topic or a model response topic; `nil` for
    /// other topics.
    public func category(ofTopic name: String) -> TopicCategory? {
        if let definition = Self.baseTopicDefinitions.first(where: { !$0.isPrefix && $0.name == name }) {
            return definition.category
        }
        return Self.modelID(fromTopic: name) == nil ? nil : .response
    }

    /// The response topic of one model, `"smartwhale.data.responses.<modelID>"`,
    /// remembered in ``modelTopics``.
    /// - Throws: `WhaleError` `.invalidInput` when `modelID` is empty, longer than
    ///   ``maximumModelIDLength`` or has a character Kafka does not allow in a
    ///   topic name (only `a-z A-Z 0-9 . _ -`).
    public func modelResultTopic(modelID: String) throws -> String {
        if let known = state.locked({ $0.modelTopics[modelID] }) { return known }
        let topic = try Self.responseTopic(modelID: modelID)
        state.locked { $0.modelTopics[modelID] = topic }
        return topic
    }

    /// The model id of a model response topic (`"smartwhale.data.responses.m1"` →
    /// `"m1"`), or `nil` when `topic` is not one.
    public static func modelID(fromTopic topic: String) -> String? {
        guard topic.hasPrefix(modelTopicPrefix), topic.utf8.count > modelTopicPrefix.utf8.count else { return nil }
        return String(topic.dropFirst(modelTopicPrefix.count))
    }

    // MARK: Creating

    /// Makes sure the topic exists, creating it if missing.
    ///
    /// A topic in ``createdTopics`` is taken to exist without asking the
    /// cluster again.
    /// - Parameters:
    ///   - name: the topic; must satisfy Kafka's topic-name rules.
    ///   - partitions: partitions if it is created. Default: 5 (`DEFAULT_PARTITIONS`).
    ///   - replicationFactor: replicas if it is created, capped to the broker count
    ///     under the default ``replicationPolicy``. Default: 3 (`DEFAULT_REPLICATION`).
    ///   - configs: topic configuration if it is created. Default: none.
    /// - Returns: `true` when this call created it, `false` when it existed.
    /// - Throws: `WhaleError` from the admin: `.invalidInput` for a bad name or
    ///   count, `.timeout` / `.unavailable` when the cluster does not answer.
    @discardableResult
    public func ensureTopicExists(
        _ name: String,
        partitions: Int = MessagingConstants.defaultPartitions,
        replicationFactor: Int = MessagingConstants.defaultReplication,
        configs: [String: String] = [:]
    ) async throws -> Bool {
        try KafkaTopicName.validate(name)
        if state.locked({ $0.createdTopics.contains(name) }) { return false }
        let created = try await admin.createTopic(
            name,
            partitions: partitions,
            replicationFactor: replicationFactor,
            configs: configs,
            replicationPolicy: replicationPolicy
        )
        state.locked { _ = $0.createdTopics.insert(name) }
        return created
    }

    /// Makes sure the model's response topic exists, with 3 partitions
    /// (`MODEL_TOPIC_PARTITIONS`) and replication factor 2
    /// (`MODEL_TOPIC_REPLICATION`, capped to the broker count under the
    /// default ``replicationPolicy``).
    /// - Returns: the topic's name.
    /// - Throws: `WhaleError` `.invalidInput` for a model id that makes no
    ///   legal topic name (see ``modelResultTopic(modelID:)``); the admin's errors.
    @discardableResult
    public func ensureModelTopic(modelID: String) async throws -> String {
        let topic = try modelResultTopic(modelID: modelID)
        try await ensureTopicExists(
            topic,
            partitions: MessagingConstants.modelTopicPartitions,
            replicationFactor: MessagingConstants.modelTopicReplication
        )
        return topic
    }

    /// Makes sure every base topic exists (all of ``baseTopicDefinitions``
    /// except the response prefix), with the default 5 partitions and
    /// replication factor 3 (capped under the default ``replicationPolicy``).
    ///
    /// Tries every topic even when one fails.
    /// - Returns: the topics this call created (empty when all existed).
    /// - Throws: the first failure's `WhaleError` code, with a message naming
    ///   every topic that failed; the first error is the `underlying` one.
    @discardableResult
    public func initializeAllTopics() async throws -> [String] {
        var created: [String] = []
        var failures: [(topic: String, error: any Error)] = []
        for definition in Self.baseTopicDefinitions where !definition.isPrefix {
            do {
                if try await ensureTopicExists(definition.name) { created.append(definition.name) }
            } catch {
                failures.append((definition.name, error))
            }
        }
        if let first = failures.first {
            let code = (first.error as? WhaleError)?.code ?? .internalError
            let list = failures.map { "\($0.topic): \(($0.error as? WhaleError)?.message ?? "\($0.error)")" }
            throw WhaleError(
                code,
                "initializing the base topics failed for \(failures.count) of them: \(list.joined(separator: "; "))",
                underlying: first.error,
                isRetriable: first.error.isWhaleRetriable
            )
        }
        return created
    }

    // MARK: Listing

    /// The cluster's topics, sorted (all of them, not only Smart Whale's).
    /// - Parameter includeInternal: whether Kafka's internal `__…` topics are
    ///   listed. Default: `false`.
    public func listAllTopics(includeInternal: Bool = false) async throws -> [String] {
        try await admin.listTopics(includeInternal: includeInternal)
    }

    /// The model response topics that exist on the cluster, as (model id,
    /// topic) pairs sorted by model id; each is also remembered in ``modelTopics``.
    ///
    /// Unlike the Python original, which listed only the topics it had named
    /// itself, this reads the cluster, so it includes topics other processes
    /// created and leaves out names that were derived but never created.
    public func listModelTopics() async throws -> [(modelID: String, topic: String)] {
        let pairs = try await admin.listTopics(includeInternal: false).compactMap { topic in
            Self.modelID(fromTopic: topic).map { (modelID: $0, topic: topic) }
        }
        state.locked { state in
            for pair in pairs { state.modelTopics[pair.modelID] = pair.topic }
        }
        return pairs.sorted { $0.modelID < $1.modelID }
    }

    // MARK: Deleting

    /// Deletes a topic and forgets it (from ``createdTopics``, and from
    /// ``modelTopics`` when it is a model response topic).
    /// - Returns: `true` when it was deleted, `false` when it did not exist.
    /// - Throws: `WhaleError` `.invalidInput` for a bad name; the admin's errors.
    @discardableResult
    public func deleteTopic(_ name: String) async throws -> Bool {
        try KafkaTopicName.validate(name)
        let deleted = try await admin.deleteTopic(name)
        let modelID = Self.modelID(fromTopic: name)
        state.locked { state in
            state.createdTopics.remove(name)
            if let modelID, state.modelTopics[modelID] == name { state.modelTopics[modelID] = nil }
        }
        return deleted
    }

    /// Deletes a model's response topic.
    ///
    /// When this manager does not know the model (it is not in ``modelTopics``)
    /// it logs a warning, as the original does, and still deletes the derived
    /// topic if the cluster has it: another process may have created it.
    /// - Returns: `true` when the topic was deleted, `false` when it did not exist.
    /// - Throws: `WhaleError` `.invalidInput` for a model id that makes no legal
    ///   topic name; the admin's errors.
    @discardableResult
    public func deleteModelTopic(modelID: String) async throws -> Bool {
        let known = state.locked { $0.modelTopics[modelID] }
        let topic = try known ?? Self.responseTopic(modelID: modelID)
        if known == nil {
            logger.warning(
                "deleting the response topic of a model this manager does not know",
                metadata: ["model_id": "\(modelID)", "topic": "\(topic)"]
            )
        }
        return try await deleteTopic(topic)
    }

    /// `"smartwhale.data.responses.<modelID>"`, after checking the model id.
    static func responseTopic(modelID: String) throws -> String {
        guard !modelID.isEmpty else {
            throw WhaleError(.invalidInput, "model id is empty: it names the model's response topic")
        }
        if let bad = modelID.first(where: { !KafkaTopicName.isLegal($0) }) {
            throw WhaleError(
                .invalidInput,
                "model id '\(modelID)' contains '\(bad)': it names a Kafka topic, "
                    + "so only a-z, A-Z, 0-9, '.', '_' and '-' are allowed"
            )
        }
        guard modelID.utf8.count <= maximumModelIDLength else {
            throw WhaleError(
                .invalidInput,
                "model id is \(modelID.utf8.count) bytes long; its response topic allows at most \(maximumModelIDLength)"
            )
        }
        let topic = MessagingConstants.dataResponsesTopic(modelID: modelID)
        try KafkaTopicName.validate(topic)
        return topic
    }
}
