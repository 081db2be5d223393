import CoreProtocols

/// The settings of the L3 tier, ``SQLiteCacheTier``.
///
/// ```swift
/// var configuration = SQLiteTierConfiguration(path: ".whale/l3.sqlite")
/// configuration.sizeLimit = .init(maxBytes: 512 << 20, maxRows: 1_000_000)
/// configuration.writeBehind.flushInterval = .milliseconds(20)
/// ```
public struct SQLiteTierConfiguration: Sendable, Hashable {
    /// The database file; its directory must exist. SQLite adds `-wal` and
    /// `-shm` files beside it.
    public var path: String

    /// How long an entry written without a TTL lives; `nil` keeps it until it
    /// is evicted or invalidated. Default: 7 days (L3 is the long-TTL tier).
    public var defaultTTL: Duration?

    /// The largest value, in bytes. A bigger one throws
    /// `WhaleError(.invalidInput)` and nothing is stored. Default: 8 MiB.
    public var maxValueBytes: Int

    /// What a key and a tag may be. Default: ``CacheKeyRules/default``.
    public var keyRules: CacheKeyRules

    /// The size cap that ``SQLiteCacheTier/cleanup()`` (and every flush)
    /// enforces by evicting the least recently used entries.
    /// Default: ``SizeLimit/maxBytes(_:)`` 1 GiB.
    public var sizeLimit: SizeLimit

    /// Write-behind batching. Default: ``WriteBehind/init(flushInterval:flushSize:maxPendingBytes:)``
    /// with its defaults (50 ms, 256 writes, 64 MiB).
    public var writeBehind: WriteBehind

    /// How many reader connections (each on its own thread) serve reads.
    /// Default: 4.
    public var readerCount: Int

    /// Whether a read runs on the caller's thread when a reader connection is
    /// free at that moment, rather than hopping to a reader thread and back.
    /// A point read served from SQLite's page cache takes a few microseconds;
    /// the two thread wake-ups of a hop cost more than that. A read that must
    /// go to the disk then holds the caller's thread, a cooperative one for an
    /// `async` caller, for as long as the disk takes: set `false` when the
    /// file lives on slow or network storage. When every connection is busy
    /// the read queues on a reader thread either way. Default: `true`.
    public var inlineReads: Bool

    /// How often expired entries are removed and the size cap enforced in
    /// the background; `nil` only when ``SQLiteCacheTier/cleanup()`` is called.
    /// Default: 60 s.
    public var cleanupInterval: Duration?

    /// The resolution of the last-access time that LRU eviction reads: a read
    /// records a new access time only when the stored one is at least this
    /// old, so a key costs at most one write per interval, not one per read.
    /// L3 entries live for hours or days, so minutes tell recent from stale
    /// well enough. Default: 60 s.
    public var accessTimeResolution: Duration

    /// A hard cap on the database file, in bytes (`PRAGMA max_page_count`):
    /// past it writes fail as on a full disk, softly (see
    /// ``SQLiteCacheTier/flush()``). `nil`: no cap but the disk's. Default: `nil`.
    public var maxDatabaseBytes: Int?

    /// Whether opening runs `PRAGMA quick_check` (reads the whole file) and
    /// quarantines a file that fails it. Without it, a file that is not a
    /// database or whose schema is unreadable is still quarantined on open,
    /// and corruption found later is quarantined on ``SQLiteCacheTier/close()``.
    /// Default: `false`.
    public var checkIntegrityOnOpen: Bool

    /// How long a connection waits for another process's lock on the file.
    /// Default: 5 s.
    public var busyTimeout: Duration

    /// Creates a configuration; every parameter but `path` has the default
    /// its property documents.
    public init(
        path: String,
        defaultTTL: Duration? = .seconds(7 * 24 * 3_600),
        maxValueBytes: Int = 8 << 20,
        keyRules: CacheKeyRules = .default,
        sizeLimit: SizeLimit = .maxBytes(1 << 30),
        writeBehind: WriteBehind = WriteBehind(),
        readerCount: Int = 4,
        inlineReads: Bool = true,
        cleanupInterval: Duration? = .seconds(60),
        accessTimeResolution: Duration = .seconds(60),
        maxDatabaseBytes: Int? = nil,
        checkIntegrityOnOpen: Bool = false,
        busyTimeout: Duration = .seconds(5)
    ) {
        self.path = path
        self.defaultTTL = defaultTTL
        self.maxValueBytes = maxValueBytes
        self.keyRules = keyRules
        self.sizeLimit = sizeLimit
        self.writeBehind = writeBehind
        self.readerCount = readerCount
        self.inlineReads = inlineReads
        self.cleanupInterval = cleanupInterval
        self.accessTimeResolution = accessTimeResolution
        self.maxDatabaseBytes = maxDatabaseBytes
        self.checkIntegrityOnOpen = checkIntegrityOnOpen
        self.busyTimeout = busyTimeout
    }

    /// The size cap: total bytes (keys plus values), rows, both or neither.
    public struct SizeLimit: Sendable, Hashable {
        /// The most bytes of keys and values together; `nil`: no byte cap.
        public var maxBytes: Int?
        /// The most entries; `nil`: no row cap.
        public var maxRows: Int?

        /// Creates a cap; `nil` leaves that dimension uncapped.
        public init(maxBytes: Int? = nil, maxRows: Int? = nil) {
            self.maxBytes = maxBytes
            self.maxRows = maxRows
        }

        /// At most `bytes` of keys and values.
        public static func maxBytes(_ bytes: Int) -> SizeLimit { SizeLimit(maxBytes: bytes) }
        /// At most `rows` entries.
        public static func maxRows(_ rows: Int) -> SizeLimit { SizeLimit(maxRows: rows) }
        /// No cap: only TTLs and invalidation remove entries.
        public static let unlimited = SizeLimit()
    }

    /// Write-behind batching: writes are acknowledged once queued in memory
    /// and written in one transaction per batch.
    public struct WriteBehind: Sendable, Hashable {
        /// How long a write waits in memory at most before its batch is
        /// written. Default: 50 ms.
        public var flushInterval: Duration
        /// A batch this many writes long is written at once, without waiting
        /// for the interval. Default: 256.
        public var flushSize: Int
        /// Queued bytes past which a batch is written at once and the writer
        /// that crossed the line waits for it (backpressure). Default: 64 MiB.
        public var maxPendingBytes: Int

        /// Creates write-behind settings.
        public init(flushInterval: Duration = .milliseconds(50), flushSize: Int = 256, maxPendingBytes: Int = 64 << 20) {
            self.flushInterval = flushInterval
            self.flushSize = flushSize
            self.maxPendingBytes = maxPendingBytes
        }
    }

    /// Throws unless every setting is usable.
    /// - Throws: `WhaleError(.invalidConfiguration)` naming the setting.
    public func validate() throws {
        func require(_ condition: Bool, _ setting: String, _ problem: String) throws {
            guard condition else {
                throw WhaleError(.invalidConfiguration, "L3 SQLite tier: \(setting) \(problem)")
            }
        }
        try require(!path.isEmpty, "path", "must not be empty")
        try require(!path.utf8.contains(0), "path", "must not contain a NUL byte")
        if let defaultTTL { try require(defaultTTL > .zero, "defaultTTL", "must be positive or nil") }
        try require(maxValueBytes >= 0, "maxValueBytes", "must not be negative")
        try require(keyRules.maxKeyBytes > 0, "keyRules.maxKeyBytes", "must be positive")
        if let bytes = sizeLimit.maxBytes { try require(bytes >= 0, "sizeLimit.maxBytes", "must not be negative") }
        if let rows = sizeLimit.maxRows { try require(rows >= 0, "sizeLimit.maxRows", "must not be negative") }
        try require(writeBehind.flushInterval > .zero, "writeBehind.flushInterval", "must be positive")
        try require(writeBehind.flushSize > 0, "writeBehind.flushSize", "must be positive")
        try require(writeBehind.maxPendingBytes > 0, "writeBehind.maxPendingBytes", "must be positive")
        try require((1...64).contains(readerCount), "readerCount", "must be 1 to 64")
        if let cleanupInterval { try require(cleanupInterval > .zero, "cleanupInterval", "must be positive or nil") }
        try require(accessTimeResolution >= .zero, "accessTimeResolution", "must not be negative")
        if let maxDatabaseBytes { try require(maxDatabaseBytes > 0, "maxDatabaseBytes", "must be positive or nil") }
        try require(busyTimeout >= .zero, "busyTimeout", "must not be negative")
    }
}
