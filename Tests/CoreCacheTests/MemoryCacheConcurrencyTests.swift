import CoreProtocols
import CoreTestKit
import Synchronization
import Testing

@testable import CoreCache

/// Counts removal notifications by cause, from any thread.
final class MemoryCacheCauseCounter: Sendable {
    private let counts = Mutex<[MemoryCacheRemovalCause: Int]>([:])

    func record(_ cause: MemoryCacheRemovalCause) { counts.locked { $0[cause, default: 0] += 1 } }

    subscript(cause: MemoryCacheRemovalCause) -> Int { counts.locked { $0[cause, default: 0] } }

    var total: Int { counts.locked { $0.values.reduce(0, +) } }
}

/// Per task tallies, summed after the run.
struct MemoryCacheStressTally: Sendable {
    var gets = 0
    var sets = 0
    var removed = 0
    var removedByScan = 0
}

@Suite(.timeLimit(.minutes(3))) struct MemoryCacheConcurrencyTests {
    /// Many tasks get, set, remove and scan one cache while the clock moves;
    /// afterwards the bounds hold, the shards and the policy agree, every
    /// successful remove was notified as `.explicit`, and every value ever
    /// stored is either still there or was notified exactly once.
    @Test(arguments: [false, true])
    func stressKeepsTheInvariants(weighted: Bool) async throws {
        let clock = ManualClock()
        let causes = MemoryCacheCauseCounter()
        let configuration = MemoryCacheConfiguration<Int, Int>(
            maximumEntries: weighted ? nil : 500,
            maximumWeight: weighted ? 2_000 : nil,
            weigher: { _, value in weighted ? 1 + value % 7 : 1 },
            removalListener: { causes.record($0.cause) }
        )
        let cache = try MemoryCache(configuration: configuration, clock: clock)
        let tasks = 8
        let operations = 20_000
        let tallies = await withTaskGroup(of: MemoryCacheStressTally.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var tally = MemoryCacheStressTally()
                    var random = UInt64(task + 1) &* 0x9E37_79B9_7F4A_7C15
                    for operation in 0..<operations {
                        random ^= random << 13
                        random ^= random >> 7
                        random ^= random << 17
                        // Skewed keys: a hot set of 100 and a long tail of 3000.
                        let key = random % 4 == 0 ? Int(random >> 8 % 3_000) : Int(random >> 8 % 100)
                        switch random >> 40 % 100 {
                        case 0..<70:
                            _ = cache.get(key)
                            tally.gets += 1
                        case 70..<90:
                            let ttl: Duration? =
                                random % 3 == 0 ? .milliseconds(Int64(random % 5_000)) + .milliseconds(1) : nil
                            do {
                                try cache.set(key, Int(random % 1_000), ttl: ttl)
                                tally.sets += 1
                            } catch {
                                Issue.record("set failed: \(error)")
                            }
                        case 90..<98:
                            if cache.remove(key) != nil { tally.removed += 1 }
                        case 98:
                            tally.removedByScan += cache.removeAll { candidate, _ in candidate % 97 == task }
                        default:
                            if task == 0 { clock.advance(by: .milliseconds(700)) }
                            cache.cleanUp()
                        }
                        if operation % 1_000 == 0 { await Task.yield() }
                    }
                    return tally
                }
            }
            var total = MemoryCacheStressTally()
            for await tally in group {
                total.gets += tally.gets
                total.sets += tally.sets
                total.removed += tally.removed
                total.removedByScan += tally.removedByScan
            }
            return total
        }
        cache.cleanUp()
        #expect(cache.consistencyProblems() == [])
        if weighted {
            #expect(cache.weightedSize <= 2_000)
        } else {
            #expect(cache.count <= 500)
        }
        #expect(cache.vitality().withinBudget)
        // Every successful remove and every scan removal was notified.
        #expect(causes[.explicit] == tallies.removed + tallies.removedByScan)
        // Each stored value is still there or was notified exactly once.
        #expect(tallies.sets == cache.count + causes.total)
        #expect(causes[.evicted] > 0)
        #expect(causes[.expired] > 0)
        // Lookups were counted (hits may be dropped from the policy, never from the statistics).
        let vitality = cache.vitality()
        #expect(vitality.hitCount + vitality.missCount == tallies.gets)
        #expect(vitality.hitCount > 0)
    }

    /// Readers on many tasks never block on the policy: while one task holds
    /// writes going, readers still see every value that is present.
    @Test func readersSeeWritersValues() async throws {
        let cache = try MemoryCache<Int, Int>(configuration: .init(maximumEntries: 20_000))
        for key in 0..<1_000 { try cache.set(key, key) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for round in 0..<20 {
                    for key in 1_000..<1_500 { try? cache.set(key + round * 500, key) }
                }
            }
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<20 {
                        for key in 0..<1_000 where cache.get(key) != key {
                            Issue.record("lost \(key)")
                        }
                        await Task.yield()
                    }
                }
            }
        }
        #expect(cache.consistencyProblems() == [])
    }

    /// Lock-free lookups beside writers that replace, remove and rehash:
    /// readers of String keys holding class values always get a whole value
    /// for the key they asked for (a torn or freed one would fail the check
    /// or crash), while a writer churns the same keys and grows the table.
    @Test func lockFreeReadsNeverSeeATornOrFreedValue() async throws {
        final class Box: Sendable {
            let key: String
            let generation: Int
            init(key: String, generation: Int) {
                self.key = key
                self.generation = generation
            }
        }
        let cache = try MemoryCache<String, Box>(configuration: .init(maximumEntries: 50_000))
        let keys = (0..<256).map { "hot:\($0)" }
        for key in keys { try cache.set(key, Box(key: key, generation: 0)) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for generation in 1...200 {
                    for key in keys where generation % 7 == 0 && key.hasSuffix("3") {
                        cache.remove(key)
                    }
                    for key in keys { try? cache.set(key, Box(key: key, generation: generation)) }
                    // New keys make the shards' tables grow under the readers.
                    for extra in 0..<100 { try? cache.set("cold:\(generation):\(extra)", Box(key: "cold", generation: 0)) }
                    await Task.yield()
                }
            }
            for reader in 0..<3 {
                group.addTask {
                    var seen = 0
                    for round in 0..<400 {
                        for key in keys {
                            if let box = cache.get(key) {
                                seen += 1
                                if box.key != key || box.generation < 0 {
                                    Issue.record("reader \(reader) round \(round): \(key) gave \(box.key)")
                                }
                            }
                        }
                        await Task.yield()
                    }
                    #expect(seen > 0)
                }
            }
        }
        #expect(cache.consistencyProblems() == [])
    }
}
