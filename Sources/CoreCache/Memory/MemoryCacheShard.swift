public import Synchronization

/// One stripe of ``MemoryCache``'s hash table: the entries whose key hash falls
/// on it, behind their own lock, so lookups of different keys rarely meet.
///
/// 128 bytes, and the shards are allocated 128-byte aligned, so no two
/// shards' locks share a cache line (or a pair the prefetcher fetches together).
@usableFromInline
struct MemoryCacheShard<Key: Hashable & Sendable, Value: Sendable>: ~Copyable {
    @usableFromInline let table: Mutex<MemoryCacheTable<Key, Value>>
    private let padding: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    init() {
        table = Mutex(MemoryCacheTable())
    }
}

/// The shards of one cache, in one allocation, so a lookup retains nothing.
///
/// `@unchecked Sendable`: each shard's table is behind its mutex, and the
/// pointer never changes until the owning cache releases it in `deinit`.
@usableFromInline
struct MemoryCacheShards<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<MemoryCacheShard<Key, Value>>
    @usableFromInline let mask: Int

    /// Allocates `count` (a power of two) empty shards.
    init(count: Int) {
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: count * MemoryLayout<MemoryCacheShard<Key, Value>>.stride,
            alignment: 128
        )
        base = raw.bindMemory(to: MemoryCacheShard<Key, Value>.self, capacity: count)
        for index in 0..<count {
            (base + index).initialize(to: MemoryCacheShard())
        }
        mask = count - 1
    }

    var count: Int { mask + 1 }

    /// Frees the shards; the owner calls it once, in its `deinit`.
    func deallocate() {
        base.deinitialize(count: count)
        UnsafeMutableRawPointer(base).deallocate()
    }

    /// The shard for a key's hash value.
    @inlinable
    func shard(for hash: Int) -> UnsafeMutablePointer<MemoryCacheShard<Key, Value>> {
        base + (hash & mask)
    }
}

/// An entry in a shard: the value, its node in the policy and its deadline.
@usableFromInline
struct MemoryCacheSlot<Value: Sendable>: Sendable {
    @usableFromInline var value: Value
    /// The policy node's reference (`generation << 32 | index`).
    @usableFromInline var node: UInt64
    /// Nanoseconds since the epoch at which the entry expires; `.max` for never.
    @usableFromInline var expiresAt: Int64

    @usableFromInline
    init(value: Value, node: UInt64, expiresAt: Int64) {
        self.value = value
        self.node = node
        self.expiresAt = expiresAt
    }
}
