/// The eviction and expiry policy of ``MemoryCache``, single-threaded: Caffeine's
/// `BoundedLocalCache` policy (W-TinyLFU with an adaptive window) over an arena
/// of nodes addressed by index.
///
/// New entries enter a small LRU *window*; what leaves the window becomes a
/// *candidate* in the *probation* segment of the main area, a segmented LRU of
/// probation and *protected* (80 % of the main area). When the cache is over its
/// budget, the candidate meets the probation segment's LRU *victim* and the one
/// with the lower ``FrequencySketch`` estimate goes (TinyLFU admission), so a
/// scan of one-hit wonders cannot flush a frequently used set. A hit in
/// probation promotes the entry to protected; protected overflow is demoted
/// back to probation. The window's share of the budget is tuned by hill
/// climbing (Caffeine's climber): the hit rate is sampled every
/// `10 × capacity` requests and the window moves by a step in the direction
/// that last improved it, reversing when the hit rate drops; the step decays
/// by 2 % a sample and restarts at full size when the hit rate changes by 5
/// points or more. The full step is 3 % of the capacity where Caffeine takes
/// 6.25 %: in ``CacheSimulator`` runs over the ARC traces (mean of eight hash
/// seeds) the smaller step overshoots less and gains 0.5–1.5 points on OLTP
/// and P6.
///
/// Expiry is a hierarchical timer wheel (``WTinyLFUPolicy`` `+TimerWheel`),
/// Caffeine's `TimerWheel`: O(1) to schedule, and each advance touches only the
/// buckets whose time has come.
///
/// The same code serves ``MemoryCache`` (behind its policy lock) and
/// ``CacheSimulator`` (one thread, counting entries). Node 0…2 are the
/// sentinels of the three access-order queues and the next 165 those of the
/// timer wheel's buckets; a node reference is `generation << 32 | index`, so a
/// stale reference to a freed and reused node is recognised.
struct WTinyLFUPolicy: Sendable {
    /// Which queue a node is in.
    enum Queue: UInt8, Sendable {
        case free
        case window
        case probation
        case protected
        case sentinel
    }

    /// What the policy does beyond LRU.
    enum Kind: Sendable {
        /// W-TinyLFU with hill climbing of the window.
        case adaptive
        /// Plain LRU: the window is the whole cache, nothing is admitted or climbed.
        case lru
    }

    /// One entry's place in the policy.
    struct Node: Sendable {
        var prev: Int32 = -1
        var next: Int32 = -1
        var timerPrev: Int32 = -1
        var timerNext: Int32 = -1
        var generation: UInt32 = 1
        var queue: Queue = .free
        /// The entry's weight (the weigher's result; 1 when counting entries).
        var weight = 0
        /// Nanoseconds since the epoch after which the entry is expired; `.max` for never.
        var expiresAt: Int64 = .max
        var hash: UInt64 = 0
    }

    /// An entry the policy has dropped: the caller removes it from its table.
    struct Victim: Sendable {
        var index: Int32
        var reference: UInt64
        var hash: UInt64
        var cause: MemoryCacheRemovalCause
        var frequency: Int
    }

    // Caffeine's constants (BoundedLocalCache), but for the step (see above).
    static let percentMain = 0.99
    static let percentMainProtected = 0.80
    static let hillClimberRestartThreshold = 0.05
    static let hillClimberStepPercent = 0.03
    /// Requests per hill-climber sample, per entry of capacity.
    static let hillClimberSampleMultiple = 10
    static let hillClimberStepDecayRate = 0.98
    static let queueTransferThreshold = 1_000
    static let admitHashDoSThreshold = 6

    static let windowHead: Int32 = 0
    static let probationHead: Int32 = 1
    static let protectedHead: Int32 = 2
    static let firstTimerSentinel: Int32 = 3
    /// Sentinels: three queues and the timer wheel's buckets.
    static let reservedNodes = Int(firstTimerSentinel) + TimerWheelLayout.bucketCount
    /// The most nodes the arena can address.
    static let maximumNodes = Int(Int32.max)

    var nodes: [Node]
    private var freeList: [Int32] = []
    let kind: Kind
    /// Whether the queues are sized by weight (a weight bound) or by entry count.
    private(set) var weighted: Bool
    /// The bound in policy units (weight or entries); `nil` for unbounded.
    private(set) var maximum: Int?
    /// A second bound on the number of entries when ``weighted``.
    private(set) var entriesCap: Int?
    private(set) var count = 0
    private(set) var weightedSize = 0
    private(set) var windowSize = 0
    private(set) var protectedSize = 0
    private(set) var windowMaximum = 0
    private(set) var protectedMaximum = 0
    private(set) var sketch: FrequencySketch

    // The hill climber.
    private var warmedUp = false
    private var hitsInSample = 0
    private var missesInSample = 0
    private var previousSampleHitRate = 0.0
    private var stepSize = 0.0
    private var adjustment = 0

    // The timer wheel (WTinyLFUPolicy+TimerWheel.swift).
    /// The time the wheel was last advanced to (nanoseconds since the epoch).
    var wheelTime: Int64
    /// Nodes scheduled on the wheel.
    var timerCount = 0

    /// xorshift state for the hash-flooding defence of ``admit(candidate:victim:)``.
    private var random: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// Creates an empty policy.
    /// - Parameters:
    ///   - kind: W-TinyLFU or plain LRU.
    ///   - maximum: the bound in policy units; `nil` for unbounded.
    ///   - weighted: whether the bound and the queues are in weight (else entries).
    ///   - entriesCap: a bound on the number of entries besides a weight bound.
    ///   - now: the timer wheel's start, in nanoseconds since the epoch.
    ///   - usesDoorkeeper: whether the sketch has a doorkeeper. Default: yes.
    init(kind: Kind, maximum: Int?, weighted: Bool, entriesCap: Int? = nil, now: Int64, usesDoorkeeper: Bool = true) {
        self.kind = kind
        self.weighted = weighted
        self.entriesCap = weighted ? entriesCap : nil
        self.wheelTime = now
        self.sketch = FrequencySketch(usesDoorkeeper: usesDoorkeeper)
        var nodes = [Node](repeating: Node(), count: Self.reservedNodes)
        for index in 0..<Self.reservedNodes {
            let sentinel = Int32(index)
            nodes[index].queue = .sentinel
            if sentinel < Self.firstTimerSentinel {
                nodes[index].prev = sentinel
                nodes[index].next = sentinel
            } else {
                nodes[index].timerPrev = sentinel
                nodes[index].timerNext = sentinel
            }
        }
        self.nodes = nodes
        if let maximum {
            setMaximum(maximum)
        }
        if kind == .adaptive {
            sketch.ensureCapacity(min(sketchLimit, 1_024))
        }
    }

    // MARK: - References

    @inline(__always)
    static func reference(index: Int32, generation: UInt32) -> UInt64 {
        UInt64(generation) << 32 | UInt64(UInt32(bitPattern: index))
    }

    /// The node `reference` names, when it is still live.
    @inline(__always)
    func liveIndex(_ reference: UInt64) -> Int32? {
        let index = Int(truncatingIfNeeded: reference & 0xFFFF_FFFF)
        guard index >= Self.reservedNodes, index < nodes.count else { return nil }
        let node = nodes[index]
        guard node.generation == UInt32(truncatingIfNeeded: reference >> 32) else { return nil }
        switch node.queue {
        case .window, .probation, .protected: return Int32(index)
        case .free, .sentinel: return nil
        }
    }

    /// Whether another node can be allocated.
    var canAdd: Bool { !freeList.isEmpty || nodes.count < Self.maximumNodes }

    /// The policy size the bound applies to: weight or entries.
    var policySize: Int { weighted ? weightedSize : count }

    @inline(__always)
    func policyWeight(_ index: Int32) -> Int {
        weighted ? nodes[Int(index)].weight : 1
    }

    /// The share of the bound given to the window (0 when unbounded).
    var windowFraction: Double {
        guard let maximum, maximum > 0 else { return 0 }
        return Double(windowMaximum) / Double(maximum)
    }

    /// Whether the policy is over one of its bounds.
    var isOverBudget: Bool {
        if let maximum, policySize > maximum { return true }
        if let entriesCap, count > entriesCap { return true }
        return false
    }

    // MARK: - Entries

    /// Adds an entry to the window and returns its reference. The caller
    /// checks ``canAdd`` first.
    mutating func add(hash: UInt64, weight: Int, expiresAt: Int64) -> UInt64 {
        let index: Int32
        if let reused = freeList.popLast() {
            index = reused
        } else {
            index = Int32(truncatingIfNeeded: nodes.count)
            nodes.append(Node())
        }
        let slot = Int(index)
        nodes[slot].queue = .window
        nodes[slot].weight = weight
        nodes[slot].expiresAt = expiresAt
        nodes[slot].hash = hash
        link(index, before: Self.windowHead)
        count += 1
        weightedSize += weight
        windowSize += policyWeight(index)
        if expiresAt != .max {
            schedule(index)
        }
        if kind == .adaptive {
            if count > sketch.capacity && sketch.capacity < sketchLimit {
                sketch.ensureCapacity(min(FrequencySketch.ceilingPowerOfTwo(count), sketchLimit))
            }
            sketch.increment(hash)
        }
        if let maximum, !warmedUp, policySize >= maximum / 2 {
            warmedUp = true
        }
        missesInSample += 1
        return Self.reference(index: index, generation: nodes[slot].generation)
    }

    /// Records a new weight and expiry for a live entry whose value was
    /// replaced, and counts the write as an access (Caffeine's `UpdateTask`).
    mutating func update(_ reference: UInt64, weight: Int, expiresAt: Int64) {
        guard let index = liveIndex(reference) else { return }
        let slot = Int(index)
        let oldPolicyWeight = policyWeight(index)
        weightedSize += weight - nodes[slot].weight
        nodes[slot].weight = weight
        let difference = policyWeight(index) - oldPolicyWeight
        switch nodes[slot].queue {
        case .window: windowSize += difference
        case .protected: protectedSize += difference
        default: break
        }
        if nodes[slot].expiresAt != expiresAt {
            unschedule(index)
            nodes[slot].expiresAt = expiresAt
            if expiresAt != .max { schedule(index) }
        }
        onAccess(index)
    }

    /// Records a read of a live entry (from the read buffer); a stale reference
    /// is ignored. Returns whether the read taught the frequency sketch
    /// anything (see ``onAccess(_:)``).
    @discardableResult
    mutating func recordAccess(_ reference: UInt64) -> Bool {
        guard let index = liveIndex(reference) else { return false }
        return onAccess(index)
    }

    /// Removes a live entry at the caller's request; returns its frequency.
    @discardableResult
    mutating func remove(_ reference: UInt64) -> Int? {
        guard let index = liveIndex(reference) else { return nil }
        let frequency = self.frequency(nodes[Int(index)].hash)
        removeNode(index)
        return frequency
    }

    /// Frees every node (``MemoryCache/removeAll()``); the sketch and the
    /// climber keep what they learnt.
    mutating func removeAll() {
        for index in Self.reservedNodes..<nodes.count where nodes[index].queue != .free {
            removeNode(Int32(index))
        }
    }

    /// The sketch's estimate for `hash`, 0…16.
    func frequency(_ hash: UInt64) -> Int {
        sketch.frequency(hash)
    }

    /// Every live node's reference (for consistency checks in tests).
    var liveReferences: [UInt64] {
        nodes.indices.compactMap { index in
            switch nodes[index].queue {
            case .window, .probation, .protected:
                Self.reference(index: Int32(index), generation: nodes[index].generation)
            case .free, .sentinel:
                nil
            }
        }
    }

    /// What is inconsistent between the queues, the sizes and the wheel (for
    /// tests); empty when all is well.
    var consistencyProblems: [String] {
        var problems: [String] = []
        var total = 0
        var weight = 0
        for (head, queue) in [
            (Self.windowHead, Queue.window), (Self.probationHead, .probation), (Self.protectedHead, .protected),
        ] {
            var size = 0
            var index = nodes[Int(head)].next
            var steps = 0
            while index != head && steps <= nodes.count {
                if nodes[Int(index)].queue != queue {
                    problems.append("node \(index) in the \(queue) queue is tagged \(nodes[Int(index)].queue)")
                }
                if nodes[Int(nodes[Int(index)].next)].prev != index { problems.append("node \(index): broken links") }
                size += policyWeight(index)
                weight += nodes[Int(index)].weight
                total += 1
                steps += 1
                index = nodes[Int(index)].next
            }
            if queue == .window && size != windowSize {
                problems.append("window size \(windowSize), queue holds \(size)")
            }
            if queue == .protected && size != protectedSize {
                problems.append("protected size \(protectedSize), queue holds \(size)")
            }
        }
        if total != count { problems.append("count \(count), queues hold \(total)") }
        if weight != weightedSize { problems.append("weighted size \(weightedSize), queues hold \(weight)") }
        let scheduled = nodes[Self.reservedNodes...].filter { $0.queue != .free && $0.expiresAt != .max }.count
        if scheduled != timerCount { problems.append("timer count \(timerCount), \(scheduled) entries have deadlines") }
        return problems
    }

    // MARK: - Bounds

    /// The sketch's largest useful size: the entry bound, if any.
    private var sketchLimit: Int {
        let limit = weighted ? entriesCap : maximum
        return min(limit ?? FrequencySketch.maximumCapacity, FrequencySketch.maximumCapacity)
    }

    /// Sets the bound (in policy units). The first bound sizes the window at
    /// 1 % and protected at 80 % of the main area, as Caffeine does; a later
    /// one keeps the shares the climber has reached.
    mutating func setMaximum(_ newMaximum: Int) {
        let newMaximum = max(newMaximum, 0)
        if kind == .lru {
            maximum = newMaximum
            windowMaximum = newMaximum
            protectedMaximum = 0
            return
        }
        if let old = maximum, old > 0 {
            let scale = Double(newMaximum) / Double(old)
            let window = min(newMaximum, Int((Double(windowMaximum) * scale).rounded()))
            windowMaximum = window
            protectedMaximum = min(newMaximum - window, Int((Double(protectedMaximum) * scale).rounded()))
            stepSize *= scale
            adjustment = Int(Double(adjustment) * scale)
        } else {
            let window = newMaximum - Int(Self.percentMain * Double(newMaximum))
            windowMaximum = window
            protectedMaximum = Int(Self.percentMainProtected * Double(newMaximum - window))
            stepSize = -Self.hillClimberStepPercent * Double(newMaximum)
            adjustment = 0
            hitsInSample = 0
            missesInSample = 0
        }
        maximum = newMaximum
    }

    /// Switches the queues from counting entries to weight (a weight bound set
    /// at run time on a cache bounded by entries); the entry bound stays as a
    /// second bound. The caller sets the weight bound next.
    mutating func switchToWeighted() {
        guard !weighted else { return }
        entriesCap = maximum
        weighted = true
        windowSize = sum(of: Self.windowHead)
        protectedSize = sum(of: Self.protectedHead)
        maximum = nil
    }

    private func sum(of head: Int32) -> Int {
        var total = 0
        var index = nodes[Int(head)].next
        while index != head {
            total += nodes[Int(index)].weight
            index = nodes[Int(index)].next
        }
        return total
    }

    // MARK: - Access order

    @inline(__always)
    private mutating func link(_ index: Int32, before head: Int32) {
        let last = nodes[Int(head)].prev
        nodes[Int(index)].prev = last
        nodes[Int(index)].next = head
        nodes[Int(last)].next = index
        nodes[Int(head)].prev = index
    }

    @inline(__always)
    private mutating func unlink(_ index: Int32) {
        let prev = nodes[Int(index)].prev
        let next = nodes[Int(index)].next
        nodes[Int(prev)].next = next
        nodes[Int(next)].prev = prev
    }

    @inline(__always)
    private mutating func moveToTail(_ index: Int32, of head: Int32) {
        unlink(index)
        link(index, before: head)
    }

    /// The least recently used node of a queue.
    @inline(__always)
    private func first(_ head: Int32) -> Int32? {
        let next = nodes[Int(head)].next
        return next == head ? nil : next
    }

    /// The most recently used node of a queue.
    @inline(__always)
    private func last(_ head: Int32) -> Int32? {
        let prev = nodes[Int(head)].prev
        return prev == head ? nil : prev
    }

    /// The previous node in access order, `nil` at the start of its queue.
    @inline(__always)
    private func previous(_ index: Int32) -> Int32? {
        let prev = nodes[Int(index)].prev
        return prev < Self.firstTimerSentinel ? nil : prev
    }

    /// The next node in access order, `nil` at the end of its queue.
    @inline(__always)
    private func next(_ index: Int32) -> Int32? {
        let next = nodes[Int(index)].next
        return next < Self.firstTimerSentinel ? nil : next
    }

    /// Returns whether the access changed the entry's frequency estimate,
    /// which is what admission decides by (always `true` under LRU, where
    /// recency is all there is): an entry whose counters are saturated is
    /// kept against any candidate, wherever it sits in the queues.
    @discardableResult
    private mutating func onAccess(_ index: Int32) -> Bool {
        let informative = kind == .adaptive ? sketch.increment(nodes[Int(index)].hash) : true
        switch nodes[Int(index)].queue {
        case .window:
            moveToTail(index, of: Self.windowHead)
        case .probation:
            reorderProbation(index)
        case .protected:
            moveToTail(index, of: Self.protectedHead)
        case .free, .sentinel:
            return false
        }
        hitsInSample += 1
        return informative
    }

    /// A hit in probation promotes the entry to protected (overflow is demoted
    /// in ``climb()``).
    private mutating func reorderProbation(_ index: Int32) {
        let weight = policyWeight(index)
        if weight > protectedMaximum {
            moveToTail(index, of: Self.probationHead)
            return
        }
        protectedSize += weight
        unlink(index)
        link(index, before: Self.protectedHead)
        nodes[Int(index)].queue = .protected
    }

    /// Unlinks a node from its queue and the wheel, updates the sizes and frees it.
    private mutating func removeNode(_ index: Int32) {
        let slot = Int(index)
        let weight = policyWeight(index)
        switch nodes[slot].queue {
        case .window: windowSize -= weight
        case .protected: protectedSize -= weight
        default: break
        }
        unlink(index)
        unschedule(index)
        count -= 1
        weightedSize -= nodes[slot].weight
        nodes[slot].queue = .free
        nodes[slot].prev = -1
        nodes[slot].next = -1
        nodes[slot].generation &+= 1
        if nodes[slot].generation == 0 { nodes[slot].generation = 1 }
        freeList.append(index)
    }

    /// Removes a node for `cause` and reports it in `victims`.
    mutating func drop(_ index: Int32, cause: MemoryCacheRemovalCause, into victims: inout [Victim]) {
        let node = nodes[Int(index)]
        victims.append(
            Victim(
                index: index,
                reference: Self.reference(index: index, generation: node.generation),
                hash: node.hash,
                cause: cause,
                frequency: kind == .adaptive ? sketch.frequency(node.hash) : 0
            )
        )
        removeNode(index)
    }

    // MARK: - Eviction (Caffeine's evictEntries)

    /// Evicts until the policy is within its bounds, reporting each victim.
    mutating func evict(into victims: inout [Victim]) {
        guard maximum != nil || entriesCap != nil else { return }
        let candidates = evictFromWindow()
        evictFromMain(candidates: candidates, into: &victims)
    }

    /// Moves the window's overflow to the MRU end of probation; returns how
    /// many nodes moved (the candidates).
    private mutating func evictFromWindow() -> Int {
        var candidates = 0
        var node = first(Self.windowHead)
        while windowSize > windowMaximum, let index = node {
            let next = self.next(index)
            let weight = policyWeight(index)
            if weight != 0 {
                unlink(index)
                link(index, before: Self.probationHead)
                nodes[Int(index)].queue = .probation
                candidates += 1
                windowSize -= weight
            }
            node = next
        }
        return candidates
    }

    /// While over budget, a candidate (one of those just moved from the window,
    /// newest first, then the window's own) meets the victim (the probation
    /// LRU); the less frequent goes. Caffeine's `evictFromMain`.
    private mutating func evictFromMain(candidates: Int, into victims: inout [Victim]) {
        var candidates = candidates
        var victimQueue = Queue.probation
        var victim = first(Self.probationHead)
        var candidate = last(Self.probationHead)
        while isOverBudget {
            // Search the window for more candidates.
            if candidates == 0 {
                candidate = last(Self.windowHead)
            }
            // Then evict from protected, then from the window.
            if candidate == nil && victim == nil {
                if victimQueue == .probation {
                    victim = first(Self.protectedHead)
                    victimQueue = .protected
                    continue
                } else if victimQueue == .protected {
                    victim = first(Self.windowHead)
                    victimQueue = .window
                    continue
                }
                break
            }
            guard let victimIndex = victim else {
                // Only a candidate: evict it.
                if let candidateIndex = candidate {
                    candidate = previous(candidateIndex)
                    candidates -= 1
                    drop(candidateIndex, cause: .evicted, into: &victims)
                }
                continue
            }
            guard let candidateIndex = candidate else {
                victim = next(victimIndex)
                drop(victimIndex, cause: .evicted, into: &victims)
                continue
            }
            if let maximum, policyWeight(candidateIndex) > maximum {
                candidate = candidates > 0 ? previous(candidateIndex) : next(candidateIndex)
                candidates -= 1
                drop(candidateIndex, cause: .evicted, into: &victims)
                continue
            }
            candidates -= 1
            if admit(candidate: candidateIndex, victim: victimIndex) {
                victim = next(victimIndex)
                drop(victimIndex, cause: .evicted, into: &victims)
                candidate = previous(candidateIndex)
            } else {
                candidate = candidates > 0 ? previous(candidateIndex) : next(candidateIndex)
                drop(candidateIndex, cause: .evicted, into: &victims)
            }
        }
    }

    /// TinyLFU admission: the candidate enters when it is more frequent than
    /// the victim. A warm candidate is also admitted at random (1 in 128), so an
    /// attacker cannot keep a hot victim in place by flooding with collisions.
    private mutating func admit(candidate: Int32, victim: Int32) -> Bool {
        if kind == .lru { return true }
        let victimFrequency = sketch.frequency(nodes[Int(victim)].hash)
        let candidateFrequency = sketch.frequency(nodes[Int(candidate)].hash)
        if candidateFrequency > victimFrequency {
            return true
        } else if candidateFrequency >= Self.admitHashDoSThreshold {
            random ^= random << 13
            random ^= random >> 7
            random ^= random << 17
            return random & 127 == 0
        }
        return false
    }

    // MARK: - Hill climbing (Caffeine's climb)

    /// Adapts the window's size to the workload and demotes protected overflow.
    mutating func climb() {
        guard kind == .adaptive, let maximum else { return }
        determineAdjustment(maximum: maximum)
        demoteFromMainProtected()
        if adjustment > 0 {
            increaseWindow()
        } else if adjustment < 0 {
            decreaseWindow()
        }
    }

    private mutating func determineAdjustment(maximum: Int) {
        if !warmedUp {
            previousSampleHitRate = 0
            missesInSample = 0
            hitsInSample = 0
            return
        }
        let requestCount = hitsInSample + missesInSample
        if requestCount < Self.hillClimberSampleMultiple * max(sketch.capacity, 1) { return }
        let hitRate = Double(hitsInSample) / Double(requestCount)
        let hitRateChange = hitRate - previousSampleHitRate
        let amount = hitRateChange >= 0 ? stepSize : -stepSize
        let nextStepSize =
            abs(hitRateChange) >= Self.hillClimberRestartThreshold
            ? Self.hillClimberStepPercent * Double(maximum) * (amount >= 0 ? 1 : -1)
            : Self.hillClimberStepDecayRate * amount
        previousSampleHitRate = hitRate
        adjustment = Int(amount)
        stepSize = nextStepSize
        missesInSample = 0
        hitsInSample = 0
    }

    private mutating func increaseWindow() {
        if protectedMaximum == 0 { return }
        var quota = min(adjustment, protectedMaximum)
        protectedMaximum -= quota
        windowMaximum += quota
        demoteFromMainProtected()
        for _ in 0..<Self.queueTransferThreshold {
            var candidate = first(Self.probationHead)
            var fromProbation = true
            if let index = candidate, quota < policyWeight(index) {
                candidate = nil
            }
            if candidate == nil {
                candidate = first(Self.protectedHead)
                fromProbation = false
            }
            guard let index = candidate else { break }
            let weight = policyWeight(index)
            if quota < weight { break }
            quota -= weight
            if !fromProbation {
                protectedSize -= weight
            }
            unlink(index)
            windowSize += weight
            link(index, before: Self.windowHead)
            nodes[Int(index)].queue = .window
        }
        protectedMaximum += quota
        windowMaximum -= quota
        adjustment = quota
    }

    private mutating func decreaseWindow() {
        if windowMaximum <= 1 { return }
        var quota = min(-adjustment, max(0, windowMaximum - 1))
        protectedMaximum += quota
        windowMaximum -= quota
        for _ in 0..<Self.queueTransferThreshold {
            guard let index = first(Self.windowHead) else { break }
            let weight = policyWeight(index)
            if quota < weight { break }
            quota -= weight
            windowSize -= weight
            unlink(index)
            link(index, before: Self.probationHead)
            nodes[Int(index)].queue = .probation
        }
        protectedMaximum -= quota
        windowMaximum += quota
        adjustment = -quota
    }

    private mutating func demoteFromMainProtected() {
        if protectedSize <= protectedMaximum { return }
        for _ in 0..<Self.queueTransferThreshold {
            if protectedSize <= protectedMaximum { break }
            guard let index = first(Self.protectedHead) else { break }
            unlink(index)
            link(index, before: Self.probationHead)
            nodes[Int(index)].queue = .probation
            protectedSize -= policyWeight(index)
        }
    }
}
