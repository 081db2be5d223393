import CoreProtocols

/// How many connections a ``RedisConnectionPool`` keeps and how it reconnects.
///
/// Where the server is and the connect and command timeouts come from
/// ``RedisConfiguration``; this says how the pool uses it.
public struct RedisConnectionPoolConfiguration: Sendable, Hashable {
    /// How many connections the pool opens, 1…1 024. Each has its own serial
    /// queue (one thread while it works). Default: 8.
    ///
    /// Commands from many tasks share the connections: the ones that queue on
    /// one connection while it is busy go out together in its next write.
    public var connections: Int
    /// How long the pool refuses commands after the first failed connect of
    /// an outage, before it tries again. Default: 50 ms.
    public var reconnectBackoff: Duration
    /// The longest wait between connect attempts; each failed attempt doubles
    /// the wait up to this. Default: 1 s.
    public var maximumReconnectBackoff: Duration

    /// The defaults: 8 connections, 50 ms growing to 1 s between connect attempts.
    public static let `default` = RedisConnectionPoolConfiguration()

    /// Creates a configuration; ``RedisConnectionPool`` checks it.
    /// - Parameters:
    ///   - connections: 1…1 024. Default: 8.
    ///   - reconnectBackoff: the first wait after a failed connect. Default: 50 ms.
    ///   - maximumReconnectBackoff: the longest wait. Default: 1 s.
    public init(
        connections: Int = 8,
        reconnectBackoff: Duration = .milliseconds(50),
        maximumReconnectBackoff: Duration = .seconds(1)
    ) {
        self.connections = connections
        self.reconnectBackoff = reconnectBackoff
        self.maximumReconnectBackoff = maximumReconnectBackoff
    }

    /// Throws unless every setting is in range.
    /// - Throws: `WhaleError(.invalidConfiguration)` naming the setting.
    public func validate() throws {
        guard (1...1_024).contains(connections) else {
            throw WhaleError(.invalidConfiguration, "Redis pool: connections must be 1…1024, got \(connections)")
        }
        guard reconnectBackoff >= .zero, maximumReconnectBackoff >= reconnectBackoff else {
            throw WhaleError(
                .invalidConfiguration,
                "Redis pool: need 0 ≤ reconnectBackoff (\(reconnectBackoff)) ≤ maximumReconnectBackoff (\(maximumReconnectBackoff))"
            )
        }
    }
}
