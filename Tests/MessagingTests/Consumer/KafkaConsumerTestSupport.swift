import CWhaleKafka
import CoreProtocols
import CoreTestKit
import Dispatch
import Foundation
import Messaging
import Synchronization
import Testing

/// The live broker of the consumer integration suites, and helpers to set
/// up their topics.
struct ConsumerTestBroker {
    let configuration: KafkaConfiguration
    let brokers: String

    /// Reads `WHALE_KAFKA_BROKERS`; throws (the test fails) when it is unset
    /// or nothing answers there.
    init() throws {
        brokers = try TestServices.require(.kafka).value
        configuration = try KafkaConfiguration(brokers: brokers)
    }

    /// A topic or group name no other test uses.
    static func uniqueName(_ purpose: String) -> String {
        "whale.test.consumer.\(purpose).\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Options that join quickly on Tansu (a join takes about half the session
    /// timeout there) and retry without long waits.
    static func options(_ adjust: (inout KafkaSubscriptionOptions) -> Void = { _ in }) -> KafkaSubscriptionOptions {
        var options = KafkaSubscriptionOptions(
            retryBackoff: .milliseconds(10),
            maxRetryBackoff: .milliseconds(50),
            sessionTimeout: .seconds(6),
            commitInterval: .milliseconds(100)
        )
        adjust(&options)
        return options
    }

    /// Creates `name` with `partitions` partitions through librdkafka's admin
    /// API (the broker would auto-create it with its default of 4).
    func createTopic(_ name: String, partitions: Int32) async throws {
        let brokers = self.brokers
        try await DispatchQueue.global().runBlocking {
            try TestTopicAdmin.create(name, partitions: partitions, brokers: brokers)
        }
    }

    /// Produces `count` messages `message-<i>` (keys `key-<i % keys>`, one
    /// header) and waits for every acknowledgement.
    func produce(_ count: Int, to topic: String, keys: Int = 1, first: Int = 0) async throws {
        let producer = try KafkaProducer(configuration: configuration)
        for index in first..<(first + count) {
            _ = try await producer.send(
                OutboundMessage(
                    topic: topic,
                    key: Array("key-\(index % keys)".utf8),
                    value: Array("message-\(index)".utf8),
                    headers: [MessageHeader(key: "index", string: String(index))]
                )
            )
        }
        await producer.close()
    }

    /// The group's committed offset of `partition`, waiting until `predicate`
    /// holds for it (or failing after `timeout`).
    func waitForCommittedOffset(
        _ subscription: KafkaSubscription,
        partition: Int32 = 0,
        timeout: Duration = .seconds(30),
        until predicate: (Int64?) -> Bool
    ) async throws -> Int64? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let offset = try await subscription.committedOffsets()[partition]
            if predicate(offset) { return offset }
            if clock.now >= deadline {
                Issue.record("the committed offset of partition \(partition) stayed \(String(describing: offset))")
                return offset
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// What a test handler received, with waits on it.
final class DeliveryLog: Sendable {
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var messages: [InboundMessage] = []
        var waiters: [Int: Waiter] = [:]
        var expired: Set<Int> = []
        var nextWaiter = 0
    }

    private struct Waiter {
        let predicate: @Sendable ([InboundMessage]) -> Bool
        let continuation: UnsafeContinuation<Bool, Never>
    }

    /// Every message recorded, in the order of recording.
    var messages: [InboundMessage] { state.locked { $0.messages } }

    /// The recorded offsets of `partition`, in the order of recording.
    func offsets(partition: Int32 = 0) -> [Int64] {
        messages.filter { $0.partition == partition }.map(\.offset)
    }

    func record(_ message: InboundMessage) {
        state.locked { state in
            state.messages.append(message)
            for (id, waiter) in state.waiters where waiter.predicate(state.messages) {
                waiter.continuation.resume(returning: true)
                state.waiters[id] = nil
            }
        }
    }

    /// Returns once `predicate` holds for the recorded messages; records an
    /// issue and throws after `timeout`.
    func wait(
        timeout: Duration = .seconds(90),
        _ what: String,
        until predicate: @escaping @Sendable ([InboundMessage]) -> Bool
    ) async throws {
        let id = state.locked { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        let timer = Task { [self] in
            try? await Task.sleep(for: timeout)
            expire(id)
        }
        let met = await withUnsafeContinuation { (continuation: UnsafeContinuation<Bool, Never>) in
            state.locked { state in
                if predicate(state.messages) {
                    continuation.resume(returning: true)
                } else if state.expired.contains(id) {
                    continuation.resume(returning: false)
                } else {
                    state.waiters[id] = Waiter(predicate: predicate, continuation: continuation)
                }
            }
        }
        timer.cancel()
        let count = state.locked { $0.messages.count }
        if !met {
            throw WhaleError(.timeout, "waited \(timeout) for \(what); \(count) message(s) arrived")
        }
    }

    private func expire(_ id: Int) {
        state.locked { state in
            state.expired.insert(id)
            state.waiters.removeValue(forKey: id)?.continuation.resume(returning: false)
        }
    }
}

/// Counts handler calls running at once, overall and per partition.
final class ConcurrencyGauge: Sendable {
    private let state = Mutex(State())

    private struct State {
        var running = 0
        var maximum = 0
        var runningPerPartition: [Int32: Int] = [:]
        var maximumPerPartition = 0
    }

    var maximum: Int { state.locked { $0.maximum } }
    var maximumPerPartition: Int { state.locked { $0.maximumPerPartition } }

    func enter(_ partition: Int32) {
        state.locked { state in
            state.running += 1
            state.maximum = max(state.maximum, state.running)
            let inPartition = state.runningPerPartition[partition, default: 0] + 1
            state.runningPerPartition[partition] = inPartition
            state.maximumPerPartition = max(state.maximumPerPartition, inPartition)
        }
    }

    func leave(_ partition: Int32) {
        state.locked { state in
            state.running -= 1
            state.runningPerPartition[partition, default: 1] -= 1
        }
    }
}

extension InboundMessage {
    /// The value as text.
    var utf8Text: String { String(decoding: value, as: UTF8.self) }

    /// The first header named `key`, as text.
    func headerText(_ key: String) -> String? {
        headers.first { $0.key == key }?.value.map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Creates topics through librdkafka's admin API (CreateTopics), blocking.
private enum TestTopicAdmin {
    static func create(_ name: String, partitions: Int32, brokers: String) throws {
        var errorText = [CChar](repeating: 0, count: 512)
        guard let conf = rd_kafka_conf_new() else { throw WhaleError(.resourceExhausted, "no configuration") }
        guard rd_kafka_conf_set(conf, "bootstrap.servers", brokers, &errorText, errorText.count) == RD_KAFKA_CONF_OK,
            let client = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count)
        else {
            rd_kafka_conf_destroy(conf)
            throw WhaleError(.invalidConfiguration, "admin client: \(text(errorText))")
        }
        defer { rd_kafka_destroy(client) }
        guard let queue = rd_kafka_queue_new(client) else { throw WhaleError(.resourceExhausted, "no queue") }
        defer { rd_kafka_queue_destroy(queue) }
        guard let topic = rd_kafka_NewTopic_new(name, partitions, 1, &errorText, errorText.count) else {
            throw WhaleError(.invalidInput, "new topic \(name): \(text(errorText))")
        }
        defer { rd_kafka_NewTopic_destroy(topic) }
        var topics: [OpaquePointer?] = [topic]
        rd_kafka_CreateTopics(client, &topics, 1, nil, queue)
        guard let event = rd_kafka_queue_poll(queue, 30_000) else {
            throw WhaleError(.timeout, "CreateTopics \(name) got no answer")
        }
        defer { rd_kafka_event_destroy(event) }
        if rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw WhaleError(.unavailable, "CreateTopics \(name): \(String(cString: rd_kafka_event_error_string(event)))")
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw WhaleError(.internalError, "CreateTopics \(name): not a CreateTopics result")
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count), count == 1 else {
            throw WhaleError(.internalError, "CreateTopics \(name): no topic result")
        }
        let status = rd_kafka_topic_result_error(results[0])
        guard status == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let detail = rd_kafka_topic_result_error_string(results[0]).map { String(cString: $0) } ?? ""
            throw WhaleError(.unavailable, "CreateTopics \(name): \(String(cString: rd_kafka_err2str(status))) \(detail)")
        }
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
