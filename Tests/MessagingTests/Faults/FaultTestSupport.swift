import CoreProtocols
import Foundation
import Logging
import Messaging
import Synchronization
import Testing

/// Helpers of the fault suites: every test runs its own ``KafkaMockCluster``,
/// so the errors it injects reach only its own clients.
enum FaultTestSupport {
    /// A topic or group name no other test uses.
    static func uniqueName(_ purpose: String) -> String {
        "whale.test.faults.\(purpose).\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// A logger that keeps librdkafka's expected complaints (connection
    /// refused while a broker is down, injected errors) out of the test log.
    /// `WHALE_FAULT_TEST_LOG=debug` shows them.
    static var logger: Logger {
        var logger = Logger(label: "test.kafka.faults")
        let level = ProcessInfo.processInfo.environment["WHALE_FAULT_TEST_LOG"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .critical
        return logger
    }

    /// The cluster's client configuration with a message timeout long enough
    /// to outlast every outage these tests cause, and reconnects that come
    /// back quickly once a broker is up again.
    static func configuration(_ cluster: KafkaMockCluster) -> KafkaConfiguration {
        var configuration = cluster.configuration
        configuration.messageTimeout = .seconds(30)
        configuration.properties["reconnect.backoff.ms"] = "20"
        configuration.properties["reconnect.backoff.max.ms"] = "200"
        configuration.properties["retry.backoff.ms"] = "20"
        if let debug = ProcessInfo.processInfo.environment["WHALE_FAULT_TEST_DEBUG"] {
            configuration.properties["debug"] = debug
        }
        return configuration
    }

    /// The payload of message `id`; ``id(of:)`` reads it back.
    static func message(_ id: Int, topic: String) -> OutboundMessage {
        OutboundMessage(topic: topic, key: Array("key-\(id)".utf8), value: Array("fault-\(id)".utf8))
    }

    /// The id of a message made by ``message(_:topic:)``; `nil` for anything else.
    static func id(of message: InboundMessage) -> Int? {
        let text = String(decoding: message.value, as: UTF8.self)
        guard text.hasPrefix("fault-") else { return nil }
        return Int(text.dropFirst("fault-".count))
    }

    /// Reads each of `partitions` from its beginning without a group: the
    /// `expected[p]` messages the partition should hold, then waits `settle`
    /// for any message beyond them (a duplicate would be one). Returns every
    /// message read, partition by partition.
    static func readBack(
        _ cluster: KafkaMockCluster,
        topic: String,
        partitions: Int32,
        expected: [Int32: Int],
        settle: Duration = .milliseconds(500)
    ) async throws -> [InboundMessage] {
        var messages: [InboundMessage] = []
        for partition in 0..<partitions {
            let reader = try KafkaPartitionReader(
                configuration: cluster.configuration,
                topic: topic,
                partition: partition,
                offset: KafkaPartitionReader.beginning,
                logger: logger
            )
            let count = expected[partition, default: 0]
            var read = count > 0 ? try await reader.read(count: count, timeout: .seconds(10)) : []
            // Then everything else the partition holds (extras are a finding).
            while true {
                let more = try await reader.read(count: 1_000, timeout: settle)
                if more.isEmpty { break }
                read += more
            }
            await reader.close()
            messages += read
        }
        return messages
    }

    /// Polls `probe` every `interval` until it returns a value, or fails
    /// after `timeout`.
    static func eventually<Value>(
        _ what: String,
        timeout: Duration = .seconds(10),
        every interval: Duration = .milliseconds(20),
        _ probe: () async throws -> Value?
    ) async throws -> Value {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            if let value = try await probe() { return value }
            if clock.now >= deadline {
                throw WhaleError(.timeout, "waited \(timeout) for \(what)")
            }
            try await Task.sleep(for: interval)
        }
    }
}

/// The ids a subscription's handler received, in the order of receipt.
final class ReceivedIDs: Sendable {
    private let ids = Mutex<[Int]>([])

    /// Every id received, repeats included.
    var all: [Int] { ids.locked { $0 } }
    /// How many different ids were received.
    var distinctCount: Int { Set(all).count }

    /// Records a message made by ``FaultTestSupport/message(_:topic:)``;
    /// records an issue for any other.
    func record(_ message: InboundMessage) {
        guard let id = FaultTestSupport.id(of: message) else {
            Issue.record("unexpected message at \(message.topic)[\(message.partition)]@\(message.offset)")
            return
        }
        ids.locked { $0.append(id) }
    }
}
