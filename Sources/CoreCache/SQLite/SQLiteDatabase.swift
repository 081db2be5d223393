internal import CWhaleSQLite
public import CoreProtocols
import Synchronization

/// One SQLite database file, safe to share between tasks.
///
/// Calls are serialised by a lock around the connection; each call prepares,
/// runs and finalises its statement, so no statement outlives the call. The
/// calls block on disk I/O: run them from a dedicated queue or thread in
/// async code (the L3 tier does).
///
/// ```swift
/// let db = try SQLiteDatabase(path: ".whale/cache.sqlite")
/// try db.execute("CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v BLOB)")
/// try db.run("INSERT INTO kv VALUES (?, ?)", [.text("a"), .blob([1, 2])])
/// let rows = try db.query("SELECT v FROM kv WHERE k = ?", [.text("a")])
/// ```
public final class SQLiteDatabase: Sendable {
    /// The file it opened.
    public let path: String
    private let connection: Mutex<OpaquePointer>

    /// Opens (creating if needed) the database at `path`.
    /// - Parameter busyTimeout: how long to wait for another writer's lock.
    ///   Default: 5 s.
    /// - Throws: ``CoreProtocols/WhaleError`` `.io` when the file cannot be opened or created.
    public init(path: String, busyTimeout: Duration = .seconds(5)) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let reason = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_close_v2(handle)
            throw WhaleError(.io, "cannot open SQLite database '\(path)': \(reason)")
        }
        sqlite3_busy_timeout(handle, Int32(clamping: busyTimeout.whaleNanoseconds / 1_000_000))
        self.path = path
        self.connection = Mutex(handle)
    }

    deinit {
        connection.locked { _ = sqlite3_close_v2($0) }
    }

    /// Runs one or more SQL statements without parameters (DDL, pragmas).
    public func execute(_ sql: String) throws {
        try connection.locked { db in
            var message: UnsafeMutablePointer<CChar>?
            let status = sqlite3_exec(db, sql, nil, nil, &message)
            defer { sqlite3_free(message) }
            guard status == SQLITE_OK else {
                let reason = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(status))
                throw WhaleError(.io, "SQLite '\(path)': \(reason)")
            }
        }
    }

    /// Runs one statement with bound parameters and returns how many rows it changed.
    @discardableResult
    public func run(_ sql: String, _ parameters: [SQLiteValue] = []) throws -> Int {
        try connection.locked { db in
            try withStatement(db, sql, parameters) { statement in
                while try step(db, statement) {}
            }
            return Int(sqlite3_changes(db))
        }
    }

    /// Runs one query with bound parameters and returns every row.
    public func query(_ sql: String, _ parameters: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        try connection.locked { db in
            try withStatement(db, sql, parameters) { statement in
                var rows: [[SQLiteValue]] = []
                let columns = sqlite3_column_count(statement)
                while try step(db, statement) {
                    rows.append((0..<columns).map { column(statement, $0) })
                }
                return rows
            }
        }
    }

    private func withStatement<Result>(
        _ db: OpaquePointer,
        _ sql: String,
        _ parameters: [SQLiteValue],
        _ body: (OpaquePointer) throws -> Result
    ) throws -> Result {
        var prepared: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &prepared, nil) == SQLITE_OK, let statement = prepared else {
            throw WhaleError(.invalidInput, "SQLite '\(path)': cannot prepare '\(sql)': \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(statement) }
        let expected = Int(sqlite3_bind_parameter_count(statement))
        guard expected == parameters.count else {
            throw WhaleError(.invalidInput, "SQLite: '\(sql)' takes \(expected) parameters, \(parameters.count) given")
        }
        for (offset, value) in parameters.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32 =
                switch value {
                case .null: sqlite3_bind_null(statement, index)
                case .integer(let number): sqlite3_bind_int64(statement, index, number)
                case .real(let number): sqlite3_bind_double(statement, index, number)
                case .text(let text): sqlite3_bind_text(statement, index, text, -1, cwhale_sqlite_transient())
                case .blob(let bytes):
                    bytes.withUnsafeBytes {
                        sqlite3_bind_blob64(statement, index, $0.baseAddress, sqlite3_uint64($0.count), cwhale_sqlite_transient())
                    }
                }
            guard status == SQLITE_OK else {
                throw WhaleError(.invalidInput, "SQLite: cannot bind parameter \(index): \(String(cString: sqlite3_errmsg(db)))")
            }
        }
        return try body(statement)
    }

    /// Advances `statement`; `true` while a row is available.
    private func step(_ db: OpaquePointer, _ statement: OpaquePointer) throws -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let status:
            let code: WhaleError.Code = status == SQLITE_BUSY || status == SQLITE_LOCKED ? .resourceExhausted : .io
            throw WhaleError(code, "SQLite '\(path)': \(String(cString: sqlite3_errmsg(db)))")
        }
    }

    private func column(_ statement: OpaquePointer, _ index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            guard let text = sqlite3_column_text(statement, index) else { return .text("") }
            let count = Int(sqlite3_column_bytes(statement, index))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, index))
            guard let bytes = sqlite3_column_blob(statement, index), count > 0 else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            return .null
        }
    }
}
