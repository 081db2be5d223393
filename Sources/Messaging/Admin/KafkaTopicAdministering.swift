/// The topic administration the ``TopicManager`` (and other callers that
/// should not depend on a live cluster) need: check, create, delete, list and
/// describe topics.
///
/// ``KafkaAdmin`` is the implementation over a real cluster; a test may pass an
/// in-memory one. Every method throws `WhaleError`s from CoreProtocols, and
/// validates topic names with ``KafkaTopicName`` before doing anything.
public protocol KafkaTopicAdministering: Sendable {
    /// Whether the cluster has a topic named `name`.
    func topicExists(_ name: String) async throws -> Bool

    /// Creates the topic only if it is missing.
    /// - Parameters:
    ///   - name: the topic; must satisfy ``KafkaTopicName``'s rules.
    ///   - partitions: how many partitions, at least 1.
    ///   - replicationFactor: how many replicas of each partition, at least 1.
    ///   - configs: topic configuration, e.g. `["retention.ms": "60000"]`.
    ///   - replicationPolicy: what to do when `replicationFactor` exceeds the
    ///     cluster's broker count.
    /// - Returns: `true` when this call created it, `false` when it existed.
    func createTopic(
        _ name: String,
        partitions: Int,
        replicationFactor: Int,
        configs: [String: String],
        replicationPolicy: KafkaReplicationPolicy
    ) async throws -> Bool

    /// Deletes the topic.
    /// - Returns: `true` when this call deleted it, `false` when it did not exist.
    func deleteTopic(_ name: String) async throws -> Bool

    /// The names of the cluster's topics, sorted; internal topics (`__…`) only
    /// when `includeInternal` is `true`.
    func listTopics(includeInternal: Bool) async throws -> [String]

    /// The topic's partitions and replication, or `nil` when it does not exist.
    func topicInfo(_ name: String) async throws -> KafkaTopicInfo?
}
