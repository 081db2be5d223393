public import CoreProtocols

/// How important a job is: due jobs start in priority order, and jobs at or
/// below ``SchedulerOptions/deferrablePriority`` wait while the node is loaded.
public struct JobPriority: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The rank; higher runs first.
    public let rank: Int

    /// A priority of rank `rank`.
    public init(rank: Int) { self.rank = rank }

    /// Housekeeping that can wait: deferred under load by default.
    public static let low = JobPriority(rank: 0)
    /// The default.
    public static let normal = JobPriority(rank: 1)
    /// Ahead of normal jobs.
    public static let high = JobPriority(rank: 2)
    /// Ahead of everything.
    public static let critical = JobPriority(rank: 3)

    public static func < (lhs: JobPriority, rhs: JobPriority) -> Bool { lhs.rank < rhs.rank }

    public var description: String {
        switch rank {
        case 0: "low"
        case 1: "normal"
        case 2: "high"
        case 3: "critical"
        default: "rank \(rank)"
        }
    }
}

/// What happens when a job is due while its previous run is still running
/// (Temporal's schedule overlap policies).
public enum OverlapPolicy: Hashable, Sendable {
    /// Do not start it; the fire is recorded as skipped. The default.
    case skip
    /// Start it when the running one ends; at most one waits, later fires are skipped.
    case bufferOne
    /// Start every overlapping fire, one after another, as runs end.
    case bufferAll
    /// Cancel the running one and start this one when it has ended.
    case cancelOther
    /// Start it alongside the running one.
    case allowAll
}

/// What happens to fires that were missed: the scheduler was paused, the node
/// was busy, or the clock jumped (Quartz's misfire instructions).
///
/// A fire is missed when the scheduler reaches it more than
/// ``SchedulerOptions/misfireThreshold`` after its time.
public enum MisfirePolicy: Hashable, Sendable {
    /// Fire once now for all the missed fires, then go on from now. The default.
    case fireOnceNow
    /// Fire every missed fire no older than the window, one after another (the
    /// overlap policy applies), and skip older ones.
    case fireAll(within: Duration)
    /// Skip the missed fires and go on from now.
    case skip
}

/// How one job is run.
public struct JobOptions: Sendable {
    /// The job's priority. Default ``JobPriority/normal``.
    public var priority: JobPriority
    /// For a fire while the previous run is running. Default ``OverlapPolicy/skip``.
    public var overlap: OverlapPolicy
    /// For missed fires. Default ``MisfirePolicy/fireOnceNow``.
    public var misfire: MisfirePolicy
    /// Each fire is delayed by a random amount in `0...jitter`, so a fleet of
    /// nodes does not hit a service at the same instant. Default zero.
    public var jitter: Duration
    /// Dates on which the job does not fire.
    public var calendar: (any SchedulerCalendar)?
    /// Run on one node of the cluster per fire time, through the scheduler's
    /// ``SchedulerOptions/lock``. Default `false`.
    public var clusterWide: Bool
    /// Fail a run that takes longer (it is cancelled and recorded as timed out). Default none.
    public var timeout: Duration?

    /// Creates options; every argument has the documented default.
    public init(priority: JobPriority = .normal, overlap: OverlapPolicy = .skip, misfire: MisfirePolicy = .fireOnceNow,
                jitter: Duration = .zero, calendar: (any SchedulerCalendar)? = nil, clusterWide: Bool = false,
                timeout: Duration? = nil)
    {
        self.priority = priority
        self.overlap = overlap
        self.misfire = misfire
        self.jitter = jitter
        self.calendar = calendar
        self.clusterWide = clusterWide
        self.timeout = timeout
    }
}

/// Settings of a ``Scheduler``.
public struct SchedulerOptions: Sendable {
    /// A fire reached later than this after its time is missed (``MisfirePolicy``). Default 5 s.
    public var misfireThreshold: Duration
    /// Where the node's load is read; `nil` turns load-aware deferral off.
    public var loadSignal: (any ResourcePressureSignal)?
    /// Jobs at or below this priority wait while the load is above ``deferralThreshold``. Default ``JobPriority/low``.
    public var deferrablePriority: JobPriority
    /// The load (0…1) above which deferrable jobs wait. Default 0.8.
    public var deferralThreshold: Double
    /// How long a deferrable fire waits at most; then it runs whatever the load. Default 5 min.
    public var maximumDeferral: Duration
    /// How often a deferred fire looks at the load again. Default 5 s.
    public var deferralRecheckInterval: Duration
    /// The lock for cluster-wide jobs; default an ``InProcessJobLock`` (one node).
    public var lock: any DistributedJobLock
    /// How long a cluster-wide fire holds the lock: longer than the job takes. Default 10 min.
    public var lockTTL: Duration
    /// This node's name as a lock owner. Default a random identifier.
    public var nodeName: String
    /// Runs kept in each job's history. Default 100.
    public var historyLimit: Int
    /// Seeds the jitter's random numbers, for reproducible tests; `nil` uses the system's generator.
    public var jitterSeed: UInt64?

    /// Creates options; every argument has the documented default.
    public init(misfireThreshold: Duration = .seconds(5), loadSignal: (any ResourcePressureSignal)? = nil,
                deferrablePriority: JobPriority = .low, deferralThreshold: Double = 0.8,
                maximumDeferral: Duration = .seconds(300), deferralRecheckInterval: Duration = .seconds(5),
                lock: any DistributedJobLock = InProcessJobLock(), lockTTL: Duration = .seconds(600),
                nodeName: String? = nil, historyLimit: Int = 100, jitterSeed: UInt64? = nil)
    {
        self.misfireThreshold = misfireThreshold
        self.loadSignal = loadSignal
        self.deferrablePriority = deferrablePriority
        self.deferralThreshold = deferralThreshold
        self.maximumDeferral = maximumDeferral
        self.deferralRecheckInterval = deferralRecheckInterval
        self.lock = lock
        self.lockTTL = lockTTL
        self.nodeName = nodeName ?? "node-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        self.historyLimit = historyLimit
        self.jitterSeed = jitterSeed
    }
}
