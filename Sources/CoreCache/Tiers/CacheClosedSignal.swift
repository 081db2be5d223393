import CoreProtocols
import Synchronization

/// Tells waiters that a tier or pool has closed: ``wait()`` returns once
/// ``markClosed()`` was called or the waiting task is cancelled. What a
/// `run()` that ties a client's shutdown to a service's waits on.
final class CacheClosedSignal: Sendable {
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
        var closed = false
    }

    init() {}

    /// Marks the owner closed and wakes every waiter; later waits return at once.
    func markClosed() {
        let waiters = state.locked { state -> [CheckedContinuation<Void, Never>] in
            state.closed = true
            let waiters = Array(state.waiters.values)
            state.waiters = [:]
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once ``markClosed()`` was called or the calling task is cancelled.
    func wait() async {
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
