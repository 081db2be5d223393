public import CoreMetrics
import CoreProtocols
import Logging

/// The manager's metrics (`whale_cache_*`).
@usableFromInline
struct CacheManagerCounters: Sendable {
    @usableFromInline let l1Hits: Counter
    let l2Hits: Counter
    let l3Hits: Counter
    let misses: Counter
    let loads: Counter
    let loadFailures: Counter
    let failSafeServed: Counter
    let staleServed: Counter
    let decodeFailures: Counter
    let demotions: Counter
    private let tierErrors: [String: Counter]
    private static let operations = ["get", "set", "delete", "pattern", "tag"]

    init(factory: any MetricsFactory) {
        func requests(_ result: String, _ tier: String? = nil) -> Counter {
            var dimensions = [("result", result)]
            if let tier { dimensions.append(("tier", tier)) }
            return Counter(label: "whale_cache_requests", dimensions: dimensions, factory: factory)
        }
        l1Hits = requests("hit", "l1")
        l2Hits = requests("hit", "l2")
        l3Hits = requests("hit", "l3")
        misses = requests("miss")
        loads = Counter(label: "whale_cache_loads", dimensions: [("result", "started")], factory: factory)
        loadFailures = Counter(label: "whale_cache_loads", dimensions: [("result", "failed")], factory: factory)
        failSafeServed = Counter(label: "whale_cache_stale_served", dimensions: [("reason", "fail_safe")], factory: factory)
        staleServed = Counter(label: "whale_cache_stale_served", dimensions: [("reason", "revalidate")], factory: factory)
        decodeFailures = Counter(label: "whale_cache_decode_failures", factory: factory)
        demotions = Counter(label: "whale_cache_demotions", factory: factory)
        var tierErrors: [String: Counter] = [:]
        for tier in [CacheLowerTier.l2, .l3] {
            for operation in Self.operations {
                tierErrors["\(tier.rawValue).\(operation)"] = Counter(
                    label: "whale_cache_tier_errors", dimensions: [("tier", tier.rawValue), ("op", operation)], factory: factory
                )
            }
        }
        self.tierErrors = tierErrors
    }

    func hits(_ tier: CacheLowerTier) -> Counter { tier == .l2 ? l2Hits : l3Hits }

    /// Counts a failed tier operation (`op`: get, set, delete, pattern, tag).
    func tierError(_ tier: CacheLowerTier, _ operation: String) {
        tierErrors["\(tier.rawValue).\(operation)"]?.increment()
    }
}

/// Options with every default filled in.
struct ResolvedOptions: Sendable {
    var ttl: Duration
    var criticality: CacheCriticality
    var tiers: CacheTiers?
    var tags: [String]
    var failSafeMaxDuration: Duration
    var staleWhileRevalidate: Bool
    var negativeTTL: Duration
}

extension CacheManager {
    var lowerTiers: [(CacheLowerTier, any CacheStore)] {
        var tiers: [(CacheLowerTier, any CacheStore)] = []
        if let l2 { tiers.append((.l2, l2)) }
        if let l3 { tiers.append((.l3, l3)) }
        return tiers
    }

    /// The tiers this manager has.
    var availableTiers: CacheTiers {
        var tiers: CacheTiers = []
        if l1 != nil { tiers.insert(.l1) }
        if l2 != nil { tiers.insert(.l2) }
        if l3 != nil { tiers.insert(.l3) }
        return tiers
    }

    func resolve(_ options: CacheEntryOptions) -> ResolvedOptions {
        let defaults = configuration.defaults
        return ResolvedOptions(
            ttl: options.ttl ?? defaults.ttl,
            criticality: options.criticality ?? defaults.criticality,
            tiers: options.tiers,
            tags: options.tags,
            failSafeMaxDuration: max(.zero, options.failSafeMaxDuration ?? defaults.failSafeMaxDuration),
            staleWhileRevalidate: options.staleWhileRevalidate ?? defaults.staleWhileRevalidate,
            negativeTTL: max(.zero, options.negativeTTL ?? defaults.negativeTTL)
        )
    }

    /// Reads and parses `key` from a lower tier; a failing tier or a broken
    /// envelope is a miss (counted, logged; a broken entry is deleted).
    func read(_ key: String, from store: any CacheStore, tier: CacheLowerTier) async -> CacheEnvelope? {
        let bytes: [UInt8]?
        do {
            bytes = try await store.get(key)
        } catch {
            counters.tierError(tier, "get")
            logger.warning("cache tier read failed; falling through", metadata: ["tier": "\(tier.rawValue)", "error": "\(error)"])
            return nil
        }
        guard let bytes else { return nil }
        do {
            return try CacheEnvelope(decoding: bytes)
        } catch {
            await discardUndecodable(key, from: store, tier: tier, error: error)
            return nil
        }
    }

    /// Deletes an entry that no longer decodes and counts it.
    func discardUndecodable(_ key: String, from store: any CacheStore, tier: CacheLowerTier, error: any Error) async {
        counters.decodeFailures.increment()
        logger.error(
            "cached value does not decode; deleting it",
            metadata: ["tier": "\(tier.rawValue)", "key": "\(key)", "error": "\(error)"]
        )
        do {
            try await store.deleteMany([key])
        } catch {
            counters.tierError(tier, "delete")
        }
    }

    func restoredPayload(_ envelope: CacheEnvelope) throws -> [UInt8] {
        guard let name = envelope.transformer else { return envelope.payload }
        guard let transformer, transformer.identifier == name else {
            throw WhaleError(.malformedData, "cached value was written with transformer '\(name)', which is not configured")
        }
        return try transformer.restore(envelope.payload)
    }

    /// The value in `envelope`; `nil` for a negative entry.
    func decodeValue<Value: Decodable>(_ envelope: CacheEnvelope, as type: Value.Type) throws -> Value? {
        if envelope.isNegative { return nil }
        let payload = try restoredPayload(envelope)
        if Value.self == CacheManagerRawValue.self, let raw = CacheManagerRawValue(bytes: payload) as? Value { return raw }
        return try codec.decode(type, from: payload)
    }

    func makeEnvelope<Value: Encodable & Sendable>(_ value: Value?, storedAt: WhaleInstant, ttl: Duration) throws -> CacheEnvelope {
        try CacheEnvelope.encoding(
            value, storedAt: storedAt, freshUntil: storedAt.advanced(by: ttl), codec: codec, transformer: transformer
        )
    }

    /// `keep` plus up to `tierPolicy.ttlJitter` × `base`, at random.
    func jittered(_ keep: Duration, base: Duration) -> Duration {
        let jitter = configuration.tierPolicy.ttlJitter
        guard jitter > 0 else { return keep }
        return keep + base * Double.random(in: 0...jitter)
    }

    /// Counts and logs a failed tier operation; rethrows it when configured to.
    func tierFailed(_ tier: CacheLowerTier, _ operation: String, key: String, error: any Error) throws {
        counters.tierError(tier, operation)
        logger.warning(
            "cache tier \(operation) failed; skipped",
            metadata: ["tier": "\(tier.rawValue)", "key": "\(key)", "error": "\(error)"]
        )
        if configuration.throwOnTierFailure { throw error }
    }

    /// Copies a fresh hit from `tier` into the tiers above it.
    func promote<Value: Encodable & Sendable>(
        _ key: String, value: Value?, envelope: CacheEnvelope, foundIn tier: CacheLowerTier, now: WhaleInstant
    ) async {
        let remaining = now.duration(to: envelope.freshUntil)
        if tier == .l3, let l2 {
            let write = CacheWrite(key: key, value: envelope.encoded(), ttl: remaining + configuration.defaults.failSafeMaxDuration)
            do {
                try await l2.setMany([write])
            } catch {
                try? tierFailed(.l2, "set", key: key, error: error)
            }
        }
        guard let l1, envelope.encoded().count <= configuration.tierPolicy.l1MaxEntryBytes else { return }
        let entry = CacheManagerL1Entry.make(
            value: value, isNegative: envelope.isNegative, storedAt: envelope.storedAt, freshUntil: envelope.freshUntil,
            tags: [], weight: envelope.payload.count, inLowerTier: true, criticality: .normal
        )
        try? l1.set(key, entry, ttl: min(remaining + configuration.defaults.failSafeMaxDuration, configuration.tierPolicy.l1MaxTTL))
    }

    /// After fail-safe served `stale`, keeps serving it from L1 for the throttle time.
    func throttle<Value: Encodable & Sendable>(_ key: String, stale: Stale<Value>, tags: [String]) {
        guard let l1, configuration.failSafeThrottle > .zero else { return }
        let until = clock.now.advanced(by: configuration.failSafeThrottle)
        let entry = CacheManagerL1Entry.make(
            value: stale.value, isNegative: stale.value == nil, storedAt: stale.storedAt, freshUntil: until,
            tags: tags, weight: 64, inLowerTier: true, criticality: .normal
        )
        try? l1.set(key, entry, ttl: configuration.failSafeThrottle)
    }

    /// Runs `remove` on each lower tier, adding its count to `result`.
    func removeFromLowerTiers(
        into result: inout CacheInvalidationResult,
        _ operation: String,
        _ remove: (any CacheStore) async throws -> Int
    ) async throws {
        for (tier, store) in lowerTiers {
            do {
                let removed = try await remove(store)
                if tier == .l2 { result.l2 = removed } else { result.l3 = removed }
            } catch let error as WhaleError where error.code == .invalidInput {
                throw error
            } catch {
                result.failedTiers.append(tier.rawValue)
                try tierFailed(tier, operation, key: "*", error: error)
            }
        }
    }
}

extension CacheEnvelope {
    /// The envelope for `value` (`nil`: a negative entry), encoded with
    /// `codec` and transformed; a ``CacheManagerRawValue`` is stored as its bytes.
    static func encoding(
        _ value: (any Encodable & Sendable)?,
        storedAt: WhaleInstant,
        freshUntil: WhaleInstant,
        codec: any CacheCodec,
        transformer: (any CacheValueTransformer)?
    ) throws -> CacheEnvelope {
        var payload: [UInt8] = []
        var transformerName: String?
        if let value {
            payload = try (value as? CacheManagerRawValue)?.bytes ?? codec.encode(value)
            if let transformer {
                payload = try transformer.transform(payload)
                transformerName = transformer.identifier
            }
        }
        return CacheEnvelope(
            storedAt: storedAt, freshUntil: freshUntil, isNegative: value == nil,
            transformer: transformerName, payload: payload
        )
    }
}

/// Writes L1 victims that lived only in L1 down to L2/L3 (the spec's
/// `demote`), when the frequency sketch says they are still wanted.
struct CacheDemoter: Sendable {
    let l2: (any CacheStore)?
    let l3: (any CacheStore)?
    let codec: any CacheCodec
    let transformer: (any CacheValueTransformer)?
    let policy: CacheTierPolicy
    let minimumFrequency: Int
    let clock: any WhaleClock
    let logger: Logger
    let counters: CacheManagerCounters

    /// L1's removal listener.
    func removed(_ removal: MemoryCacheRemoval<String, CacheManagerL1Entry>) {
        guard removal.cause == .evicted, !removal.value.inLowerTier, removal.frequency >= minimumFrequency,
            l2 != nil || l3 != nil
        else { return }
        Task { try? await writeDown(key: removal.key, entry: removal.value, throwing: false) }
    }

    func writeDown(key: String, entry: CacheManagerL1Entry, throwing: Bool) async throws {
        let now = clock.now
        guard entry.freshUntil > now else { return }
        let bytes = try CacheEnvelope.encoding(
            entry.value, storedAt: entry.storedAt, freshUntil: entry.freshUntil, codec: codec, transformer: transformer
        ).encoded()
        let store = bytes.count <= policy.l2MaxEntryBytes && entry.criticality != .bulk ? (l2 ?? l3) : (l3 ?? l2)
        guard let store else { return }
        do {
            try await store.setMany([CacheWrite(key: key, value: bytes, ttl: now.duration(to: entry.freshUntil), tags: entry.tags)])
            counters.demotions.increment()
        } catch {
            logger.warning("cache demotion failed", metadata: ["key": "\(key)", "error": "\(error)"])
            if throwing { throw error }
        }
    }
}
