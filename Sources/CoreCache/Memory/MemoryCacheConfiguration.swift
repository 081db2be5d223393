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
    /// drains it into the policy only within this share (after a drain that
    /// took `d`, readers skip drains for `d × (1 − share) / share`);
    /// meanwhile accesses that do not fit are dropped from the policy's
    /// statistics, never from the results or the hit metrics. Lower makes a
    /// hit cheaper under a burst of reads, and the policy learns from fewer
    /// of them; 0 leaves all maintenance to writes and ``MemoryCache/cleanUp()``.
    /// Default: 1/4. Writes drain the whole read buffer whatever the share,
    /// so it matters between writes: a hot set learnt from a burst of hits
    /// is protected by the hits the policy saw. Replaying requests through
    /// the cache on one thread at full speed (a get, and a set on each miss;
    /// the "L1 replay" benchmarks), 1/16 against 1/4 gave: on the ARC paper's
    /// OLTP trace at 250 entries 24.8–25.9 % against 25.4–25.7 %, at 1 000 and
    /// 2 000 entries the same within 0.2 points; on Zipf(0.99) over 100 000
    /// keys at 1 000 entries 57.9–59.0 % against 58.5–59.1 %, at 10 000 the
    /// same within 0.3 points. A hit
    /// under a burst of reads costs about a quarter less at 1/16 (26 against
    /// 33 ns on the L1 benchmark's machine), but a hot set learnt only from a
    /// burst of hits is weaker against a scan that follows it: in the test of
    /// 50 hot keys read 20 times, then 2 000 one-time keys, 1/16 kept 40 of
    /// them in a run under ThreadSanitizer, where 1/4 keeps at least 45. The
    /// figures move from run to run because the share is a share of time.
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
