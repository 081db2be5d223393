/// What ``KafkaAdmin/createTopic(_:partitions:replicationFactor:configs:replicationPolicy:)``
/// does when a topic asks for more replicas than the cluster has brokers.
///
/// Kafka refuses such a topic (`INVALID_REPLICATION_FACTOR`); some brokers,
/// such as the single-node Tansu used locally, accept it and report fake
/// replicas. The spec's defaults (3 for a standard topic, 2 for a model's
/// response topic) assume a production cluster, so a development node with one
/// broker must either lower them or be told to cap them.
public struct KafkaReplicationPolicy: Hashable, Sendable, CustomStringConvertible {
    private enum Base: String, Hashable, Sendable {
        case strict
        case capToBrokerCount
    }

    private let base: Base
    private init(_ base: Base) { self.base = base }

    /// Refuse: the call throws `WhaleError(.invalidInput)` naming the factor and
    /// the broker count, and nothing is sent. ``KafkaAdmin``'s default.
    public static let strict = KafkaReplicationPolicy(.strict)

    /// Lower the factor to the number of brokers the cluster reports and log a
    /// warning. ``TopicManager``'s default, so the spec's defaults work on a
    /// one-broker development cluster.
    public static let capToBrokerCount = KafkaReplicationPolicy(.capToBrokerCount)

    /// `"strict"` or `"capToBrokerCount"`.
    public var description: String { base.rawValue }

    /// The factor to create the topic with, or `nil` when the policy refuses.
    func effectiveFactor(requested: Int, brokerCount: Int) -> Int? {
        guard brokerCount > 0, requested > brokerCount else { return requested }
        return self == .capToBrokerCount ? brokerCount : nil
    }
}
