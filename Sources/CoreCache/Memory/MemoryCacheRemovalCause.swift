/// Why an entry left a ``MemoryCache``.
public enum MemoryCacheRemovalCause: String, Sendable, Hashable, CaseIterable {
    /// Its TTL passed; it was swept by maintenance (or replaced or removed after
    /// it had expired).
    case expired
    /// The size policy chose it to stay within the bounds.
    case evicted
    /// A ``MemoryCache/set(_:_:ttl:)`` of the same key replaced its value.
    case replaced
    /// ``MemoryCache/remove(_:)``, ``MemoryCache/removeAll(where:)`` or
    /// ``MemoryCache/removeAll()`` removed it.
    case explicit
}
