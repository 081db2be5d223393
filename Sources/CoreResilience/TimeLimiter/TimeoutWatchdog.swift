import CoreProtocols
import Synchronization

/// Cancels operations whose deadline passed: one sleeping task for all the
/// pending calls of a ``TimeLimiter``, instead of one timer per call.
///
/// Deadlines must be registered in non-decreasing order (true for one
/// limiter: one timeout, a monotonic clock), so a FIFO queue is enough and a
/// new registration never needs to wake the sleeping watchdog early. Tickets
/// are consecutive, so a ticket is also its entry's position in the queue: no
/// hashing per call. The watchdog task runs only while something is pending.
final class TimeoutWatchdog: Sendable {
    private struct Entry {
        var deadline: WhaleInstant
        /// The call's task; `nil` once the call completed or was cancelled.
        var task: (any CancellableTask)?
    }

    private struct State {
        /// Registered calls in ticket order; `queue[i]` has ticket `firstTicket + i`
        /// and `head` is the first that may still be running.
        var queue: [Entry] = []
        var firstTicket: UInt64 = 0
        var head = 0
        var watching = false

        var nextTicket: UInt64 { firstTicket + UInt64(queue.count) }

        /// Drops finished calls from the front of the queue.
        mutating func dropFinished() {
            while head < queue.count, queue[head].task == nil { head += 1 }
            if head == queue.count {
                firstTicket += UInt64(queue.count)
                queue.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 64, head * 2 > queue.count {
                firstTicket += UInt64(head)
                queue.removeFirst(head)
                head = 0
            }
        }

        /// Takes the task of `ticket` out of the queue, if it is still there.
        mutating func take(_ ticket: UInt64) -> (any CancellableTask)? {
            guard ticket >= firstTicket, ticket < nextTicket else { return nil }
            let index = Int(ticket - firstTicket)
            defer { queue[index].task = nil }
            return queue[index].task
        }
    }

    private let clock: any WhaleClock
    private let state = Mutex(State())

    init(clock: any WhaleClock) {
        self.clock = clock
    }

    /// Registers a call; `task` is cancelled once if `deadline` passes before
    /// ``complete(_:)``. Returns the call's ticket.
    func register(deadline: WhaleInstant, task: some CancellableTask) -> UInt64 {
        let (ticket, startWatching) = state.locked { state in
            state.dropFinished()
            let ticket = state.nextTicket
            state.queue.append(Entry(deadline: deadline, task: task))
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
        state.locked { $0.take(ticket) == nil }
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
            let expired: [any CancellableTask] = state.locked { state in
                var expired: [any CancellableTask] = []
                while state.head < state.queue.count, state.queue[state.head].deadline <= now {
                    if let task = state.queue[state.head].task {
                        expired.append(task)
                        state.queue[state.head].task = nil
                    }
                    state.head += 1
                }
                return expired
            }
            for task in expired { task.cancel() }
        }
    }
}

/// A task the watchdog can cancel; stored as an existential, a `Task` handle
/// (one reference) needs no allocation, unlike a closure capturing it.
protocol CancellableTask: Sendable {
    func cancel()
}

extension Task: CancellableTask {}
