import CoreProtocols

/// What ``MemoryCache``'s policy lock protects, apart from the keys.
///
/// Not generic, so that the maintenance a reader runs when its read-buffer
/// stripe fills (drain, expire, evict, climb) instantiates no generic
/// metadata; only removing victims from the shards needs the key and value
/// types, and that happens only when there are victims.
struct MemoryCachePolicyState: Sendable {
    var core: WTinyLFUPolicy
    /// Nodes the policy dropped whose entries are still in the shards. Every
    /// path that adds a node removes them first, as their indices may be reused.
    var victims: [WTinyLFUPolicy.Victim] = []
    var follower: MemoryCachePressureFollower?
    /// The weight bound in force, if any.
    var weightBound: Int?
    /// The entry bound, if any.
    var entryBound: Int?
    /// Entries evicted for size or swept as expired.
    var evictions = 0
    /// Reader-triggered drains so far; every 64th publishes the statistics
    /// (gathering them reads every stripe).
    var readDrains = 0
    var publishedHits = 0
    var publishedMisses = 0
    var publishedCount = 0
    var publishedWeight = 0

    /// Sets the weight bound, switching the queues to weight on first use.
    mutating func setWeightBound(_ bound: Int) {
        if !core.weighted {
            core.switchToWeighted()
        }
        weightBound = bound
        core.setMaximum(bound)
    }

    /// The maintenance cycle (Caffeine's `maintenance`): buffered reads,
    /// expiry, pressure, eviction, climbing. Victims stay in ``victims``.
    /// - Parameters:
    ///   - now: the time, or `nil` when no entry has a deadline.
    ///   - callersStripeOnly: drain only the calling thread's read-buffer
    ///     stripe (a reader's drain), not every stripe.
    /// - Returns: what ``drainReads(_:callersStripeOnly:)`` returns.
    @discardableResult
    mutating func maintain(
        readBuffer: MemoryCacheReadBuffer,
        now: Int64?,
        callersStripeOnly: Bool = false
    ) -> (drained: Int, informative: Int) {
        let tally = drainReads(readBuffer, callersStripeOnly: callersStripeOnly)
        if let now {
            core.expire(now: now, into: &victims)
        }
        if let follower {
            let budget = follower.budget()
            if budget != weightBound {
                setWeightBound(budget)
            }
        }
        core.evict(into: &victims)
        core.climb()
        return tally
    }

    /// Applies the buffered reads to the policy: every stripe's, or only the
    /// calling thread's (a reader's drain). Returns the reads drained, and how
    /// many of them changed a frequency estimate
    /// (``WTinyLFUPolicy/recordAccess(_:)``).
    @discardableResult
    mutating func drainReads(
        _ readBuffer: MemoryCacheReadBuffer,
        callersStripeOnly: Bool = false
    ) -> (drained: Int, informative: Int) {
        var drained = 0
        var informative = 0
        readBuffer.drain(callersStripeOnly: callersStripeOnly) { reference in
            drained &+= 1
            if core.recordAccess(reference) { informative &+= 1 }
        }
        return (drained, informative)
    }

    /// The statistics to publish since the last call.
    mutating func statistics(readBuffer: MemoryCacheReadBuffer) -> MemoryCacheStatistics {
        var statistics = MemoryCacheStatistics()
        let count = core.count
        let weight = core.weightedSize
        if count != publishedCount || weight != publishedWeight {
            statistics.count = count
            statistics.weightedSize = weight
            publishedCount = count
            publishedWeight = weight
        }
        let totals = readBuffer.statistics
        statistics.hits = totals.hits &- publishedHits
        statistics.misses = totals.misses &- publishedMisses
        publishedHits = totals.hits
        publishedMisses = totals.misses
        return statistics
    }
}

/// Counts a locked operation hands to the metrics, outside the lock.
struct MemoryCacheStatistics: Sendable {
    var hits = 0
    var misses = 0
    var evicted = 0
    var expired = 0
    var explicit = 0
    /// Set when the entry count or weight changed.
    var count: Int?
    var weightedSize: Int?
}

/// A pressure signal and the weight range it maps onto.
struct MemoryCachePressureFollower: Sendable {
    let signal: any ResourcePressureSignal
    let minimumWeight: Int
    let maximumWeight: Int

    /// `maximumWeight` at pressure 0, `minimumWeight` at 1, linear in between;
    /// the pressure is clamped to 0…1 and a NaN reads as 0.
    func budget() -> Int {
        let pressure = signal.pressure()
        let clamped = pressure.isNaN ? 0 : min(max(pressure, 0), 1)
        let span = Double(maximumWeight - minimumWeight)
        return maximumWeight - Int((span * clamped).rounded())
    }
}
