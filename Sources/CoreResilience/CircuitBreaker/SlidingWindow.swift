/// The outcomes a circuit breaker computes its rates over: either the last N
/// calls (a ring of outcomes) or the calls of the last N seconds (a ring of
/// one-second buckets). Both keep running totals, so recording a call and
/// reading the rates are O(1) (time-based: amortised, each bucket is reset at
/// most once per second the clock moves).
///
/// A value type that lives inside the breaker's `Mutex`; its storage is
/// allocated once, so recording never allocates.
struct BreakerSlidingWindow {
    /// Calls, failures, slow calls and slow failures.
    struct Totals: Hashable {
        var calls = 0
        var failures = 0
        var slowCalls = 0
        var slowFailures = 0

        mutating func add(_ other: Totals) {
            calls &+= other.calls
            failures &+= other.failures
            slowCalls &+= other.slowCalls
            slowFailures &+= other.slowFailures
        }

        mutating func subtract(_ other: Totals) {
            calls &-= other.calls
            failures &-= other.failures
            slowCalls &-= other.slowCalls
            slowFailures &-= other.slowFailures
        }

        mutating func add(failure: Bool, slow: Bool) {
            calls &+= 1
            if failure { failures &+= 1 }
            if slow {
                slowCalls &+= 1
                if failure { slowFailures &+= 1 }
            }
        }
    }

    private static let failureBit: UInt8 = 1
    private static let slowBit: UInt8 = 2

    // Written by every recording, so first (next to the lock word).
    private var head = 0
    private(set) var totals = Totals()
    private var filled = 0
    // Count-based: the ring of outcomes (bit 0 failure, bit 1 slow).
    private var outcomes: [UInt8]

    let isTimeBased: Bool
    /// Calls (count-based) or seconds (time-based).
    let size: Int

    // Time-based: the ring of per-second buckets, indexed by second modulo size.
    private var buckets: [Totals]
    /// The newest second the buckets cover; `nil` until the first call.
    private var latestSecond: Int64?

    init(countBased size: Int) {
        isTimeBased = false
        self.size = max(size, 1)
        outcomes = [UInt8](repeating: 0, count: self.size)
        buckets = []
    }

    init(timeBased seconds: Int) {
        isTimeBased = true
        size = max(seconds, 1)
        outcomes = []
        buckets = [Totals](repeating: Totals(), count: size)
    }

    init(_ window: CircuitBreakerConfiguration.SlidingWindow) {
        if window.isTimeBased {
            self.init(timeBased: window.size)
        } else {
            self.init(countBased: window.size)
        }
    }

    /// Records one call. `second` (whole seconds of the clock) is read only by a
    /// time-based window.
    mutating func record(failure: Bool, slow: Bool, second: Int64) {
        if isTimeBased {
            recordTimed(failure: failure, slow: slow, second: second)
        } else {
            recordCounted(failure: failure, slow: slow)
        }
    }

    /// The totals as of `second`: a time-based window first drops the buckets
    /// that have left it.
    mutating func totals(asOf second: Int64) -> Totals {
        if isTimeBased { advance(to: second) }
        return totals
    }

    /// Forgets every call.
    mutating func reset() {
        totals = Totals()
        if isTimeBased {
            for index in buckets.indices { buckets[index] = Totals() }
            latestSecond = nil
        } else {
            for index in outcomes.indices { outcomes[index] = 0 }
            head = 0
            filled = 0
        }
    }

    private mutating func recordCounted(failure: Bool, slow: Bool) {
        if filled == size {
            let evicted = outcomes[head]
            totals.calls &-= 1
            if evicted & Self.failureBit != 0 { totals.failures &-= 1 }
            if evicted & Self.slowBit != 0 {
                totals.slowCalls &-= 1
                if evicted & Self.failureBit != 0 { totals.slowFailures &-= 1 }
            }
        } else {
            filled &+= 1
        }
        let outcome = (failure ? Self.failureBit : 0) | (slow ? Self.slowBit : 0)
        // Writing only a changed slot keeps the ring's memory clean (and its
        // cache line shared between cores) while successes replace successes.
        if outcomes[head] != outcome { outcomes[head] = outcome }
        totals.add(failure: failure, slow: slow)
        head &+= 1
        if head == size { head = 0 }
    }

    private mutating func recordTimed(failure: Bool, slow: Bool, second: Int64) {
        advance(to: second)
        guard let latestSecond, second > latestSecond &- Int64(size) else {
            return  // read before calls that are already recorded, and out of the window by now
        }
        buckets[index(of: second)].add(failure: failure, slow: slow)
        totals.add(failure: failure, slow: slow)
    }

    /// Moves the window so that its newest second is `second`, clearing the
    /// buckets of the seconds it passes (at most `size` of them).
    private mutating func advance(to second: Int64) {
        guard let latest = latestSecond else {
            latestSecond = second
            return
        }
        guard second > latest else { return }
        let steps = min(second &- latest, Int64(size))
        var current = second &- steps
        while current < second {
            current &+= 1
            let index = index(of: current)
            totals.subtract(buckets[index])
            buckets[index] = Totals()
        }
        latestSecond = second
    }

    private func index(of second: Int64) -> Int {
        let remainder = Int(second % Int64(size))
        return remainder < 0 ? remainder + size : remainder
    }
}
