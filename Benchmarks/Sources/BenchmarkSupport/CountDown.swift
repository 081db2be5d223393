import Synchronization

/// Counts events (handled messages, fired jobs) down to zero; `wait()` returns at zero.
/// Shared by the benchmark targets.
///
/// A tick is one atomic decrement (plus one exchange until the first tick is
/// recorded): the count is the handler of the consume benchmarks, whose
/// baseline (`kcat`) does nothing per message either, so it must not cost a
/// lock and a clock read per message. The lock is taken at the first and the
/// last tick only.
public final class CountDown: Sendable {
    private let remaining: Atomic<Int>
    private let ticked = Atomic<Bool>(false)
    private let state = Mutex<(done: Bool, waiter: CheckedContinuation<Void, Never>?, first: ContinuousClock.Instant?, last: ContinuousClock.Instant?)>(
        (false, nil, nil, nil)
    )
    public let created = ContinuousClock.now

    public init(_ count: Int) {
        remaining = Atomic(count)
        if count <= 0 { state.withLock { $0.done = true } }
    }

    public var firstTick: ContinuousClock.Instant? { state.withLock { $0.first } }
    public var lastTick: ContinuousClock.Instant? { state.withLock { $0.last } }

    public func tick() {
        if !ticked.load(ordering: .relaxed), !ticked.exchange(true, ordering: .relaxed) {
            let now = ContinuousClock.now
            state.withLock { $0.first = $0.first ?? now }
        }
        guard remaining.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
        let now = ContinuousClock.now
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.done = true
            state.last = now
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    public func wait() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> Bool in
                if state.done { return true }
                state.waiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }
}
