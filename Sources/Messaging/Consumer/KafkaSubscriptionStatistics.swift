public import CoreProtocols

/// A snapshot of one subscription's counters and state.
///
/// Counters start at zero when the subscription starts and only grow. The
/// same counts go to swift-metrics as `whale_kafka_consumer_messages`
/// (dimensions `topic`, `group`, `outcome`: `handled`, `failed_attempt`,
/// `dead_lettered`).
public struct KafkaSubscriptionStatistics: Sendable {
    /// Messages whose handler returned without throwing.
    public var handled: Int
    /// Handler calls that threw (each attempt counts).
    public var failedAttempts: Int
    /// Messages written to the dead-letter topic after their last attempt.
    public var deadLettered: Int
    /// Dead-letter writes that failed and were tried again.
    public var deadLetterWriteFailures: Int
    /// Messages given up without being handled (revoked or cancelled while
    /// waiting or being handled); they stay uncommitted, so they are
    /// delivered again.
    public var abandoned: Int
    /// Messages fetched and waiting for a handler now.
    public var buffered: Int
    /// Handler calls running now.
    public var inFlight: Int
    /// Times fetching was paused because the buffer was full.
    public var pauses: Int
    /// Times paused fetching was resumed.
    public var resumes: Int
    /// Partition assignments received (each rebalance that added partitions).
    public var assignments: Int
    /// Partition revocations received (each rebalance that took partitions away).
    public var revocations: Int
    /// Consumer errors librdkafka reported (it retries most by itself).
    public var errors: Int
    /// Offset commits that failed.
    public var commitFailures: Int
    /// The partitions of the topic this member holds now, ascending.
    public var assignedPartitions: [Int32]
    /// The last consumer or commit error, if any.
    public var lastError: WhaleError?

    /// Creates a snapshot; every counter defaults to zero.
    public init(
        handled: Int = 0,
        failedAttempts: Int = 0,
        deadLettered: Int = 0,
        deadLetterWriteFailures: Int = 0,
        abandoned: Int = 0,
        buffered: Int = 0,
        inFlight: Int = 0,
        pauses: Int = 0,
        resumes: Int = 0,
        assignments: Int = 0,
        revocations: Int = 0,
        errors: Int = 0,
        commitFailures: Int = 0,
        assignedPartitions: [Int32] = [],
        lastError: WhaleError? = nil
    ) {
        self.handled = handled
        self.failedAttempts = failedAttempts
        self.deadLettered = deadLettered
        self.deadLetterWriteFailures = deadLetterWriteFailures
        self.abandoned = abandoned
        self.buffered = buffered
        self.inFlight = inFlight
        self.pauses = pauses
        self.resumes = resumes
        self.assignments = assignments
        self.revocations = revocations
        self.errors = errors
        self.commitFailures = commitFailures
        self.assignedPartitions = assignedPartitions
        self.lastError = lastError
    }
}
