public import CoreProtocols

/// Readiness check: Redis answers `PING` within the command timeout.
public struct RedisHealthCheck: HealthCheck {
    public let name: String
    public let kind: HealthCheckKind
    private let connection: RedisConnection

    /// Creates the check. It connects on first use and reconnects when needed.
    /// - Parameters:
    ///   - name: Default: `"redis"`.
    ///   - kind: Default: readiness.
    public init(configuration: RedisConfiguration, name: String = "redis", kind: HealthCheckKind = .readiness) {
        self.connection = RedisConnection(configuration: configuration)
        self.name = name
        self.kind = kind
    }

    public func check() async -> HealthStatus {
        do {
            let roundTrip = try await connection.ping()
            return .healthy("PONG from \(connection.configuration.endpoint) in \(roundTrip)")
        } catch {
            return .unhealthy(error)
        }
    }
}
