internal import CWhaleKafka
import CoreProtocols
#if canImport(Glibc)
import Glibc
#endif

extension InboundMessage {
    /// The message librdkafka delivered in `raw` (topic, partition, offset,
    /// key, value, headers, timestamp), copied out of librdkafka's buffers.
    /// - Parameter knownTopic: a topic name the message probably has; when it
    ///   does, the message shares that string instead of allocating its own.
    init(rdkafka raw: UnsafeMutablePointer<rd_kafka_message_t>, knownTopic: String? = nil) {
        let message = raw.pointee
        let name = message.rkt.flatMap { rd_kafka_topic_name($0) }
        let topic: String =
            if let name, let knownTopic, knownTopic.withCString({ strcmp($0, name) == 0 }) {
                knownTopic
            } else {
                name.map { String(cString: $0) } ?? ""
            }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let millis = rd_kafka_message_timestamp(raw, &timestampType)
        self.init(
            topic: topic,
            partition: message.partition,
            offset: message.offset,
            key: message.key.map { Array(UnsafeRawBufferPointer(start: $0, count: message.key_len)) },
            value: message.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: message.len)) } ?? [],
            headers: Self.headers(raw),
            timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
                ? nil : WhaleInstant(nanosecondsSinceEpoch: millis &* 1_000_000)
        )
    }

    private static func headers(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) -> [MessageHeader] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(raw, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var result: [MessageHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let key = name.map { String(cString: $0) } ?? ""
            result.append(MessageHeader(key: key, value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
            index += 1
        }
        return result
    }
}
