import CoreProtocols

/// How a ``KafkaSubscriber`` subscription consumes: concurrency, buffering,
/// retries, dead letters, where a new group starts, and the group timeouts.
///
/// Every default is chosen for at-least-once delivery with the order of each
/// partition kept: one handler call at a time, three attempts, then the
/// message goes to `<topic>.dlq` and the subscription moves on.
///
/// ```swift
/// var options = KafkaSubscriptionOptions()
/// options.maxInFlight = 8                 // up to 8 partitions handled at once
/// options.deadLetterTopic = .named("orders.failed")
/// ```
public struct KafkaSubscriptionOptions: Sendable, Hashable {
    /// The most handler calls running at once, over all partitions the
    /// subscription holds. Default: 1.
    ///
    /// With 1, messages are handled one by one in offset order within each
    /// partition (a retry happens before the next message is handed out).
    /// With more, see ``preservesPartitionOrder``.
    public var maxInFlight: Int
    /// Whether at most one message of a partition is handled at a time, so each
    /// partition's messages are handled in offset order. Default: `true`.
    ///
    /// With `true`, ``maxInFlight`` above 1 spreads work over partitions only.
    /// With `false`, messages of one partition may be handled concurrently and
    /// finish in any order; offsets are still committed in order, only up to the
    /// first message that is not handled yet.
    public var preservesPartitionOrder: Bool
    /// How many fetched messages may wait for a handler, in messages. Default: 1000.
    ///
    /// When this many are waiting, the subscription takes no more messages;
    /// if the buffer is still full after ``pauseAfter``, it pauses its
    /// partitions (`rd_kafka_pause_partitions`) and resumes them once half of
    /// the buffer was handed out. Nothing is lost by pausing: librdkafka drops what it
    /// prefetched for those partitions and fetches again, on resume, from the
    /// message after the last one it returned. (librdkafka's own prefetch queue
    /// is bounded separately by `queued.min.messages` and
    /// `queued.max.messages.kbytes`, which ``KafkaConfiguration/properties``
    /// may set.) A resume waits for the fetch then in flight at the end of the
    /// log (up to `fetch.wait.max.ms`, librdkafka's default 500 ms), so a
    /// small buffer with a slow handler pays that wait every half buffer.
    public var bufferCapacity: Int
    /// How long the buffer may stay full before the partitions are paused.
    /// Default: 500 ms.
    ///
    /// Meanwhile the polling thread waits for room without polling, so
    /// librdkafka keeps its prefetched messages (its own queue is bounded by
    /// `queued.max.messages.kbytes`) and a handler that is only briefly behind
    /// never pays for a pause; rebalance callbacks wait that long at most.
    /// `.zero` pauses as soon as the buffer is full.
    public var pauseAfter: Duration
    /// How many times the handler is called for one message before it is
    /// dead-lettered, counting the first call. At least 1. Default: 3.
    public var maxAttempts: Int
    /// The wait before the second attempt; it doubles for each further attempt
    /// up to ``maxRetryBackoff``. Default: 100 ms.
    public var retryBackoff: Duration
    /// The longest wait between two attempts. Default: 5 s.
    public var maxRetryBackoff: Duration
    /// Where messages go after ``maxAttempts`` failed calls, with the
    /// ``DeadLetterHeaders`` added. Default: ``DeadLetterTopic/suffixed``
    /// (`<topic>.dlq`).
    public var deadLetterTopic: DeadLetterTopic
    /// Where a group without a committed offset starts (`auto.offset.reset`).
    /// Default: ``StartOffset/earliest``, so nothing produced before the
    /// group's first join is missed.
    public var startFrom: StartOffset
    /// The partition assignment strategy (`partition.assignment.strategy`).
    /// Default: ``PartitionAssignment/rangeOrRoundRobin`` (eager, librdkafka's
    /// and the Java client's default, so mixed-language groups agree).
    public var partitionAssignment: PartitionAssignment
    /// How long the group coordinator waits for a heartbeat before it evicts
    /// the member (`session.timeout.ms`); heartbeats go every third of it, at
    /// most every 3 s. Default: 10 s.
    ///
    /// Tansu (the local test broker) also holds a join for about half of it,
    /// so a shorter session means a quicker first assignment there.
    public var sessionTimeout: Duration
    /// How often handled offsets are committed (`auto.commit.interval.ms`).
    /// `.zero` commits after every batch of handled messages. Default: 1 s.
    ///
    /// Only offsets of handled (or dead-lettered) messages are ever stored
    /// (`enable.auto.offset.store=false` + `rd_kafka_offsets_store`); a revoke
    /// and ``KafkaSubscription/cancel()`` commit synchronously as well.
    public var commitInterval: Duration
    /// How long a revoke waits for handler calls of the revoked partitions
    /// before it gives them up (their messages are then redelivered to the
    /// partitions' next owner). Default: 10 s.
    public var revocationTimeout: Duration
    /// How long ``KafkaSubscription/cancel()`` waits for running handler calls
    /// before it cancels their tasks and leaves without them. Default: 10 s.
    public var drainTimeout: Duration
    /// How long `subscribe` waits for the cluster to answer a metadata request
    /// before it fails with `.unavailable` or `.timeout`. Default: 10 s.
    public var connectTimeout: Duration
    /// How long one `rd_kafka_consumer_poll` waits for a message; bounds how soon
    /// a cancel is noticed. Default: 100 ms.
    public var pollTimeout: Duration
    /// How often librdkafka reports statistics (`statistics.interval.ms`),
    /// exported as the gauges `whale_kafka_consumer_lag` (messages, per
    /// partition) and `whale_kafka_consumer_fetch_queue` (messages); `nil`
    /// turns them off. Default: `nil`.
    public var statisticsInterval: Duration?
    /// Opt-in priority order: when the subscription has a backlog, the waiting
    /// message with the most urgent priority (smallest number, 1 = critical …
    /// 5 = background) is handed out first; equal priorities go in fetch order.
    /// The priority is the `priority` header (a decimal 1…5), else the
    /// `metadata.priority` of a JSON Smart Whale message (``DataRequest``,
    /// ``DataResponse``), else ``Priority/medium`` (3): the in-process bus's
    /// rule. **This relaxes per-partition order**; offsets are still committed
    /// in order, so a restart redelivers from the oldest message not yet
    /// handled. The backlog looked at is what waits in the buffer
    /// (``bufferCapacity``). Costs a JSON parse per message that mentions
    /// `"priority"` without the header. Default: `false`.
    public var priorityOrdering: Bool
    /// Opt-in expiry: a JSON Smart Whale message whose `metadata.expires_at`
    /// (or `timestamp` + `ttl`) has passed by the wall clock when it is about
    /// to be handled is not handed to the handler; it goes to the dead-letter
    /// topic at once with the reason in ``DeadLetterHeaders/error`` and
    /// ``DeadLetterHeaders/attempts`` `0` (with dead letters disabled it stays
    /// uncommitted). Costs one JSON parse per message. Default: `false`.
    public var enforceExpiry: Bool
    /// How long the broker may hold a fetch when it has no new message
    /// (`fetch.wait.max.ms`); the latency of a message that arrives while the
    /// consumer is idle is up to this. `nil` keeps librdkafka's 500 ms.
    /// Default: `nil`; ``KafkaService/serveRequests(topic:group:options:handler:)``
    /// uses 10 ms.
    ///
    /// The local Tansu broker holds an idle fetch for about half of this
    /// even when a message arrives meanwhile, so there a message waits about
    /// 250 ms with the default and about 6 ms with 10 ms.
    public var maxFetchWait: Duration?

    /// Creates options; every argument defaults as documented on its property.
    public init(
        maxInFlight: Int = 1,
        preservesPartitionOrder: Bool = true,
        bufferCapacity: Int = 1000,
        pauseAfter: Duration = .milliseconds(500),
        maxAttempts: Int = 3,
        retryBackoff: Duration = .milliseconds(100),
        maxRetryBackoff: Duration = .seconds(5),
        deadLetterTopic: DeadLetterTopic = .suffixed,
        startFrom: StartOffset = .earliest,
        partitionAssignment: PartitionAssignment = .rangeOrRoundRobin,
        sessionTimeout: Duration = .seconds(10),
        commitInterval: Duration = .seconds(1),
        revocationTimeout: Duration = .seconds(10),
        drainTimeout: Duration = .seconds(10),
        connectTimeout: Duration = .seconds(10),
        pollTimeout: Duration = .milliseconds(100),
        statisticsInterval: Duration? = nil,
        priorityOrdering: Bool = false,
        enforceExpiry: Bool = false,
        maxFetchWait: Duration? = nil
    ) {
        self.maxInFlight = maxInFlight
        self.preservesPartitionOrder = preservesPartitionOrder
        self.bufferCapacity = bufferCapacity
        self.pauseAfter = pauseAfter
        self.maxAttempts = maxAttempts
        self.retryBackoff = retryBackoff
        self.maxRetryBackoff = maxRetryBackoff
        self.deadLetterTopic = deadLetterTopic
        self.startFrom = startFrom
        self.partitionAssignment = partitionAssignment
        self.sessionTimeout = sessionTimeout
        self.commitInterval = commitInterval
        self.revocationTimeout = revocationTimeout
        self.drainTimeout = drainTimeout
        self.connectTimeout = connectTimeout
        self.pollTimeout = pollTimeout
        self.statisticsInterval = statisticsInterval
        self.priorityOrdering = priorityOrdering
        self.enforceExpiry = enforceExpiry
        self.maxFetchWait = maxFetchWait
    }

    /// Where dead letters go.
    public struct DeadLetterTopic: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Hashable {
            case suffix(String)
            case named(String)
            case disabled
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// `<topic>.dlq`, beside the subscribed topic.
        public static let suffixed = DeadLetterTopic(.suffix(DeadLetterHeaders.topicSuffix))
        /// One topic for every dead letter of the subscription.
        public static func named(_ topic: String) -> DeadLetterTopic { DeadLetterTopic(.named(topic)) }
        /// No dead letters: a failing message is retried (with the capped
        /// backoff) until its handler succeeds, the partition is revoked or the
        /// subscription is cancelled. It is never skipped, so it holds up its
        /// partition (or, with ``KafkaSubscriptionOptions/preservesPartitionOrder``
        /// off, a handler slot) meanwhile.
        public static let disabled = DeadLetterTopic(.disabled)

        /// The dead-letter topic for `topic`; `nil` when disabled.
        public func topic(for topic: String) -> String? {
            switch base {
            case .suffix(let suffix): topic + suffix
            case .named(let name): name
            case .disabled: nil
            }
        }

        /// `<topic>.dlq`, the topic's name, or `disabled`.
        public var description: String {
            switch base {
            case .suffix(let suffix): "<topic>\(suffix)"
            case .named(let name): name
            case .disabled: "disabled"
            }
        }
    }

    /// Where a group without a committed offset starts reading.
    public struct StartOffset: Sendable, Hashable, CustomStringConvertible {
        /// The `auto.offset.reset` value.
        public let librdkafkaValue: String
        private init(_ value: String) { librdkafkaValue = value }

        /// The partition's first message.
        public static let earliest = StartOffset("earliest")
        /// Only messages produced after the group's first assignment.
        public static let latest = StartOffset("latest")

        /// The `auto.offset.reset` value.
        public var description: String { librdkafkaValue }
    }

    /// How the group spreads partitions over its members.
    public struct PartitionAssignment: Sendable, Hashable, CustomStringConvertible {
        /// The `partition.assignment.strategy` value.
        public let librdkafkaValue: String
        private init(_ value: String) { librdkafkaValue = value }

        /// Eager `range,roundrobin`: every rebalance revokes the whole
        /// assignment first. librdkafka's default.
        public static let rangeOrRoundRobin = PartitionAssignment("range,roundrobin")
        /// Eager `roundrobin`.
        public static let roundRobin = PartitionAssignment("roundrobin")
        /// Incremental `cooperative-sticky`: a rebalance revokes only the
        /// partitions that move. Every member of the group must use it.
        public static let cooperativeSticky = PartitionAssignment("cooperative-sticky")

        /// The `partition.assignment.strategy` value.
        public var description: String { librdkafkaValue }
    }

    /// Checks the options.
    /// - Throws: ``CoreProtocols/WhaleError`` `.invalidConfiguration` naming the
    ///   first bad value.
    public func validate() throws {
        func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
            if !condition { throw WhaleError(.invalidConfiguration, message()) }
        }
        try require(maxInFlight >= 1, "maxInFlight must be at least 1, not \(maxInFlight)")
        try require(bufferCapacity >= 1, "bufferCapacity must be at least 1, not \(bufferCapacity)")
        try require(pauseAfter >= .zero, "pauseAfter must not be negative")
        try require(maxAttempts >= 1, "maxAttempts must be at least 1, not \(maxAttempts)")
        try require(retryBackoff >= .zero, "retryBackoff must not be negative")
        try require(maxRetryBackoff >= retryBackoff, "maxRetryBackoff must be at least retryBackoff")
        try require(sessionTimeout >= .milliseconds(1), "sessionTimeout must be positive")
        try require(commitInterval >= .zero, "commitInterval must not be negative")
        try require(revocationTimeout >= .zero, "revocationTimeout must not be negative")
        try require(drainTimeout >= .zero, "drainTimeout must not be negative")
        try require(connectTimeout >= .milliseconds(1), "connectTimeout must be positive")
        try require(pollTimeout >= .milliseconds(1), "pollTimeout must be positive")
        if let statisticsInterval {
            try require(statisticsInterval >= .milliseconds(1), "statisticsInterval must be positive")
        }
        if let maxFetchWait {
            try require(maxFetchWait >= .zero, "maxFetchWait must not be negative")
        }
    }

    /// The wait before attempt number `attempt + 1`, after `attempt` failed calls.
    func backoff(afterAttempt attempt: Int) -> Duration {
        var wait = retryBackoff
        var step = 1
        while step < attempt && wait < maxRetryBackoff {
            wait *= 2
            step += 1
        }
        return min(wait, maxRetryBackoff)
    }
}
