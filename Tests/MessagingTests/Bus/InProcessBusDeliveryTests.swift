import CoreProtocols
import CoreTestKit
import Messaging
import MetricsTestKit
import Synchronization
import Testing

/// At-least-once delivery: retries, commit after success, dead letters.
@Suite(.timeLimit(.minutes(1)))
struct InProcessBusDeliveryTests {
    @Test func aFailedMessageIsRetriedAfterTheBackoffAndCommittedOnlyAfterSuccess() async throws {
        let clock = ManualClock()
        let metrics = TestMetrics()
        let bus = try makeBus(clock: clock, metrics: metrics)
        let topic = busTopic()
        let attempts = BusProbe<Int64>()
        let calls = Atomic<Int>(0)
        var options = earliest(retryBackoff: .milliseconds(100))
        options.maxRetryBackoff = .seconds(1)
        let subscription = try await bus.subscribe(topic: topic, group: "g", options: options) { message in
            attempts.record(message.offset)
            if calls.add(1, ordering: .relaxed).newValue == 1 { throw BusTestFailure(text: "first try fails") }
        }
        try await bus.publish(.busText(topic, "once"))
        _ = await attempts.wait(for: 1)
        // The retry waits on the bus's clock; nothing is committed meanwhile.
        await clock.waitForSleepers(count: 1)
        #expect(try bus.committedOffsets(topic: topic, group: "g") == [0])
        #expect(attempts.items == [0])
        clock.advance(by: .milliseconds(100))
        #expect(await attempts.wait(for: 2) == [0, 0])
        await subscription.cancel()
        #expect(try bus.committedOffsets(topic: topic, group: "g") == [1])
        let dimensions = [("topic", topic), ("group", "g")]
        #expect(try metrics.expectCounter("whale_bus_handler_failures", dimensions).totalValue == 1)
        #expect(try metrics.expectCounter("whale_bus_messages_delivered", dimensions).totalValue == 1)
        #expect(try bus.endOffsets(topic: topic) == [1])
        #expect(!bus.topicNames().contains(DeadLetterHeaders.topic(for: topic)))
        await bus.close()
    }

    @Test func theBackoffDoublesUpToItsLimit() async throws {
        let clock = ManualClock()
        let bus = try makeBus(clock: clock)
        let topic = busTopic()
        let attempts = BusProbe<Int>()
        let calls = Atomic<Int>(0)
        var options = earliest(maxAttempts: 4, retryBackoff: .milliseconds(100))
        options.maxRetryBackoff = .milliseconds(150)
        let subscription = try await bus.subscribe(topic: topic, group: "g", options: options) { _ in
            let call = calls.add(1, ordering: .relaxed).newValue
            attempts.record(call)
            if call < 4 { throw BusTestFailure(text: "attempt \(call)") }
        }
        let start = clock.now
        try await bus.publish(.busText(topic, "x"))
        var waits: [Duration] = []
        for call in 1...3 {
            _ = await attempts.wait(for: call)
            await clock.waitForSleepers(count: 1)
            let before = clock.now
            // Step 1 ms at a time so the wait is measured, not assumed.
            while attempts.items.count == call {
                clock.advance(by: .milliseconds(1))
                if clock.sleeperCount == 0 { break }
            }
            waits.append(before.duration(to: clock.now))
        }
        _ = await attempts.wait(for: 4)
        #expect(waits == [.milliseconds(100), .milliseconds(150), .milliseconds(150)])
        #expect(start.duration(to: clock.now) == .milliseconds(400))
        await subscription.cancel()
        await bus.close()
    }

    @Test func afterTheLastAttemptTheMessageGoesToTheDeadLetterTopicWithHeaders() async throws {
        let metrics = TestMetrics()
        let bus = try makeBus(metrics: metrics)
        let topic = busTopic()
        let deadLetterTopic = DeadLetterHeaders.topic(for: topic)
        #expect(deadLetterTopic == topic + ".dlq")
        let calls = Atomic<Int>(0)
        let handled = BusProbe<String>()
        let subscription = try await bus.subscribe(topic: topic, group: "workers", options: earliest(maxAttempts: 3)) { message in
            if message.busText == "poison" {
                calls.add(1, ordering: .relaxed)
                throw BusTestFailure(text: "cannot handle poison")
            }
            handled.record(message.busText)
        }
        let deadLetters = BusProbe<InboundMessage>()
        let watcher = try await bus.subscribe(topic: deadLetterTopic, group: "dlq-watch", options: earliest()) {
            deadLetters.record($0)
        }
        try await bus.publish(.busText(topic, "poison", key: "k1", headers: [MessageHeader(key: "trace", string: "t-1")]))
        try await bus.publish(.busText(topic, "fine"))

        let letter = try #require(await deadLetters.wait(for: 1).first)
        #expect(letter.busText == "poison")
        #expect(letter.key == Array("k1".utf8))
        #expect(letter.busHeader("trace") == "t-1")
        #expect(letter.busHeader(DeadLetterHeaders.error) == "cannot handle poison")
        #expect(letter.busHeader(DeadLetterHeaders.attempts) == "3")
        #expect(letter.busHeader(DeadLetterHeaders.originalTopic) == topic)
        #expect(letter.busHeader(DeadLetterHeaders.originalPartition) == "0")
        #expect(letter.busHeader(DeadLetterHeaders.originalOffset) == "0")
        #expect(letter.busHeader(DeadLetterHeaders.group) == "workers")
        #expect(letter.partition == 0)

        // The group goes on after the dead letter, and both offsets are committed.
        #expect(await handled.wait(for: 1) == ["fine"])
        await subscription.cancel()
        await watcher.cancel()
        let callsValue = calls.load(ordering: .relaxed)
        #expect(callsValue == 3)
        #expect(try bus.committedOffsets(topic: topic, group: "workers") == [2])
        let dimensions = [("topic", topic), ("group", "workers")]
        #expect(try metrics.expectCounter("whale_bus_handler_failures", dimensions).totalValue == 3)
        #expect(try metrics.expectCounter("whale_bus_messages_dead_lettered", dimensions).totalValue == 1)
        #expect(try metrics.expectCounter("whale_bus_messages_published", [("topic", deadLetterTopic)]).totalValue == 1)
        await bus.close()
    }

    @Test func withDeadLettersOffTheMessageIsSkipped() async throws {
        let metrics = TestMetrics()
        let bus = try makeBus(metrics: metrics)
        let topic = busTopic()
        let handled = BusProbe<String>()
        let options = earliest(maxAttempts: 2, deadLetters: false)
        let subscription = try await bus.subscribe(topic: topic, group: "g", options: options) { message in
            if message.busText == "bad" { throw BusTestFailure(text: "bad") }
            handled.record(message.busText)
        }
        try await bus.publish(.busText(topic, "bad"))
        try await bus.publish(.busText(topic, "good"))
        #expect(await handled.wait(for: 1) == ["good"])
        await subscription.cancel()
        #expect(try bus.committedOffsets(topic: topic, group: "g") == [2])
        #expect(!bus.topicNames().contains(DeadLetterHeaders.topic(for: topic)))
        #expect(
            try metrics.expectCounter("whale_bus_messages_discarded", [("topic", topic), ("group", "g")]).totalValue == 1
        )
        await bus.close()
    }

    @Test func aMessageWaitingForItsRetryIsRedeliveredToTheNextMemberAfterCancel() async throws {
        let clock = ManualClock()
        let bus = try makeBus(clock: clock)
        let topic = busTopic()
        let first = BusProbe<Int64>()
        let subscription = try await bus.subscribe(
            topic: topic,
            group: "g",
            options: earliest(retryBackoff: .seconds(30))
        ) { message in
            first.record(message.offset)
            throw BusTestFailure(text: "not now")
        }
        try await bus.publish(.busText(topic, "again"))
        _ = await first.wait(for: 1)
        await clock.waitForSleepers(count: 1)
        await subscription.cancel()
        #expect(try bus.committedOffsets(topic: topic, group: "g") == [0])
        #expect(first.items == [0])

        let second = BusProbe<String>()
        let next = try await bus.subscribe(topic: topic, group: "g", options: earliest()) { second.record($0.busText) }
        #expect(await second.wait(for: 1) == ["again"])
        await next.cancel()
        #expect(try bus.committedOffsets(topic: topic, group: "g") == [1])
        #expect(!bus.topicNames().contains(DeadLetterHeaders.topic(for: topic)))
        await bus.close()
    }

    @Test func withExpiryEnforcedAnExpiredRequestIsDeadLetteredInsteadOfHandled() async throws {
        let clock = ManualClock()
        let bus = try makeBus(clock: clock)
        let topic = busTopic()
        let now = MessageTimestamp(clock.now)
        let requests = [
            DataRequest.create(modelID: "m1", ttl: 10, requestID: "req-expired", timestamp: now),
            DataRequest.create(modelID: "m1", ttl: 3_600, requestID: "req-fresh", timestamp: now),
            DataRequest.create(modelID: "m1", requestID: "req-no-ttl", timestamp: now),
        ]
        for request in requests {
            try await bus.publish(OutboundMessage(topic: topic, value: request.toJSONBytes()))
        }
        try await bus.publish(.busText(topic, "not json"))
        clock.advance(by: .seconds(11))

        let handled = BusProbe<Int64>()
        var options = earliest()
        options.enforceExpiry = true
        let subscription = try await bus.subscribe(topic: topic, group: "g", options: options) { handled.record($0.offset) }
        let deadLetters = BusProbe<InboundMessage>()
        let watcher = try await bus.subscribe(
            topic: DeadLetterHeaders.topic(for: topic),
            group: "watch",
            options: earliest()
        ) { deadLetters.record($0) }
        #expect(await handled.wait(for: 3) == [1, 2, 3])
        let letter = try #require(await deadLetters.wait(for: 1).first)
        let reason = letter.busHeader(DeadLetterHeaders.error) ?? ""
        #expect(reason.contains("req-expired") && reason.contains("expired at"), "\(reason)")
        #expect(letter.busHeader(DeadLetterHeaders.attempts) == "0")
        #expect(letter.busHeader(DeadLetterHeaders.originalOffset) == "0")
        await subscription.cancel()
        await watcher.cancel()
        #expect(try bus.committedOffsets(topic: topic, group: "g") == [4])
        await bus.close()
    }
}
