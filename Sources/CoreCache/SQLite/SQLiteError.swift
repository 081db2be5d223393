internal import CWhaleSQLite

/// A failed SQLite call: its (extended) result code and message. It is the
/// `underlying` error of the `WhaleError`s this module throws for SQLite.
public struct SQLiteError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The extended result code, e.g. 13 (`SQLITE_FULL`), 26 (`SQLITE_NOTADB`).
    public let code: Int32
    /// SQLite's message.
    public let message: String

    /// Creates an error.
    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    /// The primary result code (the low byte of ``code``).
    public var primary: Int32 { code & 0xff }

    /// Whether the file is corrupt or not a database (`SQLITE_CORRUPT`, `SQLITE_NOTADB`).
    public var isCorruption: Bool { primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB }

    /// Whether the disk or the database's size limit is full (`SQLITE_FULL`).
    public var isFull: Bool { primary == SQLITE_FULL }

    /// Whether another connection held a lock past the busy timeout
    /// (`SQLITE_BUSY`, `SQLITE_LOCKED`).
    public var isBusy: Bool { primary == SQLITE_BUSY || primary == SQLITE_LOCKED }

    /// Whether the file exists but could not be opened or read as a database
    /// (`SQLITE_CANTOPEN`, `SQLITE_PERM`, `SQLITE_IOERR`, `SQLITE_READONLY`, `SQLITE_AUTH`).
    var isUnopenable: Bool {
        [SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_IOERR, SQLITE_READONLY, SQLITE_AUTH].contains(primary)
    }

    /// "SQLite error <code>: <message>".
    public var description: String { "SQLite error \(code): \(message)" }
}
