internal import CWhaleKafka
public import CoreMetrics
public import CoreProtocols
import Dispatch
import Foundation
public import Logging
import Synchronization

/// A Kafka producer over librdkafka that returns only when the broker has
/// acknowledged a message.
///
/// It is idempotent with `acks=all` by default. A dedicated thread serves
/// librdkafka's delivery reports, so no blocking call runs on Swift's
/// cooperative pool. ``close(timeout:)`` flushes what is in flight; messages
/// still unacknowledged then fail with `.cancelled` rather than hang.
///
/// ```swift
/// let producer = try KafkaProducer(configuration: KafkaConfiguration(brokers: "127.0.0.1:19092"))
/// let report = try await producer.send(OutboundMessage(topic: "smartwhale.core.logs", value: Array("hi".utf8)))
/// await producer.close()
/// ```
public final class KafkaProducer: MessagePublisher {
    /// The configuration it was created with.
    public let configuration: KafkaConfiguration
    private let client: RDKafkaClient
    private let poller: RDKafkaPoller

    /// Creates the producer and starts its delivery-report thread. It connects
    /// lazily: a wrong address fails the first send, not this call.
    /// - Parameters:
    ///   - logger: receives librdkafka's log lines. Default: `smart-whale.kafka`.
    ///   - metricsFactory: where librdkafka's statistics go as gauges when
    ///     ``KafkaConfiguration/statisticsInterval`` is set (see
    ///     ``KafkaProducerMetrics``). Default: the bootstrapped
    ///     `MetricsSystem.factory`.
    /// - Throws: ``CoreProtocols/WhaleError`` `.invalidConfiguration` for a property
    ///   librdkafka rejects.
    public init(
        configuration: KafkaConfiguration,
        logger: Logger = Logger(label: "smart-whale.kafka"),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws {
        self.configuration = configuration
        var defaults = [
            ("enable.idempotence", "true"),
            ("acks", "all"),
            ("message.timeout.ms", String(max(1, configuration.messageTimeout.whaleNanoseconds / 1_000_000))),
        ]
        var onStatistics: (@Sendable (String) -> Void)?
        if let interval = configuration.statisticsInterval {
            defaults.append(("statistics.interval.ms", String(max(1, interval.whaleNanoseconds / 1_000_000))))
            let metrics = KafkaProducerMetrics(clientID: configuration.clientID, factory: metricsFactory)
            onStatistics = { metrics.record(statistics: $0) }
        }
        self.client = try RDKafkaClient(
            kind: .producer,
            properties: configuration.librdkafkaProperties(defaults: defaults),
            logger: logger,
            onStatistics: onStatistics
        ) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback)
        }
        self.poller = RDKafkaPoller(client: client)
    }

    deinit {
        // Never block the releasing thread: the poller purges, serves the last
        // callbacks and releases the client on its own thread.
        poller.stop(waiting: false)
    }

    /// Publishes one message and waits for the broker's acknowledgement.
    public func publish(_ message: OutboundMessage) async throws {
        _ = try await send(message)
    }

    /// Publishes one message and returns where the broker stored it.
    /// - Throws: ``CoreProtocols/WhaleError``: `.invalidInput` for an empty topic or a
    ///   message over the broker's size limit, `.timeout` when no
    ///   acknowledgement came within the message timeout, `.unavailable` when
    ///   the cluster cannot be reached, `.cancelled` when the producer closed.
    public func send(_ message: OutboundMessage) async throws -> KafkaDeliveryReport {
        guard !message.topic.isEmpty else {
            throw WhaleError(.invalidInput, "cannot send to an empty topic name")
        }
        return try await withCheckedThrowingContinuation { continuation in
            let slot = UnsafeMutablePointer<DeliverySlot>.allocate(capacity: 1)
            slot.initialize(to: .single(topic: message.topic, continuation: continuation))
            let opaque = UnsafeMutableRawPointer(slot)
            // librdkafka hands the slot to the poller thread through its own
            // queues, which ThreadSanitizer cannot see: tell it of the hand-off.
            ThreadSanitizerHooks.release?(UnsafeRawPointer(opaque))
            let refusal = poller.whileRunning { produce(message, opaque: opaque) } ?? WhaleError(.cancelled, "the producer is closed")
            if let refusal {
                slot.deinitialize(count: 1)
                slot.deallocate()
                continuation.resume(throwing: refusal)
            }
        }
    }

    /// Publishes many messages at once and waits until the broker acknowledged
    /// (or refused) each of them: librdkafka batches them on the wire, so this
    /// is the fast path for volume.
    ///
    /// Every message is enqueued with librdkafka straight away; when its local
    /// queue is full (`queue.buffering.max.messages`), enqueueing waits for
    /// room, up to the message timeout. Order is kept per partition.
    /// - Returns: one result per message, in the order given: where it was
    ///   stored, or why not (the errors of ``send(_:)``).
    public func send(batch messages: [OutboundMessage]) async -> [Result<KafkaDeliveryReport, WhaleError>] {
        guard !messages.isEmpty else { return [] }
        let poller = self.poller
        let timeout = configuration.messageTimeout
        return await withCheckedContinuation { continuation in
            let batch = PendingBatch(messages: messages, continuation: continuation)
            // Enqueueing may wait for room in librdkafka's queue: off the
            // cooperative pool.
            DispatchQueue.global().async {
                let clock = ContinuousClock()
                let deadline = clock.now.advanced(by: timeout)
                var index = 0
                while index < messages.count {
                    // A run of messages per hold of the poller's lock; `false`
                    // when librdkafka's queue is full.
                    let enqueued = poller.whileRunning { () -> Bool in
                        let runEnd = min(messages.count, index + 256)
                        while index < runEnd {
                            let message = messages[index]
                            if message.topic.isEmpty {
                                batch.complete(index, .failure(WhaleError(.invalidInput, "cannot send to an empty topic name")))
                            } else if let refusal = self.produce(message, opaque: batch.opaque(index)) {
                                if refusal.code == .resourceExhausted, clock.now < deadline { return false }
                                batch.complete(index, .failure(refusal))
                            }
                            index += 1
                        }
                        return true
                    }
                    switch enqueued {
                    case true?:
                        continue
                    case false?:
                        // Give the poller time to serve delivery reports.
                        Thread.sleep(forTimeInterval: 0.001)
                    case nil:
                        for rest in index..<messages.count {
                            batch.complete(rest, .failure(WhaleError(.cancelled, "the producer is closed")))
                        }
                        return
                    }
                }
            }
        }
    }

    /// The cluster's brokers and topics.
    public func metadata(timeout: Duration = .seconds(10)) async throws -> KafkaClusterMetadata {
        let client = self.client
        return try await DispatchQueue.global().runBlocking { try client.metadata(timeout: timeout) }
    }

    /// Waits up to `timeout` for in-flight messages, then stops. Messages not
    /// acknowledged by then fail with `.cancelled`. Idempotent.
    public func close(timeout: Duration = .seconds(10)) async {
        let client = self.client
        let poller = self.poller
        _ = try? await DispatchQueue.global().runBlocking {
            rd_kafka_flush(client.handle, RDKafkaClient.milliseconds(timeout))
            poller.stop()
        }
    }

    /// Enqueues the message with librdkafka; returns the error when it refuses.
    private func produce(_ message: OutboundMessage, opaque: UnsafeMutableRawPointer) -> WhaleError? {
        var headers: OpaquePointer?
        if !message.headers.isEmpty {
            headers = rd_kafka_headers_new(message.headers.count)
            for header in message.headers {
                let status: rd_kafka_resp_err_t =
                    if let value = header.value {
                        value.withUnsafeBytes { rd_kafka_header_add(headers, header.key, -1, $0.baseAddress, $0.count) }
                    } else {
                        rd_kafka_header_add(headers, header.key, -1, nil, 0)
                    }
                if status != RD_KAFKA_RESP_ERR_NO_ERROR {
                    rd_kafka_headers_destroy(headers)
                    return RDKafkaError.make(status, "adding header '\(header.key)'")
                }
            }
        }
        let error: OpaquePointer? = message.topic.withCString { topic in
            message.value.withUnsafeBytes { value in
                withOptionalBytes(message.key) { key in
                    withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 6) { fields in
                        fields.initialize(repeating: rd_kafka_vu_t())
                        fields[0].vtype = RD_KAFKA_VTYPE_TOPIC
                        fields[0].u.cstr = topic
                        fields[1].vtype = RD_KAFKA_VTYPE_VALUE
                        fields[1].u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                        fields[1].u.mem.size = value.count
                        fields[2].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                        fields[2].u.i = RD_KAFKA_MSG_F_COPY
                        fields[3].vtype = RD_KAFKA_VTYPE_OPAQUE
                        fields[3].u.ptr = opaque
                        var count = 4
                        if let key {
                            fields[count].vtype = RD_KAFKA_VTYPE_KEY
                            fields[count].u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                            fields[count].u.mem.size = key.count
                            count += 1
                        }
                        if let headers {
                            fields[count].vtype = RD_KAFKA_VTYPE_HEADERS
                            fields[count].u.headers = headers
                            count += 1
                        }
                        return rd_kafka_produceva(client.handle, fields.baseAddress, count)
                    }
                }
            }
        }
        guard let error else { return nil }
        // On failure the headers were not taken over.
        if let headers { rd_kafka_headers_destroy(headers) }
        let code = rd_kafka_error_code(error)
        rd_kafka_error_destroy(error)
        return RDKafkaError.make(code, "sending to '\(message.topic)'")
    }
}

/// Who waits for one message's delivery report: what librdkafka carries as
/// the message's opaque pointer.
private enum DeliverySlot {
    /// A ``KafkaProducer/send(_:)`` caller; the slot is its own allocation.
    case single(topic: String, continuation: CheckedContinuation<KafkaDeliveryReport, any Error>)
    /// Slot `index` of a ``KafkaProducer/send(batch:)`` call; the slots live
    /// in the batch's one allocation.
    case batch(Unmanaged<PendingBatch>, index: Int)
}

/// The results of one ``KafkaProducer/send(batch:)``, resumed when the last
/// message's report came. It keeps itself alive until then.
private final class PendingBatch: @unchecked Sendable {
    private struct Slots {
        var results: [Result<KafkaDeliveryReport, WhaleError>]
        var remaining: Int
    }

    /// The messages, for the topic of each report.
    let messages: [OutboundMessage]
    /// One ``DeliverySlot`` per message, written once in `init`, then only read.
    private let deliverySlots: UnsafeMutablePointer<DeliverySlot>
    private let slots: Mutex<Slots>
    private let continuation: CheckedContinuation<[Result<KafkaDeliveryReport, WhaleError>], Never>

    init(messages: [OutboundMessage], continuation: CheckedContinuation<[Result<KafkaDeliveryReport, WhaleError>], Never>) {
        let count = messages.count
        self.messages = messages
        self.slots = Mutex(
            Slots(results: Array(repeating: .failure(WhaleError(.internalError, "no delivery report")), count: count), remaining: count)
        )
        self.continuation = continuation
        self.deliverySlots = UnsafeMutablePointer<DeliverySlot>.allocate(capacity: count)
        let unmanaged = Unmanaged.passRetained(self)  // released with the last result
        for index in 0..<count {
            (deliverySlots + index).initialize(to: .batch(unmanaged, index: index))
        }
    }

    deinit {
        deliverySlots.deinitialize(count: messages.count)
        deliverySlots.deallocate()
    }

    /// The opaque pointer for message `index`, announced to ThreadSanitizer
    /// as handed over (librdkafka's queues carry it to the poller thread).
    func opaque(_ index: Int) -> UnsafeMutableRawPointer {
        let opaque = UnsafeMutableRawPointer(deliverySlots + index)
        ThreadSanitizerHooks.release?(UnsafeRawPointer(opaque))
        return opaque
    }

    func complete(_ index: Int, _ result: Result<KafkaDeliveryReport, WhaleError>) {
        let finished = slots.locked { slots -> [Result<KafkaDeliveryReport, WhaleError>]? in
            slots.results[index] = result
            slots.remaining -= 1
            guard slots.remaining == 0 else { return nil }
            return slots.results
        }
        if let finished {
            continuation.resume(returning: finished)
            Unmanaged.passUnretained(self).release()
        }
    }
}

/// librdkafka's delivery-report callback; runs on the poller thread.
private let deliveryReportCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _, message, _ in
        guard let message, let opaque = message.pointee._private else { return }
        ThreadSanitizerHooks.acquire?(UnsafeRawPointer(opaque))
        let slot = opaque.assumingMemoryBound(to: DeliverySlot.self)
        let status = message.pointee.err
        func result(topic: String) -> Result<KafkaDeliveryReport, WhaleError> {
            guard status == RD_KAFKA_RESP_ERR_NO_ERROR else {
                return .failure(RDKafkaError.make(status, "delivering to '\(topic)'"))
            }
            return .success(KafkaDeliveryReport(topic: topic, partition: message.pointee.partition, offset: message.pointee.offset))
        }
        if case .batch(let unmanaged, let index) = slot.pointee {
            let batch = unmanaged.takeUnretainedValue()
            batch.complete(index, result(topic: batch.messages[index].topic))
            return
        }
        guard case .single(let topic, let continuation) = slot.move() else { return }
        slot.deallocate()
        continuation.resume(with: result(topic: topic).mapError { $0 })
    }

/// Calls `body` with the bytes of `bytes`, or `nil`.
private func withOptionalBytes<Result>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}
