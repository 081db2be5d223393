public import CoreProtocols

/// An instant together with the time zone it is seen in: what
/// `convert_timezone` returns and what calendar arithmetic works on.
///
/// Adding a ``CalendarPeriod`` is DST-correct the way java.time's
/// `ZonedDateTime.plus` is: years, months, weeks and days move the wall clock
/// (09:00 the day before a DST change plus one day is 09:00 the day after,
/// 23 or 25 hours later), hours and smaller move the timeline. A wall-clock
/// result that is skipped or repeated is resolved with ``LocalTimeResolution``.
///
/// ```swift
/// let newYork = try WhaleTimeZone(identifier: "America/New_York")
/// let tehran = try WhaleTimeZone(identifier: "Asia/Tehran")
/// let meeting = try ZonedDateTime(try LocalDateTime(year: 2026, month: 3, day: 7, hour: 9), in: newYork)
/// meeting.converted(to: tehran).local            // 2026-03-07T17:30:00
/// try meeting.adding(CalendarPeriod(days: 1)).local   // 2026-03-08T09:00:00, 23 hours later
/// ```
public struct ZonedDateTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The instant.
    public let instant: WhaleInstant
    /// The zone it is seen in.
    public let timeZone: WhaleTimeZone
    /// The wall-clock reading at ``instant`` in ``timeZone``.
    public let local: LocalDateTime
    /// The UTC offset in seconds at ``instant`` in ``timeZone``.
    public let offsetSeconds: Int

    /// `instant` seen in `timeZone`.
    public init(_ instant: WhaleInstant, in timeZone: WhaleTimeZone) {
        self.instant = instant
        self.timeZone = timeZone
        self.offsetSeconds = timeZone.offset(at: instant)
        self.local = LocalDateTime(instant: instant, offsetSeconds: offsetSeconds)
    }

    /// The wall-clock reading `local` in `timeZone`, resolved as `resolution` says.
    public init(_ local: LocalDateTime, in timeZone: WhaleTimeZone, resolving resolution: LocalTimeResolution = .default)
        throws(WhaleError)
    {
        self.init(try timeZone.instant(for: local, resolving: resolution), in: timeZone)
    }

    /// The same instant in another zone (`convert_timezone`).
    public func converted(to zone: WhaleTimeZone) -> ZonedDateTime { ZonedDateTime(instant, in: zone) }

    /// Converts a wall-clock reading in one zone to the reading in another (`convert_timezone`).
    public static func convert(_ local: LocalDateTime, from source: WhaleTimeZone, to target: WhaleTimeZone,
                               resolving resolution: LocalTimeResolution = .default) throws(WhaleError) -> LocalDateTime
    {
        try ZonedDateTime(local, in: source, resolving: resolution).converted(to: target).local
    }

    /// This date-time plus `period`: the calendar part on the wall clock, then the
    /// time part on the timeline. Throws `WhaleError(.invalidInput)` only when
    /// `resolution` rejects the wall-clock result.
    public func adding(_ period: CalendarPeriod, resolving resolution: LocalTimeResolution = .default) throws(WhaleError)
        -> ZonedDateTime
    {
        var result = self
        if period.years != 0 || period.months != 0 || period.weeks != 0 || period.days != 0 {
            let date = local.date.adding(months: period.years * 12 + period.months).adding(days: period.weeks * 7 + period.days)
            result = try ZonedDateTime(LocalDateTime(date: date, time: local.time), in: timeZone, resolving: resolution)
        }
        if period.time != .zero { result = ZonedDateTime(result.instant.advanced(by: period.time), in: timeZone) }
        return result
    }

    /// This date-time minus `period` (every field negated).
    public func subtracting(_ period: CalendarPeriod, resolving resolution: LocalTimeResolution = .default)
        throws(WhaleError) -> ZonedDateTime
    {
        try adding(period.negated, resolving: resolution)
    }

    /// The calendar difference from this date-time to `other` in this zone
    /// (`calculate_duration`): whole years, months and days on the wall clock,
    /// the rest as exact time, so that `self.adding(result) == other` whenever
    /// no DST gap is involved.
    public func period(until other: ZonedDateTime) -> CalendarPeriod {
        let end = other.converted(to: timeZone)
        guard end.instant >= instant else { return end.period(until: self).negated }
        var months = (end.local.date.year - local.date.year) * 12 + end.local.date.month - local.date.month
        func shifted(_ months: Int, _ days: Int) -> ZonedDateTime? {
            try? adding(CalendarPeriod(months: months, days: days))
        }
        while months > 0, let candidate = shifted(months, 0), candidate.instant > end.instant { months -= 1 }
        var days = 0
        if let base = shifted(months, 0) {
            days = max(0, end.local.date.daysSinceEpoch - base.local.date.daysSinceEpoch)
            while days > 0, let candidate = shifted(months, days), candidate.instant > end.instant { days -= 1 }
        }
        let anchor = shifted(months, days) ?? self
        return CalendarPeriod(years: months / 12, months: months % 12, days: days,
                              time: anchor.instant.duration(to: end.instant))
    }

    public static func < (lhs: ZonedDateTime, rhs: ZonedDateTime) -> Bool { lhs.instant < rhs.instant }

    /// RFC 3339 with the zone: `2026-03-07T09:00:00-05:00[America/New_York]`.
    public var description: String {
        "\(local.date)T" + DateTimeText.pad(local.time.hour, 2) + ":" + DateTimeText.pad(local.time.minute, 2) + ":"
            + DateTimeText.pad(local.time.second, 2) + DateTimeText.fraction(local.time.nanosecond)
            + (offsetSeconds == 0 ? "Z" : DateTimeText.offset(offsetSeconds, colon: true)) + "[\(timeZone.identifier)]"
    }
}
