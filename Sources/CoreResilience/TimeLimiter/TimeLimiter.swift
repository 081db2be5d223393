public import CoreProtocols

/// Fails a call that takes longer than ``timeout`` and cancels the operation.
///
/// The operation runs in its own task, started at once on the caller's thread
/// (`Task.immediate`, where the runtime has it); one watchdog task per limiter sleeps
/// until the oldest pending deadline on the injected clock and cancels the
/// operations that passed theirs (all calls of a limiter share one timeout,
/// so deadlines arrive in order and one queue serves them):
/// - the operation finishing first returns its result or passes its own error
///   through unchanged;
/// - the deadline passing first cancels the operation and the call throws
///   `WhaleError(.timeout, "time limiter '<name>' timed out after <timeout>")`
///   (a result that arrives anyway is returned);
/// - cancelling the caller's task cancels the operation, and the call ends with
///   whatever the operation ends with (normally `CancellationError`).
///
/// Per call this costs one task and no timer: the watchdog wakes once per
/// oldest deadline, not once per call.
///
/// **Cooperative cancellation.** A task cannot be abandoned: the call returns
/// the timeout error only once the cancelled operation has actually finished.
/// An operation that ignores cancellation (a blocking C call, a loop that never
/// checks `Task.isCancelled`) therefore delays the return until it ends, like
/// Polly's optimistic timeout. Make long operations cancellation-aware, or move
/// blocking work off the cooperative pool.
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
    private let watchdog: TimeoutWatchdog

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
        self.watchdog = TimeoutWatchdog(clock: clock)
    }

    /// Runs `operation` with the timeout.
    /// - Returns: the operation's result when it finishes within ``timeout``.
    /// - Throws: `WhaleError` `.timeout` when it does not; otherwise the
    ///   operation's own error unchanged.
    public func execute<Result: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try Task.checkCancellation()
        let deadline = clock.now.advanced(by: timeout)
        let task: Task<Result, any Error>
        if #available(macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26, *) {
            // Starts on this thread: an operation that finishes without
            // suspending never waits for a pool thread.
            task = Task.immediate(operation: operation)
        } else {
            task = Task(operation: operation)
        }
        let ticket = watchdog.register(deadline: deadline, task: task)
        let outcome = await withTaskCancellationHandler {
            await task.result
        } onCancel: {
            task.cancel()
        }
        let timedOut = watchdog.complete(ticket)
        if timedOut, case .failure = outcome {
            throw WhaleError(.timeout, "time limiter '\(name)' timed out after \(timeout)")
        }
        return try outcome.get()
    }
}
