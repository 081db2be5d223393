import CoreProtocols

/// Settings of a ``CacheManager``.
public struct CacheManagerConfiguration: Sendable, Hashable {
    /// Options used where an entry's ``CacheEntryOptions`` leave a field `nil`.
    public struct Defaults: Sendable, Hashable {
        /// How long a value is fresh. Default: 5 min.
        public var ttl: Duration = .seconds(300)
        /// Default: `.normal`.
        public var criticality: CacheCriticality = .normal
        /// How long a stale value stays usable for fail-safe. Default: 1 h.
        public var failSafeMaxDuration: Duration = .seconds(3_600)
        /// Default: off.
        public var staleWhileRevalidate = false
        /// How long a loader's `nil` is cached. Default: 30 s.
        public var negativeTTL: Duration = .seconds(30)

        /// Creates the defaults.
        public init() {}
    }

    /// Options for entries that leave fields unset.
    public var defaults = Defaults()
    /// Chooses tiers and per-tier TTLs.
    public var tierPolicy = CacheTierPolicy()
    /// L1's entry bound; `nil` for none. Default: 10 000.
    public var l1MaxEntries: Int? = 10_000
    /// L1's byte budget (encoded sizes); `nil` for none. Default: 64 MiB.
    public var l1MaxBytes: Int? = 64 << 20
    /// Whether the manager keeps an L1 at all. Default: true.
    public var l1Enabled = true
    /// An L1 victim evicted for space that the sketch saw at least this often
    /// is written down to L2/L3 when it lived only in L1. Default: 3.
    public var demotionMinFrequency = 3
    /// After fail-safe served a stale value, it is served without calling the
    /// loader again for this long. Default: 30 s.
    public var failSafeThrottle: Duration = .seconds(30)
    /// Key and tag rules.
    public var keyRules = CacheKeyRules.default
    /// Whether a failing L2/L3 (Redis down, disk full) throws to the caller.
    /// Default: false — reads fall through, writes are skipped and counted.
    public var throwOnTierFailure = false

    /// Creates the default configuration.
    public init() {}

    func check() throws {
        try tierPolicy.check()
        guard defaults.ttl > .zero else {
            throw WhaleError(.invalidConfiguration, "cache manager: defaults.ttl must be > 0")
        }
        guard defaults.failSafeMaxDuration >= .zero, defaults.negativeTTL >= .zero, failSafeThrottle >= .zero else {
            throw WhaleError(.invalidConfiguration, "cache manager: fail-safe and negative durations must be ≥ 0")
        }
        if let l1MaxEntries, l1MaxEntries <= 0 {
            throw WhaleError(.invalidConfiguration, "cache manager: l1MaxEntries must be > 0")
        }
        if let l1MaxBytes, l1MaxBytes <= 0 {
            throw WhaleError(.invalidConfiguration, "cache manager: l1MaxBytes must be > 0")
        }
    }
}

/// How many entries an invalidation removed, per tier.
public struct CacheInvalidationResult: Sendable, Hashable, CustomStringConvertible {
    /// Removed from L1.
    public var l1 = 0
    /// Removed from L2.
    public var l2 = 0
    /// Removed from L3.
    public var l3 = 0
    /// Tiers that failed and were skipped (their counts are unknown).
    public var failedTiers: [String] = []

    /// Entries removed over all tiers (a key held in two tiers counts twice).
    public var total: Int { l1 + l2 + l3 }

    public init() {}

    public var description: String {
        let failed = failedTiers.isEmpty ? "" : ", failed: \(failedTiers.joined(separator: ", "))"
        return "\(total) removed (l1 \(l1), l2 \(l2), l3 \(l3)\(failed))"
    }
}
