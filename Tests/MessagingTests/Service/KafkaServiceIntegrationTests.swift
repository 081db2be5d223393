import CoreProtocols
import Foundation
import Messaging
import MetricsTestKit
import Testing

/// `KafkaService` against the live broker (`WHALE_KAFKA_BROKERS`). The request
/// server of ``ServiceFixture`` joins its group once for the whole suite.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct KafkaServiceIntegrationTests {
    // MARK: Sends

    @Test func sendMessageTakesDictionariesTextAndBytes() async throws {
        let broker = try ConsumerTestBroker()
        let service = try KafkaService(configuration: broker.configuration)
        let topic = ConsumerTestBroker.uniqueName("send")
        try await broker.createTopic(topic, partitions: 1)
        try await service.connect()
        #expect(service.isConnected)
        try await service.sendMessage(topic: topic, ["name": "Sara", "count": 2], key: "k1")
        try await service.sendMessage(topic: topic, .text("سلام"), headers: [MessageHeader(key: "lang", string: "fa")])
        let report = try await service.sendMessage(topic: topic, .bytes([0, 255, 7]))
        #expect(report.topic == topic && report.partition == 0 && report.offset == 2)
        let reader = try KafkaPartitionReader(configuration: broker.configuration, topic: topic, partition: 0, offset: KafkaPartitionReader.beginning)
        let messages = try await reader.read(count: 3, timeout: .seconds(10))
        await reader.close()
        try #require(messages.count == 3)
        #expect(try JSONValue(parsing: messages[0].value) == ["count": 2, "name": "Sara"])
        #expect(messages[0].key == Array("k1".utf8))
        #expect(String(decoding: messages[1].value, as: UTF8.self) == "سلام")
        #expect(messages[1].header("lang") == "fa")
        #expect(messages[2].value == [0, 255, 7])
        await service.disconnect()
        #expect(!service.isConnected)
    }

    @Test func sendBatchReportsEveryMessage() async throws {
        let broker = try ConsumerTestBroker()
        let service = try KafkaService(configuration: broker.configuration, maxMessageBytes: 1_000)
        let topic = ConsumerTestBroker.uniqueName("batch")
        try await broker.createTopic(topic, partitions: 2)
        let bodies = (0..<500).map { MessageBody.json(["i": .integer(Int64($0))]) }
        let result = await service.sendBatch(topic: topic, bodies) { "key-\($0 % 7)" }
        #expect(result.allSucceeded && result.succeededCount == 500 && result.results.count == 500)
        // One oversized message fails alone; the others are sent.
        let mixed = await service.sendBatch(topic: topic, [.text("ok"), .bytes(Array(repeating: 1, count: 2_000)), .text("ok too")])
        #expect(!mixed.allSucceeded && mixed.succeededCount == 2)
        #expect(mixed.failures.map(\.index) == [1] && mixed.failures.first?.error.code == .invalidInput)
        var total = 0
        for partition in Int32(0)..<2 {
            let reader = try KafkaPartitionReader(configuration: broker.configuration, topic: topic, partition: partition, offset: KafkaPartitionReader.beginning)
            total += try await reader.read(count: 502, timeout: .seconds(3)).count
            await reader.close()
        }
        #expect(total == 502)
        await service.disconnect()
    }

    @Test func badInputFailsBeforeAnythingIsSent() async throws {
        let broker = try ConsumerTestBroker()
        let service = try KafkaService(configuration: broker.configuration, maxMessageBytes: 64)
        let topic = ConsumerTestBroker.uniqueName("bad-send")
        await #expect(throws: WhaleError.self) { try await service.sendMessage(topic: "bad topic!", "x") }
        await #expect(throws: WhaleError.self) { try await service.sendMessage(topic: topic, .bytes(Array(repeating: 0, count: 65))) }
        var missing = DataRequest.create(modelID: "m1")
        missing.payload.modelID = ""
        missing.metadata.source = ""
        let error = await #expect(throws: WhaleError.self) { try await service.sendDataRequest(missing, topic: topic) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("payload.model_id") == true && error?.message.contains("metadata.source") == true)
        var unknown = DataRequest.create(modelID: "m1")
        unknown.payload.dataType = DataType(rawValue: "hologram")
        let enumError = await #expect(throws: WhaleError.self) { try await service.sendDataRequest(unknown, topic: topic) }
        #expect(enumError?.message.contains("payload.data_type: 'hologram'") == true)
        var badResponse = DataResponse.create(replyingTo: DataRequest.create(modelID: "m1"))
        badResponse.payload.status = MessageStatus(rawValue: "fine")
        await #expect(throws: WhaleError.self) { try await service.sendDataResponse(badResponse, topic: topic) }
        // Nothing reached the topic (it was never even created).
        #expect(try await service.topicExists(topic) == false)
        await service.disconnect()
    }

    @Test func aDeadBrokerFailsConnectWithATypedError() async throws {
        let service = try KafkaService(configuration: KafkaConfiguration(brokers: "127.0.0.1:1"))
        let error = await #expect(throws: WhaleError.self) { try await service.connect(timeout: .seconds(1)) }
        #expect(error?.code == .timeout || error?.code == .unavailable)
        #expect(await service.checkHealth(timeout: .milliseconds(500)).isHealthy == false)
        await service.disconnect()
    }

    // MARK: Topics

    @Test func topicAdministrationIsReal() async throws {
        let broker = try ConsumerTestBroker()
        let service = try KafkaService(configuration: broker.configuration)
        let topic = ConsumerTestBroker.uniqueName("admin")
        #expect(try await service.topicExists(topic) == false)
        #expect(try await service.topicInfo(topic) == nil)
        #expect(try await service.createTopic(topic, partitions: 3, replicationFactor: 3))
        #expect(try await service.createTopic(topic, partitions: 3, replicationFactor: 1) == false)
        let info = try #require(try await service.topicInfo(topic))
        #expect(info.partitionCount == 3 && info.replicationFactor == 1)
        #expect(try await service.listTopics().contains(topic))
        let manager = try service.topicManager()
        #expect(manager.topicName(forKey: "system_logs") == MessagingConstants.systemLogsTopic)
        #expect(try await service.deleteTopic(topic))
        #expect(try await service.topicExists(topic) == false)
        #expect(await service.checkHealth().isHealthy)
        await service.disconnect()
    }

    // MARK: Request / response

    @Test func requestGetsItsResponse() async throws {
        let fixture = try await ServiceFixture.get()
        let request = fixture.makeRequest(extra: ["query": "whales"])
        let response = try await fixture.service.request(request, on: fixture.requestTopic, timeout: .seconds(20))
        #expect(response.metadata.correlationID == request.metadata.requestID)
        #expect(response.payload.status == .success)
        #expect(response.payload.data["echo"]?["query"] == "whales")
        #expect(response.payload.data["model"]?.stringValue == fixture.modelID)
        #expect(fixture.handled.all.contains(request.metadata.requestID))
    }

    @Test func concurrentRequestsEachGetTheirOwnResponse() async throws {
        let fixture = try await ServiceFixture.get()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask {
                    let request = fixture.makeRequest(extra: ["index": .integer(Int64(index))])
                    let response = try await fixture.service.request(request, on: fixture.requestTopic, timeout: .seconds(30))
                    #expect(response.metadata.correlationID == request.metadata.requestID)
                    #expect(response.payload.data["echo"]?["index"]?.intValue == index)
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func anUnansweredRequestTimesOut() async throws {
        let fixture = try await ServiceFixture.get()
        // The server fails this one on every attempt, so no response comes.
        let request = fixture.makeRequest("fail")
        let clock = ContinuousClock()
        let started = clock.now
        let error = await #expect(throws: WhaleError.self) {
            try await fixture.service.request(request, on: fixture.requestTopic, timeout: .seconds(1))
        }
        #expect(error?.code == .timeout)
        #expect(clock.now - started < .seconds(5))
        // After its attempts it is dead-lettered with the handler's error.
        let letters = try await fixture.deadLetters { $0.contains { Self.requestID(of: $0) == request.metadata.requestID } }
        let letter = try #require(letters.first { Self.requestID(of: $0) == request.metadata.requestID })
        #expect(letter.header(DeadLetterHeaders.error)?.contains("the data source is down") == true)
        #expect(letter.header(DeadLetterHeaders.attempts) == "3")
    }

    @Test func expiredAndMalformedRequestsAreDeadLetteredAtOnce() async throws {
        let fixture = try await ServiceFixture.get()
        var expired = fixture.makeRequest()
        expired.metadata.expiresAt = MessageTimestamp(SystemClock().now.advanced(by: .seconds(-5)))
        try await fixture.service.sendDataRequest(expired, topic: fixture.requestTopic)
        let producer = try KafkaProducer(configuration: fixture.broker.configuration)
        let marker = UUID().uuidString
        let notJSON = Array("not json \(marker)".utf8)
        var missing = fixture.makeRequest().toDictionary()
        missing["payload"] = ["model_id": .string(fixture.modelID), "marker": .string(marker)]
        var wrongEnum = fixture.makeRequest().toDictionary()
        if case .object(var payload)? = wrongEnum["payload"] {
            payload["data_type"] = "hologram"
            payload["marker"] = .string(marker)
            wrongEnum["payload"] = .object(payload)
        }
        var oversized = fixture.makeRequest(extra: ["marker": .string(marker)])
        oversized.payload.parameters["padding"] = .string(String(repeating: "x", count: ServiceFixture.maxMessageBytes))
        for value in [notJSON, JSONValue.object(missing).encoded(), JSONValue.object(wrongEnum).encoded(), oversized.toJSONBytes()] {
            _ = try await producer.send(OutboundMessage(topic: fixture.requestTopic, value: value))
        }
        await producer.close()
        // The subscription keeps going: a valid request after them is answered.
        let after = fixture.makeRequest()
        let response = try await fixture.service.request(after, on: fixture.requestTopic, timeout: .seconds(20))
        #expect(response.metadata.correlationID == after.metadata.requestID)
        let letters = try await fixture.deadLetters { letters in
            letters.filter { String(decoding: $0.value, as: UTF8.self).contains(marker) }.count == 4
                && letters.contains { Self.requestID(of: $0) == expired.metadata.requestID }
        }
        let expiredLetter = try #require(letters.first { Self.requestID(of: $0) == expired.metadata.requestID })
        #expect(expiredLetter.header(DeadLetterHeaders.error)?.contains("expired") == true)
        #expect(expiredLetter.header(DeadLetterHeaders.attempts) == "0")
        #expect(!fixture.handled.all.contains(expired.metadata.requestID))
        let bad = letters.filter { String(decoding: $0.value, as: UTF8.self).contains(marker) }
        try #require(bad.count == 4)
        for letter in bad {
            // Rejected on the first attempt, with the reason.
            #expect(letter.header(DeadLetterHeaders.attempts) == "1")
            let reason = letter.header(DeadLetterHeaders.error) ?? ""
            #expect(reason.contains("not a valid data request") || reason.contains("oversized"), "\(reason)")
        }
        #expect(bad.contains { $0.header(DeadLetterHeaders.error)?.contains("oversized") == true && $0.value.count > ServiceFixture.maxMessageBytes })
        #expect(!fixture.handled.all.contains(oversized.metadata.requestID))
        #expect(bad.contains { $0.header(DeadLetterHeaders.error)?.contains("hologram") == true })
        #expect(bad.contains { $0.header(DeadLetterHeaders.error)?.contains("metadata") == true || $0.header(DeadLetterHeaders.error)?.contains("missing") == true })
    }

    @Test func aBacklogIsHandledMostUrgentFirst() async throws {
        let fixture = try await ServiceFixture.get()
        // Hold the server with one request, queue five behind it in the wrong
        // order, then let it go.
        let blocker = fixture.makeRequest("wait")
        try await fixture.service.sendDataRequest(blocker, topic: fixture.requestTopic)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(20))
        while fixture.gate.waiting == 0, clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try #require(fixture.gate.waiting == 1)
        let queued = [Priority.background, .low, .medium, .high, .critical].map { fixture.makeRequest(priority: $0) }
        for request in queued { try await fixture.service.sendDataRequest(request, topic: fixture.requestTopic) }
        while fixture.subscription.statistics.buffered < queued.count, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(fixture.subscription.statistics.buffered == queued.count)
        fixture.gate.open()
        let ids = Set(queued.map(\.metadata.requestID))
        while fixture.handled.all.filter(ids.contains).count < queued.count, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let order = fixture.handled.all.filter(ids.contains)
        #expect(order == queued.reversed().map(\.metadata.requestID))
    }

    // MARK: Subscriptions and lifecycle

    @Test func subscribeJSONDecodesAndUnsubscribeLeaves() async throws {
        let broker = try ConsumerTestBroker()
        let service = try KafkaService(configuration: broker.configuration, subscriptionOptions: ConsumerTestBroker.options())
        let topic = ConsumerTestBroker.uniqueName("json")
        try await broker.createTopic(topic, partitions: 1)
        try await broker.createTopic(DeadLetterHeaders.topic(for: topic), partitions: 1)
        let received = HandledLog()
        let subscription = try await service.subscribeJSON(topic: topic, group: topic + ".g") { object, _ in
            received.append(object["name"]?.stringValue ?? "?")
        }
        try await subscription.waitForAssignment()
        try await service.sendMessage(topic: topic, ["name": "a"])
        try await service.sendMessage(topic: topic, .text("not json"))
        try await service.sendMessage(topic: topic, ["name": "b"])
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(20))
        while received.all.count < 2 || subscription.statistics.deadLettered < 1, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(received.all == ["a", "b"])
        #expect(subscription.statistics.deadLettered == 1)
        #expect(await service.unsubscribe(topic: topic, group: topic + ".g") == 1)
        #expect(!subscription.isActive)
        #expect(await service.unsubscribe(topic: topic, group: topic + ".g") == 0)
        await service.disconnect()
    }

    @Test func producerStatisticsBecomeGauges() async throws {
        let broker = try ConsumerTestBroker()
        var configuration = broker.configuration
        configuration.statisticsInterval = .milliseconds(100)
        configuration.clientID = "stats-\(UUID().uuidString.prefix(6))"
        let metrics = TestMetrics()
        let producer = try KafkaProducer(configuration: configuration, metricsFactory: metrics)
        let topic = ConsumerTestBroker.uniqueName("stats")
        for index in 0..<5 { _ = try await producer.send(OutboundMessage(topic: topic, value: Array("m\(index)".utf8))) }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(10))
        let dimensions = [("client_id", configuration.clientID)]
        while (try? metrics.expectGauge("whale_kafka_producer_sent_messages", dimensions).lastValue) ?? 0 < 5, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try metrics.expectGauge("whale_kafka_producer_sent_messages", dimensions).lastValue ?? 0 >= 5)
        #expect(try metrics.expectGauge("whale_kafka_producer_queue_messages", dimensions).lastValue != nil)
        await producer.close()
    }

    /// The `metadata.request_id` of a message's JSON value, if any.
    static func requestID(of message: InboundMessage) -> String? {
        (try? JSONValue(parsing: message.value))?["metadata"]?["request_id"]?.stringValue
    }
}
