import CoreProtocols

/// A message handed to a handler, with the assignment it belongs to.
struct ConsumerTicket: Sendable {
    var message: InboundMessage
    /// The partition's assignment epoch when the message was fetched; a
    /// result for an older epoch (the partition was revoked meanwhile) is
    /// ignored.
    var epoch: UInt64
}

/// The bookkeeping of one subscription, without locks or threads: which
/// partitions it holds, the messages waiting for a handler, those being
/// handled, and the offsets that may be committed.
///
/// The polling thread adds messages and applies rebalances; the dispatcher
/// takes messages out and reports results. Offsets advance only over a gap-free
/// run of handled messages, so a message that was not handled is never
/// committed over (at-least-once).
struct ConsumerBook {
    /// The most messages handed out and not finished.
    let maxInFlight: Int
    /// At most one message per partition handed out.
    let preservesPartitionOrder: Bool
    /// Pause fetching at this many waiting messages.
    let capacity: Int

    enum Phase: Equatable {
        case running
        /// Stopping: nothing more is handed out; running handlers finish.
        case draining
    }

    private(set) var phase = Phase.running
    private(set) var partitions: [Int32: PartitionProgress] = [:]
    /// Assigned partitions in assignment order, for round-robin hand-out.
    private var order: [Int32] = []
    private var cursor = 0
    private var nextEpoch: UInt64 = 1
    /// Messages waiting for a handler, over all partitions.
    private(set) var waiting = 0
    /// Messages handed out and not finished.
    private(set) var inFlight = 0

    init(maxInFlight: Int, preservesPartitionOrder: Bool, capacity: Int) {
        self.maxInFlight = max(1, maxInFlight)
        self.preservesPartitionOrder = preservesPartitionOrder
        self.capacity = max(1, capacity)
    }

    /// One assigned partition. A class so the book changes its queues in
    /// place; it never leaves the book (which lives behind a lock).
    final class PartitionProgress {
        let epoch: UInt64
        /// Fetched, not handed out, in offset order.
        var waiting = ConsumerFIFO<InboundMessage>()
        /// Handed out and not yet committed over, in offset order.
        var started = ConsumerFIFO<Started>()
        var running = 0
        var revoking = false
        /// The next offset to store (one past the last handled message of a
        /// gap-free run) when it changed since the last store.
        var pendingStore: Int64?

        struct Started {
            var offset: Int64
            var done: Bool
        }

        init(epoch: UInt64) { self.epoch = epoch }
    }

    /// The partitions held now, in ascending order.
    var assigned: [Int32] { partitions.keys.sorted() }

    /// Whether fetching should pause: the buffer is full.
    var isFull: Bool { waiting >= capacity }

    /// Whether paused fetching may resume: at most half of the buffer waits.
    var hasRoom: Bool { waiting <= capacity / 2 }

    /// Whether a message could be handed out now.
    var hasRunnable: Bool {
        guard phase == .running, inFlight < maxInFlight, waiting > 0 else { return false }
        return order.contains { partitions[$0].map { isRunnable($0) } ?? false }
    }

    // MARK: - Polling thread

    /// Starts tracking newly assigned partitions, each from a fresh epoch.
    mutating func assign(_ assigned: [Int32]) {
        for partition in assigned {
            if let old = partitions[partition] { waiting -= old.waiting.count }
            partitions[partition] = PartitionProgress(epoch: nextEpoch)
            nextEpoch += 1
            if !order.contains(partition) { order.append(partition) }
        }
    }

    /// Marks partitions as leaving: their waiting messages are dropped (the
    /// next owner fetches them again) and nothing more of them is handed out.
    /// - Returns: how many of their messages are still being handled, and how
    ///   many waiting ones were dropped.
    mutating func beginRevoke(_ revoked: [Int32]) -> (running: Int, dropped: Int) {
        var running = 0
        var dropped = 0
        for partition in revoked {
            guard let progress = partitions[partition] else { continue }
            progress.revoking = true
            dropped += progress.waiting.count
            waiting -= progress.waiting.count
            progress.waiting.removeAll()
            running += progress.running
        }
        return (running, dropped)
    }

    /// How many messages of `revoked` are still being handled.
    func running(in revoked: [Int32]) -> Int {
        revoked.reduce(0) { $0 + (partitions[$1]?.running ?? 0) }
    }

    /// Forgets revoked partitions; late results for them are ignored.
    /// - Returns: the offsets still to store for them, to commit before they go.
    mutating func finishRevoke(_ revoked: [Int32]) -> [(partition: Int32, offset: Int64)] {
        var offsets: [(partition: Int32, offset: Int64)] = []
        for partition in revoked {
            guard let progress = partitions.removeValue(forKey: partition) else { continue }
            waiting -= progress.waiting.count
            if let offset = progress.pendingStore { offsets.append((partition, offset)) }
        }
        order.removeAll { partitions[$0] == nil }
        if cursor >= order.count { cursor = 0 }
        return offsets
    }

    /// Adds a fetched message.
    /// - Returns: `false` when it was dropped (stopping, or its partition is
    ///   not held or is leaving).
    mutating func add(_ message: InboundMessage) -> Bool {
        guard phase == .running, let progress = partitions[message.partition], !progress.revoking else { return false }
        progress.waiting.append(message)
        waiting += 1
        return true
    }

    /// Takes the offsets that changed since the last call.
    mutating func takePendingStores() -> [(partition: Int32, offset: Int64)] {
        var offsets: [(partition: Int32, offset: Int64)] = []
        for partition in order {
            guard let progress = partitions[partition], let offset = progress.pendingStore else { continue }
            progress.pendingStore = nil
            offsets.append((partition, offset))
        }
        return offsets
    }

    // MARK: - Dispatcher

    /// Hands out the next message: round robin over partitions, at most
    /// ``maxInFlight`` at once, one per partition when order is kept.
    mutating func next() -> ConsumerTicket? {
        guard phase == .running, inFlight < maxInFlight, waiting > 0, !order.isEmpty else { return nil }
        for step in 0..<order.count {
            let index = (cursor + step) % order.count
            let partition = order[index]
            guard let progress = partitions[partition], isRunnable(progress),
                let message = progress.waiting.popFirst()
            else { continue }
            progress.started.append(PartitionProgress.Started(offset: message.offset, done: false))
            progress.running += 1
            waiting -= 1
            inFlight += 1
            cursor = (index + 1) % order.count
            return ConsumerTicket(message: message, epoch: progress.epoch)
        }
        return nil
    }

    /// Reports a finished message.
    /// - Parameter handled: `true` when the handler succeeded or the message was
    ///   dead-lettered (its offset may be committed over); `false` when it was
    ///   given up (stopping or revoked), so it stays uncommitted.
    mutating func finish(_ ticket: ConsumerTicket, handled: Bool) {
        inFlight -= 1
        let partition = ticket.message.partition
        guard let progress = partitions[partition], progress.epoch == ticket.epoch else { return }
        progress.running -= 1
        if handled {
            let offset = ticket.message.offset
            let index = progress.started.partitionPoint { $0.offset < offset }
            if index < progress.started.count && progress.started[index].offset == offset {
                progress.started[index].done = true
            }
            while let first = progress.started.first, first.done {
                _ = progress.started.popFirst()
                progress.pendingStore = first.offset + 1
            }
        }
    }

    /// Whether work on `ticket` should go on (another attempt, a dead-letter
    /// write): the subscription runs and still holds the partition in the same
    /// epoch.
    func isCurrent(_ ticket: ConsumerTicket) -> Bool {
        guard phase == .running, let progress = partitions[ticket.message.partition] else { return false }
        return progress.epoch == ticket.epoch && !progress.revoking
    }

    // MARK: - Stopping

    /// Stops handing out messages and drops the waiting ones.
    /// - Returns: how many waiting messages were dropped.
    mutating func beginDrain() -> Int {
        phase = .draining
        let dropped = waiting
        for progress in partitions.values {
            progress.waiting.removeAll()
        }
        waiting = 0
        return dropped
    }

    private func isRunnable(_ progress: PartitionProgress) -> Bool {
        !progress.revoking && !progress.waiting.isEmpty && !(preservesPartitionOrder && progress.running > 0)
    }
}
