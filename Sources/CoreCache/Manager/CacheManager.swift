public import CoreMetrics
public import CoreProtocols
public import Logging

/// The unified cache: L1 memory, L2 Redis and L3 SQLite behind one API, with
/// the spec's `smart_get`, `smart_set`, `promote`, `demote`, `invalidate`,
/// `batch_invalidate` and `pattern_invalidate`.
///
/// - ``get(_:as:)`` walks L1 → L2 → L3 and promotes a hit to the tiers above;
///   ``get(_:as:options:loader:)`` goes on to the loader on a miss.
/// - Loads are **single-flight**: concurrent misses on one key call the loader once.
/// - **Fail-safe** (FusionCache's headline feature): entries are kept past
///   their freshness for ``CacheEntryOptions/failSafeMaxDuration``; when the
///   loader throws — or its circuit breaker is open — the stale value is
///   served instead of the error, and then served without calling the loader
///   for ``CacheManagerConfiguration/failSafeThrottle``.
/// - **Stale-while-revalidate**: with the option on, a stale value is returned
///   at once while a background load refreshes it.
/// - **Negative caching**: a loader's `nil` is cached for
///   ``CacheEntryOptions/negativeTTL``.
/// - ``set(_:_:options:)`` chooses the tiers with ``CacheTierPolicy`` (criticality,
///   encoded size, TTL class), adds TTL jitter in L2/L3, and removes the key
///   from tiers it no longer belongs to.
/// - Values are `Codable`, encoded by a pluggable ``CacheCodec`` (JSON by
///   default) and optionally transformed (``ZstdCompression``) before L2/L3;
///   L1 keeps them decoded, so an L1 hit neither decodes nor allocates.
/// - A failing L2 or L3 never reaches the caller unless
///   ``CacheManagerConfiguration/throwOnTierFailure`` is set: reads fall
///   through, writes are skipped; both are counted and logged. A stored value
///   that no longer decodes is a miss, is deleted, and is counted.
///
/// ```swift
/// let cache = try CacheManager(l2: redisTier, l3: sqliteTier)
/// let profile = try await cache.get("user:42", as: Profile.self) {
///     try await profiles.fetch(id: 42)          // called once per miss, shared
/// }
/// try await cache.set("user:42", profile, options: CacheEntryOptions(ttl: .seconds(600), tags: ["users"]))
/// let removed = try await cache.invalidate(tag: "users")
/// ```
public final class CacheManager: StaleValueSource, Sendable {
    /// The settings it runs with.
    public let configuration: CacheManagerConfiguration
    /// The in-process tier, when enabled.
    public let l1: MemoryCache<String, CacheManagerL1Entry>?
    /// The Redis (or other shared) tier.
    public let l2: (any CacheStore)?
    /// The persistent tier.
    public let l3: (any CacheStore)?

    let codec: any CacheCodec
    let transformer: (any CacheValueTransformer)?
    let loaderPolicy: (any ResiliencePolicy)?
    @usableFromInline let clock: any WhaleClock
    let logger: Logger
    let flights = SingleFlight()
    @usableFromInline let counters: CacheManagerCounters
    /// Writes L1 entries down to L2/L3: for ``demote(_:)`` and L1's evictions.
    let demoter: CacheDemoter

    /// Creates a manager.
    /// - Parameters:
    ///   - configuration: the settings.
    ///   - l2: the shared tier (``RedisCacheTier``), or `nil`.
    ///   - l3: the persistent tier (``SQLiteCacheTier``), or `nil`.
    ///   - codec: encodes values for L2/L3. Default: ``JSONCacheCodec``.
    ///   - transformer: applied to encoded bytes (compression). Default: none.
    ///   - loaderPolicy: wraps every loader call — a CoreResilience pipeline
    ///     with a breaker, through CoreProtocols. An open breaker's error makes
    ///     fail-safe serve the stale value.
    ///   - clock: freshness and TTLs. Default: `SystemClock()`.
    ///   - logger: tier failures and decode errors.
    ///   - metricsFactory: where `whale_cache_*` metrics go.
    /// - Throws: `WhaleError(.invalidConfiguration)` naming the bad setting.
    public init(
        configuration: CacheManagerConfiguration = CacheManagerConfiguration(),
        l2: (any CacheStore)? = nil,
        l3: (any CacheStore)? = nil,
        codec: any CacheCodec = JSONCacheCodec(),
        transformer: (any CacheValueTransformer)? = nil,
        loaderPolicy: (any ResiliencePolicy)? = nil,
        clock: any WhaleClock = SystemClock(),
        logger: Logger = Logger(label: "whale.cache"),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws {
        try configuration.check()
        self.configuration = configuration
        self.l2 = l2
        self.l3 = l3
        self.codec = codec
        self.transformer = transformer
        self.loaderPolicy = loaderPolicy
        self.clock = clock
        self.logger = logger
        let counters = CacheManagerCounters(factory: metricsFactory)
        self.counters = counters
        let demoter = CacheDemoter(
            l2: l2, l3: l3, codec: codec, transformer: transformer, policy: configuration.tierPolicy,
            minimumFrequency: configuration.demotionMinFrequency, clock: clock, logger: logger, counters: counters
        )
        self.demoter = demoter
        if configuration.l1Enabled {
            self.l1 = try MemoryCache(
                configuration: MemoryCacheConfiguration(
                    maximumEntries: configuration.l1MaxEntries,
                    maximumWeight: configuration.l1MaxBytes,
                    weigher: { key, entry in key.utf8.count + entry.weight },
                    removalListener: { removal in demoter.removed(removal) }
                ),
                clock: clock,
                metricsFactory: metricsFactory
            )
        } else {
            self.l1 = nil
        }
    }

    // MARK: - smart_get

    /// The fresh value under `key` from the first tier that has it, promoted
    /// to the tiers above; `nil` on a miss (or a cached "not found").
    ///
    /// An L1 hit is synchronous work: one clock read, one lookup, one type check.
    /// - Throws: `WhaleError(.invalidInput)` for an invalid key; a tier's error
    ///   only with ``CacheManagerConfiguration/throwOnTierFailure``.
    @inlinable @inline(__always)
    nonisolated(nonsending)
    public func get<Value: Codable & Sendable>(_ key: String, as type: Value.Type = Value.self) async throws -> Value? {
        let now = clock.now
        if let entry = l1?.get(key, now: now), entry.freshUntil > now, let value = entry.value(ifStoredAs: type) {
            counters.l1Hits.increment()
            return value
        }
        return try await lookUp(key, as: type, options: CacheEntryOptions(), loader: nil)
    }

    /// Like ``get(_:as:)``, and on a miss calls `loader` once for all
    /// concurrent callers, stores what it returns (a `nil` as a negative
    /// entry) and returns it. When the loader fails and a stale value is
    /// within its fail-safe window, the stale value is returned instead.
    /// - Throws: the loader's error when there is no stale value to serve.
    nonisolated(nonsending)
    public func get<Value: Codable & Sendable>(
        _ key: String,
        as type: Value.Type = Value.self,
        options: CacheEntryOptions = CacheEntryOptions(),
        loader: @escaping @Sendable () async throws -> Value?
    ) async throws -> Value? {
        let now = clock.now
        if let entry = l1?.get(key, now: now), entry.freshUntil > now {
            if entry.isNegative {
                counters.l1Hits.increment()
                return nil
            }
            if let value = entry.value(ifStoredAs: type) {
                counters.l1Hits.increment()
                return value
            }
        }
        return try await lookUp(key, as: type, options: options, loader: loader)
    }

    /// A value found past its freshness, kept for fail-safe.
    struct Stale<Value: Sendable>: Sendable {
        var value: Value?
        var storedAt: WhaleInstant
        var freshUntil: WhaleInstant
    }

    @usableFromInline
    func lookUp<Value: Codable & Sendable>(
        _ key: String,
        as type: Value.Type,
        options: CacheEntryOptions,
        loader: (@Sendable () async throws -> Value?)?
    ) async throws -> Value? {
        try configuration.keyRules.check(key: key)
        let now = clock.now
        var stale: Stale<Value>?
        if let l1, let entry = l1.get(key) {
            var value = entry.value as? Value
            if value == nil, let raw = entry.value as? CacheManagerRawValue {
                // Promoted without a type: decode once, keep the decoded value.
                value = try? codec.decode(type, from: raw.bytes)
                if value == nil {
                    l1.remove(key)
                } else {
                    try? l1.set(key, entry.replacingValue(with: value), ttl: max(.zero, now.duration(to: entry.freshUntil)) + configuration.defaults.failSafeMaxDuration)
                }
            }
            if entry.isNegative || value != nil {
                if entry.freshUntil > now {
                    counters.l1Hits.increment()
                    return value
                }
                stale = Stale(value: value, storedAt: entry.storedAt, freshUntil: entry.freshUntil)
            }
        }
        for (tier, store) in lowerTiers {
            guard let envelope = await read(key, from: store, tier: tier) else { continue }
            let value: Value?
            do {
                value = try decodeValue(envelope, as: type)
            } catch {
                await discardUndecodable(key, from: store, tier: tier, error: error)
                continue
            }
            if envelope.freshUntil > now {
                counters.hits(tier).increment()
                await promote(key, value: value, envelope: envelope, foundIn: tier, now: now)
                return value
            }
            if stale.map({ envelope.freshUntil > $0.freshUntil }) ?? true {
                stale = Stale(value: value, storedAt: envelope.storedAt, freshUntil: envelope.freshUntil)
            }
        }
        counters.misses.increment()
        guard let loader else { return nil }
        let resolved = resolve(options)
        let failSafeUntil = stale.map { $0.freshUntil.advanced(by: resolved.failSafeMaxDuration) }
        if let stale, let failSafeUntil, now < failSafeUntil, resolved.staleWhileRevalidate {
            counters.staleServed.increment()
            Task { _ = try? await self.load(key, options: resolved, loader: loader) }
            return stale.value
        }
        do {
            return try await load(key, options: resolved, loader: loader)
        } catch {
            guard let stale, let failSafeUntil, now < failSafeUntil, !(error is CancellationError) else { throw error }
            counters.failSafeServed.increment()
            logger.warning(
                "cache loader failed; serving the stale value (fail-safe)",
                metadata: ["key": "\(key)", "error": "\(error)", "stale_since": "\(stale.freshUntil)"]
            )
            throttle(key, stale: stale, tags: resolved.tags)
            return stale.value
        }
    }

    /// Runs the loader for `key` once for all concurrent callers and stores its result.
    private func load<Value: Codable & Sendable>(
        _ key: String,
        options: ResolvedOptions,
        loader: @escaping @Sendable () async throws -> Value?
    ) async throws -> Value? {
        let (result, _) = try await flights.run(key: key) { [self] in
            // A caller that missed just before another load finished and
            // stored its value must not load again: look once more.
            if let cached = await freshEntry(key, as: Value.self) { return cached }
            counters.loads.increment()
            let value: Value?
            do {
                if let loaderPolicy {
                    value = try await loaderPolicy.execute { try await loader() }
                } else {
                    value = try await loader()
                }
            } catch {
                counters.loadFailures.increment()
                throw error
            }
            try await store(key, value: value, options: options)
            return value
        }
        return result as? Value
    }

    /// The fresh entry under `key` in any tier, without promotion or
    /// counting: `.some(value)`, `.some(nil)` for a negative entry, or `nil`
    /// when no tier has a fresh one.
    private func freshEntry<Value: Codable & Sendable>(_ key: String, as type: Value.Type) async -> Value?? {
        let now = clock.now
        if let entry = l1?.get(key), entry.freshUntil > now {
            if entry.isNegative { return .some(nil) }
            if let value = entry.value as? Value { return .some(value) }
        }
        for (tier, store) in lowerTiers {
            guard let envelope = await read(key, from: store, tier: tier), envelope.freshUntil > now else { continue }
            if envelope.isNegative { return .some(nil) }
            if let value = try? decodeValue(envelope, as: type) { return .some(value) }
        }
        return nil
    }

    // MARK: - smart_set

    /// Stores `value` under `key` in the tiers ``CacheTierPolicy`` (or
    /// ``CacheEntryOptions/tiers``) chooses, and removes it from the others.
    /// - Throws: `WhaleError(.invalidInput)` for an invalid key or tag, a value
    ///   that does not encode, or one too big for every chosen tier (nothing
    ///   is stored then); a tier's failure only with
    ///   ``CacheManagerConfiguration/throwOnTierFailure``.
    public func set<Value: Codable & Sendable>(
        _ key: String,
        _ value: Value,
        options: CacheEntryOptions = CacheEntryOptions()
    ) async throws {
        try configuration.keyRules.check(key: key)
        try await store(key, value: value, options: resolve(options))
    }

    private func store<Value: Codable & Sendable>(_ key: String, value: Value?, options: ResolvedOptions) async throws {
        for tag in options.tags { try configuration.keyRules.check(tag: tag) }
        let now = clock.now
        let ttl = value == nil ? options.negativeTTL : options.ttl
        guard ttl > .zero else { return }
        let envelope = try makeEnvelope(value, storedAt: now, ttl: ttl)
        let bytes = envelope.encoded()
        var tiers = options.tiers ?? configuration.tierPolicy.tiers(
            criticality: options.criticality, size: bytes.count, ttl: ttl
        )
        if value == nil { tiers.subtract(options.tiers == nil ? .l3 : []) }
        if options.tiers == nil, tiers.isDisjoint(with: availableTiers) {
            // The policy's tiers are not configured here (say L1 + L2 on a node
            // without Redis): keep the entry in the nearest tier that is.
            tiers = [.l2, .l3, .l1].first { availableTiers.contains($0) } ?? []
        }
        let keep = ttl + options.failSafeMaxDuration
        for (tier, store) in lowerTiers {
            let write = CacheWrite(key: key, value: bytes, ttl: jittered(keep, base: ttl), tags: options.tags)
            do {
                if tiers.contains(tier.member) {
                    try await store.setMany([write])
                } else {
                    try await store.deleteMany([key])
                }
            } catch let error as WhaleError where error.code == .invalidInput {
                throw error
            } catch {
                try tierFailed(tier, "set", key: key, error: error)
            }
        }
        guard let l1 else { return }
        if tiers.contains(.l1) {
            let entry = CacheManagerL1Entry.make(
                value: value, isNegative: value == nil, storedAt: now, freshUntil: envelope.freshUntil,
                tags: options.tags, weight: bytes.count, inLowerTier: !tiers.isDisjoint(with: [.l2, .l3]),
                criticality: options.criticality
            )
            try l1.set(key, entry, ttl: min(keep, configuration.tierPolicy.l1MaxTTL))
        } else {
            l1.remove(key)
        }
    }

    // MARK: - promote / demote

    /// Copies `key` from the lowest tier holding a fresh copy into the tiers
    /// above it. Returns whether a fresh copy was found.
    @discardableResult
    public func promote(_ key: String) async throws -> Bool {
        try configuration.keyRules.check(key: key)
        let now = clock.now
        for (tier, store) in lowerTiers {
            guard let envelope = await read(key, from: store, tier: tier), envelope.freshUntil > now else { continue }
            let value: CacheManagerRawValue
            do {
                value = try decodeValue(envelope, as: CacheManagerRawValue.self) ?? CacheManagerRawValue(bytes: [])
            } catch {
                await discardUndecodable(key, from: store, tier: tier, error: error)
                continue
            }
            await promote(key, value: envelope.isNegative ? nil : value, envelope: envelope, foundIn: tier, now: now)
            return true
        }
        return false
    }

    /// Moves `key` out of L1 into L2 (or L3 for an entry L2 cannot take),
    /// keeping its freshness. Returns whether L1 held it.
    @discardableResult
    public func demote(_ key: String) async throws -> Bool {
        try configuration.keyRules.check(key: key)
        guard let l1, let entry = l1.remove(key) else { return false }
        if !entry.inLowerTier {
            try await demoter.writeDown(key: key, entry: entry, throwing: configuration.throwOnTierFailure)
        }
        return true
    }

    // MARK: - invalidation

    /// Removes `key` from every tier (spec `invalidate`).
    @discardableResult
    public func invalidate(_ key: String) async throws -> CacheInvalidationResult {
        try await invalidate(keys: [key])
    }

    /// Removes `keys` from every tier in one batch per tier (spec `batch_invalidate`).
    @discardableResult
    public func invalidate(keys: [String]) async throws -> CacheInvalidationResult {
        for key in keys { try configuration.keyRules.check(key: key) }
        var result = CacheInvalidationResult()
        if let l1 { result.l1 = keys.reduce(0) { $0 + (l1.remove($1) == nil ? 0 : 1) } }
        try await removeFromLowerTiers(into: &result, "delete") { try await $0.deleteMany(keys) }
        return result
    }

    /// Removes every key matching the glob `pattern` from every tier (spec
    /// `pattern_invalidate`): an L1 scan, Redis `SCAN MATCH` + `UNLINK`, SQLite
    /// by key range and filter. Glob rules: ``GlobPattern``.
    @discardableResult
    public func invalidate(matching pattern: String) async throws -> CacheInvalidationResult {
        let glob = try GlobPattern(pattern)
        var result = CacheInvalidationResult()
        result.l1 = l1?.removeAll { key, _ in glob.matches(key) } ?? 0
        try await removeFromLowerTiers(into: &result, "pattern") { try await $0.invalidate(matching: glob) }
        return result
    }

    /// Removes every entry written with `tag` from every tier.
    @discardableResult
    public func invalidate(tag: String) async throws -> CacheInvalidationResult {
        try configuration.keyRules.check(tag: tag)
        var result = CacheInvalidationResult()
        result.l1 = l1?.removeAll { _, entry in entry.tags.contains(tag) } ?? 0
        try await removeFromLowerTiers(into: &result, "tag") { try await $0.invalidate(tag: tag) }
        return result
    }

    // MARK: - StaleValueSource

    /// The last value kept for `key`, fresh or stale, as codec bytes (for
    /// CoreResilience's `StaleValueFallback`).
    public func staleValue(forKey key: String) async -> StaleValue? {
        guard (try? configuration.keyRules.check(key: key)) != nil else { return nil }
        if let entry = l1?.get(key), !entry.isNegative, let value = entry.value,
            let bytes = try? (value as? CacheManagerRawValue)?.bytes ?? codec.encode(value)
        {
            return StaleValue(bytes: bytes, storedAt: entry.storedAt)
        }
        for (tier, store) in lowerTiers {
            guard let envelope = await read(key, from: store, tier: tier), !envelope.isNegative,
                let payload = try? restoredPayload(envelope)
            else { continue }
            return StaleValue(bytes: payload, storedAt: envelope.storedAt)
        }
        return nil
    }
}
