public import CoreProtocols

/// What a job's action is told about the fire it runs for.
public struct JobContext: Sendable {
    /// The job.
    public let jobID: String
    /// The time the schedule named (before jitter and deferral).
    public let scheduledTime: WhaleInstant
    /// When the scheduler started the run.
    public let startTime: WhaleInstant
    /// Whether this run stands in for one or more missed fires.
    public let isMisfire: Bool
}

/// One fire of a job, in its history.
public struct JobRun: Hashable, Sendable {
    /// How a fire ended.
    public enum Outcome: Hashable, Sendable {
        /// Still running.
        case running
        /// The action returned.
        case succeeded
        /// The action threw; the error's description.
        case failed(String)
        /// The run was cancelled (``OverlapPolicy/cancelOther``, a removed job, or shutdown).
        case cancelled
        /// The run took longer than ``JobOptions/timeout`` and was cancelled.
        case timedOut
        /// The fire did not run.
        case skipped(SkipReason)
    }

    /// Why a fire did not run.
    public enum SkipReason: Hashable, Sendable {
        /// The previous run was still running (``OverlapPolicy``).
        case overlap
        /// It was missed and the ``MisfirePolicy`` dropped it.
        case misfire
        /// Another node holds the cluster-wide lock for it.
        case lockHeld
        /// The lock could not be asked (its error's description).
        case lockUnavailable(String)
    }

    /// The job.
    public let jobID: String
    /// The time the schedule named.
    public let scheduledTime: WhaleInstant
    /// When it started (or was skipped).
    public let startTime: WhaleInstant
    /// When it ended; `nil` while running.
    public internal(set) var endTime: WhaleInstant?
    /// How it ended.
    public internal(set) var outcome: Outcome
    /// How long load-aware deferral held it back.
    public let deferral: Duration

    /// How late it started: ``startTime`` minus ``scheduledTime``.
    public var lateness: Duration { scheduledTime.duration(to: startTime) }
}

/// A job as the scheduler sees it now.
public struct JobInfo: Sendable {
    /// The job's identifier.
    public let id: String
    /// Its options.
    public let options: JobOptions
    /// When it fires next; `nil` when it will not fire again (or, for a fixed-delay job, while it runs).
    public let nextFireTime: WhaleInstant?
    /// Whether it is paused.
    public let isPaused: Bool
    /// How many of its runs are running.
    public let runningCount: Int
    /// How many fires wait for a running one to end (``OverlapPolicy/bufferOne``, ``OverlapPolicy/bufferAll``).
    public let bufferedCount: Int
}
