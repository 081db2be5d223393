public import CoreProtocols

/// What the manager keeps in L1 for one key: the value decoded (so a hit
/// never decodes), its freshness, and what demotion and tag invalidation need.
///
/// A class, so an L1 hit hands out one reference instead of copying the
/// fields (and retaining each of them).
public final class CacheManagerL1Entry: Sendable {
    /// The value; `nil` for a negative entry. A ``CacheManagerRawValue`` when
    /// promoted by ``CacheManager/promote(_:)`` and not yet read with a type.
    public let value: (any Encodable & Sendable)?
    /// Whether this caches a loader's "not found".
    public let isNegative: Bool
    /// When the value was stored.
    public let storedAt: WhaleInstant
    /// When it stops being fresh (it may be served stale by fail-safe after).
    public let freshUntil: WhaleInstant
    /// Its tags.
    public let tags: [String]
    /// Its encoded size in bytes (L1's weigher adds the key's).
    public let weight: Int
    /// Whether L2 or L3 holds it too (if not, an L1 eviction may demote it).
    public let inLowerTier: Bool
    /// Its criticality, for demotion's tier choice.
    public let criticality: CacheCriticality

    init(
        value: (any Encodable & Sendable)?, isNegative: Bool, storedAt: WhaleInstant, freshUntil: WhaleInstant,
        tags: [String], weight: Int, inLowerTier: Bool, criticality: CacheCriticality
    ) {
        self.value = value
        self.isNegative = isNegative
        self.storedAt = storedAt
        self.freshUntil = freshUntil
        self.tags = tags
        self.weight = weight
        self.inLowerTier = inLowerTier
        self.criticality = criticality
    }

    /// The same entry holding `value` instead.
    func replacingValue(with value: (any Encodable & Sendable)?) -> CacheManagerL1Entry {
        CacheManagerL1Entry(
            value: value, isNegative: isNegative, storedAt: storedAt, freshUntil: freshUntil, tags: tags,
            weight: weight, inLowerTier: inLowerTier, criticality: criticality
        )
    }
}

/// Encoded bytes standing in L1 for a value whose type is not known yet.
public struct CacheManagerRawValue: Codable, Sendable, Hashable {
    /// The envelope's payload (after the transformer was undone).
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
}

/// The lower tiers by name.
enum CacheLowerTier: String, Sendable {
    case l2, l3

    var member: CacheTiers { self == .l2 ? .l2 : .l3 }
}
