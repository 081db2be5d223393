public import CoreProtocols

/// One write to a tier: a key, its bytes, how long they live, and the tags
/// that ``CacheStore/invalidate(tag:)`` removes them by.
public struct CacheWrite: Sendable, Hashable {
    /// The cache key (UTF-8, validated by ``CacheKeyRules``).
    public var key: String
    /// The stored bytes (the manager's envelope; tiers never look inside).
    public var value: [UInt8]
    /// How long the entry lives in this tier; `nil` means the tier's default.
    public var ttl: Duration?
    /// Tags the entry can be invalidated by.
    public var tags: [String]

    /// Creates a write.
    public init(key: String, value: [UInt8], ttl: Duration? = nil, tags: [String] = []) {
        self.key = key
        self.value = value
        self.ttl = ttl
        self.tags = tags
    }
}

/// A byte tier the cache manager drives: CoreProtocols' `CacheTier` plus
/// batches, tags and pattern invalidation. L2 (Redis) and L3 (SQLite)
/// conform; a service can add its own tier by conforming too.
///
/// Keys are validated with ``CacheKeyRules`` by every entry point; an invalid
/// key or an oversized value throws `WhaleError(.invalidInput)` and stores nothing.
public protocol CacheStore: CacheTier {
    /// The values of `keys`, in order; `nil` for a key absent or expired.
    func getMany(_ keys: [String]) async throws -> [[UInt8]?]

    /// Stores every write (pipelined or in one transaction where the tier can).
    func setMany(_ writes: [CacheWrite]) async throws

    /// Removes `keys`; returns how many were present.
    @discardableResult
    func deleteMany(_ keys: [String]) async throws -> Int

    /// Removes every key `pattern` matches; returns how many.
    @discardableResult
    func invalidate(matching pattern: GlobPattern) async throws -> Int

    /// Removes every entry written with `tag`; returns how many.
    @discardableResult
    func invalidate(tag: String) async throws -> Int
}

extension CacheStore {
    /// `CacheTier.set`, as one untagged write.
    public func set(_ key: String, value: [UInt8], ttl: Duration?) async throws {
        try await setMany([CacheWrite(key: key, value: value, ttl: ttl)])
    }

    /// `CacheTier.delete`, as a batch of one.
    @discardableResult
    public func delete(_ key: String) async throws -> Bool {
        try await deleteMany([key]) > 0
    }
}
