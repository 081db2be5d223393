import CoreProtocols
import Synchronization

/// Cancels operations whose deadline passed: one sleeping task for all the
/// pending calls of a ``TimeLimiter``, instead of one timer per call.
///
/// Deadlines must be registered in non-decreasing order (true for one
/// limiter: one timeout, a monotonic clock), so a FIFO queue is enough and a
/// new registration never needs to wake the sleeping watchdog early. The
/// watchdog task runs only while something is pending.
final class TimeoutWatchdog: Sendable {
    private struct Entry {
        var id: UInt64
        var deadline: WhaleInstant
    }

    private struct State {
        var nextID: UInt64 = 0
        /// Registered deadlines in order; `head` is the first still queued.
        var queue: [Entry] = []
        var head = 0
        /// Cancel actions of the calls still running, by ticket.
        var pending: [UInt64: @Sendable () -> Void] = [:]
        var watching = false

        /// Drops finished calls from the front of the queue.
        mutating func dropFinished() {
            while head < queue.count, pending[queue[head].id] == nil { head += 1 }
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 64, head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
        }
    }

    private let clock: any WhaleClock
    private let state = Mutex(State())

    init(clock: any WhaleClock) {
        self.clock = clock
    }

    /// Registers a call; `cancel` runs once if `deadline` passes before
    /// ``complete(_:)``. Returns the call's ticket.
    func register(deadline: WhaleInstant, cancel: @escaping @Sendable () -> Void) -> UInt64 {
        let (ticket, startWatching) = state.locked { state in
            let ticket = state.nextID
            state.nextID &+= 1
            state.dropFinished()
            state.queue.append(Entry(id: ticket, deadline: deadline))
            state.pending[ticket] = cancel
            defer { state.watching = true }
            return (ticket, !state.watching)
        }
        if startWatching {
            Task { await self.watch() }
        }
        return ticket
    }

    /// Ends a call; returns whether its deadline had already fired.
    func complete(_ ticket: UInt64) -> Bool {
        state.locked { $0.pending.removeValue(forKey: ticket) == nil }
    }

    private func watch() async {
        while true {
            let next: WhaleInstant? = state.locked { state in
                state.dropFinished()
                guard state.head < state.queue.count else {
                    state.watching = false
                    return nil
                }
                return state.queue[state.head].deadline
            }
            guard let next else { return }
            try? await clock.sleep(until: next, tolerance: nil)
            let now = clock.now
            let expired: [@Sendable () -> Void] = state.locked { state in
                var expired: [@Sendable () -> Void] = []
                while state.head < state.queue.count, state.queue[state.head].deadline <= now {
                    if let cancel = state.pending.removeValue(forKey: state.queue[state.head].id) {
                        expired.append(cancel)
                    }
                    state.head += 1
                }
                return expired
            }
            for cancel in expired { cancel() }
        }
    }
}
