import CoreProtocols
import CoreTestKit
import Foundation
import Messaging
import Testing

/// The topic manager against the live broker that `make test` starts
/// (`WHALE_KAFKA_BROKERS`); fails, never skips, when it is not there. Model
/// ids and topics carry a unique suffix; each test deletes what it created.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct TopicManagerIntegrationTests {
    let admin: KafkaAdmin
    let manager: TopicManager

    init() throws {
        let configuration = try KafkaConfiguration(brokers: try TestServices.require(.kafka).value)
        admin = try KafkaAdmin(configuration: configuration)
        manager = TopicManager(admin: admin)
    }

    static func unique(_ label: String) -> String {
        "\(label)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    @Test func ensureTopicExistsCreatesWithTheSpecDefaultsCappedToTheBrokers() async throws {
        let brokers = try await admin.metadata().brokers.count
        let topic = "whale.test.topics.\(Self.unique("ensure"))"
        #expect(try await manager.ensureTopicExists(topic))
        #expect(try await manager.ensureTopicExists(topic) == false)
        #expect(manager.createdTopics.contains(topic))
        let info = try #require(try await admin.topicInfo(topic))
        #expect(info.partitionCount == MessagingConstants.defaultPartitions)
        #expect(info.replicationFactor == min(MessagingConstants.defaultReplication, brokers))
        // Another manager finds it without creating it.
        #expect(try await TopicManager(admin: admin).ensureTopicExists(topic) == false)
        #expect(try await manager.deleteTopic(topic))
        #expect(!manager.createdTopics.contains(topic))
        #expect(try await admin.topicExists(topic) == false)
    }

    @Test func modelTopicsAreCreatedListedAndDeleted() async throws {
        let brokers = try await admin.metadata().brokers.count
        let modelA = Self.unique("model-a")
        let modelB = Self.unique("model_b.v2")
        let topicA = try await manager.ensureModelTopic(modelID: modelA)
        let topicB = try await manager.ensureModelTopic(modelID: modelB)
        #expect(topicA == "smartwhale.data.responses.\(modelA)")
        #expect(topicB == MessagingConstants.dataResponsesTopic(modelID: modelB))
        #expect(manager.modelTopics[modelA] == topicA)

        let info = try #require(try await admin.topicInfo(topicA))
        #expect(info.partitionCount == MessagingConstants.modelTopicPartitions)
        #expect(info.replicationFactor == min(MessagingConstants.modelTopicReplication, brokers))

        let listed = try await manager.listModelTopics()
        #expect(listed.contains { $0.modelID == modelA && $0.topic == topicA })
        #expect(listed.contains { $0.modelID == modelB && $0.topic == topicB })
        #expect(listed.map(\.modelID) == listed.map(\.modelID).sorted())
        let all = try await manager.listAllTopics()
        #expect(all.contains(topicA) && all.contains(topicB))

        // A fresh manager learns the model topics from the cluster.
        let fresh = TopicManager(admin: admin)
        #expect(fresh.modelTopics.isEmpty)
        _ = try await fresh.listModelTopics()
        #expect(fresh.modelTopics[modelB] == topicB)

        #expect(try await manager.deleteModelTopic(modelID: modelA))
        #expect(try await fresh.deleteModelTopic(modelID: modelB))
        #expect(try await manager.deleteModelTopic(modelID: modelA) == false)
        #expect(manager.modelTopics[modelA] == nil)
        let after = try await manager.listModelTopics()
        #expect(!after.contains { $0.modelID == modelA || $0.modelID == modelB })
    }

    @Test func invalidModelIDsNeverReachTheBroker() async throws {
        let before = try await manager.listAllTopics(includeInternal: true)
        for modelID in ["", "has space", "slash/model", "ümlaut", String(repeating: "x", count: 240)] {
            let error = await #expect(throws: WhaleError.self) { try await manager.ensureModelTopic(modelID: modelID) }
            #expect(error?.code == .invalidInput)
        }
        let after = try await manager.listAllTopics(includeInternal: true)
        #expect(after.filter { $0.hasPrefix(MessagingConstants.dataResponsesPrefix) && !before.contains($0) }.isEmpty)
    }

    @Test func initializeAllTopicsMakesEveryBaseTopic() async throws {
        let created = try await manager.initializeAllTopics()
        let expected = TopicManager.baseTopicDefinitions.filter { !$0.isPrefix }.map(\.name)
        #expect(manager.createdTopics == Set(expected))
        let listed = Set(try await manager.listAllTopics())
        #expect(Set(expected).isSubset(of: listed))
        #expect(!listed.contains(MessagingConstants.dataResponsesPrefix))
        for topic in created {
            #expect(try await admin.topicInfo(topic)?.partitionCount == MessagingConstants.defaultPartitions)
        }
        // Idempotent; then remove only what this test created.
        #expect(try await manager.initializeAllTopics().isEmpty)
        for topic in created { #expect(try await manager.deleteTopic(topic)) }
    }

    @Test func deletingMissingTopicsReturnsFalse() async throws {
        #expect(try await manager.deleteTopic("whale.test.topics.\(Self.unique("absent"))") == false)
        #expect(try await manager.deleteModelTopic(modelID: Self.unique("absent-model")) == false)
    }
}
