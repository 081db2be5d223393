import CoreProtocols
import CoreTestKit
import Logging
import Messaging
import MetricsTestKit
import ServiceLifecycle
import Synchronization
import Testing

/// Consumer-group subscriptions against the live broker that `make test`
/// starts (`WHALE_KAFKA_BROKERS`); fail, never skip, when it is not there.
///
/// Every test uses its own topics and groups. A group join takes about half
/// the session timeout on Tansu (3 s with the 6 s these tests use), so each
/// test joins as few times as its claim needs and waits for events, never
/// for a fixed time.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct KafkaConsumerIntegrationTests {
    let broker: ConsumerTestBroker

    init() throws {
        broker = try ConsumerTestBroker()
    }

    @Test func deliversEveryMessageOnceInPartitionOrderAndStopsWithTheServiceGroup() async throws {
        let topic = ConsumerTestBroker.uniqueName("order")
        let group = ConsumerTestBroker.uniqueName("order-group")
        try await broker.createTopic(topic, partitions: 1)
        try await broker.produce(20, to: topic)

        let metrics = TestMetrics()
        let subscriber = try KafkaSubscriber(
            configuration: broker.configuration,
            options: ConsumerTestBroker.options { $0.statisticsInterval = .milliseconds(200) },
            metricsFactory: metrics
        )
        let log = DeliveryLog()
        let subscription = try await subscriber.subscribe(topic: topic, group: group) { log.record($0) }
        try await log.wait("20 messages") { $0.count >= 20 }

        #expect(log.offsets() == Array(0..<20))
        #expect(log.messages.map(\.utf8Text) == (0..<20).map { "message-\($0)" })
        #expect(log.messages.allSatisfy { $0.topic == topic && $0.key == Array("key-0".utf8) && $0.timestamp != nil })
        #expect(log.messages.map { $0.headerText("index") } == (0..<20).map { String($0) })

        let kafkaSubscription = try #require(subscription as? KafkaSubscription)
        let committed = try await broker.waitForCommittedOffset(kafkaSubscription) { $0 == 20 }
        #expect(committed == 20)
        let statistics = kafkaSubscription.statistics
        #expect(statistics.handled == 20)
        #expect(statistics.failedAttempts == 0)
        #expect(statistics.assignedPartitions == [0])
        let dimensions = [("topic", topic), ("group", group)]
        let handled = try metrics.expectCounter("whale_kafka_consumer_messages", dimensions + [("outcome", "handled")])
        #expect(handled.totalValue == 20)

        // librdkafka's statistics arrive every 200 ms; the lag gauge follows.
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(30))
        var lag: Int64?
        while lag != 0 && clock.now < deadline {
            let gauge = try? metrics.expectGauge("whale_kafka_consumer_lag", dimensions + [("partition", "0")])
            lag = gauge?.lastValue.map { Int64($0) }
            if lag != 0 { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(lag == 0, "consumer lag gauge after consuming everything")

        // As a Service: graceful shutdown cancels the subscription.
        let serviceGroup = ServiceGroup(services: [subscriber], logger: Logger(label: "test.kafka.consumer"))
        await serviceGroup.triggerGracefulShutdown()
        try await serviceGroup.run()
        #expect(!kafkaSubscription.isActive)
        #expect(kafkaSubscription.failure == nil)
        #expect(subscriber.subscriptions.isEmpty)
        await #expect(throws: WhaleError.self) {
            _ = try await subscriber.subscribe(topic: topic, group: group) { _ in }
        }
    }

    @Test func aFailedMessageIsHandledAgainAndNotCommittedUntilItSucceeds() async throws {
        let topic = ConsumerTestBroker.uniqueName("again")
        let group = ConsumerTestBroker.uniqueName("again-group")
        try await broker.createTopic(topic, partitions: 1)
        try await broker.produce(10, to: topic)
        let subscriber = try KafkaSubscriber(configuration: broker.configuration)
        let options = ConsumerTestBroker.options { $0.deadLetterTopic = .disabled }

        // Offset 2 fails on its first delivery only; offset 5 fails until the
        // subscription is cancelled.
        let log = DeliveryLog()
        let failedOnce = Mutex(false)
        let first = try await subscriber.subscribe(topic: topic, group: group, options: options) { message in
            log.record(message)
            if message.offset == 2 && failedOnce.locked({ failed in defer { failed = true }; return !failed }) {
                throw WhaleError(.unavailable, "first delivery of offset 2 fails")
            }
            if message.offset == 5 { throw WhaleError(.unavailable, "offset 5 keeps failing") }
        }
        try await log.wait("offset 5 tried three times") { messages in messages.filter { $0.offset == 5 }.count >= 3 }
        let committed = try await broker.waitForCommittedOffset(first) { $0 == 5 }
        #expect(committed == 5, "offsets 0…4 are committed, 5 is not")
        let offsets = log.offsets()
        #expect(Array(offsets.prefix(7)) == [0, 1, 2, 2, 3, 4, 5], "the retry of 2 comes before 3")
        #expect(!offsets.contains(6), "nothing after the failing message is handed out")
        #expect(first.statistics.failedAttempts >= 3)
        await first.cancel()

        // A new member of the group starts at the message that never succeeded.
        let again = DeliveryLog()
        let second = try await subscriber.subscribe(topic: topic, group: group, options: options) { again.record($0) }
        try await again.wait("offsets 5…9 again") { $0.count >= 5 }
        #expect(again.offsets() == [5, 6, 7, 8, 9])
        #expect(try await broker.waitForCommittedOffset(second) { $0 == 10 } == 10)
        await subscriber.shutdown()
    }

    @Test func deadLettersAMessageAfterMaxAttemptsWithTheReasonInHeaders() async throws {
        let topic = ConsumerTestBroker.uniqueName("dlq")
        let group = ConsumerTestBroker.uniqueName("dlq-group")
        try await broker.createTopic(topic, partitions: 1)
        try await broker.createTopic(topic + ".dlq", partitions: 1)
        try await broker.produce(3, to: topic)

        let metrics = TestMetrics()
        let subscriber = try KafkaSubscriber(
            configuration: broker.configuration,
            options: ConsumerTestBroker.options { $0.maxAttempts = 3 },
            metricsFactory: metrics
        )
        let log = DeliveryLog()
        let options = subscriber.defaultOptions
        let subscription = try await subscriber.subscribe(topic: topic, group: group, options: options) { message in
            log.record(message)
            if message.offset == 1 { throw WhaleError(.malformedData, "payload is not a DataRequest") }
        }
        #expect(subscription.deadLetterTopic == topic + ".dlq")
        try await log.wait("offset 2 after the dead letter") { $0.contains { $0.offset == 2 } }
        #expect(log.offsets() == [0, 1, 1, 1, 2])
        #expect(try await broker.waitForCommittedOffset(subscription) { $0 == 3 } == 3)
        let statistics = subscription.statistics
        #expect(statistics.deadLettered == 1)
        #expect(statistics.failedAttempts == 3)
        #expect(statistics.handled == 2)
        let dimensions = [("topic", topic), ("group", group)]
        let label = "whale_kafka_consumer_messages"
        #expect(try metrics.expectCounter(label, dimensions + [("outcome", "dead_lettered")]).totalValue == 1)
        #expect(try metrics.expectCounter(label, dimensions + [("outcome", "failed_attempt")]).totalValue == 3)
        await subscriber.shutdown()

        let reader = try KafkaPartitionReader(
            configuration: broker.configuration,
            topic: topic + ".dlq",
            partition: 0,
            offset: KafkaPartitionReader.beginning
        )
        let letters = try await reader.read(count: 1, timeout: .seconds(30))
        await reader.close()
        let letter = try #require(letters.first)
        #expect(letter.utf8Text == "message-1")
        #expect(letter.key == Array("key-0".utf8))
        #expect(letter.headerText("index") == "1", "the original headers come first")
        #expect(letter.headerText(DeadLetterHeaders.error)?.contains("payload is not a DataRequest") == true)
        #expect(letter.headerText(DeadLetterHeaders.attempts) == "3")
        #expect(letter.headerText(DeadLetterHeaders.originalTopic) == topic)
        #expect(letter.headerText(DeadLetterHeaders.originalPartition) == "0")
        #expect(letter.headerText(DeadLetterHeaders.originalOffset) == "1")
        #expect(letter.headerText(DeadLetterHeaders.group) == group)
    }

    @Test func cancelCommitsAndTheNextMemberContinuesAfterTheLastHandledMessage() async throws {
        let topic = ConsumerTestBroker.uniqueName("cancel")
        let group = ConsumerTestBroker.uniqueName("cancel-group")
        try await broker.createTopic(topic, partitions: 1)
        try await broker.produce(10, to: topic)
        let subscriber = try KafkaSubscriber(configuration: broker.configuration)
        // No periodic commit: only cancel's own commit can store progress.
        let options = ConsumerTestBroker.options {
            $0.commitInterval = .seconds(3600)
            $0.drainTimeout = .milliseconds(500)
        }

        let log = DeliveryLog()
        let first = try await subscriber.subscribe(topic: topic, group: group, options: options) { message in
            log.record(message)
            // Offset 6 hangs until cancel gives up on it and cancels its task.
            if message.offset == 6 { try await Task.sleep(for: .seconds(3600)) }
        }
        try await log.wait("offset 6 handed out") { $0.contains { $0.offset == 6 } }
        #expect(try await first.committedOffsets()[0] == nil, "nothing committed before cancel")
        await first.cancel()
        #expect(!first.isActive)
        #expect(first.statistics.handled == 6)

        let again = DeliveryLog()
        let second = try await subscriber.subscribe(topic: topic, group: group, options: options) { again.record($0) }
        try await again.wait("offsets 6…9") { $0.count >= 4 }
        #expect(again.offsets() == [6, 7, 8, 9])
        await second.cancel()
        await subscriber.shutdown()
    }

    @Test func neverRunsMoreThanMaxInFlightHandlersAtOnce() async throws {
        let topic = ConsumerTestBroker.uniqueName("inflight")
        try await broker.createTopic(topic, partitions: 4)
        try await broker.produce(40, to: topic, keys: 16)
        let subscriber = try KafkaSubscriber(configuration: broker.configuration)

        // Partition order kept: up to 3 at once, one per partition.
        let ordered = ConcurrencyGauge()
        let orderedLog = DeliveryLog()
        let first = try await subscriber.subscribe(
            topic: topic,
            group: ConsumerTestBroker.uniqueName("inflight-ordered"),
            options: ConsumerTestBroker.options { $0.maxInFlight = 3 }
        ) { message in
            ordered.enter(message.partition)
            try await Task.sleep(for: .milliseconds(5))
            ordered.leave(message.partition)
            orderedLog.record(message)
        }
        try await orderedLog.wait("40 messages") { $0.count >= 40 }
        await first.cancel()
        #expect(ordered.maximum <= 3)
        #expect(ordered.maximumPerPartition == 1)
        let partitions = Set(orderedLog.messages.map(\.partition))
        #expect(partitions.count > 1, "16 keys spread over the 4 partitions")
        for partition in partitions {
            let offsets = orderedLog.offsets(partition: partition)
            #expect(offsets == offsets.sorted() && Set(offsets).count == offsets.count, "partition \(partition) in order")
        }

        // Order not kept: up to 4 at once, also within one partition.
        let unordered = ConcurrencyGauge()
        let unorderedLog = DeliveryLog()
        let second = try await subscriber.subscribe(
            topic: topic,
            group: ConsumerTestBroker.uniqueName("inflight-unordered"),
            options: ConsumerTestBroker.options {
                $0.maxInFlight = 4
                $0.preservesPartitionOrder = false
            }
        ) { message in
            unordered.enter(message.partition)
            try await Task.sleep(for: .milliseconds(5))
            unordered.leave(message.partition)
            unorderedLog.record(message)
        }
        try await unorderedLog.wait("40 messages") { $0.count >= 40 }
        await second.cancel()
        #expect(unordered.maximum <= 4)
        #expect(Set(unorderedLog.messages.map { "\($0.partition)/\($0.offset)" }).count == 40)
        await subscriber.shutdown()
    }

    @Test func aSlowHandlerWithASmallBufferPausesFetchingAndLosesNothing() async throws {
        let topic = ConsumerTestBroker.uniqueName("pressure")
        let group = ConsumerTestBroker.uniqueName("pressure-group")
        try await broker.createTopic(topic, partitions: 1)
        try await broker.produce(300, to: topic)
        // Each resume waits for the fetch that was in flight at the end of the
        // log (fetch.wait.max.ms, 500 ms by default) before data flows again.
        var configuration = broker.configuration
        configuration.properties["fetch.wait.max.ms"] = "50"
        let subscriber = try KafkaSubscriber(configuration: configuration)
        let capacity = 10
        let subscriptionBox = Mutex<KafkaSubscription?>(nil)
        let largestBuffer = Mutex(0)
        let log = DeliveryLog()
        let subscription = try await subscriber.subscribe(
            topic: topic,
            group: group,
            options: ConsumerTestBroker.options {
                $0.bufferCapacity = capacity
                $0.pauseAfter = .zero  // pause as soon as the buffer is full
            }
        ) { message in
            if let buffered = subscriptionBox.locked({ $0 })?.statistics.buffered {
                largestBuffer.locked { $0 = max($0, buffered) }
            }
            try await Task.sleep(for: .milliseconds(2))
            log.record(message)
        }
        subscriptionBox.locked { $0 = subscription }
        try await log.wait("300 messages") { $0.count >= 300 }
        #expect(log.offsets() == Array(0..<300), "every message once, in order")
        let statistics = subscription.statistics
        #expect(statistics.pauses >= 1)
        #expect(statistics.resumes >= 1)
        #expect(largestBuffer.locked { $0 } <= capacity)
        #expect(try await broker.waitForCommittedOffset(subscription) { $0 == 300 } == 300)
        await subscriber.shutdown()
    }

    @Test(arguments: [KafkaSubscriptionOptions.PartitionAssignment.rangeOrRoundRobin, .cooperativeSticky])
    func aSecondMemberTakesOverPartitionsWithoutLosingMessages(
        assignment: KafkaSubscriptionOptions.PartitionAssignment
    ) async throws {
        let topic = ConsumerTestBroker.uniqueName("rebalance")
        let group = ConsumerTestBroker.uniqueName("rebalance-group")
        try await broker.createTopic(topic, partitions: 2)
        let subscriber = try KafkaSubscriber(configuration: broker.configuration)
        let options = ConsumerTestBroker.options { $0.partitionAssignment = assignment }

        let everything = DeliveryLog()
        let logA = DeliveryLog()
        let memberA = try await subscriber.subscribe(topic: topic, group: group, options: options) { message in
            logA.record(message)
            everything.record(message)
        }
        try await memberA.waitForAssignment(timeout: .seconds(120))
        try await broker.produce(20, to: topic, keys: 20)
        try await logA.wait("the first 20") { $0.count >= 20 }
        #expect(memberA.statistics.assignedPartitions == [0, 1])

        let logB = DeliveryLog()
        let memberB = try await subscriber.subscribe(topic: topic, group: group, options: options) { message in
            logB.record(message)
            everything.record(message)
        }
        try await memberB.waitForAssignment(timeout: .seconds(120))
        try await broker.produce(20, to: topic, keys: 20, first: 20)

        let second = Set((20..<40).map { "message-\($0)" })
        try await everything.wait("the second 20") { Set($0.map(\.utf8Text)).isSuperset(of: second) }
        let arrived = Set(everything.messages.map(\.utf8Text))
        #expect(arrived == Set((0..<40).map { "message-\($0)" }), "every message arrived at least once")
        #expect(!logB.messages.isEmpty, "member B handled its partition")
        #expect(memberA.statistics.revocations >= 1)
        #expect(memberA.statistics.assignedPartitions.count == 1)
        #expect(memberB.statistics.assignedPartitions.count == 1)
        await subscriber.shutdown()
    }
}
