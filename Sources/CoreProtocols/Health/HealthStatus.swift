/// The result of one health check.
public struct HealthStatus: Hashable, Sendable {
    /// Whether the checked thing is usable.
    public var isHealthy: Bool
    /// Why it is not healthy, or a short note when it is ("PONG in 0.4 ms").
    public var reason: String?

    public init(isHealthy: Bool, reason: String? = nil) {
        self.isHealthy = isHealthy
        self.reason = reason
    }

    /// A passing check, with an optional note.
    public static func healthy(_ note: String? = nil) -> HealthStatus {
        HealthStatus(isHealthy: true, reason: note)
    }

    /// A failing check with the reason.
    public static func unhealthy(_ reason: String) -> HealthStatus {
        HealthStatus(isHealthy: false, reason: reason)
    }

    /// A failing check whose reason is the error's message (``WhaleError``'s
    /// `message`, or the error's description).
    public static func unhealthy(_ error: any Error) -> HealthStatus {
        HealthStatus(isHealthy: false, reason: (error as? WhaleError)?.message ?? "\(error)")
    }
}
