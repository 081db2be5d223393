internal import CWhaleKafka
public import CoreProtocols
import Dispatch
public import Logging

/// Reads one partition from a chosen offset, without a consumer group.
///
/// The tool for operators and tests that want "the messages at these offsets"
/// (`whale messages tail`, a test that checks what was produced): it assigns
/// the partition directly, commits nothing and never joins a group, so it
/// starts reading at once. Group consumption with committed offsets is the
/// Kafka service's subscription.
public final class KafkaPartitionReader: Sendable {
    /// The topic it reads.
    public let topic: String
    /// The partition it reads.
    public let partition: Int32
    private let client: RDKafkaClient
    private let queue: DispatchQueue
    private let closed = StopFlag()

    /// Creates the reader and assigns it the partition at `offset`.
    /// - Parameter offset: the first offset to read; `KafkaPartitionReader.beginning`
    ///   or `KafkaPartitionReader.end` for the partition's first or next offset.
    /// - Parameter logger: receives librdkafka's log lines. Default:
    ///   `smart-whale.kafka`.
    public init(
        configuration: KafkaConfiguration,
        topic: String,
        partition: Int32,
        offset: Int64,
        logger: Logger = Logger(label: "smart-whale.kafka")
    ) throws {
        guard !topic.isEmpty else {
            throw WhaleError(.invalidInput, "cannot read an empty topic name")
        }
        let properties = configuration.librdkafkaProperties(defaults: [
            ("group.id", "smart-whale-reader"),
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            ("enable.partition.eof", "false"),
        ])
        let client = try RDKafkaClient(kind: .consumer, properties: properties, logger: logger)
        rd_kafka_poll_set_consumer(client.handle)
        guard let list = rd_kafka_topic_partition_list_new(1) else {
            throw WhaleError(.resourceExhausted, "librdkafka: cannot allocate a partition list")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        rd_kafka_topic_partition_list_add(list, topic, partition).pointee.offset = offset
        let status = rd_kafka_assign(client.handle, list)
        guard status == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw RDKafkaError.make(status, "assigning \(topic)[\(partition)]")
        }
        self.topic = topic
        self.partition = partition
        self.client = client
        self.queue = DispatchQueue(label: "smart-whale.kafka.reader.\(topic).\(partition)")
    }

    /// The partition's first offset (`RD_KAFKA_OFFSET_BEGINNING`).
    public static let beginning: Int64 = -2
    /// The partition's next offset (`RD_KAFKA_OFFSET_END`).
    public static let end: Int64 = -1

    /// Reads until `count` messages arrived or `timeout` passed, whichever is
    /// first, and returns what arrived (possibly fewer than `count`).
    /// - Throws: ``CoreProtocols/WhaleError`` for a consumer error other than "no message
    ///   yet" (e.g. `.notFound` for an unknown topic), `.cancelled` once closed.
    public func read(count: Int, timeout: Duration) async throws -> [InboundMessage] {
        let client = self.client
        let closed = self.closed
        return try await queue.runBlocking {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: timeout)
            var messages: [InboundMessage] = []
            while messages.count < count {
                if closed.isSet { throw WhaleError(.cancelled, "the reader is closed") }
                let remaining = clock.now.duration(to: deadline)
                if remaining <= .zero { break }
                let wait = min(remaining, .milliseconds(100))
                guard let raw = rd_kafka_consumer_poll(client.handle, RDKafkaClient.milliseconds(wait)) else { continue }
                defer { rd_kafka_message_destroy(raw) }
                let message = raw.pointee
                guard message.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    if message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { continue }
                    throw RDKafkaError.make(message.err, "reading \(self.topic)[\(self.partition)]")
                }
                messages.append(InboundMessage(rdkafka: raw))
            }
            return messages
        }
    }

    /// Closes the consumer. Idempotent.
    public func close() async {
        guard closed.set() else { return }
        let client = self.client
        _ = try? await queue.runBlocking { rd_kafka_consumer_close(client.handle) }
    }
}
