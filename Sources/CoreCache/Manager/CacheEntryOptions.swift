import CoreProtocols

/// How much an entry matters, one input of the tier choice.
public enum CacheCriticality: String, Sendable, Hashable, CaseIterable {
    /// Hot, small, needed fast: L1 and L2.
    case critical
    /// The default: L1 when small enough, L2, and L3 when long-lived.
    case normal
    /// Large or rarely read: never L1; L2 when small enough, and L3.
    case bulk
}

/// The tiers an entry is written to.
public struct CacheTiers: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// In-process memory.
    public static let l1 = CacheTiers(rawValue: 1 << 0)
    /// Redis.
    public static let l2 = CacheTiers(rawValue: 1 << 1)
    /// SQLite.
    public static let l3 = CacheTiers(rawValue: 1 << 2)
    /// Every tier.
    public static let all: CacheTiers = [.l1, .l2, .l3]
}

/// Per-entry settings for ``CacheManager/set(_:_:options:)`` and loads.
///
/// Anything left `nil` comes from ``CacheManagerConfiguration/defaultOptions``.
public struct CacheEntryOptions: Sendable, Hashable {
    /// How long the value is fresh.
    public var ttl: Duration?
    /// How much the entry matters; drives the tier choice.
    public var criticality: CacheCriticality?
    /// The tiers to write, overriding the policy's choice.
    public var tiers: CacheTiers?
    /// Tags for ``CacheManager/invalidate(tag:)``.
    public var tags: [String]
    /// How long after going stale the value may still be served when the
    /// loader fails or its breaker is open (fail-safe). `.zero` turns fail-safe off.
    public var failSafeMaxDuration: Duration?
    /// Whether a stale value is returned at once while a background load
    /// refreshes it (stale-while-revalidate).
    public var staleWhileRevalidate: Bool?
    /// How long a loader's "nothing there" (`nil`) is cached. `.zero` turns
    /// negative caching off.
    public var negativeTTL: Duration?

    /// Creates options; `nil` means the configured default.
    public init(
        ttl: Duration? = nil,
        criticality: CacheCriticality? = nil,
        tiers: CacheTiers? = nil,
        tags: [String] = [],
        failSafeMaxDuration: Duration? = nil,
        staleWhileRevalidate: Bool? = nil,
        negativeTTL: Duration? = nil
    ) {
        self.ttl = ttl
        self.criticality = criticality
        self.tiers = tiers
        self.tags = tags
        self.failSafeMaxDuration = failSafeMaxDuration
        self.staleWhileRevalidate = staleWhileRevalidate
        self.negativeTTL = negativeTTL
    }
}

/// Chooses the tiers for an entry from its criticality, encoded size and
/// TTL class, and the per-tier TTLs (the spec's "smart decision of the right
/// layer").
///
/// - L1 takes `critical` and `normal` entries up to ``l1MaxEntryBytes``, for
///   at most ``l1MaxTTL`` (L1 is the short-TTL tier);
/// - L2 takes every entry up to ``l2MaxEntryBytes``;
/// - L3 takes `bulk` entries, and `normal` ones whose TTL is at least
///   ``l3MinTTL`` (the long-TTL tier), and anything too big for L2.
///
/// Physical TTLs in L2 and L3 add the fail-safe window and up to
/// ``ttlJitter`` (a fraction of the TTL, random per write) so entries written
/// together do not all expire together.
public struct CacheTierPolicy: Sendable, Hashable {
    /// The largest encoded entry kept in L1. Default: 64 KiB.
    public var l1MaxEntryBytes: Int
    /// The longest time an entry stays in L1. Default: 5 min.
    public var l1MaxTTL: Duration
    /// The largest encoded entry written to L2. Default: 512 KiB.
    public var l2MaxEntryBytes: Int
    /// The shortest TTL that also goes to L3. Default: 1 h.
    public var l3MinTTL: Duration
    /// The largest random addition to L2/L3 TTLs, as a fraction of the TTL.
    /// Default: 0.1.
    public var ttlJitter: Double

    /// Creates a policy.
    public init(
        l1MaxEntryBytes: Int = 64 << 10,
        l1MaxTTL: Duration = .seconds(300),
        l2MaxEntryBytes: Int = 512 << 10,
        l3MinTTL: Duration = .seconds(3_600),
        ttlJitter: Double = 0.1
    ) {
        self.l1MaxEntryBytes = l1MaxEntryBytes
        self.l1MaxTTL = l1MaxTTL
        self.l2MaxEntryBytes = l2MaxEntryBytes
        self.l3MinTTL = l3MinTTL
        self.ttlJitter = ttlJitter
    }

    /// The tiers for an entry of `size` encoded bytes.
    public func tiers(criticality: CacheCriticality, size: Int, ttl: Duration) -> CacheTiers {
        var tiers: CacheTiers = []
        if criticality != .bulk, size <= l1MaxEntryBytes { tiers.insert(.l1) }
        if size <= l2MaxEntryBytes { tiers.insert(.l2) }
        if criticality == .bulk || size > l2MaxEntryBytes || (criticality == .normal && ttl >= l3MinTTL) {
            tiers.insert(.l3)
        }
        return tiers
    }

    func check() throws {
        guard l1MaxEntryBytes >= 0, l2MaxEntryBytes >= 0 else {
            throw WhaleError(.invalidConfiguration, "tier policy: entry size limits must be ≥ 0")
        }
        guard l1MaxTTL > .zero, l3MinTTL > .zero else {
            throw WhaleError(.invalidConfiguration, "tier policy: l1MaxTTL and l3MinTTL must be > 0")
        }
        guard (0...1).contains(ttlJitter) else {
            throw WhaleError(.invalidConfiguration, "tier policy: ttlJitter must be within 0…1, not \(ttlJitter)")
        }
    }
}
