public import Synchronization
public import CoreProtocols

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The lock of one stripe of ``MemoryCache``'s hash table (the table itself
/// lives in ``MemoryCacheShards/tables``, apart from the lock, so a writer's
/// access to the table and other threads' operations on the lock word are at
/// different addresses).
///
/// 128 bytes, and the shards are allocated 128-byte aligned, so no two
/// shards' locks share a cache line (or a pair the prefetcher fetches together).
@usableFromInline
struct MemoryCacheShard: ~Copyable {
    /// Held by a writer while it changes the shard's table, and by a reader
    /// that found a writer at work (see ``MemoryCacheShards``).
    @usableFromInline let lock = Mutex(())
    private let padding: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    init() {}
}

/// The shards of one cache (a lock and a table each), in two allocations, so
/// a lookup retains nothing, and the gate that lets readers look up entries
/// without taking a lock.
///
/// **Reads write no shared memory.** A reader claims its own stripe of the
/// read buffer (a word on a cache line that stripe's threads own; see
/// ``MemoryCacheReadBuffer``) with one compare-and-exchange, which is also
/// its announcement, then checks that no writer is at work, reads the
/// shard's table directly, records its access on the stripe it owns, and
/// releases the stripe with a plain store. A writer (every writer holds the
/// policy lock, so there is at most one) first raises `writers`, then waits
/// until no stripe is owned, and changes the table under the shard's lock. A
/// reader that sees a writer at work reads under the shard's lock instead,
/// still owning its stripe. Both sides use sequentially consistent
/// operations (claim, then check; raise, then wait), so a reader and a
/// writer never both go ahead (the Dekker pattern; BRAVO's reader bias,
/// without the bias revocation, since writers here are already serialised).
/// With locks striped by key hash, two threads reading different keys still
/// contend on the same lock words half the time; with the gate, their hits
/// touch only their own stripe and read-mostly lines.
///
/// `@unchecked Sendable`: the tables are accessed only under that protocol,
/// and the pointers never change until the owning cache frees them in `deinit`.
@usableFromInline
struct MemoryCacheShards<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    /// The shards' locks, 128 bytes apart.
    @usableFromInline let locks: UnsafeMutablePointer<MemoryCacheShard>
    /// The shards' tables, by shard index.
    @usableFromInline let tables: UnsafeMutablePointer<MemoryCacheTable<Key, Value>>
    @usableFromInline let mask: Int
    /// How many writers are at work (0 or 1), alone on its cache line.
    @usableFromInline let writers: UnsafeMutablePointer<Atomic<Int>>

    /// Allocates `count` (a power of two) empty shards.
    init(count: Int) {
        locks = UnsafeMutableRawPointer.allocate(
            byteCount: count * MemoryLayout<MemoryCacheShard>.stride,
            alignment: 128
        ).bindMemory(to: MemoryCacheShard.self, capacity: count)
        tables = UnsafeMutablePointer.allocate(capacity: count)
        for index in 0..<count {
            (locks + index).initialize(to: MemoryCacheShard())
            (tables + index).initialize(to: MemoryCacheTable())
        }
        mask = count - 1
        writers = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 128)
            .bindMemory(to: Atomic<Int>.self, capacity: 1)
        writers.initialize(to: Atomic(0))
    }

    var count: Int { mask + 1 }

    /// Frees the shards; the owner calls it once, in its `deinit`.
    func deallocate() {
        locks.deinitialize(count: count)
        UnsafeMutableRawPointer(locks).deallocate()
        tables.deinitialize(count: count)
        tables.deallocate()
        writers.deinitialize(count: 1)
        UnsafeMutableRawPointer(writers).deallocate()
    }

    /// The shard (its index) for a key's hash value.
    @inlinable
    func shard(for hash: Int) -> Int {
        hash & mask
    }

    /// Runs `body` on shard `index`'s table as a reader that owns `stripe`
    /// (the caller's read-buffer stripe) meanwhile, so `body` may record on
    /// it; `nil`, without running `body`, when another thread owns the stripe.
    /// Reads without a lock while no writer is at work, else under the
    /// shard's lock (a writer holds no shard lock while it waits for owners
    /// to leave, so holding the stripe there cannot deadlock). `body` must not
    /// call the cache.
    @inlinable @inline(__always)
    func read<Result>(
        _ index: Int,
        owning stripe: UnsafeMutablePointer<Atomic<Int>>,
        _ body: (borrowing MemoryCacheTable<Key, Value>) -> Result
    ) -> Result? {
        guard MemoryCacheReadBuffer.claim(stripe) else { return nil }
        defer { MemoryCacheReadBuffer.release(stripe) }
        if writers.pointee.load(ordering: .sequentiallyConsistent) == 0 {
            return body(tables[index])
        }
        return locks[index].lock.locked { _ in body(tables[index]) }
    }

    /// Runs `body` on shard `index`'s table under its lock, as a reader that
    /// owns no stripe (scans, contended lookups, tests).
    @usableFromInline
    func readLocked<Result>(_ index: Int, _ body: (borrowing MemoryCacheTable<Key, Value>) -> Result) -> Result {
        locks[index].lock.locked { _ in body(tables[index]) }
    }

    /// Runs `body` to change shard `index`'s table: raises the writer flag,
    /// waits for stripe owners to leave, and changes the table under the
    /// shard's lock. Only under the policy lock (one writer at a time).
    func write<Result>(
        _ index: Int,
        readers: MemoryCacheReadBuffer,
        _ body: (inout MemoryCacheTable<Key, Value>) -> Result
    ) -> Result {
        writers.pointee.wrappingAdd(1, ordering: .sequentiallyConsistent)
        readers.waitUntilNoReaders()
        let result = locks[index].lock.locked { _ in body(&tables[index]) }
        writers.pointee.wrappingSubtract(1, ordering: .releasing)
        return result
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
