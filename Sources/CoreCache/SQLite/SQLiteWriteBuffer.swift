/// The L3 tier's write-behind buffer: writes and deletes acknowledged but
/// not yet in the database, in arrival order, one per key (a later write
/// to a key replaces the earlier one in place).
///
/// Reads look here first (read-your-writes): ``lookup(_:)`` checks the
/// queued writes, then the batch the writer is committing. Kept in a
/// `Mutex` by the tier.
struct SQLiteWriteBuffer: ~Copyable {
    /// One queued operation.
    enum Operation: Sendable {
        /// Store `value` until `expiresAt` (ms since the epoch; `nil`: never).
        case set(value: [UInt8], expiresAt: Int64?, tags: [String])
        /// Remove the key.
        case delete
    }

    /// A queued operation and its key; `operation` is `nil` once an
    /// invalidation took it back.
    struct Entry: Sendable {
        var key: String
        var operation: Operation?
    }

    /// A batch taken for writing.
    struct Batch: Sendable {
        var entries: [Entry]
        /// The sequence number of the last write in the batch.
        var through: UInt64
        var isEmpty: Bool { entries.isEmpty }
    }

    private var entries: [Entry] = []
    private var index: [String: Int] = [:]
    private var inFlight: [Entry] = []
    private var inFlightIndex: [String: Int] = [:]
    /// Queued keys and values, in bytes.
    private(set) var bytes = 0
    /// How many writes were ever queued: the sequence number of the last.
    private(set) var sequence: UInt64 = 0
    /// Whether a flush was asked for and has not taken the batch yet.
    var flushRequested = false

    init() {}

    /// How many keys have a queued operation.
    var count: Int { index.count }

    /// How many operations ``lookup(_:)`` can find: queued plus committing.
    var visibleCount: Int { index.count + inFlightIndex.count }

    /// Whether nothing is queued.
    var isEmpty: Bool { index.isEmpty }

    /// Queues `operation` for `key`, replacing a queued one.
    mutating func enqueue(_ key: String, _ operation: Operation) {
        sequence &+= 1
        bytes += Self.size(key, operation)
        if let position = index[key] {
            if let old = entries[position].operation { bytes -= Self.size(key, old) }
            entries[position].operation = operation
        } else {
            index[key] = entries.count
            entries.append(Entry(key: key, operation: operation))
        }
    }

    /// The newest queued or committing operation for `key`, if any.
    func lookup(_ key: String) -> Operation? {
        if !index.isEmpty, let position = index[key] { return entries[position].operation }
        if !inFlightIndex.isEmpty, let position = inFlightIndex[key] { return inFlight[position].operation }
        return nil
    }

    /// The queued operation for `key` (not the committing batch's).
    func queued(_ key: String) -> Operation? {
        index[key].flatMap { entries[$0].operation }
    }

    /// Takes back the queued operation for `key`, returning it.
    @discardableResult
    mutating func remove(_ key: String) -> Operation? {
        guard let position = index.removeValue(forKey: key) else { return nil }
        let old = entries[position].operation
        if let old { bytes -= Self.size(key, old) }
        entries[position].operation = nil
        return old
    }

    /// Every queued key with its operation.
    var queuedEntries: [(key: String, operation: Operation)] {
        entries.compactMap { entry in entry.operation.map { (entry.key, $0) } }
    }

    /// Takes every queued operation as a batch; they stay visible to
    /// ``lookup(_:)`` until ``finishBatch()``.
    mutating func takeBatch() -> Batch {
        let batch = Batch(entries: entries, through: sequence)
        inFlight = entries
        inFlightIndex = index
        entries = []
        index = [:]
        bytes = 0
        flushRequested = false
        return batch
    }

    /// Forgets the batch ``takeBatch()`` returned: it is committed (or dropped).
    mutating func finishBatch() {
        inFlight = []
        inFlightIndex = [:]
    }

    private static func size(_ key: String, _ operation: Operation) -> Int {
        switch operation {
        case .set(let value, _, let tags): key.utf8.count + value.count + tags.reduce(0) { $0 + $1.utf8.count }
        case .delete: key.utf8.count
        }
    }
}
