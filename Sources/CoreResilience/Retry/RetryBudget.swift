public import CoreProtocols
import Synchronization

/// A token bucket that caps how much extra load retries may add, shared by any
/// number of ``RetryPolicy`` instances (neither Resilience4j nor Polly has one;
/// Resilience4j #172).
///
/// Modelled on Finagle's `RetryBudget`:
/// - every call's **first attempt deposits** ``ratio`` tokens (``recordRequest()``);
/// - every **retry withdraws one** token (``tryAcquireRetry()``); with less than
///   one token left the retry is refused and the call fails with its last error;
/// - a **reserve** refills continuously at ``minimumRetriesPerSecond`` tokens per
///   second, so a service with little traffic can still retry now and then.
///
/// Deposits come from requests, not from successes, so under a total outage
/// (every attempt failing) retries add at most the fraction ``ratio`` of extra
/// load plus the reserve. For `N` first attempts over `T` seconds:
///
///     retries ≤ initial balance + ratio × N + minimumRetriesPerSecond × T
///
/// The balance is held in two capped parts: the earned part (deposits) holds at
/// most `ratio × depositWindow` tokens — the deposits of the last
/// ``depositWindow`` requests, so a long healthy period does not bank an
/// unbounded burst — and the reserve at most `minimumRetriesPerSecond` tokens
/// (one second's worth). A new budget starts with a full reserve and nothing
/// earned, so the initial balance is at most `ratio × depositWindow +
/// minimumRetriesPerSecond`. A retry spends earned tokens first, then the reserve.
///
/// Tokens are counted in millionths, so deposits add up exactly (ten deposits of
/// 0.1 are exactly one token). Every operation is O(1) under one short lock.
///
/// ```swift
/// let budget = try RetryBudget(ratio: 0.1, minimumRetriesPerSecond: 10)
/// let redis = RetryPolicy(name: "redis", configuration: try RetryConfiguration(budget: budget))
/// let kafka = RetryPolicy(name: "kafka", configuration: try RetryConfiguration(budget: budget))
/// ```
public final class RetryBudget: Sendable {
    /// Tokens a first attempt deposits: the fraction of extra load retries may
    /// add. In (0, 1], at least 0.000001. Default: 0.1 (10 %).
    public let ratio: Double
    /// Retries per second always allowed, whatever the traffic. At least 0.
    /// Default: 10.
    public let minimumRetriesPerSecond: Int
    /// How many requests' deposits the bucket keeps: the earned balance is capped
    /// at `ratio × depositWindow` tokens. At least 1, and large enough for one
    /// retry. Default: 1 000 (100 tokens at 10 %).
    public let depositWindow: Int

    private static let unit: Int64 = 1_000_000

    private struct State {
        /// Earned tokens, in millionths.
        var earned: Int64 = 0
        /// Reserve tokens, in millionths.
        var reserve: Int64
        /// When the reserve was last refilled.
        var lastRefill: WhaleInstant
        /// `elapsed ns × minimumRetriesPerSecond` not yet turned into millionths (< 1 000).
        var carry: Int64 = 0
    }

    private let state: Mutex<State>
    private let clock: any WhaleClock
    private let deposit: Int64
    private let earnedCapacity: Int64
    private let reserveCapacity: Int64

    /// Creates a budget.
    /// - Parameters:
    ///   - ratio: tokens a first attempt deposits, in (0, 1]. Default: 0.1.
    ///   - minimumRetriesPerSecond: the reserve's refill rate and capacity, ≥ 0. Default: 10.
    ///   - depositWindow: requests whose deposits the bucket keeps, ≥ 1 with
    ///     `ratio × depositWindow ≥ 1`. Default: 1 000.
    ///   - clock: the clock the reserve refills by. Default: ``CoreProtocols/SystemClock``.
    /// - Throws: `WhaleError` `.invalidConfiguration` naming the field.
    public init(
        ratio: Double = 0.1,
        minimumRetriesPerSecond: Int = 10,
        depositWindow: Int = 1_000,
        clock: any WhaleClock = SystemClock()
    ) throws {
        try ConfigurationCheck.require(
            ratio.isFinite && ratio >= 0.000_001 && ratio <= 1,
            "ratio",
            "must be in (0, 1] (at least 0.000001), got \(ratio)"
        )
        try ConfigurationCheck.require(
            minimumRetriesPerSecond >= 0 && minimumRetriesPerSecond <= 1_000_000_000,
            "minimumRetriesPerSecond",
            "must be in 0…1000000000, got \(minimumRetriesPerSecond)"
        )
        try ConfigurationCheck.positive(depositWindow, "depositWindow")
        let deposit = Int64((ratio * Double(Self.unit)).rounded())
        let (earnedCapacity, overflow) = deposit.multipliedReportingOverflow(by: Int64(depositWindow))
        try ConfigurationCheck.require(
            !overflow && earnedCapacity >= Self.unit,
            "depositWindow",
            "ratio × depositWindow must be at least one retry and fit, got \(ratio) × \(depositWindow)"
        )
        self.ratio = ratio
        self.minimumRetriesPerSecond = minimumRetriesPerSecond
        self.depositWindow = depositWindow
        self.clock = clock
        self.deposit = deposit
        self.earnedCapacity = earnedCapacity
        self.reserveCapacity = Int64(minimumRetriesPerSecond) * Self.unit
        self.state = Mutex(State(reserve: Int64(minimumRetriesPerSecond) * Self.unit, lastRefill: clock.now))
    }

    /// Records a first attempt: deposits ``ratio`` tokens (up to the earned cap).
    /// ``RetryPolicy`` calls it once per call.
    public func recordRequest() {
        let deposit = self.deposit
        let capacity = earnedCapacity
        state.locked { state in
            state.earned = min(capacity, state.earned + deposit)
        }
    }

    /// Withdraws one token for a retry, earned tokens first, then the reserve.
    /// - Returns: `true` when the retry may go ahead; `false` (nothing withdrawn)
    ///   when less than one token is available.
    public func tryAcquireRetry() -> Bool {
        let now = clock.now
        return state.locked { state in
            refill(&state, now: now)
            guard state.earned + state.reserve >= Self.unit else { return false }
            let fromEarned = min(state.earned, Self.unit)
            state.earned -= fromEarned
            state.reserve -= Self.unit - fromEarned
            return true
        }
    }

    /// Gives back the token of a retry that never ran (its backoff wait was
    /// cancelled), to the earned part first, within both caps.
    func returnRetry() {
        let earnedCapacity = self.earnedCapacity
        let reserveCapacity = self.reserveCapacity
        state.locked { state in
            let toEarned = min(Self.unit, earnedCapacity - state.earned)
            state.earned += toEarned
            state.reserve = min(reserveCapacity, state.reserve + Self.unit - toEarned)
        }
    }

    /// The tokens available now (earned plus reserve): how many retries would be
    /// allowed if no request came in meanwhile, as a fraction.
    public var availableTokens: Double {
        let now = clock.now
        let micro = state.locked { state in
            refill(&state, now: now)
            return state.earned + state.reserve
        }
        return Double(micro) / Double(Self.unit)
    }

    /// Adds `minimumRetriesPerSecond` tokens per elapsed second to the reserve.
    private func refill(_ state: inout State, now: WhaleInstant) {
        let elapsed = state.lastRefill.duration(to: now).whaleNanoseconds
        guard elapsed > 0 else { return }
        state.lastRefill = now
        guard state.reserve < reserveCapacity else {
            state.carry = 0
            return
        }
        // millionths = elapsed ns × per-second rate × 10⁶ / 10⁹.
        let (product, overflow) = elapsed.multipliedReportingOverflow(by: Int64(minimumRetriesPerSecond))
        let (total, overflowSum) = product.addingReportingOverflow(state.carry)
        if overflow || overflowSum {
            state.reserve = reserveCapacity
            state.carry = 0
            return
        }
        let (added, carry) = total.quotientAndRemainder(dividingBy: 1_000)
        if added >= reserveCapacity - state.reserve {
            state.reserve = reserveCapacity
            state.carry = 0
        } else {
            state.reserve += added
            state.carry = carry
        }
    }
}
