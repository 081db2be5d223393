import CoreProtocols
import CoreTestKit
import Messaging
import Testing

/// Produces to and reads from the live broker that `make test` starts
/// (`WHALE_KAFKA_BROKERS`); fails, never skips, when it is not there.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct KafkaIntegrationTests {
    let configuration: KafkaConfiguration

    init() throws {
        configuration = try KafkaConfiguration(brokers: try TestServices.require(.kafka).value)
    }

    @Test func theRuntimeLibrdkafkaCanTalkToTheBroker() {
        // Debian's librdkafka 2.0.2 cannot parse Tansu's ApiVersions reply;
        // `make test` puts a current one first on LD_LIBRARY_PATH.
        #expect(
            KafkaLibrary.versionNumber >= 0x020A_0000,
            "librdkafka \(KafkaLibrary.version) is too old for the test broker; run through `make test` (LD_LIBRARY_PATH=.services/lib)"
        )
    }

    @Test func producesAndReadsBackAMessage() async throws {
        let topic = "whale.test.roundtrip.\(UInt32.random(in: 0...UInt32.max))"
        let producer = try KafkaProducer(configuration: configuration)
        let sent = OutboundMessage(
            topic: topic,
            key: Array("model-7".utf8),
            value: Array(#"{"operation":"fetch_data"}"#.utf8),
            headers: [MessageHeader(key: "attempt", string: "1"), MessageHeader(key: "empty", value: nil)]
        )
        let report = try await producer.send(sent)
        #expect(report.topic == topic)
        #expect(report.offset >= 0)

        let reader = try KafkaPartitionReader(
            configuration: configuration,
            topic: topic,
            partition: report.partition,
            offset: report.offset
        )
        let received = try await reader.read(count: 1, timeout: .seconds(30))
        await reader.close()
        await producer.close()

        let message = try #require(received.first)
        #expect(message.topic == topic)
        #expect(message.offset == report.offset)
        #expect(message.key == sent.key)
        #expect(message.value == sent.value)
        #expect(message.headers == sent.headers)
        #expect(message.timestamp != nil)
    }

    @Test func metadataListsTheBrokerAndAProducedTopic() async throws {
        let topic = "whale.test.metadata.\(UInt32.random(in: 0...UInt32.max))"
        let producer = try KafkaProducer(configuration: configuration)
        _ = try await producer.send(OutboundMessage(topic: topic, value: Array("x".utf8)))
        let metadata = try await producer.metadata()
        #expect(!metadata.brokers.isEmpty)
        #expect(metadata.topics.contains { $0.name == topic && !$0.partitions.isEmpty })
        #expect(await KafkaHealthCheck(producer: producer).check().isHealthy)
        await producer.close()
    }
}
