public import CoreProtocols

/// The settings of a ``HedgingPolicy``, validated when created.
///
/// ```swift
/// let configuration = try HedgingConfiguration(maxHedgedAttempts: 2, delay: .milliseconds(50))
/// ```
public struct HedgingConfiguration: Sendable {
    /// Extra attempts on top of the primary one: 1 means at most two attempts in
    /// flight. At least 1. Default: 1.
    public let maxHedgedAttempts: Int
    /// How long to wait for an outcome of the latest attempt before starting the
    /// next one. Zero starts every attempt at once (parallel mode). Not negative.
    /// Default: 2 s.
    public let delay: Duration
    /// Whether an attempt's error should start the next hedge at once rather than
    /// end the call. An error it rejects is the call's result (cancelling the
    /// other attempts); task cancellation always is. Default: `error.isWhaleRetriable`.
    public let shouldHedgeOn: @Sendable (any Error) -> Bool

    /// The defaults: one hedge after 2 s, hedging on `isWhaleRetriable` errors.
    public static let `default` = HedgingConfiguration(
        uncheckedMaxHedgedAttempts: 1,
        delay: .seconds(2),
        shouldHedgeOn: { $0.isWhaleRetriable }
    )

    /// Creates a configuration.
    /// - Parameters:
    ///   - maxHedgedAttempts: extra attempts, ≥ 1. Default: 1.
    ///   - delay: the wait before each hedge, ≥ 0 (0 = all in parallel). Default: 2 s.
    ///   - shouldHedgeOn: whether an error starts the next hedge at once.
    ///     Default: `isWhaleRetriable`.
    /// - Throws: `WhaleError` `.invalidConfiguration` naming `maxHedgedAttempts` or `delay`.
    public init(
        maxHedgedAttempts: Int = 1,
        delay: Duration = .seconds(2),
        shouldHedgeOn: @escaping @Sendable (any Error) -> Bool = { $0.isWhaleRetriable }
    ) throws {
        try ConfigurationCheck.positive(maxHedgedAttempts, "maxHedgedAttempts")
        try ConfigurationCheck.require(delay >= .zero, "delay", "must not be negative, got \(delay)")
        self.init(uncheckedMaxHedgedAttempts: maxHedgedAttempts, delay: delay, shouldHedgeOn: shouldHedgeOn)
    }

    private init(
        uncheckedMaxHedgedAttempts maxHedgedAttempts: Int,
        delay: Duration,
        shouldHedgeOn: @escaping @Sendable (any Error) -> Bool
    ) {
        self.maxHedgedAttempts = maxHedgedAttempts
        self.delay = delay
        self.shouldHedgeOn = shouldHedgeOn
    }
}
