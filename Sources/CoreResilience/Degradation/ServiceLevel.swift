/// How much of its service the node offers: ``full`` > ``reduced`` >
/// ``minimal`` > ``offline``. Comparable: a higher level is a better one.
///
/// ```swift
/// if degradation.currentLevel < .reduced { return cachedPage }
/// ```
public struct ServiceLevel: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The level's rank: 3 full, 2 reduced, 1 minimal, 0 offline; also the
    /// value of the `whale_service_level` gauge.
    public let rank: Int
    /// The level's name: `"full"`, `"reduced"`, `"minimal"`, `"offline"`.
    public let name: String

    private init(rank: Int, name: String) {
        self.rank = rank
        self.name = name
    }

    /// Everything works.
    public static let full = ServiceLevel(rank: 3, name: "full")
    /// Optional features are off; the core works.
    public static let reduced = ServiceLevel(rank: 2, name: "reduced")
    /// Only the essential functions work, perhaps from stale data.
    public static let minimal = ServiceLevel(rank: 1, name: "minimal")
    /// The service refuses work.
    public static let offline = ServiceLevel(rank: 0, name: "offline")

    /// Every level, best first.
    public static let all: [ServiceLevel] = [.full, .reduced, .minimal, .offline]

    /// The level with `rank`, clamped to 0…3.
    public init(rank: Int) {
        self = Self.all[3 - min(3, max(0, rank))]
    }

    /// The next better level (``full`` stays ``full``).
    public var better: ServiceLevel { ServiceLevel(rank: rank + 1) }

    /// The next worse level (``offline`` stays ``offline``).
    public var worse: ServiceLevel { ServiceLevel(rank: rank - 1) }

    public static func < (lhs: ServiceLevel, rhs: ServiceLevel) -> Bool { lhs.rank < rhs.rank }

    public var description: String { name }
}
