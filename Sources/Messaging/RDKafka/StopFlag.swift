import Synchronization

/// A one-way flag shared with a thread or queue: set once, read often.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    /// Whether it is set.
    var isSet: Bool { flag.load(ordering: .acquiring) }

    /// Sets it; returns `true` only for the call that set it.
    func set() -> Bool {
        !flag.exchange(true, ordering: .acquiringAndReleasing)
    }
}
