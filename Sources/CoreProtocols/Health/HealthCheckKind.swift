/// Which probe a health check feeds.
public struct HealthCheckKind: Hashable, Sendable, CustomStringConvertible {
    private enum Base: String, Hashable, Sendable {
        case liveness
        case readiness
    }

    private let base: Base
    private init(_ base: Base) { self.base = base }

    /// The process works at all (`/health/live`); a failure means restart it.
    public static let liveness = HealthCheckKind(.liveness)
    /// The process can serve traffic now (`/health/ready`); a failure means
    /// route elsewhere until it passes.
    public static let readiness = HealthCheckKind(.readiness)

    public var description: String { base.rawValue }
}
