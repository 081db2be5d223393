public import CoreProtocols

/// A date on the proleptic Gregorian calendar, without a time or a time zone.
///
/// Arithmetic is on whole days (``adding(days:)``) or calendar months
/// (``adding(months:)``, which clamps the day: 31 January plus one month is
/// 28 or 29 February). ``PersianDate`` converts to and from it.
public struct LocalDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The year; 1 BCE is 0 (ISO 8601).
    public var year: Int
    /// The month, 1...12.
    public var month: Int
    /// The day of the month, 1...31.
    public var day: Int

    /// Creates a date, or throws `WhaleError(.invalidInput)` when the month or day does not exist.
    public init(year: Int, month: Int, day: Int) throws(WhaleError) {
        guard (-999_999...999_999).contains(year) else { throw WhaleError(.invalidInput, "year \(year) is out of range") }
        guard (1...12).contains(month) else { throw WhaleError(.invalidInput, "month \(month) is not 1...12") }
        guard (1...LocalDate.daysInMonth(year: year, month: month)).contains(day) else {
            throw WhaleError(.invalidInput, "\(year)-\(month) has no day \(day)")
        }
        self.init(unchecked: year, month, day)
    }

    @usableFromInline
    init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `daysSinceEpoch` days after 1970-01-01 (negative: before it).
    public init(daysSinceEpoch: Int) {
        let (year, month, day) = GregorianDays.civil(fromDays: daysSinceEpoch)
        self.init(unchecked: year, month, day)
    }

    /// Days since 1970-01-01 (negative before it).
    public var daysSinceEpoch: Int { GregorianDays.days(year: year, month: month, day: day) }

    /// The ISO weekday: 1 is Monday … 7 is Sunday.
    public var weekday: Int {
        let d = daysSinceEpoch
        // 1970-01-01 was a Thursday (4).
        return ((d % 7 + 7) % 7 + 3) % 7 + 1
    }

    /// The day of the year, 1...366.
    public var dayOfYear: Int { daysSinceEpoch - LocalDate(unchecked: year, 1, 1).daysSinceEpoch + 1 }

    /// The date `days` days later (earlier when negative).
    public func adding(days: Int) -> LocalDate { LocalDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// The date `months` calendar months later, the day clamped to the month's length.
    public func adding(months: Int) -> LocalDate {
        let total = year * 12 + (month - 1) + months
        let newYear = total >= 0 ? total / 12 : (total - 11) / 12
        let newMonth = total - newYear * 12 + 1
        return LocalDate(unchecked: newYear, newMonth, min(day, LocalDate.daysInMonth(year: newYear, month: newMonth)))
    }

    /// Whether `year` has 29 February.
    public static func isLeapYear(_ year: Int) -> Bool { GregorianDays.isLeapYear(year) }

    /// The number of days of `month` (1...12) in `year`.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        GregorianDays.daysInMonth(year: year, month: month)
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        DateTimeText.pad(year, 4) + "-" + DateTimeText.pad(month, 2) + "-" + DateTimeText.pad(day, 2)
    }
}

/// A time of day, without a date or a time zone.
public struct LocalTime: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// 0...23.
    public var hour: Int
    /// 0...59.
    public var minute: Int
    /// 0...59 (a leap second is not representable; parsers read `:60` as `:59.999999999`).
    public var second: Int
    /// 0...999,999,999.
    public var nanosecond: Int

    /// Midnight.
    public static let midnight = LocalTime(unchecked: 0, 0, 0, 0)

    /// Creates a time of day, or throws `WhaleError(.invalidInput)` for a field out of range.
    public init(hour: Int, minute: Int = 0, second: Int = 0, nanosecond: Int = 0) throws(WhaleError) {
        guard (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second),
            (0...999_999_999).contains(nanosecond)
        else { throw WhaleError(.invalidInput, "\(hour):\(minute):\(second).\(nanosecond) is not a time of day") }
        self.init(unchecked: hour, minute, second, nanosecond)
    }

    @usableFromInline
    init(unchecked hour: Int, _ minute: Int, _ second: Int, _ nanosecond: Int) {
        self.hour = hour
        self.minute = minute
        self.second = second
        self.nanosecond = nanosecond
    }

    /// Nanoseconds since midnight.
    public var nanosecondOfDay: Int64 {
        Int64((hour * 60 + minute) * 60 + second) * 1_000_000_000 + Int64(nanosecond)
    }

    init(nanosecondOfDay n: Int64) {
        let seconds = Int(n / 1_000_000_000)
        self.init(unchecked: seconds / 3600, seconds / 60 % 60, seconds % 60, Int(n % 1_000_000_000))
    }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool { lhs.nanosecondOfDay < rhs.nanosecondOfDay }

    /// `HH:mm:ss`, with a fraction when there are nanoseconds.
    public var description: String {
        DateTimeText.pad(hour, 2) + ":" + DateTimeText.pad(minute, 2) + ":" + DateTimeText.pad(second, 2)
            + DateTimeText.fraction(nanosecond)
    }
}

/// A date and a time of day as a wall clock shows them, in no particular time
/// zone. ``WhaleTimeZone/instant(for:resolving:)`` turns it into an instant.
public struct LocalDateTime: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The date.
    public var date: LocalDate
    /// The time of day.
    public var time: LocalTime

    /// Creates a date-time from a date and a time.
    public init(date: LocalDate, time: LocalTime = .midnight) {
        self.date = date
        self.time = time
    }

    /// Creates a date-time from its fields, or throws `WhaleError(.invalidInput)` when one is out of range.
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, nanosecond: Int = 0)
        throws(WhaleError)
    {
        self.init(date: try LocalDate(year: year, month: month, day: day),
                  time: try LocalTime(hour: hour, minute: minute, second: second, nanosecond: nanosecond))
    }

    /// The wall-clock reading at `instant` in UTC plus `offsetSeconds`.
    public init(instant: WhaleInstant, offsetSeconds: Int) {
        let local = instant.nanosecondsSinceEpoch.addingSaturating(Int64(offsetSeconds) * 1_000_000_000)
        let (days, nanos) = local.floorDivided(by: 86_400_000_000_000)
        self.init(date: LocalDate(daysSinceEpoch: Int(days)), time: LocalTime(nanosecondOfDay: nanos))
    }

    /// This wall-clock reading read as UTC: nanoseconds since the epoch (saturated).
    public var nanosecondsSinceEpochAsUTC: Int64 {
        Int64(date.daysSinceEpoch).multipliedSaturating(86_400_000_000_000).addingSaturating(time.nanosecondOfDay)
    }

    /// The instant this reading names at the fixed UTC offset `offsetSeconds`.
    public func instant(offsetSeconds: Int) -> WhaleInstant {
        WhaleInstant(nanosecondsSinceEpoch: nanosecondsSinceEpochAsUTC.addingSaturating(-Int64(offsetSeconds) * 1_000_000_000))
    }

    /// The reading `seconds` seconds later on the wall clock (no time zone involved).
    public func adding(seconds: Int64) -> LocalDateTime {
        LocalDateTime(instant: WhaleInstant(nanosecondsSinceEpoch: nanosecondsSinceEpochAsUTC.addingSaturating(seconds.multipliedSaturating(1_000_000_000))), offsetSeconds: 0)
    }

    public static func < (lhs: LocalDateTime, rhs: LocalDateTime) -> Bool {
        (lhs.date, lhs.time) < (rhs.date, rhs.time)
    }

    /// `YYYY-MM-DDTHH:mm:ss[.fffffffff]`.
    public var description: String { "\(date)T\(time)" }
}

extension Int64 {
    func multipliedSaturating(_ other: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        if overflow { return (self < 0) != (other < 0) ? .min : .max }
        return product
    }

    func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        if overflow { return other < 0 ? .min : .max }
        return sum
    }
}
