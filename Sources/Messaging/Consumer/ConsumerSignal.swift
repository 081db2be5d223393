import CoreProtocols
import Synchronization

/// A one-shot event a task can wait for, with a time limit: "the
/// subscription started", "the handlers drained", "the consumer closed".
///
/// ``fire()`` may come from any thread (the polling thread, a handler task).
/// Waiters are resumed inside the lock and take the lock once more when they
/// run again, so what the firing side did happens-before the waiter goes on,
/// also for ThreadSanitizer (see ``CoreProtocols/ThreadHandOff``).
final class ConsumerSignal: Sendable {
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var fired = false
        var waiters: [Int: UnsafeContinuation<Bool, Never>] = [:]
        var nextWaiter = 0
    }

    init() {}

    /// Whether it has fired.
    var hasFired: Bool { state.locked { $0.fired } }

    /// Fires: wakes every waiter with `true`; later waits return at once.
    /// Returns `true` only for the call that fired it.
    @discardableResult
    func fire() -> Bool {
        state.locked { state in
            guard !state.fired else { return false }
            state.fired = true
            for waiter in state.waiters.values { waiter.resume(returning: true) }
            state.waiters = [:]
            return true
        }
    }

    /// Returns `true` once fired, `false` when `timeout` passed first or the
    /// waiting task was cancelled. `nil` waits without a time limit.
    func wait(timeout: Duration? = nil) async -> Bool {
        let id = state.locked { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        let timer: Task<Void, Never>? = timeout.map { timeout in
            Task { [self] in
                try? await Task.sleep(for: timeout)
                expire(id)
            }
        }
        let fired = await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Bool, Never>) in
                state.locked { state in
                    if state.fired {
                        continuation.resume(returning: true)
                    } else if Task.isCancelled {
                        continuation.resume(returning: false)
                    } else {
                        state.waiters[id] = continuation
                    }
                }
            }
        } onCancel: {
            expire(id)
        }
        timer?.cancel()
        // Take the lock once more: the happens-before edge from the firing thread.
        return state.locked { $0.fired } || fired
    }

    private func expire(_ id: Int) {
        state.locked { state in
            state.waiters.removeValue(forKey: id)?.resume(returning: false)
        }
    }
}
