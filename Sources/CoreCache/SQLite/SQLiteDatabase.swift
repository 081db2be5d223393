import CoreProtocols
import Synchronization

/// One SQLite database file, safe to share between tasks.
///
/// Calls are serialised by a lock around the connection. Statements are
/// prepared once per SQL text and reused (a cache of up to 128), so running
/// the same statement again costs a bind and a step. The calls block on disk
/// I/O: run them from a dedicated queue or thread in async code (the L3 tier,
/// ``SQLiteCacheTier``, does).
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
    private let connection: Mutex<SQLiteConnection>

    /// Opens (creating if needed) the database at `path`.
    /// - Parameter busyTimeout: how long to wait for another writer's lock.
    ///   Default: 5 s.
    /// - Throws: ``CoreProtocols/WhaleError`` `.io` when the file cannot be opened or created.
    public init(path: String, busyTimeout: Duration = .seconds(5)) throws {
        self.path = path
        self.connection = Mutex(try SQLiteConnection(path: path, busyTimeout: busyTimeout))
    }

    /// Runs one or more SQL statements without parameters (DDL, pragmas).
    /// - Throws: ``CoreProtocols/WhaleError`` `.io` (`.resourceExhausted` for a
    ///   full disk or a busy lock) with the ``SQLiteError`` as its underlying error.
    public func execute(_ sql: String) throws {
        try connection.locked { try $0.execute(sql) }
    }

    /// Runs one statement with bound parameters and returns how many rows it changed.
    /// - Throws: ``CoreProtocols/WhaleError`` `.invalidInput` for SQL that does
    ///   not compile or the wrong number of parameters, `.io` when running it fails.
    @discardableResult
    public func run(_ sql: String, _ parameters: [SQLiteValue] = []) throws -> Int {
        try connection.locked { db in
            try withStatement(db, sql, parameters) { try $0.run() }
        }
    }

    /// Runs one query with bound parameters and returns every row.
    /// - Throws: as ``run(_:_:)``.
    public func query(_ sql: String, _ parameters: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        try connection.locked { db in
            try withStatement(db, sql, parameters) { statement in
                var rows: [[SQLiteValue]] = []
                let columns = statement.columnCount
                while try statement.step() {
                    rows.append((0..<columns).map { statement.value($0) })
                }
                return rows
            }
        }
    }

    private func withStatement<Result>(
        _ db: SQLiteConnection,
        _ sql: String,
        _ parameters: [SQLiteValue],
        _ body: (SQLiteStatement) throws -> Result
    ) throws -> Result {
        let statement = try db.statement(sql)
        defer { statement.reset() }
        let expected = statement.parameterCount
        guard expected == parameters.count else {
            throw WhaleError(.invalidInput, "SQLite: '\(sql)' takes \(expected) parameters, \(parameters.count) given")
        }
        for (offset, value) in parameters.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .null: try statement.bindNull(index)
            case .integer(let number): try statement.bind(index, number)
            case .real(let number): try statement.bind(index, number)
            case .text(let text): try statement.bind(index, text: text)
            case .blob(let bytes): try statement.bind(index, blob: bytes)
            }
        }
        return try body(statement)
    }
}
