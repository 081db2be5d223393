public import CoreProtocols

/// Starts a second (third, …) attempt when the first is slow, and takes
/// whichever succeeds first (Polly v8 hedging).
///
/// The primary attempt starts at once. While no attempt has an outcome, a new
/// one starts every ``HedgingConfiguration/delay`` (all at once when the delay
/// is zero), up to ``HedgingConfiguration/maxHedgedAttempts`` extra attempts.
/// Then:
/// - the **first success wins**: every other attempt in flight is cancelled and
///   its result discarded;
/// - an error that ``HedgingConfiguration/shouldHedgeOn`` accepts starts the
///   next hedge **at once** (if one is left) and the call goes on waiting;
/// - an error it rejects, or task cancellation, ends the call with that error,
///   cancelling the other attempts;
/// - when every attempt has failed, the call throws the **last** error to
///   arrive (Polly's choice: the most recent outcome).
///
/// Attempts run as child tasks of a task group, so the call returns only after
/// the cancelled losers have finished: an attempt that ignores cancellation
/// delays the return (see ``TimeLimiter``). Cancelling the caller cancels every
/// attempt. Hedged operations must be safe to run more than once in parallel
/// (reads, idempotent writes).
///
/// ```swift
/// let hedging = HedgingPolicy(name: "search", configuration: try HedgingConfiguration(delay: .milliseconds(40)))
/// let hits = try await hedging.execute(attempt: { attempt in try await replicas[attempt - 1].search(query) })
/// ```
public final class HedgingPolicy: ResiliencePolicy {
    /// The policy's name.
    public let name: String
    /// The validated settings.
    public let configuration: HedgingConfiguration

    private let clock: any WhaleClock

    /// Creates a hedging policy.
    /// - Parameters:
    ///   - name: names the policy.
    ///   - configuration: the settings. Default: ``HedgingConfiguration/default``
    ///     (one hedge after 2 s).
    ///   - clock: the clock the hedge delay is measured on. Default: ``CoreProtocols/SystemClock``.
    public init(name: String, configuration: HedgingConfiguration = .default, clock: any WhaleClock = SystemClock()) {
        self.name = name
        self.configuration = configuration
        self.clock = clock
    }

    private enum Event<Value: Sendable>: Sendable {
        case attempt(Result<Value, any Error>)
        case timer(generation: Int, fired: Bool)
    }

    /// Runs `operation` with hedging; every attempt runs the same operation.
    /// - Returns: the first successful attempt's result.
    /// - Throws: a rejected attempt error, `CancellationError`, or the last error
    ///   when every attempt failed.
    public func execute<Result: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await execute(attempt: { _ in try await operation() })
    }

    /// Runs `operation` with hedging, telling each attempt its number (1 for the
    /// primary, 2… for the hedges), so hedges can go to another replica.
    /// - Returns: the first successful attempt's result.
    /// - Throws: a rejected attempt error, `CancellationError`, or the last error
    ///   when every attempt failed.
    public func execute<Result: Sendable>(
        attempt operation: @escaping @Sendable (_ attempt: Int) async throws -> Result
    ) async throws -> Result {
        try Task.checkCancellation()
        let total = 1 + configuration.maxHedgedAttempts
        let delay = configuration.delay
        let shouldHedgeOn = configuration.shouldHedgeOn
        let clock = self.clock
        let outcome = await withTaskGroup(of: Event<Result>.self) { group -> Swift.Result<Result, any Error> in
            var launched = 0
            var running = 0

            /// Starts the next attempt and, when another may follow, its timer.
            func launchNext() {
                launched += 1
                running += 1
                let number = launched
                group.addTask {
                    do {
                        return .attempt(.success(try await operation(number)))
                    } catch {
                        return .attempt(.failure(error))
                    }
                }
                guard (launched < total) && (delay > .zero) else { return }
                let generation = launched
                group.addTask {
                    do {
                        try await clock.sleep(for: delay)
                        return .timer(generation: generation, fired: true)
                    } catch {
                        return .timer(generation: generation, fired: false)
                    }
                }
            }

            launchNext()
            if delay == .zero {
                while launched < total { launchNext() }
            }
            var lastError: any Error = CancellationError()
            while let event = await group.next() {
                switch event {
                case .attempt(.success(let value)):
                    group.cancelAll()
                    return .success(value)
                case .attempt(.failure(let error)):
                    running -= 1
                    lastError = error
                    if Task.isCancelled || RetryPolicy.isCancellation(error) || !shouldHedgeOn(error) {
                        group.cancelAll()
                        return .failure(error)
                    }
                    if launched < total {
                        launchNext()
                    } else if running == 0 {
                        // Every attempt failed; stale hedge timers may still sleep.
                        group.cancelAll()
                        return .failure(error)
                    }
                case .timer(let generation, let fired):
                    // A timer superseded by an earlier launch is stale.
                    if fired && generation == launched && (launched < total) && !Task.isCancelled {
                        launchNext()
                    }
                }
            }
            group.cancelAll()
            return .failure(lastError)
        }
        return try outcome.get()
    }
}
