import CoreProtocols

/// One consumer group of one topic: its members in join order and, per
/// partition, its committed offset and the work handed out.
struct InProcessBusGroup {
    /// Member ids in join order; partition `p` goes to `members[p % members.count]`.
    var members: [UInt64] = []
    var partitions: [InProcessBusGroupPartition]
    let metrics: InProcessBusMetrics.GroupMetrics

    init(committed: [Int64], metrics: InProcessBusMetrics.GroupMetrics) {
        self.partitions = committed.map(InProcessBusGroupPartition.init(committed:))
        self.metrics = metrics
    }
}

/// A group's progress on one partition.
///
/// Every offset below ``committed`` is handled and committed. ``taken`` holds
/// the offsets at or above it that were handed to a handler (running, waiting
/// for a retry, or finished), ``finished`` those of them that are done; the
/// committed offset moves over finished offsets only in order, so a message
/// still running holds back the commit of later ones. Every offset in
/// [``committed``, ``scanFrom``) is in ``taken``.
struct InProcessBusGroupPartition {
    /// The next offset to handle after everything committed (Kafka's committed offset).
    var committed: Int64
    /// The member the partition is assigned to.
    var assignee: UInt64?
    /// The member that has messages of this partition out, while ``outstanding`` > 0.
    var holder: UInt64?
    /// Messages handed out and not yet finished or given back.
    var outstanding = 0
    var taken: Set<Int64> = []
    var finished: Set<Int64> = []
    var scanFrom: Int64

    init(committed: Int64) {
        self.committed = committed
        self.scanFrom = committed
    }

    /// Whether `member` may be handed messages of this partition now: it is
    /// assigned to it and no other member still has messages of it out (a
    /// revoked member finishes first, so no message is handled twice).
    func mayHand(to member: UInt64) -> Bool {
        assignee == member && (outstanding == 0 || holder == member)
    }

    /// Moves the committed offset to the log's start when retention removed
    /// messages the group had not handled; returns how many it skipped.
    @discardableResult
    mutating func catchUp(toLogStart start: Int64) -> Int64 {
        guard committed < start else { return 0 }
        let skipped = start - committed
        committed = start
        taken = taken.filter { $0 >= start }
        finished = finished.filter { $0 >= start }
        advanceCommitted()
        return skipped
    }

    /// The oldest offset below `end` not handed out yet.
    mutating func nextOffset(end: Int64) -> Int64? {
        var offset = max(scanFrom, committed)
        while taken.contains(offset) { offset += 1 }
        scanFrom = offset
        return offset < end ? offset : nil
    }

    /// Records `offset` as handed to `member`.
    mutating func hand(_ offset: Int64, to member: UInt64) {
        taken.insert(offset)
        outstanding += 1
        holder = member
        if offset == scanFrom { scanFrom += 1 }
    }

    /// Ends one handed-out message: `done` commits it (in order), otherwise it
    /// is given back to be handed out again.
    mutating func release(_ offset: Int64, done: Bool) {
        outstanding = max(0, outstanding - 1)
        if outstanding == 0 { holder = nil }
        guard offset >= committed, taken.contains(offset), !finished.contains(offset) else { return }
        if done {
            finished.insert(offset)
            advanceCommitted()
            scanFrom = max(scanFrom, committed)
        } else {
            taken.remove(offset)
            scanFrom = min(scanFrom, offset)
        }
    }

    /// Forgets what `member` had out (used when a member leaves with work out,
    /// which a normal leave never does): unfinished offsets are handed out again.
    mutating func reclaim(from member: UInt64) {
        guard holder == member else { return }
        holder = nil
        outstanding = 0
        taken = finished
        scanFrom = committed
    }

    /// Messages of the partition the group has not committed.
    func lag(start: Int64, end: Int64) -> Int64 {
        max(0, end - max(committed, start))
    }

    private mutating func advanceCommitted() {
        while finished.remove(committed) != nil {
            taken.remove(committed)
            committed += 1
        }
    }
}
