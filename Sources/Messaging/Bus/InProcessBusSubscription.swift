public import CoreProtocols

/// One running subscription of an ``InProcessMessageBus``: a member of a
/// consumer group on one topic.
///
/// It delivers until ``cancel()`` or the bus's `close()`; dropping the last
/// reference does not stop it.
public final class InProcessBusSubscription: MessageSubscription {
    /// The topic it reads.
    public let topic: String
    /// The consumer group it is a member of.
    public let group: String
    /// Its member id, unique within the bus.
    public let memberID: UInt64
    private let bus: InProcessMessageBus

    init(bus: InProcessMessageBus, memberID: UInt64, topic: String, group: String) {
        self.bus = bus
        self.memberID = memberID
        self.topic = topic
        self.group = group
    }

    /// The partitions the group assigns to this member now, ascending; they
    /// change when members join or leave. Empty once it has stopped, and for a
    /// member beyond the partition count (it idles, as in Kafka).
    public var assignedPartitions: [Int32] { bus.assignedPartitions(member: memberID) }

    /// Whether it still delivers (it has not finished stopping).
    public var isActive: Bool { bus.isMember(memberID) }

    /// Stops delivery: takes no more messages, waits for the handler calls
    /// running (their messages are committed when they return), gives back
    /// messages waiting for a retry (uncommitted, for the group's next member),
    /// then leaves the group, whose other members get its partitions. Calling
    /// it again, or after the bus closed, returns once it has left.
    public func cancel() async {
        await bus.stopAndWait(member: memberID)
    }
}
