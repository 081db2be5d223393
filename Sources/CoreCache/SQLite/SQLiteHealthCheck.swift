public import CoreProtocols
import Dispatch

/// Readiness check: the node's SQLite directory takes a write and reads it back.
///
/// It writes one row into a small `whale_health` table of the database at
/// `path` and reads it back, so a full disk, a read-only mount or a lost
/// directory fails the check.
public struct SQLiteHealthCheck: HealthCheck {
    /// The check's name in health reports.
    public let name: String
    /// Readiness or liveness.
    public let kind: HealthCheckKind
    /// The database file it writes to.
    public let path: String

    /// - Parameters:
    ///   - path: the database file, e.g. `.whale/health.sqlite`.
    ///   - name: Default: `"sqlite"`.
    ///   - kind: Default: readiness.
    public init(path: String, name: String = "sqlite", kind: HealthCheckKind = .readiness) {
        self.path = path
        self.name = name
        self.kind = kind
    }

    /// Writes and reads back the row on a global dispatch queue (off the
    /// cooperative pool); unhealthy with the error when either fails.
    public func check() async -> HealthStatus {
        let path = self.path
        do {
            return try await DispatchQueue.global().runBlocking { try Self.writeAndReadBack(path) }
        } catch {
            return .unhealthy(error)
        }
    }

    private static func writeAndReadBack(_ path: String) throws -> HealthStatus {
        let database = try SQLiteDatabase(path: path)
        try database.execute("CREATE TABLE IF NOT EXISTS whale_health (id INTEGER PRIMARY KEY, checked_at INTEGER NOT NULL)")
        let stamp = SystemClock().now.nanosecondsSinceEpoch
        try database.run("INSERT OR REPLACE INTO whale_health (id, checked_at) VALUES (1, ?)", [.integer(stamp)])
        let rows = try database.query("SELECT checked_at FROM whale_health WHERE id = 1")
        guard rows == [[.integer(stamp)]] else {
            return .unhealthy("SQLite '\(path)' read back \(rows) instead of the row just written")
        }
        return .healthy("wrote and read back '\(path)'")
    }
}
