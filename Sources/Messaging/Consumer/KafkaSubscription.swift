public import CoreProtocols

/// A running consumer-group subscription made by ``KafkaSubscriber``.
///
/// It owns one librdkafka consumer, polled on a dedicated thread, and hands
/// each message to the handler at least once: a message's offset is committed
/// only after the handler returned without throwing, or after the message was
/// written to the dead-letter topic. It keeps running until ``cancel()`` (or
/// the subscriber's shutdown), also when this object is no longer referenced.
///
/// ```swift
/// let subscription = try await subscriber.subscribe(topic: "orders", group: "billing", options: .init()) { message in
///     try await bill(message.value)
/// }
/// try await subscription.waitForAssignment(timeout: .seconds(60))
/// …
/// await subscription.cancel()   // commits what was handled and leaves the group
/// ```
public final class KafkaSubscription: MessageSubscription, Sendable {
    private let core: KafkaSubscriptionCore
    private let onCancel: @Sendable (KafkaSubscription) -> Void

    init(core: KafkaSubscriptionCore, onCancel: @escaping @Sendable (KafkaSubscription) -> Void) {
        self.core = core
        self.onCancel = onCancel
    }

    /// The subscribed topic.
    public var topic: String { core.topic }
    /// The consumer group this member belongs to.
    public var group: String { core.group }
    /// The options it runs with.
    public var options: KafkaSubscriptionOptions { core.options }
    /// Where messages go after their last failed attempt; `nil` when dead
    /// letters are disabled.
    public var deadLetterTopic: String? { core.deadLetterTopic }

    /// A snapshot of its counters and current state.
    public var statistics: KafkaSubscriptionStatistics { core.statistics }

    /// The error that stopped the consumer by itself (a fatal librdkafka
    /// error); `nil` while it runs and after an ordinary ``cancel()``.
    public var failure: WhaleError? { core.failure }

    /// Whether it still consumes: not cancelled and not stopped by a failure.
    public var isActive: Bool { core.isActive }

    /// Returns once the group assigned this member at least one partition
    /// (the first time; later rebalances do not matter here).
    ///
    /// A group join takes a few seconds (about half of
    /// ``KafkaSubscriptionOptions/sessionTimeout`` on the local Tansu broker);
    /// a test that produces only after this returns, with
    /// ``KafkaSubscriptionOptions/StartOffset/latest``, misses nothing.
    /// - Parameter timeout: how long to wait. Default: 60 s.
    /// - Throws: ``CoreProtocols/WhaleError`` `.timeout` when no partition was
    ///   assigned in time, ``failure`` when the consumer stopped by itself,
    ///   `.cancelled` when the subscription was cancelled first.
    public func waitForAssignment(timeout: Duration = .seconds(60)) async throws {
        try await core.waitForAssignment(timeout: timeout)
    }

    /// The group's committed offsets for the partitions this member holds now:
    /// partition → the offset of the next message the group will read. A
    /// partition without a committed offset is left out.
    /// - Parameter timeout: how long the coordinator may take. Default: 10 s.
    /// - Throws: ``CoreProtocols/WhaleError`` `.timeout` / `.unavailable` from
    ///   the coordinator, `.cancelled` once the subscription is closed.
    public func committedOffsets(timeout: Duration = .seconds(10)) async throws -> [Int32: Int64] {
        try await core.committedOffsets(timeout: timeout)
    }

    /// Stops delivery, commits what was handled and leaves the group.
    ///
    /// Messages fetched but not handed to the handler are dropped (they stay
    /// uncommitted, so the group delivers them again); running handler calls
    /// get ``KafkaSubscriptionOptions/drainTimeout`` to finish, without further
    /// retries; then handled offsets are committed synchronously and the
    /// consumer closes (`rd_kafka_consumer_close`) and is destroyed.
    /// Idempotent: every caller returns once the consumer is closed.
    public func cancel() async {
        await core.stop()
        onCancel(self)
    }
}
