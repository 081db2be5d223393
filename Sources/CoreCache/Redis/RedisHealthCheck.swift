public import CoreProtocols

/// Readiness check: Redis answers `PING` within the command timeout.
public struct RedisHealthCheck: HealthCheck {
    public let name: String
    public let kind: HealthCheckKind
    private let pool: RedisConnectionPool

    /// Creates the check over its own connection. It connects on first use
    /// and reconnects when needed.
    /// - Parameters:
    ///   - name: Default: `"redis"`.
    ///   - kind: Default: readiness.
    public init(configuration: RedisConfiguration, name: String = "redis", kind: HealthCheckKind = .readiness) {
        self.init(pool: RedisConnectionPool(single: configuration, name: "health"), name: name, kind: kind)
    }

    /// Creates the check over a pool the service already has, so it reports
    /// what the pool's callers see (including a reconnect backoff).
    /// - Parameters:
    ///   - pool: the pool to `PING` through.
    ///   - name: Default: `"redis"`.
    ///   - kind: Default: readiness.
    public init(pool: RedisConnectionPool, name: String = "redis", kind: HealthCheckKind = .readiness) {
        self.pool = pool
        self.name = name
        self.kind = kind
    }

    public func check() async -> HealthStatus {
        do {
            let roundTrip = try await pool.ping()
            return .healthy("PONG from \(pool.configuration.endpoint) in \(roundTrip) (\(pool.openConnections) open connections)")
        } catch {
            return .unhealthy(error)
        }
    }
}
