import CoreProtocols
import CoreTestKit
import Foundation
import Messaging
import Testing

/// Topic administration against the live broker that `make test` starts
/// (`WHALE_KAFKA_BROKERS`); fails, never skips, when it is not there. Every
/// test uses topics of its own and deletes them.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct KafkaAdminIntegrationTests {
    let configuration: KafkaConfiguration
    let admin: KafkaAdmin

    init() throws {
        configuration = try KafkaConfiguration(brokers: try TestServices.require(.kafka).value)
        admin = try KafkaAdmin(configuration: configuration)
    }

    /// A topic name no other test (or run) uses.
    static func uniqueTopic(_ label: String) -> String {
        "whale.test.admin.\(label).\(UUID().uuidString.prefix(8).lowercased())"
    }

    @Test func createDescribeListAndDeleteATopic() async throws {
        let topic = Self.uniqueTopic("lifecycle")
        #expect(try await admin.topicExists(topic) == false)
        #expect(try await admin.topicInfo(topic) == nil)

        #expect(try await admin.createTopic(topic, partitions: 3, replicationFactor: 1))
        #expect(try await admin.topicExists(topic))
        let info = try #require(try await admin.topicInfo(topic))
        #expect(info.name == topic)
        #expect(info.partitionCount == 3)
        #expect(info.partitions.map(\.id) == [0, 1, 2])
        #expect(info.replicationFactor == 1)
        for partition in info.partitions {
            #expect(partition.leader >= 0)
            #expect(partition.replicas.count == 1)
            #expect(partition.replicas.contains(partition.leader))
            #expect(!partition.inSyncReplicas.isEmpty)
        }
        let listed = try await admin.listTopics()
        #expect(listed.contains(topic))
        #expect(listed == listed.sorted())
        #expect(listed.allSatisfy { !$0.hasPrefix("__") })

        #expect(try await admin.deleteTopic(topic))
        #expect(try await admin.topicExists(topic) == false)
        #expect(try await admin.listTopics(includeInternal: true).contains(topic) == false)
    }

    @Test func creatingAnExistingTopicIsANoOp() async throws {
        let topic = Self.uniqueTopic("twice")
        #expect(try await admin.createTopic(topic, partitions: 2, replicationFactor: 1))
        // The second call asks for other settings; the topic is left as it is.
        #expect(try await admin.createTopic(topic, partitions: 4, replicationFactor: 1) == false)
        #expect(try await admin.topicInfo(topic)?.partitionCount == 2)
        #expect(try await admin.deleteTopic(topic))
    }

    @Test func deletingAMissingTopicReturnsFalse() async throws {
        let topic = Self.uniqueTopic("missing")
        #expect(try await admin.deleteTopic(topic) == false)
        #expect(try await admin.topicExists(topic) == false)
    }

    @Test(arguments: ["bad name", "", ".", "..", "slash/topic", String(repeating: "n", count: 250)])
    func invalidNamesAreRefusedBeforeAnythingIsSent(_ name: String) async throws {
        // The local broker would create "bad name" if asked; the admin must not ask.
        let create = await #expect(throws: WhaleError.self) {
            try await admin.createTopic(name, partitions: 1, replicationFactor: 1)
        }
        #expect(create?.code == .invalidInput)
        #expect(create?.underlying == nil)
        let exists = await #expect(throws: WhaleError.self) { try await admin.topicExists(name) }
        #expect(exists?.code == .invalidInput)
        let delete = await #expect(throws: WhaleError.self) { try await admin.deleteTopic(name) }
        #expect(delete?.code == .invalidInput)
        let info = await #expect(throws: WhaleError.self) { try await admin.topicInfo(name) }
        #expect(info?.code == .invalidInput)
        let configuration = await #expect(throws: WhaleError.self) { try await admin.topicConfiguration(name) }
        #expect(configuration?.code == .invalidInput)
        #expect(try await admin.listTopics(includeInternal: true).contains(name) == false)
    }

    @Test func invalidCountsAndConfigKeysAreRefusedLocally() async throws {
        let topic = Self.uniqueTopic("counts")
        for (partitions, factor) in [(0, 1), (-1, 1), (1, 0), (1, -3)] {
            let error = await #expect(throws: WhaleError.self) {
                try await admin.createTopic(topic, partitions: partitions, replicationFactor: factor)
            }
            #expect(error?.code == .invalidInput)
        }
        let config = await #expect(throws: WhaleError.self) {
            try await admin.createTopic(topic, partitions: 1, replicationFactor: 1, configs: ["": "x"])
        }
        #expect(config?.code == .invalidInput)
        #expect(try await admin.topicExists(topic) == false)
    }

    @Test func aReplicationFactorAboveTheBrokerCountIsRefusedOrCapped() async throws {
        let brokers = try await admin.metadata().brokers.count
        #expect(brokers >= 1)
        let topic = Self.uniqueTopic("replication")
        let refused = await #expect(throws: WhaleError.self) {
            try await admin.createTopic(topic, partitions: 1, replicationFactor: brokers + 2)
        }
        #expect(refused?.code == .invalidInput)
        #expect(refused?.message.contains("\(brokers) broker") == true)
        #expect(try await admin.topicExists(topic) == false)

        #expect(
            try await admin.createTopic(
                topic,
                partitions: 1,
                replicationFactor: brokers + 2,
                replicationPolicy: .capToBrokerCount
            )
        )
        #expect(try await admin.topicInfo(topic)?.replicationFactor == brokers)
        #expect(try await admin.deleteTopic(topic))
    }

    @Test func topicConfigurationIsReadBack() async throws {
        let topic = Self.uniqueTopic("config")
        #expect(try await admin.createTopic(topic, partitions: 1, replicationFactor: 1, configs: ["retention.ms": "60000"]))
        let configs = try await admin.topicConfiguration(topic)
        #expect(configs["retention.ms"] == "60000")
        // Apache Kafka marks an explicit entry as such; Tansu marks every
        // entry as a default, so without defaults it reports nothing.
        let explicit = try await admin.topicConfiguration(topic, includeDefaults: false)
        #expect(explicit["retention.ms"] == "60000" || explicit.isEmpty, "\(explicit)")
        #expect(try await admin.deleteTopic(topic))

        let missing = await #expect(throws: WhaleError.self) { try await admin.topicConfiguration(topic) }
        #expect(missing?.code == .notFound)
    }

    @Test func growingATopicWorksOrSaysTheBrokerCannot() async throws {
        let topic = Self.uniqueTopic("grow")
        #expect(try await admin.createTopic(topic, partitions: 1, replicationFactor: 1))
        do {
            try await admin.createPartitions(topic, totalCount: 3)
            // A broker that implements CreatePartitions (Apache Kafka).
            #expect(try await admin.topicInfo(topic)?.partitionCount == 3)
        } catch let error as WhaleError {
            // Tansu: CreatePartitions is not implemented.
            let detail = try #require(error.underlying as? KafkaAdminError, "\(error)")
            #expect(detail.name == "_UNSUPPORTED_FEATURE", "\(error)")
            #expect(error.code == .unavailable)
            #expect(!error.isRetriable)
        }
        #expect(try await admin.deleteTopic(topic))
    }

    @Test func theHealthCheckPassesAndCloseEndsTheClient() async throws {
        let status = await admin.checkHealth()
        #expect(status.isHealthy, "\(status.reason ?? "")")
        let check = admin.healthCheck()
        #expect(check.name == "kafka-admin")
        #expect(check.kind == .readiness)
        #expect(await check.check().isHealthy)

        await admin.close()
        await admin.close()
        let closed = await #expect(throws: WhaleError.self) { try await admin.listTopics() }
        #expect(closed?.code == .cancelled)
        #expect(await admin.checkHealth().isHealthy == false)
    }

    @Test func runEndsWhenTheClientIsClosed() async throws {
        let admin = try KafkaAdmin(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await admin.run() }
            #expect(try await admin.listTopics(includeInternal: true).count >= 0)
            await admin.close()
            try await group.waitForAll()
        }
    }

    @Test func concurrentCallsAllSucceed() async throws {
        let topics = (0..<4).map { Self.uniqueTopic("concurrent\($0)") }
        let admin = self.admin
        let created = try await withThrowingTaskGroup(of: Bool.self) { group in
            for topic in topics {
                group.addTask { try await admin.createTopic(topic, partitions: 1, replicationFactor: 1) }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(created == [true, true, true, true])
        let listed = Set(try await admin.listTopics())
        #expect(Set(topics).isSubset(of: listed))
        for topic in topics { #expect(try await admin.deleteTopic(topic)) }
    }

    @Test func concurrentCreatesOfOneTopicCreateItOnce() async throws {
        let topic = Self.uniqueTopic("race")
        let admin = self.admin
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<3 {
                group.addTask { try await admin.createTopic(topic, partitions: 1, replicationFactor: 1) }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        // The losers either saw it in the metadata or got TOPIC_ALREADY_EXISTS.
        #expect(results.filter { $0 }.count == 1, "\(results)")
        #expect(try await admin.deleteTopic(topic))
    }
}
