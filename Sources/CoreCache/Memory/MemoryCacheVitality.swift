/// A ``MemoryCache``'s state at one moment (the spec's `check_vitality`).
public struct MemoryCacheVitality: Sendable, Hashable {
    /// Entries held, expired ones not yet swept included.
    public var count: Int
    /// The sum of the entries' weights.
    public var weightedSize: Int
    /// The weight bound now in force, or `nil` when there is none.
    public var maximumWeight: Int?
    /// The entry bound, or `nil` when there is none.
    public var maximumEntries: Int?
    /// The share (0…1) of ``count`` that has expired but is not swept yet.
    public var expiredShare: Double
    /// Whether ``weightedSize`` and ``count`` are within their bounds.
    public var withinBudget: Bool
    /// Lookups that found a live entry since the cache was created.
    public var hitCount: Int
    /// Lookups that found nothing or an expired entry.
    public var missCount: Int
    /// Entries evicted for size or swept as expired.
    public var evictionCount: Int
    /// `hitCount / (hitCount + missCount)`, or 0 before the first lookup.
    public var hitRatio: Double
    /// The share (0…1) of the bound given to the admission window now (the hill
    /// climber moves it); 0 for an unbounded cache.
    public var windowFraction: Double

    /// Creates a vitality report.
    public init(
        count: Int,
        weightedSize: Int,
        maximumWeight: Int?,
        maximumEntries: Int?,
        expiredShare: Double,
        withinBudget: Bool,
        hitCount: Int,
        missCount: Int,
        evictionCount: Int,
        hitRatio: Double,
        windowFraction: Double
    ) {
        self.count = count
        self.weightedSize = weightedSize
        self.maximumWeight = maximumWeight
        self.maximumEntries = maximumEntries
        self.expiredShare = expiredShare
        self.withinBudget = withinBudget
        self.hitCount = hitCount
        self.missCount = missCount
        self.evictionCount = evictionCount
        self.hitRatio = hitRatio
        self.windowFraction = windowFraction
    }
}
