public import CoreProtocols
import Synchronization

/// A ``CoreProtocols/WhaleClock`` that moves only when a test tells it to.
///
/// Sleepers wake, in deadline order, when ``advance(by:)`` or ``advance(to:)``
/// passes their deadline; a cancelled sleeper throws `CancellationError` at
/// once. ``waitForSleepers(count:)`` lets a test wait until the code under
/// test has gone to sleep, so no test needs a real `sleep`.
///
/// ```swift
/// let clock = ManualClock()
/// let task = Task { try await clock.sleep(for: .seconds(30)) }
/// await clock.waitForSleepers(count: 1)
/// clock.advance(by: .seconds(30))   // task finishes
/// ```
public final class ManualClock: WhaleClock {
    public typealias Duration = Swift.Duration

    private struct Sleeper {
        var deadline: WhaleInstant
        var continuation: CheckedContinuation<Void, any Error>?
    }

    private struct State {
        var now: WhaleInstant
        var nextID = 0
        var sleepers: [Int: Sleeper] = [:]
        var sleeperWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state: Mutex<State>

    /// Creates a clock at `start`. Default: 2026-01-01T00:00:00Z.
    public init(start: WhaleInstant = WhaleInstant(secondsSinceEpoch: 1_767_225_600)) {
        self.state = Mutex(State(now: start))
    }

    public var now: WhaleInstant { state.locked { $0.now } }

    public var minimumResolution: Duration { .nanoseconds(1) }

    /// How many tasks are sleeping on this clock now.
    public var sleeperCount: Int { state.locked { $0.sleepers.count } }

    public func sleep(until deadline: WhaleInstant, tolerance: Duration? = nil) async throws {
        let id = state.locked { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: Result<Void, any Error>? = state.locked { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let resume {
                    continuation.resume(with: resume)
                } else {
                    notifySleeperWaiters()
                }
            }
        } onCancel: {
            let continuation = state.locked { $0.sleepers.removeValue(forKey: id)?.continuation }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward by `duration` and wakes every sleeper whose
    /// deadline has been reached, earliest first.
    public func advance(by duration: Duration) {
        let target = state.locked { $0.now.advanced(by: duration) }
        advance(to: target)
    }

    /// Moves the clock to `instant` (never backwards) and wakes every sleeper
    /// whose deadline has been reached, earliest first.
    public func advance(to instant: WhaleInstant) {
        let due = state.locked { state -> [CheckedContinuation<Void, any Error>] in
            if instant > state.now { state.now = instant }
            let ready = state.sleepers.filter { $0.value.deadline <= state.now }
                .sorted { ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key) }
            for (id, _) in ready { state.sleepers[id] = nil }
            return ready.compactMap(\.value.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    /// Returns once at least `count` tasks are sleeping on this clock.
    public func waitForSleepers(count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.locked { state -> Bool in
                if state.sleepers.count >= count { return true }
                state.sleeperWaiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private func notifySleeperWaiters() {
        let ready = state.locked { state -> [CheckedContinuation<Void, Never>] in
            let count = state.sleepers.count
            let ready = state.sleeperWaiters.filter { $0.count <= count }.map(\.continuation)
            state.sleeperWaiters.removeAll { $0.count <= count }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }
}
