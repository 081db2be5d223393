/// A snapshot of what one ``RetryPolicy`` has done since it was created (the
/// spec's `track_attempts`).
///
/// Every call that reaches an outcome counts in exactly one of the four
/// `calls…` fields (the outcomes of the `whale_retry_calls` counter) or, when
/// the caller's task was cancelled, in ``callsCancelled``. A call "without
/// retry" made one attempt only, whatever stopped it (a non-retriable error,
/// `maxAttempts` of 1, the deadline or the budget refusing the first retry).
public struct RetryStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Calls whose first attempt succeeded.
    public var callsSucceededWithoutRetry: Int
    /// Calls that succeeded on a second or later attempt.
    public var callsSucceededAfterRetry: Int
    /// Calls that failed after one attempt, with no retry made.
    public var callsFailedWithoutRetry: Int
    /// Calls that failed after at least one retry (attempts exhausted, a
    /// non-retriable error on a retry, or the deadline or budget stopping a
    /// later retry).
    public var callsFailedAfterRetry: Int
    /// Calls ended by task cancellation; never counted as failures.
    public var callsCancelled: Int
    /// Retries the ``RetryBudget`` refused (each ends its call as a failure).
    public var retriesDeniedByBudget: Int
    /// Every attempt of every call: first attempts plus retries.
    public var totalAttempts: Int

    /// Creates a snapshot; every field defaults to zero.
    public init(
        callsSucceededWithoutRetry: Int = 0,
        callsSucceededAfterRetry: Int = 0,
        callsFailedWithoutRetry: Int = 0,
        callsFailedAfterRetry: Int = 0,
        callsCancelled: Int = 0,
        retriesDeniedByBudget: Int = 0,
        totalAttempts: Int = 0
    ) {
        self.callsSucceededWithoutRetry = callsSucceededWithoutRetry
        self.callsSucceededAfterRetry = callsSucceededAfterRetry
        self.callsFailedWithoutRetry = callsFailedWithoutRetry
        self.callsFailedAfterRetry = callsFailedAfterRetry
        self.callsCancelled = callsCancelled
        self.retriesDeniedByBudget = retriesDeniedByBudget
        self.totalAttempts = totalAttempts
    }

    /// Every finished call, cancelled ones included.
    public var totalCalls: Int {
        callsSucceededWithoutRetry + callsSucceededAfterRetry + callsFailedWithoutRetry + callsFailedAfterRetry
            + callsCancelled
    }

    public var description: String {
        "RetryStatistics(succeededWithoutRetry: \(callsSucceededWithoutRetry), "
            + "succeededAfterRetry: \(callsSucceededAfterRetry), failedWithoutRetry: \(callsFailedWithoutRetry), "
            + "failedAfterRetry: \(callsFailedAfterRetry), cancelled: \(callsCancelled), "
            + "deniedByBudget: \(retriesDeniedByBudget), attempts: \(totalAttempts))"
    }
}
