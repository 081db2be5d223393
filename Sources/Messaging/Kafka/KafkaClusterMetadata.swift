/// What a Kafka cluster says about itself: brokers and topics.
public struct KafkaClusterMetadata: Sendable, Hashable {
    /// One broker.
    public struct Broker: Sendable, Hashable {
        public var id: Int32
        public var host: String
        public var port: Int

        public init(id: Int32, host: String, port: Int) {
            self.id = id
            self.host = host
            self.port = port
        }
    }

    /// One partition of a topic.
    public struct Partition: Sendable, Hashable {
        public var id: Int32
        /// The leader broker's id, or -1 when there is none.
        public var leader: Int32
        /// How many replicas it has.
        public var replicas: Int

        public init(id: Int32, leader: Int32, replicas: Int) {
            self.id = id
            self.leader = leader
            self.replicas = replicas
        }
    }

    /// One topic.
    public struct Topic: Sendable, Hashable {
        public var name: String
        public var partitions: [Partition]

        public init(name: String, partitions: [Partition]) {
            self.name = name
            self.partitions = partitions
        }
    }

    /// The brokers, as the cluster advertises them.
    public var brokers: [Broker]
    /// The topics, sorted by name.
    public var topics: [Topic]
    /// The controller broker's id, or -1 when unknown.
    public var controllerID: Int32
    /// The broker that answered.
    public var originatingBrokerName: String

    public init(brokers: [Broker], topics: [Topic], controllerID: Int32, originatingBrokerName: String) {
        self.brokers = brokers
        self.topics = topics
        self.controllerID = controllerID
        self.originatingBrokerName = originatingBrokerName
    }
}
