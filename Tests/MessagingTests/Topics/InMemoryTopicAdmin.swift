import CoreProtocols
import Messaging
import Synchronization

/// An in-memory ``KafkaTopicAdministering`` with a fixed broker count, for
/// testing the topic manager's logic without a cluster. It follows
/// ``KafkaAdmin``'s contract: names validated first, create only if missing,
/// delete returns `false` for a missing topic, the replication policy applied.
final class InMemoryTopicAdmin: KafkaTopicAdministering {
    struct Topic: Equatable {
        var partitions: Int
        var replicationFactor: Int
        var configs: [String: String]
    }

    let brokerCount: Int
    private let state = Mutex<(topics: [String: Topic], calls: [String])>(([:], []))

    init(brokerCount: Int = 1, topics: [String: Topic] = [:]) {
        self.brokerCount = brokerCount
        state.locked { $0.topics = topics }
    }

    /// The topics it holds now.
    var topics: [String: Topic] { state.locked { $0.topics } }
    /// Every call, in order, e.g. `"create smartwhale.core.logs"`.
    var calls: [String] { state.locked { $0.calls } }

    func topicExists(_ name: String) async throws -> Bool {
        try KafkaTopicName.validate(name)
        return state.locked { state in
            state.calls.append("exists \(name)")
            return state.topics[name] != nil
        }
    }

    func createTopic(
        _ name: String,
        partitions: Int,
        replicationFactor: Int,
        configs: [String: String],
        replicationPolicy: KafkaReplicationPolicy
    ) async throws -> Bool {
        try KafkaTopicName.validate(name)
        guard partitions >= 1, replicationFactor >= 1 else {
            throw WhaleError(.invalidInput, "bad counts for '\(name)'")
        }
        var factor = replicationFactor
        if factor > brokerCount {
            guard replicationPolicy == .capToBrokerCount else {
                throw WhaleError(.invalidInput, "replication factor \(factor) exceeds \(brokerCount) broker(s)")
            }
            factor = brokerCount
        }
        return state.locked { state in
            state.calls.append("create \(name)")
            guard state.topics[name] == nil else { return false }
            state.topics[name] = Topic(partitions: partitions, replicationFactor: factor, configs: configs)
            return true
        }
    }

    func deleteTopic(_ name: String) async throws -> Bool {
        try KafkaTopicName.validate(name)
        return state.locked { state in
            state.calls.append("delete \(name)")
            return state.topics.removeValue(forKey: name) != nil
        }
    }

    func listTopics(includeInternal: Bool) async throws -> [String] {
        state.locked { state in
            state.calls.append("list")
            return state.topics.keys.filter { includeInternal || !KafkaTopicInfo.isInternalTopicName($0) }.sorted()
        }
    }

    func topicInfo(_ name: String) async throws -> KafkaTopicInfo? {
        try KafkaTopicName.validate(name)
        return state.locked { state in
            state.calls.append("info \(name)")
            guard let topic = state.topics[name] else { return nil }
            let replicas = (0..<Int32(topic.replicationFactor)).map { $0 }
            return KafkaTopicInfo(
                name: name,
                partitions: (0..<Int32(topic.partitions)).map {
                    .init(id: $0, leader: 0, replicas: replicas, inSyncReplicas: replicas)
                }
            )
        }
    }
}
