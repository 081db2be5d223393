public import CoreProtocols

/// The spec's time utilities (SEED.md §7) under their own names, each a thin
/// front for the types that do the work: ``ZonedDateTime``,
/// ``DateTimeFormatter``, ``CalendarPeriod`` and ``DurationText``.
public enum TimeUtilities {
    /// `convert_timezone`: the wall-clock reading in `target` of `local` read in `source`.
    public static func convertTimeZone(_ local: LocalDateTime, from source: WhaleTimeZone, to target: WhaleTimeZone,
                                       resolving resolution: LocalTimeResolution = .default) throws(WhaleError)
        -> LocalDateTime
    {
        try ZonedDateTime.convert(local, from: source, to: target, resolving: resolution)
    }

    /// `format_datetime`: `instant` as text in `style`.
    public static func formatDateTime(_ instant: WhaleInstant, _ style: DateTimeFormatter.Style = .iso8601,
                                      timeZone: WhaleTimeZone = .utc,
                                      calendar: DateTimeFormatter.CalendarSystem = .gregorian,
                                      digits: DateTimeFormatter.Digits = .ascii) throws(WhaleError) -> String
    {
        try DateTimeFormatter(style, timeZone: timeZone, calendar: calendar, digits: digits).string(from: instant)
    }

    /// `calculate_duration`: the exact time from `start` to `end` (negative when `end` is earlier).
    public static func calculateDuration(from start: WhaleInstant, to end: WhaleInstant) -> Duration {
        start.duration(to: end)
    }

    /// `calculate_duration` on the calendar: years, months, days and the rest
    /// from `start` to `end` as seen in `timeZone`.
    public static func calculateDuration(from start: WhaleInstant, to end: WhaleInstant, in timeZone: WhaleTimeZone)
        -> CalendarPeriod
    {
        ZonedDateTime(start, in: timeZone).period(until: ZonedDateTime(end, in: timeZone))
    }
}
