import CoreMetrics

/// A ``MemoryCache``'s swift-metrics instruments, all with the dimension
/// `cache` (the configuration's name):
///
/// - `whale_cache_l1_hits` and `whale_cache_l1_misses` (counters): lookups;
///   published in batches when maintenance runs (the hit path touches no
///   shared counter);
/// - `whale_cache_l1_evictions` (counter, dimension `cause`: `evicted` for the
///   size policy, `expired` for the TTL sweep);
/// - `whale_cache_l1_weighted_size` and `whale_cache_l1_entries` (gauges).
struct MemoryCacheMetrics: Sendable {
    let hits: Counter
    let misses: Counter
    let evictedForSize: Counter
    let expired: Counter
    let weightedSize: Gauge
    let entries: Gauge

    init(name: String, factory: any MetricsFactory) {
        let dimensions = [("cache", name)]
        hits = Counter(label: "whale_cache_l1_hits", dimensions: dimensions, factory: factory)
        misses = Counter(label: "whale_cache_l1_misses", dimensions: dimensions, factory: factory)
        evictedForSize = Counter(
            label: "whale_cache_l1_evictions",
            dimensions: dimensions + [("cause", MemoryCacheRemovalCause.evicted.rawValue)],
            factory: factory
        )
        expired = Counter(
            label: "whale_cache_l1_evictions",
            dimensions: dimensions + [("cause", MemoryCacheRemovalCause.expired.rawValue)],
            factory: factory
        )
        weightedSize = Gauge(label: "whale_cache_l1_weighted_size", dimensions: dimensions, factory: factory)
        entries = Gauge(label: "whale_cache_l1_entries", dimensions: dimensions, factory: factory)
    }
}
