import CoreProtocols

/// One topic: its partition logs, retention accounting and consumer groups.
struct InProcessBusTopic {
    let name: String
    let configuration: InProcessTopicConfiguration
    var logs: [InProcessBusPartitionLog]
    /// Messages and bytes kept, over all partitions.
    var messageCount = 0
    var byteCount = 0
    var nextSequence: UInt64 = 0
    /// The partition of the next message without a key.
    var nextPartition = 0
    var groups: [String: InProcessBusGroup] = [:]
    let metrics: InProcessBusMetrics.TopicMetrics

    init(name: String, configuration: InProcessTopicConfiguration, metrics: InProcessBusMetrics.TopicMetrics) {
        self.name = name
        self.configuration = configuration
        self.logs = Array(repeating: InProcessBusPartitionLog(), count: configuration.partitions)
        self.metrics = metrics
    }

    /// What ``append(_:partition:timestamp:)`` did.
    struct Appended {
        var message: InboundMessage
        /// Messages retention removed before some group had handled them.
        var droppedUnhandled: Int
    }

    /// Appends a message, making room under the retention bound first.
    /// - Parameter partition: the partition to use; `nil` picks one by key
    ///   (Kafka's murmur2) or round-robin for a message without a key.
    /// - Throws: `WhaleError` `.invalidInput` for a message larger than the
    ///   topic's byte bound; `.resourceExhausted` when the overflow policy is
    ///   ``InProcessTopicConfiguration/Overflow/rejectPublish`` and there is no room.
    mutating func append(
        _ pending: InProcessBusPendingRecord,
        partition: Int?,
        timestamp: WhaleInstant
    ) throws -> Appended {
        let retention = configuration.retention
        if let maxBytes = retention.maxBytes, pending.size > maxBytes {
            throw WhaleError(
                .invalidInput,
                "message is \(pending.size) bytes; topic \"\(name)\" keeps at most \(maxBytes) bytes"
            )
        }
        var droppedUnhandled = 0
        while !fits(pending.size) {
            guard let oldest = oldestRemovablePartition(), let removed = logs[oldest].removeFirst() else {
                throw WhaleError(
                    .resourceExhausted,
                    "topic \"\(name)\" is full (\(messageCount) messages, \(byteCount) bytes) and its consumers are behind"
                )
            }
            messageCount -= 1
            byteCount -= removed.size
            if groups.values.contains(where: { $0.partitions[oldest].committed <= removed.message.offset }) {
                droppedUnhandled += 1
            }
        }
        let chosen = choosePartition(explicit: partition, key: pending.key)
        let record = InProcessBusRecord(
            message: InboundMessage(
                topic: name,
                partition: Int32(chosen),
                offset: 0,
                key: pending.key,
                value: pending.value,
                headers: pending.headers,
                timestamp: timestamp
            ),
            size: pending.size,
            priority: pending.priority,
            sequence: nextSequence
        )
        nextSequence += 1
        let stored = logs[chosen].append(record)
        messageCount += 1
        byteCount += pending.size
        return Appended(message: stored.message, droppedUnhandled: droppedUnhandled)
    }

    private func fits(_ size: Int) -> Bool {
        let retention = configuration.retention
        if let maxMessages = retention.maxMessages, messageCount + 1 > maxMessages { return false }
        if let maxBytes = retention.maxBytes, byteCount + size > maxBytes { return false }
        return true
    }

    /// The partition whose first record is the oldest one retention may remove:
    /// any under drop-oldest; under reject-publish only one every group has committed.
    private func oldestRemovablePartition() -> Int? {
        let dropOldest = configuration.retention.overflow.isDropOldest
        var best: (partition: Int, sequence: UInt64)?
        for partition in logs.indices {
            guard let first = logs[partition].first else { continue }
            if !dropOldest {
                guard !groups.isEmpty,
                    groups.values.allSatisfy({ $0.partitions[partition].committed > first.message.offset })
                else { continue }
            }
            if best.map({ first.sequence < $0.sequence }) ?? true {
                best = (partition, first.sequence)
            }
        }
        return best?.partition
    }

    private mutating func choosePartition(explicit: Int?, key: [UInt8]?) -> Int {
        let count = logs.count
        if let explicit, logs.indices.contains(explicit) { return explicit }
        if let key { return InProcessBusRules.partition(forKey: key, partitions: count) }
        let partition = nextPartition % count
        nextPartition = (partition + 1) % count
        return partition
    }

    // MARK: Handing out

    /// The next message of `partition` for `member` in offset order, marked as handed out.
    mutating func takeNext(group: Dictionary<String, InProcessBusGroup>.Index, partition: Int, member: UInt64)
        -> InProcessBusDelivery?
    {
        guard groups.values[group].partitions[partition].mayHand(to: member) else { return nil }
        groups.values[group].partitions[partition].catchUp(toLogStart: logs[partition].startOffset)
        guard let offset = groups.values[group].partitions[partition].nextOffset(end: logs[partition].endOffset),
            let record = logs[partition].record(at: offset)
        else { return nil }
        groups.values[group].partitions[partition].hand(offset, to: member)
        return InProcessBusDelivery(message: record.message, partition: partition)
    }

    /// The most urgent message (then the oldest by publish order) among the next
    /// `window` not handed out of each of `partitions`, marked as handed out.
    mutating func takeByPriority(
        group: Dictionary<String, InProcessBusGroup>.Index,
        partitions: [Int],
        member: UInt64,
        window: Int
    ) -> InProcessBusDelivery? {
        var best: (partition: Int, offset: Int64, priority: Int8, sequence: UInt64)?
        for partition in partitions where groups.values[group].partitions[partition].mayHand(to: member) {
            let end = logs[partition].endOffset
            groups.values[group].partitions[partition].catchUp(toLogStart: logs[partition].startOffset)
            guard var offset = groups.values[group].partitions[partition].nextOffset(end: end) else { continue }
            var examined = 0
            while offset < end, examined < window {
                if !groups.values[group].partitions[partition].taken.contains(offset),
                    let found = logs[partition].priority(at: offset)
                {
                    examined += 1
                    if best.map({ (found.priority, found.sequence) < ($0.priority, $0.sequence) }) ?? true {
                        best = (partition, offset, found.priority, found.sequence)
                    }
                    // Nothing later in this partition is more urgent or older.
                    if found.priority <= 1 { break }
                }
                offset += 1
            }
        }
        guard let best, let record = logs[best.partition].record(at: best.offset) else { return nil }
        groups.values[group].partitions[best.partition].hand(best.offset, to: member)
        return InProcessBusDelivery(message: record.message, partition: best.partition)
    }

    /// Messages `group` has not committed, over all partitions.
    func lag(of group: InProcessBusGroup) -> Int64 {
        var total: Int64 = 0
        for partition in logs.indices {
            total += group.partitions[partition].lag(
                start: logs[partition].startOffset,
                end: logs[partition].endOffset
            )
        }
        return total
    }
}

/// One message handed to a subscription's handler.
struct InProcessBusDelivery: Sendable {
    var message: InboundMessage
    var partition: Int
}
