import CoreProtocols

/// One connection to Redis over hiredis, safe to share between tasks: a
/// ``RedisConnectionPool`` of one connection.
///
/// Commands run on the connection's own serial queue, so hiredis's blocking
/// calls never occupy Swift's cooperative thread pool; commands sent while
/// one is on the wire go out together. A connection whose socket failed is
/// replaced on the next command, with the pool's reconnect backoff after a
/// failed connect.
///
/// ```swift
/// let redis = try await RedisConnection.connect(RedisConfiguration(url: "redis://127.0.0.1:6390"))
/// try await redis.send("SET", "greeting", "salaam")
/// let value = try await redis.send("GET", "greeting").string   // "salaam"
/// ```
public final class RedisConnection: Sendable {
    /// The configuration it connects with.
    public var configuration: RedisConfiguration { pool.configuration }
    private let pool: RedisConnectionPool

    /// Creates a connection that connects on its first command.
    public init(configuration: RedisConfiguration) {
        self.pool = RedisConnectionPool(single: configuration, name: "connection")
    }

    /// Connects now (and authenticates and selects the database, when
    /// configured), so a wrong address fails here rather than on first use.
    /// - Throws: ``CoreProtocols/WhaleError`` `.unavailable` when nothing answers,
    ///   `.unauthenticated` when `AUTH` is refused.
    public static func connect(_ configuration: RedisConfiguration) async throws -> RedisConnection {
        let connection = RedisConnection(configuration: configuration)
        try await connection.pool.connect()
        return connection
    }

    /// Sends a command whose arguments are text.
    @discardableResult
    public func send(_ arguments: String...) async throws -> RedisValue {
        try await pool.send(arguments: arguments.map { Array($0.utf8) })
    }

    /// Sends a command with binary-safe arguments and returns the reply.
    /// - Throws: ``CoreProtocols/WhaleError`` `.invalidInput` for an error reply, `.timeout`
    ///   when the reply does not come in the command timeout, `.unavailable`
    ///   when the server cannot be reached.
    @discardableResult
    public func send(arguments: [[UInt8]]) async throws -> RedisValue {
        try await pool.send(arguments: arguments)
    }

    /// Sends `commands` in one round trip; see ``RedisConnectionPool/pipeline(_:)``.
    public func pipeline(_ commands: [[[UInt8]]]) async throws -> [RedisValue] {
        try await pool.pipeline(commands)
    }

    /// Sends `PING` and returns the round-trip time.
    public func ping() async throws -> Duration {
        try await pool.ping()
    }

    /// Closes the socket; later commands throw `.unavailable`.
    public func close() async {
        await pool.close()
    }
}

extension RedisConnectionPool {
    /// A pool of one connection with the default backoff, for
    /// ``RedisConnection`` and ``RedisHealthCheck``.
    convenience init(single configuration: RedisConfiguration, name: String) {
        self.init(validated: RedisConnectionPoolConfiguration(connections: 1), configuration: configuration, name: name)
    }
}
