import CoreProtocols
import Synchronization

/// A message handed to a handler, with the assignment it belongs to.
struct ConsumerTicket: Sendable {
    var message: InboundMessage
    /// The partition's assignment epoch when the message was fetched; a
    /// result for an older epoch (the partition was revoked meanwhile) is
    /// ignored.
    var epoch: UInt64

    /// What reporting the result needs: the message's place, not the message.
    var receipt: ConsumerReceipt {
        ConsumerReceipt(partition: message.partition, offset: message.offset, epoch: epoch)
    }
}

/// A handed-out message's partition, offset and epoch: what ``ConsumerBook``
/// needs to book its result, without the message (whose copies cost
/// reference counting).
struct ConsumerReceipt: Sendable {
    var partition: Int32
    var offset: Int64
    var epoch: UInt64
}

/// Closes when a partition's messages must no longer be handled (it is being
/// revoked, or the subscription stops): what the dispatcher checks, without the
/// lock, between the messages of a run (``ConsumerBook/nextRun(limit:into:)``).
final class ConsumerGate: Sendable {
    private let closed = Atomic<Bool>(false)

    var isClosed: Bool { closed.load(ordering: .acquiring) }

    func close() { closed.store(true, ordering: .releasing) }
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
    /// Hand out the most urgent waiting message first (Smart Whale priority
    /// 1…5); `false` keeps fetch order.
    let priorityOrdering: Bool

    enum Phase: Equatable {
        case running
        /// Stopping: nothing more is handed out; running handlers finish.
        case draining
    }

    private(set) var phase = Phase.running
    private(set) var partitions: [Int32: PartitionProgress] = [:]
    /// The assigned partitions' progress in assignment order: what
    /// round-robin hand-out walks, without hashing.
    private var ring: [PartitionProgress] = []
    private var cursor = 0
    private var nextEpoch: UInt64 = 1
    /// Messages waiting for a handler, over all partitions.
    private(set) var waiting = 0
    /// Messages handed out and not finished.
    private(set) var inFlight = 0

    init(maxInFlight: Int, preservesPartitionOrder: Bool, capacity: Int, priorityOrdering: Bool = false) {
        self.maxInFlight = max(1, maxInFlight)
        self.preservesPartitionOrder = preservesPartitionOrder
        self.capacity = max(1, capacity)
        self.priorityOrdering = priorityOrdering
    }

    /// The number of priority levels: 5 (critical … background) with priority
    /// ordering, else 1.
    private var levels: Int { priorityOrdering ? Priority.validRange.count : 1 }

    /// One assigned partition. A class so the book changes its queues in
    /// place; it never leaves the book (which lives behind a lock).
    ///
    /// Its fields skip the run-time exclusivity checks (`@exclusivity(unchecked)`):
    /// the book's lock already makes every access exclusive, and the checks
    /// cost a call each, several per message handed out and finished.
    final class PartitionProgress {
        let partition: Int32
        let epoch: UInt64
        /// Closed once the partition's messages must not be handled any more.
        let gate = ConsumerGate()
        /// Fetched, not handed out, in offset order: one queue per priority
        /// level (index 0 most urgent), or a single one without priority
        /// ordering.
        @exclusivity(unchecked) var queues: [ConsumerFIFO<InboundMessage>]
        /// How many messages wait over all ``queues``.
        @exclusivity(unchecked) var waiting = 0
        /// Handed out and not yet committed over, in offset order.
        @exclusivity(unchecked) var started = ConsumerFIFO<Started>()
        @exclusivity(unchecked) var running = 0
        @exclusivity(unchecked) var revoking = false
        /// The next offset to store (one past the last handled message of a
        /// gap-free run) when it changed since the last store.
        @exclusivity(unchecked) var pendingStore: Int64?

        struct Started {
            var offset: Int64
            var done: Bool
        }

        init(partition: Int32, epoch: UInt64, levels: Int) {
            self.partition = partition
            self.epoch = epoch
            self.queues = Array(repeating: ConsumerFIFO(), count: levels)
        }

        /// The smallest offset still waiting (`Int64.max` when none waits);
        /// each queue is in offset order.
        var oldestWaitingOffset: Int64 {
            queues.reduce(Int64.max) { min($0, $1.first(\.offset) ?? Int64.max) }
        }

        /// The most urgent level with a waiting message.
        var firstWaitingLevel: Int? { queues.firstIndex { !$0.isEmpty } }

        /// Drops the waiting messages and closes the gate: nothing more of
        /// this partition (in this epoch) is handled.
        func stop() {
            gate.close()
            for index in queues.indices { queues[index].removeAll() }
            waiting = 0
        }
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
        return ring.contains { isRunnable($0) }
    }

    // MARK: - Polling thread

    /// Starts tracking newly assigned partitions, each from a fresh epoch.
    mutating func assign(_ assigned: [Int32]) {
        for partition in assigned {
            let progress = PartitionProgress(partition: partition, epoch: nextEpoch, levels: levels)
            nextEpoch += 1
            if let old = partitions.updateValue(progress, forKey: partition) {
                old.gate.close()
                waiting -= old.waiting
                if let index = ring.firstIndex(where: { $0 === old }) { ring[index] = progress }
            } else {
                ring.append(progress)
            }
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
            dropped += progress.waiting
            waiting -= progress.waiting
            progress.stop()
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
            waiting -= progress.waiting
            if let offset = progress.pendingStore { offsets.append((partition, offset)) }
        }
        ring.removeAll { partitions[$0.partition] !== $0 }
        if cursor >= ring.count { cursor = 0 }
        return offsets
    }

    /// Adds a fetched message.
    /// - Parameter priority: its priority, 1 (most urgent) … 5; read only with
    ///   priority ordering.
    /// - Returns: `false` when it was dropped (stopping, or its partition is
    ///   not held or is leaving).
    mutating func add(_ message: InboundMessage, priority: @autoclosure () -> Int = Priority.default.rawValue) -> Bool {
        var messages: [InboundMessage?] = [message]
        return add(&messages) { _ in priority() } == 0
    }

    /// Adds fetched messages in fetch order (``add(_:priority:)`` for each,
    /// looking a partition up once per run of its messages), moving them out
    /// of `messages` (optional so each can be taken without a copy), which is
    /// left empty with its capacity kept.
    /// - Returns: how many were dropped.
    mutating func add(_ messages: inout [InboundMessage?], priority: (InboundMessage) -> Int) -> Int {
        defer { messages.removeAll(keepingCapacity: true) }
        guard phase == .running else { return messages.count }
        var dropped = 0
        var current: (partition: Int32, progress: PartitionProgress?) = (-1, nil)
        for index in messages.indices {
            guard let message = messages[index].take() else { continue }
            if message.partition != current.partition {
                current = (message.partition, partitions[message.partition].flatMap { $0.revoking ? nil : $0 })
            }
            guard let progress = current.progress else {
                dropped += 1
                continue
            }
            let level = priorityOrdering ? min(max(priority(message), 1), levels) - 1 : 0
            progress.queues[level].append(message)
            progress.waiting += 1
            waiting += 1
        }
        return dropped
    }

    /// Takes the offsets that changed since the last call.
    mutating func takePendingStores() -> [(partition: Int32, offset: Int64)] {
        var offsets: [(partition: Int32, offset: Int64)] = []
        for progress in ring {
            guard let offset = progress.pendingStore else { continue }
            progress.pendingStore = nil
            offsets.append((progress.partition, offset))
        }
        return offsets
    }

    // MARK: - Dispatcher

    /// Hands out the next message: the most urgent level any runnable
    /// partition has waiting (the only level without priority ordering), round
    /// robin over partitions within it, at most ``maxInFlight`` at once, one
    /// per partition when order is kept.
    mutating func next() -> ConsumerTicket? {
        guard inFlight < maxInFlight, let (index, level) = nextPartition() else { return nil }
        cursor = (index + 1) % ring.count
        return handOut(from: ring[index], level: level)
    }

    /// Hands out up to `limit` waiting messages of one partition at once, in
    /// offset order, for a dispatcher that handles one message at a time
    /// (``maxInFlight`` 1): the run counts as in flight until each of its
    /// messages is finished, so nothing else is handed out meanwhile. Round
    /// robin over partitions, run by run. With priority ordering a run is one
    /// message, the most urgent (as ``next()``).
    /// - Returns: the partition's gate, which closes when the rest of the run
    ///   must not be handled (then finish it with `handled: false`); `nil`
    ///   when nothing is handed out.
    mutating func nextRun(limit: Int, into run: inout [ConsumerTicket?]) -> ConsumerGate? {
        let limit = priorityOrdering ? min(limit, 1) : limit
        guard inFlight == 0, limit > 0, let (index, level) = nextPartition() else { return nil }
        cursor = (index + 1) % ring.count
        let progress = ring[index]
        while run.count < limit, let ticket = handOut(from: progress, level: level) {
            run.append(ticket)
        }
        return progress.gate
    }

    /// The ring index and level of the partition to hand out from next: the
    /// most urgent level any runnable partition has waiting (the only level
    /// without priority ordering), the first runnable partition with it from
    /// the cursor on.
    private func nextPartition() -> (index: Int, level: Int)? {
        guard phase == .running, waiting > 0, !ring.isEmpty else { return nil }
        var level = priorityOrdering ? Int.max : 0
        if priorityOrdering {
            for progress in ring {
                guard isRunnable(progress), let first = progress.firstWaitingLevel else { continue }
                level = min(level, first)
            }
            guard level != Int.max else { return nil }
        }
        for step in 0..<ring.count {
            let index = (cursor + step) % ring.count
            let progress = ring[index]
            if isRunnable(progress) && !progress.queues[level].isEmpty { return (index, level) }
        }
        return nil
    }

    /// Takes the first message of `progress` at `level` and books it as started.
    private mutating func handOut(from progress: PartitionProgress, level: Int) -> ConsumerTicket? {
        guard !progress.revoking, let message = progress.queues[level].popFirst() else { return nil }
        // Priority ordering hands a partition's messages out of offset
        // order; `started` stays sorted so commits advance in order.
        let started = PartitionProgress.Started(offset: message.offset, done: false)
        if let last = progress.started.last, last.offset > message.offset {
            progress.started.insert(started, at: progress.started.partitionPoint { $0.offset < message.offset })
        } else {
            progress.started.append(started)
        }
        progress.running += 1
        progress.waiting -= 1
        waiting -= 1
        inFlight += 1
        return ConsumerTicket(message: message, epoch: progress.epoch)
    }

    /// Reports a finished message.
    /// - Parameter handled: `true` when the handler succeeded or the message was
    ///   dead-lettered (its offset may be committed over); `false` when it was
    ///   given up (stopping or revoked), so it stays uncommitted.
    mutating func finish(_ ticket: ConsumerTicket, handled: Bool) {
        finish(ticket.receipt, handled: handled)
    }

    /// ``finish(_:handled:)`` for the message of `receipt`.
    mutating func finish(_ receipt: ConsumerReceipt, handled: Bool) {
        inFlight -= 1
        guard let progress = progress(of: receipt), progress.epoch == receipt.epoch else { return }
        progress.running -= 1
        if handled {
            let offset = receipt.offset
            let index = progress.started.partitionPoint { $0.offset < offset }
            if index < progress.started.count && progress.started[index]?.offset == offset {
                progress.started[index]?.done = true
            }
            // A message still waiting (handed out later by priority) holds
            // the offset back too.
            let oldestWaiting = progress.oldestWaitingOffset
            while let first = progress.started.first, first.done, first.offset < oldestWaiting {
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
            progress.stop()
        }
        waiting = 0
        return dropped
    }

    /// The partition of `receipt`: the one of the latest hand-out when it
    /// matches (a run's results all do), else a lookup.
    private func progress(of receipt: ConsumerReceipt) -> PartitionProgress? {
        if !ring.isEmpty {
            // The cursor is one past the partition handed out from last.
            let latest = ring[(cursor + ring.count - 1) % ring.count]
            if latest.partition == receipt.partition { return latest }
        }
        return partitions[receipt.partition]
    }

    private func isRunnable(_ progress: PartitionProgress) -> Bool {
        !progress.revoking && progress.waiting > 0 && !(preservesPartitionOrder && progress.running > 0)
    }
}
