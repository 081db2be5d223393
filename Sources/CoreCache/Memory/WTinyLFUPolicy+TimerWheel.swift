/// The shape of the policy's hierarchical timer wheel: Caffeine's `TimerWheel`.
///
/// Five levels of buckets, each level a coarser clock: 64 buckets of 2³⁰ ns
/// (1.07 s), 64 of 2³⁶ ns (1.14 min), 32 of 2⁴² ns (1.22 h), 4 of 2⁴⁷ ns
/// (1.63 d) and one overflow bucket. An entry goes to the finest level whose
/// span covers its remaining time; when a level's clock ticks, its due buckets
/// are emptied, the expired entries removed and the rest rescheduled on finer
/// levels. So an expired entry is swept at the first maintenance after the
/// 1.07 s bucket that holds its deadline has passed, and a sweep touches only
/// due buckets, never the whole cache.
enum TimerWheelLayout {
    static let buckets = [64, 64, 32, 4, 1]
    static let spans: [Int64] = [1 << 30, 1 << 36, 1 << 42, 1 << 47, 1 << 49, 1 << 49]
    static let shifts: [Int64] = [30, 36, 42, 47, 49]
    static let offsets = [0, 64, 128, 160, 164]
    static let bucketCount = 165
}

extension WTinyLFUPolicy {
    /// The sentinel of bucket `bucket` on level `level`.
    @inline(__always)
    private func sentinel(level: Int, bucket: Int) -> Int32 {
        Self.firstTimerSentinel + Int32(TimerWheelLayout.offsets[level] + bucket)
    }

    /// The bucket for a deadline, relative to the wheel's time.
    private func findBucket(_ deadline: Int64) -> Int32 {
        var time = deadline
        let duration = max(0, deadline &- wheelTime)
        if duration == 0 { time = wheelTime }
        for level in 0..<4 where duration < TimerWheelLayout.spans[level + 1] {
            let ticks = time >> TimerWheelLayout.shifts[level]
            let bucket = Int(ticks & Int64(TimerWheelLayout.buckets[level] - 1))
            return sentinel(level: level, bucket: bucket)
        }
        return sentinel(level: 4, bucket: 0)
    }

    /// Puts a node with a deadline on the wheel.
    mutating func schedule(_ index: Int32) {
        let head = findBucket(nodes[Int(index)].expiresAt)
        let last = nodes[Int(head)].timerPrev
        nodes[Int(index)].timerPrev = last
        nodes[Int(index)].timerNext = head
        nodes[Int(last)].timerNext = index
        nodes[Int(head)].timerPrev = index
        timerCount += 1
    }

    /// Takes a node off the wheel, if it is on it.
    mutating func unschedule(_ index: Int32) {
        let next = nodes[Int(index)].timerNext
        guard next >= 0 else { return }
        let prev = nodes[Int(index)].timerPrev
        nodes[Int(prev)].timerNext = next
        nodes[Int(next)].timerPrev = prev
        nodes[Int(index)].timerPrev = -1
        nodes[Int(index)].timerNext = -1
        timerCount -= 1
    }

    /// Moves the wheel to `now` (nanoseconds since the epoch) and drops the
    /// entries whose deadline is at or before it, with cause `.expired`.
    mutating func expire(now: Int64, into victims: inout [Victim]) {
        let previous = wheelTime
        guard now > previous else { return }
        wheelTime = now
        if timerCount == 0 { return }
        for level in 0..<TimerWheelLayout.shifts.count {
            let shift = TimerWheelLayout.shifts[level]
            let previousTicks = previous >> shift
            let delta = (now >> shift) - previousTicks
            if delta <= 0 { break }
            expire(level: level, previousTicks: previousTicks, delta: delta, into: &victims)
        }
    }

    private mutating func expire(level: Int, previousTicks: Int64, delta: Int64, into victims: inout [Victim]) {
        let bucketCount = TimerWheelLayout.buckets[level]
        let mask = bucketCount - 1
        let steps = Int(min(1 + delta, Int64(bucketCount)))
        let start = Int(previousTicks & Int64(mask))
        for step in start..<(start + steps) {
            let head = sentinel(level: level, bucket: step & mask)
            var index = nodes[Int(head)].timerNext
            nodes[Int(head)].timerNext = head
            nodes[Int(head)].timerPrev = head
            while index != head {
                let next = nodes[Int(index)].timerNext
                nodes[Int(index)].timerPrev = -1
                nodes[Int(index)].timerNext = -1
                timerCount -= 1
                if nodes[Int(index)].expiresAt > wheelTime {
                    schedule(index)
                } else {
                    drop(index, cause: .expired, into: &victims)
                }
                index = next
            }
        }
    }

    /// How many scheduled entries have a deadline at or before `now` and are
    /// not swept yet: a dry run of ``expire(now:into:)`` over the due buckets,
    /// plus the current 1.07 s bucket.
    func countExpired(now: Int64) -> Int {
        if timerCount == 0 { return 0 }
        var expired = 0
        for level in 0..<TimerWheelLayout.shifts.count {
            let shift = TimerWheelLayout.shifts[level]
            let previousTicks = wheelTime >> shift
            let delta = max(0, (now >> shift) - previousTicks)
            if delta == 0 && level > 0 { break }
            let bucketCount = TimerWheelLayout.buckets[level]
            let mask = bucketCount - 1
            let steps = Int(min(1 + delta, Int64(bucketCount)))
            let start = Int(previousTicks & Int64(mask))
            for step in start..<(start + steps) {
                let head = sentinel(level: level, bucket: step & mask)
                var index = nodes[Int(head)].timerNext
                while index != head {
                    if nodes[Int(index)].expiresAt <= now { expired += 1 }
                    index = nodes[Int(index)].timerNext
                }
            }
            if delta == 0 { break }
        }
        return expired
    }
}
