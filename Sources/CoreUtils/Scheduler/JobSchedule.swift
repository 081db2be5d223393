public import CoreProtocols

/// When a scheduled job fires.
public enum JobSchedule: Sendable {
    /// Once, at `instant` (a time in the past fires at once, under the job's ``MisfirePolicy``).
    case once(at: WhaleInstant)
    /// Once, `delay` after it is scheduled.
    case after(Duration)
    /// Every `period`, measured from the first fire (`initialDelay` after it is
    /// scheduled), whatever each run takes: the fires stay on a fixed grid.
    case fixedRate(Duration, initialDelay: Duration = .zero)
    /// `delay` after each run ends; the first fire `initialDelay` after it is
    /// scheduled. Runs of such a job never overlap.
    case fixedDelay(Duration, initialDelay: Duration = .zero)
    /// On a cron expression in a time zone (``CronSchedule``).
    case cron(CronSchedule)
    /// On any other ``FireSchedule``.
    case custom(any FireSchedule)

    /// On the cron expression `text` in `timeZone`; throws `WhaleError(.invalidInput)` for a bad expression.
    public static func cron(_ text: String, in timeZone: WhaleTimeZone = .utc) throws(WhaleError) -> JobSchedule {
        .cron(try CronSchedule(text, in: timeZone))
    }

    /// The ``FireSchedule`` behind this schedule when it is scheduled at `now`;
    /// `nil` for ``fixedDelay(_:initialDelay:)``, whose fires depend on when runs end.
    func fireSchedule(scheduledAt now: WhaleInstant) -> (any FireSchedule)? {
        switch self {
        case .once(let at): OneShotSchedule(at: at)
        case .after(let delay): OneShotSchedule(at: now.advanced(by: delay))
        case .fixedRate(let period, let initialDelay): IntervalSchedule(anchor: now.advanced(by: initialDelay), period: period)
        case .fixedDelay: nil
        case .cron(let schedule): schedule
        case .custom(let schedule): schedule
        }
    }

    /// The first fire of a job scheduled at `now`.
    func firstFire(scheduledAt now: WhaleInstant) -> WhaleInstant? {
        switch self {
        case .once(let at): at
        case .after(let delay): now.advanced(by: delay)
        case .fixedRate(_, let initialDelay), .fixedDelay(_, let initialDelay): now.advanced(by: initialDelay)
        case .cron(let schedule): schedule.nextFireTime(after: now)
        case .custom(let schedule): schedule.nextFireTime(after: now)
        }
    }

    func validate() throws(WhaleError) {
        switch self {
        case .fixedRate(let period, let initialDelay), .fixedDelay(let period, let initialDelay):
            guard period > .zero else { throw WhaleError(.invalidInput, "a job's interval must be positive, not \(period)") }
            guard initialDelay >= .zero else { throw WhaleError(.invalidInput, "a job's initial delay must not be negative") }
        case .after(let delay):
            guard delay >= .zero else { throw WhaleError(.invalidInput, "a job's delay must not be negative") }
        default:
            break
        }
    }
}

/// Fires once.
public struct OneShotSchedule: FireSchedule, Hashable {
    /// The one fire time.
    public let at: WhaleInstant

    /// Fires at `at`.
    public init(at: WhaleInstant) { self.at = at }

    public func nextFireTime(after instant: WhaleInstant) -> WhaleInstant? { instant < at ? at : nil }
}

/// Fires at `anchor`, `anchor + period`, `anchor + 2 × period`, …
public struct IntervalSchedule: FireSchedule, Hashable {
    /// The first fire time.
    public let anchor: WhaleInstant
    /// The interval; positive.
    public let period: Duration

    /// Fires every `period` from `anchor` on.
    public init(anchor: WhaleInstant, period: Duration) {
        self.anchor = anchor
        self.period = period
    }

    public func nextFireTime(after instant: WhaleInstant) -> WhaleInstant? {
        guard instant >= anchor else { return anchor }
        let step = max(period.whaleNanoseconds, 1)
        let elapsed = instant.nanosecondsSinceEpoch - anchor.nanosecondsSinceEpoch
        let (steps, overflow) = (elapsed / step + 1).multipliedReportingOverflow(by: step)
        guard !overflow else { return nil }
        let (next, overflow2) = anchor.nanosecondsSinceEpoch.addingReportingOverflow(steps)
        return overflow2 ? nil : WhaleInstant(nanosecondsSinceEpoch: next)
    }
}
