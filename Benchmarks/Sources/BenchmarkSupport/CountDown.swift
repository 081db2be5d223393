import Synchronization

/// Counts events (handled messages, fired jobs) down to zero; `wait()` returns at zero.
/// Shared by the benchmark targets.
public final class CountDown: Sendable {
    private let state: Mutex<(remaining: Int, waiter: CheckedContinuation<Void, Never>?, first: ContinuousClock.Instant?, last: ContinuousClock.Instant?)>
    public let created = ContinuousClock.now

    public init(_ count: Int) { state = Mutex((count, nil, nil, nil)) }

    public var firstTick: ContinuousClock.Instant? { state.withLock { $0.first } }
    public var lastTick: ContinuousClock.Instant? { state.withLock { $0.last } }

    public func tick() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.first == nil { state.first = .now }
            state.remaining -= 1
            if state.remaining == 0 { state.last = .now }
            guard state.remaining == 0 else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    public func wait() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                if state.remaining <= 0 { return true }
                state.waiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }
}
