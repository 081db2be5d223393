internal import CWhaleKafka
import CoreProtocols
import Dispatch
import Foundation
import Logging
import Synchronization

/// Reads every partition of one response topic, without a consumer group,
/// and hands each ``DataResponse`` to the request waiting for its
/// `correlation_id`.
///
/// It starts at each partition's high watermark read when it starts, so a
/// response produced after ``start(timeout:)`` returned is never missed and
/// nothing older is read. It commits nothing and joins no group, so it is
/// ready at once (a group join takes seconds). One dedicated thread polls it.
final class ResponseListener: Sendable {
    let topic: String
    private let client: RDKafkaClient
    private let logger: Logger
    private let waiters = Mutex<[String: ResponseSlot]>([:])
    private let stopped = StopFlag()
    private let finished = DispatchSemaphore(value: 0)

    init(configuration: KafkaConfiguration, topic: String, logger: Logger) throws {
        let properties = configuration.librdkafkaProperties(defaults: [
            ("group.id", "smart-whale-responses"),
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            ("enable.partition.eof", "false"),
            ("fetch.wait.max.ms", "10"),
        ])
        self.client = try RDKafkaClient(kind: .consumer, properties: properties, logger: logger)
        rd_kafka_poll_set_consumer(client.handle)
        self.topic = topic
        self.logger = logger
    }

    /// Assigns every partition of the topic at its high watermark (blocking,
    /// up to `timeout`), then starts the polling thread.
    /// - Throws: `WhaleError` `.notFound` when the topic has no partitions
    ///   within `timeout`, `.timeout` / `.unavailable` from the cluster.
    func start(timeout: Duration) throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var partitions: [Int32] = []
        while partitions.isEmpty {
            let metadata = try client.metadata(timeout: max(.milliseconds(100), clock.now.duration(to: deadline)))
            partitions = metadata.topics.first { $0.name == topic }?.partitions.map(\.id) ?? []
            if partitions.isEmpty {
                guard clock.now < deadline else {
                    throw WhaleError(.notFound, "response topic '\(topic)' has no partitions")
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        guard let list = rd_kafka_topic_partition_list_new(Int32(partitions.count)) else {
            throw WhaleError(.resourceExhausted, "librdkafka: cannot allocate a partition list")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in partitions {
            var low: Int64 = 0
            var high: Int64 = 0
            let remaining = max(.milliseconds(100), clock.now.duration(to: deadline))
            let status = rd_kafka_query_watermark_offsets(
                client.handle, topic, partition, &low, &high, RDKafkaClient.milliseconds(remaining)
            )
            guard status == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw RDKafkaError.make(status, "reading the end of \(topic)[\(partition)]")
            }
            rd_kafka_topic_partition_list_add(list, topic, partition).pointee.offset = high
        }
        let status = rd_kafka_assign(client.handle, list)
        guard status == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw RDKafkaError.make(status, "assigning \(topic)")
        }
        let thread = Thread { [self] in
            pollUntilStopped()
        }
        thread.name = "smart-whale.kafka.responses"
        thread.start()
    }

    /// Registers a waiter for the response to `requestID`; register before
    /// the request is sent.
    func expect(_ requestID: String) -> ResponseSlot {
        let slot = ResponseSlot()
        waiters.locked { $0[requestID] = slot }
        return slot
    }

    /// Forgets the waiter for `requestID` (after it was answered or gave up).
    func forget(_ requestID: String) {
        _ = waiters.locked { $0.removeValue(forKey: requestID) }
    }

    /// Stops the thread, fails every waiter with `.cancelled` and closes the
    /// consumer. Idempotent.
    func stop() async {
        guard stopped.set() else { return }
        let slots = waiters.locked { waiters in
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        for slot in slots {
            slot.complete(.failure(WhaleError(.cancelled, "the Kafka service disconnected")))
        }
        let finished = self.finished
        _ = try? await DispatchQueue.global().runBlocking { finished.wait() }
    }

    private func pollUntilStopped() {
        while !stopped.isSet {
            guard let raw = rd_kafka_consumer_poll(client.handle, 100) else { continue }
            defer { rd_kafka_message_destroy(raw) }
            guard raw.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                let error = RDKafkaError.make(raw.pointee.err, "reading response topic '\(topic)'")
                logger.warning("response listener: \(error)")
                continue
            }
            deliver(InboundMessage(rdkafka: raw).value)
        }
        rd_kafka_consumer_close(client.handle)
        finished.signal()
    }

    /// Hands a response to its waiter; values that are not responses to a
    /// waiting request are skipped (other requesters share the topic).
    private func deliver(_ value: [UInt8]) {
        guard let parsed = try? JSONValue(parsing: value), let members = parsed.objectValue,
            let correlationID = members["metadata"]?["correlation_id"]?.stringValue,
            let slot = waiters.locked({ $0[correlationID] })
        else { return }
        do {
            slot.complete(.success(try DataResponse(dictionary: members)))
        } catch {
            slot.complete(.failure(WhaleError(.malformedData, "the response to request \(correlationID) is malformed", underlying: error)))
        }
    }
}

/// One request's wait for its response: completed once, by the listener or
/// by giving up.
final class ResponseSlot: Sendable {
    private enum State {
        case waiting(CheckedContinuation<DataResponse, any Error>?)
        case done(Result<DataResponse, WhaleError>)
    }

    private let state = Mutex(State.waiting(nil))

    /// Completes the slot; later calls do nothing.
    func complete(_ result: Result<DataResponse, WhaleError>) {
        let continuation = state.locked { state -> CheckedContinuation<DataResponse, any Error>? in
            guard case .waiting(let continuation) = state else { return nil }
            state = .done(result)
            return continuation
        }
        continuation?.resume(with: result.mapError { $0 })
    }

    /// Waits for the response, at most `timeout`.
    /// - Throws: `WhaleError` `.timeout` after `timeout`, `CancellationError`
    ///   when the task is cancelled, or the error the slot was completed with.
    func value(timeout: Duration, requestID: String) async throws -> DataResponse {
        try await withThrowingTaskGroup(of: DataResponse.self) { group in
            group.addTask { try await self.wait() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw WhaleError(.timeout, "no response to request \(requestID) within \(timeout)")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else {
                throw WhaleError(.internalError, "the response wait ended without a result")
            }
            return first
        }
    }

    private func wait() async throws -> DataResponse {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready = state.locked { state -> Result<DataResponse, WhaleError>? in
                    switch state {
                    case .done(let result): return result
                    case .waiting:
                        state = .waiting(continuation)
                        return nil
                    }
                }
                if let ready { continuation.resume(with: ready.mapError { $0 }) }
            }
        } onCancel: {
            complete(.failure(WhaleError(.cancelled, "the request was cancelled")))
        }
    }
}
