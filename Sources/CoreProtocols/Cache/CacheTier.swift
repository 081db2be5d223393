/// A byte-level cache layer: L1 memory, L2 Redis, L3 SQLite, or a test double.
///
/// The cache manager stacks tiers without knowing what backs them; a downstream
/// service can add its own tier by conforming. Keys are UTF-8 strings, values
/// are raw bytes (the manager owns encoding), TTLs are durations.
public protocol CacheTier: Sendable {
    /// A short name for logs and metrics, e.g. `"l1"`, `"redis"`.
    var name: String { get }

    /// The value stored under `key`, or `nil` when absent or expired.
    func get(_ key: String) async throws -> [UInt8]?

    /// Stores `value` under `key`.
    /// - Parameter ttl: how long the value lives; `nil` means the tier's default.
    func set(_ key: String, value: [UInt8], ttl: Duration?) async throws

    /// Removes `key`; returns whether something was removed.
    @discardableResult
    func delete(_ key: String) async throws -> Bool
}
