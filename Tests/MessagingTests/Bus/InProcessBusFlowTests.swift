import CoreProtocols
import Messaging
import MetricsTestKit
import Synchronization
import Testing

/// Bounded in-flight work, priority order, retention and back-pressure.
@Suite(.timeLimit(.minutes(1)))
struct InProcessBusFlowTests {
    @Test func neverMoreThanMaxInFlightHandlersRunAtOnce() async throws {
        let bus = try makeBus(InProcessBusConfiguration(defaultTopic: InProcessTopicConfiguration(partitions: 2)))
        let topic = busTopic()
        let running = Atomic<Int>(0)
        let highest = Atomic<Int>(0)
        let started = BusProbe<Int64>()
        let finished = BusProbe<Int64>()
        let gate = BusGate()
        let subscription = try await bus.subscribe(topic: topic, group: "g", options: earliest(maxInFlight: 3)) { message in
            let now = running.add(1, ordering: .sequentiallyConsistent).newValue
            highest.max(now, ordering: .sequentiallyConsistent)
            started.record(message.offset)
            try await gate.wait()
            running.subtract(1, ordering: .sequentiallyConsistent)
            finished.record(message.offset)
        }
        for index in 0..<12 {
            try await bus.publish(.busText(topic, "\(index)"))
        }
        _ = await started.wait(for: 3)
        #expect(started.items.count == 3)
        let runningValue = running.load(ordering: .sequentiallyConsistent)
        #expect(runningValue == 3)
        gate.open()
        _ = await finished.wait(for: 12)
        await subscription.cancel()
        let highestValue = highest.load(ordering: .sequentiallyConsistent)
        #expect(highestValue == 3)
        #expect(started.items.count == 12)
        #expect(try bus.committedOffsets(topic: topic, group: "g") == [6, 6])
        await bus.close()
    }

    @Test func oneInFlightKeepsPartitionOrderEvenWithSlowHandlers() async throws {
        let bus = try makeBus()
        let topic = busTopic()
        let running = Atomic<Int>(0)
        let overlapped = Atomic<Bool>(false)
        let probe = BusProbe<String>()
        let subscription = try await bus.subscribe(topic: topic, group: "g", options: earliest()) { message in
            if running.add(1, ordering: .sequentiallyConsistent).newValue > 1 {
                overlapped.store(true, ordering: .sequentiallyConsistent)
            }
            await Task.yield()
            running.subtract(1, ordering: .sequentiallyConsistent)
            probe.record(message.busText)
        }
        for index in 0..<50 {
            try await bus.publish(.busText(topic, "\(index)"))
        }
        #expect(await probe.wait(for: 50) == (0..<50).map { "\($0)" })
        let overlappedValue = overlapped.load(ordering: .sequentiallyConsistent)
        #expect(!overlappedValue)
        await subscription.cancel()
        await bus.close()
    }

    @Test func priorityOrderingHandlesTheMostUrgentMessagesOfABacklogFirst() async throws {
        let bus = try makeBus()
        let topic = busTopic()
        func withPriority(_ text: String, _ priority: Int) -> OutboundMessage {
            .busText(topic, text, headers: [MessageHeader(key: InProcessMessageBus.priorityHeader, string: "\(priority)")])
        }
        try await bus.publish(withPriority("background-1", 5))
        try await bus.publish(withPriority("medium-1", 3))
        try await bus.publish(.busText(topic, "no-priority"))  // counts as medium (3)
        try await bus.publish(withPriority("high-1", 2))
        let request = DataRequest.create(modelID: "m1", priority: .critical)
        try await bus.publish(OutboundMessage(topic: topic, value: request.toJSONBytes()))  // metadata.priority 1
        try await bus.publish(withPriority("low-1", 4))
        try await bus.publish(withPriority("critical-1", 1))
        try await bus.publish(withPriority("high-2", 2))
        try await bus.publish(withPriority("out-of-range", 9))  // ignored: medium

        let probe = BusProbe<String>()
        let subscription = try await bus.subscribe(
            topic: topic,
            group: "g",
            options: earliest(priorityOrdering: true)
        ) { message in
            probe.record(message.offset == 4 ? "request" : message.busText)
        }
        let order = await probe.wait(for: 9)
        #expect(
            order == [
                "request", "critical-1", "high-1", "high-2", "medium-1", "no-priority", "out-of-range", "low-1",
                "background-1",
            ]
        )
        await subscription.cancel()
        // Offsets are still committed in order, up to the end.
        #expect(try bus.committedOffsets(topic: topic, group: "g") == [9])
        await bus.close()
    }

    @Test func withoutPriorityOrderingABacklogKeepsOffsetOrder() async throws {
        let bus = try makeBus()
        let topic = busTopic()
        for (index, priority) in [5, 1, 3, 2].enumerated() {
            try await bus.publish(
                .busText(topic, "\(index)", headers: [MessageHeader(key: InProcessMessageBus.priorityHeader, string: "\(priority)")])
            )
        }
        let probe = BusProbe<String>()
        let subscription = try await bus.subscribe(topic: topic, group: "g", options: earliest()) { probe.record($0.busText) }
        #expect(await probe.wait(for: 4) == ["0", "1", "2", "3"])
        await subscription.cancel()
        await bus.close()
    }

    @Test func rejectPublishPushesBackUntilTheConsumersCatchUp() async throws {
        let topic = busTopic()
        let configuration = InProcessBusConfiguration(
            topics: [topic: InProcessTopicConfiguration(retention: .init(maxMessages: 3, overflow: .rejectPublish))]
        )
        let bus = try makeBus(configuration)
        let gate = BusGate()
        let handled = BusProbe<Int64>()
        let subscription = try await bus.subscribe(topic: topic, group: "g", options: earliest()) { message in
            try await gate.wait()
            handled.record(message.offset)
        }
        for index in 0..<3 {
            try await bus.publish(.busText(topic, "\(index)"))
        }
        #expect(busErrorCode { try bus.send(.busText(topic, "too many")) } == .resourceExhausted)
        #expect(try bus.endOffsets(topic: topic) == [3])
        gate.open()
        _ = await handled.wait(for: 3)
        await subscription.cancel()
        // Everything is committed now, so there is room again.
        let stored = try bus.send(.busText(topic, "fits"))
        #expect(stored.offset == 3)
        #expect(try bus.startOffsets(topic: topic) == [1])
        await bus.close()
    }

    @Test func dropOldestKeepsTheNewestAndALaggingGroupSkipsAhead() async throws {
        let metrics = TestMetrics()
        let topic = busTopic()
        let configuration = InProcessBusConfiguration(
            topics: [topic: InProcessTopicConfiguration(retention: .init(maxMessages: 3))]
        )
        let bus = try makeBus(configuration, metrics: metrics)
        // The group exists (committed at 0) but nobody is consuming.
        let idle = try await bus.subscribe(topic: topic, group: "g", options: earliest()) { _ in }
        await idle.cancel()
        for index in 0..<5 {
            try await bus.publish(.busText(topic, "\(index)"))
        }
        #expect(try bus.startOffsets(topic: topic) == [2])
        #expect(try bus.endOffsets(topic: topic) == [5])
        #expect(try bus.messages(topic: topic).map(\.busText) == ["2", "3", "4"])
        #expect(try bus.lag(topic: topic, group: "g") == 3)
        #expect(try metrics.expectCounter("whale_bus_messages_dropped", [("topic", topic)]).totalValue == 2)

        let probe = BusProbe<Int64>()
        let subscription = try await bus.subscribe(topic: topic, group: "g", options: earliest()) { probe.record($0.offset) }
        #expect(await probe.wait(for: 3) == [2, 3, 4])
        await subscription.cancel()
        #expect(try bus.committedOffsets(topic: topic, group: "g") == [5])
        await bus.close()
    }

    @Test func aByteBoundDropsByBytes() async throws {
        let topic = busTopic()
        let configuration = InProcessBusConfiguration(
            topics: [topic: InProcessTopicConfiguration(retention: .init(maxMessages: nil, maxBytes: 10))]
        )
        let bus = try makeBus(configuration)
        try await bus.publish(.busText(topic, "aaaa"))
        try await bus.publish(.busText(topic, "bbbb"))
        try await bus.publish(.busText(topic, "cccc"))
        #expect(try bus.messages(topic: topic).map(\.busText) == ["bbbb", "cccc"])
        #expect(busErrorCode { try bus.send(.busText(topic, "eleven-byte")) } == .invalidInput)
        await bus.close()
    }
}
