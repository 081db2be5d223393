public import CoreMetrics
import CoreProtocols
import Foundation
import Synchronization

/// The swift-metrics gauges a ``KafkaProducer`` fills from librdkafka's
/// statistics when ``KafkaConfiguration/statisticsInterval`` is set. Every
/// gauge has the dimension `client_id`; the broker gauges also `broker`.
///
/// | gauge | librdkafka field | meaning |
/// | --- | --- | --- |
/// | `whale_kafka_producer_queue_messages` | `msg_cnt` | messages waiting in the producer's queue |
/// | `whale_kafka_producer_queue_bytes` | `msg_size` | their bytes |
/// | `whale_kafka_producer_sent_messages` | `txmsgs` | messages sent to brokers so far |
/// | `whale_kafka_producer_sent_bytes` | `txmsg_bytes` | their bytes |
/// | `whale_kafka_broker_rtt_microseconds` | `brokers.*.rtt.avg` | average request round trip per broker |
/// | `whale_kafka_broker_outbuf_requests` | `brokers.*.outbuf_cnt` | requests waiting to be sent per broker |
public final class KafkaProducerMetrics: Sendable {
    private let clientID: String
    private let factory: any MetricsFactory
    private let queueMessages: Gauge
    private let queueBytes: Gauge
    private let sentMessages: Gauge
    private let sentBytes: Gauge
    private let brokerGauges = Mutex<[String: (rtt: Gauge, outbuf: Gauge)]>([:])

    /// Creates the gauges for the client `clientID`.
    public init(clientID: String, factory: any MetricsFactory = MetricsSystem.factory) {
        self.clientID = clientID
        self.factory = factory
        let dimensions = [("client_id", clientID)]
        queueMessages = Gauge(label: "whale_kafka_producer_queue_messages", dimensions: dimensions, factory: factory)
        queueBytes = Gauge(label: "whale_kafka_producer_queue_bytes", dimensions: dimensions, factory: factory)
        sentMessages = Gauge(label: "whale_kafka_producer_sent_messages", dimensions: dimensions, factory: factory)
        sentBytes = Gauge(label: "whale_kafka_producer_sent_bytes", dimensions: dimensions, factory: factory)
    }

    /// Records the fields of one statistics JSON document; anything missing or
    /// malformed is skipped.
    public func record(statistics json: String) {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return }
        func number(_ object: [String: Any], _ key: String) -> Int64? { (object[key] as? NSNumber)?.int64Value }
        if let value = number(root, "msg_cnt") { queueMessages.record(value) }
        if let value = number(root, "msg_size") { queueBytes.record(value) }
        if let value = number(root, "txmsgs") { sentMessages.record(value) }
        if let value = number(root, "txmsg_bytes") { sentBytes.record(value) }
        guard let brokers = root["brokers"] as? [String: Any] else { return }
        for (name, value) in brokers {
            guard let broker = value as? [String: Any], (broker["nodeid"] as? NSNumber)?.intValue ?? -1 >= 0 else { continue }
            let gauges = gauges(forBroker: name)
            if let rtt = broker["rtt"] as? [String: Any], let average = number(rtt, "avg") { gauges.rtt.record(average) }
            if let outbuf = number(broker, "outbuf_cnt") { gauges.outbuf.record(outbuf) }
        }
    }

    private func gauges(forBroker name: String) -> (rtt: Gauge, outbuf: Gauge) {
        brokerGauges.locked { gauges in
            if let existing = gauges[name] { return existing }
            let dimensions = [("client_id", clientID), ("broker", name)]
            let created = (
                rtt: Gauge(label: "whale_kafka_broker_rtt_microseconds", dimensions: dimensions, factory: factory),
                outbuf: Gauge(label: "whale_kafka_broker_outbuf_requests", dimensions: dimensions, factory: factory)
            )
            gauges[name] = created
            return created
        }
    }
}
