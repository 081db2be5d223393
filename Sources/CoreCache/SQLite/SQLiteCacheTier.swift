public import CoreProtocols
public import Logging
public import Metrics
public import ServiceLifecycle

/// L3: the long-TTL, persistent cache tier, on one SQLite file (the spec's
/// `persistent_get`, `persistent_set`, `cleanup`).
///
/// - **Storage.** One row per key (value BLOB, expiry and last-access times
///   in ms since the epoch, size), a tags table, WAL journal with
///   `synchronous=NORMAL`; the schema version is in `PRAGMA user_version`.
///   Keys are any non-empty, NUL-free UTF-8 up to
///   ``CacheKeyRules/maxKeyBytes``; values are bytes this tier never
///   interprets.
/// - **Threads.** One writer connection on a serial dispatch queue and
///   ``SQLiteTierConfiguration/readerCount`` reader connections, each on a
///   thread of its own, so SQLite never blocks Swift's cooperative pool.
///   Statements are prepared once per connection and reused.
/// - **Write-behind.** ``setMany(_:durable:)`` returns once its writes are
///   queued in memory; they are written in one transaction when
///   ``SQLiteTierConfiguration/WriteBehind/flushInterval`` passes or
///   ``SQLiteTierConfiguration/WriteBehind/flushSize`` writes are queued.
///   Reads see queued writes at once (read-your-writes).
/// - **Acknowledged** means queued: a write that `set` returned for survives
///   a clean ``close()`` (or ``run()`` ending), and is lost only if the
///   process dies before the next flush (at most one flush interval of
///   writes). Callers that need more call ``flush()``, or pass
///   `durable: true`: they return once the batch is committed to the WAL, and
///   throw if it was not (with `synchronous=NORMAL` a committed write survives
///   a process crash; a power loss may lose the last few).
/// - **Expiry and size.** ``cleanup()`` (every
///   ``SQLiteTierConfiguration/cleanupInterval`` too) deletes expired rows and
///   then evicts the least recently used rows until
///   ``SQLiteTierConfiguration/sizeLimit`` holds; every flush enforces the cap
///   as well. Reads record their time for the LRU order in batches, at most
///   once per key per ``SQLiteTierConfiguration/accessTimeResolution``.
/// - **Faults.** A file that is not a database, is corrupt or cannot be
///   opened is renamed to `<path>.corrupt-<ms since epoch>` and an empty one
///   created, with an error log; corruption found while running is
///   quarantined on ``close()``. A full disk (or
///   ``SQLiteTierConfiguration/maxDatabaseBytes``) fails writes softly: the
///   batch is dropped, counted (`whale_cache_l3_errors{kind="disk_full"}`,
///   `whale_cache_l3_dropped_writes`) and reported to ``flush()`` callers as
///   `WhaleError(.resourceExhausted)`; reads go on.
///
/// Metrics (swift-metrics) are prefixed `whale_cache_l3_`: `reads{result}`,
/// `writes{operation}`, `flush_batches`, `evictions`, `expired_removed`,
/// `dropped_writes`, `errors{kind}`, `quarantined`.
///
/// ```swift
/// let l3 = try await SQLiteCacheTier(configuration: SQLiteTierConfiguration(path: ".whale/l3.sqlite"))
/// try await l3.persistentSet("user:42", value: bytes, ttl: .seconds(86_400), tags: ["user"])
/// let cached = try await l3.persistentGet("user:42")
/// try await l3.invalidate(matching: GlobPattern("user:*"))
/// try await l3.close()
/// ```
public final class SQLiteCacheTier: CacheStore, Service, Sendable {
    /// The configuration it runs with.
    public let configuration: SQLiteTierConfiguration
    private let engine: SQLiteTierEngine

    /// `"l3"`, for logs and metrics.
    public var name: String { "l3" }

    /// Opens (creating if needed) the database at `configuration.path` and
    /// starts the background flush and cleanup loops. Opening runs on the
    /// tier's own threads.
    /// - Parameters:
    ///   - configuration: the file, limits and batching.
    ///   - clock: reads the time for TTLs, access times and the background
    ///     loops' waits. Default: `SystemClock()`.
    ///   - logger: quarantines (error), dropped batches (warning or error).
    ///     Default: label `whale.cache.l3`.
    ///   - metricsFactory: where the `whale_cache_l3_` metrics go. Default:
    ///     the factory `MetricsSystem` was bootstrapped with.
    /// - Throws: `WhaleError(.invalidConfiguration)` for an unusable setting or
    ///   a file with a newer schema; `WhaleError(.io)` when the file can be
    ///   neither opened nor set aside and created anew.
    public init(
        configuration: SQLiteTierConfiguration,
        clock: any WhaleClock = SystemClock(),
        logger: Logger = Logger(label: "whale.cache.l3"),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) async throws {
        try configuration.validate()
        let engine = try SQLiteTierEngine(
            configuration: configuration, clock: clock, logger: logger,
            metrics: SQLiteTierMetrics(factory: metricsFactory))
        try await engine.open()
        self.configuration = configuration
        self.engine = engine
    }

    deinit {
        engine.abandon()
    }

    // MARK: Reads

    /// The value stored under `key`, or `nil` when absent or expired. Queued
    /// writes are seen at once.
    /// - Throws: `WhaleError(.invalidInput)` for an invalid key; `.io` when
    ///   SQLite fails; `.unavailable` after ``close()``.
    public func get(_ key: String) async throws -> [UInt8]? {
        try configuration.keyRules.check(key: key)
        return try await engine.get(key)
    }

    /// The values of `keys`, in order; `nil` for a key absent or expired.
    /// The keys not answered by queued writes are read in one transaction.
    /// - Throws: as ``get(_:)``; an invalid key fails the whole call.
    public func getMany(_ keys: [String]) async throws -> [[UInt8]?] {
        for key in keys { try configuration.keyRules.check(key: key) }
        return try await engine.getMany(keys)
    }

    /// The spec's `persistent_get`: ``get(_:)``.
    public func persistentGet(_ key: String) async throws -> [UInt8]? {
        try await get(key)
    }

    // MARK: Writes

    /// Queues every write (write-behind); see ``setMany(_:durable:)``.
    public func setMany(_ writes: [CacheWrite]) async throws {
        try await setMany(writes, durable: false)
    }

    /// Queues every write; with `durable`, also waits until they are
    /// committed.
    ///
    /// All writes are validated first: one invalid key or tag, a value over
    /// ``SQLiteTierConfiguration/maxValueBytes`` or a TTL that is not positive
    /// throws `WhaleError(.invalidInput)` and stores nothing. A `nil` TTL
    /// means ``SQLiteTierConfiguration/defaultTTL``. A later write to a key
    /// in the same call wins.
    /// - Parameter durable: wait for the transaction holding these writes.
    ///   Default: `false` (return once queued).
    /// - Throws: `.invalidInput` as above; `.unavailable` after ``close()``;
    ///   with `durable`, the error of the batch that dropped them
    ///   (`.resourceExhausted` for a full disk).
    public func setMany(_ writes: [CacheWrite], durable: Bool) async throws {
        guard let sequence = try engine.enqueue(writes) else { return }
        if durable {
            try await engine.flush(
                reportingAfter: sequence.lowerBound - 1, through: sequence.upperBound, markReported: false)
        } else if engine.isOverPendingLimit {
            // Backpressure: the writer is behind; wait for it (its failure is
            // reported to flush() callers).
            try? await engine.flush(reportingAfter: sequence.upperBound, through: sequence.upperBound, markReported: false)
        }
    }

    /// The spec's `persistent_set`: stores `value` under `key` for `ttl`
    /// (`nil`: the default TTL) with `tags`.
    /// - Parameter durable: as in ``setMany(_:durable:)``. Default: `false`.
    public func persistentSet(
        _ key: String,
        value: [UInt8],
        ttl: Duration? = nil,
        tags: [String] = [],
        durable: Bool = false
    ) async throws {
        try await setMany([CacheWrite(key: key, value: value, ttl: ttl, tags: tags)], durable: durable)
    }

    /// Removes `keys`; returns how many were present (unexpired). The
    /// deletes are queued like writes; presence is decided against the
    /// queued writes and the database, so the count is exact.
    /// - Throws: `.invalidInput` for an invalid key; `.unavailable` after ``close()``.
    @discardableResult
    public func deleteMany(_ keys: [String]) async throws -> Int {
        try await engine.deleteMany(keys)
    }

    // MARK: Invalidation and cleanup

    /// Removes every key `pattern` matches (Redis `MATCH` semantics, see
    /// ``GlobPattern``); returns how many unexpired entries were removed.
    /// The pattern's literal prefix narrows the scan to a key range; each
    /// key in it is then matched byte by byte.
    @discardableResult
    public func invalidate(matching pattern: GlobPattern) async throws -> Int {
        try await engine.invalidate(matching: pattern)
    }

    /// Removes every entry written with `tag`; returns how many unexpired
    /// entries were removed.
    /// - Throws: `.invalidInput` for an invalid tag.
    @discardableResult
    public func invalidate(tag: String) async throws -> Int {
        try await engine.invalidate(tag: tag)
    }

    /// The spec's `cleanup`: flushes, deletes expired entries (and their
    /// tags), then evicts least recently used entries until the size cap
    /// holds. Returns how many entries it removed.
    @discardableResult
    public func cleanup() async throws -> Int {
        try await engine.cleanup()
    }

    /// What the database holds and how many writes are queued.
    public func usage() async throws -> SQLiteTierUsage {
        try await engine.usage()
    }

    // MARK: Durability and lifecycle

    /// Writes every queued write now and returns once it is committed.
    /// - Throws: the error of a batch that dropped a write queued before this
    ///   call (and not reported to an earlier `flush()` that started after the
    ///   failure): `WhaleError(.resourceExhausted)` for a full disk, `.io` otherwise.
    public func flush() async throws {
        try await engine.flush()
    }

    /// Refuses new calls, flushes every acknowledged write, closes the
    /// connections, and quarantines the file if it was found corrupt. Safe to
    /// call more than once; every call waits for the one close.
    /// - Throws: the final flush's failure, as ``flush()``.
    public func close() async throws {
        try await engine.close()
    }

    /// The tier as a swift-service-lifecycle `Service`: runs until the
    /// service group shuts down gracefully, the calling task is cancelled or
    /// ``close()`` is called, then closes (flushing every acknowledged
    /// write). The background loops run without it; `run()` ties the tier's
    /// shutdown to the application's: `ServiceGroup(services: [l3, …], …)`.
    /// - Throws: the final flush's failure, as ``close()``.
    public func run() async throws {
        let engine = self.engine
        await cancelWhenGracefulShutdown { await engine.waitUntilClosedOrCancelled() }
        try await close()
    }

    /// Runs `body` with one of the tier's reader threads as its task
    /// executor: the tier's reads inside it run on that thread directly,
    /// without the hop from the cooperative pool to a reader thread and
    /// back. For read-heavy loops (warming a cache, batch jobs); other
    /// reads on that thread wait while `body` computes, so keep CPU work in
    /// it short.
    public func withReaderExecutor<Result, Failure: Error>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws(Failure) -> Result
    ) async throws(Failure) -> Result {
        try await withTaskExecutorPreference(engine.pickLane(), isolation: isolation, operation: body)
    }
}
