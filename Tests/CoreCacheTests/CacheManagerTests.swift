@testable import CoreCache
import CoreProtocols
import CoreTestKit
import MetricsTestKit
import Synchronization
import Testing

@Suite struct CacheManagerTests {
    let clock = ManualClock()
    let metrics = TestMetrics()
    let l2: DictionaryStore
    let l3: DictionaryStore

    init() {
        l2 = DictionaryStore(name: "l2", clock: clock)
        l3 = DictionaryStore(name: "l3", clock: clock)
    }

    func manager(
        _ configure: (inout CacheManagerConfiguration) -> Void = { _ in },
        l2 useL2: Bool = true,
        l3 useL3: Bool = true,
        transformer: (any CacheValueTransformer)? = nil,
        loaderPolicy: (any ResiliencePolicy)? = nil
    ) throws -> CacheManager {
        var configuration = CacheManagerConfiguration()
        configuration.tierPolicy.ttlJitter = 0
        configure(&configuration)
        return try CacheManager(
            configuration: configuration, l2: useL2 ? l2 : nil, l3: useL3 ? l3 : nil, transformer: transformer,
            loaderPolicy: loaderPolicy, clock: clock, metricsFactory: metrics
        )
    }

    func requests(_ result: String, _ tier: String? = nil) throws -> Int64 {
        var dimensions = [("result", result)]
        if let tier { dimensions.append(("tier", tier)) }
        return try metrics.expectCounter("whale_cache_requests", dimensions).totalValue
    }

    // MARK: - get / set across tiers

    @Test func aSetValueIsAnL1HitAndTheEnvelopeIsReadableText() async throws {
        let cache = try manager()
        try await cache.set("user:1", Profile(name: "Sara", age: 31))
        #expect(try await cache.get("user:1", as: Profile.self) == Profile(name: "Sara", age: 31))
        #expect(try requests("hit", "l1") == 1)
        let stored = try #require(l2.raw("user:1"))
        let text = String(decoding: stored, as: UTF8.self)
        #expect(text.hasPrefix("swc1 s=1767225600000 e=1767225900000\n"))
        #expect(text.hasSuffix(#"{"age":31,"name":"Sara"}"#))
    }

    @Test func aMissWalksDownAndPromotesTheHitUpward() async throws {
        let writer = try manager()
        try await writer.set("k", "v", options: CacheEntryOptions(ttl: .seconds(7_200)))
        #expect(l3.raw("k") != nil, "a normal entry with a TTL ≥ 1 h also goes to L3")
        _ = try await l2.deleteMany(["k"])
        let reader = try manager()
        #expect(try await reader.get("k", as: String.self) == "v")
        #expect(try requests("hit", "l3") == 1)
        #expect(l2.raw("k") != nil, "promoted to L2")
        #expect(try await reader.get("k", as: String.self) == "v")
        #expect(try requests("hit", "l1") == 1, "and to L1")
    }

    @Test func theTierPolicyPlacesEntriesByCriticalitySizeAndTTL() async throws {
        let cache = try manager { $0.tierPolicy.l1MaxEntryBytes = 100 }
        try await cache.set("bulk", "x", options: CacheEntryOptions(criticality: .bulk))
        #expect(cache.l1?.get("bulk") == nil)
        #expect(l2.raw("bulk") != nil && l3.raw("bulk") != nil)
        try await cache.set("big", String(repeating: "a", count: 500))
        #expect(cache.l1?.get("big") == nil, "over l1MaxEntryBytes")
        #expect(l2.raw("big") != nil && l3.raw("big") == nil, "short TTL: not L3")
        try await cache.set("hot", "y", options: CacheEntryOptions(ttl: .seconds(86_400), criticality: .critical))
        #expect(cache.l1?.get("hot") != nil && l2.raw("hot") != nil && l3.raw("hot") == nil)
    }

    @Test func movingAnEntryToOtherTiersRemovesItFromTheOldOnes() async throws {
        let cache = try manager()
        try await cache.set("k", "old", options: CacheEntryOptions(tiers: .all))
        try await cache.set("k", "new", options: CacheEntryOptions(tiers: [.l2]))
        #expect(l3.raw("k") == nil)
        #expect(cache.l1?.get("k") == nil)
        #expect(try await cache.get("k", as: String.self) == "new")
    }

    @Test func anExpiredEntryIsAMissWithoutALoader() async throws {
        let cache = try manager()
        try await cache.set("k", "v", options: CacheEntryOptions(ttl: .seconds(10)))
        clock.advance(by: .seconds(11))
        #expect(try await cache.get("k", as: String.self) == nil)
        #expect(try requests("miss") == 1)
    }

    // MARK: - loader, single flight, fail-safe, SWR, negative caching

    @Test func aThousandConcurrentMissesCallTheLoaderOnce() async throws {
        let cache = try manager()
        let loader = CountingLoader()
        let gate = AsyncGate()
        let values = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<1_000 {
                group.addTask {
                    try await cache.get("hot", as: String.self) {
                        await gate.wait()
                        return try await loader.load("loaded")
                    }
                }
            }
            while cache.flights.count == 0 { await Task.yield() }
            for _ in 0..<100 { await Task.yield() }
            gate.open()
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(values.count == 1_000)
        #expect(values.allSatisfy { $0 == "loaded" })
        #expect(loader.count == 1)
        #expect(try metrics.expectCounter("whale_cache_loads", [("result", "started")]).totalValue == 1)
    }

    @Test func failSafeServesTheStaleValueWhenTheLoaderFails() async throws {
        let cache = try manager()
        let loader = CountingLoader()
        #expect(try await cache.get("k", as: String.self) { try await loader.load("v1") } == "v1")
        clock.advance(by: .seconds(301))
        loader.failing.store(true, ordering: .relaxed)
        #expect(try await cache.get("k", as: String.self) { try await loader.load("v2") } == "v1")
        #expect(try metrics.expectCounter("whale_cache_stale_served", [("reason", "fail_safe")]).totalValue == 1)
        // Throttled: within failSafeThrottle the loader is not called again.
        #expect(try await cache.get("k", as: String.self) { try await loader.load("v2") } == "v1")
        #expect(loader.count == 2)
    }

    @Test func failSafeServesTheStaleValueWhenTheBreakerIsOpen() async throws {
        let writer = try manager()
        try await writer.set("k", "cached", options: CacheEntryOptions(ttl: .seconds(10)))
        clock.advance(by: .seconds(20))
        let cache = try manager(loaderPolicy: OpenBreakerPolicy())
        #expect(try await cache.get("k", as: String.self) { "never called" } == "cached")
    }

    @Test func pastTheFailSafeWindowTheLoadersErrorIsThrown() async throws {
        let cache = try manager()
        try await cache.set("k", "v", options: CacheEntryOptions(ttl: .seconds(10), failSafeMaxDuration: .seconds(60)))
        clock.advance(by: .seconds(71))
        let error = await #expect(throws: WhaleError.self) {
            try await cache.get("k", as: String.self) { throw WhaleError(.unavailable, "down") }
        }
        #expect(error?.code == .unavailable)
    }

    @Test func staleWhileRevalidateReturnsAtOnceAndRefreshesInTheBackground() async throws {
        let cache = try manager { $0.defaults.staleWhileRevalidate = true }
        try await cache.set("k", "old", options: CacheEntryOptions(ttl: .seconds(10)))
        clock.advance(by: .seconds(11))
        let loader = CountingLoader()
        #expect(try await cache.get("k", as: String.self) { try await loader.load("new") } == "old")
        for _ in 0..<1_000 where cache.flights.count > 0 || loader.count == 0 { await Task.yield() }
        while cache.flights.count > 0 { await Task.yield() }
        #expect(try await cache.get("k", as: String.self) == "new")
        #expect(loader.count == 1)
    }

    @Test func aLoadersNilIsCachedAsANegativeEntry() async throws {
        let cache = try manager()
        let loader = CountingLoader()
        #expect(try await cache.get("ghost", as: String.self) { try await loader.load(nil) } == nil)
        #expect(try await cache.get("ghost", as: String.self) { try await loader.load(nil) } == nil)
        #expect(loader.count == 1)
        #expect(l3.raw("ghost") == nil, "negative entries skip L3")
        #expect(String(decoding: try #require(l2.raw("ghost")), as: UTF8.self).contains(" n\n"))
        clock.advance(by: .seconds(31))
        #expect(try await cache.get("ghost", as: String.self) { try await loader.load("found") } == "found")
    }

    // MARK: - faults

    @Test func aValueThatNoLongerDecodesIsAMissIsDeletedAndIsCounted() async throws {
        let cache = try manager(l3: false)
        l2.putRaw("k", Array("swc1 s=1 e=99999999999999\n{not json".utf8))
        #expect(try await cache.get("k", as: Profile.self) == nil)
        #expect(l2.raw("k") == nil)
        l2.putRaw("j", Array("garbage without a header".utf8))
        #expect(try await cache.get("j", as: Profile.self) == nil)
        #expect(l2.raw("j") == nil)
        #expect(try metrics.expectCounter("whale_cache_decode_failures").totalValue == 2)
    }

    @Test func aDeadL2IsSkippedOnReadsAndWritesAndCounted() async throws {
        let cache = try manager { $0.l1Enabled = false }
        try await cache.set("k", "v", options: CacheEntryOptions(ttl: .seconds(7_200)))
        l2.failing.store(true, ordering: .relaxed)
        #expect(try await cache.get("k", as: String.self) == "v", "read falls through to L3")
        try await cache.set("k2", "v2", options: CacheEntryOptions(ttl: .seconds(7_200)))
        #expect(l3.raw("k2") != nil)
        #expect(try metrics.expectCounter("whale_cache_tier_errors", [("tier", "l2"), ("op", "get")]).totalValue == 1)
        // The L3 hit's promotion to L2, and the set.
        #expect(try metrics.expectCounter("whale_cache_tier_errors", [("tier", "l2"), ("op", "set")]).totalValue == 2)
        l2.failing.store(false, ordering: .relaxed)
        #expect(try await cache.get("k", as: String.self) == "v")
    }

    @Test func throwOnTierFailureSurfacesTheTiersError() async throws {
        let cache = try manager { $0.throwOnTierFailure = true }
        l2.failing.store(true, ordering: .relaxed)
        let error = await #expect(throws: WhaleError.self) { try await cache.set("k", "v") }
        #expect(error?.code == .unavailable)
    }

    @Test(arguments: ["", String(repeating: "k", count: 1_025), "a\u{0}b"])
    func invalidKeysAreTypedErrorsAndStoreNothing(key: String) async throws {
        let cache = try manager()
        for operation in ["set", "get", "invalidate"] {
            let error = await #expect(throws: WhaleError.self, "\(operation)") {
                switch operation {
                case "set": try await cache.set(key, "v")
                case "get": _ = try await cache.get(key, as: String.self) { "v" }
                default: try await cache.invalidate(key)
                }
            }
            #expect(error?.code == .invalidInput)
        }
        #expect(l2.keys.isEmpty && l3.keys.isEmpty)
    }

    @Test func invalidTagsAndPatternsAreTypedErrors() async throws {
        let cache = try manager()
        await #expect(throws: WhaleError.self) { try await cache.set("k", "v", options: CacheEntryOptions(tags: [""])) }
        #expect(l2.keys.isEmpty)
        await #expect(throws: WhaleError.self) { try await cache.invalidate(matching: "user:[") }
        await #expect(throws: WhaleError.self) { try await cache.invalidate(tag: "") }
    }

    @Test func invalidConfigurationsNameTheSetting() {
        var configuration = CacheManagerConfiguration()
        configuration.tierPolicy.ttlJitter = 2
        #expect(throws: WhaleError.self) { try CacheManager(configuration: configuration) }
        configuration = CacheManagerConfiguration()
        configuration.defaults.ttl = .zero
        #expect(throws: WhaleError.self) { try CacheManager(configuration: configuration) }
        configuration = CacheManagerConfiguration()
        configuration.l1MaxEntries = 0
        #expect(throws: WhaleError.self) { try CacheManager(configuration: configuration) }
    }

    // MARK: - invalidation

    @Test func invalidationCountsWhatEachTierRemoved() async throws {
        let cache = try manager()
        let longLived = CacheEntryOptions(ttl: .seconds(7_200), tags: ["users"])
        for id in 1...5 { try await cache.set("user:\(id)", "u\(id)", options: longLived) }
        try await cache.set("order:1", "o1", options: CacheEntryOptions(ttl: .seconds(7_200), tags: ["orders"]))

        let one = try await cache.invalidate("user:1")
        #expect((one.l1, one.l2, one.l3) == (1, 1, 1))
        let batch = try await cache.invalidate(keys: ["user:2", "missing"])
        #expect(batch.total == 3)
        let pattern = try await cache.invalidate(matching: "user:[34]")
        #expect((pattern.l1, pattern.l2, pattern.l3) == (2, 2, 2))
        let tagged = try await cache.invalidate(tag: "users")
        #expect((tagged.l1, tagged.l2, tagged.l3) == (1, 1, 1), "user:5 is left")
        #expect(try await cache.get("order:1", as: String.self) == "o1")
        #expect(l2.keys == ["order:1"])
    }

    @Test func aFailingTierIsNamedInTheInvalidationResult() async throws {
        let cache = try manager()
        try await cache.set("k", "v")
        l3.failing.store(true, ordering: .relaxed)
        let result = try await cache.invalidate("k")
        #expect(result.failedTiers == ["l3"])
        #expect(result.l1 == 1 && result.l2 == 1)
    }

    // MARK: - promote, demote, stale values, transformer

    @Test func promoteAndDemoteMoveEntriesBetweenTiers() async throws {
        let cache = try manager()
        try await cache.set("k", Profile(name: "Reza", age: 40), options: CacheEntryOptions(tiers: [.l1]))
        #expect(l2.raw("k") == nil)
        #expect(try await cache.demote("k"))
        #expect(cache.l1?.get("k") == nil)
        #expect(l2.raw("k") != nil)
        #expect(try await cache.promote("k"))
        #expect(cache.l1?.get("k") != nil)
        #expect(try await cache.get("k", as: Profile.self) == Profile(name: "Reza", age: 40))
        #expect(try await !cache.promote("absent"))
        #expect(try await !cache.demote("absent"))
    }

    @Test func staleValueSourceReturnsCodecBytesEvenWhenExpired() async throws {
        let cache = try manager()
        try await cache.set("k", "v", options: CacheEntryOptions(ttl: .seconds(10)))
        clock.advance(by: .seconds(60))
        let stale = try #require(await cache.staleValue(forKey: "k"))
        #expect(String(decoding: stale.bytes, as: UTF8.self) == #""v""#)
        #expect(stale.storedAt == WhaleInstant(secondsSinceEpoch: 1_767_225_600))
        #expect(await cache.staleValue(forKey: "none") == nil)
    }

    @Test func zstdCompressesLargeValuesAndTheEnvelopeSaysSo() async throws {
        let cache = try manager(transformer: try ZstdCompression(minimumBytes: 64))
        let large = String(repeating: "whale ", count: 1_000)
        try await cache.set("big", large, options: CacheEntryOptions(tiers: [.l2]))
        let stored = try #require(l2.raw("big"))
        #expect(stored.count < 400)
        #expect(String(decoding: stored.prefix(60), as: UTF8.self).contains(" x=zstd\n"))
        #expect(try await cache.get("big", as: String.self) == large)
        let plain = try manager()
        #expect(try await plain.get("big", as: String.self) == nil, "written with zstd, read without: a counted miss")
    }

    @Test func zstdRejectsCorruptFrames() throws {
        let zstd = try ZstdCompression()
        #expect(throws: WhaleError.self) { try zstd.restore([]) }
        #expect(throws: WhaleError.self) { try zstd.restore([1, 0x28, 0xB5, 0x2F, 0xFD, 0, 0]) }
        #expect(throws: WhaleError.self) { try ZstdCompression(level: 0) }
        let text = Array(String(repeating: "abc", count: 500).utf8)
        #expect(try zstd.restore(zstd.transform(text)) == text)
        #expect(try zstd.restore(zstd.transform([1, 2, 3])) == [1, 2, 3])
    }

    @Test func envelopesRejectWhatTheyDidNotWrite() {
        for text in ["", "swc1", "swc2 s=1 e=2\n", "swc1 s=1\n", "swc1 s=1 e=2 q=3\n", "swc1 s=x e=2\n"] {
            #expect(throws: WhaleError.self, "\(text)") { try CacheEnvelope(decoding: Array(text.utf8)) }
        }
    }
}

/// A gate tasks wait at until `open()`.
final class AsyncGate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resume = state.locked { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resume { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.locked { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

@Suite struct CacheManagerDemotionTests {
    @Test func frequentL1VictimsAreWrittenDownToL2() async throws {
        let clock = ManualClock()
        let l2 = DictionaryStore(name: "l2", clock: clock)
        var configuration = CacheManagerConfiguration()
        configuration.tierPolicy.ttlJitter = 0
        let cache = try CacheManager(configuration: configuration, l2: l2, clock: clock)
        let l1 = try #require(cache.l1)
        for id in 0..<8 {
            try await cache.set("hot:\(id)", "v\(id)", options: CacheEntryOptions(tiers: [.l1]))
            for _ in 0..<6 { _ = try await cache.get("hot:\(id)", as: String.self) }
        }
        l1.cleanUp()
        #expect(l2.keys.isEmpty)
        try l1.resize(maximumWeight: 1)
        for _ in 0..<10_000 where l2.keys.count < 8 { await Task.yield() }
        #expect(l2.keys.count == 8, "every frequent victim was demoted")
        #expect(try await cache.get("hot:3", as: String.self) == "v3", "and is found in L2")
    }
}

@Suite struct CacheManagerTierFallbackTests {
    @Test func anEntryWhosePolicyTiersAreMissingGoesToTheNearestConfiguredTier() async throws {
        let clock = ManualClock()
        let l3 = DictionaryStore(name: "l3", clock: clock)
        var configuration = CacheManagerConfiguration()
        configuration.l1Enabled = false
        let cache = try CacheManager(configuration: configuration, l3: l3, clock: clock)
        try await cache.set("short", "lived", options: CacheEntryOptions(ttl: .seconds(60)))
        #expect(l3.raw("short") != nil, "L1 + L2 by policy; neither exists, so L3")
        #expect(try await cache.get("short", as: String.self) == "lived")
    }
}
