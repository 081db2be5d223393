public import CoreMetrics
public import CoreProtocols
public import Logging
public import ServiceLifecycle
import Synchronization

/// Kafka's publish/subscribe model inside one process: topics with ordered
/// partitions, consumer groups, at-least-once delivery and dead letters.
///
/// It is the embedded default of `whale serve` and the transport for tests of
/// code that only needs `MessagePublisher` / `MessageSubscriber`. Nothing
/// leaves the process and nothing survives it.
///
/// **Topics.** A topic is created on first use (or by ``createTopic(_:configuration:)``)
/// with ``InProcessBusConfiguration/defaultTopic`` or the configuration named
/// for it: a number of partitions (default 1), each an ordered log whose
/// offsets start at 0, and a retention bound (default 100,000 messages or
/// 256 MiB per topic) with an ``InProcessTopicConfiguration/Overflow`` policy:
/// drop the oldest (Kafka's retention, the default) or refuse the publish with
/// `.resourceExhausted`. A message with a key goes to the partition Kafka's
/// default partitioner picks (murmur2 of the key), so one key always lands on
/// one partition; a message without a key goes round-robin. Topic names follow
/// Kafka's rules.
///
/// **Groups.** Each consumer group has its own committed offset per partition;
/// every group gets every message. Members of one group share the partitions
/// (partition `p` goes to the `p % n`-th member in join order), and the
/// partitions are reassigned whenever a member joins or leaves; a partition
/// moves to its new member only after the old one finished what it had out (a
/// message the old member holds for a retry is given back when its backoff
/// ends), so without failures each message is handled by exactly one member
/// once. A new
/// group starts at the end of each partition (``InProcessSubscriptionOptions/StartPosition/latest``)
/// or at its oldest kept message (``InProcessSubscriptionOptions/StartPosition/earliest``);
/// an existing group resumes at its committed offsets.
///
/// **At least once.** A message's offset is committed only after its handler
/// returns. A handler that throws is called again after a backoff on the
/// bus's clock (``InProcessSubscriptionOptions/maxAttempts``, default 3
/// attempts); after the last failed attempt the message is appended to
/// `<topic>.dlq` with the ``DeadLetterHeaders`` (error, attempts, original
/// topic, partition, offset, group) and then committed. A message whose
/// subscription stops while it waits for a retry is not committed: the group's
/// next member gets it again.
///
/// **Flow.** Each subscription has at most ``InProcessSubscriptionOptions/maxInFlight``
/// messages out (default 1, which keeps per-partition order); handlers run in
/// child tasks of the subscription's task, never on a blocking thread. Publishing
/// appends under a short lock and never waits for consumers: retention is the
/// bound, and ``InProcessTopicConfiguration/Overflow/rejectPublish`` pushes back
/// on the publisher. ``InProcessSubscriptionOptions/priorityOrdering`` handles
/// the most urgent messages of a backlog first.
///
/// **Lifecycle.** ``InProcessBusSubscription/cancel()`` waits for the handler
/// calls running, commits and leaves the group. ``close()`` (or the service
/// group's graceful shutdown, through ``run()``) refuses new publishes with
/// `.unavailable` and stops every subscription the same way. A subscription
/// keeps running until it is cancelled or the bus closes.
///
/// **Metrics** (swift-metrics, dimensions `topic` and `group`):
/// `whale_bus_messages_published`, `whale_bus_messages_dropped`,
/// `whale_bus_messages_delivered`, `whale_bus_handler_failures`,
/// `whale_bus_messages_dead_lettered`, `whale_bus_messages_discarded`
/// (counters) and `whale_bus_consumer_lag` (gauge).
///
/// ```swift
/// let bus = try InProcessMessageBus()
/// let subscription = try await bus.subscribe(topic: "smartwhale.core.logs", group: "archiver") { message in
///     try await archive(message.value)
/// }
/// try await bus.publish(OutboundMessage(topic: "smartwhale.core.logs", value: Array("hello".utf8)))
/// await subscription.cancel()
/// await bus.close()
/// ```
public final class InProcessMessageBus: MessagePublisher, MessageSubscriber, Service, Sendable {
    /// The header whose decimal value 1…5 gives a message's priority for
    /// ``InProcessSubscriptionOptions/priorityOrdering``: `"priority"`.
    public static let priorityHeader = InProcessBusRules.priorityHeader

    /// The settings it was created with.
    public let configuration: InProcessBusConfiguration
    let clock: any WhaleClock
    let logger: Logger
    let environment: InProcessBusEnvironment
    let state = Mutex(InProcessBusState())

    /// Creates a bus with no topics.
    /// - Parameters:
    ///   - configuration: topics, auto-creation and size limit. Default: ``InProcessBusConfiguration/init(defaultTopic:topics:autoCreateTopics:maxMessageBytes:)``
    ///     with its defaults.
    ///   - clock: stamps messages and times retry backoffs. Default: ``CoreProtocols/SystemClock``.
    ///   - logger: receives subscription, failure and retention events. Default: `smart-whale.bus`.
    ///   - metricsFactory: where the metrics go. Default: the factory
    ///     `MetricsSystem` was bootstrapped with.
    /// - Throws: `WhaleError` `.invalidConfiguration` naming the bad value: a
    ///   topic configuration that does not validate, a configured topic name
    ///   that breaks Kafka's rules, `maxMessageBytes` below 1.
    public init(
        configuration: InProcessBusConfiguration = InProcessBusConfiguration(),
        clock: any WhaleClock = SystemClock(),
        logger: Logger = Logger(label: "smart-whale.bus"),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws {
        guard configuration.maxMessageBytes >= 1 else {
            throw WhaleError(.invalidConfiguration, "maxMessageBytes: \(configuration.maxMessageBytes) is below 1")
        }
        do {
            try configuration.defaultTopic.validate()
        } catch let error as WhaleError {
            throw WhaleError(.invalidConfiguration, "defaultTopic: \(error.message)", underlying: error)
        }
        for (name, topic) in configuration.topics {
            do {
                try InProcessBusRules.validateTopicName(name)
                try topic.validate()
            } catch let error as WhaleError {
                throw WhaleError(.invalidConfiguration, "topics[\"\(name)\"]: \(error.message)", underlying: error)
            }
        }
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.environment = InProcessBusEnvironment(
            configuration: configuration,
            metrics: InProcessBusMetrics(factory: metricsFactory)
        )
    }

    // MARK: Publishing

    /// Appends `message` to its topic; returns once it is stored (at once).
    /// - Throws: as ``send(_:)``.
    public func publish(_ message: OutboundMessage) async throws {
        try send(message)
    }

    /// Appends `message` to its topic and returns it as stored: its partition,
    /// offset and timestamp (from the bus's clock).
    /// - Throws: `WhaleError` `.invalidInput` for a topic name that breaks
    ///   Kafka's rules or a message over ``InProcessBusConfiguration/maxMessageBytes``
    ///   or the topic's byte bound; `.notFound` for a topic that does not exist
    ///   with auto-creation off; `.resourceExhausted` (retriable) when the topic
    ///   is full under ``InProcessTopicConfiguration/Overflow/rejectPublish``;
    ///   `.unavailable` once ``close()`` has started.
    @discardableResult
    public func send(_ message: OutboundMessage) throws -> InboundMessage {
        try InProcessBusRules.validateTopicName(message.topic)
        let pending = InProcessBusPendingRecord(key: message.key, value: message.value, headers: message.headers)
        guard pending.size <= configuration.maxMessageBytes else {
            throw WhaleError(
                .invalidInput,
                "message is \(pending.size) bytes; the bus accepts at most \(configuration.maxMessageBytes)"
            )
        }
        let now = clock.now
        let environment = self.environment
        let (published, wakeups) = try state.locked { state throws -> (InProcessBusState.Published, InProcessBusWakeups) in
            var wakeups: InProcessBusWakeups = []
            let published = try state.append(pending, to: message.topic, now: now, environment: environment, wakeups: &wakeups)
            return (published, wakeups)
        }
        wakeups.resumeAll()
        published.metrics.published.increment()
        if published.droppedUnhandled > 0 {
            published.metrics.dropped.increment(by: published.droppedUnhandled)
            logger.warning(
                "retention dropped messages a consumer group had not handled",
                metadata: ["topic": "\(message.topic)", "dropped": "\(published.droppedUnhandled)"]
            )
        }
        return published.message
    }

    // MARK: Subscribing

    /// Subscribes with the default ``InProcessSubscriptionOptions`` (start at
    /// the latest offset for a new group, one message at a time, 3 attempts,
    /// dead letters on); see ``subscribe(topic:group:options:handler:)``.
    public func subscribe(
        topic: String,
        group: String,
        handler: @escaping @Sendable (InboundMessage) async throws -> Void
    ) async throws -> any MessageSubscription {
        try await subscribe(topic: topic, group: group, options: InProcessSubscriptionOptions(), handler: handler)
    }

    /// Joins `group` on `topic` and delivers its messages to `handler` until
    /// the subscription is cancelled or the bus closes.
    ///
    /// When it returns, the member is in the group with its partitions
    /// assigned, so a message published afterwards reaches the group.
    /// - Parameters:
    ///   - topic: the topic; created when it does not exist (unless auto-creation is off).
    ///   - group: the consumer group; not empty.
    ///   - options: start position, in-flight bound, retries, dead letters, priority order.
    ///   - handler: called once per attempt; returning commits the message.
    /// - Throws: `WhaleError` `.invalidInput` for an empty group, a topic name
    ///   that breaks Kafka's rules (or leaves no room for `<topic>.dlq` with
    ///   dead letters on), or options that do not validate; `.notFound` for a
    ///   missing topic with auto-creation off; `.unavailable` once ``close()``
    ///   has started.
    public func subscribe(
        topic: String,
        group: String,
        options: InProcessSubscriptionOptions,
        handler: @escaping @Sendable (InboundMessage) async throws -> Void
    ) async throws -> InProcessBusSubscription {
        try InProcessBusRules.validateTopicName(topic)
        try InProcessBusRules.validateGroupName(group)
        try options.validate()
        if options.deadLetters {
            let deadLetterTopic = DeadLetterHeaders.topic(for: topic)
            if deadLetterTopic.utf8.count > KafkaTopicName.maximumLength {
                throw WhaleError(
                    .invalidInput,
                    "topic name is \(topic.utf8.count) characters long; with dead letters on it may have at most \(KafkaTopicName.maximumLength - DeadLetterHeaders.topicSuffix.utf8.count), so that \"<topic>\(DeadLetterHeaders.topicSuffix)\" is a valid topic name"
                )
            }
        }
        let environment = self.environment
        let (id, wakeups) = try state.locked { state throws -> (UInt64, InProcessBusWakeups) in
            var wakeups: InProcessBusWakeups = []
            let id = try state.join(topic: topic, group: group, options: options, environment: environment, wakeups: &wakeups)
            return (id, wakeups)
        }
        wakeups.resumeAll()
        let task = Task { await self.drive(member: id, options: options, handler: handler) }
        let cancelNow = state.locked { state -> Bool in
            guard state.members[id] != nil else { return false }
            state.members[id]?.task = task
            return state.forced
        }
        if cancelNow { task.cancel() }
        logger.debug(
            "subscribed",
            metadata: ["topic": "\(topic)", "group": "\(group)", "member": "\(id)"]
        )
        return InProcessBusSubscription(bus: self, memberID: id, topic: topic, group: group)
    }

    // MARK: Topics and offsets

    /// Creates topic `name`.
    /// - Parameter configuration: its layout and bounds. Default (`nil`): the
    ///   configuration ``InProcessBusConfiguration/topics`` names for it, else
    ///   ``InProcessBusConfiguration/defaultTopic``.
    /// - Throws: `WhaleError` `.invalidInput` for a name that breaks Kafka's
    ///   rules or a configuration that does not validate; `.alreadyExists` when
    ///   the topic exists; `.unavailable` once ``close()`` has started.
    public func createTopic(_ name: String, configuration: InProcessTopicConfiguration? = nil) throws {
        try InProcessBusRules.validateTopicName(name)
        let chosen = configuration ?? self.configuration.configuration(forTopic: name)
        try chosen.validate()
        let environment = self.environment
        try state.locked { state throws in
            if state.closing {
                throw WhaleError(.unavailable, "the in-process bus is closed", isRetriable: false)
            }
            guard state.topics[name] == nil else {
                throw WhaleError(.alreadyExists, "topic \"\(name)\" exists already")
            }
            _ = try state.topicIndex(name, create: true, configuration: chosen, environment: environment)
        }
    }

    /// The names of the topics that exist, sorted.
    public func topicNames() -> [String] {
        state.locked { $0.topics.keys.sorted() }
    }

    /// The configuration of topic `name`, or `nil` when it does not exist.
    public func topicConfiguration(_ name: String) -> InProcessTopicConfiguration? {
        state.locked { $0.topics[name]?.configuration }
    }

    /// The offset the next message of each partition of `topic` gets, by partition.
    /// - Throws: `WhaleError` `.notFound` when the topic does not exist.
    public func endOffsets(topic: String) throws -> [Int64] {
        try withTopic(topic) { topic in topic.logs.map(\.endOffset) }
    }

    /// The offset of the oldest message each partition of `topic` keeps, by partition.
    /// - Throws: `WhaleError` `.notFound` when the topic does not exist.
    public func startOffsets(topic: String) throws -> [Int64] {
        try withTopic(topic) { topic in topic.logs.map(\.startOffset) }
    }

    /// The committed offset of `group` on each partition of `topic` (the next
    /// message it will handle; everything before it is handled), by partition.
    /// - Throws: `WhaleError` `.notFound` when the topic or the group does not exist.
    public func committedOffsets(topic: String, group: String) throws -> [Int64] {
        try withTopic(topic) { state in
            guard let found = state.groups[group] else {
                throw WhaleError(.notFound, "group \"\(group)\" has never subscribed to topic \"\(topic)\"")
            }
            return found.partitions.map(\.committed)
        }
    }

    /// How many messages `topic` keeps that `group` has not committed, over all partitions.
    /// - Throws: `WhaleError` `.notFound` when the topic or the group does not exist.
    public func lag(topic: String, group: String) throws -> Int64 {
        try withTopic(topic) { state in
            guard let found = state.groups[group] else {
                throw WhaleError(.notFound, "group \"\(group)\" has never subscribed to topic \"\(topic)\"")
            }
            return state.lag(of: found)
        }
    }

    /// Reads kept messages of one partition without joining a group (for
    /// operators, `whale messages tail` and tests).
    /// - Parameters:
    ///   - topic: the topic.
    ///   - partition: the partition, 0 ..< partition count. Default: 0.
    ///   - offset: the first offset wanted; older messages that retention
    ///     removed are skipped. Default: 0.
    ///   - maxCount: at most this many messages. Default: 1,000.
    /// - Throws: `WhaleError` `.notFound` when the topic does not exist,
    ///   `.invalidInput` for a partition out of range or a negative `maxCount`.
    public func messages(topic: String, partition: Int32 = 0, from offset: Int64 = 0, maxCount: Int = 1_000) throws
        -> [InboundMessage]
    {
        guard maxCount >= 0 else { throw WhaleError(.invalidInput, "maxCount: \(maxCount) is negative") }
        return try withTopic(topic) { state in
            guard state.logs.indices.contains(Int(partition)) else {
                throw WhaleError(
                    .invalidInput,
                    "partition \(partition) is out of range; topic \"\(topic)\" has \(state.logs.count)"
                )
            }
            let log = state.logs[Int(partition)]
            var result: [InboundMessage] = []
            var next = max(offset, log.startOffset)
            while result.count < maxCount, let record = log.record(at: next) {
                result.append(record.message)
                next += 1
            }
            return result
        }
    }

    private func withTopic<Result: Sendable>(
        _ name: String,
        _ body: (InProcessBusTopic) throws -> Result
    ) throws -> Result {
        // Inside the lock: a copy kept past it would make the next publish copy the log.
        try state.locked { state throws -> Result in
            guard let topic = state.topics[name] else {
                throw WhaleError(.notFound, "topic \"\(name)\" does not exist")
            }
            return try body(topic)
        }
    }

    // MARK: Lifecycle

    /// Whether ``close()`` has started.
    public var isClosed: Bool { state.locked { $0.closing } }

    /// Closes the bus gracefully: publishing and subscribing throw
    /// `.unavailable` from now on, every subscription stops taking messages,
    /// the handler calls running finish and are committed (messages waiting
    /// for a retry are left uncommitted), and every member leaves. Returns when
    /// all subscriptions have stopped; calling it again waits the same way.
    ///
    /// When the calling task is cancelled while it waits, the subscriptions'
    /// tasks are cancelled too: handlers see the cancellation, and a handler
    /// that throws then is not counted as a failure (its message stays uncommitted).
    public func close() async {
        let wakeups = state.locked { state -> InProcessBusWakeups in
            var wakeups: InProcessBusWakeups = []
            state.beginClose(&wakeups)
            return wakeups
        }
        wakeups.resumeAll()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.locked { state -> Bool in
                    if state.members.isEmpty { return true }
                    state.closedWaiters.append(continuation)
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            let tasks = state.locked { state -> [Task<Void, Never>] in
                state.forced = true
                return state.members.values.compactMap(\.task)
            }
            for task in tasks { task.cancel() }
        }
        logger.debug("in-process bus closed")
    }

    /// The bus as a swift-service-lifecycle `Service`: runs until the service
    /// group shuts down gracefully, the calling task is cancelled or
    /// ``close()`` is called, then closes the bus (waiting for the handler
    /// calls running). List it before the services that publish to it, so
    /// they stop first.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.waitUntilClosing() }
        await close()
    }

    /// Returns once ``close()`` has started or the calling task is cancelled.
    private func waitUntilClosing() async {
        let id = state.locked { $0.makeID() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.locked { state -> Bool in
                    if state.closing || Task.isCancelled { return true }
                    state.closingWaiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.locked { $0.closingWaiters.removeValue(forKey: id) }?.resume()
        }
    }
}
