import CoreProtocols
import CoreTestKit
import MetricsTestKit
import Testing

@testable import CoreCache

@Suite(.timeLimit(.minutes(1))) struct MemoryCacheTests {
    typealias Cache = MemoryCache<String, Int>
    typealias Configuration = MemoryCacheConfiguration<String, Int>

    // MARK: - Configuration

    @Test(arguments: [
        (Configuration(maximumEntries: 0), "maximumEntries"),
        (Configuration(maximumEntries: -3), "maximumEntries"),
        (Configuration(maximumEntries: Int.max), "maximumEntries"),
        (Configuration(maximumWeight: 0), "maximumWeight"),
        (Configuration(maximumWeight: -1), "maximumWeight"),
        (Configuration(defaultTTL: .zero), "defaultTTL"),
        (Configuration(defaultTTL: .seconds(-1)), "defaultTTL"),
        (Configuration(name: ""), "name"),
        (Configuration(readMaintenanceShare: -0.1), "readMaintenanceShare"),
        (Configuration(readMaintenanceShare: 1.5), "readMaintenanceShare"),
        (Configuration(readMaintenanceShare: .nan), "readMaintenanceShare"),
    ])
    func rejectsInvalidConfiguration(configuration: Configuration, field: String) {
        let error = memoryCacheError { _ = try Cache(configuration: configuration) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.hasPrefix("\(field):") == true, "\(String(describing: error))")
    }

    @Test func acceptsEveryKindOfBound() throws {
        let unbounded = try Cache(configuration: .init())
        #expect(unbounded.maximumWeight == nil)
        let entries = try Cache(configuration: .init(maximumEntries: 10))
        #expect(entries.maximumWeight == nil)
        let both = try Cache(configuration: .init(maximumEntries: 10, maximumWeight: 100))
        #expect(both.maximumWeight == 100)
        #expect(both.vitality().maximumEntries == 10)
    }

    /// With a share of 0 a reader never drains: its hits reach the policy
    /// only through a write or `cleanUp()`. With 1 it drains whenever its
    /// stripe fills and the policy lock is free. Either way every hit is
    /// served and counted.
    @Test(arguments: [0.0, 1.0])
    func readMaintenanceShareBoundsReaderDrains(share: Double) throws {
        let cache = try Cache(configuration: .init(maximumEntries: 100, readMaintenanceShare: share))
        try cache.set("hot", 1)
        let drainsBefore = cache.policy.locked { $0.readDrains }
        for _ in 0..<(MemoryCacheReadBuffer.capacity * 8) { #expect(cache.get("hot") == 1) }
        let drains = cache.policy.locked { $0.readDrains } - drainsBefore
        if share == 0 {
            #expect(drains == 0)
        } else {
            #expect(drains > 0)
        }
        #expect(cache.readBuffer.statistics.hits == MemoryCacheReadBuffer.capacity * 8)
    }

    // MARK: - Reads and writes

    @Test func setGetRemove() throws {
        let log = MemoryCacheRemovalLog<String, Int>()
        let cache = try Cache(configuration: .init(maximumEntries: 100, removalListener: log.listener))
        #expect(cache.get("a") == nil)
        try cache.set("a", 1)
        try cache.set("b", 2)
        #expect(cache.get("a") == 1)
        #expect(cache.get("b") == 2)
        #expect(cache.count == 2)
        #expect(cache.weightedSize == 2)
        #expect(cache.remove("a") == 1)
        #expect(cache.remove("a") == nil)
        #expect(cache.get("a") == nil)
        #expect(cache.count == 1)
        #expect(log.all.map(\.key) == ["a"])
        #expect(log.all.map(\.cause) == [.explicit])
        #expect(log.all.map(\.value) == [1])
        #expect(cache.consistencyProblems() == [])
    }

    @Test func replacingNotifiesTheOldValue() throws {
        let log = MemoryCacheRemovalLog<String, Int>()
        let cache = try Cache(configuration: .init(maximumEntries: 10, removalListener: log.listener))
        try cache.set("k", 1)
        try cache.set("k", 2)
        #expect(cache.get("k") == 2)
        #expect(cache.count == 1)
        #expect(log.all.map(\.cause) == [.replaced])
        #expect(log.all.map(\.value) == [1])
        #expect(cache.consistencyProblems() == [])
    }

    @Test func rejectsAnEntryHeavierThanTheBudget() throws {
        let cache = try Cache(configuration: .init(maximumWeight: 10, weigher: { _, value in value }))
        try cache.set("small", 4)
        let error = memoryCacheError { try cache.set("big", 11) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains("maximumWeight 10") == true)
        #expect(cache.get("big") == nil)
        // A failed replacement leaves the old value alone.
        #expect(memoryCacheError { try cache.set("small", 12) }?.code == .invalidInput)
        #expect(cache.get("small") == 4)
        #expect(cache.weightedSize == 4)
        // Exactly the budget fits (and evicts the rest).
        try cache.set("exact", 10)
        cache.cleanUp()
        #expect(cache.weightedSize <= 10)
        #expect(cache.consistencyProblems() == [])
    }

    @Test func rejectsNegativeWeightsAndNonPositiveTTLs() throws {
        let cache = try Cache(configuration: .init(maximumWeight: 100, weigher: { _, value in value }))
        #expect(memoryCacheError { try cache.set("negative", -1) }?.code == .invalidInput)
        #expect(memoryCacheError { try cache.set("zero", 1, ttl: .zero) }?.code == .invalidInput)
        #expect(memoryCacheError { try cache.set("past", 1, ttl: .seconds(-5)) }?.code == .invalidInput)
        #expect(cache.count == 0)
        // A zero weight is fine.
        try cache.set("free", 0)
        #expect(cache.get("free") == 0)
    }

    @Test func unboundedCacheKeepsEverything() throws {
        let cache = try Cache(configuration: .init())
        for index in 0..<5_000 { try cache.set("k\(index)", index) }
        cache.cleanUp()
        #expect(cache.count == 5_000)
        #expect(cache.get("k0") == 0)
        #expect(cache.vitality().windowFraction == 0)
        #expect(cache.consistencyProblems() == [])
    }

    // MARK: - Expiry

    @Test func entriesExpireOnTheManualClock() throws {
        let clock = ManualClock()
        let log = MemoryCacheRemovalLog<String, Int>()
        let cache = try Cache(
            configuration: .init(maximumEntries: 100, defaultTTL: .seconds(60), removalListener: log.listener),
            clock: clock
        )
        try cache.set("short", 1, ttl: .seconds(10))
        try cache.set("default", 2)
        clock.advance(by: .seconds(9))
        #expect(cache.get("short") == 1)
        clock.advance(by: .seconds(1))
        // Expired: a miss at once, swept by the next maintenance.
        #expect(cache.get("short") == nil)
        #expect(cache.count == 2)
        #expect(cache.vitality().expiredShare == 0.5)
        cache.cleanUp()
        #expect(cache.count == 1)
        #expect(log.all.map(\.key) == ["short"])
        #expect(log.all.map(\.cause) == [.expired])
        #expect(cache.vitality().expiredShare == 0)
        clock.advance(by: .seconds(50))
        #expect(cache.get("default") == nil)
        cache.cleanUp()
        #expect(cache.count == 0)
        #expect(log.count(.expired) == 2)
        #expect(cache.vitality().evictionCount == 2)
        #expect(cache.consistencyProblems() == [])
    }

    @Test func longTTLsCascadeThroughTheWheel() throws {
        let clock = ManualClock()
        let log = MemoryCacheRemovalLog<String, Int>()
        let cache = try Cache(configuration: .init(removalListener: log.listener), clock: clock)
        let ttls: [(String, Duration)] = [
            ("minutes", .seconds(150)), ("hours", .seconds(7_200)), ("days", .seconds(3 * 86_400)),
            ("weeks", .seconds(30 * 86_400)),
        ]
        for (key, ttl) in ttls { try cache.set(key, 1, ttl: ttl) }
        try cache.set("forever", 1)
        var elapsed = Duration.zero
        for (key, ttl) in ttls {
            // Just before the deadline: still there, after maintenance too.
            clock.advance(by: ttl - elapsed - .seconds(1))
            cache.cleanUp()
            #expect(cache.get(key) == 1, "\(key)")
            clock.advance(by: .seconds(2))
            elapsed = ttl + .seconds(1)
            #expect(cache.get(key) == nil, "\(key)")
            cache.cleanUp()
            #expect(log.all.last?.key == key)
            #expect(cache.consistencyProblems() == [])
        }
        #expect(cache.count == 1)
        #expect(cache.get("forever") == 1)
    }

    @Test func replacingOrRemovingAnExpiredEntryReportsExpiry() throws {
        let clock = ManualClock()
        let log = MemoryCacheRemovalLog<String, Int>()
        let cache = try Cache(configuration: .init(removalListener: log.listener), clock: clock)
        try cache.set("a", 1, ttl: .milliseconds(100))
        try cache.set("b", 2, ttl: .milliseconds(100))
        clock.advance(by: .milliseconds(200))
        try cache.set("a", 3)
        #expect(cache.remove("b") == nil)
        #expect(cache.get("a") == 3)
        #expect(log.all.map(\.cause) == [.expired, .expired])
        #expect(log.all.map(\.value) == [1, 2])
        // The new value of "a" has no TTL.
        clock.advance(by: .seconds(3_600))
        cache.cleanUp()
        #expect(cache.get("a") == 3)
        #expect(cache.consistencyProblems() == [])
    }

    @Test func aNewTTLReschedulesTheEntry() throws {
        let clock = ManualClock()
        let cache = try Cache(configuration: .init(maximumEntries: 10), clock: clock)
        try cache.set("k", 1, ttl: .seconds(5))
        try cache.set("k", 2, ttl: .seconds(60))
        clock.advance(by: .seconds(10))
        cache.cleanUp()
        #expect(cache.get("k") == 2)
        try cache.set("k", 3)
        clock.advance(by: .seconds(100))
        cache.cleanUp()
        #expect(cache.get("k") == 3)
        #expect(cache.consistencyProblems() == [])
    }

    // MARK: - Eviction

    @Test func evictsToTheEntryBound() throws {
        let log = MemoryCacheRemovalLog<String, Int>()
        let cache = try Cache(configuration: .init(maximumEntries: 100, removalListener: log.listener))
        for index in 0..<1_000 { try cache.set("k\(index)", index) }
        cache.cleanUp()
        #expect(cache.count == 100)
        #expect(log.count(.evicted) == 900)
        #expect(log.all.allSatisfy { (0...15).contains($0.frequency) })
        let vitality = cache.vitality()
        #expect(vitality.evictionCount == 900)
        #expect(vitality.withinBudget)
        #expect(cache.consistencyProblems() == [])
    }

    @Test func evictsToTheWeightBound() throws {
        let cache = try Cache(configuration: .init(maximumWeight: 1_000, weigher: { _, value in value }))
        for index in 0..<500 { try cache.set("k\(index)", 1 + index % 20) }
        cache.cleanUp()
        #expect(cache.weightedSize <= 1_000)
        #expect(cache.weightedSize > 900)
        #expect(cache.consistencyProblems() == [])
    }

    @Test func bothBoundsHold() throws {
        let cache = try Cache(configuration: .init(maximumEntries: 50, maximumWeight: 10_000, weigher: { _, v in v }))
        for index in 0..<500 { try cache.set("k\(index)", 2) }
        cache.cleanUp()
        #expect(cache.count == 50)
        #expect(cache.weightedSize == 100)
        #expect(cache.vitality().withinBudget)
    }

    /// A scan of one-time keys must not flush the frequently used set (with
    /// LRU, every hot key would be gone).
    ///
    /// Twice: with a read maintenance share of 1, so that the policy sees
    /// every one of 20 rounds of hits (this is the policy's own scan
    /// resistance), and with the default share over 100 rounds. Under the
    /// default, how many hits of a short burst reach the policy depends on
    /// timing (the read buffer is lossy): under ThreadSanitizer, 20 rounds at
    /// the default share left as few as 35 of the 50 keys in about one run
    /// of 20, where share 1 kept 49 or 50 in all of 30, and so did the
    /// default over 100 rounds.
    @Test(arguments: [(share: 1.0, rounds: 20), (share: 0.25, rounds: 100)])
    func aScanDoesNotFlushTheHotSet(share: Double, rounds: Int) throws {
        let cache = try Cache(configuration: .init(maximumEntries: 100, readMaintenanceShare: share))
        let hot = (0..<50).map { "hot\($0)" }
        for _ in 0..<rounds {
            for key in hot where cache.get(key) == nil {
                try cache.set(key, 1)
            }
        }
        for index in 0..<2_000 {
            let key = "scan\(index)"
            if cache.get(key) == nil { try cache.set(key, 2) }
        }
        cache.cleanUp()
        let survivors = hot.filter { cache.get($0) != nil }.count
        #expect(survivors >= 45, "\(survivors) of 50 hot keys survived")
        // The same access pattern under LRU keeps none of them.
        var keys: [UInt64] = []
        for _ in 0..<rounds { keys += (0..<50).map { UInt64($0) } }
        keys += (0..<2_000).map { UInt64(1_000 + $0) }
        let lruHitsAfterScan = CacheSimulator.run(keys: keys + (0..<50).map { UInt64($0) }, capacity: 100, policy: .lru)
        let lruHitsBeforeScan = CacheSimulator.run(keys: keys, capacity: 100, policy: .lru)
        #expect(lruHitsAfterScan.hits == lruHitsBeforeScan.hits)
    }

    @Test func frequencyCountsAccesses() throws {
        let cache = try Cache(configuration: .init(maximumEntries: 1_000))
        #expect(cache.frequency(of: "never") == 0)
        try cache.set("warm", 1)
        for _ in 0..<5 { _ = cache.get("warm") }
        #expect((5...7).contains(cache.frequency(of: "warm")))
        for _ in 0..<100 { _ = cache.get("warm") }
        #expect(cache.frequency(of: "warm") == 15)
    }

    // MARK: - Invalidation

    @Test func removeAllWhereRemovesMatches() throws {
        let log = MemoryCacheRemovalLog<String, Int>()
        let clock = ManualClock()
        let cache = try Cache(configuration: .init(removalListener: log.listener), clock: clock)
        for index in 0..<10 { try cache.set("user:\(index)", index) }
        for index in 0..<5 { try cache.set("order:\(index)", index) }
        try cache.set("user:expired", 99, ttl: .seconds(1))
        clock.advance(by: .seconds(2))
        // The predicate runs outside the locks, so it may call the cache.
        let removed = cache.removeAll { key, _ in key.hasPrefix("user:") && cache.count > 0 }
        #expect(removed == 10)
        #expect(log.count(.explicit) == 10)
        #expect(cache.get("order:3") == 3)
        #expect(cache.get("user:3") == nil)
        #expect(cache.removeAll { _, value in value > 100 } == 0)
        cache.cleanUp()
        #expect(cache.count == 5)
        #expect(log.count(.expired) == 1)
        #expect(cache.consistencyProblems() == [])
    }

    @Test func removeAllEmptiesTheCache() throws {
        let log = MemoryCacheRemovalLog<String, Int>()
        let clock = ManualClock()
        let cache = try Cache(configuration: .init(maximumEntries: 100, removalListener: log.listener), clock: clock)
        for index in 0..<20 { try cache.set("k\(index)", index) }
        try cache.set("soon", 1, ttl: .seconds(1))
        clock.advance(by: .seconds(5))
        cache.removeAll()
        #expect(cache.count == 0)
        #expect(cache.weightedSize == 0)
        #expect(log.count(.explicit) == 20)
        #expect(log.count(.expired) == 1)
        try cache.set("again", 1)
        #expect(cache.get("again") == 1)
        #expect(cache.consistencyProblems() == [])
    }

    // MARK: - Budget

    @Test func resizeEvictsAtOnce() throws {
        let log = MemoryCacheRemovalLog<String, Int>()
        let cache = try Cache(
            configuration: .init(maximumWeight: 1_000, weigher: { _, value in value }, removalListener: log.listener)
        )
        for index in 0..<100 { try cache.set("k\(index)", 10) }
        #expect(cache.weightedSize == 1_000)
        try cache.resize(maximumWeight: 500)
        #expect(cache.maximumWeight == 500)
        #expect(cache.weightedSize <= 500)
        #expect(log.count(.evicted) >= 50)
        try cache.resize(maximumWeight: 2_000)
        for index in 100..<200 { try cache.set("k\(index)", 10) }
        #expect(cache.weightedSize > 1_000)
        #expect(memoryCacheError { try cache.resize(maximumWeight: 0) }?.code == .invalidConfiguration)
        #expect(memoryCacheError { try cache.resize(maximumWeight: -10) }?.message.hasPrefix("maximumWeight:") == true)
        #expect(cache.maximumWeight == 2_000)
        #expect(cache.consistencyProblems() == [])
    }

    @Test func resizeGivesAnEntryBoundedCacheAWeightBound() throws {
        let cache = try Cache(configuration: .init(maximumEntries: 100, weigher: { _, value in value }))
        for index in 0..<100 { try cache.set("k\(index)", 2) }
        #expect(cache.maximumWeight == nil)
        try cache.resize(maximumWeight: 50)
        #expect(cache.maximumWeight == 50)
        #expect(cache.weightedSize <= 50)
        #expect(cache.count <= 25)
        try cache.resize(maximumWeight: 10_000)
        for index in 0..<1_000 { try cache.set("n\(index)", 2) }
        // The entry bound still holds.
        #expect(cache.count == 100)
        #expect(cache.consistencyProblems() == [])
    }

    @Test func followsPressure() throws {
        let knob = MemoryCachePressureKnob()
        let cache = try Cache(configuration: .init(maximumWeight: 1_000, weigher: { _, value in value }))
        for index in 0..<100 { try cache.set("k\(index)", 10) }
        cache.follow(pressure: knob, minimumWeight: 200, maximumWeight: 1_000)
        #expect(cache.maximumWeight == 1_000)
        knob.set(0.5)
        cache.cleanUp()
        #expect(cache.maximumWeight == 600)
        #expect(cache.weightedSize <= 600)
        knob.set(1)
        try cache.set("trigger", 10)
        #expect(cache.maximumWeight == 200)
        #expect(cache.weightedSize <= 200)
        knob.set(7)
        cache.cleanUp()
        #expect(cache.maximumWeight == 200)
        knob.set(-1)
        cache.cleanUp()
        #expect(cache.maximumWeight == 1_000)
        knob.set(.nan)
        cache.cleanUp()
        #expect(cache.maximumWeight == 1_000)
        // Swapped bounds are put in order.
        knob.set(1)
        cache.follow(pressure: knob, minimumWeight: 900, maximumWeight: 300)
        #expect(cache.maximumWeight == 300)
        // A resize stops following.
        try cache.resize(maximumWeight: 400)
        knob.set(0)
        cache.cleanUp()
        #expect(cache.maximumWeight == 400)
        #expect(cache.consistencyProblems() == [])
    }

    @Test func pressureGivesAnUnboundedCacheABudget() throws {
        let knob = MemoryCachePressureKnob()
        knob.set(1)
        let cache = try Cache(configuration: .init())
        for index in 0..<300 { try cache.set("k\(index)", index) }
        cache.follow(pressure: knob, minimumWeight: 100, maximumWeight: 200)
        #expect(cache.maximumWeight == 100)
        #expect(cache.count == 100)
        #expect(cache.consistencyProblems() == [])
    }

    // MARK: - Vitality and metrics

    @Test func vitalityReportsTheState() throws {
        let cache = try Cache(configuration: .init(maximumEntries: 1_000))
        #expect(cache.vitality().hitRatio == 0)
        try cache.set("a", 1)
        _ = cache.get("a")
        _ = cache.get("a")
        _ = cache.get("a")
        _ = cache.get("missing")
        let vitality = cache.vitality()
        #expect(vitality.count == 1)
        #expect(vitality.weightedSize == 1)
        #expect(vitality.maximumEntries == 1_000)
        #expect(vitality.maximumWeight == nil)
        #expect(vitality.hitCount == 3)
        #expect(vitality.missCount == 1)
        #expect(vitality.hitRatio == 0.75)
        #expect(vitality.windowFraction == 0.01)
        #expect(vitality.withinBudget)
        #expect(vitality.expiredShare == 0)
    }

    @Test func publishesMetrics() throws {
        let metrics = TestMetrics()
        let clock = ManualClock()
        let cache = try Cache(
            configuration: .init(maximumEntries: 10, name: "sessions"),
            clock: clock,
            metricsFactory: metrics
        )
        try cache.set("a", 1)
        _ = cache.get("a")
        _ = cache.get("b")
        for index in 0..<20 { try cache.set("k\(index)", index) }
        try cache.set("ttl", 1, ttl: .seconds(1))
        clock.advance(by: .seconds(3))
        cache.cleanUp()
        let cacheDimension = [("cache", "sessions")]
        #expect(try metrics.expectCounter("whale_cache_l1_hits", cacheDimension).totalValue == 1)
        #expect(try metrics.expectCounter("whale_cache_l1_misses", cacheDimension).totalValue == 1)
        let evicted = try metrics.expectCounter("whale_cache_l1_evictions", cacheDimension + [("cause", "evicted")])
        #expect(evicted.totalValue == 12)
        let expired = try metrics.expectCounter("whale_cache_l1_evictions", cacheDimension + [("cause", "expired")])
        #expect(expired.totalValue == 1)
        #expect(try metrics.expectGauge("whale_cache_l1_entries", cacheDimension).lastValue == 9)
        #expect(try metrics.expectGauge("whale_cache_l1_weighted_size", cacheDimension).lastValue == 9)
    }
}
