import CoreProtocols
import Dispatch
import Logging
import Metrics
import Synchronization

/// The machinery behind ``SQLiteCacheTier``: the write-behind buffer, the
/// writer connection on its serial queue, the reader lanes, and the
/// background flush and cleanup loops.
///
/// Every write to the database runs on `writerQueue`, one job at a time, so a
/// flush, a delete's presence check, an invalidation and a cleanup never
/// interleave; while no flush job runs, no batch is in flight.
final class SQLiteTierEngine: Sendable {
    let configuration: SQLiteTierConfiguration
    let clock: any WhaleClock
    let logger: Logger
    let metrics: SQLiteTierMetrics
    let id: Int
    let lanes: [SQLiteReaderLane]
    /// What every call throws once the tier is closed.
    let closedError: WhaleError

    private let writerQueue: DispatchQueue
    private let writer = Mutex<SQLiteTierConnection?>(nil)
    private let buffer = Mutex(SQLiteWriteBuffer())
    /// The buffer's ``SQLiteWriteBuffer/visibleCount``, stored after every
    /// change, so reads skip its lock while nothing is queued.
    private let visibleOperations = Atomic<Int>(0)
    private let touches = Mutex(Touches())
    private let state = Mutex(State())
    private let isClosed = Atomic<Bool>(false)
    /// Marked when ``close()`` has finished.
    private let closedSignal = ClosedSignal()
    private let nextLane = Atomic<Int>(0)
    private let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    /// Reads recorded for the LRU order, written with the next flush.
    private struct Touches: ~Copyable {
        var times: [String: Int64] = [:]
        /// The most keys kept; reads past it are not recorded until a flush.
        static let limit = 65_536
    }

    private struct State: ~Copyable {
        /// The sequence number of the last write a flush job took.
        var takenThrough: UInt64 = 0
        /// Batches that could not be written: their sequence numbers and error.
        var failures: [(writes: ClosedRange<UInt64>, error: WhaleError)] = []
        /// Failures up to here were reported to a `flush()` that started after them.
        var reportedThrough: UInt64 = 0
        /// A read or write found the file corrupt: quarantine it on close.
        var corruptionSeen = false
        var background: Task<Void, Never>?
        var closing: Task<Result<Void, WhaleError>, Never>?
    }

    init(
        configuration: SQLiteTierConfiguration,
        clock: any WhaleClock,
        logger: Logger,
        metrics: SQLiteTierMetrics
    ) throws {
        let id = engineIDs.add(1, ordering: .relaxed).newValue
        self.configuration = configuration
        self.clock = clock
        var logger = logger
        logger[metadataKey: "l3_path"] = .string(configuration.path)
        self.logger = logger
        self.metrics = metrics
        self.id = id
        self.closedError = WhaleError(.unavailable, "L3 SQLite tier '\(configuration.path)' is closed", isRetriable: false)
        self.writerQueue = DispatchQueue(label: "smart-whale.cache.l3.writer.\(id)")
        var lanes: [SQLiteReaderLane] = []
        do {
            for index in 0..<configuration.readerCount {
                lanes.append(try SQLiteReaderLane.start(ownerID: id, name: "whale-l3-r\(index)"))
            }
        } catch {
            for lane in lanes { lane.stopSoon() }
            throw error
        }
        self.lanes = lanes
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    // MARK: Opening

    /// Opens the writer (quarantining a corrupt or unreadable file) and the
    /// readers, then starts the background loops.
    func open() async throws {
        do {
            try await onWriter { engine in try engine.openWriter() }
            for lane in lanes {
                let configuration = self.configuration
                try await lane.run { connection in
                    connection = try SQLiteTierConnection(
                        path: configuration.path, role: .reader, configuration: configuration)
                }
            }
        } catch {
            await closeConnections()
            throw error
        }
        let task = Task { [self] in await runBackground() }
        state.locked { $0.background = task }
    }

    private func openWriter() throws {
        let configuration = self.configuration
        let path = configuration.path
        do {
            try writer.locked { $0 = try SQLiteTierConnection(path: path, role: .writer, configuration: configuration) }
        } catch let error where shouldQuarantine(error) {
            let moved = try SQLiteQuarantine.quarantine(path, stamp: nowMilliseconds())
            metrics.quarantined.increment()
            logger.error(
                "L3 database was corrupt or unreadable; moved it aside and started an empty one",
                metadata: ["quarantined_to": .string(moved), "error": .string("\(error)")])
            try writer.locked { $0 = try SQLiteTierConnection(path: path, role: .writer, configuration: configuration) }
        }
    }

    private func shouldQuarantine(_ error: any Error) -> Bool {
        guard let sqlite = error.sqliteError else { return false }
        if sqlite.isCorruption { return true }
        return sqlite.isUnopenable && SQLiteQuarantine.isRegularFile(configuration.path)
    }

    // MARK: Helpers

    func nowMilliseconds() -> Int64 {
        clock.now.nanosecondsSinceEpoch / 1_000_000
    }

    static func isLive(_ expiresAt: Int64?, now: Int64) -> Bool {
        expiresAt.map { $0 > now } ?? true
    }


    func checkOpen() throws {
        if isClosed.load(ordering: .relaxed) { throw closedError }
    }

    /// Runs `body` on the writer queue.
    private func onWriter<Result: Sendable>(
        _ body: @escaping @Sendable (SQLiteTierEngine) throws -> Result
    ) async throws -> Result {
        try await writerQueue.runBlocking { [self] in try body(self) }
    }

    /// Runs `body` with the writer connection (on the writer queue only).
    private func withWriter<Result: Sendable>(
        _ body: @Sendable (SQLiteTierConnection) throws -> Result
    ) throws -> Result {
        try writer.locked { connection in
            guard let connection else { throw closedError }
            return try body(connection)
        }
    }

    /// Changes the write-behind buffer under its lock and publishes how many
    /// operations reads can see in it.
    private func mutatingBuffer<Result: Sendable, Failure: Error>(
        _ body: (inout SQLiteWriteBuffer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try buffer.locked { (buffer: inout sending SQLiteWriteBuffer) throws(Failure) -> sending Result in
            defer { visibleOperations.store(buffer.visibleCount, ordering: .releasing) }
            return try body(&buffer)
        }
    }

    /// What the write-behind buffer holds for `key`; no lock while it is empty.
    private func queuedOperation(_ key: String) -> SQLiteWriteBuffer.Operation? {
        guard visibleOperations.load(ordering: .acquiring) > 0 else { return nil }
        return buffer.locked { $0.lookup(key) }
    }

    /// The lane to read on: the caller's own when it runs on one of this
    /// tier's lanes, else the next in turn.
    /// Runs `body` with a reader connection: in place when the caller runs
    /// on one of this tier's lanes, or (``SQLiteTierConfiguration/inlineReads``)
    /// when some lane's connection is free right now; otherwise on a lane's
    /// thread.
    private func withReader<Result: Sendable>(
        _ body: @escaping @Sendable (SQLiteTierConnection) throws -> Result
    ) async throws -> Result {
        let closedError = self.closedError
        if let current = SQLiteReaderLane.current, current.ownerID == id {
            return try current.runHere { connection in
                guard let connection else { throw closedError }
                return try body(connection)
            }
        }
        let start = nextLaneIndex()
        let lane = lanes[start]
        if configuration.inlineReads {
            for offset in 0..<lanes.count {
                let candidate = lanes[(start + offset) % lanes.count]
                let result = try candidate.runIfFree { connection -> Result in
                    guard let connection else { throw closedError }
                    return try body(connection)
                }
                if let result { return result }
            }
        }
        return try await lane.run { connection in
            guard let connection else { throw closedError }
            return try body(connection)
        }
    }

    /// The lane whose thread runs the caller, if it is this tier's, else
    /// the next lane in turn.
    func pickLane() -> SQLiteReaderLane {
        if let current = SQLiteReaderLane.current, current.ownerID == id { return current }
        return lanes[nextLaneIndex()]
    }

    /// The index of the next lane in turn.
    private func nextLaneIndex() -> Int {
        let turn = nextLane.wrappingAdd(1, ordering: .relaxed).oldValue
        return (turn & Int.max) % lanes.count
    }

    /// Notes an error from SQLite: metric, corruption flag; returns the kind.
    @discardableResult
    private func recordFailure(_ error: any Error) -> String {
        let kind = metrics.record(error)
        if error.sqliteError?.isCorruption == true {
            let first = state.locked { state -> Bool in
                let first = !state.corruptionSeen
                state.corruptionSeen = true
                return first
            }
            if first {
                logger.error(
                    "L3 database is corrupt; it will be quarantined when the tier closes",
                    metadata: ["error": .string("\(error)")])
            }
        }
        return kind
    }

    // MARK: Reads

    /// What the write-behind buffer says about `key`: `.some(value or nil)`
    /// when it decides, `.none` when the database must be read.
    private static func answer(_ operation: SQLiteWriteBuffer.Operation?, now: Int64) -> [UInt8]?? {
        switch operation {
        case nil: .none
        case .delete: .some(nil)
        case .set(let value, let expiresAt, _): .some(isLive(expiresAt, now: now) ? value : nil)
        }
    }

    func get(_ key: String) async throws -> [UInt8]? {
        try checkOpen()
        let now = nowMilliseconds()
        if case .some(let value) = Self.answer(queuedOperation(key), now: now) {
            (value == nil ? metrics.misses : metrics.hits).increment()
            return value
        }
        let stored: SQLiteTierConnection.Stored?
        do {
            stored = try await withReader { connection in try connection.read(key, now: now) }
        } catch {
            recordFailureIfSQLite(error)
            throw error
        }
        guard let stored else {
            metrics.misses.increment()
            return nil
        }
        metrics.hits.increment()
        noteRead(key, lastAccess: stored.lastAccess, now: now)
        return stored.value
    }

    func getMany(_ keys: [String]) async throws -> [[UInt8]?] {
        try checkOpen()
        let now = nowMilliseconds()
        var results = [[UInt8]?](repeating: nil, count: keys.count)
        var missing: [Int] = []
        if visibleOperations.load(ordering: .acquiring) == 0 {
            missing = Array(keys.indices)
        } else {
            buffer.locked { buffer in
                for (position, key) in keys.enumerated() {
                    if case .some(let value) = Self.answer(buffer.lookup(key), now: now) {
                        results[position] = value
                    } else {
                        missing.append(position)
                    }
                }
            }
        }
        if !missing.isEmpty {
            let wanted = missing.map { keys[$0] }
            let stored: [SQLiteTierConnection.Stored?]
            do {
                stored = try await withReader { connection in
                    if wanted.count == 1 { return [try connection.read(wanted[0], now: now)] }
                    return try connection.withReadTransaction { try wanted.map { try connection.read($0, now: now) } }
                }
            } catch {
                recordFailureIfSQLite(error)
                throw error
            }
            for (position, entry) in zip(missing, stored) {
                guard let entry else { continue }
                results[position] = entry.value
                noteRead(keys[position], lastAccess: entry.lastAccess, now: now)
            }
        }
        let hits = results.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
        metrics.hits.increment(by: hits)
        metrics.misses.increment(by: results.count - hits)
        return results
    }

    private func recordFailureIfSQLite(_ error: any Error) {
        if error.sqliteError != nil { recordFailure(error) }
    }

    /// Records a read for the LRU order when the stored time is older than
    /// the configured resolution.
    private func noteRead(_ key: String, lastAccess: Int64, now: Int64) {
        let resolution = configuration.accessTimeResolution.whaleNanoseconds / 1_000_000
        guard now - lastAccess >= resolution, now > lastAccess else { return }
        let wasEmpty = touches.locked { touches -> Bool in
            guard touches.times.count < Touches.limit else { return false }
            let wasEmpty = touches.times.isEmpty
            touches.times[key] = now
            return wasEmpty
        }
        if wasEmpty { signal.yield() }
    }

    // MARK: Writes

    /// The expiry (ms since the epoch) of a write made at `now` with `ttl`.
    private func expiry(_ ttl: Duration?, now: Int64) -> Int64? {
        guard let ttl = ttl ?? configuration.defaultTTL else { return nil }
        let nanoseconds = ttl.whaleNanoseconds
        let milliseconds = nanoseconds / 1_000_000 + (nanoseconds % 1_000_000 > 0 ? 1 : 0)
        let (sum, overflow) = now.addingReportingOverflow(milliseconds)
        return overflow ? .max : sum
    }

    /// Queues `writes`; returns the sequence numbers they got.
    func enqueue(_ writes: [CacheWrite]) throws -> ClosedRange<UInt64>? {
        guard !writes.isEmpty else { return nil }
        for write in writes {
            try configuration.keyRules.check(key: write.key)
            for tag in write.tags { try configuration.keyRules.check(tag: tag) }
            try CacheKeyRules.check(value: write.value, key: write.key, limit: configuration.maxValueBytes, tier: "L3")
            if let ttl = write.ttl, ttl <= .zero {
                throw WhaleError(.invalidInput, "cache TTL for '\(CacheKeyRules.preview(write.key))' is \(ttl); it must be positive")
            }
        }
        let now = nowMilliseconds()
        let flushSize = configuration.writeBehind.flushSize
        let maxPendingBytes = configuration.writeBehind.maxPendingBytes
        let closedError = self.closedError
        let (range, wasEmpty, kick) = try mutatingBuffer { buffer throws(WhaleError) -> (ClosedRange<UInt64>, Bool, Bool) in
            if isClosed.load(ordering: .relaxed) { throw closedError }
            let wasEmpty = buffer.isEmpty
            let first = buffer.sequence &+ 1
            for write in writes {
                let tags = write.tags.isEmpty ? [] : Array(Set(write.tags)).sorted()
                buffer.enqueue(write.key, .set(value: write.value, expiresAt: expiry(write.ttl, now: now), tags: tags))
            }
            let kick = !buffer.flushRequested && (buffer.count >= flushSize || buffer.bytes >= maxPendingBytes)
            if kick { buffer.flushRequested = true }
            return (first...buffer.sequence, wasEmpty, kick)
        }
        if wasEmpty { signal.yield() }
        if kick { flushSoon() }
        return range
    }

    /// Whether queued bytes are past the backpressure line.
    var isOverPendingLimit: Bool {
        buffer.locked { $0.bytes } >= configuration.writeBehind.maxPendingBytes
    }

    /// Starts a flush job without waiting for it.
    private func flushSoon() {
        writerQueue.async { [self] in _ = try? flushNow() }
    }

    func deleteMany(_ keys: [String]) async throws -> Int {
        for key in keys { try configuration.keyRules.check(key: key) }
        try checkOpen()
        var seen = Set<String>()
        let unique = keys.filter { seen.insert($0).inserted }
        guard !unique.isEmpty else { return 0 }
        return try await onWriter { engine in try engine.deleteNow(unique) }
    }

    /// Queues deletes for `keys` and counts the ones present. On the writer
    /// queue, so the database holds every committed write and no batch is in
    /// flight; the presence check reads outside the buffer's lock and a write
    /// queued meanwhile is caught by the second look.
    private func deleteNow(_ keys: [String]) throws -> Int {
        let now = nowMilliseconds()
        var count = 0
        var unknown: [String] = []
        let closedError = self.closedError
        try mutatingBuffer { buffer throws(WhaleError) in
            if isClosed.load(ordering: .relaxed) { throw closedError }
            for key in keys {
                if let operation = buffer.queued(key) {
                    if case .set(_, let expiresAt, _) = operation, Self.isLive(expiresAt, now: now) { count += 1 }
                    buffer.enqueue(key, .delete)
                } else {
                    unknown.append(key)
                }
            }
        }
        if !unknown.isEmpty {
            let live: [Bool]
            let candidates = unknown
            do {
                live = try withWriter { connection in
                    try connection.withReadTransaction { try candidates.map { try connection.isLive($0, now: now) } }
                }
            } catch {
                recordFailureIfSQLite(error)
                throw error
            }
            mutatingBuffer { buffer in
                for (key, isLive) in zip(unknown, live) {
                    if let operation = buffer.queued(key) {
                        if case .set(_, let expiresAt, _) = operation, Self.isLive(expiresAt, now: now) { count += 1 }
                        buffer.enqueue(key, .delete)
                    } else if isLive {
                        count += 1
                        buffer.enqueue(key, .delete)
                    }
                }
            }
        }
        let (wasEmpty, kick) = buffer.locked { buffer -> (Bool, Bool) in
            let kick = !buffer.flushRequested && buffer.count >= configuration.writeBehind.flushSize
            if kick { buffer.flushRequested = true }
            return (buffer.count > 0, kick)
        }
        if wasEmpty { signal.yield() }
        if kick { flushSoon() }
        return count
    }

    // MARK: Flushing

    /// What one flush job did.
    struct FlushOutcome: Sendable {
        var written = 0
        var evicted = 0
    }

    /// Writes the queued batch and recorded reads in one transaction, then
    /// enforces the size cap. On the writer queue only.
    /// - Throws: the batch's error, after recording it (the batch is dropped).
    @discardableResult
    private func flushNow() throws -> FlushOutcome {
        let batch = mutatingBuffer { $0.takeBatch() }
        defer { mutatingBuffer { $0.finishBatch() } }
        let reads = touches.locked { touches -> [String: Int64] in
            var taken: [String: Int64] = [:]
            swap(&taken, &touches.times)
            return taken
        }
        let previous = state.locked { state -> UInt64 in
            let previous = state.takenThrough
            state.takenThrough = batch.through
            return previous
        }
        guard !batch.isEmpty || !reads.isEmpty else { return FlushOutcome() }
        let now = nowMilliseconds()
        let sizeLimit = configuration.sizeLimit
        do {
            let outcome = try withWriter { connection in
                try connection.withWriteTransaction { () throws -> (sets: Int, deletes: Int, evicted: Int) in
                    var sets = 0
                    var deletes = 0
                    for entry in batch.entries {
                        switch entry.operation {
                        case .set(let value, let expiresAt, let tags):
                            try connection.upsert(entry.key, value: value, expiresAt: expiresAt, lastAccess: now, tags: tags)
                            sets += 1
                        case .delete:
                            try connection.delete(entry.key, now: now)
                            deletes += 1
                        case nil:
                            break
                        }
                    }
                    for (key, time) in reads { try connection.touch(key, at: time) }
                    return (sets, deletes, try connection.evict(to: sizeLimit))
                }
            }
            metrics.sets.increment(by: outcome.sets)
            metrics.deletes.increment(by: outcome.deletes)
            metrics.evictions.increment(by: outcome.evicted)
            if !batch.isEmpty { metrics.flushBatches.increment() }
            return FlushOutcome(written: outcome.sets + outcome.deletes, evicted: outcome.evicted)
        } catch {
            let kind = recordFailure(error)
            let dropped = batch.entries.reduce(0) { $0 + ($1.operation == nil ? 0 : 1) }
            metrics.droppedWrites.increment(by: dropped)
            let failure = WhaleError(
                (error as? WhaleError)?.code ?? .io,
                "L3 SQLite tier '\(configuration.path)': a write-behind batch of \(dropped) writes was not stored",
                underlying: error.sqliteError ?? error)
            if batch.through > previous {
                state.locked { state in
                    state.failures.append((previous + 1...batch.through, failure))
                    if state.failures.count > 64 { state.failures.removeFirst(state.failures.count - 64) }
                }
            }
            let level: Logger.Level = kind == "disk_full" || kind == "busy" ? .warning : .error
            logger.log(
                level: level, "L3 write-behind batch dropped",
                metadata: ["writes": .stringConvertible(dropped), "kind": .string(kind), "error": .string("\(error)")])
            throw failure
        }
    }

    /// Writes everything queued so far; throws when a write queued before the
    /// call was dropped by a failed batch (one that no earlier `flush()`
    /// started after and reported).
    func flush() async throws {
        try checkOpen()
        let floor = state.locked { $0.reportedThrough }
        let target = buffer.locked { $0.sequence }
        try await flush(reportingAfter: floor, through: target, markReported: true)
    }

    /// Flushes, then throws the failure of a batch that held a write with a
    /// sequence number in `floor + 1 ... target`.
    func flush(reportingAfter floor: UInt64, through target: UInt64, markReported: Bool) async throws {
        _ = try? await onWriter { engine in try engine.flushNow() }
        let failure = state.locked { state -> WhaleError? in
            let found = state.failures.last { $0.writes.upperBound > floor && $0.writes.lowerBound <= target }
            if markReported { state.reportedThrough = max(state.reportedThrough, target) }
            return found?.error
        }
        if let failure { throw failure }
    }

    // MARK: Invalidation and cleanup

    func invalidate(matching pattern: GlobPattern) async throws -> Int {
        try checkOpen()
        return try await onWriter { engine in
            try engine.invalidateNow(
                queued: { key, _ in pattern.matches(key) },
                stored: { connection, now in try connection.keys(matching: pattern, now: now) })
        }
    }

    func invalidate(tag: String) async throws -> Int {
        try configuration.keyRules.check(tag: tag)
        try checkOpen()
        return try await onWriter { engine in
            try engine.invalidateNow(
                queued: { _, operation in
                    if case .set(_, _, let tags) = operation { return tags.contains(tag) }
                    return false
                },
                stored: { connection, now in try connection.keys(taggedWith: tag, now: now) })
        }
    }

    /// Removes the queued writes `queued` selects and the stored rows `stored`
    /// lists; counts the unexpired entries removed. A stored row whose key has
    /// a queued operation is superseded by it, so it is removed uncounted.
    private func invalidateNow(
        queued: (String, SQLiteWriteBuffer.Operation) -> Bool,
        stored: @Sendable (SQLiteTierConnection, Int64) throws -> [(key: String, isLive: Bool)]
    ) throws -> Int {
        let now = nowMilliseconds()
        var count = 0
        var superseded = Set<String>()
        mutatingBuffer { buffer in
            for (key, operation) in buffer.queuedEntries {
                superseded.insert(key)
                guard queued(key, operation) else { continue }
                buffer.remove(key)
                if case .set(_, let expiresAt, _) = operation, Self.isLive(expiresAt, now: now) { count += 1 }
            }
        }
        let shadowed = superseded
        do {
            count += try withWriter { connection in
                try connection.withWriteTransaction {
                    var removed = 0
                    for candidate in try stored(connection, now) {
                        let wasLive = try connection.delete(candidate.key, now: now)
                        if wasLive == true, !shadowed.contains(candidate.key) { removed += 1 }
                    }
                    return removed
                }
            }
        } catch {
            recordFailureIfSQLite(error)
            throw error
        }
        return count
    }

    func cleanup() async throws -> Int {
        try checkOpen()
        return try await onWriter { engine in try engine.cleanupNow() }
    }

    /// Flushes, deletes expired rows, enforces the size cap; returns the rows
    /// removed (expired plus evicted).
    private func cleanupNow() throws -> Int {
        let flushed = (try? flushNow())?.evicted ?? 0
        let now = nowMilliseconds()
        let sizeLimit = configuration.sizeLimit
        do {
            let (expired, evicted) = try withWriter { connection in
                try connection.withWriteTransaction {
                    (try connection.deleteExpired(now: now), try connection.evict(to: sizeLimit))
                }
            }
            metrics.expiredRemoved.increment(by: expired)
            metrics.evictions.increment(by: evicted)
            if expired + evicted + flushed > 0 {
                logger.debug(
                    "L3 cleanup",
                    metadata: ["expired": .stringConvertible(expired), "evicted": .stringConvertible(evicted + flushed)])
            }
            return expired + evicted + flushed
        } catch {
            recordFailureIfSQLite(error)
            throw error
        }
    }

    /// The stored entry count and bytes, and the queued writes.
    func usage() async throws -> SQLiteTierUsage {
        try checkOpen()
        return try await onWriter { engine in
            let (rows, bytes) = try engine.withWriter { try $0.totals() }
            let pending = engine.buffer.locked { $0.count }
            return SQLiteTierUsage(entries: Int(rows), bytes: Int(bytes), pendingWrites: pending)
        }
    }

    // MARK: Background loops

    private func runBackground() async {
        let flushInterval = configuration.writeBehind.flushInterval
        let cleanupInterval = configuration.cleanupInterval
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for await _ in signals {
                    do {
                        try await clock.sleep(until: clock.now.advanced(by: flushInterval), tolerance: nil)
                    } catch {
                        return
                    }
                    _ = try? await onWriter { engine in try engine.flushNow() }
                }
            }
            if let cleanupInterval {
                group.addTask { [self] in
                    while !Task.isCancelled {
                        do {
                            try await clock.sleep(until: clock.now.advanced(by: cleanupInterval), tolerance: nil)
                        } catch {
                            return
                        }
                        do {
                            _ = try await onWriter { engine in try engine.cleanupNow() }
                        } catch {
                            logger.warning("L3 periodic cleanup failed", metadata: ["error": .string("\(error)")])
                        }
                    }
                }
            }
        }
    }

    // MARK: Closing

    /// Refuses new work, flushes what was acknowledged, closes every
    /// connection and quarantines a file found corrupt. Every caller waits
    /// for the one close.
    func close() async throws {
        let closing = state.locked { state -> Task<Result<Void, WhaleError>, Never> in
            if let closing = state.closing { return closing }
            let closing = Task { [self] in await performClose() }
            state.closing = closing
            return closing
        }
        try await closing.value.get()
    }

    private func performClose() async -> Result<Void, WhaleError> {
        // Under the buffer's lock, so no write is queued after the final flush.
        let target = buffer.locked { buffer -> UInt64 in
            isClosed.store(true, ordering: .relaxed)
            return buffer.sequence
        }
        let (floor, background) = state.locked { state -> (UInt64, Task<Void, Never>?) in
            state.background?.cancel()
            return (state.reportedThrough, state.background)
        }
        await background?.value
        signal.finish()
        var outcome: Result<Void, WhaleError> = .success(())
        do {
            try await flush(reportingAfter: floor, through: target, markReported: true)
        } catch let error as WhaleError {
            outcome = .failure(error)
        } catch {
            outcome = .failure(WhaleError(.io, "L3 SQLite tier: final flush failed", underlying: error))
        }
        await closeConnections()
        let corrupt = state.locked { $0.corruptionSeen }
        if corrupt {
            do {
                let moved = try SQLiteQuarantine.quarantine(configuration.path, stamp: nowMilliseconds())
                metrics.quarantined.increment()
                logger.error("L3 database found corrupt; moved it aside", metadata: ["quarantined_to": .string(moved)])
            } catch {
                logger.error("L3 database found corrupt and could not be moved aside", metadata: ["error": .string("\(error)")])
            }
        }
        closedSignal.markClosed()
        return outcome
    }

    private func closeConnections() async {
        _ = try? await writerQueue.runBlocking { [self] in
            writer.locked { connection in
                connection?.close()
                connection = nil
            }
        }
        for lane in lanes { await lane.stop() }
    }

    /// Returns once the tier has closed or the calling task is cancelled.
    func waitUntilClosedOrCancelled() async {
        await closedSignal.wait()
    }

    /// For a tier dropped without ``close()``: stops the loops and, on the
    /// writer queue, flushes what was queued and closes.
    func abandon() {
        let alreadyClosing = state.locked { state -> Bool in
            state.background?.cancel()
            return state.closing != nil
        }
        guard !alreadyClosing else { return }
        isClosed.store(true, ordering: .relaxed)
        signal.finish()
        writerQueue.async { [self] in
            _ = try? flushNow()
            writer.locked { connection in
                connection?.close()
                connection = nil
            }
        }
        for lane in lanes { lane.stopSoon() }
    }
}

/// Gives each engine an identity its reader lanes carry.
private let engineIDs = Atomic<Int>(0)
