import CoreProtocols
import Messaging
import MetricsTestKit
import Testing

/// Consumer groups: fan-out between groups, sharing inside a group, committed
/// offsets, rebalancing.
@Suite(.timeLimit(.minutes(1)))
struct InProcessBusGroupTests {
    @Test func everyGroupGetsEveryMessage() async throws {
        let bus = try makeBus()
        let topic = busTopic()
        let first = BusProbe<String>()
        let second = BusProbe<String>()
        let a = try await bus.subscribe(topic: topic, group: "first", options: earliest()) { first.record($0.busText) }
        let b = try await bus.subscribe(topic: topic, group: "second", options: earliest()) { second.record($0.busText) }
        for index in 0..<100 {
            try await bus.publish(.busText(topic, "\(index)"))
        }
        let expected = (0..<100).map { "\($0)" }
        #expect(await first.wait(for: 100) == expected)
        #expect(await second.wait(for: 100) == expected)
        await a.cancel()
        await b.cancel()
        await bus.close()
    }

    @Test func membersOfOneGroupSplitTheWorkAndHandleEachMessageOnce() async throws {
        let bus = try makeBus(InProcessBusConfiguration(defaultTopic: InProcessTopicConfiguration(partitions: 4)))
        let topic = busTopic()
        let all = BusProbe<String>()
        let byFirst = BusProbe<String>()
        let bySecond = BusProbe<String>()
        let a = try await bus.subscribe(topic: topic, group: "workers", options: earliest()) {
            byFirst.record($0.busText)
            all.record($0.busText)
        }
        let b = try await bus.subscribe(topic: topic, group: "workers", options: earliest()) {
            bySecond.record($0.busText)
            all.record($0.busText)
        }
        #expect(a.assignedPartitions == [0, 2])
        #expect(b.assignedPartitions == [1, 3])
        for index in 0..<400 {
            try await bus.publish(.busText(topic, "\(index)", key: "key-\(index)"))
        }
        let received = await all.wait(for: 400)
        await a.cancel()
        await b.cancel()
        #expect(all.items.count == 400)
        #expect(Set(received) == Set((0..<400).map { "\($0)" }))
        #expect(!byFirst.items.isEmpty)
        #expect(!bySecond.items.isEmpty)
        #expect(Set(byFirst.items).isDisjoint(with: Set(bySecond.items)))
        #expect(try bus.lag(topic: topic, group: "workers") == 0)
        await bus.close()
    }

    @Test func aNewGroupStartsAtTheLatestOffsetByDefault() async throws {
        let bus = try makeBus()
        let topic = busTopic()
        for index in 0..<3 {
            try await bus.publish(.busText(topic, "old-\(index)"))
        }
        let probe = BusProbe<InboundMessage>()
        let subscription = try await bus.subscribe(topic: topic, group: "late") { probe.record($0) }
        try await bus.publish(.busText(topic, "new-0"))
        try await bus.publish(.busText(topic, "new-1"))
        let received = await probe.wait(for: 2)
        #expect(received.map(\.busText) == ["new-0", "new-1"])
        #expect(received.map(\.offset) == [3, 4])
        await subscription.cancel()
        await bus.close()
    }

    @Test func cancelCommitsAndTheNextMemberResumesAfterTheCommittedOffset() async throws {
        let bus = try makeBus()
        let topic = busTopic()
        let first = BusProbe<Int64>()
        let subscription = try await bus.subscribe(topic: topic, group: "g", options: earliest()) { first.record($0.offset) }
        for index in 0..<10 {
            try await bus.publish(.busText(topic, "\(index)"))
        }
        _ = await first.wait(for: 10)
        await subscription.cancel()
        #expect(!subscription.isActive)
        #expect(subscription.assignedPartitions.isEmpty)
        #expect(try bus.committedOffsets(topic: topic, group: "g") == [10])

        for index in 10..<15 {
            try await bus.publish(.busText(topic, "\(index)"))
        }
        // An existing group resumes at its committed offset whatever the new member asks for.
        let second = BusProbe<Int64>()
        let resumed = try await bus.subscribe(topic: topic, group: "g", options: earliest()) { second.record($0.offset) }
        #expect(await second.wait(for: 5) == [10, 11, 12, 13, 14])
        await resumed.cancel()
        #expect(first.items.count == 10)
        #expect(try bus.committedOffsets(topic: topic, group: "g") == [15])
        await bus.close()
    }

    @Test func leavingHandsThePartitionsToTheRemainingMember() async throws {
        let bus = try makeBus(InProcessBusConfiguration(defaultTopic: InProcessTopicConfiguration(partitions: 2)))
        let topic = busTopic()
        let stays = BusProbe<InboundMessage>()
        let a = try await bus.subscribe(topic: topic, group: "g", options: earliest()) { stays.record($0) }
        let b = try await bus.subscribe(topic: topic, group: "g", options: earliest()) { _ in }
        #expect(a.assignedPartitions == [0])
        #expect(b.assignedPartitions == [1])
        await b.cancel()
        #expect(a.assignedPartitions == [0, 1])
        try await bus.publish(.busText(topic, "to-0", key: "21"))
        try await bus.publish(.busText(topic, "to-1", key: "model-2"))
        let received = await stays.wait(for: 2)
        #expect(Set(received.map(\.partition)) == [0, 1])
        await a.cancel()
        await bus.close()
    }

    @Test func aMemberBeyondThePartitionCountIdles() async throws {
        let bus = try makeBus()
        let topic = busTopic()
        let a = try await bus.subscribe(topic: topic, group: "g", options: earliest()) { _ in }
        let b = try await bus.subscribe(topic: topic, group: "g", options: earliest()) { _ in }
        #expect(a.assignedPartitions == [0])
        #expect(b.assignedPartitions.isEmpty)
        await a.cancel()
        #expect(b.assignedPartitions == [0])
        await b.cancel()
        await bus.close()
    }

    @Test func countsPublishedAndDeliveredMessagesAndReportsLag() async throws {
        let metrics = TestMetrics()
        let bus = try makeBus(metrics: metrics)
        let topic = busTopic()
        let gate = BusGate()
        let probe = BusProbe<Int64>()
        let subscription = try await bus.subscribe(topic: topic, group: "g", options: earliest()) { message in
            probe.record(message.offset)
            try await gate.wait()
        }
        for index in 0..<4 {
            try await bus.publish(.busText(topic, "\(index)"))
        }
        _ = await probe.wait(for: 1)
        #expect(try bus.lag(topic: topic, group: "g") == 4)
        gate.open()
        _ = await probe.wait(for: 4)
        await subscription.cancel()
        #expect(try bus.lag(topic: topic, group: "g") == 0)
        #expect(try metrics.expectCounter("whale_bus_messages_published", [("topic", topic)]).totalValue == 4)
        let dimensions = [("topic", topic), ("group", "g")]
        #expect(try metrics.expectCounter("whale_bus_messages_delivered", dimensions).totalValue == 4)
        #expect(try metrics.expectGauge("whale_bus_consumer_lag", dimensions).lastValue == 0)
        #expect(try metrics.expectGauge("whale_bus_consumer_lag", dimensions).values.contains(4))
        await bus.close()
    }
}
