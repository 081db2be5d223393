/// The bounds, weights, expiry and removal listener of a ``MemoryCache``.
///
/// Bound a cache by entries (``maximumEntries``), by weight (``maximumWeight``
/// with a ``weigher``, usually the value's size in bytes), by both, or not at
/// all. With a weight bound the policy's queues are sized in weight and the
/// entry bound, if any, is a second limit.
///
/// ```swift
/// let configuration = MemoryCacheConfiguration<String, [UInt8]>(
///     maximumWeight: 64 << 20,
///     weigher: { key, value in key.utf8.count + value.count },
///     defaultTTL: .seconds(300)
/// )
/// ```
public struct MemoryCacheConfiguration<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// The most entries the cache holds. Must be positive. Default: `nil` (no entry bound).
    public var maximumEntries: Int?
    /// The most total weight (the sum of ``weigher``'s results, usually bytes)
    /// the cache holds. Must be positive. Default: `nil` (no weight bound).
    public var maximumWeight: Int?
    /// An entry's weight: called once per ``MemoryCache/set(_:_:ttl:)``, outside
    /// any lock; must not be negative. Default: 1 for every entry.
    public var weigher: @Sendable (Key, Value) -> Int
    /// How long an entry lives when ``MemoryCache/set(_:_:ttl:)`` names no TTL.
    /// Must be positive. Default: `nil` (entries never expire).
    public var defaultTTL: Duration?
    /// Called once for every entry that leaves the cache, with the cause:
    /// `.expired`, `.evicted` (size), `.replaced` or `.explicit`. Runs on the
    /// thread whose call removed the entry, after the cache's locks are
    /// released, so it may call the cache. Default: `nil`.
    public var removalListener: (@Sendable (MemoryCacheRemoval<Key, Value>) -> Void)?
    /// The value of the `cache` dimension on the cache's metrics. Must not be
    /// empty. Default: `"l1"`.
    public var name: String
    /// The largest share of a reader's time that ``MemoryCache/get(_:)``
    /// spends on the policy, 0…1. A reader whose read-buffer stripe is full
    /// drains it into the policy only within this share; meanwhile accesses
    /// that do not fit are dropped from the policy's statistics, never from
    /// the results or the hit metrics. The share in force follows what the
    /// drained reads teach: all of it while they change frequency estimates
    /// (a hot set being learnt), down to a quarter of it when none does (hits
    /// on entries whose sketch counters are saturated, which no admission
    /// decision can go against); after a drain that took `d`, readers skip
    /// drains for `d × (1 − s) / s` with `s` the share in force. Lower makes a
    /// hit cheaper under a burst of reads, and the policy learns from fewer
    /// of them; 0 leaves all maintenance to writes and ``MemoryCache/cleanUp()``.
    /// Default: 1/4. Writes drain the whole read buffer whatever the share,
    /// so it matters between writes. On the L1 benchmark (a burst of hits on
    /// a warm cache) the default costs 26 ns a hit and 1/16 24–25 ns, on a
    /// machine where a `Mutex<Dictionary>` lookup costs 14–15 ns. Replaying
    /// the ARC paper's OLTP trace and Zipf(0.99) keys through the cache (the
    /// "L1 replay" benchmarks) gives the same hit ratios at 1/4 and 1/16
    /// within the run-to-run spread, which comes from the per-process hash
    /// seed (with `SWIFT_DETERMINISTIC_HASHING=1`, OLTP at 250 entries gives
    /// 26.03 % at both, every run).
    public var readMaintenanceShare: Double

    /// Creates a configuration.
    /// - Parameters:
    ///   - maximumEntries: the entry bound. Default: none.
    ///   - maximumWeight: the weight bound. Default: none.
    ///   - weigher: an entry's weight. Default: 1.
    ///   - defaultTTL: the lifetime of entries set without a TTL. Default: none.
    ///   - removalListener: called for each removal. Default: none.
    ///   - name: the metrics' `cache` dimension. Default: `"l1"`.
    ///   - readMaintenanceShare: the share of a reader's time for the policy. Default: 1/4.
    public init(
        maximumEntries: Int? = nil,
        maximumWeight: Int? = nil,
        weigher: @escaping @Sendable (Key, Value) -> Int = { _, _ in 1 },
        defaultTTL: Duration? = nil,
        removalListener: (@Sendable (MemoryCacheRemoval<Key, Value>) -> Void)? = nil,
        name: String = "l1",
        readMaintenanceShare: Double = 0.25
    ) {
        self.maximumEntries = maximumEntries
        self.maximumWeight = maximumWeight
        self.weigher = weigher
        self.defaultTTL = defaultTTL
        self.removalListener = removalListener
        self.name = name
        self.readMaintenanceShare = readMaintenanceShare
    }
}
