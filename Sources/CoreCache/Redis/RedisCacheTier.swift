import CoreProtocols

/// The L2 cache tier: byte values in Redis (or Valkey), shared by every node
/// that points at the same server, through a ``RedisConnectionPool``.
///
/// The spec's L2 methods are ``distributedGet(_:)`` (``get(_:)``) and
/// ``distributedSet(_:value:ttl:tags:)`` (``setMany(_:)``); the rest is
/// ``CacheStore``. The tier stores the bytes it is given (the cache manager's
/// envelope) and never looks inside them.
///
/// ## Key layout
///
/// Readable with `redis-cli`; `<ns>` is ``RedisTierConfiguration/namespace``,
/// `v1` the layout's version, keys and tags are their UTF-8 bytes, unescaped:
///
/// | Redis key        | Type   | Holds                                                   |
/// |------------------|--------|---------------------------------------------------------|
/// | `<ns>:v1:k:<key>` | string | the entry's value, with the entry's TTL (`PX`, ms)     |
/// | `<ns>:v1:t:<tag>` | set    | the cache keys (without prefix) written with `<tag>`; its TTL is at least the longest of theirs |
///
/// ```
/// $ redis-cli GET 'whale:v1:k:user:42'
/// $ redis-cli PTTL 'whale:v1:k:user:42'
/// $ redis-cli SMEMBERS 'whale:v1:t:users'     # → "user:42", …
/// ```
///
/// ## Operations
///
/// - ``get(_:)``: `GET`; ``getMany(_:)``: one `MGET`.
/// - ``set(_:value:ttl:)``: `SET <key> <value> PX <ms>`; ``setMany(_:)``: one
///   pipeline; for each tag of a write, `SADD <tag set> <key>` and
///   `PEXPIRE <tag set> <ms> NX` + `GT` (the set lives at least as long as
///   the entry) go before the entry's `SET`, so an entry is never stored
///   without its tags. Needs Redis ≥ 7.0 (or Valkey) for `NX`/`GT`.
/// - ``deleteMany(_:)``: `UNLINK`.
/// - ``invalidate(matching:)``: `SCAN … MATCH <ns>:v1:k:<pattern> COUNT n`
///   (the namespace escaped), `UNLINK` in batches pipelined with the next
///   `SCAN` step; never `KEYS`.
/// - ``invalidate(tag:)``: `SSCAN` of the tag set; each batch of members is
///   `UNLINK`ed and `SREM`ed from the set (an empty set is gone), so a key
///   tagged while the invalidation runs is not lost. The count is what
///   `UNLINK` removed.
///
/// A tag set may name keys that expired or were overwritten without the tag;
/// invalidating the tag removes them too, which a cache can afford.
///
/// Every entry point checks keys and tags with ``RedisTierConfiguration/keyRules``
/// and values against ``RedisTierConfiguration/maxValueBytes`` before it
/// sends anything: a bad input throws `WhaleError(.invalidInput)` and stores
/// nothing. When Redis is unreachable, calls throw `WhaleError(.unavailable)`
/// at once (see ``RedisConnectionPool``); the manager above falls through to
/// the next tier.
///
/// ```swift
/// let pool = try RedisConnectionPool(configuration: RedisConfiguration(url: "redis://127.0.0.1:6390"))
/// let l2 = try RedisCacheTier(pool: pool, configuration: RedisTierConfiguration(namespace: "geo"))
/// try await l2.setMany([CacheWrite(key: "city:tehran", value: Array("…".utf8), ttl: .seconds(60), tags: ["cities"])])
/// let bytes = try await l2.get("city:tehran")
/// let removed = try await l2.invalidate(tag: "cities")   // 1
/// ```
public final class RedisCacheTier: CacheStore {
    /// The tier's name in logs and metrics. Default: `"l2"`.
    public let name: String
    /// The namespace, limits and batch sizes.
    public let configuration: RedisTierConfiguration
    /// The connections it sends through.
    public let pool: RedisConnectionPool

    private let entryPrefix: [UInt8]
    private let tagPrefix: [UInt8]
    /// `entryPrefix` with glob metacharacters escaped, for `SCAN … MATCH`.
    private let entryPattern: String
    private let defaultTTLArgument: [UInt8]

    /// Creates the tier over `pool`.
    /// - Parameters:
    ///   - pool: the connections; several tiers may share one.
    ///   - configuration: Default: namespace `whale`, 5 min TTL, 512 KiB values.
    ///   - name: Default: `"l2"`.
    /// - Throws: `WhaleError(.invalidConfiguration)` for an invalid configuration.
    public init(pool: RedisConnectionPool, configuration: RedisTierConfiguration = .init(), name: String = "l2") throws {
        try configuration.validate()
        self.pool = pool
        self.configuration = configuration
        self.name = name
        let namespace = configuration.namespace
        entryPrefix = Array("\(namespace):v1:k:".utf8)
        tagPrefix = Array("\(namespace):v1:t:".utf8)
        entryPattern = GlobPattern.escape("\(namespace):v1:k:")
        defaultTTLArgument = Self.milliseconds(configuration.defaultTTL)
    }

    // MARK: - Layout

    /// The Redis key an entry for `key` is stored under: `<ns>:v1:k:<key>`.
    public func redisKey(for key: String) -> [UInt8] {
        prefixed(entryPrefix, key.utf8)
    }

    /// The Redis key of the set of keys written with `tag`: `<ns>:v1:t:<tag>`.
    public func redisTagKey(for tag: String) -> [UInt8] {
        prefixed(tagPrefix, tag.utf8)
    }

    // MARK: - CacheTier

    /// The value stored under `key`, or `nil` when absent or expired (`GET`).
    /// - Throws: `WhaleError` `.invalidInput` for an invalid key; `.unavailable`
    ///   or `.timeout` when Redis does not answer.
    public func get(_ key: String) async throws -> [UInt8]? {
        try configuration.keyRules.check(key: key)
        return try Self.value(from: await pool.send(arguments: [Command.get, redisKey(for: key)]), key: key)
    }

    /// Stores `value` under `key` for `ttl` (`SET … PX`), untagged.
    /// - Parameter ttl: positive, rounded up to whole milliseconds; `nil`
    ///   means ``RedisTierConfiguration/defaultTTL``.
    /// - Throws: `WhaleError` `.invalidInput` for an invalid key, a value over
    ///   the limit or a TTL that is not positive (nothing is stored);
    ///   `.unavailable` or `.timeout` when Redis does not answer.
    public func set(_ key: String, value: [UInt8], ttl: Duration?) async throws {
        try check(CacheWrite(key: key, value: value, ttl: ttl))
        try await pool.send(arguments: [Command.set, redisKey(for: key), value, Command.px, ttlArgument(ttl)])
    }

    /// Spec L2 `distributed_get`: ``get(_:)``.
    public func distributedGet(_ key: String) async throws -> [UInt8]? {
        try await get(key)
    }

    /// Spec L2 `distributed_set`: one write, as ``setMany(_:)``.
    /// - Parameters:
    ///   - ttl: `nil` means ``RedisTierConfiguration/defaultTTL``. Default: `nil`.
    ///   - tags: what ``invalidate(tag:)`` removes it by. Default: none.
    public func distributedSet(_ key: String, value: [UInt8], ttl: Duration? = nil, tags: [String] = []) async throws {
        try await setMany([CacheWrite(key: key, value: value, ttl: ttl, tags: tags)])
    }

    // MARK: - CacheStore

    /// The values of `keys`, in order, in one `MGET`; `nil` for a key absent or expired.
    /// - Throws: `WhaleError` `.invalidInput` for an invalid key (nothing is
    ///   sent); `.unavailable` or `.timeout` when Redis does not answer.
    public func getMany(_ keys: [String]) async throws -> [[UInt8]?] {
        guard !keys.isEmpty else { return [] }
        var arguments: [[UInt8]] = [Command.mget]
        arguments.reserveCapacity(keys.count + 1)
        for key in keys {
            try configuration.keyRules.check(key: key)
            arguments.append(redisKey(for: key))
        }
        let reply = try await pool.send(arguments: arguments)
        guard case .array(let values) = reply, values.count == keys.count else {
            throw WhaleError(.malformedData, "Redis answered MGET of \(keys.count) keys with \(reply)")
        }
        return values.map(\.bytes)
    }

    /// Stores every write in one pipeline (tag bookkeeping first, then `SET … PX`).
    ///
    /// Every write is checked before anything is sent: one invalid key, tag,
    /// value or TTL throws and stores nothing. Not atomic across writes: when
    /// the connection fails midway, some writes may have landed.
    /// - Throws: `WhaleError` `.invalidInput` for invalid input or an error
    ///   reply (a tag set holding another type); `.unavailable` or `.timeout`
    ///   when Redis does not answer.
    public func setMany(_ writes: [CacheWrite]) async throws {
        guard !writes.isEmpty else { return }
        for write in writes { try check(write) }
        var commands: [[[UInt8]]] = []
        commands.reserveCapacity(writes.count)
        for write in writes {
            let ttl = ttlArgument(write.ttl)
            for tag in write.tags {
                let tagKey = redisTagKey(for: tag)
                commands.append([Command.sadd, tagKey, Array(write.key.utf8)])
                commands.append([Command.pexpire, tagKey, ttl, Command.nx])
                commands.append([Command.pexpire, tagKey, ttl, Command.gt])
            }
            commands.append([Command.set, redisKey(for: write.key), write.value, Command.px, ttl])
        }
        if commands.count == 1 {
            try await pool.send(arguments: commands[0])
            return
        }
        for reply in try await pipeline(commands) {
            if case .error(let message) = reply { throw HiredisContext.replyError(message) }
        }
    }

    /// Removes `keys` with one `UNLINK`; returns how many were present.
    /// - Throws: `WhaleError` `.invalidInput` for an invalid key (nothing is
    ///   removed); `.unavailable` or `.timeout` when Redis does not answer.
    @discardableResult
    public func deleteMany(_ keys: [String]) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        var arguments: [[UInt8]] = [Command.unlink]
        arguments.reserveCapacity(keys.count + 1)
        for key in keys {
            try configuration.keyRules.check(key: key)
            arguments.append(redisKey(for: key))
        }
        return try Self.count(from: await pool.send(arguments: arguments), of: "UNLINK")
    }

    /// Removes every entry whose key matches `pattern`, walking the keyspace
    /// with `SCAN … MATCH` (``RedisTierConfiguration/scanCount`` per step) and
    /// removing in `UNLINK` batches of ``RedisTierConfiguration/unlinkBatchSize``.
    /// A pattern without wildcards is one `UNLINK`.
    ///
    /// Entries written while it runs may or may not be removed (`SCAN`'s
    /// guarantee covers keys present from start to end).
    /// - Returns: how many entries were removed.
    /// - Throws: `WhaleError` `.unavailable` or `.timeout` when Redis does not
    ///   answer (entries found so far stay removed).
    @discardableResult
    public func invalidate(matching pattern: GlobPattern) async throws -> Int {
        if pattern.isLiteral {
            let key = prefixed(entryPrefix, pattern.literalPrefix)
            return try Self.count(from: await pool.send(arguments: [Command.unlink, key]), of: "UNLINK")
        }
        let match = Array((entryPattern + pattern.pattern).utf8)
        let count = Array(String(configuration.scanCount).utf8)
        var cursor: [UInt8] = Array("0".utf8)
        // Full UNLINK batches ride along with the next SCAN step.
        var unlinks: [[[UInt8]]] = []
        var batch: [[UInt8]] = [Command.unlink]
        var removed = 0
        repeat {
            let replies = try await pipeline([[Command.scan, cursor, Command.match, match, Command.count, count]] + unlinks)
            for reply in replies.dropFirst() {
                removed += try Self.count(from: reply, of: "UNLINK")
            }
            unlinks.removeAll()
            let (next, keys) = try Self.scanStep(replies[0], of: "SCAN")
            for key in keys {
                batch.append(key)
                if batch.count > configuration.unlinkBatchSize {
                    unlinks.append(batch)
                    batch = [Command.unlink]
                }
            }
            cursor = next
        } while cursor != Array("0".utf8)
        if batch.count > 1 { unlinks.append(batch) }
        for reply in try await pipeline(unlinks) {
            removed += try Self.count(from: reply, of: "UNLINK")
        }
        return removed
    }

    /// Parses `pattern` as a ``GlobPattern`` and removes every entry it
    /// matches; the spec's `pattern_invalidate`.
    /// - Throws: `WhaleError(.invalidInput)` for a malformed pattern (nothing
    ///   is removed); otherwise as the `GlobPattern` overload.
    @discardableResult
    public func invalidate(matching pattern: String) async throws -> Int {
        try await invalidate(matching: GlobPattern(pattern))
    }

    /// Removes every entry written with `tag`: `SSCAN`s the tag set and, per
    /// batch of members, `UNLINK`s the entries and `SREM`s the members.
    /// - Returns: how many entries were removed (`UNLINK`'s count: expired or
    ///   already deleted entries are not counted).
    /// - Throws: `WhaleError` `.invalidInput` for an invalid tag; `.unavailable`
    ///   or `.timeout` when Redis does not answer (entries removed so far
    ///   stay removed, the rest stay tagged).
    @discardableResult
    public func invalidate(tag: String) async throws -> Int {
        try configuration.keyRules.check(tag: tag)
        let tagKey = redisTagKey(for: tag)
        let count = Array(String(configuration.scanCount).utf8)
        var cursor: [UInt8] = Array("0".utf8)
        var removed = 0
        repeat {
            let reply = try await pool.send(arguments: [Command.sscan, tagKey, cursor, Command.count, count])
            let (next, members) = try Self.scanStep(reply, of: "SSCAN")
            var start = 0
            while start < members.count {
                let end = min(start + configuration.unlinkBatchSize, members.count)
                var unlink: [[UInt8]] = [Command.unlink]
                unlink.reserveCapacity(end - start + 1)
                var srem: [[UInt8]] = [Command.srem, tagKey]
                srem.reserveCapacity(end - start + 2)
                for member in members[start..<end] {
                    unlink.append(prefixed(entryPrefix, member))
                    srem.append(member)
                }
                let replies = try await pipeline([unlink, srem])
                removed += try Self.count(from: replies[0], of: "UNLINK")
                if case .error(let message) = replies[1] { throw HiredisContext.replyError(message) }
                start = end
            }
            cursor = next
        } while cursor != Array("0".utf8)
        return removed
    }

    // MARK: - Helpers

    /// Throws unless `write` may be stored.
    private func check(_ write: CacheWrite) throws {
        try configuration.keyRules.check(key: write.key)
        for tag in write.tags { try configuration.keyRules.check(tag: tag) }
        try CacheKeyRules.check(value: write.value, key: write.key, limit: configuration.maxValueBytes, tier: name)
        if let ttl = write.ttl, ttl <= .zero {
            throw WhaleError(
                .invalidInput,
                "cache TTL for '\(CacheKeyRules.preview(write.key))' must be positive, got \(ttl)"
            )
        }
    }

    /// ``RedisConnectionPool/pipeline(_:)``, checked to answer every command.
    private func pipeline(_ commands: [[[UInt8]]]) async throws -> [RedisValue] {
        let replies = try await pool.pipeline(commands)
        guard replies.count == commands.count else {
            throw WhaleError(.malformedData, "Redis answered \(commands.count) pipelined commands with \(replies.count) replies")
        }
        return replies
    }

    private func ttlArgument(_ ttl: Duration?) -> [UInt8] {
        guard let ttl else { return defaultTTLArgument }
        return Self.milliseconds(ttl)
    }

    /// `ttl` in whole milliseconds as decimal text, rounded up, 1…2⁴⁶ (about
    /// 2 200 years; longer TTLs are capped so Redis's expiry time cannot overflow).
    static func milliseconds(_ ttl: Duration) -> [UInt8] {
        let (seconds, attoseconds) = ttl.components
        let maximum: Int64 = 1 << 46
        var milliseconds: Int64
        if seconds >= maximum / 1_000 {
            milliseconds = maximum
        } else {
            let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
            milliseconds = seconds * 1_000 + attoseconds / attosecondsPerMillisecond
            if attoseconds % attosecondsPerMillisecond > 0 { milliseconds += 1 }
        }
        return Array(String(min(max(milliseconds, 1), maximum)).utf8)
    }

    private func prefixed(_ prefix: [UInt8], _ suffix: some Collection<UInt8>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(prefix.count + suffix.count)
        bytes.append(contentsOf: prefix)
        bytes.append(contentsOf: suffix)
        return bytes
    }

    private static func value(from reply: RedisValue, key: String) throws -> [UInt8]? {
        switch reply {
        case .bulkString(let bytes): return bytes
        case .null: return nil
        default: throw WhaleError(.malformedData, "Redis answered GET '\(CacheKeyRules.preview(key))' with \(reply)")
        }
    }

    private static func count(from reply: RedisValue, of command: String) throws -> Int {
        switch reply {
        case .integer(let count): return Int(count)
        case .error(let message): throw HiredisContext.replyError(message)
        default: throw WhaleError(.malformedData, "Redis answered \(command) with \(reply)")
        }
    }

    /// A `SCAN`-family reply: the next cursor and the step's elements.
    private static func scanStep(_ reply: RedisValue, of command: String) throws -> (cursor: [UInt8], elements: [[UInt8]]) {
        if case .error(let message) = reply { throw HiredisContext.replyError(message) }
        guard case .array(let parts) = reply, parts.count == 2, let cursor = parts[0].bytes,
            case .array(let elements) = parts[1]
        else {
            throw WhaleError(.malformedData, "Redis answered \(command) with \(reply)")
        }
        return (cursor, elements.compactMap(\.bytes))
    }
}

/// Command names and fixed arguments, as bytes made once.
private enum Command {
    static let get = Array("GET".utf8)
    static let mget = Array("MGET".utf8)
    static let set = Array("SET".utf8)
    static let px = Array("PX".utf8)
    static let unlink = Array("UNLINK".utf8)
    static let sadd = Array("SADD".utf8)
    static let srem = Array("SREM".utf8)
    static let pexpire = Array("PEXPIRE".utf8)
    static let nx = Array("NX".utf8)
    static let gt = Array("GT".utf8)
    static let scan = Array("SCAN".utf8)
    static let sscan = Array("SSCAN".utf8)
    static let match = Array("MATCH".utf8)
    static let count = Array("COUNT".utf8)
}
