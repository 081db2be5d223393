public import CoreMetrics
import CoreProtocols
public import Logging
public import ServiceLifecycle
import Synchronization

/// A fixed set of connections to one Redis (or Valkey) server over hiredis,
/// shared by any number of tasks.
///
/// Each connection is a hiredis context confined to its own serial queue, so
/// hiredis's blocking calls never run on Swift's cooperative pool. Calls are
/// spread over the connections round-robin; calls that queue on a busy
/// connection go out together in its next write (implicit pipelining), and
/// ``pipeline(_:)`` sends many commands in one round trip explicitly.
///
/// Connections open lazily (or all at once with ``connect()``), authenticate
/// and select the database from ``RedisConfiguration`` (`AUTH`/`SELECT`
/// from the URL), and honour its connect and command timeouts.
///
/// **Failures.** A socket error or timeout fails the calls on that connection
/// (`WhaleError` `.unavailable` or `.timeout`) and drops it; the next call
/// reconnects. A socket error (not a timeout) also closes the other
/// connections' sockets, which most likely died with it (a restarted server,
/// a dropped network), so no call is spent finding that out. When a connect fails, every call is refused at once with that
/// error for a backoff (50 ms, doubling up to 1 s by default), so a dead server
/// costs callers no waiting; after the backoff the next call tries again, and
/// once the server answers the pool is back on its own — there is nothing to
/// recreate. A call is not cancellable once queued; it ends within the command
/// timeout.
///
/// **Metrics** (swift-metrics, dimension `pool`): `whale_cache_l2_commands`,
/// `whale_cache_l2_errors` (dimension `code`), `whale_cache_l2_reconnects`
/// (dimension `outcome`), `whale_cache_l2_pool_wait` (timer) and
/// `whale_cache_l2_connections` (gauge).
///
/// ```swift
/// let pool = try await RedisConnectionPool.connect(RedisConfiguration(url: "redis://127.0.0.1:6390"))
/// try await pool.send("SET", "greeting", "salaam")
/// let replies = try await pool.pipeline([
///     [Array("GET".utf8), Array("greeting".utf8)],
///     [Array("PTTL".utf8), Array("greeting".utf8)],
/// ])
/// await pool.close()
/// ```
public final class RedisConnectionPool: Service, Sendable {
    /// The server and its timeouts.
    public var configuration: RedisConfiguration { state.configuration }
    /// The number of connections and the reconnect backoff.
    public var poolConfiguration: RedisConnectionPoolConfiguration { state.poolConfiguration }
    /// The name in logs and in the metrics' `pool` dimension.
    public var name: String { state.name }

    private let state: RedisPoolState
    private let connections: [RedisPoolConnection]
    private let nextConnection = Atomic<UInt>(0)
    /// Marked when ``close()`` has finished.
    private let closedSignal = ClosedSignal()

    /// Creates a pool whose connections open on first use.
    /// - Parameters:
    ///   - configuration: the server, credentials, database and timeouts.
    ///   - poolConfiguration: connection count and backoff. Default: ``RedisConnectionPoolConfiguration/default``.
    ///   - name: for logs and the `pool` metric dimension. Default: `"redis"`.
    ///   - logger: where connects, outages and recoveries are logged.
    ///     Default: a logger labelled `smart-whale.redis`.
    ///   - metricsFactory: where the metrics go. Default: the factory
    ///     `MetricsSystem` was bootstrapped with.
    /// - Throws: `WhaleError(.invalidConfiguration)` for an out-of-range pool setting.
    public convenience init(
        configuration: RedisConfiguration,
        poolConfiguration: RedisConnectionPoolConfiguration = .default,
        name: String = "redis",
        logger: Logger = Logger(label: "smart-whale.redis"),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws {
        try poolConfiguration.validate()
        self.init(
            validated: poolConfiguration,
            configuration: configuration,
            name: name,
            logger: logger,
            metricsFactory: metricsFactory
        )
    }

    /// Creates a pool from a pool configuration that passed `validate()`.
    init(
        validated poolConfiguration: RedisConnectionPoolConfiguration,
        configuration: RedisConfiguration,
        name: String,
        logger: Logger = Logger(label: "smart-whale.redis"),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        let state = RedisPoolState(
            configuration: configuration,
            poolConfiguration: poolConfiguration,
            name: name,
            logger: logger,
            metrics: RedisPoolMetrics(pool: name, factory: metricsFactory)
        )
        self.state = state
        self.connections = (0..<poolConfiguration.connections).map { RedisPoolConnection(state: state, index: $0) }
        state.register(connections)
    }

    /// Creates a pool and opens all its connections, so a wrong address or
    /// password fails here rather than on first use.
    /// - Parameters: as ``init(configuration:poolConfiguration:name:logger:metricsFactory:)``.
    /// - Throws: `WhaleError` `.unavailable` when nothing answers,
    ///   `.unauthenticated` when `AUTH` is refused, `.invalidConfiguration`
    ///   for an out-of-range pool setting.
    public static func connect(
        _ configuration: RedisConfiguration,
        poolConfiguration: RedisConnectionPoolConfiguration = .default,
        name: String = "redis",
        logger: Logger = Logger(label: "smart-whale.redis"),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) async throws -> RedisConnectionPool {
        let pool = try RedisConnectionPool(
            configuration: configuration,
            poolConfiguration: poolConfiguration,
            name: name,
            logger: logger,
            metricsFactory: metricsFactory
        )
        try await pool.connect()
        return pool
    }

    /// Opens every connection that is not open yet (in parallel).
    /// - Throws: the first connect failure: `WhaleError` `.unavailable`,
    ///   `.timeout` or `.unauthenticated`.
    public func connect() async throws {
        try state.admit()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for connection in connections {
                group.addTask {
                    let outcome = ThreadHandOff<Void>()
                    try await connection.call(outcome, .connect(outcome))
                }
            }
            try await group.waitForAll()
        }
    }

    /// Sends a command whose arguments are text and returns the reply.
    /// - Throws: as ``send(arguments:)``.
    @discardableResult
    public func send(_ arguments: String...) async throws -> RedisValue {
        try await send(arguments: arguments.map { Array($0.utf8) })
    }

    /// Sends one command with binary-safe arguments and returns its reply.
    /// - Parameter arguments: the command name and its arguments, as bytes.
    /// - Throws: `WhaleError` for an error reply (`.invalidInput`, or
    ///   `.unavailable` for the server's transient states, `.unauthenticated`,
    ///   `.permissionDenied`); `.timeout` when the reply does not come within
    ///   the command timeout; `.unavailable` when the server cannot be
    ///   reached or the pool is closed; `.invalidInput` for an empty command.
    @discardableResult
    public func send(arguments: [[UInt8]]) async throws -> RedisValue {
        guard !arguments.isEmpty else {
            throw WhaleError(.invalidInput, "empty Redis command")
        }
        try state.admit()
        let outcome = ThreadHandOff<RedisValue>()
        return try await nextConnectionInLine().call(outcome, .command(arguments, outcome))
    }

    /// Sends `commands` in one write on one connection and reads their
    /// replies, in order: one round trip for all of them. Not a transaction:
    /// other clients' commands may run in between.
    ///
    /// - Parameter commands: each command as its arguments' bytes; empty
    ///   returns `[]` without touching the network.
    /// - Returns: one reply per command; an error reply is returned as
    ///   ``RedisValue/error(_:)`` (the other commands still ran).
    /// - Throws: `WhaleError` `.timeout` or `.unavailable` when the connection
    ///   fails (some commands may have run), `.invalidInput` for an empty
    ///   command.
    public func pipeline(_ commands: [[[UInt8]]]) async throws -> [RedisValue] {
        guard !commands.isEmpty else { return [] }
        for command in commands where command.isEmpty {
            throw WhaleError(.invalidInput, "empty Redis command in a pipeline")
        }
        try state.admit()
        let outcome = ThreadHandOff<[RedisValue]>()
        return try await nextConnectionInLine().call(outcome, .pipeline(commands, outcome))
    }

    /// Sends `PING` and returns the round-trip time.
    /// - Throws: as ``send(arguments:)``; `.malformedData` for an answer other than `PONG`.
    public func ping() async throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        let reply = try await send("PING")
        guard reply.string == "PONG" else {
            throw WhaleError(.malformedData, "Redis answered PING with \(reply)")
        }
        return start.duration(to: clock.now)
    }

    /// How many connections are open now (0… ``RedisConnectionPoolConfiguration/connections``).
    public var openConnections: Int { state.openConnections }

    /// Whether the pool is refusing calls now because the last connect failed
    /// (it will try again after the backoff).
    public var isRefusingCalls: Bool { state.refusal(now: monotonicNanoseconds()) != nil }

    /// Closes the pool: the batch on the wire finishes, calls still queued and
    /// calls after this throw `WhaleError(.unavailable)` (not retriable), and
    /// the sockets close. Calling it again does nothing.
    public func close() async {
        guard state.close() else { return }
        for connection in connections {
            await connection.close()
        }
        closedSignal.markClosed()
    }

    /// The pool as a swift-service-lifecycle `Service`: runs until the
    /// service group shuts down gracefully, the calling task is cancelled or
    /// ``close()`` is called, then closes the pool, so the services that use
    /// it (listed after it in the group) have stopped first.
    public func run() async throws {
        let closedSignal = self.closedSignal
        await cancelWhenGracefulShutdown { await closedSignal.wait() }
        await close()
    }

    @inline(__always)
    private func nextConnectionInLine() -> RedisPoolConnection {
        let ticket = nextConnection.wrappingAdd(1, ordering: .relaxed).oldValue
        return connections[Int(ticket % UInt(connections.count))]
    }
}
