/// How a ``RateLimiter`` (or each key of a ``KeyedRateLimiter``) hands out
/// permits, and how long ``RateLimiter/execute(_:)`` waits for one.
///
/// ```swift
/// let perUser = try RateLimiterConfiguration(algorithm: .gcra(ratePerSecond: 5, burst: 10))
/// let api = try RateLimiterConfiguration(algorithm: .tokenBucket(capacity: 200, refillPerSecond: 50), timeout: .milliseconds(100))
/// ```
public struct RateLimiterConfiguration: Sendable, Hashable {
    /// The counting rule: a token bucket or GCRA. Extensible: new algorithms
    /// may be added as static members.
    public struct Algorithm: Sendable, Hashable, CustomStringConvertible {
        enum Base: Hashable {
            case tokenBucket(capacity: Int, refillPerSecond: Double)
            case gcra(ratePerSecond: Double, burst: Int)
        }

        let base: Base

        /// A token bucket: it holds at most `capacity` tokens, starts full and
        /// gains `refillPerSecond` tokens per second (continuously, computed
        /// lazily from the clock). A call takes one token per permit.
        /// - Parameters:
        ///   - capacity: the most tokens held, so the largest burst; 1…9 000 000 000.
        ///   - refillPerSecond: tokens added per second; greater than 0, at most 10⁹.
        public static func tokenBucket(capacity: Int, refillPerSecond: Double) -> Algorithm {
            Algorithm(base: .tokenBucket(capacity: capacity, refillPerSecond: refillPerSecond))
        }

        /// The generic cell rate algorithm (virtual scheduling): one permit
        /// every `1 / ratePerSecond` seconds, with up to `burst` permits at
        /// once after an idle period. It keeps one timestamp per limiter.
        /// The emission interval is rounded to whole nanoseconds.
        /// - Parameters:
        ///   - ratePerSecond: the sustained rate; greater than 0, at most 10⁹.
        ///   - burst: how many permits may be taken at the same instant; at least 1.
        public static func gcra(ratePerSecond: Double, burst: Int) -> Algorithm {
            Algorithm(base: .gcra(ratePerSecond: ratePerSecond, burst: burst))
        }

        /// The most permits one call may ask for: the bucket's capacity or the burst.
        public var maximumPermits: Int {
            switch base {
            case .tokenBucket(let capacity, _): capacity
            case .gcra(_, let burst): burst
            }
        }

        public var description: String {
            switch base {
            case .tokenBucket(let capacity, let refill): "tokenBucket(capacity: \(capacity), refillPerSecond: \(refill))"
            case .gcra(let rate, let burst): "gcra(ratePerSecond: \(rate), burst: \(burst))"
            }
        }

        fileprivate func validate() throws {
            switch base {
            case .tokenBucket(let capacity, let refill):
                try ConfigurationCheck.require(
                    capacity >= 1 && capacity <= 9_000_000_000,
                    "algorithm.capacity",
                    "must be in 1…9000000000, got \(capacity)"
                )
                try Self.checkRate(refill, "algorithm.refillPerSecond")
            case .gcra(let rate, let burst):
                try Self.checkRate(rate, "algorithm.ratePerSecond")
                try ConfigurationCheck.positive(burst, "algorithm.burst")
            }
        }

        private static func checkRate(_ rate: Double, _ field: String) throws {
            try ConfigurationCheck.require(
                rate.isFinite && rate > 0 && rate <= 1_000_000_000,
                field,
                "must be a rate per second greater than 0 and at most 1e9, got \(rate)"
            )
        }
    }

    /// The counting rule. Default: `.tokenBucket(capacity: 100, refillPerSecond: 100)`.
    public let algorithm: Algorithm
    /// How long ``RateLimiter/execute(_:)`` (and ``RateLimiter/acquire(permits:timeout:)``
    /// without a timeout) waits for a permit that is not there yet. Zero
    /// fails fast. At least 0. Default: 0.
    public let timeout: Duration

    /// Creates a configuration; every field is validated.
    /// - Parameters:
    ///   - algorithm: the counting rule. Default: a token bucket of 100 refilled at 100 per second.
    ///   - timeout: the default wait for a permit, at least 0. Default: 0 (fail fast).
    /// - Throws: `WhaleError` `.invalidConfiguration` whose message starts with the field's name.
    public init(algorithm: Algorithm = .tokenBucket(capacity: 100, refillPerSecond: 100), timeout: Duration = .zero) throws {
        try algorithm.validate()
        try ConfigurationCheck.require(timeout >= .zero, "timeout", "must be zero or more, got \(timeout)")
        self.init(unchecked: algorithm, timeout)
    }

    private init(unchecked algorithm: Algorithm, _ timeout: Duration) {
        self.algorithm = algorithm
        self.timeout = timeout
    }

    /// The defaults: a token bucket of 100 refilled at 100 per second, fail fast.
    public static var `default`: RateLimiterConfiguration {
        RateLimiterConfiguration(unchecked: .tokenBucket(capacity: 100, refillPerSecond: 100), .zero)
    }
}
