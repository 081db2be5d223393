import CoreMetrics
import CoreProtocols
import Foundation
import Synchronization

/// A subscription's swift-metrics: message outcomes (counters), whether it is
/// paused, and, when librdkafka statistics are on, per-partition lag and
/// fetch queue (gauges).
final class ConsumerMetrics: Sendable {
    private let handled: Counter
    private let failedAttempts: Counter
    private let deadLettered: Counter
    private let paused: Gauge
    private let topic: String
    private let group: String
    private let factory: any MetricsFactory
    /// Per-partition gauges, created on first report: (lag, fetch queue).
    private let partitionGauges = Mutex<[Int32: (lag: Gauge, fetchQueue: Gauge)]>([:])

    init(topic: String, group: String, factory: any MetricsFactory) {
        self.topic = topic
        self.group = group
        self.factory = factory
        let dimensions = [("topic", topic), ("group", group)]
        handled = Counter(
            label: "whale_kafka_consumer_messages",
            dimensions: dimensions + [("outcome", "handled")],
            factory: factory
        )
        failedAttempts = Counter(
            label: "whale_kafka_consumer_messages",
            dimensions: dimensions + [("outcome", "failed_attempt")],
            factory: factory
        )
        deadLettered = Counter(
            label: "whale_kafka_consumer_messages",
            dimensions: dimensions + [("outcome", "dead_lettered")],
            factory: factory
        )
        paused = Gauge(label: "whale_kafka_consumer_paused", dimensions: dimensions, factory: factory)
    }

    func countHandled() { handled.increment() }
    func countFailedAttempt() { failedAttempts.increment() }
    func countDeadLettered() { deadLettered.increment() }
    func setPaused(_ isPaused: Bool) { paused.record(isPaused ? 1 : 0) }

    /// Reads consumer lag and fetch-queue length per partition of the topic
    /// from librdkafka's statistics JSON and records them.
    func record(statistics json: String) {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let topics = root["topics"] as? [String: Any],
            let topic = topics[self.topic] as? [String: Any],
            let partitions = topic["partitions"] as? [String: Any]
        else { return }
        for (key, value) in partitions {
            guard let partition = Int32(key), partition >= 0, let fields = value as? [String: Any] else { continue }
            let gauges = gauges(for: partition)
            if let lag = (fields["consumer_lag"] as? NSNumber)?.int64Value, lag >= 0 {
                gauges.lag.record(lag)
            }
            if let queued = (fields["fetchq_cnt"] as? NSNumber)?.int64Value {
                gauges.fetchQueue.record(queued)
            }
        }
    }

    private func gauges(for partition: Int32) -> (lag: Gauge, fetchQueue: Gauge) {
        partitionGauges.locked { gauges in
            if let existing = gauges[partition] { return existing }
            let dimensions = [("topic", topic), ("group", group), ("partition", String(partition))]
            let created = (
                lag: Gauge(label: "whale_kafka_consumer_lag", dimensions: dimensions, factory: factory),
                fetchQueue: Gauge(label: "whale_kafka_consumer_fetch_queue", dimensions: dimensions, factory: factory)
            )
            gauges[partition] = created
            return created
        }
    }
}
