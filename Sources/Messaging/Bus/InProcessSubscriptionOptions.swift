import CoreProtocols

/// How an ``InProcessMessageBus`` subscription delivers: where a new group
/// starts, how many handler calls run at once, retries, dead letters,
/// priority ordering and request expiry.
///
/// ```swift
/// var options = InProcessSubscriptionOptions()
/// options.startPosition = .earliest
/// options.maxInFlight = 4
/// options.maxAttempts = 5
/// let subscription = try await bus.subscribe(topic: "jobs", group: "workers", options: options) { message in
///     try await work(message)
/// }
/// ```
public struct InProcessSubscriptionOptions: Sendable, Hashable {
    /// Where a group that has no committed offsets yet starts reading (Kafka's
    /// `auto.offset.reset`). A group that exists always resumes at its
    /// committed offsets, whatever a later member asks for.
    public struct StartPosition: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case earliest
            case latest
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The oldest message each partition still keeps.
        public static let earliest = StartPosition(.earliest)
        /// The end of each partition when the group is created: only messages
        /// published after `subscribe` returns are delivered.
        public static let latest = StartPosition(.latest)

        var isEarliest: Bool { base == .earliest }

        /// `earliest` or `latest`.
        public var description: String { base.rawValue }
    }

    /// Where a new group starts. Default: ``StartPosition/latest``.
    public var startPosition: StartPosition
    /// The most handler calls of this subscription running at once (messages
    /// waiting for a retry count too), at least 1. With 1, messages of a
    /// partition are handled strictly in offset order; with more, several
    /// messages of one partition may be handled at the same time and finish in
    /// any order (offsets are still committed in order). Default: 1.
    public var maxInFlight: Int
    /// How many times the handler is called for one message before it is given
    /// up (the first call included), at least 1. Default: 3.
    public var maxAttempts: Int
    /// The wait before the first retry, read on the bus's clock; doubled before
    /// each further retry up to ``maxRetryBackoff``. Zero retries at once.
    /// Default: 100 ms.
    public var retryBackoff: Duration
    /// The longest wait between two attempts. Default: 5 s.
    public var maxRetryBackoff: Duration
    /// Whether a message whose last attempt failed goes to the dead-letter topic
    /// (`<topic>.dlq`, see ``DeadLetterHeaders``) before its offset is committed.
    /// When `false` it is logged at `error`, counted and committed (skipped).
    /// Default: `true`.
    public var deadLetters: Bool
    /// Opt-in priority order: when the subscription has a backlog, the message
    /// with the most urgent priority (smallest number, 1 = critical … 5 =
    /// background) among the next ``priorityWindow`` messages of each of its
    /// partitions is handled first; equal priorities go in publish order. The
    /// priority is the `priority` header (a decimal 1…5, see
    /// ``InProcessMessageBus/priorityHeader``), else the `metadata.priority` of
    /// a JSON Smart Whale message (``DataRequest``, ``DataResponse``), else
    /// ``Priority/medium`` (3). **This relaxes per-partition order**; offsets
    /// are still committed in order, so a restart redelivers from the oldest
    /// message not yet handled. A JSON value's priority is parsed once per
    /// message, the first time a priority-ordered subscription looks at it, so
    /// publishing never pays for it. Default: `false`.
    public var priorityOrdering: Bool
    /// How many messages per partition, from the oldest not yet handed out,
    /// priority ordering looks at, at least 1; each hand-out costs up to this
    /// many look-ups per partition. Default: 1,000.
    public var priorityWindow: Int
    /// Opt-in expiry: a JSON Smart Whale message (``DataRequest``, ``DataResponse``)
    /// whose `metadata.expires_at` (or `timestamp` + `ttl`) has passed on the
    /// bus's clock when it is about to be handled is not handed to the handler;
    /// it goes to the dead-letter topic with the reason in
    /// ``DeadLetterHeaders/error`` and ``DeadLetterHeaders/attempts`` `0` (or is
    /// skipped with dead letters off), then committed. Messages that are not
    /// such JSON, or carry no expiry, are handled as usual. Costs one JSON
    /// parse per message. Default: `false`.
    public var enforceExpiry: Bool

    /// Creates options; every argument has the documented default.
    public init(
        startPosition: StartPosition = .latest,
        maxInFlight: Int = 1,
        maxAttempts: Int = 3,
        retryBackoff: Duration = .milliseconds(100),
        maxRetryBackoff: Duration = .seconds(5),
        deadLetters: Bool = true,
        priorityOrdering: Bool = false,
        priorityWindow: Int = 1_000,
        enforceExpiry: Bool = false
    ) {
        self.startPosition = startPosition
        self.maxInFlight = maxInFlight
        self.maxAttempts = maxAttempts
        self.retryBackoff = retryBackoff
        self.maxRetryBackoff = maxRetryBackoff
        self.deadLetters = deadLetters
        self.priorityOrdering = priorityOrdering
        self.priorityWindow = priorityWindow
        self.enforceExpiry = enforceExpiry
    }

    /// Checks the values.
    /// - Throws: `WhaleError` `.invalidInput` naming the value: `maxInFlight`,
    ///   `maxAttempts` or `priorityWindow` below 1, a negative backoff.
    public func validate() throws {
        if maxInFlight < 1 { throw WhaleError(.invalidInput, "maxInFlight: \(maxInFlight) is below 1") }
        if maxAttempts < 1 { throw WhaleError(.invalidInput, "maxAttempts: \(maxAttempts) is below 1") }
        if priorityWindow < 1 { throw WhaleError(.invalidInput, "priorityWindow: \(priorityWindow) is below 1") }
        if retryBackoff < .zero { throw WhaleError(.invalidInput, "retryBackoff: \(retryBackoff) is negative") }
        if maxRetryBackoff < .zero { throw WhaleError(.invalidInput, "maxRetryBackoff: \(maxRetryBackoff) is negative") }
    }

    /// The wait before attempt `attempt` (2 for the first retry).
    func backoff(beforeAttempt attempt: Int) -> Duration {
        guard attempt > 1, retryBackoff > .zero else { return .zero }
        var delay = retryBackoff
        var step = 2
        while step < attempt && delay < maxRetryBackoff {
            delay *= 2
            step += 1
        }
        return min(delay, maxRetryBackoff)
    }
}
