internal import CWhaleKafka
import Dispatch
import Foundation
import Synchronization
import CoreProtocols

/// A dedicated thread that serves a client's callbacks (`rd_kafka_poll`)
/// until stopped. On stop it purges what is still queued or in flight and
/// serves those callbacks too, so no waiter is left hanging.
final class RDKafkaPoller: Sendable {
    private let running = Mutex(true)
    private let finished = DispatchSemaphore(value: 0)

    init(client: RDKafkaClient) {
        // The thread holds the poller until its loop ends; the owner's
        // `stop()` (from its deinit at the latest) ends it.
        let thread = Thread { [self] in
            while running.locked({ $0 }) {
                rd_kafka_poll(client.handle, 100)
            }
            rd_kafka_purge(client.handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
            rd_kafka_poll(client.handle, 0)
            finished.signal()
        }
        thread.name = "smart-whale.kafka.poll"
        thread.start()
    }

    /// Runs `body` (an enqueue whose callback this poller must serve) only
    /// while the poller runs, so nothing can be enqueued after the final
    /// purge; returns `nil` once stopped.
    func whileRunning<Result>(_ body: () -> Result) -> Result? {
        running.locked { isRunning in isRunning ? body() : nil }
    }

    /// Stops the thread; with `waiting`, returns only after its last purge
    /// (the thread itself then releases the client, destroying it off the
    /// caller's thread). Idempotent.
    func stop(waiting: Bool = true) {
        let wasRunning = running.locked { isRunning in
            defer { isRunning = false }
            return isRunning
        }
        if wasRunning && waiting { finished.wait() }
    }
}
