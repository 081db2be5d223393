public import CoreProtocols
import Dispatch
import Synchronization

/// One connection to Redis over hiredis, safe to share between tasks.
///
/// Commands run one at a time on the connection's own serial queue, so
/// hiredis's blocking calls never occupy Swift's cooperative thread pool. A
/// connection whose socket failed is replaced on the next command (one
/// reconnect attempt per command).
///
/// ```swift
/// let redis = try await RedisConnection.connect(RedisConfiguration(url: "redis://127.0.0.1:6390"))
/// try await redis.send("SET", "greeting", "salaam")
/// let value = try await redis.send("GET", "greeting").string   // "salaam"
/// ```
public final class RedisConnection: Sendable {
    /// The configuration it connects with.
    public let configuration: RedisConfiguration
    private let queue: DispatchQueue
    /// Touched only on `queue`; its `Mutex` makes that provable to the compiler.
    private let slot = ContextSlot()

    /// Creates a connection that connects on its first command.
    public init(configuration: RedisConfiguration) {
        self.configuration = configuration
        self.queue = DispatchQueue(label: "smart-whale.redis.\(configuration.endpoint)")
    }

    /// Connects now (and authenticates and selects the database, when
    /// configured), so a wrong address fails here rather than on first use.
    /// - Throws: ``CoreProtocols/WhaleError`` `.unavailable` when nothing answers,
    ///   `.unauthenticated` when `AUTH` is refused.
    public static func connect(_ configuration: RedisConfiguration) async throws -> RedisConnection {
        let connection = RedisConnection(configuration: configuration)
        try await connection.withContext { _ in }
        return connection
    }

    /// Sends a command whose arguments are text.
    @discardableResult
    public func send(_ arguments: String...) async throws -> RedisValue {
        try await send(arguments: arguments.map { Array($0.utf8) })
    }

    /// Sends a command with binary-safe arguments and returns the reply.
    /// - Throws: ``CoreProtocols/WhaleError`` `.invalidInput` for an error reply, `.timeout`
    ///   when the reply does not come in the command timeout, `.unavailable`
    ///   when the server cannot be reached.
    @discardableResult
    public func send(arguments: [[UInt8]]) async throws -> RedisValue {
        try await withContext { try $0.command(arguments) }
    }

    /// Runs `body` on the queue with a live context, reconnecting first when
    /// there is none or the last one broke.
    private func withContext<Result: Sendable>(
        _ body: @escaping @Sendable (HiredisContext) throws -> Result
    ) async throws -> Result {
        let configuration = self.configuration
        return try await queue.runBlocking { [slot] in
            try slot.context.locked { current in
                if let live = current, !live.isBroken {
                    return try body(live)
                }
                current = nil
                let fresh = try HiredisContext(configuration: configuration)
                current = fresh
                return try body(fresh)
            }
        }
    }

    /// Sends `PING` and returns the round-trip time.
    public func ping() async throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        let reply = try await send("PING")
        guard reply.string == "PONG" else {
            throw WhaleError(.malformedData, "Redis answered PING with \(reply)")
        }
        return start.duration(to: clock.now)
    }
}

/// Holds the connection's hiredis context (a class, so closures can share it).
private final class ContextSlot: Sendable {
    let context = Mutex<HiredisContext?>(nil)
}
