public import CoreProtocols

/// Dates on which jobs do not fire (Quartz's calendars): a fire time a
/// calendar excludes is passed over, and the job fires at its next time that
/// is not excluded.
public protocol SchedulerCalendar: Sendable {
    /// Whether no job using this calendar may fire at `instant`.
    func excludes(_ instant: WhaleInstant) -> Bool
}

/// Excludes whole days — holidays — as they are in a time zone, given as
/// Gregorian dates or Persian ones (``PersianDate/gregorian``).
public struct ExcludedDatesCalendar: SchedulerCalendar, Hashable {
    /// The excluded days.
    public var dates: Set<LocalDate>
    /// The zone the days are in.
    public var timeZone: WhaleTimeZone

    /// Excludes `dates` in `timeZone`.
    public init(_ dates: some Sequence<LocalDate>, in timeZone: WhaleTimeZone = .utc) {
        self.dates = Set(dates)
        self.timeZone = timeZone
    }

    public func excludes(_ instant: WhaleInstant) -> Bool { dates.contains(timeZone.localDateTime(at: instant).date) }
}

/// Excludes days of the week (ISO numbering: 1 is Monday … 7 Sunday): a
/// weekend calendar for Iran excludes 5 (Friday), for most of the world 6 and 7.
public struct WeekdayCalendar: SchedulerCalendar, Hashable {
    /// The excluded ISO weekdays.
    public var excludedWeekdays: Set<Int>
    /// The zone the days are in.
    public var timeZone: WhaleTimeZone

    /// Excludes `excludedWeekdays` in `timeZone`.
    public init(excluding excludedWeekdays: Set<Int>, in timeZone: WhaleTimeZone = .utc) {
        self.excludedWeekdays = excludedWeekdays
        self.timeZone = timeZone
    }

    public func excludes(_ instant: WhaleInstant) -> Bool {
        excludedWeekdays.contains(timeZone.localDateTime(at: instant).date.weekday)
    }
}

/// Excludes what any of its calendars excludes.
public struct UnionCalendar: SchedulerCalendar {
    /// The calendars.
    public var calendars: [any SchedulerCalendar]

    /// Excludes what any of `calendars` excludes.
    public init(_ calendars: [any SchedulerCalendar]) { self.calendars = calendars }

    public func excludes(_ instant: WhaleInstant) -> Bool { calendars.contains { $0.excludes(instant) } }
}
