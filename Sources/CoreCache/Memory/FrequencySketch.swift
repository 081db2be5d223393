/// TinyLFU's popularity estimate: a count-min sketch of 4-bit counters with four
/// hash functions, periodic aging, and a doorkeeper in front of it.
///
/// It follows Caffeine's `FrequencySketch`: the counters of one item live in one
/// 64-byte block (eight `UInt64` words of sixteen counters each), the table has
/// as many words as the cache has entries (rounded up to a power of two), and
/// after `20 × capacity` additions every counter is halved (the *reset* of
/// TinyLFU), so the estimate follows a changing workload. Caffeine ages after
/// `10 × capacity`; with the doorkeeper absorbing each item's first occurrence
/// a longer period keeps a comparable history, and in ``CacheSimulator`` runs
/// it raised the hit ratio on both ARC traces (OLTP and P6).
///
/// The doorkeeper is TinyLFU's Bloom filter in front of the sketch (Einziger,
/// Friedman and Manes, "TinyLFU: A Highly Efficient Cache Admission Policy",
/// ACM ToS 2017, §3.4.2): an item's first occurrence since the last reset only
/// sets its bits in the doorkeeper; later occurrences count in the sketch. An
/// estimate is the sketch's minimum plus one when the doorkeeper holds the
/// item, so it lies in 0…16. The reset clears the doorkeeper, so one-hit
/// wonders never occupy counters.
///
/// Not thread-safe: the memory cache keeps it behind its policy lock.
struct FrequencySketch: Sendable {
    private static let resetMask: UInt64 = 0x7777_7777_7777_7777
    private static let oneMask: UInt64 = 0x1111_1111_1111_1111
    /// The largest table, in words (32 MiB of counters): beyond it the sketch
    /// stops growing with the cache.
    static let maximumCapacity = 1 << 22
    /// Additions between two resets, per entry of capacity.
    static let agingMultiple = 20

    /// Sixteen 4-bit counters per word.
    private var table: [UInt64] = []
    /// The doorkeeper's bits (as many bits as the table has counters).
    private var doorkeeper: [UInt64] = []
    private var blockMask = 0
    /// Bit positions in the doorkeeper: its size in bits minus one.
    private var doorkeeperMask: UInt64 = 0
    /// Counter increments since the last reset.
    private var additions = 0
    /// Doorkeeper insertions since the last reset.
    private var doorkeeperAdditions = 0
    /// The number of entries the sketch is sized for; 0 before the first sizing.
    private(set) var capacity = 0
    /// Additions between two resets: ``agingMultiple`` times ``capacity``.
    private(set) var sampleSize = 0
    /// Whether the doorkeeper is in front of the sketch.
    let usesDoorkeeper: Bool

    init(usesDoorkeeper: Bool = true) {
        self.usesDoorkeeper = usesDoorkeeper
    }

    /// Whether ``ensureCapacity(_:)`` has sized the sketch.
    var isInitialized: Bool { !table.isEmpty }

    /// Sizes the sketch for `maximumSize` entries, if it is smaller; a resize
    /// forgets every count.
    mutating func ensureCapacity(_ maximumSize: Int) {
        let maximum = min(max(maximumSize, 0), Self.maximumCapacity)
        if isInitialized && capacity >= maximum { return }
        let length = max(Self.ceilingPowerOfTwo(maximum), 8)
        table = Array(repeating: 0, count: length)
        blockMask = (length >> 3) - 1
        doorkeeper = usesDoorkeeper ? Array(repeating: 0, count: length) : []
        doorkeeperMask = UInt64(length * 64 - 1)
        capacity = maximum
        sampleSize = Self.agingMultiple * max(maximum, 1)
        additions = 0
        doorkeeperAdditions = 0
    }

    /// The estimated number of occurrences of the item with `hash` since the
    /// last resets: 0…15 from the sketch, plus one from the doorkeeper.
    func frequency(_ hash: UInt64) -> Int {
        if table.isEmpty { return 0 }
        let spread = Self.spread(hash)
        let block = (Int(truncatingIfNeeded: spread >> 32) & blockMask) << 3
        let counterHash = Self.rehash(UInt32(truncatingIfNeeded: spread))
        var minimum: UInt64 = 15
        table.withUnsafeBufferPointer { table in
            for row in 0..<4 {
                let h = counterHash >> (UInt32(row) << 3)
                let index = UInt64((h >> 1) & 15)
                let offset = Int(h & 1)
                let count = (table[block + offset + (row << 1)] >> (index << 2)) & 0xF
                minimum = Swift.min(minimum, count)
            }
        }
        return Int(minimum) + (usesDoorkeeper && doorkeeperContains(spread) ? 1 : 0)
    }

    /// Counts one occurrence of the item with `hash`: in the doorkeeper the
    /// first time since the last reset, in the sketch (each of its four
    /// counters below 15) after that. Returns whether the occurrence changed
    /// anything: `false` when every counter was saturated already (the item
    /// is known to be as hot as the sketch can say).
    @discardableResult
    mutating func increment(_ hash: UInt64) -> Bool {
        if table.isEmpty { return false }
        let spread = Self.spread(hash)
        if usesDoorkeeper && !doorkeeperInsert(spread) {
            doorkeeperAdditions += 1
        } else {
            let block = (Int(truncatingIfNeeded: spread >> 32) & blockMask) << 3
            let counterHash = Self.rehash(UInt32(truncatingIfNeeded: spread))
            var added = false
            table.withUnsafeMutableBufferPointer { table in
                for row in 0..<4 {
                    let h = counterHash >> (UInt32(row) << 3)
                    let shift = UInt64((h >> 1) & 15) << 2
                    let word = block + Int(h & 1) + (row << 1)
                    let mask: UInt64 = 0xF << shift
                    if table[word] & mask != mask {
                        table[word] &+= 1 << shift
                        added = true
                    }
                }
            }
            if !added { return false }
            additions += 1
        }
        if additions + doorkeeperAdditions >= sampleSize {
            reset()
        }
        return true
    }

    /// Halves every counter and clears the doorkeeper (TinyLFU's reset).
    mutating func reset() {
        var odd = 0
        table.withUnsafeMutableBufferPointer { table in
            for index in table.indices {
                odd &+= (table[index] & Self.oneMask).nonzeroBitCount
                table[index] = (table[index] >> 1) & Self.resetMask
            }
        }
        if usesDoorkeeper {
            doorkeeper.withUnsafeMutableBufferPointer { bits in
                for index in bits.indices { bits[index] = 0 }
            }
        }
        additions = max(0, (additions - (odd >> 2)) >> 1)
        doorkeeperAdditions = 0
    }

    /// The doorkeeper's three bit positions for an item, by double hashing
    /// over the whole filter. (A blocked filter, all three bits in one cache
    /// line, was tried: it lost about half a point of hit ratio on OLTP at
    /// 250 entries, where the filter has only 32 blocks.)
    @inline(__always)
    private func doorkeeperBits(_ spread: UInt64) -> (UInt64, UInt64, UInt64) {
        let mixed = spread &* 0x9E37_79B9_7F4A_7C15
        let first = mixed >> 32
        let step = (mixed & 0xFFFF_FFFF) | 1
        return (first & doorkeeperMask, (first &+ step) & doorkeeperMask, (first &+ 2 &* step) & doorkeeperMask)
    }

    private func doorkeeperContains(_ spread: UInt64) -> Bool {
        let (a, b, c) = doorkeeperBits(spread)
        return doorkeeper.withUnsafeBufferPointer { bits in
            Self.test(bits, a) && Self.test(bits, b) && Self.test(bits, c)
        }
    }

    /// Sets the item's bits; returns whether all of them were set already.
    private mutating func doorkeeperInsert(_ spread: UInt64) -> Bool {
        let (a, b, c) = doorkeeperBits(spread)
        return doorkeeper.withUnsafeMutableBufferPointer { bits in
            let present =
                Self.test(UnsafeBufferPointer(bits), a) && Self.test(UnsafeBufferPointer(bits), b)
                && Self.test(UnsafeBufferPointer(bits), c)
            if !present {
                bits[Int(a >> 6)] |= 1 << (a & 63)
                bits[Int(b >> 6)] |= 1 << (b & 63)
                bits[Int(c >> 6)] |= 1 << (c & 63)
            }
            return present
        }
    }

    @inline(__always)
    private static func test(_ bits: UnsafeBufferPointer<UInt64>, _ bit: UInt64) -> Bool {
        bits[Int(bit >> 6)] & (1 << (bit & 63)) != 0
    }

    /// MurmurHash3's 64-bit finaliser: defends against poor hash values (the
    /// trace simulator hands in block numbers as they are).
    @inline(__always)
    static func spread(_ hash: UInt64) -> UInt64 {
        var x = hash
        x ^= x >> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x &*= 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 33
        return x
    }

    /// Caffeine's second round, which picks the counter inside each row.
    @inline(__always)
    private static func rehash(_ hash: UInt32) -> UInt32 {
        var x = hash &* 0x3184_8BAB
        x ^= x >> 14
        return x
    }

    static func ceilingPowerOfTwo(_ value: Int) -> Int {
        value <= 1 ? 1 : 1 << (Int.bitWidth - (value - 1).leadingZeroBitCount)
    }
}
