/// A message delivered to a subscriber.
public struct InboundMessage: Sendable {
    /// The topic it was read from.
    public var topic: String
    /// The partition it was read from (0 for transports without partitions).
    public var partition: Int32
    /// Its offset within the partition.
    public var offset: Int64
    /// The partitioning key, if any.
    public var key: [UInt8]?
    /// The payload.
    public var value: [UInt8]
    /// Headers carried with the message.
    public var headers: [MessageHeader]
    /// When the producer (or broker) stamped it, if known.
    public var timestamp: WhaleInstant?

    public init(
        topic: String,
        partition: Int32,
        offset: Int64,
        key: [UInt8]? = nil,
        value: [UInt8],
        headers: [MessageHeader] = [],
        timestamp: WhaleInstant? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }
}
