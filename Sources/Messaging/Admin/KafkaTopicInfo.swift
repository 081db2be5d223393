/// What the cluster says about one topic: its partitions with their leader,
/// replicas and in-sync replicas, and its replication factor.
///
/// Read from the cluster's metadata (the librdkafka this package builds
/// against predates `DescribeTopics`, and metadata carries the same facts).
public struct KafkaTopicInfo: Sendable, Hashable {
    /// One partition of the topic.
    public struct Partition: Sendable, Hashable {
        /// The partition's id, from 0.
        public var id: Int32
        /// The leader broker's id, or -1 when the partition has no leader now.
        public var leader: Int32
        /// The ids of the brokers holding a replica, the preferred leader first.
        public var replicas: [Int32]
        /// The ids of the replicas that are in sync with the leader (the ISR).
        public var inSyncReplicas: [Int32]

        /// Creates a partition description.
        public init(id: Int32, leader: Int32, replicas: [Int32], inSyncReplicas: [Int32]) {
            self.id = id
            self.leader = leader
            self.replicas = replicas
            self.inSyncReplicas = inSyncReplicas
        }

        /// Whether some replica is missing from the ISR.
        public var isUnderReplicated: Bool { inSyncReplicas.count < replicas.count }
    }

    /// The topic's name.
    public var name: String
    /// The partitions, sorted by id.
    public var partitions: [Partition]

    /// Creates a topic description; `partitions` are sorted by id.
    public init(name: String, partitions: [Partition]) {
        self.name = name
        self.partitions = partitions.sorted { $0.id < $1.id }
    }

    /// How many partitions the topic has.
    public var partitionCount: Int { partitions.count }

    /// The replication factor: the largest replica count of any partition
    /// (they are normally equal); 0 for a topic without partitions.
    public var replicationFactor: Int { partitions.map(\.replicas.count).max() ?? 0 }

    /// Whether this is one of Kafka's internal topics (`__consumer_offsets`,
    /// `__transaction_state`): by convention, a name that starts with `"__"`.
    public var isInternal: Bool { KafkaTopicInfo.isInternalTopicName(name) }

    /// Whether `name` names an internal topic (starts with `"__"`).
    public static func isInternalTopicName(_ name: String) -> Bool { name.hasPrefix("__") }
}
