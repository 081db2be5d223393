/// What the L3 tier holds: ``SQLiteCacheTier/usage()``.
public struct SQLiteTierUsage: Sendable, Hashable {
    /// Entries stored in the database (expired ones not yet cleaned up included).
    public var entries: Int
    /// Bytes of keys and values stored, the measure ``SQLiteTierConfiguration/SizeLimit/maxBytes`` caps.
    public var bytes: Int
    /// Keys with a write or delete queued in memory, not yet flushed.
    public var pendingWrites: Int

    /// Creates a usage report.
    public init(entries: Int, bytes: Int, pendingWrites: Int) {
        self.entries = entries
        self.bytes = bytes
        self.pendingWrites = pendingWrites
    }
}
