import Benchmark
import CSQLiteBaseline
import CoreCache
import CoreProtocols
import Foundation

// L3 beside a plain C loop over the same SQLite schema and statements, in the
// same run, on the same file system (a temp dir), WAL in both: batched
// inserts (1 000 100-byte values per transaction) and point reads of
// 100-byte values among 100 000 keys.
//
// The reads come four ways, since where the caller runs decides the cost:
// - "L3 point read": one task on the cooperative pool, one read at a time,
//   the default configuration: the read runs in place on a free reader
//   connection (`inlineReads`);
// - "L3 point read, via reader thread": the same with `inlineReads = false`:
//   each read hops to a reader thread and back (two thread wake-ups), which
//   the C loop, reading on its own thread, never pays;
// - "L3 point read (reader executor)": the loop inside `withReaderExecutor`,
//   so it runs on a reader thread and reads in place;
// - "L3 point read, 8 tasks": eight tasks at once.

private let valueBytes = [UInt8](repeating: 0xAB, count: 100)
private let batchSize = 1_000
private let keySpace = 100_000
private let keyPrefix = "bench:"

/// A fresh directory with an L3 database file in it.
private final class BenchmarkFiles {
    let directory: URL
    var path: String { directory.appendingPathComponent("l3.sqlite").path }

    init(_ name: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("whale-l3-bench-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The tier's configuration on this file: no size cap, no background
    /// cleanup, a flush per 1 000 writes.
    var configuration: SQLiteTierConfiguration {
        var configuration = SQLiteTierConfiguration(path: path)
        configuration.sizeLimit = .unlimited
        configuration.cleanupInterval = nil
        configuration.writeBehind.flushSize = batchSize
        return configuration
    }
}

/// The C baseline's connection and the files it owns.
private final class CBaseline {
    let files: BenchmarkFiles
    let handle: OpaquePointer
    let expiresAt: Int64
    var nextBatch = 0

    /// Opens the C loop on an L3 file whose schema the tier created.
    init(_ name: String) async throws {
        files = try BenchmarkFiles(name)
        try await SQLiteCacheTier(configuration: files.configuration).close()
        guard let handle = csqlite_baseline_open(files.path) else {
            throw WhaleError(.io, "cannot open the C baseline on \(files.path)")
        }
        self.handle = handle
        expiresAt = Self.now + 7 * 86_400_000
    }

    deinit {
        csqlite_baseline_close(handle)
    }

    static var now: Int64 { SystemClock().now.nanosecondsSinceEpoch / 1_000_000 }

    /// Upserts the next 1 000 keys of the key space in one transaction.
    func insertBatch() throws {
        let first = Int64((nextBatch * batchSize) % keySpace)
        nextBatch += 1
        let status = valueBytes.withUnsafeBufferPointer { value in
            csqlite_baseline_insert_batch(
                handle, keyPrefix, first, Int32(batchSize), value.baseAddress, Int32(value.count), expiresAt, Self.now)
        }
        guard status == 0 else { throw WhaleError(.io, "C baseline insert failed: \(status)") }
    }
}

/// The tier and the files it owns.
private final class L3Tier {
    let files: BenchmarkFiles
    let tier: SQLiteCacheTier
    var nextBatch = 0

    init(_ name: String, inlineReads: Bool = true) async throws {
        files = try BenchmarkFiles(name)
        var configuration = files.configuration
        configuration.inlineReads = inlineReads
        tier = try await SQLiteCacheTier(configuration: configuration)
    }

    deinit {
        let tier = self.tier
        Task { try? await tier.close() }
    }

    /// Writes the next 1 000 keys of the key space and waits for their
    /// transaction to commit.
    func insertBatch() async throws {
        let first = (nextBatch * batchSize) % keySpace
        nextBatch += 1
        let writes = (first..<first + batchSize).map { CacheWrite(key: "\(keyPrefix)\($0)", value: valueBytes) }
        try await tier.setMany(writes)
        try await tier.flush()
    }
}

/// The key the `iteration`-th read asks for: spread over the key space.
@inline(__always)
private func readIndex(_ iteration: Int) -> Int {
    (iteration &* 48_271) % keySpace
}

func sqliteTierBenchmarks() {
    // A fixed number of iterations, so both sides of a pair do the same work
    // (100 batches fill the key space, the rest overwrite it).
    let inserts = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .one, maxDuration: .seconds(60),
        maxIterations: 400)
    let reads = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .kilo, maxDuration: .seconds(60),
        maxIterations: 300)

    // One iteration: 1 000 upserts of 100-byte values in one transaction.
    Benchmark("C/SQLite batched insert (baseline)", configuration: inserts) { (benchmark, baseline: CBaseline) throws in
        for _ in benchmark.scaledIterations {
            try baseline.insertBatch()
        }
    } setup: {
        try await CBaseline("insert-c")
    }
    Benchmark("L3 batched insert (1000 per transaction)", configuration: inserts) { (benchmark, l3: L3Tier) async throws in
        for _ in benchmark.scaledIterations {
            try await l3.insertBatch()
        }
    } setup: {
        try await L3Tier("insert-l3")
    }

    // One iteration: one point read of a 100-byte value among 100 000 keys.
    Benchmark("C/SQLite point read (baseline)", configuration: reads) { (benchmark, baseline: CBaseline) throws in
        var buffer = [UInt8](repeating: 0, count: 256)
        let now = CBaseline.now
        for iteration in benchmark.scaledIterations {
            let length = buffer.withUnsafeMutableBufferPointer { buffer in
                csqlite_baseline_point_read(
                    baseline.handle, keyPrefix, Int64(readIndex(iteration)), now, buffer.baseAddress, Int32(buffer.count))
            }
            guard length == Int32(valueBytes.count) else { throw WhaleError(.io, "C baseline read returned \(length)") }
            blackHole(buffer)
        }
    } setup: {
        let baseline = try await CBaseline("read-c")
        for _ in 0..<(keySpace / batchSize) { try baseline.insertBatch() }
        return baseline
    }
    Benchmark("L3 point read", configuration: reads) { (benchmark, l3: L3Tier) async throws in
        for iteration in benchmark.scaledIterations {
            guard let value = try await l3.tier.get("\(keyPrefix)\(readIndex(iteration))") else {
                throw WhaleError(.notFound, "L3 read missed")
            }
            blackHole(value)
        }
    } setup: {
        try await populatedTier("read-l3")
    }
    Benchmark("L3 point read, via reader thread", configuration: reads) { (benchmark, l3: L3Tier) async throws in
        for iteration in benchmark.scaledIterations {
            guard let value = try await l3.tier.get("\(keyPrefix)\(readIndex(iteration))") else {
                throw WhaleError(.notFound, "L3 read missed")
            }
            blackHole(value)
        }
    } setup: {
        try await populatedTier("read-l3-hop", inlineReads: false)
    }
    Benchmark("L3 point read (reader executor)", configuration: reads) { (benchmark, l3: L3Tier) async throws in
        try await l3.tier.withReaderExecutor {
            for iteration in benchmark.scaledIterations {
                guard let value = try await l3.tier.get("\(keyPrefix)\(readIndex(iteration))") else {
                    throw WhaleError(.notFound, "L3 read missed")
                }
                blackHole(value)
            }
        }
    } setup: {
        try await populatedTier("read-l3-executor")
    }
    Benchmark("L3 point read, 8 tasks", configuration: reads) { (benchmark, l3: L3Tier) async throws in
        let iterations = benchmark.scaledIterations
        let tier = l3.tier
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for iteration in stride(from: iterations.lowerBound + task, to: iterations.upperBound, by: 8) {
                        guard let value = try await tier.get("\(keyPrefix)\(readIndex(iteration))") else {
                            throw WhaleError(.notFound, "L3 read missed")
                        }
                        blackHole(value)
                    }
                }
            }
            try await group.waitForAll()
        }
    } setup: {
        try await populatedTier("read-l3-tasks")
    }
}

/// A tier holding the whole key space, flushed.
private func populatedTier(_ name: String, inlineReads: Bool = true) async throws -> L3Tier {
    let l3 = try await L3Tier(name, inlineReads: inlineReads)
    for _ in 0..<(keySpace / batchSize) { try await l3.insertBatch() }
    return l3
}
