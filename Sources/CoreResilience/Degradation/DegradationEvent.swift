public import CoreProtocols

/// A change of a ``DegradationManager``'s effective level (computed or forced).
public struct DegradationEvent: Sendable, Hashable, CustomStringConvertible {
    /// The level before.
    public let from: ServiceLevel
    /// The level now.
    public let to: ServiceLevel
    /// Why, e.g. `"badness 0.65 reached the minimal threshold 0.6 (worst: redis 0.65)"`.
    public let reason: String
    /// The combined badness of the evaluation that caused it (the last one
    /// for a forced change), 0…1.
    public let badness: Double
    /// When it happened, on the manager's clock.
    public let time: WhaleInstant

    /// Creates an event.
    public init(from: ServiceLevel, to: ServiceLevel, reason: String, badness: Double, time: WhaleInstant) {
        self.from = from
        self.to = to
        self.reason = reason
        self.badness = badness
        self.time = time
    }

    /// Whether the level got worse.
    public var isDegradation: Bool { to < from }

    public var description: String { "\(from) → \(to): \(reason)" }
}
