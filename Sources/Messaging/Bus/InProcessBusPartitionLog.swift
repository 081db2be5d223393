import CoreProtocols

/// One message as the bus keeps it: the message with its offset, the bytes it
/// counts for, its priority (1…5; `nil` until a priority-ordered subscription
/// needs the JSON value parsed) and its place in the topic's publish order.
struct InProcessBusRecord: Sendable {
    var message: InboundMessage
    var size: Int
    var priority: Int8?
    var sequence: UInt64
}

/// A message checked and measured outside the lock, ready to be appended.
struct InProcessBusPendingRecord: Sendable {
    var key: [UInt8]?
    var value: [UInt8]
    var headers: [MessageHeader]
    var size: Int
    var priority: Int8?

    init(key: [UInt8]?, value: [UInt8], headers: [MessageHeader]) {
        self.key = key
        self.value = value
        self.headers = headers
        self.size = InProcessBusRules.size(key: key, value: value, headers: headers)
        self.priority = InProcessBusRules.priority(value: value, headers: headers)
    }
}

/// The ordered log of one partition: offsets start at 0 and grow by one per
/// message; retention removes from the front.
///
/// Removed records stay in the array until more than half of it is removed
/// (and at least 1,024 records), then the front is compacted away, so removal
/// is amortised O(1).
struct InProcessBusPartitionLog {
    private var records: [InProcessBusRecord] = []
    private var head = 0
    /// The offset of the oldest record kept.
    private(set) var startOffset: Int64 = 0

    /// The offset the next record gets.
    var endOffset: Int64 { startOffset + Int64(records.count - head) }

    /// The oldest record kept.
    var first: InProcessBusRecord? { head < records.count ? records[head] : nil }

    /// The record at `offset`, if it is kept.
    func record(at offset: Int64) -> InProcessBusRecord? {
        guard offset >= startOffset, offset < endOffset else { return nil }
        return records[head + Int(offset - startOffset)]
    }

    /// The priority of the record at `offset` (parsing its JSON value the first
    /// time it is asked for, see ``InProcessBusRules/jsonPriority(_:)``) and its
    /// publish sequence, if the record is kept.
    mutating func priority(at offset: Int64) -> (priority: Int8, sequence: UInt64)? {
        guard offset >= startOffset, offset < endOffset else { return nil }
        let index = head + Int(offset - startOffset)
        if let priority = records[index].priority { return (priority, records[index].sequence) }
        let priority = InProcessBusRules.jsonPriority(records[index].message.value)
        records[index].priority = priority
        return (priority, records[index].sequence)
    }

    /// Appends a record; its message's offset is set to ``endOffset``.
    mutating func append(_ record: InProcessBusRecord) -> InProcessBusRecord {
        var record = record
        record.message.offset = endOffset
        records.append(record)
        return record
    }

    /// Removes the oldest record.
    mutating func removeFirst() -> InProcessBusRecord? {
        guard head < records.count else { return nil }
        let record = records[head]
        head += 1
        startOffset += 1
        if head == records.count {
            records.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1_024, head * 2 >= records.count {
            records.removeFirst(head)
            head = 0
        }
        return record
    }
}
