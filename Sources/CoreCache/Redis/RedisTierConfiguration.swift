import CoreProtocols

/// How a ``RedisCacheTier`` lays out and limits what it stores.
public struct RedisTierConfiguration: Sendable, Hashable {
    /// The first part of every Redis key the tier writes (see the layout in
    /// ``RedisCacheTier``), so several services or environments can share one
    /// server. One or more of `A–Z a–z 0–9 . _ -`. Default: `"whale"`.
    public var namespace: String
    /// How long an entry lives when a write gives no TTL. Positive. Default: 5 min.
    public var defaultTTL: Duration
    /// The largest value, in bytes; a larger write throws
    /// `WhaleError(.invalidInput)` and stores nothing. Default: 512 KiB.
    public var maxValueBytes: Int
    /// What keys and tags may be. Default: ``CacheKeyRules/default`` (1 024 bytes, no NUL).
    public var keyRules: CacheKeyRules
    /// The `COUNT` hint for each `SCAN`/`SSCAN` step of an invalidation. Default: 1 000.
    public var scanCount: Int
    /// How many keys one `UNLINK` of an invalidation removes at most. Default: 512.
    public var unlinkBatchSize: Int

    /// Creates a configuration; ``RedisCacheTier`` checks it.
    /// - Parameters:
    ///   - namespace: `[A-Za-z0-9._-]+`. Default: `"whale"`.
    ///   - defaultTTL: positive. Default: 5 min.
    ///   - maxValueBytes: positive. Default: 524 288 (512 KiB).
    ///   - keyRules: Default: ``CacheKeyRules/default``.
    ///   - scanCount: positive. Default: 1 000.
    ///   - unlinkBatchSize: positive. Default: 512.
    public init(
        namespace: String = "whale",
        defaultTTL: Duration = .seconds(300),
        maxValueBytes: Int = 512 * 1_024,
        keyRules: CacheKeyRules = .default,
        scanCount: Int = 1_000,
        unlinkBatchSize: Int = 512
    ) {
        self.namespace = namespace
        self.defaultTTL = defaultTTL
        self.maxValueBytes = maxValueBytes
        self.keyRules = keyRules
        self.scanCount = scanCount
        self.unlinkBatchSize = unlinkBatchSize
    }

    /// Throws unless every setting is valid.
    /// - Throws: `WhaleError(.invalidConfiguration)` naming the setting.
    public func validate() throws {
        let allowed = { (byte: UInt8) -> Bool in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
        guard !namespace.isEmpty, namespace.utf8.allSatisfy(allowed) else {
            throw WhaleError(
                .invalidConfiguration,
                "Redis tier namespace '\(namespace)' must be one or more of A-Z a-z 0-9 . _ -"
            )
        }
        guard defaultTTL > .zero else {
            throw WhaleError(.invalidConfiguration, "Redis tier defaultTTL must be positive, got \(defaultTTL)")
        }
        guard maxValueBytes > 0 else {
            throw WhaleError(.invalidConfiguration, "Redis tier maxValueBytes must be positive, got \(maxValueBytes)")
        }
        guard keyRules.maxKeyBytes > 0 else {
            throw WhaleError(.invalidConfiguration, "Redis tier keyRules.maxKeyBytes must be positive, got \(keyRules.maxKeyBytes)")
        }
        guard scanCount > 0, unlinkBatchSize > 0 else {
            throw WhaleError(
                .invalidConfiguration,
                "Redis tier scanCount (\(scanCount)) and unlinkBatchSize (\(unlinkBatchSize)) must be positive"
            )
        }
    }
}
