/// A point on the timeline of a ``WhaleClock``: nanoseconds since the Unix epoch.
///
/// One instant type serves both needs of the platform: it is monotonic within a
/// process (TTLs, breaker windows and schedules never jump backwards when the
/// wall clock is stepped), and it is anchored to the Unix epoch, so token expiry
/// and timestamps on the wire can be computed from it directly.
public struct WhaleInstant: InstantProtocol, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    public var nanosecondsSinceEpoch: Int64

    /// Creates an instant from nanoseconds since the Unix epoch.
    @inlinable
    public init(nanosecondsSinceEpoch: Int64) {
        self.nanosecondsSinceEpoch = nanosecondsSinceEpoch
    }

    /// Creates an instant from whole seconds since the Unix epoch.
    @inlinable
    public init(secondsSinceEpoch: Int64) {
        self.nanosecondsSinceEpoch = secondsSinceEpoch &* 1_000_000_000
    }

    /// Whole seconds since the Unix epoch, rounded down.
    @inlinable
    public var secondsSinceEpoch: Int64 {
        let (q, r) = nanosecondsSinceEpoch.quotientAndRemainder(dividingBy: 1_000_000_000)
        return r < 0 ? q - 1 : q
    }

    @inlinable
    public func advanced(by duration: Duration) -> WhaleInstant {
        WhaleInstant(nanosecondsSinceEpoch: nanosecondsSinceEpoch.addingSaturating(duration.whaleNanoseconds))
    }

    @inlinable
    public func duration(to other: WhaleInstant) -> Duration {
        .nanoseconds(other.nanosecondsSinceEpoch &- nanosecondsSinceEpoch)
    }

    @inlinable
    public static func < (lhs: WhaleInstant, rhs: WhaleInstant) -> Bool {
        lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch
    }

    public var description: String { "WhaleInstant(\(nanosecondsSinceEpoch) ns since epoch)" }

    /// Encodes as one integer: nanoseconds since the Unix epoch.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(nanosecondsSinceEpoch)
    }

    public init(from decoder: any Decoder) throws {
        self.init(nanosecondsSinceEpoch: try decoder.singleValueContainer().decode(Int64.self))
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturated to the range of `Int64`
    /// (about ±292 years).
    @inlinable
    public var whaleNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (secondsAsNanos, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return secondsAsNanos.addingSaturating(attoseconds / 1_000_000_000)
    }
}

extension Int64 {
    @inlinable
    func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        if overflow { return other < 0 ? .min : .max }
        return sum
    }
}
