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
@usableFromInline
struct MemoryCacheTable<Key: Hashable & Sendable, Value: Sendable>: Sendable {
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

    @usableFromInline var entries: [Entry?]
    @usableFromInline var bucketMask: Int
    @usableFromInline private(set) var count = 0

    init() {
        entries = Array(repeating: nil, count: 8)
        bucketMask = 7
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
    /// Reads the buckets in place (no bounds checks, no copy of a bucket
    /// beyond the fields compared): `home` and the probe stay below the
    /// bucket count, a power of two, by the mask.
    @inlinable
    func index(of key: Key, hash: Int) -> Int? {
        let tag = Self.tag(hash)
        let mask = bucketMask
        return entries.withUnsafeBufferPointer { buckets -> Int? in
            guard let base = buckets.baseAddress else { return nil }
            var index = home(tag)
            while true {
                let bucket = base + index
                guard let found = bucket.pointee?.tag else { return nil }
                if found == tag, bucket.pointee?.key == key { return index }
                index = (index &+ 1) & mask
            }
        }
    }

    /// The slot for `key`, or `nil`.
    @inlinable
    func slot(for key: Key, hash: Int) -> MemoryCacheSlot<Value>? {
        guard let index = index(of: key, hash: hash) else { return nil }
        return entries.withUnsafeBufferPointer { $0.baseAddress.flatMap { ($0 + index).pointee?.slot } }
    }

    /// The slot in bucket `index` (which holds an entry).
    func slot(at index: Int) -> MemoryCacheSlot<Value>? {
        entries[index]?.slot
    }

    /// Replaces the slot in bucket `index` (which holds an entry).
    mutating func replaceSlot(at index: Int, with slot: MemoryCacheSlot<Value>) {
        entries[index]?.slot = slot
    }

    /// Inserts an entry for a key that is not in the table.
    mutating func insert(_ key: Key, hash: Int, slot: MemoryCacheSlot<Value>) {
        if (count + 1) * 10 > (bucketMask + 1) * 7 {
            grow()
        }
        let tag = Self.tag(hash)
        var index = home(tag)
        while entries[index] != nil { index = (index &+ 1) & bucketMask }
        entries[index] = Entry(tag: tag, key: key, slot: slot)
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
        guard let removed = entries[index] else { return nil }
        var hole = index
        var next = (index &+ 1) & bucketMask
        while let nextTag = entries[next]?.tag {
            let ideal = home(nextTag)
            // Move `next` into the hole unless its home lies cyclically in (hole, next].
            let distanceToNext = (next &- ideal) & bucketMask
            let distanceToHole = (hole &- ideal) & bucketMask
            if distanceToHole < distanceToNext {
                entries[hole] = entries[next]
                hole = next
            }
            next = (next &+ 1) & bucketMask
        }
        entries[hole] = nil
        count -= 1
        return removed
    }

    /// Empties the table and returns what it held.
    mutating func removeAll() -> [Entry] {
        let all = entries.compactMap { $0 }
        self = MemoryCacheTable()
        return all
    }

    /// Every entry, in no particular order. An entry's tag is accepted by
    /// ``index(of:hash:)`` in place of the hash.
    var allEntries: [Entry] {
        entries.compactMap { $0 }
    }

    private mutating func grow() {
        let old = entries
        let capacity = (bucketMask + 1) * 2
        entries = Array(repeating: nil, count: capacity)
        bucketMask = capacity - 1
        for case let entry? in old {
            var index = home(entry.tag)
            while entries[index] != nil { index = (index &+ 1) & bucketMask }
            entries[index] = entry
        }
    }
}
