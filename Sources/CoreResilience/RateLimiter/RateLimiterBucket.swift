/// The state of one rate limit, as a value: a token bucket counted in
/// nano-tokens (10⁻⁹ token, so refills are exact for rates that divide 10⁹ ns)
/// or a GCRA theoretical arrival time. Refills are computed lazily from the
/// clock reading passed in; there is no timer. Both may run "into debt" when a
/// waiting caller reserves a permit that arrives later; ``refund(permits:now:)``
/// gives a reservation back when that caller is cancelled.
struct RateLimiterBucket: Sendable {
    /// What a reservation decided.
    enum Decision: Equatable {
        /// The permits are taken; the caller may go after `waitNanos` (0: now).
        case granted(waitNanos: Int64)
        /// Nothing was taken; the permits would be there after `retryAfterNanos`.
        case denied(retryAfterNanos: Int64)
    }

    private enum Rule {
        case tokenBucket(capacityNanos: Int64, nanosPerNanosecond: Double)
        case gcra(interval: Int64, tolerance: Int64)
    }

    static let nanosPerToken: Int64 = 1_000_000_000

    private let rule: Rule
    /// Token bucket: the tokens held, in nano-tokens (negative while in debt).
    private var tokens: Int64 = 0
    /// Token bucket: when the tokens were last refilled. GCRA: the theoretical
    /// arrival time of the next permit. Nanoseconds since the epoch.
    private var time: Int64

    init(_ algorithm: RateLimiterConfiguration.Algorithm, now: Int64) {
        switch algorithm.base {
        case .tokenBucket(let capacity, let refill):
            let capacityNanos = Int64(capacity).multipliedSaturating(by: Self.nanosPerToken)
            rule = .tokenBucket(capacityNanos: capacityNanos, nanosPerNanosecond: refill)
            tokens = capacityNanos
            time = now
        case .gcra(let rate, let burst):
            let interval = max(1, Int64(saturating: (1_000_000_000 / rate).rounded()))
            rule = .gcra(interval: interval, tolerance: interval.multipliedSaturating(by: Int64(burst)))
            time = now
        }
    }

    /// Takes `permits` if they are there now, or reserves them if they will be
    /// within `maxWaitNanos`; otherwise takes nothing.
    mutating func reserve(permits: Int, now: Int64, maxWaitNanos: Int64) -> Decision {
        switch rule {
        case .tokenBucket(let capacityNanos, let rate):
            refill(now: now, capacityNanos: capacityNanos, rate: rate)
            let need = Int64(permits).multipliedSaturating(by: Self.nanosPerToken)
            if tokens >= need {
                tokens -= need
                return .granted(waitNanos: 0)
            }
            let deficit = need.subtractingSaturating(tokens)
            let wait = Int64(saturating: (Double(deficit) / rate).rounded(.up))
            guard wait <= maxWaitNanos else { return .denied(retryAfterNanos: wait) }
            tokens = tokens.subtractingSaturating(need)
            return .granted(waitNanos: wait)
        case .gcra(let interval, let tolerance):
            let newTime = max(time, now).addingSaturating(interval.multipliedSaturating(by: Int64(permits)))
            let wait = max(0, newTime.subtractingSaturating(tolerance).subtractingSaturating(now))
            guard wait <= maxWaitNanos else { return .denied(retryAfterNanos: wait) }
            time = newTime
            return .granted(waitNanos: wait)
        }
    }

    /// Gives back permits reserved by a caller that will not use them.
    mutating func refund(permits: Int, now: Int64) {
        switch rule {
        case .tokenBucket(let capacityNanos, let rate):
            refill(now: now, capacityNanos: capacityNanos, rate: rate)
            let back = Int64(permits).multipliedSaturating(by: Self.nanosPerToken)
            tokens = min(capacityNanos, tokens.addingSaturating(back))
        case .gcra(let interval, _):
            time = time.subtractingSaturating(interval.multipliedSaturating(by: Int64(permits)))
        }
    }

    /// The permits that could be taken at `now` without waiting.
    mutating func available(now: Int64) -> Int {
        switch rule {
        case .tokenBucket(let capacityNanos, let rate):
            refill(now: now, capacityNanos: capacityNanos, rate: rate)
            return tokens <= 0 ? 0 : Int(tokens / Self.nanosPerToken)
        case .gcra(let interval, let tolerance):
            let backlog = max(0, time.subtractingSaturating(now))
            return backlog >= tolerance ? 0 : Int((tolerance - backlog) / interval)
        }
    }

    private mutating func refill(now: Int64, capacityNanos: Int64, rate: Double) {
        let elapsed = now.subtractingSaturating(time)
        guard elapsed > 0 else { return }
        time = now
        let missing = capacityNanos.subtractingSaturating(tokens)
        guard missing > 0 else { return }
        let added = Double(elapsed) * rate
        tokens = added >= Double(missing) ? capacityNanos : tokens + Int64(added)
    }
}

fileprivate extension Int64 {
    /// `value` rounded toward zero, clamped to the range of `Int64`; NaN is `.max`.
    init(saturating value: Double) {
        if value.isNaN || value >= 9_223_372_036_854_774_784 {
            self = .max
        } else if value <= -9_223_372_036_854_774_784 {
            self = .min
        } else {
            self = Int64(value)
        }
    }

    func addingSaturating(_ other: Int64) -> Int64 {
        let (result, overflow) = addingReportingOverflow(other)
        return overflow ? (other < 0 ? .min : .max) : result
    }

    func subtractingSaturating(_ other: Int64) -> Int64 {
        let (result, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other > 0 ? .min : .max) : result
    }

    func multipliedSaturating(by other: Int64) -> Int64 {
        let (result, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? ((self < 0) != (other < 0) ? .min : .max) : result
    }
}
