/// One named check of one dependency or part of the node.
///
/// Each module offers checks for what it owns (Redis reachable, SQLite
/// writable, Kafka metadata); the node registers them and aggregates them
/// into `/health/live` and `/health/ready`.
public protocol HealthCheck: Sendable {
    /// A short, unique name, e.g. `"redis"`.
    var name: String { get }
    /// Which probe the check feeds.
    var kind: HealthCheckKind { get }
    /// Runs the check. It reports failure in the status and never throws; it
    /// should finish within a few seconds.
    func check() async -> HealthStatus
}

/// A health check made from a closure.
public struct ClosureHealthCheck: HealthCheck {
    public let name: String
    public let kind: HealthCheckKind
    private let body: @Sendable () async -> HealthStatus

    public init(name: String, kind: HealthCheckKind, _ body: @escaping @Sendable () async -> HealthStatus) {
        self.name = name
        self.kind = kind
        self.body = body
    }

    public func check() async -> HealthStatus { await body() }
}
