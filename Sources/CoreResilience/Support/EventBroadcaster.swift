import Synchronization
import CoreProtocols

/// Fans events out to any number of `AsyncStream` subscribers. A subscriber
/// that stops iterating is removed; a slow one keeps the newest `bufferSize`
/// events. Emitting never blocks and, with no subscriber, costs one lock.
final class EventBroadcaster<Event: Sendable>: Sendable {
    private struct State {
        var nextID = 0
        var subscribers: [Int: AsyncStream<Event>.Continuation] = [:]
    }

    private let state = Mutex(State())
    private let bufferSize: Int

    init(bufferSize: Int = 256) {
        self.bufferSize = bufferSize
    }

    /// A new subscription to every event emitted from now on.
    func subscribe() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(bufferSize))
        let id = state.locked { state in
            state.nextID += 1
            state.subscribers[state.nextID] = continuation
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.locked { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Delivers `event` to every subscriber.
    func emit(_ event: Event) {
        let subscribers = state.locked { $0.subscribers.isEmpty ? nil : Array($0.subscribers.values) }
        guard let subscribers else { return }
        for subscriber in subscribers { subscriber.yield(event) }
    }

    /// Ends every subscription.
    func finish() {
        let subscribers = state.locked { state in
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}
