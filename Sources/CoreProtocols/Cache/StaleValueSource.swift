/// Something that can still hand out an old value when the fresh one cannot
/// be had: the cache keeps expired entries for a grace period and conforms,
/// so the resilience module's stale-value fallback can serve them (fail-safe).
public protocol StaleValueSource: Sendable {
    /// The last known value for `key`, even if expired, or `nil` if none is kept.
    func staleValue(forKey key: String) async -> StaleValue?
}

/// A value served past its freshness, with when it was stored.
public struct StaleValue: Sendable, Hashable {
    /// The stored bytes.
    public var bytes: [UInt8]
    /// When it was stored.
    public var storedAt: WhaleInstant

    public init(bytes: [UInt8], storedAt: WhaleInstant) {
        self.bytes = bytes
        self.storedAt = storedAt
    }
}
