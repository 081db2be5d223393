import CoreProtocols
import Foundation
import Testing

@testable import CoreCache

/// The ARC traces (OLTP, P6) live outside the repository, in
/// `../shared/testdata/cache-traces` next to the package root. They come from
/// N. Megiddo and D. S. Modha, "ARC: A Self-Tuning, Low Overhead Replacement
/// Cache", USENIX FAST 2003, whose citation is the condition of their use.
enum CacheTraces {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // CoreCacheTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
    static let directory = packageRoot.appendingPathComponent("../shared/testdata/cache-traces").standardized

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// OLTP's 914 145 requests, read once for all tests. A missing trace is
    /// a failure (with the reader's `.io` error naming the path), never a skip.
    static let oltpKeys = Result { try CacheSimulator.readTrace(path: path("OLTP.lis.zst")) }
}

@Suite(.timeLimit(.minutes(2))) struct CacheSimulatorTests {
    // MARK: - The ARC trace format

    @Test func parsesRanges() throws {
        let keys = try CacheSimulator.arcTraceKeys("1 3 0 0\n10 1 0 1\r\n\n  \t\n7\t2 0 2\n5 0 0 3\n")
        #expect(keys == [1, 2, 3, 10, 7, 8])
        #expect(try CacheSimulator.arcTraceKeys("") == [])
        #expect(try CacheSimulator.arcTraceKeys("4 2") == [4, 5])
        let substring = "x\n9 1 0 0\n".dropFirst(2)
        #expect(try CacheSimulator.arcTraceKeys(substring) == [9])
    }

    @Test(arguments: [
        ("1 1 0 0\nabc 1 0 0\n", 2),
        ("1 1 0 0\n2 1 0 0\n3\n", 3),
        ("7 -1 0 0", 1),
        ("99999999999999999999 1 0 0", 1),
        ("18446744073709551615 2 0 0", 1),
        ("1 2000000 0 0", 1),
        ("1 1x 0 0", 1),
    ])
    func rejectsMalformedLines(text: String, line: Int) {
        let error = memoryCacheError { _ = try CacheSimulator.arcTraceKeys(text) }
        #expect(error?.code == .malformedData)
        #expect(error?.message.hasPrefix("trace line \(line):") == true, "\(String(describing: error))")
    }

    @Test func readsPlainFilesAndReportsMissingOnes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("trace-\(UUID().uuidString).lis").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "100 2 0 0\n3 1 0 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try CacheSimulator.readTrace(path: path) == [100, 101, 3])
        let missing = memoryCacheError { _ = try CacheSimulator.readTrace(path: path + ".missing") }
        #expect(missing?.code == .io)
    }

    @Test func readsZstdAndRejectsTruncatedStreams() throws {
        let keys = try CacheTraces.oltpKeys.get()
        #expect(keys.count == 914_145)
        #expect(Array(keys.prefix(3)) == [1, 2, 3])
        let compressed = try Data(contentsOf: URL(fileURLWithPath: CacheTraces.path("OLTP.lis.zst")))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cut-\(UUID().uuidString).zst").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try compressed.prefix(200_000).write(to: URL(fileURLWithPath: path))
        let truncated = memoryCacheError { _ = try CacheSimulator.readTrace(path: path) }
        #expect(truncated?.code == .malformedData)
        var damaged = compressed.prefix(200_000)
        damaged.replaceSubrange(100..<200, with: Data(repeating: 0xFF, count: 100))
        try damaged.write(to: URL(fileURLWithPath: path))
        #expect(memoryCacheError { _ = try CacheSimulator.readTrace(path: path) }?.code == .malformedData)
    }

    // MARK: - Replay

    @Test func countsHitsForBothPolicies() {
        // LRU of 2: 1 2 1 3 1 → hits on the 2nd and 3rd access of 1.
        let keys: [UInt64] = [1, 2, 1, 3, 1]
        let lru = CacheSimulator.run(keys: keys, capacity: 2, policy: .lru)
        #expect(lru == CacheSimulationResult(requests: 5, hits: 2))
        #expect(lru.hitRatio == 0.4)
        let tiny = CacheSimulator.run(keys: keys, capacity: 2, policy: .wTinyLFU)
        #expect(tiny.requests == 5)
        #expect(tiny.hits == 2)
        #expect(CacheSimulator.run(keys: [UInt64](), capacity: 10, policy: .wTinyLFU) == .init(requests: 0, hits: 0))
        #expect(CacheSimulator.run(keys: keys, capacity: 0, policy: .lru) == .init(requests: 5, hits: 0))
        #expect(CacheSimulator.run(keys: keys, capacity: -1, policy: .wTinyLFU).hitRatio == 0)
        #expect(CacheSimulationPolicy(rawValue: "w-tinylfu") == .wTinyLFU)
    }

    @Test func aLoopLargerThanTheCacheDefeatsLRUButNotWTinyLFU() {
        // A loop of 150 keys over a cache of 100: LRU never hits.
        let keys = (0..<50).flatMap { _ in (0..<150).map { UInt64($0) } }
        #expect(CacheSimulator.run(keys: keys, capacity: 100, policy: .lru).hits == 0)
        #expect(CacheSimulator.run(keys: keys, capacity: 100, policy: .wTinyLFU).hitRatio > 0.5)
    }

    /// Hit ratios on the ARC paper's OLTP trace, the property the policy is
    /// chosen for: W-TinyLFU must reach 24.7 / 40.0 / 46.1 % at 250 / 1000 /
    /// 2000 entries (LRU: about 16.5 / 32.8 / 42.5 %; checked at 1000 as a
    /// check on the trace reader). Deterministic: the simulator hashes the keys
    /// itself and seeds its own random numbers. The capacities run in
    /// parallel (about 2 s each in a debug build).
    @Test(arguments: [(250, 0.247), (1_000, 0.400), (2_000, 0.461)])
    func oltpHitRatio(capacity: Int, minimum: Double) throws {
        let keys = try CacheTraces.oltpKeys.get()
        let tiny = CacheSimulator.run(keys: keys, capacity: capacity, policy: .wTinyLFU)
        #expect(tiny.requests == 914_145)
        #expect(tiny.hitRatio >= minimum, "w-tinylfu at \(capacity): \(tiny.hitRatio)")
        if capacity == 1_000 {
            let lru = CacheSimulator.run(keys: keys, capacity: capacity, policy: .lru)
            #expect(abs(lru.hitRatio - 0.3283) < 0.0005, "lru at \(capacity): \(lru.hitRatio)")
        }
    }
}
