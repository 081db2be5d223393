import CoreProtocols

/// A binary min-heap: the scheduler's queue of pending fires.
struct MinHeap<Element: Comparable> {
    private(set) var elements: [Element] = []

    var isEmpty: Bool { elements.isEmpty }
    var count: Int { elements.count }
    var min: Element? { elements.first }

    mutating func insert(_ element: Element) {
        elements.append(element)
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard elements[child] < elements[parent] else { break }
            elements.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popMin() -> Element? {
        guard !elements.isEmpty else { return nil }
        elements.swapAt(0, elements.count - 1)
        let result = elements.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < elements.count, elements[left] < elements[smallest] { smallest = left }
            if right < elements.count, elements[right] < elements[smallest] { smallest = right }
            guard smallest != parent else { break }
            elements.swapAt(parent, smallest)
            parent = smallest
        }
        return result
    }

    mutating func removeAll(where predicate: (Element) -> Bool) {
        let kept = elements.filter { !predicate($0) }
        guard kept.count != elements.count else { return }
        elements = []
        for element in kept { insert(element) }
    }
}

/// One pending fire in the scheduler's queue.
struct FireEntry: Comparable {
    /// When to dispatch: the scheduled time plus jitter, or a deferral's recheck time.
    var time: WhaleInstant
    var priority: Int
    var sequence: UInt64
    var jobID: String
    var generation: UInt64
    /// The time the schedule named.
    var scheduledTime: WhaleInstant
    /// Set while load-aware deferral holds the fire back: when it was first due.
    var deferredSince: WhaleInstant?

    static func < (lhs: FireEntry, rhs: FireEntry) -> Bool {
        if lhs.time != rhs.time { return lhs.time < rhs.time }
        if lhs.priority != rhs.priority { return lhs.priority > rhs.priority }
        return lhs.sequence < rhs.sequence
    }

    static func == (lhs: FireEntry, rhs: FireEntry) -> Bool { lhs.sequence == rhs.sequence }
}

/// SplitMix64 (Steele, Lea and Flood): a small, fast, seedable generator for
/// reproducible randomness — the scheduler's jitter under
/// ``SchedulerOptions/jitterSeed``, and tests. Not for secrets.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The state; any value is a valid seed.
    public var state: UInt64

    /// A generator seeded with `seed`.
    public init(state seed: UInt64) { self.state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
