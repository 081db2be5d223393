internal import CWhaleSQLite
import CoreProtocols

/// The L3 tier's SQL over one connection: the schema, and every statement the
/// tier runs, each prepared once and reused.
///
/// Schema (version 1, in `PRAGMA user_version`):
/// - `whale_cache_entries(key TEXT PRIMARY KEY, value BLOB, expires_at INTEGER
///   (ms since the epoch, NULL: never), last_access INTEGER (ms), size INTEGER
///   (key + value bytes), tagged INTEGER)`, indexed on `expires_at` (non-NULL
///   rows) and `last_access`. Keys are TEXT compared byte by byte (BINARY
///   collation), so a key range is a byte range.
/// - `whale_cache_tags(tag, key)`, keyed by `(key, tag)` and indexed on `tag`.
/// - `whale_cache_totals`: one row with the entry count and byte total, kept by
///   triggers, so the size cap is checked without a scan. Triggers also drop a
///   key's tags when its row is deleted or overwritten.
final class SQLiteTierConnection {
    /// The schema version this code writes and reads.
    static let schemaVersion: Int64 = 1

    let connection: SQLiteConnection

    /// A connection's role: the one writer creates the schema and writes;
    /// readers only read (`PRAGMA query_only`).
    enum Role { case writer, reader }

    /// Opens `path` for `role` and prepares it.
    /// - Throws: `WhaleError` wrapping an ``SQLiteError`` (a corrupt file:
    ///   ``SQLiteError/isCorruption``); `.invalidConfiguration` for a newer schema.
    init(path: String, role: Role, configuration: SQLiteTierConfiguration) throws {
        connection = try SQLiteConnection(path: path, busyTimeout: configuration.busyTimeout)
        switch role {
        case .writer:
            try prepareWriter(configuration)
        case .reader:
            try connection.execute("PRAGMA query_only = 1")
            _ = try connection.integer("PRAGMA user_version")
        }
    }

    func close() {
        connection.close()
    }

    private func prepareWriter(_ configuration: SQLiteTierConfiguration) throws {
        let mode = try text("PRAGMA journal_mode = WAL")
        guard mode.lowercased() == "wal" else {
            throw WhaleError(.io, "SQLite '\(connection.path)': cannot switch to WAL (journal mode is '\(mode)')")
        }
        try connection.execute("PRAGMA synchronous = NORMAL")
        if configuration.checkIntegrityOnOpen {
            let result = try text("PRAGMA quick_check(1)")
            guard result == "ok" else {
                throw WhaleError(
                    .io, "SQLite '\(connection.path)' failed its integrity check: \(result)",
                    underlying: SQLiteError(code: SQLITE_CORRUPT, message: result), isRetriable: false)
            }
        }
        let version = try connection.integer("PRAGMA user_version")
        if version == 0 {
            try connection.execute(Self.schema)
        } else if version != Self.schemaVersion {
            throw WhaleError(
                .invalidConfiguration,
                "SQLite '\(connection.path)' holds L3 schema version \(version); this build reads version \(Self.schemaVersion)")
        }
        if let maxBytes = configuration.maxDatabaseBytes {
            let pageSize = max(try connection.integer("PRAGMA page_size"), 512)
            let pages = max(Int64(maxBytes) / pageSize, 1)
            _ = try connection.integer("PRAGMA max_page_count = \(pages)")
        }
    }

    private func text(_ sql: String) throws -> String {
        let statement = try connection.statement(sql)
        defer { statement.reset() }
        guard try statement.step() else { return "" }
        return statement.text(0)
    }

    static let schema = """
        BEGIN IMMEDIATE;
        CREATE TABLE IF NOT EXISTS whale_cache_entries (
            key TEXT PRIMARY KEY NOT NULL,
            value BLOB NOT NULL,
            expires_at INTEGER,
            last_access INTEGER NOT NULL,
            size INTEGER NOT NULL,
            tagged INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS whale_cache_entries_expires_at
            ON whale_cache_entries (expires_at) WHERE expires_at IS NOT NULL;
        CREATE INDEX IF NOT EXISTS whale_cache_entries_last_access ON whale_cache_entries (last_access);
        CREATE TABLE IF NOT EXISTS whale_cache_tags (
            tag TEXT NOT NULL,
            key TEXT NOT NULL,
            PRIMARY KEY (key, tag)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS whale_cache_tags_tag ON whale_cache_tags (tag);
        CREATE TABLE IF NOT EXISTS whale_cache_totals (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            entry_count INTEGER NOT NULL,
            byte_count INTEGER NOT NULL
        );
        INSERT OR IGNORE INTO whale_cache_totals (id, entry_count, byte_count) VALUES (1, 0, 0);
        CREATE TRIGGER IF NOT EXISTS whale_cache_entries_count_insert AFTER INSERT ON whale_cache_entries BEGIN
            UPDATE whale_cache_totals SET entry_count = entry_count + 1, byte_count = byte_count + new.size WHERE id = 1;
        END;
        CREATE TRIGGER IF NOT EXISTS whale_cache_entries_count_delete AFTER DELETE ON whale_cache_entries BEGIN
            UPDATE whale_cache_totals SET entry_count = entry_count - 1, byte_count = byte_count - old.size WHERE id = 1;
        END;
        CREATE TRIGGER IF NOT EXISTS whale_cache_entries_count_resize AFTER UPDATE OF size ON whale_cache_entries
            WHEN new.size <> old.size BEGIN
            UPDATE whale_cache_totals SET byte_count = byte_count - old.size + new.size WHERE id = 1;
        END;
        CREATE TRIGGER IF NOT EXISTS whale_cache_entries_untag_delete AFTER DELETE ON whale_cache_entries
            WHEN old.tagged BEGIN
            DELETE FROM whale_cache_tags WHERE key = old.key;
        END;
        CREATE TRIGGER IF NOT EXISTS whale_cache_entries_untag_overwrite AFTER UPDATE OF value ON whale_cache_entries
            WHEN old.tagged BEGIN
            DELETE FROM whale_cache_tags WHERE key = old.key;
        END;
        PRAGMA user_version = 1;
        COMMIT;
        """

    // MARK: Statements

    /// The tier's statements, each prepared once per connection.
    private enum Query: Int {
        case begin, beginImmediate, commit, rollback
        case read, expiry, upsert, insertTag, delete, touch
        case deleteExpired, totals, leastRecent, scanFrom, scanRange, scanAll, tagged

        var sql: String {
            switch self {
            case .begin: "BEGIN"
            case .beginImmediate: "BEGIN IMMEDIATE"
            case .commit: "COMMIT"
            case .rollback: "ROLLBACK"
            case .read: "SELECT value, expires_at, last_access FROM whale_cache_entries WHERE key = ?1"
            case .expiry: "SELECT expires_at FROM whale_cache_entries WHERE key = ?1"
            case .upsert: SQLiteTierConnection.upsertSQL
            case .insertTag: "INSERT OR IGNORE INTO whale_cache_tags (tag, key) VALUES (?1, ?2)"
            case .delete: "DELETE FROM whale_cache_entries WHERE key = ?1 RETURNING expires_at"
            case .touch: "UPDATE whale_cache_entries SET last_access = ?2 WHERE key = ?1 AND last_access < ?2"
            case .deleteExpired:
                "DELETE FROM whale_cache_entries WHERE expires_at IS NOT NULL AND expires_at <= ?1"
            case .totals: "SELECT entry_count, byte_count FROM whale_cache_totals WHERE id = 1"
            case .leastRecent: "SELECT key, size FROM whale_cache_entries ORDER BY last_access LIMIT ?1"
            case .scanFrom: "SELECT key, expires_at FROM whale_cache_entries WHERE key >= ?1"
            case .scanRange: "SELECT key, expires_at FROM whale_cache_entries WHERE key >= ?1 AND key < ?2"
            case .scanAll: "SELECT key, expires_at FROM whale_cache_entries"
            case .tagged:
                """
                SELECT e.key, e.expires_at FROM whale_cache_tags t
                JOIN whale_cache_entries e ON e.key = t.key WHERE t.tag = ?1
                """
            }
        }
    }

    /// The write statement; the C baseline of the benchmarks runs the same.
    static let upsertSQL = """
        INSERT INTO whale_cache_entries (key, value, expires_at, last_access, size, tagged)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at,
            last_access = excluded.last_access, size = excluded.size, tagged = excluded.tagged
        """

    private func statement(_ query: Query) throws -> SQLiteStatement {
        try connection.statement(slot: query.rawValue, sql: query.sql)
    }

    private func run(_ query: Query) throws {
        let statement = try statement(query)
        defer { statement.reset() }
        try statement.run()
    }

    // MARK: Transactions

    /// Runs `body` in one read transaction (one snapshot for several reads).
    func withReadTransaction<Result>(_ body: () throws -> Result) throws -> Result {
        try run(.begin)
        defer { if !connection.isAutocommit { try? run(.commit) } }
        return try body()
    }

    /// Runs `body` in one write transaction; rolls back when it throws.
    func withWriteTransaction<Result>(_ body: () throws -> Result) throws -> Result {
        try run(.beginImmediate)
        do {
            let result = try body()
            try run(.commit)
            return result
        } catch {
            // A full disk or an I/O error may have rolled back already.
            if !connection.isAutocommit { try? run(.rollback) }
            throw error
        }
    }

    // MARK: Reads

    /// A stored, unexpired value and when it was last read.
    struct Stored: Sendable {
        var value: [UInt8]
        var lastAccess: Int64
    }

    /// The value under `key`, `nil` when absent or expired at `now` (ms).
    func read(_ key: String, now: Int64) throws -> Stored? {
        let statement = try statement(.read)
        defer { statement.reset() }
        try statement.bind(1, text: key)
        guard try statement.step() else { return nil }
        if let expiresAt = statement.optionalInt64(1), expiresAt <= now { return nil }
        return Stored(value: statement.bytes(0), lastAccess: statement.int64(2))
    }

    /// Whether `key` has an unexpired row at `now` (ms).
    func isLive(_ key: String, now: Int64) throws -> Bool {
        let statement = try statement(.expiry)
        defer { statement.reset() }
        try statement.bind(1, text: key)
        guard try statement.step() else { return false }
        return statement.optionalInt64(0).map { $0 > now } ?? true
    }

    /// The entry count and byte total.
    func totals() throws -> (rows: Int64, bytes: Int64) {
        let statement = try statement(.totals)
        defer { statement.reset() }
        guard try statement.step() else { return (0, 0) }
        return (statement.int64(0), statement.int64(1))
    }

    /// The keys `pattern` matches, each with whether it is unexpired at `now`,
    /// found by its literal prefix as a key range and filtered byte by byte.
    func keys(matching pattern: GlobPattern, now: Int64) throws -> [(key: String, isLive: Bool)] {
        let prefix = pattern.literalPrefix
        let statement: SQLiteStatement
        if prefix.isEmpty {
            statement = try self.statement(.scanAll)
        } else if let end = Self.successor(of: prefix) {
            statement = try self.statement(.scanRange)
            try statement.bind(1, textBytes: prefix)
            try statement.bind(2, textBytes: end)
        } else {
            statement = try self.statement(.scanFrom)
            try statement.bind(1, textBytes: prefix)
        }
        defer { statement.reset() }
        var found: [(key: String, isLive: Bool)] = []
        while try statement.step() {
            let matches = statement.withTextBytes(0) { pattern.matches(bytes: $0) }
            guard matches else { continue }
            found.append((statement.text(0), statement.optionalInt64(1).map { $0 > now } ?? true))
        }
        return found
    }

    /// The keys written with `tag`, each with whether it is unexpired at `now`.
    func keys(taggedWith tag: String, now: Int64) throws -> [(key: String, isLive: Bool)] {
        let statement = try statement(.tagged)
        defer { statement.reset() }
        try statement.bind(1, text: tag)
        var found: [(key: String, isLive: Bool)] = []
        while try statement.step() {
            found.append((statement.text(0), statement.optionalInt64(1).map { $0 > now } ?? true))
        }
        return found
    }

    /// The smallest byte string greater than every string starting with
    /// `prefix`; `nil` when there is none (all bytes 0xFF).
    static func successor(of prefix: [UInt8]) -> [UInt8]? {
        var end = prefix
        while let last = end.last, last == 0xFF { end.removeLast() }
        guard let last = end.last else { return nil }
        end[end.count - 1] = last + 1
        return end
    }

    // MARK: Writes (inside a write transaction)

    /// Stores `value` under `key` with its tags.
    func upsert(_ key: String, value: [UInt8], expiresAt: Int64?, lastAccess: Int64, tags: [String]) throws {
        let statement = try statement(.upsert)
        defer { statement.reset() }
        try statement.bind(1, text: key)
        try statement.bind(3, expiresAt)
        try statement.bind(4, lastAccess)
        try statement.bind(5, Int64(key.utf8.count + value.count))
        try statement.bind(6, Int64(tags.isEmpty ? 0 : 1))
        try statement.withBlob(2, value) { _ = try statement.run() }
        guard !tags.isEmpty else { return }
        let tagStatement = try self.statement(.insertTag)
        defer { tagStatement.reset() }
        for tag in tags {
            try tagStatement.bind(1, text: tag)
            try tagStatement.bind(2, text: key)
            try tagStatement.run()
            tagStatement.reset()
        }
    }

    /// Deletes `key`; `nil` when there was no row, else whether it was
    /// unexpired at `now`.
    @discardableResult
    func delete(_ key: String, now: Int64) throws -> Bool? {
        let statement = try statement(.delete)
        defer { statement.reset() }
        try statement.bind(1, text: key)
        var wasLive: Bool?
        while try statement.step() {
            wasLive = statement.optionalInt64(0).map { $0 > now } ?? true
        }
        return wasLive
    }

    /// Records a read of `key` at `time` (ms), unless a later one is stored.
    func touch(_ key: String, at time: Int64) throws {
        let statement = try statement(.touch)
        defer { statement.reset() }
        try statement.bind(1, text: key)
        try statement.bind(2, time)
        try statement.run()
    }

    /// Deletes every row expired at `now` (ms); returns how many.
    func deleteExpired(now: Int64) throws -> Int {
        let statement = try statement(.deleteExpired)
        defer { statement.reset() }
        try statement.bind(1, now)
        return try statement.run()
    }

    /// Deletes least recently used rows until `limit` holds; returns how many.
    func evict(to limit: SQLiteTierConfiguration.SizeLimit) throws -> Int {
        guard limit.maxBytes != nil || limit.maxRows != nil else { return 0 }
        var (rows, bytes) = try totals()
        func over() -> Bool {
            (limit.maxRows.map { rows > Int64($0) } ?? false) || (limit.maxBytes.map { bytes > Int64($0) } ?? false)
        }
        var evicted = 0
        while over() {
            let statement = try statement(.leastRecent)
            try statement.bind(1, Int64(256))
            var victims: [(key: String, size: Int64)] = []
            do {
                defer { statement.reset() }
                while try statement.step() { victims.append((statement.text(0), statement.int64(1))) }
            }
            if victims.isEmpty { break }
            for victim in victims where over() {
                if try delete(victim.key, now: .min) != nil {
                    rows -= 1
                    bytes -= victim.size
                    evicted += 1
                }
            }
        }
        return evicted
    }
}
