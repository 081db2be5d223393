public import CoreProtocols
public import Logging
public import Metrics
public import ServiceLifecycle
import Synchronization

/// A load-aware job scheduler (`schedule_task`, `manage_recurring`,
/// `handle_conflicts`), run as a ServiceLifecycle `Service`.
///
/// Jobs fire once (``JobSchedule/once(at:)``, ``JobSchedule/after(_:)``), at
/// fixed rates or delays, or on cron expressions in a time zone, each with a
/// priority, jitter, an ``OverlapPolicy`` for a fire that comes while the last
/// run is still running, a ``MisfirePolicy`` for fires missed while paused or
/// busy, a ``SchedulerCalendar`` of excluded dates, and optionally a
/// cluster-wide lock so one node runs each fire. Jobs at or below
/// ``SchedulerOptions/deferrablePriority`` wait while the
/// ``SchedulerOptions/loadSignal`` reads above the threshold, for at most
/// ``SchedulerOptions/maximumDeferral``. Every fire is kept in the job's
/// ``history(of:)`` and counted in swift-metrics:
/// `whale_scheduler_runs_total{job, outcome}` and the timers
/// `whale_scheduler_lateness_nanoseconds{job}` and
/// `whale_scheduler_run_duration_nanoseconds{job}`.
///
/// Time comes only from the injected clock, so tests drive it with a manual
/// clock. One task sleeps until the earliest fire; runs are tasks of their own.
///
/// ```swift
/// let scheduler = Scheduler(clock: SystemClock())
/// try scheduler.schedule("compact-cache", .cron("0 3 * * *", in: WhaleTimeZone(identifier: "Asia/Tehran")),
///                        options: JobOptions(priority: .low)) { context in
///     print("compacting for \(context.scheduledTime)")
/// }
/// // ServiceGroup(services: [scheduler], logger: logger).run(), or: try await scheduler.run()
/// ```
public final class Scheduler: Service, Sendable {
    /// A job's work. Throwing marks the run failed; the job keeps its schedule.
    public typealias Action = @Sendable (JobContext) async throws -> Void

    /// The longest job identifier accepted.
    public static let maximumJobIDLength = 256

    private struct Job: Sendable {
        let id: String
        let schedule: JobSchedule
        let fireSchedule: (any FireSchedule)?
        let options: JobOptions
        let action: Action
        let generation: UInt64
        let metrics: JobMetrics
    }

    private struct JobMetrics: Sendable {
        let succeeded: Counter
        let failed: Counter
        let cancelled: Counter
        let timedOut: Counter
        let skipped: Counter
        let deferred: Counter
        let lateness: Metrics.Timer
        let duration: Metrics.Timer

        init(job: String, factory: any MetricsFactory) {
            func runs(_ outcome: String) -> Counter {
                Counter(label: "whale_scheduler_runs_total", dimensions: [("job", job), ("outcome", outcome)], factory: factory)
            }
            succeeded = runs("succeeded")
            failed = runs("failed")
            cancelled = runs("cancelled")
            timedOut = runs("timed_out")
            skipped = runs("skipped")
            deferred = runs("deferred")
            lateness = Metrics.Timer(label: "whale_scheduler_lateness_nanoseconds", dimensions: [("job", job)], factory: factory)
            duration = Metrics.Timer(label: "whale_scheduler_run_duration_nanoseconds", dimensions: [("job", job)], factory: factory)
        }
    }

    private struct Pending: Sendable {
        var scheduledTime: WhaleInstant
        var isMisfire: Bool
        var deferral: Duration
    }

    private struct JobState {
        var job: Job
        var isPaused = false
        var nextFire: WhaleInstant?
        var running: [UInt64: Task<Void, Never>] = [:]
        var buffered: [Pending] = []
        var history: [(run: UInt64, record: JobRun)] = []
    }

    private struct State {
        var jobs: [String: JobState] = [:]
        var queue = MinHeap<FireEntry>()
        var sequence: UInt64 = 0
        var generation: UInt64 = 0
        var sleeper: Task<Void, Never>?
        var sleepDeadline: WhaleInstant?
        var wakeRequested = false
        var isRunning = false
        var isShuttingDown = false
        var isPaused = false
        var random: SplitMix64?
    }

    private let clock: any WhaleClock
    private let options: SchedulerOptions
    private let logger: Logger
    private let metricsFactory: any MetricsFactory
    private let state: Mutex<State>

    /// A scheduler on `clock` (production: ``CoreProtocols/SystemClock``; tests: a
    /// manual clock), its metrics going to `metricsFactory` (default: the
    /// factory `MetricsSystem` was bootstrapped with).
    public init(clock: any WhaleClock = SystemClock(), options: SchedulerOptions = SchedulerOptions(),
                metricsFactory: any MetricsFactory = MetricsSystem.factory, logger: Logger = Logger(label: "whale.scheduler"))
    {
        self.clock = clock
        self.options = options
        self.metricsFactory = metricsFactory
        self.logger = logger
        var initial = State()
        if let seed = options.jitterSeed { initial.random = SplitMix64(state: seed) }
        self.state = Mutex(initial)
    }

    // MARK: - Managing jobs

    /// Adds the job `id` (`schedule_task`). Throws `WhaleError(.invalidInput)` for
    /// an empty or over-long identifier or an invalid schedule, and
    /// `WhaleError(.alreadyExists)` when a job of that identifier exists.
    public func schedule(_ id: String, _ schedule: JobSchedule, options jobOptions: JobOptions = JobOptions(),
                         action: @escaping Action) throws(WhaleError)
    {
        guard !id.isEmpty, id.utf8.count <= Self.maximumJobIDLength else {
            throw WhaleError(.invalidInput, "a job identifier must be 1...\(Self.maximumJobIDLength) bytes")
        }
        try schedule.validate()
        guard jobOptions.jitter >= .zero, jobOptions.timeout.map({ $0 > .zero }) ?? true else {
            throw WhaleError(.invalidInput, "a job's jitter must not be negative and its timeout must be positive")
        }
        let now = clock.now
        let metrics = JobMetrics(job: id, factory: metricsFactory)
        let wakeAt: WhaleInstant? = try state.locked { (state) throws(WhaleError) -> WhaleInstant? in
            guard state.jobs[id] == nil else { throw WhaleError(.alreadyExists, "a job '\(id)' is already scheduled") }
            state.generation += 1
            let job = Job(id: id, schedule: schedule, fireSchedule: schedule.fireSchedule(scheduledAt: now),
                          options: jobOptions, action: action, generation: state.generation, metrics: metrics)
            var jobState = JobState(job: job)
            let first = schedule.firstFire(scheduledAt: now).flatMap { self.notExcluded($0, job: job, inclusive: true) }
            self.enqueue(first, for: &jobState, in: &state)
            state.jobs[id] = jobState
            return first
        }
        if let wakeAt { wake(ifBefore: wakeAt) }
    }

    /// Gives the job `id` a new schedule (`manage_recurring`); a running run
    /// goes on. Throws `WhaleError(.notFound)` for an unknown job.
    public func reschedule(_ id: String, to schedule: JobSchedule) throws(WhaleError) {
        try schedule.validate()
        let now = clock.now
        let wakeAt: WhaleInstant? = try state.locked { (state) throws(WhaleError) -> WhaleInstant? in
            guard var jobState = state.jobs[id] else { throw WhaleError(.notFound, "no job '\(id)' is scheduled") }
            state.generation += 1
            let old = jobState.job
            let job = Job(id: id, schedule: schedule, fireSchedule: schedule.fireSchedule(scheduledAt: now), options: old.options,
                          action: old.action, generation: state.generation, metrics: old.metrics)
            jobState.job = job
            let first = schedule.firstFire(scheduledAt: now).flatMap { self.notExcluded($0, job: job, inclusive: true) }
            jobState.nextFire = nil
            self.enqueue(first, for: &jobState, in: &state)
            state.jobs[id] = jobState
            return first
        }
        if let wakeAt { wake(ifBefore: wakeAt) }
    }

    /// Removes the job `id`; its running runs are cancelled when
    /// `cancelRunning` says so. Returns whether there was such a job.
    @discardableResult
    public func remove(_ id: String, cancelRunning: Bool = false) -> Bool {
        let running: [Task<Void, Never>]? = state.locked { state in
            guard let removed = state.jobs.removeValue(forKey: id) else { return nil }
            return Array(removed.running.values)
        }
        guard let running else { return false }
        if cancelRunning { for task in running { task.cancel() } }
        return true
    }

    /// Stops the job `id` firing until ``resume(_:)``; fires due meanwhile are
    /// handled by its ``MisfirePolicy`` on resume. Throws `WhaleError(.notFound)`.
    public func pause(_ id: String) throws(WhaleError) {
        try state.locked { (state) throws(WhaleError) in
            guard state.jobs[id] != nil else { throw WhaleError(.notFound, "no job '\(id)' is scheduled") }
            state.jobs[id]?.isPaused = true
        }
    }

    /// Lets the job `id` fire again. Throws `WhaleError(.notFound)`.
    public func resume(_ id: String) throws(WhaleError) {
        let wakeAt: WhaleInstant? = try state.locked { (state) throws(WhaleError) -> WhaleInstant? in
            guard var jobState = state.jobs[id] else { throw WhaleError(.notFound, "no job '\(id)' is scheduled") }
            guard jobState.isPaused else { return nil }
            jobState.isPaused = false
            let next = jobState.nextFire
            jobState.nextFire = nil
            self.enqueue(next, for: &jobState, in: &state)
            state.jobs[id] = jobState
            return next
        }
        if let wakeAt { wake(ifBefore: wakeAt) }
    }

    /// Stops every job firing until ``resumeAll()`` (running runs go on).
    public func pauseAll() { state.locked { $0.isPaused = true } }

    /// Lets every job fire again; fires missed meanwhile follow each job's ``MisfirePolicy``.
    public func resumeAll() {
        state.locked { $0.isPaused = false }
        wake(ifBefore: nil)
    }

    /// The identifiers of the scheduled jobs, sorted.
    public var jobIDs: [String] { state.locked { $0.jobs.keys.sorted() } }

    /// The job `id` as it is now, or `nil` for an unknown job.
    public func info(_ id: String) -> JobInfo? {
        state.locked { state in
            guard let job = state.jobs[id] else { return nil }
            return JobInfo(id: id, options: job.job.options, nextFireTime: job.nextFire, isPaused: job.isPaused,
                           runningCount: job.running.count, bufferedCount: job.buffered.count)
        }
    }

    /// The job's last runs and skipped fires, oldest first (at most ``SchedulerOptions/historyLimit``).
    public func history(of id: String) -> [JobRun] {
        state.locked { $0.jobs[id]?.history.map(\.record) ?? [] }
    }

    /// The next `count` fire times of the job `id` from now, calendar exclusions
    /// applied (a fixed-delay job shows only its next one). Throws `WhaleError(.notFound)`.
    public func nextFireTimes(of id: String, count: Int) throws(WhaleError) -> [WhaleInstant] {
        let found: (Job, WhaleInstant?)? = state.locked { state in state.jobs[id].map { ($0.job, $0.nextFire) } }
        guard let (job, next) = found else { throw WhaleError(.notFound, "no job '\(id)' is scheduled") }
        guard let first = next ?? (job.fireSchedule == nil ? nil : notExcluded(clock.now, job: job, inclusive: false)) else { return [] }
        var times = [first]
        while times.count < count, let last = times.last, let following = notExcluded(last, job: job, inclusive: false) {
            times.append(following)
        }
        return times
    }

    // MARK: - Running

    /// Fires jobs until the task is cancelled or a graceful shutdown is
    /// requested; then it stops firing and waits for running runs to end (on
    /// cancellation it cancels them). Throws `WhaleError(.conflict)` when the
    /// scheduler is already running.
    public func run() async throws {
        let started = state.locked { state -> Bool in
            guard !state.isRunning else { return false }
            state.isRunning = true
            state.isShuttingDown = false
            return true
        }
        guard started else { throw WhaleError(.conflict, "the scheduler is already running") }
        logger.debug("scheduler started", metadata: ["jobs": "\(jobIDs.count)"])
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await loop()
            } onCancel: {
                self.wake(ifBefore: nil)
            }
        } onGracefulShutdown: {
            self.state.locked { $0.isShuttingDown = true }
            self.wake(ifBefore: nil)
        }
        let running = state.locked { state in state.jobs.values.flatMap { $0.running.values } }
        if Task.isCancelled { for task in running { task.cancel() } }
        for task in running { await task.value }
        state.locked { $0.isRunning = false }
        logger.debug("scheduler stopped")
    }

    private func loop() async {
        while !Task.isCancelled {
            let now = clock.now
            let next: WhaleInstant?? = state.locked { state -> WhaleInstant?? in
                state.wakeRequested = false
                guard !state.isShuttingDown else { return .none }
                if !state.isPaused {
                    while let top = state.queue.min, top.time <= now {
                        _ = state.queue.popMin()
                        self.dispatch(top, now: now, in: &state)
                    }
                }
                return .some(state.isPaused ? nil : state.queue.min?.time)
            }
            guard let deadline = next else { return }
            await sleep(until: deadline ?? now.advanced(by: .seconds(3600)))
        }
    }

    private func sleep(until deadline: WhaleInstant) async {
        let clock = self.clock
        let sleeper = Task<Void, Never> { _ = try? await clock.sleep(until: deadline, tolerance: nil) }
        let wakeNow = state.locked { state -> Bool in
            state.sleeper = sleeper
            state.sleepDeadline = deadline
            return state.wakeRequested
        }
        if wakeNow { sleeper.cancel() }
        await sleeper.value
        state.locked { state in
            state.sleeper = nil
            state.sleepDeadline = nil
        }
    }

    /// Wakes the loop when `time` is before the deadline it sleeps to (always when `nil`).
    private func wake(ifBefore time: WhaleInstant?) {
        let sleeper: Task<Void, Never>? = state.locked { state in
            if let time, let deadline = state.sleepDeadline, time >= deadline { return nil }
            state.wakeRequested = true
            return state.sleeper
        }
        sleeper?.cancel()
    }

    // MARK: - Dispatching (under the lock)

    private func dispatch(_ entry: FireEntry, now: WhaleInstant, in state: inout State) {
        guard var jobState = state.jobs[entry.jobID], jobState.job.generation == entry.generation else { return }
        defer { state.jobs[entry.jobID] = jobState }
        let job = jobState.job
        guard !jobState.isPaused else { return }  // resume() queues `nextFire` again
        jobState.nextFire = nil

        var isMisfire = false
        var nextAfter = entry.scheduledTime
        if entry.deferredSince == nil, entry.time.duration(to: now) > options.misfireThreshold {
            switch job.options.misfire {
            case .skip:
                record(.skipped(.misfire), entry.scheduledTime, now: now, in: &jobState, state: &state)
                enqueue(notExcluded(now, job: job, inclusive: false), for: &jobState, in: &state)
                return
            case .fireOnceNow:
                isMisfire = true
                nextAfter = now
            case .fireAll(let window):
                if entry.scheduledTime.duration(to: now) > window {
                    record(.skipped(.misfire), entry.scheduledTime, now: now, in: &jobState, state: &state)
                    enqueue(notExcluded(entry.scheduledTime, job: job, inclusive: false), for: &jobState, in: &state)
                    return
                }
                isMisfire = true
            }
        }

        if job.options.priority <= options.deferrablePriority, let signal = options.loadSignal,
            signal.pressure() > options.deferralThreshold
        {
            let since = entry.deferredSince ?? entry.time
            let limit = since.advanced(by: options.maximumDeferral)
            if now < limit {
                var deferred = entry
                deferred.time = min(now.advanced(by: options.deferralRecheckInterval), limit)
                deferred.deferredSince = since
                state.queue.insert(deferred)
                jobState.nextFire = entry.scheduledTime
                if entry.deferredSince == nil { job.metrics.deferred.increment() }
                return
            }
        }

        if job.fireSchedule != nil {
            enqueue(notExcluded(nextAfter, job: job, inclusive: false), for: &jobState, in: &state)
        }
        let pending = Pending(scheduledTime: entry.scheduledTime, isMisfire: isMisfire,
                              deferral: (entry.deferredSince ?? entry.time).duration(to: now))
        if jobState.running.isEmpty || job.options.overlap == .allowAll {
            start(pending, now: now, in: &jobState, state: &state)
            return
        }
        switch job.options.overlap {
        case .skip:
            record(.skipped(.overlap), entry.scheduledTime, now: now, in: &jobState, state: &state)
        case .bufferOne:
            if jobState.buffered.isEmpty {
                jobState.buffered.append(pending)
            } else {
                record(.skipped(.overlap), entry.scheduledTime, now: now, in: &jobState, state: &state)
            }
        case .bufferAll:
            jobState.buffered.append(pending)
        case .cancelOther:
            for dropped in jobState.buffered {
                record(.skipped(.overlap), dropped.scheduledTime, now: now, in: &jobState, state: &state)
            }
            jobState.buffered = [pending]
            for task in jobState.running.values { task.cancel() }
        case .allowAll:
            start(pending, now: now, in: &jobState, state: &state)
        }
    }

    /// Queues the fire at `time` (plus jitter) and remembers it as the job's next fire.
    private func enqueue(_ time: WhaleInstant?, for jobState: inout JobState, in state: inout State) {
        guard let time else { return }
        jobState.nextFire = time
        guard !jobState.isPaused else { return }
        var dispatchTime = time
        let jitter = jobState.job.options.jitter.whaleNanoseconds
        if jitter > 0 {
            let offset: Int64
            if var seeded = state.random {
                offset = Int64.random(in: 0...jitter, using: &seeded)
                state.random = seeded
            } else {
                offset = Int64.random(in: 0...jitter)
            }
            dispatchTime = time.advanced(by: .nanoseconds(offset))
        }
        state.sequence += 1
        state.queue.insert(FireEntry(time: dispatchTime, priority: jobState.job.options.priority.rank, sequence: state.sequence,
                                     jobID: jobState.job.id, generation: jobState.job.generation, scheduledTime: time,
                                     deferredSince: nil))
    }

    /// The first fire of `job` after `instant` (or at it, when `inclusive`) that its calendar does not exclude.
    private func notExcluded(_ instant: WhaleInstant, job: Job, inclusive: Bool) -> WhaleInstant? {
        let (time, exhausted) = Self.firstIncluded(inclusive ? instant : job.fireSchedule?.nextFireTime(after: instant),
                                                   schedule: job.fireSchedule, calendar: job.options.calendar)
        if exhausted {
            logger.warning("the job's calendar excludes its next 100,000 fire times; it will not fire", metadata: ["job": "\(job.id)"])
        }
        return time
    }

    /// `candidate`, or the first fire of `schedule` after it that `calendar` does
    /// not exclude; `exhausted` when the calendar excluded 100,000 in a row (a
    /// bound, so that a calendar excluding everything ends the schedule instead of hanging).
    private static func firstIncluded(_ candidate: WhaleInstant?, schedule: (any FireSchedule)?,
                                      calendar: (any SchedulerCalendar)?) -> (time: WhaleInstant?, exhausted: Bool)
    {
        guard let calendar else { return (candidate, false) }
        var candidate = candidate
        for _ in 0..<100_000 {
            guard let time = candidate else { return (nil, false) }
            if !calendar.excludes(time) { return (time, false) }
            candidate = schedule?.nextFireTime(after: time)
        }
        return (nil, true)
    }

    /// The next `count` fire times of `schedule` after `instant` that `calendar`
    /// does not exclude, without scheduling anything (the `next fire times`
    /// preview). A fixed-delay schedule shows only its first fire.
    public static func preview(_ schedule: JobSchedule, calendar: (any SchedulerCalendar)? = nil, after instant: WhaleInstant,
                               count: Int) throws(WhaleError) -> [WhaleInstant]
    {
        try schedule.validate()
        let fireSchedule = schedule.fireSchedule(scheduledAt: instant)
        var times: [WhaleInstant] = []
        var next = firstIncluded(schedule.firstFire(scheduledAt: instant), schedule: fireSchedule, calendar: calendar).time
        while times.count < count, let time = next {
            times.append(time)
            next = firstIncluded(fireSchedule?.nextFireTime(after: time), schedule: fireSchedule, calendar: calendar).time
        }
        return times
    }

    private func record(_ outcome: JobRun.Outcome, _ scheduledTime: WhaleInstant, now: WhaleInstant,
                        in jobState: inout JobState, state: inout State)
    {
        state.sequence += 1
        append(JobRun(jobID: jobState.job.id, scheduledTime: scheduledTime, startTime: now, endTime: now, outcome: outcome,
                      deferral: .zero), run: state.sequence, to: &jobState)
        jobState.job.metrics.skipped.increment()
        logger.debug("fire skipped", metadata: ["job": "\(jobState.job.id)", "outcome": "\(outcome)"])
    }

    private func append(_ record: JobRun, run: UInt64, to jobState: inout JobState) {
        jobState.history.append((run, record))
        let excess = jobState.history.count - max(1, options.historyLimit)
        if excess > 0 { jobState.history.removeFirst(excess) }
    }

    private func start(_ pending: Pending, now: WhaleInstant, in jobState: inout JobState, state: inout State) {
        state.sequence += 1
        let run = state.sequence
        let job = jobState.job
        let context = JobContext(jobID: job.id, scheduledTime: pending.scheduledTime, startTime: now, isMisfire: pending.isMisfire)
        append(JobRun(jobID: job.id, scheduledTime: pending.scheduledTime, startTime: now, endTime: nil, outcome: .running,
                      deferral: pending.deferral), run: run, to: &jobState)
        job.metrics.lateness.recordNanoseconds(max(0, pending.scheduledTime.duration(to: now).whaleNanoseconds))
        let task = Task { await self.execute(job, context: context, run: run) }
        jobState.running[run] = task
    }

    // MARK: - Running one fire (off the lock)

    private func execute(_ job: Job, context: JobContext, run: UInt64) async {
        if job.options.clusterWide {
            let name = "whale.scheduler.\(job.id).\(context.scheduledTime.nanosecondsSinceEpoch)"
            do {
                guard try await options.lock.tryAcquire(name, owner: options.nodeName, ttl: options.lockTTL) else {
                    finish(job, run: run, outcome: .skipped(.lockHeld))
                    return
                }
            } catch {
                finish(job, run: run, outcome: .skipped(.lockUnavailable(String(describing: error))))
                return
            }
        }
        let outcome: JobRun.Outcome
        do {
            if let timeout = job.options.timeout {
                outcome = try await runWithTimeout(job, context: context, timeout: timeout)
            } else {
                try await job.action(context)
                outcome = .succeeded
            }
        } catch is CancellationError {
            outcome = .cancelled
        } catch {
            outcome = Task.isCancelled ? .cancelled : .failed(String(describing: error))
        }
        finish(job, run: run, outcome: outcome)
    }

    private func runWithTimeout(_ job: Job, context: JobContext, timeout: Duration) async throws -> JobRun.Outcome {
        let clock = self.clock
        let deadline = context.startTime.advanced(by: timeout)
        return try await withThrowingTaskGroup(of: JobRun.Outcome.self) { group in
            group.addTask {
                try await job.action(context)
                return .succeeded
            }
            group.addTask {
                try await clock.sleep(until: deadline, tolerance: nil)
                return .timedOut
            }
            defer { group.cancelAll() }
            return try await group.next() ?? .cancelled
        }
    }

    private func finish(_ job: Job, run: UInt64, outcome: JobRun.Outcome) {
        let now = clock.now
        let wakeAt: WhaleInstant? = state.locked { state -> WhaleInstant? in
            guard var jobState = state.jobs[job.id] else { return nil }
            defer { state.jobs[job.id] = jobState }
            jobState.running[run] = nil
            if let index = jobState.history.lastIndex(where: { $0.run == run }) {
                jobState.history[index].record.endTime = now
                jobState.history[index].record.outcome = outcome
                jobState.job.metrics.duration.recordNanoseconds(max(0, jobState.history[index].record.startTime.duration(to: now).whaleNanoseconds))
            }
            switch outcome {
            case .succeeded: job.metrics.succeeded.increment()
            case .failed: job.metrics.failed.increment()
            case .cancelled: job.metrics.cancelled.increment()
            case .timedOut: job.metrics.timedOut.increment()
            case .skipped: job.metrics.skipped.increment()
            case .running: break
            }
            if case .failed(let error) = outcome {
                logger.warning("job failed", metadata: ["job": "\(job.id)", "error": "\(error)"])
            }
            guard !state.isShuttingDown else { return nil }
            if jobState.running.isEmpty, !jobState.buffered.isEmpty {
                let pending = jobState.buffered.removeFirst()
                start(pending, now: now, in: &jobState, state: &state)
            }
            if case .fixedDelay(let delay, _) = jobState.job.schedule, jobState.job.generation == job.generation,
                jobState.running.isEmpty
            {
                let next = notExcluded(now.advanced(by: delay), job: jobState.job, inclusive: true)
                enqueue(next, for: &jobState, in: &state)
                return next
            }
            return nil
        }
        if let wakeAt { wake(ifBefore: wakeAt) }
    }
}
