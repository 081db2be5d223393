public import CoreMetrics
public import CoreProtocols
public import Logging
public import ServiceLifecycle
import Synchronization

/// Consumer-group subscriptions to Kafka topics with at-least-once delivery.
///
/// Each ``subscribe(topic:group:options:handler:)`` starts one librdkafka
/// consumer in the group, polled on a dedicated thread (never on Swift's
/// cooperative pool), and hands its messages to an async handler:
///
/// - **At least once.** Offsets are stored only for messages whose handler
///   succeeded (`enable.auto.offset.store=false`), in order per partition, and
///   committed every ``KafkaSubscriptionOptions/commitInterval``, synchronously
///   on a revoke and on cancel.
/// - **Bounded work.** At most ``KafkaSubscriptionOptions/maxInFlight``
///   handler calls run at once; at most
///   ``KafkaSubscriptionOptions/bufferCapacity`` fetched messages wait, after
///   which the partitions are paused until half of them were handed out.
/// - **Retries and dead letters.** A failing message is tried
///   ``KafkaSubscriptionOptions/maxAttempts`` times with a doubling backoff,
///   then produced to the dead-letter topic (default `<topic>.dlq`) with the
///   ``DeadLetterHeaders`` (the in-process bus's convention), and committed
///   once the broker acknowledged it.
/// - **Rebalances.** Both EAGER and COOPERATIVE protocols: a revoked
///   partition's waiting messages are dropped, its running handler calls are
///   waited for (up to ``KafkaSubscriptionOptions/revocationTimeout``) and what
///   was handled is committed before it goes; an assigned one starts from the
///   group's committed offset.
///
/// As a swift-service-lifecycle `Service`, ``run()`` waits for graceful
/// shutdown, then cancels every subscription and closes the dead-letter
/// producer.
///
/// ```swift
/// let subscriber = try KafkaSubscriber(configuration: KafkaConfiguration(brokers: "127.0.0.1:19092"))
/// let subscription = try await subscriber.subscribe(topic: "smartwhale.data.requests", group: "workers") { message in
///     try await handle(message)
/// }
/// …
/// await subscription.cancel()
/// ```
public final class KafkaSubscriber: MessageSubscriber, Service, Sendable {
    /// The cluster and client settings every subscription uses.
    public let configuration: KafkaConfiguration
    /// The options of ``subscribe(topic:group:handler:)`` (the
    /// `MessageSubscriber` entry point).
    public let defaultOptions: KafkaSubscriptionOptions
    private let logger: Logger
    private let metricsFactory: any MetricsFactory
    private let state = Mutex(State())
    /// Marked when ``shutdown()`` has finished; what ``run()`` waits on.
    private let closedSignal = ClosedSignal()

    private struct State: ~Copyable {
        var subscriptions: [ObjectIdentifier: KafkaSubscription] = [:]
        var deadLetterProducer: KafkaProducer?
        var isShutDown = false
    }

    /// Creates a subscriber; nothing connects until the first subscribe.
    /// - Parameters:
    ///   - configuration: the brokers and client settings. Its
    ///     ``KafkaConfiguration/properties`` override what the subscriptions
    ///     set, except `group.id` and `enable.auto.offset.store=false`.
    ///   - options: the options of ``subscribe(topic:group:handler:)``.
    ///     Default: `KafkaSubscriptionOptions()`, each value as documented there.
    ///   - logger: receives the subscriptions' and librdkafka's log lines.
    ///     Default: `smart-whale.kafka`.
    ///   - metricsFactory: where the counters and gauges go. Default: the
    ///     bootstrapped `MetricsSystem.factory`.
    /// - Throws: ``CoreProtocols/WhaleError`` `.invalidConfiguration` for bad options.
    public init(
        configuration: KafkaConfiguration,
        options: KafkaSubscriptionOptions = KafkaSubscriptionOptions(),
        logger: Logger = Logger(label: "smart-whale.kafka"),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws {
        try options.validate()
        self.configuration = configuration
        self.defaultOptions = options
        self.logger = logger
        self.metricsFactory = metricsFactory
    }

    /// Subscribes with ``defaultOptions``; see
    /// ``subscribe(topic:group:options:handler:)``.
    public func subscribe(
        topic: String,
        group: String,
        handler: @escaping @Sendable (InboundMessage) async throws -> Void
    ) async throws -> any MessageSubscription {
        try await subscribe(topic: topic, group: group, options: defaultOptions, handler: handler)
    }

    /// Joins `group` for `topic` and hands its messages to `handler`, at least
    /// once.
    ///
    /// Returns once the consumer reached the cluster and subscribed; the
    /// group's assignment follows a few seconds later
    /// (``KafkaSubscription/waitForAssignment(timeout:)``). A handler that
    /// throws is called again for the same message (after
    /// ``KafkaSubscriptionOptions/retryBackoff``); it should be idempotent, as
    /// a message may also come again after a rebalance or restart.
    /// - Throws: ``CoreProtocols/WhaleError``: `.invalidInput` for an illegal
    ///   topic name, group id or dead-letter topic name;
    ///   `.invalidConfiguration` for bad options or librdkafka properties;
    ///   `.unavailable` or `.timeout` when the cluster does not answer within
    ///   ``KafkaSubscriptionOptions/connectTimeout``; `.cancelled` after
    ///   ``shutdown()``.
    public func subscribe(
        topic: String,
        group: String,
        options: KafkaSubscriptionOptions,
        handler: @escaping @Sendable (InboundMessage) async throws -> Void
    ) async throws -> KafkaSubscription {
        try KafkaNames.validateTopic(topic)
        try KafkaNames.validateGroup(group)
        try options.validate()
        let deadLetterTopic = options.deadLetterTopic.topic(for: topic)
        if let deadLetterTopic {
            try KafkaNames.validateTopic(deadLetterTopic, what: "dead-letter topic name")
            if deadLetterTopic == topic {
                throw WhaleError(.invalidInput, "the dead-letter topic must differ from the subscribed topic '\(topic)'")
            }
        }
        let producer = try deadLetterTopic == nil ? nil : deadLetterProducer()
        let core = KafkaSubscriptionCore(
            topic: topic,
            group: group,
            options: options,
            configuration: configuration,
            deadLetterProducer: producer,
            handler: handler,
            logger: logger,
            metrics: ConsumerMetrics(topic: topic, group: group, factory: metricsFactory)
        )
        try await core.start()
        let subscription = KafkaSubscription(core: core) { [weak self] subscription in
            self?.forget(subscription)
        }
        let accepted = state.locked { state -> Bool in
            guard !state.isShutDown else { return false }
            state.subscriptions[ObjectIdentifier(subscription)] = subscription
            return true
        }
        if !accepted {
            await subscription.cancel()
            throw WhaleError(.cancelled, "the Kafka subscriber is shut down")
        }
        return subscription
    }

    /// The subscriptions that were made and not cancelled yet.
    public var subscriptions: [KafkaSubscription] {
        state.locked { Array($0.subscriptions.values) }
    }

    /// Cancels every subscription (concurrently; each commits and leaves its
    /// group) and closes the dead-letter producer. Later subscribes fail with
    /// `.cancelled`. Idempotent.
    public func shutdown() async {
        let (subscriptions, producer) = state.locked { state in
            state.isShutDown = true
            let subscriptions = Array(state.subscriptions.values)
            state.subscriptions = [:]
            let producer = state.deadLetterProducer
            state.deadLetterProducer = nil
            return (subscriptions, producer)
        }
        await withDiscardingTaskGroup { group in
            for subscription in subscriptions {
                group.addTask { await subscription.cancel() }
            }
        }
        await producer?.close()
        closedSignal.markClosed()
    }

    /// Runs until graceful shutdown (or cancellation), then ``shutdown()``.
    public func run() async throws {
        let closedSignal = self.closedSignal
        await cancelWhenGracefulShutdown { await closedSignal.wait() }
        await shutdown()
    }

    /// The producer dead letters go through, created on first need from
    /// ``configuration`` (idempotent, `acks=all`).
    private func deadLetterProducer() throws -> KafkaProducer {
        try state.locked { state throws -> KafkaProducer in
            if state.isShutDown { throw WhaleError(.cancelled, "the Kafka subscriber is shut down") }
            if let producer = state.deadLetterProducer { return producer }
            let producer = try KafkaProducer(configuration: configuration, logger: logger)
            state.deadLetterProducer = producer
            return producer
        }
    }

    private func forget(_ subscription: KafkaSubscription) {
        state.locked { _ = $0.subscriptions.removeValue(forKey: ObjectIdentifier(subscription)) }
    }
}
