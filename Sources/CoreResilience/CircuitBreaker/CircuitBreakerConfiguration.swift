public import CoreProtocols

/// How a ``CircuitBreaker`` decides to open, how long it stays open and how it
/// probes. Values mirror Resilience4j's `CircuitBreakerConfig`; every field is
/// checked by the throwing initialiser, whose error names the field.
///
/// ```swift
/// let configuration = try CircuitBreakerConfiguration(
///     failureRateThreshold: 50,
///     minimumNumberOfCalls: 20,
///     slidingWindow: .timeBased(seconds: 30),
///     waitInOpen: .exponential(initial: .seconds(5), multiplier: 2, maximum: .seconds(120))
/// )
/// ```
public struct CircuitBreakerConfiguration: Sendable {
    /// Which calls the failure and slow-call rates are computed over.
    public struct SlidingWindow: Hashable, Sendable, CustomStringConvertible {
        enum Kind: Hashable, Sendable {
            case countBased
            case timeBased
        }

        let kind: Kind
        /// The number of calls (count-based) or of seconds (time-based).
        public let size: Int

        /// The last `size` calls. Updates are O(1): a ring of outcomes with running totals.
        public static func countBased(size: Int) -> SlidingWindow {
            SlidingWindow(kind: .countBased, size: size)
        }

        /// The calls of the last `seconds` seconds, in one-second buckets. Updates
        /// are O(1) amortised: a ring of per-second buckets with running totals,
        /// buckets reset as the clock moves past them.
        public static func timeBased(seconds: Int) -> SlidingWindow {
            SlidingWindow(kind: .timeBased, size: seconds)
        }

        /// Whether the window is time-based.
        public var isTimeBased: Bool { kind == .timeBased }

        public var description: String {
            switch kind {
            case .countBased: "last \(size) calls"
            case .timeBased: "last \(size) s"
            }
        }
    }

    /// How long the breaker stays open before it lets probes through.
    public struct WaitInOpen: Hashable, Sendable, CustomStringConvertible {
        enum Kind: Hashable, Sendable {
            case fixed(Duration)
            case exponential(initial: Duration, multiplier: Double, maximum: Duration)
        }

        let kind: Kind

        /// The same wait after every opening.
        public static func fixed(_ duration: Duration) -> WaitInOpen {
            WaitInOpen(kind: .fixed(duration))
        }

        /// `initial` after the first opening, multiplied by `multiplier` on each
        /// consecutive re-opening (half-open probes failed again), at most
        /// `maximum`. Closing the breaker starts again from `initial`.
        public static func exponential(initial: Duration, multiplier: Double = 2, maximum: Duration) -> WaitInOpen {
            WaitInOpen(kind: .exponential(initial: initial, multiplier: multiplier, maximum: maximum))
        }

        /// The wait for the `opening`-th consecutive opening (1 for the first).
        public func duration(forOpening opening: Int) -> Duration {
            switch kind {
            case .fixed(let duration):
                return duration
            case .exponential(let initial, let multiplier, let maximum):
                let cap = Double(maximum.whaleNanoseconds)
                var nanoseconds = Double(initial.whaleNanoseconds)
                var step = 1
                while step < opening && nanoseconds < cap {
                    nanoseconds *= multiplier
                    step += 1
                }
                return .nanoseconds(Int64(min(nanoseconds, cap)))
            }
        }

        public var description: String {
            switch kind {
            case .fixed(let duration): "fixed \(duration)"
            case .exponential(let initial, let multiplier, let maximum):
                "exponential from \(initial) ×\(multiplier) up to \(maximum)"
            }
        }
    }

    /// The failure rate, in percent of the calls in the window, at or above which
    /// the breaker opens. Range (0, 100]. Default: 50 %.
    public let failureRateThreshold: Double
    /// The slow-call rate, in percent, at or above which the breaker opens.
    /// Range (0, 100]. Default: 100 %.
    ///
    /// With the default 100 % and a count-based window, ``CircuitBreaker/run(_:)``
    /// does not time calls (saving two clock reads per call), so slow calls are
    /// neither counted nor able to open the breaker. Set a value below 100 %, or
    /// use a time-based window, to track slow calls.
    public let slowCallRateThreshold: Double
    /// A call that takes at least this long is slow. Default: 60 s.
    public let slowCallDurationThreshold: Duration
    /// The number of calls the window must hold before any rate is computed
    /// (capped at the size of a count-based window). Default: 100.
    public let minimumNumberOfCalls: Int
    /// The window the rates are computed over. Default: `.countBased(size: 100)`.
    public let slidingWindow: SlidingWindow
    /// The number of probe calls let through in half-open; the decision is taken
    /// once all of them have reported. Default: 10.
    public let permittedCallsInHalfOpenState: Int
    /// How long the breaker may stay half-open waiting for its probes before it
    /// opens again. `nil` waits for every probe. Default: `nil`.
    public let maxWaitInHalfOpen: Duration?
    /// How long the breaker stays open. Default: `.fixed(.seconds(60))`.
    public let waitInOpen: WaitInOpen
    /// Whether a timer moves the breaker from open to half-open when the wait
    /// has passed. When `false`, the next call after the wait does it. Default: `false`.
    public let automaticTransitionFromOpenToHalfOpen: Bool
    /// Whether an error counts as a failure; an error for which it returns
    /// `false` is ignored (not recorded, its half-open permit is returned).
    /// Default: `error.isWhaleRetriable`. Task cancellation (`CancellationError`,
    /// `WhaleError(.cancelled)`, or any error thrown by a cancelled task) is never
    /// recorded, whatever the predicate says.
    public let recordFailure: @Sendable (any Error) -> Bool
    /// How many transitions ``CircuitBreaker/history`` keeps. Default: 100.
    public let historyCapacity: Int

    /// The default configuration; see each field for its value.
    public init() {
        failureRateThreshold = 50
        slowCallRateThreshold = 100
        slowCallDurationThreshold = .seconds(60)
        minimumNumberOfCalls = 100
        slidingWindow = .countBased(size: 100)
        permittedCallsInHalfOpenState = 10
        maxWaitInHalfOpen = nil
        waitInOpen = .fixed(.seconds(60))
        automaticTransitionFromOpenToHalfOpen = false
        recordFailure = { $0.isWhaleRetriable }
        historyCapacity = 100
    }

    /// Creates a configuration, checking every value.
    /// - Throws: `WhaleError(.invalidConfiguration)` whose message starts with the
    ///   field's name, for a threshold outside (0, 100], a zero or negative
    ///   duration, a window size, minimum, permit count or history capacity
    ///   below 1, or an exponential multiplier below 1.
    public init(
        failureRateThreshold: Double = 50,
        slowCallRateThreshold: Double = 100,
        slowCallDurationThreshold: Duration = .seconds(60),
        minimumNumberOfCalls: Int = 100,
        slidingWindow: SlidingWindow = .countBased(size: 100),
        permittedCallsInHalfOpenState: Int = 10,
        maxWaitInHalfOpen: Duration? = nil,
        waitInOpen: WaitInOpen = .fixed(.seconds(60)),
        automaticTransitionFromOpenToHalfOpen: Bool = false,
        recordFailure: @escaping @Sendable (any Error) -> Bool = { $0.isWhaleRetriable },
        historyCapacity: Int = 100
    ) throws {
        try ConfigurationCheck.percentage(failureRateThreshold, "failureRateThreshold")
        try ConfigurationCheck.percentage(slowCallRateThreshold, "slowCallRateThreshold")
        try ConfigurationCheck.positive(slowCallDurationThreshold, "slowCallDurationThreshold")
        try ConfigurationCheck.positive(minimumNumberOfCalls, "minimumNumberOfCalls")
        switch slidingWindow.kind {
        case .countBased:
            try ConfigurationCheck.positive(slidingWindow.size, "slidingWindow.size")
        case .timeBased:
            try ConfigurationCheck.positive(slidingWindow.size, "slidingWindow.seconds")
        }
        try ConfigurationCheck.positive(permittedCallsInHalfOpenState, "permittedCallsInHalfOpenState")
        if let maxWaitInHalfOpen {
            try ConfigurationCheck.positive(maxWaitInHalfOpen, "maxWaitInHalfOpen")
        }
        switch waitInOpen.kind {
        case .fixed(let duration):
            try ConfigurationCheck.positive(duration, "waitInOpen")
        case .exponential(let initial, let multiplier, let maximum):
            try ConfigurationCheck.positive(initial, "waitInOpen.initial")
            try ConfigurationCheck.require(
                multiplier.isFinite && multiplier >= 1, "waitInOpen.multiplier", "must be at least 1, got \(multiplier)"
            )
            try ConfigurationCheck.require(
                maximum >= initial, "waitInOpen.maximum", "must be at least the initial wait \(initial), got \(maximum)"
            )
        }
        try ConfigurationCheck.positive(historyCapacity, "historyCapacity")

        self.failureRateThreshold = failureRateThreshold
        self.slowCallRateThreshold = slowCallRateThreshold
        self.slowCallDurationThreshold = slowCallDurationThreshold
        self.minimumNumberOfCalls = minimumNumberOfCalls
        self.slidingWindow = slidingWindow
        self.permittedCallsInHalfOpenState = permittedCallsInHalfOpenState
        self.maxWaitInHalfOpen = maxWaitInHalfOpen
        self.waitInOpen = waitInOpen
        self.automaticTransitionFromOpenToHalfOpen = automaticTransitionFromOpenToHalfOpen
        self.recordFailure = recordFailure
        self.historyCapacity = historyCapacity
    }

    /// Whether ``CircuitBreaker/run(_:)`` times calls: the slow-call threshold is
    /// below 100 % or the window is time-based (which reads the clock anyway).
    var timesCalls: Bool { slowCallRateThreshold < 100 || slidingWindow.isTimeBased }

    /// The minimum number of calls, capped at the size of a count-based window.
    var effectiveMinimumNumberOfCalls: Int {
        slidingWindow.isTimeBased ? minimumNumberOfCalls : min(minimumNumberOfCalls, slidingWindow.size)
    }
}
