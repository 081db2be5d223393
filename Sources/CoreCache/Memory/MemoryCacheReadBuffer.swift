public import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where ``MemoryCache/get(_:)`` records its hits: Caffeine's striped, lossy
/// read buffer.
///
/// Each thread writes to one stripe, chosen by a per-thread probe that moves
/// to another stripe when two threads collide. A stripe is a ring of 16 slots,
/// many producers and one consumer (Caffeine's `BoundedBuffer`): a reader
/// claims a slot with one compare-and-exchange and publishes the node's
/// reference into it; when the ring is full or the exchange fails the access
/// is dropped, never waited for. The holder of the policy lock drains every
/// stripe into the policy. Each stripe also counts its hits (recorded plus
/// dropped) and misses, so statistics need no shared counter.
///
/// The stripes are one block of atomic words, 256 bytes a stripe (producer
/// counters, consumer counter and slots on separate cache lines), so a reader
/// touches no reference count. `@unchecked Sendable`: every access to the
/// block is atomic, and the pointer never changes until the owning cache
/// releases it in `deinit`.
@usableFromInline
struct MemoryCacheReadBuffer: @unchecked Sendable {
    /// Slots per stripe.
    @usableFromInline static var capacity: Int { 16 }
    /// Words per stripe: `tail`, `dropped`, `misses`, `skips`, `readers` (line 0),
    /// `head` (line 1), the slots (lines 2 and 3).
    @usableFromInline static var stride: Int { 32 }
    @usableFromInline static var tailWord: Int { 0 }
    @usableFromInline static var droppedWord: Int { 1 }
    @usableFromInline static var missesWord: Int { 2 }
    /// Full-stripe events left before the stripe's reader tries to drain again.
    @usableFromInline static var skipsWord: Int { 3 }
    /// Readers inside ``MemoryCacheShards/read(_:announcingOn:_:)`` on this stripe.
    @usableFromInline static var readersWord: Int { 4 }
    /// How many full-stripe events a reader lets pass after a drain it could
    /// not run (its time budget was spent, or the policy lock was taken).
    static let skipsAfterRefusal = 16
    @usableFromInline static var headWord: Int { 8 }
    @usableFromInline static var firstSlotWord: Int { 16 }

    @usableFromInline
    enum Offer {
        case success
        case full
        case failed
    }

    @usableFromInline let words: UnsafeMutablePointer<Atomic<Int>>
    @usableFromInline let mask: Int
    let stripeCount: Int

    /// Allocates four stripes per processor (a power of two, 4…64).
    init() {
        let processors = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        stripeCount = min(64, FrequencySketch.ceilingPowerOfTwo(max(4, 4 * processors)))
        mask = stripeCount - 1
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

    /// Records a hit on the node `reference`; returns `true` when the
    /// caller's stripe is full and the caller should try to drain it. While a
    /// stripe stays full, new accesses are dropped (Caffeine's lossy buffer);
    /// after a refused drain the stripe's reader lets
    /// ``skipsAfterRefusal`` full-stripe events pass before trying again.
    @inlinable
    func record(_ reference: UInt64) -> Bool {
        record(reference, on: callersStripe())
    }

    /// The calling thread's stripe (its first word).
    @inlinable @inline(__always)
    func callersStripe() -> UnsafeMutablePointer<Atomic<Int>> {
        words + (MemoryCacheThreadProbe.current() & mask) * Self.stride
    }

    /// ``record(_:)`` on a stripe the caller already looked up.
    @inlinable @inline(__always)
    func record(_ reference: UInt64, on stripe: UnsafeMutablePointer<Atomic<Int>>) -> Bool {
        switch Self.offer(Int(bitPattern: UInt(reference)), to: stripe) {
        case .success:
            return false
        case .full:
            let skips = stripe[Self.skipsWord].load(ordering: .relaxed)
            if skips > 0 {
                stripe[Self.skipsWord].store(skips &- 1, ordering: .relaxed)
                return false
            }
            return true
        case .failed:
            MemoryCacheThreadProbe.advance()
            return false
        }
    }

    /// Counts a miss.
    @inlinable
    func recordMiss() {
        recordMiss(on: callersStripe())
    }

    /// ``recordMiss()`` on a stripe the caller already looked up.
    @inlinable @inline(__always)
    func recordMiss(on stripe: UnsafeMutablePointer<Atomic<Int>>) {
        stripe[Self.missesWord].wrappingAdd(1, ordering: .relaxed)
    }

    /// Returns once no reader is announced on any stripe (the writer's wait
    /// in ``MemoryCacheShards/write(_:readers:_:)``). Readers stay inside for
    /// a lookup only, so this spins, yielding the processor after a while in
    /// case a reader was preempted inside.
    func waitUntilNoReaders() {
        for index in 0..<stripeCount {
            let readers = words + index * Self.stride + Self.readersWord
            var spins = 0
            while readers.pointee.load(ordering: .sequentiallyConsistent) != 0 {
                spins += 1
                if spins >= 64 {
                    sched_yield()
                    spins = 0
                }
            }
        }
    }

    /// Caffeine's `BoundedBuffer.offer`: claim a slot by advancing `tail`,
    /// then publish into it.
    @inlinable
    static func offer(_ reference: Int, to stripe: UnsafeMutablePointer<Atomic<Int>>) -> Offer {
        let head = stripe[headWord].load(ordering: .acquiring)
        let tail = stripe[tailWord].load(ordering: .relaxed)
        if tail &- head >= capacity {
            stripe[droppedWord].wrappingAdd(1, ordering: .relaxed)
            return .full
        }
        if stripe[tailWord].compareExchange(expected: tail, desired: tail &+ 1, ordering: .relaxed).exchanged {
            stripe[firstSlotWord + (tail & (capacity - 1))].store(reference, ordering: .releasing)
            return .success
        }
        stripe[droppedWord].wrappingAdd(1, ordering: .relaxed)
        return .failed
    }

    /// Hands every buffered reference to `body` (the caller holds the policy
    /// lock): each stripe's published slots in order, stopping at one claimed
    /// but not yet written.
    func drain(_ body: (UInt64) -> Void) {
        for index in 0..<stripeCount {
            Self.drain(words + index * Self.stride, body)
        }
    }

    /// Hands the calling thread's buffered references to `body`: what a reader
    /// drains, so that it touches no other thread's stripe.
    func drainCallersStripe(_ body: (UInt64) -> Void) {
        Self.drain(words + (MemoryCacheThreadProbe.current() & mask) * Self.stride, body)
    }

    private static func drain(_ stripe: UnsafeMutablePointer<Atomic<Int>>, _ body: (UInt64) -> Void) {
        var head = stripe[headWord].load(ordering: .relaxed)
        let tail = stripe[tailWord].load(ordering: .acquiring)
        if head == tail { return }
        while head != tail {
            let slot = stripe + firstSlotWord + (head & (capacity - 1))
            let reference = slot.pointee.load(ordering: .acquiring)
            if reference == 0 { break }
            slot.pointee.store(0, ordering: .relaxed)
            body(UInt64(UInt(bitPattern: reference)))
            head &+= 1
        }
        stripe[headWord].store(head, ordering: .releasing)
    }

    /// Makes the calling thread's reader let the next
    /// ``skipsAfterRefusal`` full-stripe events pass.
    func refuseCallersDrain() {
        let stripe = words + (MemoryCacheThreadProbe.current() & mask) * Self.stride
        stripe[Self.skipsWord].store(Self.skipsAfterRefusal, ordering: .relaxed)
    }

    /// Hits (recorded or dropped) and misses so far.
    var statistics: (hits: Int, misses: Int) {
        var hits = 0
        var misses = 0
        for index in 0..<stripeCount {
            let stripe = words + index * Self.stride
            hits &+= stripe[Self.tailWord].load(ordering: .relaxed) &+ stripe[Self.droppedWord].load(ordering: .relaxed)
            misses &+= stripe[Self.missesWord].load(ordering: .relaxed)
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
/// that still meets another on a stripe moves on with ``advance()``.
@usableFromInline
enum MemoryCacheThreadProbe {
    private static let key: pthread_key_t? = {
        var key = pthread_key_t()
        return pthread_key_create(&key, nil) == 0 ? key : nil
    }()
    /// The next new thread's probe.
    private static let nextProbe = Atomic<UInt>(0)
    private static let gamma: UInt = 0x9E37_79B9_7F4A_7C15

    /// This thread's probe. Stored shifted left with the low bit set, since
    /// a pthread key cannot hold 0.
    @usableFromInline
    static func current() -> Int {
        guard let key else { return threadHash() }
        if let stored = pthread_getspecific(key) {
            return Int(bitPattern: UInt(bitPattern: Int(bitPattern: stored)) >> 1)
        }
        let probe = nextProbe.wrappingAdd(gamma, ordering: .relaxed).oldValue
        store(probe, key)
        return Int(bitPattern: probe & (UInt.max >> 1))
    }

    /// Moves this thread to another stripe after a collision.
    @usableFromInline
    static func advance() {
        guard let key else { return }
        var probe = UInt(bitPattern: current())
        probe ^= probe << 13
        probe ^= probe >> 7
        probe ^= probe << 17
        store(probe, key)
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
