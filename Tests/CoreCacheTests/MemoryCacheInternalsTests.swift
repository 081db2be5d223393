import Testing

@testable import CoreCache

/// The building blocks under ``MemoryCache``: the shard table, the sketch,
/// the read buffer and the layout the hit path relies on.
@Suite struct MemoryCacheInternalsTests {
    /// Random inserts, replacements and removals agree with a `Dictionary`,
    /// with hashes crafted to collide (few distinct home buckets), so the
    /// backward shift on removal is exercised across wrap-around.
    @Test(arguments: [0, 0xFF00, 0x7FFF_FFFF_FFFF_FF00])
    func tableAgreesWithDictionary(hashMask: Int) {
        var table = MemoryCacheTable<Int, Int>()
        var model: [Int: Int] = [:]
        var random: UInt64 = 0x1234_5678
        func hash(_ key: Int) -> Int { hashMask == 0 ? key.hashValue : (key &* 0x9E37_79B9) & hashMask }
        for step in 0..<20_000 {
            random ^= random << 13
            random ^= random >> 7
            random ^= random << 17
            let key = Int(random >> 40 % 600)
            let slot = MemoryCacheSlot(value: step, node: UInt64(step), expiresAt: .max)
            switch random % 3 {
            case 0:
                if let index = table.index(of: key, hash: hash(key)) {
                    table.replaceSlot(at: index, with: slot)
                } else {
                    table.insert(key, hash: hash(key), slot: slot)
                }
                model[key] = step
            case 1:
                #expect(table.remove(key, hash: hash(key))?.value == model.removeValue(forKey: key))
            default:
                #expect(table.slot(for: key, hash: hash(key))?.value == model[key])
            }
            #expect(table.count == model.count)
        }
        for (key, value) in model {
            #expect(table.slot(for: key, hash: hash(key))?.value == value)
        }
        #expect(table.allEntries.count == model.count)
        #expect(table.removeAll().count == model.count)
        #expect(table.count == 0)
        #expect(table.slot(for: 1, hash: hash(1)) == nil)
    }

    @Test func shardLocksFillTwoCacheLines() {
        #expect(MemoryLayout<MemoryCacheShard>.stride == 128)
    }

    @Test func sketchCountsAgesAndUsesItsDoorkeeper() {
        var sketch = FrequencySketch()
        #expect(sketch.frequency(7) == 0)
        sketch.ensureCapacity(64)
        // The first occurrence only sets the doorkeeper.
        sketch.increment(7)
        #expect(sketch.frequency(7) == 1)
        for _ in 0..<5 { sketch.increment(7) }
        #expect(sketch.frequency(7) == 6)
        // Counters stop at 15, plus one from the doorkeeper (callers clamp to 15).
        for _ in 0..<40 { sketch.increment(9) }
        #expect(sketch.frequency(9) == 16)
        // The reset (after sampleSize additions) halves every counter and clears the doorkeeper.
        #expect(sketch.sampleSize == 20 * 64)
        sketch.reset()
        #expect(sketch.frequency(9) == 7)  // 15 halved; the doorkeeper is cleared
        #expect(sketch.frequency(7) == 2)
        var plain = FrequencySketch(usesDoorkeeper: false)
        plain.ensureCapacity(64)
        plain.increment(7)
        #expect(plain.frequency(7) == 1)
    }

    /// `increment` says whether it changed anything: the doorkeeper's first
    /// sight and every count up to 15 do; once the counters are saturated an
    /// occurrence teaches the sketch nothing, until a reset halves them.
    @Test func sketchIncrementSaysWhetherItLearnt() {
        var sketch = FrequencySketch()
        let withoutTable = sketch.increment(3)
        #expect(!withoutTable)
        sketch.ensureCapacity(64)
        let first = sketch.increment(3)
        #expect(first)  // the doorkeeper
        for _ in 0..<15 {
            let learnt = sketch.increment(3)
            #expect(learnt)
        }
        #expect(sketch.frequency(3) == 16)
        let saturated = sketch.increment(3)
        #expect(!saturated)
        sketch.reset()
        let afterReset = sketch.increment(3)
        #expect(afterReset)
    }

    /// A reader's pause after a drain gives the policy the configured share
    /// of its time when every drained read taught the sketch something, a
    /// quarter of that share when none did, and in between linearly.
    @Test func readerPauseFollowsWhatTheDrainTaught() {
        #expect(MemoryCacheStopwatch.pause(after: 1_000, share: 0.25, informative: 1) == 3_000)
        #expect(MemoryCacheStopwatch.pause(after: 1_000, share: 0.25, informative: 0) == 15_000)
        // Half informative: a share of 0.25 × (0.25 + 0.375) = 0.15625.
        #expect(MemoryCacheStopwatch.pause(after: 1_000, share: 0.25, informative: 0.5) == 5_400)
        #expect(MemoryCacheStopwatch.pause(after: 1_000, share: 1, informative: 1) == 0)
        #expect(MemoryCacheStopwatch.pause(after: 1_000_000, share: 1e-9, informative: 0) == 1_000_000_000_000)
    }

    @Test func readBufferRecordsDrainsAndCounts() {
        let buffer = MemoryCacheReadBuffer()
        defer { buffer.deallocate() }
        var full = false
        for reference in 1...UInt64(MemoryCacheReadBuffer.capacity + 1) where !full {
            full = buffer.record(reference)
        }
        #expect(full)
        buffer.recordMiss()
        var drained: [UInt64] = []
        buffer.drain { drained.append($0) }
        #expect(drained == Array(1...UInt64(MemoryCacheReadBuffer.capacity)))
        let statistics = buffer.statistics
        #expect(statistics.hits == MemoryCacheReadBuffer.capacity + 1)
        #expect(statistics.misses == 1)
        // A refused drain lets the next full-stripe events pass.
        for reference in 1...UInt64(MemoryCacheReadBuffer.capacity) { #expect(!buffer.record(reference)) }
        #expect(buffer.record(99))
        buffer.refuseCallersDrain()
        for _ in 0..<MemoryCacheReadBuffer.skipsAfterRefusal { #expect(!buffer.record(99)) }
        #expect(buffer.record(99))
        drained.removeAll()
        buffer.drain(callersStripeOnly: true) { drained.append($0) }
        #expect(drained.count == MemoryCacheReadBuffer.capacity)
    }
}
