import Synchronization

/// A feature that is on only while a ``DegradationManager``'s level is at or
/// above ``minimumLevel``. Returned by ``DegradationManager/register(feature:minimumLevel:)``;
/// ``isEnabled`` is one atomic load, so it can sit on a hot path.
///
/// ```swift
/// let recommendations = degradation.register(feature: "recommendations", minimumLevel: .full)
/// if recommendations.isEnabled { page.recommendations = try await recommend(user) }
/// ```
public struct FeatureGate: Sendable {
    /// The feature's name.
    public let feature: String
    /// The lowest level at which the feature is on.
    public let minimumLevel: ServiceLevel
    let level: ServiceLevelCell

    /// Whether the feature is on at the manager's current (effective) level.
    public var isEnabled: Bool { level.rank >= minimumLevel.rank }
}

/// The effective level's rank, readable without a lock.
final class ServiceLevelCell: Sendable {
    private let storage: Atomic<Int>

    init(_ level: ServiceLevel) {
        storage = Atomic(level.rank)
    }

    var rank: Int { storage.load(ordering: .relaxed) }

    func store(_ level: ServiceLevel) {
        storage.store(level.rank, ordering: .relaxed)
    }
}
