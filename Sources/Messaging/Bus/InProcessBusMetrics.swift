import CoreMetrics

/// The swift-metrics instruments of an ``InProcessMessageBus``, made once per
/// topic and per group.
///
/// - `whale_bus_messages_published` (counter, `topic`): messages stored,
///   dead letters included.
/// - `whale_bus_messages_dropped` (counter, `topic`): messages retention
///   removed before every group had handled them.
/// - `whale_bus_messages_delivered` (counter, `topic`, `group`): handler calls
///   that returned (the offset was committed).
/// - `whale_bus_handler_failures` (counter, `topic`, `group`): handler calls that threw.
/// - `whale_bus_messages_dead_lettered` (counter, `topic`, `group`): messages
///   moved to `<topic>.dlq` after their last attempt.
/// - `whale_bus_messages_discarded` (counter, `topic`, `group`): messages
///   skipped after their last attempt with dead letters off (or a dead letter
///   that could not be stored).
/// - `whale_bus_consumer_lag` (gauge, `topic`, `group`): messages kept that
///   the group has not committed.
struct InProcessBusMetrics: Sendable {
    let factory: any MetricsFactory

    struct TopicMetrics: Sendable {
        let published: Counter
        let dropped: Counter
    }

    struct GroupMetrics: Sendable {
        let delivered: Counter
        let failures: Counter
        let deadLettered: Counter
        let discarded: Counter
        let lag: Gauge
    }

    func topic(_ topic: String) -> TopicMetrics {
        let dimensions = [("topic", topic)]
        return TopicMetrics(
            published: Counter(label: "whale_bus_messages_published", dimensions: dimensions, factory: factory),
            dropped: Counter(label: "whale_bus_messages_dropped", dimensions: dimensions, factory: factory)
        )
    }

    func group(topic: String, group: String) -> GroupMetrics {
        let dimensions = [("topic", topic), ("group", group)]
        return GroupMetrics(
            delivered: Counter(label: "whale_bus_messages_delivered", dimensions: dimensions, factory: factory),
            failures: Counter(label: "whale_bus_handler_failures", dimensions: dimensions, factory: factory),
            deadLettered: Counter(label: "whale_bus_messages_dead_lettered", dimensions: dimensions, factory: factory),
            discarded: Counter(label: "whale_bus_messages_discarded", dimensions: dimensions, factory: factory),
            lag: Gauge(label: "whale_bus_consumer_lag", dimensions: dimensions, factory: factory)
        )
    }
}
