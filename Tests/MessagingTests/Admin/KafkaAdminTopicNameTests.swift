import CoreProtocols
import Messaging
import Testing

/// Kafka's topic-name rules, checked locally (no broker).
@Suite struct KafkaAdminTopicNameTests {
    @Test(arguments: [
        "smartwhale.data.requests", "a", "A-Z_0.9", "__consumer_offsets", "...", String(repeating: "x", count: 249),
    ])
    func acceptsLegalNames(_ name: String) throws {
        #expect(KafkaTopicName.isValid(name))
        try KafkaTopicName.validate(name)
        #expect(try KafkaTopicName(validating: name).rawValue == name)
        #expect(KafkaTopicName(rawValue: name)?.description == name)
    }

    @Test(arguments: [
        "", ".", "..", "bad name", "bad/name", "tópico", "emoji🐳", "tab\t", "comma,", "colon:", "star*",
        String(repeating: "x", count: 250),
    ])
    func refusesIllegalNames(_ name: String) {
        #expect(!KafkaTopicName.isValid(name))
        #expect(KafkaTopicName(rawValue: name) == nil)
        let error = #expect(throws: WhaleError.self) { try KafkaTopicName.validate(name) }
        #expect(error?.code == .invalidInput)
        #expect(error?.isRetriable == false)
    }

    @Test func theMessageNamesTheBrokenRule() {
        let error = #expect(throws: WhaleError.self) { try KafkaTopicName.validate("a b") }
        #expect(error?.message.contains("' '") == true)
        let long = #expect(throws: WhaleError.self) { try KafkaTopicName.validate(String(repeating: "y", count: 300)) }
        #expect(long?.message.contains("249") == true)
        let custom = #expect(throws: WhaleError.self) { try KafkaTopicName.validate("", what: "dead-letter topic") }
        #expect(custom?.message.hasPrefix("dead-letter topic") == true)
    }

    @Test func topicInfoDerivesCountsAndReplication() {
        let info = KafkaTopicInfo(
            name: "t",
            partitions: [
                .init(id: 1, leader: 2, replicas: [2, 1], inSyncReplicas: [2]),
                .init(id: 0, leader: 1, replicas: [1, 2], inSyncReplicas: [1, 2]),
            ]
        )
        #expect(info.partitions.map(\.id) == [0, 1])
        #expect(info.partitionCount == 2)
        #expect(info.replicationFactor == 2)
        #expect(info.partitions[1].isUnderReplicated)
        #expect(!info.partitions[0].isUnderReplicated)
        #expect(!info.isInternal)
        #expect(KafkaTopicInfo(name: "__consumer_offsets", partitions: []).isInternal)
        #expect(KafkaTopicInfo(name: "empty", partitions: []).replicationFactor == 0)
    }
}
