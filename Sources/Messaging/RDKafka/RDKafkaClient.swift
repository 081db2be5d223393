internal import CWhaleKafka
import CoreProtocols
import Logging

/// Owns one `rd_kafka_t` (producer or consumer) and destroys it in `deinit`.
///
/// Blocking calls (poll, flush, metadata) are made by its owner on a thread
/// or queue of its own, never on Swift's cooperative pool.
final class RDKafkaClient: @unchecked Sendable {
    // librdkafka handles are thread-safe; the class only owns the pointer.
    let handle: OpaquePointer
    /// Receives librdkafka's own log lines; released after the handle.
    private let logSink: Unmanaged<LogSink>

    enum Kind {
        case producer
        case consumer
    }

    /// Builds the configuration and creates the client.
    /// - Parameter configure: further settings on the raw configuration
    ///   (callbacks) before the client is created.
    /// - Parameter onStatistics: receives librdkafka's statistics JSON
    ///   (`statistics.interval.ms` must be set for any to come), on the
    ///   thread that polls the client.
    init(
        kind: Kind,
        properties: [(String, String)],
        logger: Logger,
        onStatistics: (@Sendable (String) -> Void)? = nil,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws {
        guard let conf = rd_kafka_conf_new() else {
            throw WhaleError(.resourceExhausted, "librdkafka: cannot allocate a configuration")
        }
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in properties {
            if rd_kafka_conf_set(conf, key, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw WhaleError(.invalidConfiguration, "librdkafka property \(key)=\(value): \(Self.text(errorText))")
            }
        }
        let logSink = Unmanaged.passRetained(LogSink(logger: logger, onStatistics: onStatistics))
        rd_kafka_conf_set_opaque(conf, logSink.toOpaque())
        rd_kafka_conf_set_log_cb(conf, logCallback)
        if onStatistics != nil { rd_kafka_conf_set_stats_cb(conf, clientStatisticsCallback) }
        configure(conf)
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        // On success rd_kafka_new takes ownership of conf; on failure it stays ours.
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            logSink.release()
            throw WhaleError(.invalidConfiguration, "librdkafka: cannot create a client: \(Self.text(errorText))")
        }
        self.handle = handle
        self.logSink = logSink
    }

    deinit {
        rd_kafka_destroy(handle)
        logSink.release()
    }

    /// Reads the cluster's brokers and topics (blocking up to `timeout`).
    func metadata(timeout: Duration) throws -> KafkaClusterMetadata {
        var raw: UnsafePointer<rd_kafka_metadata>?
        let status = rd_kafka_metadata(handle, 1, nil, &raw, Self.milliseconds(timeout))
        guard status == RD_KAFKA_RESP_ERR_NO_ERROR, let raw else {
            throw RDKafkaError.make(status, "reading cluster metadata")
        }
        defer { rd_kafka_metadata_destroy(raw) }
        let md = raw.pointee
        let brokers = (0..<Int(md.broker_cnt)).map { index in
            let broker = md.brokers[index]
            return KafkaClusterMetadata.Broker(
                id: broker.id,
                host: broker.host.map { String(cString: $0) } ?? "",
                port: Int(broker.port)
            )
        }
        let topics = (0..<Int(md.topic_cnt)).compactMap { index -> KafkaClusterMetadata.Topic? in
            let topic = md.topics[index]
            guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR, let name = topic.topic else { return nil }
            let partitions = (0..<Int(topic.partition_cnt)).map { p in
                let partition = topic.partitions[p]
                return KafkaClusterMetadata.Partition(
                    id: partition.id,
                    leader: partition.leader,
                    replicas: Int(partition.replica_cnt)
                )
            }
            return KafkaClusterMetadata.Topic(name: String(cString: name), partitions: partitions)
        }
        return KafkaClusterMetadata(
            brokers: brokers,
            topics: topics.sorted { $0.name < $1.name },
            controllerID: rd_kafka_controllerid(handle, 0),
            originatingBrokerName: md.orig_broker_name.map { String(cString: $0) } ?? ""
        )
    }

    static func milliseconds(_ duration: Duration) -> Int32 {
        Int32(clamping: max(0, duration.whaleNanoseconds / 1_000_000))
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The logger librdkafka's log callback writes to, and the statistics
/// handler (the client's opaque).
private final class LogSink {
    let logger: Logger
    let onStatistics: (@Sendable (String) -> Void)?
    init(logger: Logger, onStatistics: (@Sendable (String) -> Void)?) {
        self.logger = logger
        self.onStatistics = onStatistics
    }
}

/// Hands librdkafka's statistics JSON to the client's handler; returns 0 so
/// librdkafka frees the text.
private let clientStatisticsCallback: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = {
    _, json, length, opaque in
    guard let json, let opaque else { return 0 }
    let sink = Unmanaged<LogSink>.fromOpaque(opaque).takeUnretainedValue()
    let text = String(decoding: UnsafeRawBufferPointer(start: json, count: length), as: UTF8.self)
    sink.onStatistics?(text)
    return 0
}

/// Forwards librdkafka's log lines (syslog levels) to swift-log.
private let logCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    client, level, facility, text in
    guard let client, let opaque = rd_kafka_opaque(client), let text else { return }
    let logger = Unmanaged<LogSink>.fromOpaque(opaque).takeUnretainedValue().logger
    let swiftLevel: Logger.Level =
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    logger.log(
        level: swiftLevel,
        "\(String(cString: text))",
        metadata: ["rdkafka.facility": "\(facility.map { String(cString: $0) } ?? "")"]
    )
}
