import CoreProtocols
import Logging
import Messaging
import Testing

/// The topic manager's logic against an in-memory admin (no broker); the same
/// methods run against the live broker in ``TopicManagerIntegrationTests``.
@Suite struct TopicManagerTests {
    @Test func theBaseTopicTableHasTheSpecsKeysAndConstants() {
        let expected: [(String, String)] = [
            ("data_requests", "smartwhale.data.requests"),
            ("data_responses_prefix", "smartwhale.data.responses"),
            ("models_requests", "smartwhale.models.requests"),
            ("balance_metrics", "smartwhale.balance.metrics"),
            ("balance_events", "smartwhale.balance.events"),
            ("system_logs", "smartwhale.core.logs"),
        ]
        #expect(TopicManager.baseTopicDefinitions.map(\.key) == expected.map(\.0))
        #expect(TopicManager.baseTopicDefinitions.map(\.name) == expected.map(\.1))
        #expect(TopicManager.baseTopics.count == 6)
        #expect(TopicManager.baseTopicDefinitions.filter(\.isPrefix).map(\.key) == ["data_responses_prefix"])
        #expect(TopicManager.maximumModelIDLength == 249 - "smartwhale.data.responses.".count)
    }

    @Test func topicNamesComeFromTheTableAndUnknownKeysPassThrough() {
        let manager = TopicManager(admin: InMemoryTopicAdmin())
        #expect(manager.topicName(forKey: "data_requests") == MessagingConstants.dataRequestsTopic)
        #expect(manager.topicName(forKey: "system_logs") == MessagingConstants.systemLogsTopic)
        #expect(manager.topicName(forKey: "data_responses_prefix") == MessagingConstants.dataResponsesPrefix)
        #expect(manager.topicName(forKey: "custom.topic") == "custom.topic")
        #expect(manager.topicName(forKey: "") == "")
    }

    @Test func categoriesOfKnownTopics() {
        let manager = TopicManager(admin: InMemoryTopicAdmin())
        #expect(manager.category(ofTopic: "smartwhale.data.requests") == .request)
        #expect(manager.category(ofTopic: "smartwhale.balance.metrics") == .metric)
        #expect(manager.category(ofTopic: "smartwhale.balance.events") == .event)
        #expect(manager.category(ofTopic: "smartwhale.core.logs") == .log)
        #expect(manager.category(ofTopic: "smartwhale.data.responses.m1") == .response)
        #expect(manager.category(ofTopic: "smartwhale.data.responses") == nil)
        #expect(manager.category(ofTopic: "other") == nil)
    }

    @Test func modelResultTopicsAreDerivedAndCached() throws {
        let manager = TopicManager(admin: InMemoryTopicAdmin())
        #expect(manager.modelTopics.isEmpty)
        #expect(try manager.modelResultTopic(modelID: "gpt-whale_7.1") == "smartwhale.data.responses.gpt-whale_7.1")
        #expect(try manager.modelResultTopic(modelID: "gpt-whale_7.1") == "smartwhale.data.responses.gpt-whale_7.1")
        #expect(manager.modelTopics == ["gpt-whale_7.1": "smartwhale.data.responses.gpt-whale_7.1"])
        #expect(TopicManager.modelID(fromTopic: "smartwhale.data.responses.gpt-whale_7.1") == "gpt-whale_7.1")
        #expect(TopicManager.modelID(fromTopic: "smartwhale.data.responses.") == nil)
        #expect(TopicManager.modelID(fromTopic: "smartwhale.data.requests") == nil)
        let longest = String(repeating: "m", count: TopicManager.maximumModelIDLength)
        #expect(KafkaTopicName.isValid(try manager.modelResultTopic(modelID: longest)))
    }

    @Test(arguments: ["", "model one", "model/1", "mödel", "a:b", String(repeating: "m", count: 224)])
    func invalidModelIDsAreRefused(_ modelID: String) async throws {
        let admin = InMemoryTopicAdmin()
        let manager = TopicManager(admin: admin)
        let derived = #expect(throws: WhaleError.self) { try manager.modelResultTopic(modelID: modelID) }
        #expect(derived?.code == .invalidInput)
        let ensured = await #expect(throws: WhaleError.self) { try await manager.ensureModelTopic(modelID: modelID) }
        #expect(ensured?.code == .invalidInput)
        let deleted = await #expect(throws: WhaleError.self) { try await manager.deleteModelTopic(modelID: modelID) }
        #expect(deleted?.code == .invalidInput)
        #expect(manager.modelTopics.isEmpty)
        #expect(admin.calls.isEmpty)
    }

    @Test func ensureTopicExistsCreatesOnceAndRemembers() async throws {
        let admin = InMemoryTopicAdmin(brokerCount: 1)
        let manager = TopicManager(admin: admin)
        #expect(try await manager.ensureTopicExists("t.one"))
        #expect(try await manager.ensureTopicExists("t.one") == false)
        #expect(manager.createdTopics == ["t.one"])
        // Defaults: 5 partitions, replication 3 capped to the one broker.
        #expect(admin.topics["t.one"] == .init(partitions: 5, replicationFactor: 1, configs: [:]))
        // The second call did not ask the cluster again.
        #expect(admin.calls == ["create t.one"])

        let other = TopicManager(admin: admin)
        #expect(try await other.ensureTopicExists("t.one", partitions: 9) == false)
        #expect(other.createdTopics == ["t.one"])
        let error = await #expect(throws: WhaleError.self) { try await manager.ensureTopicExists("bad topic") }
        #expect(error?.code == .invalidInput)
    }

    @Test func aStrictManagerRefusesTooManyReplicas() async throws {
        let admin = InMemoryTopicAdmin(brokerCount: 1)
        let manager = TopicManager(admin: admin, replicationPolicy: .strict)
        let error = await #expect(throws: WhaleError.self) { try await manager.ensureTopicExists("t.strict") }
        #expect(error?.code == .invalidInput)
        #expect(manager.createdTopics.isEmpty)
        #expect(try await manager.ensureTopicExists("t.strict", replicationFactor: 1))
    }

    @Test func ensureModelTopicUsesTheModelDefaults() async throws {
        let admin = InMemoryTopicAdmin(brokerCount: 3)
        let manager = TopicManager(admin: admin)
        let topic = try await manager.ensureModelTopic(modelID: "m1")
        #expect(topic == "smartwhale.data.responses.m1")
        #expect(admin.topics[topic] == .init(partitions: 3, replicationFactor: 2, configs: [:]))
        #expect(manager.createdTopics.contains(topic))
        #expect(manager.modelTopics == ["m1": topic])
    }

    @Test func initializeAllTopicsCreatesTheFiveBaseTopics() async throws {
        let admin = InMemoryTopicAdmin(
            brokerCount: 3,
            topics: ["smartwhale.core.logs": .init(partitions: 1, replicationFactor: 1, configs: [:])]
        )
        let manager = TopicManager(admin: admin)
        let created = try await manager.initializeAllTopics()
        #expect(created == [
            "smartwhale.data.requests", "smartwhale.models.requests", "smartwhale.balance.metrics",
            "smartwhale.balance.events",
        ])
        #expect(manager.createdTopics == Set(TopicManager.baseTopicDefinitions.filter { !$0.isPrefix }.map(\.name)))
        #expect(admin.topics["smartwhale.data.requests"] == .init(partitions: 5, replicationFactor: 3, configs: [:]))
        #expect(admin.topics["smartwhale.data.responses"] == nil)
        #expect(try await manager.initializeAllTopics().isEmpty)
    }

    @Test func initializeAllTopicsTriesEveryTopicAndReportsFailures() async throws {
        let admin = InMemoryTopicAdmin(brokerCount: 1)
        let manager = TopicManager(admin: admin, replicationPolicy: .strict)
        let error = await #expect(throws: WhaleError.self) { try await manager.initializeAllTopics() }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("5 of them") == true)
        #expect(error?.underlying is WhaleError)
    }

    @Test func listingReadsTheClusterAndFindsModelTopics() async throws {
        let admin = InMemoryTopicAdmin(topics: [
            "smartwhale.data.responses.zeta": .init(partitions: 1, replicationFactor: 1, configs: [:]),
            "smartwhale.data.responses.alpha": .init(partitions: 1, replicationFactor: 1, configs: [:]),
            "smartwhale.data.requests": .init(partitions: 1, replicationFactor: 1, configs: [:]),
            "__consumer_offsets": .init(partitions: 1, replicationFactor: 1, configs: [:]),
        ])
        let manager = TopicManager(admin: admin)
        #expect(try await manager.listAllTopics() == [
            "smartwhale.data.requests", "smartwhale.data.responses.alpha", "smartwhale.data.responses.zeta",
        ])
        #expect(try await manager.listAllTopics(includeInternal: true).first == "__consumer_offsets")
        let models = try await manager.listModelTopics()
        #expect(models.map(\.modelID) == ["alpha", "zeta"])
        #expect(models.map(\.topic) == ["smartwhale.data.responses.alpha", "smartwhale.data.responses.zeta"])
        #expect(manager.modelTopics.count == 2)
    }

    @Test func deletingForgetsTheTopic() async throws {
        let admin = InMemoryTopicAdmin()
        let manager = TopicManager(admin: admin)
        let topic = try await manager.ensureModelTopic(modelID: "m2")
        try await manager.ensureTopicExists("t.plain")
        #expect(try await manager.deleteTopic("t.plain"))
        #expect(try await manager.deleteTopic("t.plain") == false)
        #expect(!manager.createdTopics.contains("t.plain"))

        #expect(try await manager.deleteModelTopic(modelID: "m2"))
        #expect(manager.modelTopics["m2"] == nil)
        #expect(!manager.createdTopics.contains(topic))
        #expect(admin.topics[topic] == nil)
    }

    @Test func deletingAnUnknownModelsTopicWarns() async throws {
        let log = RecordingLogHandler()
        let admin = InMemoryTopicAdmin(topics: [
            "smartwhale.data.responses.elsewhere": .init(partitions: 1, replicationFactor: 1, configs: [:])
        ])
        let manager = TopicManager(admin: admin, logger: log.logger())
        // Created by another process: unknown here, still deleted.
        #expect(try await manager.deleteModelTopic(modelID: "elsewhere"))
        #expect(try await manager.deleteModelTopic(modelID: "never") == false)
        let warnings = log.recorded.filter { $0.level == .warning }
        #expect(warnings.count == 2)
        #expect(warnings.map { $0.metadata["model_id"] } == ["elsewhere", "never"])

        // A known model does not warn.
        _ = try await manager.ensureModelTopic(modelID: "known")
        #expect(try await manager.deleteModelTopic(modelID: "known"))
        #expect(log.recorded.filter { $0.level == .warning }.count == 2)
    }
}
