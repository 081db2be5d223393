public import CoreProtocols

/// A ``CronExpression`` placed in a time zone: the ``FireSchedule`` of cron jobs.
///
/// Daylight-saving time is handled the way Vixie cron handles it, with the
/// library's ``LocalTimeResolution`` defaults:
/// - a reading clocks skip (02:30 on the night clocks jump from 02:00 to
///   03:00) fires at the reading shifted forward by the gap (03:30), once;
/// - a reading that happens twice fires once, at its first occurrence, unless
///   the hour field is `*`: such "wildcard" jobs follow the timeline and fire
///   in both occurrences of the repeated hour (`*/15 * * * *` keeps firing every
///   15 minutes of real time through the night clocks go back).
///
/// ```swift
/// let schedule = try CronSchedule("30 2 * * *", in: WhaleTimeZone(identifier: "America/New_York"))
/// schedule.nextFireTimes(after: .init(secondsSinceEpoch: 1_772_928_000), count: 2)
/// // 2026-03-08T03:30-04:00 (shifted out of the gap), 2026-03-09T02:30-04:00
/// ```
public struct CronSchedule: FireSchedule, Hashable, CustomStringConvertible {
    /// The expression.
    public let expression: CronExpression
    /// The zone its wall-clock readings are in.
    public let timeZone: WhaleTimeZone

    /// `expression` in `timeZone`.
    public init(_ expression: CronExpression, in timeZone: WhaleTimeZone = .utc) {
        self.expression = expression
        self.timeZone = timeZone
    }

    /// Parses `text` (see ``CronExpression``) into a schedule in `timeZone`.
    public init(_ text: String, in timeZone: WhaleTimeZone = .utc) throws(WhaleError) {
        self.init(try CronExpression(text), in: timeZone)
    }

    public func nextFireTime(after instant: WhaleInstant) -> WhaleInstant? {
        expression.hasWildcardHour ? followingTimeline(after: instant) : followingWallClock(after: instant)
    }

    /// Fixed-hour jobs: the next matching reading, resolved (first occurrence, gaps shifted forward).
    private func followingWallClock(after instant: WhaleInstant) -> WhaleInstant? {
        var cursor = timeZone.localDateTime(at: instant)
        // A few readings at most are passed over (those of a repeated hour already fired).
        for _ in 0..<1_000 {
            guard let reading = expression.nextMatch(after: cursor) else { return nil }
            switch timeZone.mapping(of: reading) {
            case .unique(let fire) where fire > instant: return fire
            case .ambiguous(let earlier, _) where earlier > instant: return earlier
            case .skipped(let shifted, _) where shifted > instant: return shifted
            default: cursor = reading
            }
        }
        return nil
    }

    /// Wildcard-hour jobs: walk the timeline one UTC-offset segment at a time.
    private func followingTimeline(after instant: WhaleInstant) -> WhaleInstant? {
        var offset = timeZone.offset(at: instant)
        var segmentStart = instant
        var reading = expression.nextMatch(after: LocalDateTime(instant: instant, offsetSeconds: offset))
        for _ in 0..<1_000 {
            guard let local = reading else { return nil }
            let fire = local.instant(offsetSeconds: offset)
            guard let transition = timeZone.nextTransition(after: segmentStart), transition <= fire else { return fire }
            offset = timeZone.offset(at: transition)
            segmentStart = transition
            reading = expression.firstMatch(atOrAfter: LocalDateTime(instant: transition, offsetSeconds: offset))
        }
        return nil
    }

    /// `expression` in `timeZone`.
    public var description: String { "\(expression) in \(timeZone)" }
}

extension FireSchedule {
    /// The next `count` fire times after `instant` (fewer when the schedule ends):
    /// the scheduler's preview.
    public func nextFireTimes(after instant: WhaleInstant, count: Int) -> [WhaleInstant] {
        var times: [WhaleInstant] = []
        var cursor = instant
        while times.count < count, let next = nextFireTime(after: cursor) {
            times.append(next)
            cursor = next
        }
        return times
    }
}
