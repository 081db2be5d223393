import Synchronization

/// Hands a result from a thread of ours (a Dispatch queue, a reader thread) to
/// the task waiting for it.
///
/// The result travels through this lock rather than through the continuation,
/// and the continuation is resumed inside the lock; the task takes the lock
/// once it runs again. So everything the other thread did before and while
/// resuming happens-before the task goes on, also for ThreadSanitizer, which
/// on Linux does not see the Swift runtime's own hand-off when a continuation
/// is resumed from a foreign thread (it reports the task's next use of its
/// memory as a race).
///
/// Shared by the modules that wrap blocking C libraries; not public API.
package final class ThreadHandOff<Value: Sendable>: Sendable {
    private let slot = Mutex<Result<Value, any Error>?>(nil)

    package init() {}

    /// Stores `outcome` and resumes `continuation`, both under the lock.
    package func deliver(_ outcome: Result<Value, any Error>, resuming continuation: UnsafeContinuation<Void, Never>) {
        slot.locked { slot in
            slot = outcome
            continuation.resume()
        }
    }

    /// The delivered outcome; called by the task once it was resumed.
    package func take() throws -> Value {
        guard let outcome = slot.locked({ $0.take() }) else {
            throw WhaleError(.internalError, "a blocking call was resumed without an outcome")
        }
        return try outcome.get()
    }
}
