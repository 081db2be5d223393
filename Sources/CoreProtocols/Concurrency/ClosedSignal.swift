import Synchronization

/// Tells waiters that a client has closed: ``wait()`` returns once
/// ``markClosed()`` was called or the waiting task is cancelled. What the
/// `run()` of a client that is a swift-service-lifecycle `Service` waits on
/// (the Redis pool, the L3 tier, the Kafka admin client).
package final class ClosedSignal: Sendable {
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
        var closed = false
    }

    package init() {}

    /// Whether ``markClosed()`` was called.
    package var isClosed: Bool { state.locked { $0.closed } }

    /// Marks the owner closed and wakes every waiter; later waits return at
    /// once. Returns `true` only for the call that closed it.
    @discardableResult
    package func markClosed() -> Bool {
        let (first, waiters) = state.locked { state -> (Bool, [CheckedContinuation<Void, Never>]) in
            let first = !state.closed
            state.closed = true
            let waiters = Array(state.waiters.values)
            state.waiters = [:]
            return (first, waiters)
        }
        for waiter in waiters { waiter.resume() }
        return first
    }

    /// Returns once ``markClosed()`` was called or the calling task is cancelled.
    package func wait() async {
        let id = state.locked { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.locked { state -> Bool in
                    if state.closed || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.locked { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
