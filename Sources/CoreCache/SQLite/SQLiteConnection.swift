internal import CWhaleSQLite
import CoreProtocols

/// One `sqlite3` handle, confined to one thread or serial queue at a time.
///
/// Not `Sendable`: the owner keeps it in a `Mutex` that only its own queue or
/// thread locks (``SQLiteDatabase``, the L3 tier's writer queue and reader
/// lanes). Statements are prepared once and reused: the SQL-keyed cache backs
/// ``statement(_:)``; the L3 tier indexes its fixed statements by number with
/// ``statement(slot:sql:)`` so the hot path never hashes SQL text.
final class SQLiteConnection {
    /// The file it opened.
    let path: String
    private(set) var handle: OpaquePointer?
    private var cache: [String: SQLiteStatement] = [:]
    private var slots: [SQLiteStatement?] = []

    /// The most statements the SQL-keyed cache keeps; past it the cache is
    /// emptied (the statements of ``SQLiteDatabase`` callers are few and fixed).
    static let cacheLimit = 128

    /// Opens (creating if `readOnly` is false) the database at `path`.
    /// - Throws: `WhaleError(.io)` wrapping an ``SQLiteError`` when the file
    ///   cannot be opened.
    init(path: String, readOnly: Bool = false, busyTimeout: Duration = .seconds(5)) throws {
        var handle: OpaquePointer?
        let flags =
            (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let reason = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            let code = handle.map { sqlite3_extended_errcode($0) } ?? status
            sqlite3_close_v2(handle)
            let underlying = SQLiteError(code: code, message: reason)
            throw WhaleError(.io, "cannot open SQLite database '\(path)': \(reason)", underlying: underlying)
        }
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, Int32(clamping: busyTimeout.whaleNanoseconds / 1_000_000))
        self.path = path
        self.handle = handle
    }

    deinit {
        close()
    }

    /// Finalises every cached statement and closes the handle. Idempotent.
    func close() {
        for statement in cache.values { statement.finalize() }
        for statement in slots { statement?.finalize() }
        cache = [:]
        slots = []
        if let handle {
            sqlite3_close_v2(handle)
            self.handle = nil
        }
    }

    /// The open handle.
    /// - Throws: `WhaleError(.unavailable)` after ``close()``.
    func open() throws -> OpaquePointer {
        guard let handle else {
            throw WhaleError(.unavailable, "SQLite '\(path)' is closed", isRetriable: false)
        }
        return handle
    }

    /// Runs one or more SQL statements without parameters (DDL, pragmas).
    /// - Throws: `WhaleError` wrapping an ``SQLiteError``.
    func execute(_ sql: String) throws {
        let db = try open()
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(db, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard status == SQLITE_OK else {
            let reason = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(status))
            throw Self.error(code: sqlite3_extended_errcode(db), path: path, reason: reason)
        }
    }

    /// The single integer a pragma or query such as `PRAGMA user_version` returns.
    func integer(_ sql: String) throws -> Int64 {
        let statement = try self.statement(sql)
        defer { statement.reset() }
        guard try statement.step() else {
            throw WhaleError(.internalError, "SQLite '\(path)': '\(sql)' returned no row")
        }
        return statement.int64(0)
    }

    /// The prepared statement for `sql`, from the cache or newly prepared.
    /// - Throws: `WhaleError(.invalidInput)` when `sql` does not compile
    ///   (`.io` when the file is not a database).
    func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = cache[sql] { return cached }
        let statement = try prepare(sql)
        if cache.count >= Self.cacheLimit {
            for old in cache.values { old.finalize() }
            cache.removeAll(keepingCapacity: true)
        }
        cache[sql] = statement
        return statement
    }

    /// The prepared statement kept in `slot`, prepared from `sql` on first use.
    func statement(slot: Int, sql: String) throws -> SQLiteStatement {
        if slot < slots.count, let statement = slots[slot] { return statement }
        let statement = try prepare(sql)
        if slots.count <= slot { slots.append(contentsOf: repeatElement(nil, count: slot - slots.count + 1)) }
        slots[slot] = statement
        return statement
    }

    private func prepare(_ sql: String) throws -> SQLiteStatement {
        let db = try open()
        var prepared: OpaquePointer?
        let status = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
        guard status == SQLITE_OK, let prepared else {
            let code = sqlite3_extended_errcode(db)
            let reason = String(cString: sqlite3_errmsg(db))
            let underlying = SQLiteError(code: code, message: reason)
            if underlying.isCorruption || underlying.primary == SQLITE_IOERR || underlying.primary == SQLITE_CANTOPEN {
                throw Self.error(code: code, path: path, reason: reason)
            }
            throw WhaleError(.invalidInput, "SQLite '\(path)': cannot prepare '\(sql)': \(reason)", underlying: underlying)
        }
        return SQLiteStatement(handle: prepared, db: db, path: path)
    }

    /// Rows changed by the last statement.
    var changes: Int {
        handle.map { Int(sqlite3_changes($0)) } ?? 0
    }

    /// Whether no transaction is open.
    var isAutocommit: Bool {
        handle.map { sqlite3_get_autocommit($0) != 0 } ?? true
    }

    /// The `WhaleError` for a failed call: `.resourceExhausted` for a full
    /// disk or a busy lock, `.io` for everything else (a corrupt file
    /// included); the ``SQLiteError`` is its underlying error.
    static func error(code: Int32, path: String, reason: String) -> WhaleError {
        let underlying = SQLiteError(code: code, message: reason)
        let whaleCode: WhaleError.Code =
            switch underlying.primary {
            case SQLITE_FULL, SQLITE_BUSY, SQLITE_LOCKED: .resourceExhausted
            default: .io
            }
        let text = underlying.primary == SQLITE_FULL ? "disk or database size limit full: \(reason)" : reason
        return WhaleError(whaleCode, "SQLite '\(path)': \(text)", underlying: underlying, isRetriable: !underlying.isCorruption)
    }
}

extension Error {
    /// The ``SQLiteError`` behind this error, if any.
    var sqliteError: SQLiteError? {
        (self as? SQLiteError) ?? ((self as? WhaleError)?.underlying as? SQLiteError)
    }
}
