public import CoreProtocols

/// The aggregated result of one probe (`/health/live` or `/health/ready`):
/// overall status plus every check's result, as JSON for the HTTP body.
public struct HealthReport: Sendable, Codable, Hashable {
    /// One check's result.
    public struct Check: Sendable, Codable, Hashable {
        /// The check's name.
        public var name: String
        /// `"up"` or `"down"`.
        public var status: String
        /// Why it failed, or its note when it passed.
        public var reason: String?
        /// How long the check took, in milliseconds.
        public var durationMilliseconds: Double

        public init(name: String, status: String, reason: String?, durationMilliseconds: Double) {
            self.name = name
            self.status = status
            self.reason = reason
            self.durationMilliseconds = durationMilliseconds
        }

        enum CodingKeys: String, CodingKey {
            case name, status, reason
            case durationMilliseconds = "duration_ms"
        }
    }

    /// `"up"` when every check passed, else `"down"`.
    public private(set) var status: String
    /// Which probe this is: `"liveness"` or `"readiness"`.
    public private(set) var probe: String
    /// Every check, in registration order.
    public private(set) var checks: [Check]
    /// The names of the failing checks (empty when up).
    public private(set) var failing: [String]

    /// Whether every check passed.
    public var isHealthy: Bool { status == "up" }

    public init(probe: HealthCheckKind, checks: [Check]) {
        self.probe = probe.description
        self.checks = checks
        self.failing = checks.filter { $0.status != "up" }.map(\.name)
        self.status = failing.isEmpty ? "up" : "down"
    }
}
