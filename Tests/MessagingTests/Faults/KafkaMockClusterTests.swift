import CoreProtocols
import Messaging
import Testing

/// ``KafkaMockCluster`` itself: what it starts, and the typed errors of its
/// calls.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct KafkaMockClusterTests {
    @Test func startsTheBrokersItIsAskedForAndServesTheirMetadata() async throws {
        let cluster = try KafkaMockCluster(brokers: 3, logger: FaultTestSupport.logger)
        defer { cluster.close() }
        #expect(cluster.brokerCount == 3)
        #expect(cluster.bootstrapServers.split(separator: ",").count == 3)
        #expect(cluster.configuration.bootstrapServers.count == 3)

        let topic = FaultTestSupport.uniqueName("metadata")
        try cluster.createTopic(topic, partitions: 3, replicationFactor: 2)
        try cluster.setPartitionLeader(topic: topic, partition: 2, broker: 3)
        let producer = try KafkaProducer(configuration: cluster.configuration, logger: FaultTestSupport.logger)
        let metadata = try await producer.metadata()
        await producer.close()
        #expect(metadata.brokers.map(\.id).sorted() == [1, 2, 3])
        let partitions = try #require(metadata.topics.first { $0.name == topic }).partitions
        #expect(partitions.map(\.id).sorted() == [0, 1, 2])
        #expect(partitions.allSatisfy { $0.replicas == 2 })
        #expect(partitions.first { $0.id == 2 }?.leader == 3)
    }

    @Test func refusesBadArgumentsWithTypedErrors() throws {
        #expect(throws: WhaleError.self) { try KafkaMockCluster(brokers: 0) }
        let cluster = try KafkaMockCluster(brokers: 2, logger: FaultTestSupport.logger)
        defer { cluster.close() }
        let topic = FaultTestSupport.uniqueName("arguments")
        try cluster.createTopic(topic, partitions: 1)

        func code(_ body: () throws -> Void) -> WhaleError.Code? {
            do {
                try body()
                return nil
            } catch {
                return (error as? WhaleError)?.code
            }
        }
        #expect(code { try cluster.createTopic(topic, partitions: 1) } == .alreadyExists)
        #expect(code { try cluster.createTopic("", partitions: 1) } == .invalidInput)
        #expect(code { try cluster.createTopic(topic + ".b", partitions: 0) } == .invalidInput)
        #expect(code { try cluster.createTopic(topic + ".c", partitions: 1, replicationFactor: 3) } == .invalidInput)
        #expect(code { try cluster.setBrokerDown(3) } == .notFound)
        #expect(code { try cluster.setBrokerUp(0) } == .notFound)
        #expect(code { try cluster.setCoordinator(group: "g", broker: 7) } == .notFound)
        #expect(code { try cluster.setRoundTripTime(.milliseconds(-1), broker: 1) } == .invalidInput)
        #expect(code { try cluster.setPartitionLeader(topic: topic, partition: 0, broker: 2) } == nil)
        #expect(code { try cluster.setCoordinator(group: "g", broker: 2) } == nil)
    }

    @Test func refusesEveryCallOnceClosed() throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: FaultTestSupport.logger)
        #expect(!cluster.isClosed)
        cluster.close()
        cluster.close()
        #expect(cluster.isClosed)
        let error = #expect(throws: WhaleError.self) { try cluster.setBrokerDown(1) }
        #expect(error?.code == .cancelled)
        let pushError = #expect(throws: WhaleError.self) {
            try cluster.pushRequestErrors(apiKey: .produce, errors: [.requestTimedOut])
        }
        #expect(pushError?.code == .cancelled)
    }

    @Test func namesAPIKeysAndErrorCodesAsKafkaDoes() {
        #expect(KafkaMockCluster.APIKey.produce.rawValue == 0)
        #expect(KafkaMockCluster.APIKey.offsetCommit.rawValue == 8)
        #expect(KafkaMockCluster.ErrorCode.notLeaderForPartition.description == "NOT_LEADER_FOR_PARTITION")
        #expect(KafkaMockCluster.ErrorCode.topicAuthorizationFailed.description == "TOPIC_AUTHORIZATION_FAILED")
        #expect(KafkaMockCluster.ErrorCode.transport.description == "_TRANSPORT")
    }
}
