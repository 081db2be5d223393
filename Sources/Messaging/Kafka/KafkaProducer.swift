internal import CWhaleKafka
public import CoreProtocols
import Dispatch
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
    /// - Parameter logger: receives librdkafka's log lines. Default:
    ///   `smart-whale.kafka`.
    /// - Throws: ``CoreProtocols/WhaleError`` `.invalidConfiguration` for a property
    ///   librdkafka rejects.
    public init(configuration: KafkaConfiguration, logger: Logger = Logger(label: "smart-whale.kafka")) throws {
        self.configuration = configuration
        let properties = configuration.librdkafkaProperties(defaults: [
            ("enable.idempotence", "true"),
            ("acks", "all"),
            ("message.timeout.ms", String(max(1, configuration.messageTimeout.whaleNanoseconds / 1_000_000))),
        ])
        self.client = try RDKafkaClient(kind: .producer, properties: properties, logger: logger) { conf in
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
            let pending = PendingDelivery(topic: message.topic, continuation: continuation)
            let opaque = Unmanaged.passRetained(pending).toOpaque()
            // librdkafka hands `pending` to the poller thread through its own
            // queues, which ThreadSanitizer cannot see: tell it of the hand-off.
            ThreadSanitizerHooks.release?(UnsafeRawPointer(opaque))
            let refusal = poller.whileRunning { produce(message, opaque: opaque) } ?? WhaleError(.cancelled, "the producer is closed")
            if let refusal {
                Unmanaged<PendingDelivery>.fromOpaque(opaque).release()
                continuation.resume(throwing: refusal)
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
                    var fields = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 6)
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
                    return rd_kafka_produceva(client.handle, fields, count)
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

/// One message waiting for its delivery report.
private final class PendingDelivery {
    let topic: String
    let continuation: CheckedContinuation<KafkaDeliveryReport, any Error>

    init(topic: String, continuation: CheckedContinuation<KafkaDeliveryReport, any Error>) {
        self.topic = topic
        self.continuation = continuation
    }
}

/// librdkafka's delivery-report callback; runs on the poller thread.
private let deliveryReportCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _, message, _ in
        guard let message, let opaque = message.pointee._private else { return }
        ThreadSanitizerHooks.acquire?(UnsafeRawPointer(opaque))
        let pending = Unmanaged<PendingDelivery>.fromOpaque(opaque).takeRetainedValue()
        let status = message.pointee.err
        if status == RD_KAFKA_RESP_ERR_NO_ERROR {
            pending.continuation.resume(
                returning: KafkaDeliveryReport(
                    topic: pending.topic,
                    partition: message.pointee.partition,
                    offset: message.pointee.offset
                )
            )
        } else {
            pending.continuation.resume(throwing: RDKafkaError.make(status, "delivering to '\(pending.topic)'"))
        }
    }

/// Calls `body` with the bytes of `bytes`, or `nil`.
private func withOptionalBytes<Result>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}
