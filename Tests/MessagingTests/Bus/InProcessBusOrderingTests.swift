import CoreProtocols
import Messaging
import Testing

/// Partition logs: offset order, Kafka's key partitioning, round-robin without a key.
@Suite(.timeLimit(.minutes(1)))
struct InProcessBusOrderingTests {
    @Test func deliversAPartitionInOffsetOrder() async throws {
        let bus = try makeBus()
        let topic = busTopic()
        let probe = BusProbe<InboundMessage>()
        let subscription = try await bus.subscribe(topic: topic, group: "g", options: earliest()) { probe.record($0) }
        for index in 0..<200 {
            try await bus.publish(.busText(topic, "m\(index)"))
        }
        let received = await probe.wait(for: 200)
        #expect(received.map(\.busText) == (0..<200).map { "m\($0)" })
        #expect(received.map(\.offset) == (0..<200).map { Int64($0) })
        #expect(received.allSatisfy { $0.partition == 0 && $0.topic == topic })
        await subscription.cancel()
        #expect(try bus.committedOffsets(topic: topic, group: "g") == [200])
        await bus.close()
    }

    @Test func aKeyAlwaysLandsOnThePartitionKafkaPicks() async throws {
        let bus = try makeBus()
        let topic = busTopic()
        try bus.createTopic(topic, configuration: InProcessTopicConfiguration(partitions: 4))
        // toPositive(murmur2(key)) % 4, as the Java client computes it.
        let expected: [String: Int32] = ["21": 0, "foobar": 2, "abc": 3, "a-little-bit-long-string": 0, "model-2": 1]
        for round in 0..<5 {
            for (key, partition) in expected {
                let stored = try bus.send(.busText(topic, "\(key)-\(round)", key: key))
                #expect(stored.partition == partition, "key \(key)")
            }
        }
        // Each key's messages keep their order inside their partition.
        for (key, partition) in expected {
            let stored: [InboundMessage] = try bus.messages(topic: topic, partition: partition)
            let texts: [String] = stored.map(\.busText).filter { $0.hasPrefix("\(key)-") }
            let wanted: [String] = (0..<5).map { "\(key)-\($0)" }
            #expect(texts == wanted)
        }
        await bus.close()
    }

    @Test func messagesWithoutAKeyGoRoundRobin() async throws {
        let bus = try makeBus()
        let topic = busTopic()
        try bus.createTopic(topic, configuration: InProcessTopicConfiguration(partitions: 3))
        var partitions: [Int32] = []
        for index in 0..<6 {
            partitions.append(try bus.send(.busText(topic, "\(index)")).partition)
        }
        #expect(partitions == [0, 1, 2, 0, 1, 2])
        #expect(try bus.endOffsets(topic: topic) == [2, 2, 2])
        await bus.close()
    }

    @Test func eachPartitionHasItsOwnOffsets() async throws {
        let clock = SystemClock()
        let bus = try makeBus(InProcessBusConfiguration(defaultTopic: InProcessTopicConfiguration(partitions: 2)), clock: clock)
        let topic = busTopic()
        let first = try bus.send(.busText(topic, "a", key: "21"))
        let second = try bus.send(.busText(topic, "b", key: "model-2"))
        let third = try bus.send(.busText(topic, "c", key: "21"))
        #expect([first.partition, second.partition, third.partition] == [0, 1, 0])
        #expect([first.offset, second.offset, third.offset] == [0, 0, 1])
        #expect(first.timestamp != nil)
        let partitions = bus.topicConfiguration(topic).map(\.partitions)
        #expect(partitions == 2)
        await bus.close()
    }
}
