public import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where ``MemoryCache/get(_:)`` records its hits: Caffeine's striped, lossy
/// read buffer, with one producer per stripe at a time.
///
/// Each thread reads through one stripe, chosen by a per-thread probe that
/// moves to another stripe when two threads collide. A reader *owns* its
/// stripe while it is inside the cache: it claims the stripe's `owner` word
/// with one compare-and-exchange (which doubles as its announcement to
/// writers; see ``MemoryCacheShards``) and releases it with a plain store.
/// While it owns the stripe it is the stripe's only producer, so it records
/// the node's reference in the stripe's ring of 16 slots, and counts hits and
/// misses, with plain (relaxed and releasing) stores and no further
/// read-modify-write: one atomic exchange per lookup in all. When the ring is
/// full the access is dropped, never waited for; a reader that finds its
/// stripe owned by another thread reads under the shard's lock, counts the
/// access on the stripe's shared counters and drops it from the policy (the
/// lossy buffer's rule). The holder of the policy lock is the one consumer:
/// it drains every stripe into the policy.
///
/// The stripes are one block of atomic words, 256 bytes a stripe (owner and
/// producer counters, consumer counter and slots on separate cache lines), so
/// a reader touches no reference count. `@unchecked Sendable`: every access
/// to the block is atomic, and the pointer never changes until the owning
/// cache releases it in `deinit`.
@usableFromInline
struct MemoryCacheReadBuffer: @unchecked Sendable {
    /// Slots per stripe.
    @usableFromInline static var capacity: Int { 16 }
    /// Words per stripe: `tail`, `dropped`, `misses`, `skips`, `owner`,
    /// `contendedHits`, `contendedMisses` (line 0), `head` (line 1), the slots
    /// (lines 2 and 3).
    @usableFromInline static var stride: Int { 32 }
    /// Accesses recorded on the stripe so far (the owner's producer index).
    @usableFromInline static var tailWord: Int { 0 }
    /// Hits the owner dropped because the ring was full.
    @usableFromInline static var droppedWord: Int { 1 }
    /// Misses counted by owners.
    @usableFromInline static var missesWord: Int { 2 }
    /// Full-stripe events left before the stripe's reader tries to drain again.
    @usableFromInline static var skipsWord: Int { 3 }
    /// 1 while a reader owns the stripe (is inside
    /// ``MemoryCacheShards/read(_:owning:_:)``), else 0.
    @usableFromInline static var ownerWord: Int { 4 }
    /// Hits and misses of readers that found the stripe owned (atomic adds).
    @usableFromInline static var contendedHitsWord: Int { 5 }
    @usableFromInline static var contendedMissesWord: Int { 6 }
    /// How many full-stripe events a reader lets pass after a drain it could
    /// not run (its time budget was spent, or the policy lock was taken).
    static let skipsAfterRefusal = 16
    @usableFromInline static var headWord: Int { 8 }
    @usableFromInline static var firstSlotWord: Int { 16 }

    @usableFromInline let words: UnsafeMutablePointer<Atomic<Int>>
    @usableFromInline let mask: Int
    /// ``MemoryCacheThreadProbe``'s pthread key, copied here so that a
    /// lookup reads a field instead of checking the lazily created global.
    @usableFromInline let probeKey: MemoryCacheThreadProbe.Key
    let stripeCount: Int

    /// Allocates four stripes per processor (a power of two, 4…64).
    init() {
        let processors = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        stripeCount = min(64, FrequencySketch.ceilingPowerOfTwo(max(4, 4 * processors)))
        mask = stripeCount - 1
        probeKey = MemoryCacheThreadProbe.key
        let count = stripeCount * Self.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Atomic<Int>>.stride, alignment: 128)
        words = raw.bindMemory(to: Atomic<Int>.self, capacity: count)
        for index in 0..<count {
            (words + index).initialize(to: Atomic(0))
        }
    }

    /// Frees the stripes; the owner calls it once, in its `deinit`.
    func deallocate() {
        words.deinitialize(count: stripeCount * Self.stride)
        UnsafeMutableRawPointer(words).deallocate()
    }

    /// The calling thread's stripe (its first word).
    @inlinable @inline(__always)
    func callersStripe() -> UnsafeMutablePointer<Atomic<Int>> {
        words + (MemoryCacheThreadProbe.current(probeKey) & mask) * Self.stride
    }

    /// Claims `stripe` for the calling thread; `false` when another thread
    /// owns it. Sequentially consistent: the claim is the reader's
    /// announcement, ordered before its check for a writer.
    @inlinable @inline(__always)
    static func claim(_ stripe: UnsafeMutablePointer<Atomic<Int>>) -> Bool {
        stripe[ownerWord].compareExchange(expected: 0, desired: 1, ordering: .sequentiallyConsistent).exchanged
    }

    /// Releases a stripe ``claim(_:)`` gave the caller.
    @inlinable @inline(__always)
    static func release(_ stripe: UnsafeMutablePointer<Atomic<Int>>) {
        stripe[ownerWord].store(0, ordering: .releasing)
    }

    /// Records a hit on the node `reference` in a stripe the caller owns;
    /// returns `true` when the stripe is full and the caller should try to
    /// drain it. While a stripe stays full, new accesses are dropped
    /// (Caffeine's lossy buffer); after a refused drain the stripe's reader
    /// lets ``skipsAfterRefusal`` full-stripe events pass before trying again.
    ///
    /// The single-producer ring: the slot is written before `tail` is
    /// published (releasing), and overwritten only once the consumer's `head`
    /// (acquired) has passed it.
    @inlinable @inline(__always)
    static func record(_ reference: UInt64, onOwned stripe: UnsafeMutablePointer<Atomic<Int>>) -> Bool {
        let tail = stripe[tailWord].load(ordering: .relaxed)
        let head = stripe[headWord].load(ordering: .acquiring)
        if tail &- head < capacity {
            stripe[firstSlotWord + (tail & (capacity - 1))].store(Int(bitPattern: UInt(reference)), ordering: .relaxed)
            stripe[tailWord].store(tail &+ 1, ordering: .releasing)
            return false
        }
        return full(stripe)
    }

    /// A full ring: counts the dropped access and says whether to drain.
    @usableFromInline
    static func full(_ stripe: UnsafeMutablePointer<Atomic<Int>>) -> Bool {
        stripe[droppedWord].store(stripe[droppedWord].load(ordering: .relaxed) &+ 1, ordering: .relaxed)
        let skips = stripe[skipsWord].load(ordering: .relaxed)
        if skips > 0 {
            stripe[skipsWord].store(skips &- 1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Counts a miss on a stripe the caller owns.
    @inlinable @inline(__always)
    static func recordMiss(onOwned stripe: UnsafeMutablePointer<Atomic<Int>>) {
        stripe[missesWord].store(stripe[missesWord].load(ordering: .relaxed) &+ 1, ordering: .relaxed)
    }

    /// Counts the access of a reader that found the caller's stripe owned by
    /// another thread (not recorded for the policy), and moves the caller to
    /// another stripe.
    @usableFromInline
    func recordContended(hit: Bool) {
        let stripe = callersStripe()
        stripe[hit ? Self.contendedHitsWord : Self.contendedMissesWord].wrappingAdd(1, ordering: .relaxed)
        MemoryCacheThreadProbe.advance(probeKey)
    }

    /// ``record(_:onOwned:)`` on the caller's stripe, claimed and released
    /// around it; `false` (nothing recorded) when another thread owns it.
    func record(_ reference: UInt64) -> Bool {
        let stripe = callersStripe()
        guard Self.claim(stripe) else { return false }
        defer { Self.release(stripe) }
        return Self.record(reference, onOwned: stripe)
    }

    /// ``recordMiss(onOwned:)`` on the caller's stripe, claimed and released
    /// around it (a contended miss when another thread owns it).
    func recordMiss() {
        let stripe = callersStripe()
        guard Self.claim(stripe) else { return recordContended(hit: false) }
        Self.recordMiss(onOwned: stripe)
        Self.release(stripe)
    }

    /// Returns once no stripe is owned (the writer's wait in
    /// ``MemoryCacheShards/write(_:readers:_:)``). Readers own a stripe for a
    /// lookup only, so this spins, yielding the processor after a while in
    /// case a reader was preempted inside.
    func waitUntilNoReaders() {
        for index in 0..<stripeCount {
            let owner = words + index * Self.stride + Self.ownerWord
            var spins = 0
            while owner.pointee.load(ordering: .sequentiallyConsistent) != 0 {
                spins += 1
                if spins >= 64 {
                    sched_yield()
                    spins = 0
                }
            }
        }
    }

    /// Hands the buffered references to `body` (the caller holds the policy
    /// lock): each stripe's published slots in order, or only the calling
    /// thread's stripe's (what a reader drains, so that it touches no other
    /// thread's stripe).
    func drain(callersStripeOnly: Bool = false, _ body: (UInt64) -> Void) {
        if callersStripeOnly {
            return Self.drain(words + (MemoryCacheThreadProbe.current(probeKey) & mask) * Self.stride, body)
        }
        for index in 0..<stripeCount {
            Self.drain(words + index * Self.stride, body)
        }
    }

    private static func drain(_ stripe: UnsafeMutablePointer<Atomic<Int>>, _ body: (UInt64) -> Void) {
        var head = stripe[headWord].load(ordering: .relaxed)
        let tail = stripe[tailWord].load(ordering: .acquiring)
        if head == tail { return }
        while head != tail {
            let reference = stripe[firstSlotWord + (head & (capacity - 1))].load(ordering: .relaxed)
            body(UInt64(UInt(bitPattern: reference)))
            head &+= 1
        }
        stripe[headWord].store(head, ordering: .releasing)
    }

    /// Makes the calling thread's reader let the next
    /// ``skipsAfterRefusal`` full-stripe events pass.
    func refuseCallersDrain() {
        let stripe = words + (MemoryCacheThreadProbe.current(probeKey) & mask) * Self.stride
        stripe[Self.skipsWord].store(Self.skipsAfterRefusal, ordering: .relaxed)
    }

    /// Hits (recorded or dropped) and misses so far.
    var statistics: (hits: Int, misses: Int) {
        var hits = 0
        var misses = 0
        for index in 0..<stripeCount {
            let stripe = words + index * Self.stride
            hits &+= stripe[Self.tailWord].load(ordering: .relaxed) &+ stripe[Self.droppedWord].load(ordering: .relaxed)
                &+ stripe[Self.contendedHitsWord].load(ordering: .relaxed)
            misses &+= stripe[Self.missesWord].load(ordering: .relaxed)
                &+ stripe[Self.contendedMissesWord].load(ordering: .relaxed)
        }
        return (hits, misses)
    }
}

/// A per-thread number that picks the thread's read-buffer stripe (Caffeine's
/// thread probe), kept in a pthread key so reading it neither allocates nor
/// locks.
///
/// New threads take consecutive multiples of the golden-ratio constant (as
/// `ThreadLocalRandom` seeds its probes), so the first threads land on
/// different stripes for certain instead of colliding by chance; a thread
/// that still meets another on a stripe moves on with ``advance(_:)``.
@usableFromInline
enum MemoryCacheThreadProbe {
    /// A pthread key as a bit pattern (the Glibc type stays out of the
    /// inlinable code), or `nil` when none could be created.
    @usableFromInline typealias Key = UInt64?

    /// The key holding each thread's probe.
    static let key: Key = {
        var key = pthread_key_t()
        return pthread_key_create(&key, nil) == 0 ? UInt64(key) : nil
    }()
    /// The next new thread's probe.
    private static let nextProbe = Atomic<UInt>(0)
    private static let gamma: UInt = 0x9E37_79B9_7F4A_7C15

    /// This thread's probe. Stored shifted left with the low bit set, since
    /// a pthread key cannot hold 0.
    @usableFromInline
    static func current(_ key: Key) -> Int {
        guard let key = pthreadKey(key) else { return threadHash() }
        if let stored = pthread_getspecific(key) {
            return Int(bitPattern: UInt(bitPattern: Int(bitPattern: stored)) >> 1)
        }
        let probe = nextProbe.wrappingAdd(gamma, ordering: .relaxed).oldValue
        store(probe, key)
        return Int(bitPattern: probe & (UInt.max >> 1))
    }

    /// Moves this thread to another stripe after a collision.
    @usableFromInline
    static func advance(_ key: Key) {
        guard let pthreadKey = pthreadKey(key) else { return }
        var probe = UInt(bitPattern: current(key))
        probe ^= probe << 13
        probe ^= probe >> 7
        probe ^= probe << 17
        store(probe, pthreadKey)
    }

    /// The pthread key a ``Key`` stands for.
    private static func pthreadKey(_ key: Key) -> pthread_key_t? {
        key.map { pthread_key_t(truncatingIfNeeded: $0) }
    }

    private static func store(_ probe: UInt, _ key: pthread_key_t) {
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: probe << 1 | 1))
    }

    private static func threadHash() -> Int {
        #if canImport(Darwin)
        let thread = UInt(bitPattern: pthread_self())
        #else
        let thread = UInt(pthread_self())
        #endif
        return Int(truncatingIfNeeded: FrequencySketch.spread(UInt64(thread)))
    }
}
