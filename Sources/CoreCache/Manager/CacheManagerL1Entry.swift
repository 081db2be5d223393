public import CoreProtocols

/// What the manager keeps in L1 for one key: the value decoded (so a hit
/// never decodes), its freshness, and what demotion and tag invalidation need.
///
/// A class, so an L1 hit hands out one reference instead of copying the
/// fields (and retaining each of them). An entry with a value is an instance
/// of a generic subclass that knows the value's static type, so a typed hit
/// checks one type identity instead of casting an existential.
public class CacheManagerL1Entry: @unchecked Sendable {
    // @unchecked: every stored property is a `let` of a Sendable type, and
    // the only subclass (CacheManagerTypedL1Entry) adds one more; the class
    // is not `open`, so no other subclass can exist.

    /// The value; `nil` for a negative entry. A ``CacheManagerRawValue`` when
    /// promoted by ``CacheManager/promote(_:)`` and not yet read with a type.
    public var value: (any Encodable & Sendable)? { nil }
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

    @usableFromInline
    init(
        isNegative: Bool, storedAt: WhaleInstant, freshUntil: WhaleInstant,
        tags: [String], weight: Int, inLowerTier: Bool, criticality: CacheCriticality
    ) {
        self.isNegative = isNegative
        self.storedAt = storedAt
        self.freshUntil = freshUntil
        self.tags = tags
        self.weight = weight
        self.inLowerTier = inLowerTier
        self.criticality = criticality
    }

    /// An entry holding `value` (a negative one when `value` is `nil`).
    static func make<Value: Encodable & Sendable>(
        value: Value?, isNegative: Bool, storedAt: WhaleInstant, freshUntil: WhaleInstant,
        tags: [String], weight: Int, inLowerTier: Bool, criticality: CacheCriticality
    ) -> CacheManagerL1Entry {
        guard let value else {
            return CacheManagerL1Entry(
                isNegative: isNegative, storedAt: storedAt, freshUntil: freshUntil, tags: tags, weight: weight,
                inLowerTier: inLowerTier, criticality: criticality)
        }
        return CacheManagerTypedL1Entry(
            value, isNegative: isNegative, storedAt: storedAt, freshUntil: freshUntil, tags: tags, weight: weight,
            inLowerTier: inLowerTier, criticality: criticality)
    }

    /// The same entry holding `value` instead.
    func replacingValue<Value: Encodable & Sendable>(with value: Value?) -> CacheManagerL1Entry {
        Self.make(
            value: value, isNegative: isNegative, storedAt: storedAt, freshUntil: freshUntil, tags: tags,
            weight: weight, inLowerTier: inLowerTier, criticality: criticality
        )
    }

    /// The value when it was stored as exactly `Value` (one type-identity
    /// check, no cast); `nil` otherwise, including for a value of another
    /// static type that `as?` could still convert.
    @inlinable @inline(__always)
    final func value<Value: Encodable & Sendable>(ifStoredAs type: Value.Type) -> Value? {
        guard ObjectIdentifier(Swift.type(of: self)) == ObjectIdentifier(CacheManagerTypedL1Entry<Value>.self) else {
            return nil
        }
        return unsafeDowncast(self, to: CacheManagerTypedL1Entry<Value>.self).typedValue
    }
}

/// An entry whose value was stored with the static type `Value`.
@usableFromInline
final class CacheManagerTypedL1Entry<Value: Encodable & Sendable>: CacheManagerL1Entry, @unchecked Sendable {
    @usableFromInline let typedValue: Value

    override var value: (any Encodable & Sendable)? { typedValue }

    init(
        _ value: Value, isNegative: Bool, storedAt: WhaleInstant, freshUntil: WhaleInstant,
        tags: [String], weight: Int, inLowerTier: Bool, criticality: CacheCriticality
    ) {
        typedValue = value
        super.init(
            isNegative: isNegative, storedAt: storedAt, freshUntil: freshUntil, tags: tags, weight: weight,
            inLowerTier: inLowerTier, criticality: criticality)
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
