import CoreCache
import CoreProtocols
import CoreTestKit
import Foundation
import Logging
import MetricsTestKit
import Synchronization

/// A temporary directory, a manual clock, test metrics and a log capture for
/// one L3 test; `configuration` points into the directory.
final class SQLiteTierFixture: Sendable {
    let directory: URL
    let clock = ManualClock()
    let metrics = TestMetrics()
    let logs = CapturedLogs()

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("whale-l3-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    var path: String { directory.appendingPathComponent("l3.sqlite").path }

    /// A configuration on `path` whose background loops never fire on their
    /// own (an hour-long flush interval on the manual clock, no periodic cleanup).
    func configuration(_ change: (inout SQLiteTierConfiguration) -> Void = { _ in }) -> SQLiteTierConfiguration {
        var configuration = SQLiteTierConfiguration(path: path)
        configuration.writeBehind.flushInterval = .seconds(3_600)
        configuration.cleanupInterval = nil
        configuration.readerCount = 2
        change(&configuration)
        return configuration
    }

    func open(_ configuration: SQLiteTierConfiguration? = nil) async throws -> SQLiteCacheTier {
        try await SQLiteCacheTier(
            configuration: configuration ?? self.configuration(), clock: clock,
            logger: Logger(label: "test.l3") { _ in CapturingLogHandler(logs: self.logs) },
            metricsFactory: metrics)
    }

    func counter(_ name: String, _ dimensions: [(String, String)] = []) -> Int64 {
        let counters =
            dimensions.isEmpty
            ? metrics.counters(label: "whale_cache_l3_\(name)")
            : metrics.counters(label: "whale_cache_l3_\(name)", dimensions: dimensions)
        return counters.reduce(0) { $0 + $1.totalValue }
    }

    /// Files in the directory whose names start with `prefix`.
    func files(startingWith prefix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// Runs a statement on the tier's file through a separate connection.
    func query(_ sql: String) throws -> [[SQLiteValue]] {
        try SQLiteDatabase(path: path).query(sql)
    }
}

/// Log records a test can read back.
final class CapturedLogs: Sendable {
    private let records = Mutex<[(level: Logger.Level, message: String, metadata: Logger.Metadata)]>([])

    func append(_ level: Logger.Level, _ message: String, _ metadata: Logger.Metadata) {
        records.locked { $0.append((level, message, metadata)) }
    }

    var all: [(level: Logger.Level, message: String, metadata: Logger.Metadata)] { records.locked { $0 } }
}

struct CapturingLogHandler: LogHandler {
    let logs: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        logs.append(event.level, event.message.description, metadata.merging(event.metadata ?? [:]) { $1 })
    }
}

/// Bytes for tests: `count` bytes derived from `seed`.
func testBytes(_ seed: Int, count: Int = 16) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: seed &* 31 &+ $0) }
}

/// Waits until `condition` holds, checking every millisecond, for at most
/// `limit` of real time. For effects of a background job that a test has
/// triggered but cannot await.
func eventually(within limit: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now.advanced(by: limit)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return try await condition()
}
