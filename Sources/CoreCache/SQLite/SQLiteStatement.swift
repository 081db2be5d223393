internal import CWhaleSQLite
import CoreProtocols

/// One prepared statement of an ``SQLiteConnection``, reused call after call.
///
/// Use: bind, ``step()`` until it returns `false`, read columns while it
/// returns `true`, then ``reset()`` (always, also after an error, so the
/// statement releases its read snapshot or write lock). Confined like its
/// connection.
final class SQLiteStatement {
    private let statement: OpaquePointer
    private var isFinalized = false
    private let db: OpaquePointer
    private let path: String

    init(handle: OpaquePointer, db: OpaquePointer, path: String) {
        self.statement = handle
        self.db = db
        self.path = path
    }

    /// Releases the statement. Only a closing connection calls this, and a
    /// closed connection hands no statement out (`open()` throws first).
    func finalize() {
        if !isFinalized {
            sqlite3_finalize(statement)
            isFinalized = true
        }
    }

    // MARK: Binding (1-based indexes, as in SQLite)

    func bind(_ index: Int32, _ value: Int64) throws {
        try check(sqlite3_bind_int64(statement, index, value), index)
    }

    func bind(_ index: Int32, _ value: Int64?) throws {
        if let value {
            try bind(index, value)
        } else {
            try bindNull(index)
        }
    }

    func bindNull(_ index: Int32) throws {
        try check(sqlite3_bind_null(statement, index), index)
    }

    func bind(_ index: Int32, _ value: Double) throws {
        try check(sqlite3_bind_double(statement, index, value), index)
    }

    /// Binds `text` as TEXT, copied (SQLite keeps its own copy).
    func bind(_ index: Int32, text: String) throws {
        var text = text
        let status = text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                guard let base = chars.baseAddress, !chars.isEmpty else {
                    return sqlite3_bind_text(statement, index, "", 0, nil)
                }
                return sqlite3_bind_text64(
                    statement, index, base, sqlite3_uint64(chars.count), cwhale_sqlite_transient(), UInt8(SQLITE_UTF8))
            }
        }
        try check(status, index)
    }

    /// Binds raw bytes as TEXT (a key range bound that need not be valid UTF-8;
    /// SQLite compares TEXT with `memcmp` under the BINARY collation).
    func bind(_ index: Int32, textBytes bytes: [UInt8]) throws {
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                guard let base = chars.baseAddress, !chars.isEmpty else {
                    return sqlite3_bind_text(statement, index, "", 0, nil)
                }
                return sqlite3_bind_text64(
                    statement, index, base, sqlite3_uint64(chars.count), cwhale_sqlite_transient(), UInt8(SQLITE_UTF8))
            }
        }
        try check(status, index)
    }

    /// Binds `bytes` as a BLOB without copying them: the binding is valid
    /// only inside `body`, which must step the statement. An empty array
    /// binds an empty BLOB, never NULL.
    func withBlob<Result>(_ index: Int32, _ bytes: [UInt8], _ body: () throws -> Result) throws -> Result {
        try bytes.withUnsafeBytes { raw in
            let status: Int32
            if let base = raw.baseAddress, raw.count > 0 {
                status = sqlite3_bind_blob64(statement, index, base, sqlite3_uint64(raw.count), nil)
            } else {
                status = sqlite3_bind_zeroblob(statement, index, 0)
            }
            try check(status, index)
            defer { sqlite3_bind_null(statement, index) }
            return try body()
        }
    }

    /// Binds a BLOB, copied.
    func bind(_ index: Int32, blob bytes: [UInt8]) throws {
        let status = bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress, raw.count > 0 {
                return sqlite3_bind_blob64(statement, index, base, sqlite3_uint64(raw.count), cwhale_sqlite_transient())
            }
            return sqlite3_bind_zeroblob(statement, index, 0)
        }
        try check(status, index)
    }

    var parameterCount: Int { Int(sqlite3_bind_parameter_count(statement)) }

    private func check(_ status: Int32, _ index: Int32) throws {
        guard status == SQLITE_OK else {
            throw WhaleError(
                .invalidInput, "SQLite: cannot bind parameter \(index): \(String(cString: sqlite3_errmsg(db)))",
                underlying: SQLiteError(code: status, message: String(cString: sqlite3_errstr(status))))
        }
    }

    // MARK: Running

    /// Advances the statement; `true` while a row is available.
    /// - Throws: `WhaleError` wrapping the ``SQLiteError`` (see
    ///   ``SQLiteConnection/error(code:path:reason:)``).
    func step() throws -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let status:
            // Extended result codes are on, so `status` is the extended code.
            throw SQLiteConnection.error(code: status, path: path, reason: String(cString: sqlite3_errmsg(db)))
        }
    }

    /// Steps to the end, ignoring rows; returns the rows changed.
    @discardableResult
    func run() throws -> Int {
        while try step() {}
        return Int(sqlite3_changes(db))
    }

    /// Makes the statement ready to run again and releases what it holds.
    func reset() {
        sqlite3_reset(statement)
    }

    // MARK: Columns (0-based)

    var columnCount: Int32 { sqlite3_column_count(statement) }

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(statement, column) == SQLITE_NULL
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(statement, column)
    }

    /// An INTEGER column, `nil` when NULL.
    func optionalInt64(_ column: Int32) -> Int64? {
        isNull(column) ? nil : int64(column)
    }

    /// A BLOB (or TEXT) column's bytes, copied.
    func bytes(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let base = sqlite3_column_blob(statement, column) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: base, count: count))
    }

    /// A TEXT column's UTF-8 bytes, valid until the next step or reset.
    func withTextBytes<Result>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        let text = sqlite3_column_text(statement, column)
        let count = Int(sqlite3_column_bytes(statement, column))
        return try body(UnsafeBufferPointer(start: count > 0 ? text : nil, count: count))
    }

    func text(_ column: Int32) -> String {
        withTextBytes(column) { String(decoding: $0, as: UTF8.self) }
    }

    /// Any column as an ``SQLiteValue``.
    func value(_ column: Int32) -> SQLiteValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: .real(sqlite3_column_double(statement, column))
        case SQLITE_TEXT: .text(text(column))
        case SQLITE_BLOB: .blob(bytes(column))
        default: .null
        }
    }
}
