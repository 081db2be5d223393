public import CoreMetrics
public import CoreProtocols
import Metrics
public import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The in-process L1 cache: a W-TinyLFU cache in the manner of Caffeine.
///
/// Admission and eviction are Caffeine's (``CacheSimulator`` runs the same
/// policy code over traces): a small LRU admission window in front of a
/// segmented LRU main area, TinyLFU admission from a 4-bit count-min sketch
/// with a doorkeeper, and hill climbing of the window's size. A scan of keys
/// used once cannot flush the frequently used ones. Entries expire by TTL
/// (per entry, or ``MemoryCacheConfiguration/defaultTTL``): an expired entry is a
/// miss at once and is swept by maintenance through a timer wheel.
///
/// ```swift
/// let cache = try MemoryCache(configuration: .init(maximumEntries: 10_000, defaultTTL: .seconds(60)))
/// try cache.set("user:42", profile)
/// let hit = cache.get("user:42")
/// ```
///
/// Concurrency follows Caffeine too. The entries live in a sharded hash
/// table (shards by key hash, each an open-addressing table keyed by the hash
/// already computed, so a lookup hashes the key once). ``get(_:)`` takes no
/// lock: it claims its thread's stripe of the read buffer (one
/// compare-and-exchange, released with a plain store) and reads the shard
/// while no writer is at work (a writer waits for claimed stripes to be
/// released; see `MemoryCacheShards`), so readers on different threads write
/// no shared cache line; it records the access in the stripe it owns, a
/// lossy ring, with plain stores and without waiting. The policy (sketch, queues, timer wheel) sits
/// behind one lock that writers take, and whoever takes it (a writer,
/// ``cleanUp()``, or a reader whose buffer stripe is full and who gets it with
/// `tryLock`) drains the read buffer. A reader never blocks on the policy, and
/// spends at most a quarter of its time on it by default, a sixteenth while
/// the reads it drains change no frequency estimate (see
/// ``MemoryCacheConfiguration/readMaintenanceShare``): under a burst of reads, or when
/// the policy lock is taken, accesses are dropped from the policy's statistics
/// (never from the results), as in Caffeine when its maintenance falls behind.
/// A hit allocates nothing and retains no cache-internal object.
///
/// Maintenance (applying buffered reads, sweeping expired entries, evicting,
/// following a pressure signal, climbing) runs on writes, when a read-buffer
/// stripe fills, and on ``cleanUp()``; a cache that sees no traffic keeps its
/// expired entries (invisible to ``get(_:)``) until then.
///
/// Metrics: see `MemoryCacheMetrics`: counters `whale_cache_l1_hits`,
/// `whale_cache_l1_misses`, `whale_cache_l1_evictions` (dimension `cause`) and
/// gauges `whale_cache_l1_weighted_size`, `whale_cache_l1_entries`, all with
/// the dimension `cache`.
public final class MemoryCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    @usableFromInline let shards: MemoryCacheShards<Key, Value>
    @usableFromInline let readBuffer: MemoryCacheReadBuffer
    @usableFromInline let clock: any WhaleClock
    /// The configuration the cache was created with.
    public let configuration: MemoryCacheConfiguration<Key, Value>
    let metrics: MemoryCacheMetrics
    /// The policy's entry count and weight, mirrored after every change so that
    /// ``count`` and ``weightedSize`` need no lock.
    let countMirror = Atomic<Int>(0)
    let weightMirror = Atomic<Int>(0)
    /// Until when (``MemoryCacheStopwatch`` time) readers do not drain.
    let readDrainsResumeAt = Atomic<Int64>(0)
    /// ``MemoryCacheConfiguration/readMaintenanceShare``; `nil` when readers
    /// never drain (share 0).
    let readDrainShare: Double?
    /// Each live node's key, by node index; locked only under `policy`.
    let keyTable: Mutex<[Key?]>
    /// Last, so the read-mostly fields above do not share its cache lines.
    let policy: Mutex<MemoryCachePolicyState>

    /// Creates an empty cache.
    /// - Parameters:
    ///   - configuration: bounds, weigher, default TTL and removal listener.
    ///   - clock: the clock for TTLs. Default: `SystemClock()`.
    ///   - metricsFactory: where the metrics go. Default: the factory
    ///     `MetricsSystem` was bootstrapped with.
    /// - Throws: `WhaleError(.invalidConfiguration)` naming `maximumEntries`,
    ///   `maximumWeight` or `defaultTTL` when one is zero or negative (or the
    ///   entry bound exceeds 2³¹ − 200), `name` when it is empty, or
    ///   `readMaintenanceShare` when it is not in 0…1.
    public init(
        configuration: MemoryCacheConfiguration<Key, Value>,
        clock: any WhaleClock = SystemClock(),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws {
        if let entries = configuration.maximumEntries {
            try Self.require(entries > 0, "maximumEntries", "must be greater than zero, got \(entries)")
            let limit = WTinyLFUPolicy.maximumNodes - WTinyLFUPolicy.reservedNodes
            try Self.require(entries <= limit, "maximumEntries", "must be at most \(limit), got \(entries)")
        }
        if let weight = configuration.maximumWeight {
            try Self.require(weight > 0, "maximumWeight", "must be greater than zero, got \(weight)")
        }
        if let ttl = configuration.defaultTTL {
            try Self.require(ttl > .zero, "defaultTTL", "must be greater than zero, got \(ttl)")
        }
        try Self.require(!configuration.name.isEmpty, "name", "must not be empty")
        let share = configuration.readMaintenanceShare
        try Self.require(share >= 0 && share <= 1, "readMaintenanceShare", "must be in 0...1, got \(share)")
        self.readDrainShare = share > 0 ? share : nil
        self.configuration = configuration
        self.clock = clock
        self.metrics = MemoryCacheMetrics(name: configuration.name, factory: metricsFactory)
        let processors = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let shardCount = min(256, FrequencySketch.ceilingPowerOfTwo(max(16, 4 * processors)))
        self.shards = MemoryCacheShards(count: shardCount)
        self.readBuffer = MemoryCacheReadBuffer()
        let weighted = configuration.maximumWeight != nil
        let core = WTinyLFUPolicy(
            kind: .adaptive,
            maximum: weighted ? configuration.maximumWeight : configuration.maximumEntries,
            weighted: weighted,
            entriesCap: weighted ? configuration.maximumEntries : nil,
            now: clock.now.nanosecondsSinceEpoch
        )
        self.keyTable = Mutex(Array(repeating: nil, count: WTinyLFUPolicy.reservedNodes))
        self.policy = Mutex(
            MemoryCachePolicyState(
                core: core,
                weightBound: configuration.maximumWeight,
                entryBound: configuration.maximumEntries
            )
        )
        metrics.weightedSize.record(0)
        metrics.entries.record(0)
    }

    deinit {
        shards.deallocate()
        readBuffer.deallocate()
    }

    private static func require(_ condition: Bool, _ field: String, _ message: @autoclosure () -> String) throws {
        if !condition {
            throw WhaleError(.invalidConfiguration, "\(field): \(message())")
        }
    }

    // MARK: - Reads

    /// The value for `key`, or `nil` when it is absent or expired (the spec's
    /// `fast_get`). Records the access for the eviction policy.
    ///
    /// Hashes the key once, looks it up without a lock (under the shard's lock
    /// only while a writer is changing the table), reads the
    /// clock only when the entry has a TTL, records the hit in the read buffer
    /// without waiting, and allocates nothing. When the thread's read-buffer
    /// stripe is full it drains that stripe, if its time budget allows and it
    /// gets the policy lock at once.
    @inlinable
    public func get(_ key: Key) -> Value? {
        lookUp(key) { clock.now.nanosecondsSinceEpoch }
    }

    /// ``get(_:)`` at a time the caller has read from the cache's clock
    /// already, so a caller that needs the time too reads the clock once.
    @inlinable
    public func get(_ key: Key, now: WhaleInstant) -> Value? {
        lookUp(key) { now.nanosecondsSinceEpoch }
    }

    /// The lookup behind ``get(_:)``; `now` is asked only for an entry with a TTL.
    @inlinable @inline(__always)
    func lookUp(_ key: Key, now: () -> Int64) -> Value? {
        let hash = key.hashValue
        let shard = shards.shard(for: hash)
        let stripe = readBuffer.callersStripe()
        // The access to hand a drain, when the stripe was full and should be drained.
        let owned = shards.read(shard, owning: stripe) { table -> (value: Value?, drain: UInt64?) in
            guard let slot = table.slot(for: key, hash: hash), slot.expiresAt == .max || now() < slot.expiresAt else {
                MemoryCacheReadBuffer.recordMiss(onOwned: stripe)
                return (nil, nil)
            }
            let full = MemoryCacheReadBuffer.record(slot.node, onOwned: stripe)
            return (slot.value, full ? slot.node : nil)
        }
        guard let owned else {
            return lookUpContended(key, hash: hash, shard: shard, now: now)
        }
        if let reference = owned.drain {
            drainAfterRead(reference)
        }
        return owned.value
    }

    /// A lookup whose stripe another thread owned: under the shard's lock,
    /// counted but not recorded for the policy (a dropped access).
    @usableFromInline
    func lookUpContended(_ key: Key, hash: Int, shard: Int, now: () -> Int64) -> Value? {
        let slot = shards.readLocked(shard) { $0.slot(for: key, hash: hash) }
        guard let slot, slot.expiresAt == .max || now() < slot.expiresAt else {
            readBuffer.recordContended(hit: false)
            return nil
        }
        readBuffer.recordContended(hit: true)
        return slot.value
    }

    /// Entries held, expired ones not yet swept included.
    public var count: Int {
        countMirror.load(ordering: .relaxed)
    }

    /// The sum of the entries' weights (with the default weigher: ``count``).
    public var weightedSize: Int {
        weightMirror.load(ordering: .relaxed)
    }

    /// The weight bound in force (from the configuration, ``resize(maximumWeight:)``
    /// or ``follow(pressure:minimumWeight:maximumWeight:)``), or `nil` when the
    /// cache has none.
    public var maximumWeight: Int? {
        policy.locked { $0.weightBound }
    }

    /// The frequency sketch's estimate of how often `key` was used lately,
    /// 0…15 (the cache manager's demotion decision reads it). Counts age:
    /// every `20 × capacity` accesses they are halved.
    public func frequency(of key: Key) -> Int {
        let hash = UInt64(bitPattern: Int64(key.hashValue))
        return policy.locked { state in
            state.drainReads(readBuffer)
            return min(15, state.core.frequency(hash))
        }
    }

    /// The cache's state now (the spec's `check_vitality`). Drains the read
    /// buffer first; does not sweep, so ``MemoryCacheVitality/expiredShare``
    /// shows what the next maintenance will sweep.
    public func vitality() -> MemoryCacheVitality {
        let now = clock.now.nanosecondsSinceEpoch
        let (vitality, removals) = policy.locked { state -> (MemoryCacheVitality, Removals) in
            var removals = Removals()
            state.drainReads(readBuffer)
            collectVictims(&state, &removals)
            finish(&state, &removals)
            let core = state.core
            let statistics = readBuffer.statistics
            let lookups = statistics.hits + statistics.misses
            var withinBudget = true
            if let bound = state.weightBound, core.weightedSize > bound { withinBudget = false }
            if let bound = state.entryBound, core.count > bound { withinBudget = false }
            let vitality = MemoryCacheVitality(
                count: core.count,
                weightedSize: core.weightedSize,
                maximumWeight: state.weightBound,
                maximumEntries: state.entryBound,
                expiredShare: core.count == 0 ? 0 : Double(core.countExpired(now: now)) / Double(core.count),
                withinBudget: withinBudget,
                hitCount: statistics.hits,
                missCount: statistics.misses,
                evictionCount: state.evictions,
                hitRatio: lookups == 0 ? 0 : Double(statistics.hits) / Double(lookups),
                windowFraction: core.windowFraction
            )
            return (vitality, removals)
        }
        publish(removals)
        return vitality
    }

    // MARK: - Writes

    /// Stores `value` for `key`, replacing (cause `.replaced`) any value it had
    /// (the spec's `fast_set`), then runs maintenance, which may evict.
    /// - Parameters:
    ///   - key: the key.
    ///   - value: the value; its weight is ``MemoryCacheConfiguration/weigher``'s result.
    ///   - ttl: how long the entry lives. Default: `nil`, meaning the
    ///     configuration's `defaultTTL` (and no expiry when that is `nil` too).
    /// - Throws: `WhaleError(.invalidInput)`, storing nothing, when the weight is
    ///   negative or exceeds the weight bound in force, or `ttl` is not positive.
    public func set(_ key: Key, _ value: Value, ttl: Duration? = nil) throws {
        let weight = configuration.weigher(key, value)
        if weight < 0 {
            throw WhaleError(.invalidInput, "weight: the weigher returned \(weight); weights must not be negative")
        }
        let lifetime = ttl ?? configuration.defaultTTL
        if let lifetime, lifetime <= .zero {
            throw WhaleError(.invalidInput, "ttl: must be greater than zero, got \(lifetime)")
        }
        let hash = key.hashValue
        let shard = shards.shard(for: hash)
        let outcome = policy.locked { state -> SetOutcome in
            if let bound = state.weightBound, weight > bound {
                return .tooHeavy(bound)
            }
            var removals = Removals()
            let now = lifetime != nil || state.core.timerCount > 0 ? clock.now.nanosecondsSinceEpoch : nil
            state.drainReads(readBuffer)
            if let now {
                state.core.expire(now: now, into: &state.victims)
            }
            // Before any add: a victim's node index may be reused.
            collectVictims(&state, &removals)
            var expiresAt = Int64.max
            if let lifetime, let now {
                expiresAt = WhaleInstant(nanosecondsSinceEpoch: now).advanced(by: lifetime).nanosecondsSinceEpoch
            }
            let previous = shards.write(shard, readers: readBuffer) { table -> MemoryCacheSlot<Value>? in
                guard let index = table.index(of: key, hash: hash), let previous = table.slot(at: index) else {
                    return nil
                }
                table.replaceSlot(
                    at: index, with: MemoryCacheSlot(value: value, node: previous.node, expiresAt: expiresAt))
                return previous
            }
            let nodeHash = UInt64(bitPattern: Int64(hash))
            if let previous {
                let wasExpired = previous.expiresAt != .max && (now ?? .min) >= previous.expiresAt
                if configuration.removalListener != nil {
                    removals.records.append(
                        MemoryCacheRemoval(
                            key: key,
                            value: previous.value,
                            cause: wasExpired ? .expired : .replaced,
                            frequency: min(15, state.core.frequency(nodeHash))
                        )
                    )
                }
                if wasExpired {
                    removals.statistics.expired += 1
                    state.evictions += 1
                }
                state.core.update(previous.node, weight: weight, expiresAt: expiresAt)
            } else {
                guard state.core.canAdd else { return .full }
                let reference = state.core.add(hash: nodeHash, weight: weight, expiresAt: expiresAt)
                assign(key, to: reference)
                shards.write(shard, readers: readBuffer) { table in
                    table.insert(
                        key, hash: hash, slot: MemoryCacheSlot(value: value, node: reference, expiresAt: expiresAt))
                }
            }
            maintain(&state, now: now, &removals)
            return .stored(removals)
        }
        switch outcome {
        case .stored(let removals):
            publish(removals)
        case .tooHeavy(let bound):
            throw WhaleError(.invalidInput, "weight: the entry weighs \(weight), more than the maximumWeight \(bound)")
        case .full:
            throw WhaleError(.resourceExhausted, "the cache holds \(WTinyLFUPolicy.maximumNodes) nodes, its most")
        }
    }

    /// Removes the entry for `key` (cause `.explicit`; `.expired` when it had
    /// expired, and then the result is `nil`).
    /// - Returns: the removed value, or `nil` when there was none (or it had expired).
    @discardableResult
    public func remove(_ key: Key) -> Value? {
        let hash = key.hashValue
        let shard = shards.shard(for: hash)
        let (value, removals) = policy.locked { state -> (Value?, Removals) in
            var removals = Removals()
            guard let slot = shards.write(shard, readers: readBuffer, { $0.remove(key, hash: hash) }) else {
                return (nil, removals)
            }
            let expired = slot.expiresAt != .max && clock.now.nanosecondsSinceEpoch >= slot.expiresAt
            forget(&state, key: key, slot: slot, cause: expired ? .expired : .explicit, into: &removals)
            maintain(&state, now: nil, &removals)
            return (expired ? nil : slot.value, removals)
        }
        publish(removals)
        return value
    }

    /// Removes every live entry for which `shouldRemove` returns `true` (cause
    /// `.explicit`): the scan behind pattern and tag invalidation.
    ///
    /// The predicate runs outside the cache's locks, on a snapshot of one shard
    /// at a time, so it may call the cache; an entry replaced while the scan
    /// runs is removed if its old value matched. Expired entries are left to
    /// the sweep.
    /// - Returns: how many entries were removed.
    @discardableResult
    public func removeAll(where shouldRemove: (Key, Value) -> Bool) -> Int {
        var removed = 0
        for index in 0..<shards.count {
            let shard = index
            let entries = shards.readLocked(shard) { $0.allEntries }
            if entries.isEmpty { continue }
            let now = entries.contains { $0.slot.expiresAt != .max } ? clock.now.nanosecondsSinceEpoch : .min
            let doomed = entries.filter { entry in
                (entry.slot.expiresAt == .max || now < entry.slot.expiresAt)
                    && shouldRemove(entry.key, entry.slot.value)
            }
            if doomed.isEmpty { continue }
            let removals = policy.locked { state -> Removals in
                var removals = Removals()
                for entry in doomed {
                    let slot = shards.write(shard, readers: readBuffer) { table -> MemoryCacheSlot<Value>? in
                        guard let index = table.index(of: entry.key, hash: entry.tag),
                            table.slot(at: index)?.node == entry.slot.node
                        else { return nil }
                        return table.remove(at: index)?.slot
                    }
                    if let slot {
                        forget(&state, key: entry.key, slot: slot, cause: .explicit, into: &removals)
                    }
                }
                maintain(&state, now: nil, &removals)
                return removals
            }
            removed += removals.statistics.explicit
            publish(removals)
        }
        return removed
    }

    /// Removes every entry (cause `.explicit`, or `.expired` for expired ones).
    /// The frequency sketch and the window's size are kept.
    public func removeAll() {
        let removals = policy.locked { state -> Removals in
            var removals = Removals()
            state.drainReads(readBuffer)
            collectVictims(&state, &removals)
            let now = state.core.timerCount > 0 ? clock.now.nanosecondsSinceEpoch : .min
            let listening = configuration.removalListener != nil
            for index in 0..<shards.count {
                let shard = index
                let entries = shards.write(shard, readers: readBuffer) { $0.removeAll() }
                for entry in entries {
                    let (key, slot) = (entry.key, entry.slot)
                    let expired = slot.expiresAt != .max && now >= slot.expiresAt
                    if expired {
                        removals.statistics.expired += 1
                        state.evictions += 1
                    } else {
                        removals.statistics.explicit += 1
                    }
                    if listening {
                        let hash = UInt64(bitPattern: Int64(key.hashValue))
                        removals.records.append(
                            MemoryCacheRemoval(
                                key: key,
                                value: slot.value,
                                cause: expired ? .expired : .explicit,
                                frequency: min(15, state.core.frequency(hash))
                            )
                        )
                    }
                }
            }
            state.core.removeAll()
            keyTable.locked { keys in
                for index in keys.indices { keys[index] = nil }
            }
            maintain(&state, now: nil, &removals)
            return removals
        }
        publish(removals)
    }

    // MARK: - Budget

    /// Sets the weight bound to `maximumWeight` and evicts down to it at once.
    /// On a cache bounded by entries, the queues are sized by weight from now
    /// on and the entry bound stays as a second bound. Stops following a
    /// pressure signal.
    /// - Throws: `WhaleError(.invalidConfiguration)` naming `maximumWeight`
    ///   when it is zero or negative.
    public func resize(maximumWeight: Int) throws {
        try Self.require(maximumWeight > 0, "maximumWeight", "must be greater than zero, got \(maximumWeight)")
        let removals = policy.locked { state -> Removals in
            var removals = Removals()
            state.follower = nil
            state.setWeightBound(maximumWeight)
            maintain(&state, now: nil, &removals)
            return removals
        }
        publish(removals)
    }

    /// Lets `signal` set the weight bound: `maximumWeight` at pressure 0,
    /// `minimumWeight` at pressure 1, linear in between (pressure is clamped to
    /// 0…1, and a NaN reads as 0). The signal is read now and on every
    /// maintenance run; a shrinking bound evicts at once. Replaces an earlier
    /// signal; ``resize(maximumWeight:)`` stops following.
    ///
    /// The bounds are put in order and raised to at least 1, so any two
    /// integers make a valid range.
    public func follow(pressure signal: any ResourcePressureSignal, minimumWeight: Int, maximumWeight: Int) {
        let lower = max(1, min(minimumWeight, maximumWeight))
        let upper = max(lower, maximumWeight)
        let removals = policy.locked { state -> Removals in
            var removals = Removals()
            state.follower = MemoryCachePressureFollower(signal: signal, minimumWeight: lower, maximumWeight: upper)
            maintain(&state, now: nil, &removals)
            return removals
        }
        publish(removals)
    }

    // MARK: - Maintenance

    /// Runs the pending maintenance now: applies the buffered reads, sweeps the
    /// expired entries, re-reads the pressure signal, evicts and adapts the
    /// window.
    public func cleanUp() {
        let removals = policy.locked { state -> Removals in
            var removals = Removals()
            maintain(&state, now: nil, &removals)
            return removals
        }
        publish(removals)
    }

    /// A reader's stripe was full: if the reader's time budget allows and the
    /// policy lock is free now, record the access that did not fit and run
    /// maintenance, draining the reader's own stripe (other stripes are
    /// drained by their readers and by writes, so a reader touches no other
    /// thread's stripe).
    ///
    /// Readers give the policy at most
    /// ``MemoryCacheConfiguration/readMaintenanceShare`` of their time (a
    /// quarter by default): after a reader-triggered drain that took `d`,
    /// readers do not drain for `d × (1 − share) / share`; meanwhile their
    /// full stripes drop new accesses. This is what Caffeine's
    /// asynchronous maintenance does under a burst of reads (the buffer stays
    /// full and reads are dropped until the executor catches up), without a
    /// maintenance thread. Writes, ``cleanUp()`` and the other locked calls
    /// always drain everything.
    ///
    /// Not generic on the common path: the state behind the lock is not, and
    /// victims (from expiry or a shrinking pressure budget) are left in it for
    /// ``drainVictims()``, which only runs when there are some.
    @usableFromInline
    func drainAfterRead(_ reference: UInt64) {
        guard let readDrainShare else {
            readBuffer.refuseCallersDrain()
            return
        }
        let start = MemoryCacheStopwatch.now()
        if start < readDrainsResumeAt.load(ordering: .relaxed) {
            readBuffer.refuseCallersDrain()
            return
        }
        let outcome = policy.lockedIfAvailable { state -> (MemoryCacheStatistics, Bool) in
            let first = state.core.recordAccess(reference) ? 1 : 0
            let (drained, informative) = state.maintain(
                readBuffer: readBuffer,
                now: currentTime(state),
                callersStripeOnly: true
            )
            let end = MemoryCacheStopwatch.now()
            let pause = MemoryCacheStopwatch.pause(
                after: end &- start,
                share: readDrainShare,
                informative: Double(first &+ informative) / Double(1 &+ drained)
            )
            readDrainsResumeAt.store(end &+ pause, ordering: .relaxed)
            updateMirrors(state)
            state.readDrains &+= 1
            let statistics =
                state.readDrains & 63 == 0 ? state.statistics(readBuffer: readBuffer) : MemoryCacheStatistics()
            return (statistics, !state.victims.isEmpty)
        }
        guard let (statistics, victimsLeft) = outcome else {
            readBuffer.refuseCallersDrain()
            return
        }
        publish(statistics)
        if victimsLeft {
            drainVictims()
        }
    }

    /// Removes the victims a reader's maintenance left, if the lock is free
    /// (otherwise its holder or the next write does).
    func drainVictims() {
        let removals = policy.lockedIfAvailable { state -> Removals in
            var removals = Removals()
            collectVictims(&state, &removals)
            finish(&state, &removals)
            return removals
        }
        if let removals {
            publish(removals)
        }
    }
}

/// The monotonic clock behind the readers' drain budget: CPU time matters
/// there, not the cache's (injectable) clock.
enum MemoryCacheStopwatch {
    /// How long readers skip drains after one that took `duration`
    /// nanoseconds, so that drains take `share` of their time while the reads
    /// they apply teach the policy something, and a quarter of it as the
    /// share of such reads falls to none: the share in force is
    /// `share × (1/4 + 3/4 × informative)`, where `informative` is the
    /// fraction of the drained reads that changed a frequency estimate. A
    /// burst of hits on entries the sketch already counts as hot (every
    /// counter saturated) changes no admission decision, so readers need not
    /// pay for all of it; a burst that is making a hot set costs them the
    /// full share. At most 1 000 s, so a share near 0 cannot overflow.
    static func pause(after duration: Int64, share: Double, informative: Double) -> Int64 {
        let inForce = share * (0.25 + 0.75 * informative)
        return Int64(min(Double(duration) * (1 - inForce) / inForce, 1e12))
    }

    /// Nanoseconds on `CLOCK_MONOTONIC`.
    static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) &* 1_000_000_000 &+ Int64(spec.tv_nsec)
    }
}
