/// Where the broker stored an acknowledged message.
public struct KafkaDeliveryReport: Sendable, Hashable {
    /// The topic.
    public var topic: String
    /// The partition the message landed in.
    public var partition: Int32
    /// Its offset within the partition.
    public var offset: Int64
}
