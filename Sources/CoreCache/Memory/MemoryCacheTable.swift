/// The hash table inside one ``MemoryCacheShard``: open addressing with linear
/// probing, keyed by the hash value the cache has already computed, so a
/// lookup hashes the key once (a `Dictionary` would hash it again).
///
/// A bucket is `nil` when empty; an entry carries its *tag*, the key's hash
/// value with the lowest bit set, which is compared before the key; the home
/// bucket comes from bits above the shard bits. Tag, key and slot share one
/// bucket, so a probe touches one cache line.
/// Removal shifts the following entries back (Knuth's algorithm R), so there
/// are no tombstones. The table doubles at 70 % load.
///
/// The buckets are memory the table allocates and frees itself (it is
/// `~Copyable`, so there is one owner), not an `Array`: a lookup reads them
/// through a stored pointer and retains nothing, where reading an array
/// stored in the shards' manually allocated block retains its buffer.
@usableFromInline
struct MemoryCacheTable<Key: Hashable & Sendable, Value: Sendable>: ~Copyable, @unchecked Sendable {
    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline var tag: Int
        @usableFromInline var key: Key
        @usableFromInline var slot: MemoryCacheSlot<Value>

        @usableFromInline
        init(tag: Int, key: Key, slot: MemoryCacheSlot<Value>) {
            self.tag = tag
            self.key = key
            self.slot = slot
        }
    }

    /// `bucketMask + 1` buckets, each initialized (`nil` when empty).
    @usableFromInline var buckets: UnsafeMutablePointer<Entry?>
    @usableFromInline var bucketMask: Int
    @usableFromInline private(set) var count = 0

    init() {
        (buckets, bucketMask) = Self.allocate(8)
    }

    deinit {
        Self.free(buckets, count: bucketMask + 1)
    }

    private static func free(_ buckets: UnsafeMutablePointer<Entry?>, count: Int) {
        buckets.deinitialize(count: count)
        buckets.deallocate()
    }

    private static func allocate(_ capacity: Int) -> (UnsafeMutablePointer<Entry?>, Int) {
        let buckets = UnsafeMutablePointer<Entry?>.allocate(capacity: capacity)
        buckets.initialize(repeating: nil, count: capacity)
        return (buckets, capacity - 1)
    }

    @inlinable @inline(__always)
    static func tag(_ hash: Int) -> Int { hash | 1 }

    /// The home bucket: bits 8 and up (the shard was chosen by the low bits).
    @inlinable @inline(__always)
    func home(_ tag: Int) -> Int {
        Int(truncatingIfNeeded: UInt(bitPattern: tag) >> 8) & bucketMask
    }

    /// The bucket holding `key`, or `nil`.
    ///
    /// Reads the buckets in place (no copy of a bucket beyond the fields
    /// compared): `home` and the probe stay below the bucket count, a power
    /// of two, by the mask.
    @inlinable @inline(__always)
    func index(of key: Key, hash: Int) -> Int? {
        let tag = Self.tag(hash)
        let mask = bucketMask
        var index = home(tag)
        while true {
            let bucket = buckets + index
            guard let found = bucket.pointee?.tag else { return nil }
            if found == tag, bucket.pointee?.key == key { return index }
            index = (index &+ 1) & mask
        }
    }

    /// The slot for `key`, or `nil`.
    @inlinable @inline(__always)
    func slot(for key: Key, hash: Int) -> MemoryCacheSlot<Value>? {
        guard let index = index(of: key, hash: hash) else { return nil }
        return (buckets + index).pointee?.slot
    }

    /// The slot in bucket `index` (which holds an entry).
    func slot(at index: Int) -> MemoryCacheSlot<Value>? {
        buckets[index]?.slot
    }

    /// Replaces the slot in bucket `index` (which holds an entry).
    mutating func replaceSlot(at index: Int, with slot: MemoryCacheSlot<Value>) {
        buckets[index]?.slot = slot
    }

    /// Inserts an entry for a key that is not in the table.
    mutating func insert(_ key: Key, hash: Int, slot: MemoryCacheSlot<Value>) {
        if (count + 1) * 10 > (bucketMask + 1) * 7 {
            grow()
        }
        let tag = Self.tag(hash)
        var index = home(tag)
        while buckets[index] != nil { index = (index &+ 1) & bucketMask }
        buckets[index] = Entry(tag: tag, key: key, slot: slot)
        count += 1
    }

    /// Removes and returns the slot for `key`, if present.
    mutating func remove(_ key: Key, hash: Int) -> MemoryCacheSlot<Value>? {
        guard let index = index(of: key, hash: hash) else { return nil }
        return remove(at: index)?.slot
    }

    /// Removes the entry in bucket `index` and shifts its followers back.
    @discardableResult
    mutating func remove(at index: Int) -> Entry? {
        guard let removed = buckets[index] else { return nil }
        var hole = index
        var next = (index &+ 1) & bucketMask
        while let nextTag = buckets[next]?.tag {
            let ideal = home(nextTag)
            // Move `next` into the hole unless its home lies cyclically in (hole, next].
            let distanceToNext = (next &- ideal) & bucketMask
            let distanceToHole = (hole &- ideal) & bucketMask
            if distanceToHole < distanceToNext {
                buckets[hole] = buckets[next]
                hole = next
            }
            next = (next &+ 1) & bucketMask
        }
        buckets[hole] = nil
        count -= 1
        return removed
    }

    /// Empties the table (back to its initial size) and returns what it held.
    mutating func removeAll() -> [Entry] {
        let all = allEntries
        Self.free(buckets, count: bucketMask + 1)
        (buckets, bucketMask) = Self.allocate(8)
        count = 0
        return all
    }

    /// Every entry, in no particular order. An entry's tag is accepted by
    /// ``index(of:hash:)`` in place of the hash.
    var allEntries: [Entry] {
        UnsafeBufferPointer(start: buckets, count: bucketMask + 1).compactMap { $0 }
    }

    private mutating func grow() {
        let old = buckets
        let oldCount = bucketMask + 1
        (buckets, bucketMask) = Self.allocate(oldCount * 2)
        for position in 0..<oldCount {
            guard let entry = (old + position).move() else { continue }
            var index = home(entry.tag)
            while buckets[index] != nil { index = (index &+ 1) & bucketMask }
            buckets[index] = entry
        }
        old.deallocate()
    }
}
