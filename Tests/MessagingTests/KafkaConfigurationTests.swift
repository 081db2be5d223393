import CWhaleTestThreads
import CoreProtocols
import Messaging
import Testing

@Suite struct KafkaConfigurationTests {
    @Test func parsesABrokerList() throws {
        let config = try KafkaConfiguration(brokers: "127.0.0.1:19092, kafka-2")
        #expect(config.bootstrapServers.map(\.description) == ["127.0.0.1:19092", "kafka-2:9092"])
        #expect(config.messageTimeout == .seconds(10))
    }

    @Test func rejectsAMalformedBrokerList() {
        #expect(throws: WhaleError.self) { try KafkaConfiguration(brokers: "") }
        #expect(throws: WhaleError.self) { try KafkaConfiguration(brokers: "host:port") }
    }

    @Test func aPropertyLibrdkafkaRejectsIsAConfigurationError() throws {
        var config = try KafkaConfiguration(brokers: "127.0.0.1:19092")
        config.properties["no.such.property"] = "1"
        #expect {
            try KafkaProducer(configuration: config)
        } throws: { error in
            let error = error as? WhaleError
            return error?.code == .invalidConfiguration && error?.message.contains("no.such.property") == true
        }
    }

    @Test func createsAProducerHandleWithoutABroker() async throws {
        #expect(!KafkaLibrary.version.isEmpty)
        let producer = try KafkaProducer(configuration: try KafkaConfiguration(brokers: "127.0.0.1:1"))
        await producer.close(timeout: .milliseconds(10))
        await #expect {
            try await producer.send(OutboundMessage(topic: "t", value: [1]))
        } throws: { error in
            (error as? WhaleError)?.code == .cancelled
        }
    }

    @Test func aSendToADeadBrokerFailsWithinTheMessageTimeout() async throws {
        var config = try KafkaConfiguration(brokers: "127.0.0.1:1")
        config.messageTimeout = .milliseconds(500)
        let producer = try KafkaProducer(configuration: config)
        await #expect {
            try await producer.send(OutboundMessage(topic: "nowhere", value: Array("x".utf8)))
        } throws: { error in
            let error = error as? WhaleError
            return error?.code == .timeout || error?.code == .unavailable
        }
        await producer.close()
    }

    @Test func anEmptyTopicIsInvalidInput() async throws {
        let producer = try KafkaProducer(configuration: try KafkaConfiguration(brokers: "127.0.0.1:1"))
        await #expect {
            try await producer.send(OutboundMessage(topic: "", value: [1]))
        } throws: { error in
            (error as? WhaleError)?.code == .invalidInput
        }
        await producer.close(timeout: .zero)
    }
}

@Test("librdkafka's threads go through the test binary's thrd_create (so TSan sees them)")
func librdkafkaThreadsAreInterposed() async throws {
    let producer = try KafkaProducer(configuration: try KafkaConfiguration(brokers: "127.0.0.1:1"))
    await producer.close(timeout: .zero)
    #expect(cwhale_test_threads_interposed() == 1)
}
