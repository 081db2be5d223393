internal import CWhaleKafka
import Dispatch
import Foundation

/// A dedicated thread that serves a client's callbacks (`rd_kafka_poll`)
/// until stopped. On stop it purges what is still queued or in flight and
/// serves those callbacks too, so no waiter is left hanging.
final class RDKafkaPoller: Sendable {
    private let stopped = StopFlag()
    private let finished = DispatchSemaphore(value: 0)

    init(client: RDKafkaClient) {
        let thread = Thread { [stopped, finished] in
            while !stopped.isSet {
                rd_kafka_poll(client.handle, 100)
            }
            rd_kafka_purge(client.handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
            rd_kafka_poll(client.handle, 0)
            finished.signal()
        }
        thread.name = "smart-whale.kafka.poll"
        thread.start()
    }

    /// Whether ``stop()`` was called.
    var isStopped: Bool { stopped.isSet }

    /// Stops the thread and waits for its last purge. Idempotent.
    func stop() {
        guard stopped.set() else { return }
        finished.wait()
    }
}
