public import CoreProtocols

/// Fails a call that takes longer than ``timeout`` and cancels the operation.
///
/// The operation runs in a child task of a task group and races a sleep of
/// ``timeout`` on the injected clock:
/// - the operation finishing first returns its result or passes its own error
///   through unchanged (the timer is cancelled);
/// - the timer firing first cancels the operation and the call throws
///   `WhaleError(.timeout, "time limiter '<name>' timed out after <timeout>")`;
/// - cancelling the caller's task cancels the operation, and the call ends with
///   whatever the operation ends with (normally `CancellationError`).
///
/// **Cooperative cancellation.** Structured concurrency cannot abandon a task:
/// the call returns the timeout error only once the cancelled operation has
/// actually finished. An operation that ignores cancellation (a blocking C
/// call, a loop that never checks `Task.isCancelled`) therefore delays the
/// return until it ends, like Polly's optimistic timeout. Nothing leaks either
/// way: no task outlives the call. Make long operations cancellation-aware, or
/// move blocking work off the cooperative pool.
///
/// ```swift
/// let limiter = try TimeLimiter(name: "search", timeout: .milliseconds(250))
/// let hits = try await limiter.execute { try await search(query) }
/// ```
public final class TimeLimiter: ResiliencePolicy {
    /// The limiter's name, used in the timeout error's message.
    public let name: String
    /// How long an operation may run before it is cancelled. Greater than zero.
    /// Default: 1 s.
    public let timeout: Duration

    private let clock: any WhaleClock

    /// Creates a time limiter.
    /// - Parameters:
    ///   - name: names the limiter in errors. Default: `"time-limiter"`.
    ///   - timeout: how long an operation may run, > 0. Default: 1 s.
    ///   - clock: the clock the timeout is measured on. Default: ``CoreProtocols/SystemClock``.
    /// - Throws: `WhaleError` `.invalidConfiguration` naming `timeout`.
    public init(name: String = "time-limiter", timeout: Duration = .seconds(1), clock: any WhaleClock = SystemClock()) throws {
        try ConfigurationCheck.positive(timeout, "timeout")
        self.name = name
        self.timeout = timeout
        self.clock = clock
    }

    private enum Race<Value: Sendable>: Sendable {
        case finished(Result<Value, any Error>)
        case timerFired
        case timerCancelled
    }

    /// Runs `operation` with the timeout.
    /// - Returns: the operation's result when it finishes within ``timeout``.
    /// - Throws: `WhaleError` `.timeout` when it does not; otherwise the
    ///   operation's own error unchanged.
    public func execute<Result: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try Task.checkCancellation()
        let clock = self.clock
        let timeout = self.timeout
        let outcome: Swift.Result<Result, any Error>? = await withTaskGroup(of: Race<Result>.self) { group in
            group.addTask {
                do {
                    return .finished(.success(try await operation()))
                } catch {
                    return .finished(.failure(error))
                }
            }
            group.addTask {
                do {
                    try await clock.sleep(for: timeout)
                    return .timerFired
                } catch {
                    return .timerCancelled
                }
            }
            while let event = await group.next() {
                switch event {
                case .finished(let result):
                    group.cancelAll()
                    return result
                case .timerFired:
                    // Cancel the operation; the group waits for it to finish.
                    group.cancelAll()
                    return nil
                case .timerCancelled:
                    // The caller was cancelled: the operation is cancelled too
                    // and its outcome is the call's outcome.
                    continue
                }
            }
            return .failure(CancellationError())
        }
        guard let outcome else {
            throw WhaleError(.timeout, "time limiter '\(name)' timed out after \(timeout)")
        }
        return try outcome.get()
    }
}
