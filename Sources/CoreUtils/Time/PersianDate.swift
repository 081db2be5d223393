public import CoreProtocols

/// A date in the Persian (Solar Hijri) calendar, the civil calendar of Iran.
///
/// The year begins at Nowruz (1 Farvardin, about 21 March); months 1–6 have 31
/// days, 7–11 have 30, and Esfand has 29, or 30 in a leap year. Leap years follow
/// the astronomical calendar through Kazimierz Borkowski's break-year
/// algorithm (the one jalaali-js and most Iranian software use), valid for
/// the years -61 … 3177. Conversions go through ``LocalDate``.
///
/// ```swift
/// let nowruz = try PersianDate(year: 1405, month: 1, day: 1)
/// nowruz.gregorian   // 2026-03-21
/// ```
public struct PersianDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The Solar Hijri year.
    public var year: Int
    /// The month, 1 (Farvardin) … 12 (Esfand).
    public var month: Int
    /// The day of the month, 1...31.
    public var day: Int

    /// The supported years.
    public static let supportedYears = -61...3177

    /// Creates a date, or throws `WhaleError(.invalidInput)` when it does not exist or is out of range.
    public init(year: Int, month: Int, day: Int) throws(WhaleError) {
        guard Self.supportedYears.contains(year) else {
            throw WhaleError(.invalidInput, "Persian year \(year) is outside \(Self.supportedYears)")
        }
        guard (1...12).contains(month) else { throw WhaleError(.invalidInput, "month \(month) is not 1...12") }
        guard (1...Self.daysInMonth(year: year, month: month)).contains(day) else {
            throw WhaleError(.invalidInput, "Persian month \(year)/\(month) has no day \(day)")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The Persian date of a Gregorian date, or `WhaleError(.invalidInput)` outside the supported years.
    public init(_ gregorian: LocalDate) throws(WhaleError) {
        let days = gregorian.daysSinceEpoch
        var year = gregorian.year - 621
        guard (Self.supportedYears.lowerBound + 1...Self.supportedYears.upperBound).contains(year) else {
            throw WhaleError(.invalidInput, "\(gregorian) is outside the Persian calendar's supported years")
        }
        let info = Self.yearInfo(year)
        var k = days - info.nowruzDaysSinceEpoch
        if k >= 0 {
            if k <= 185 {
                self.year = year
                self.month = 1 + k / 31
                self.day = k % 31 + 1
                return
            }
            k -= 186
        } else {
            year -= 1
            k += 179
            if Self.isLeapYear(year) { k += 1 }
        }
        self.year = year
        self.month = 7 + k / 30
        self.day = k % 30 + 1
    }

    /// The same day in the Gregorian calendar.
    public var gregorian: LocalDate { LocalDate(daysSinceEpoch: daysSinceEpoch) }

    /// Days since 1970-01-01.
    public var daysSinceEpoch: Int {
        Self.yearInfo(year).nowruzDaysSinceEpoch + (month - 1) * 31 - (month / 7) * (month - 7) + day - 1
    }

    /// Whether Esfand of `year` has 30 days.
    public static func isLeapYear(_ year: Int) -> Bool { yearInfo(year).leap == 0 }

    /// The number of days of `month` in `year`.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        month <= 6 ? 31 : month <= 11 ? 30 : (isLeapYear(year) ? 30 : 29)
    }

    public static func < (lhs: PersianDate, rhs: PersianDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// `YYYY/MM/DD`, the way it is written in Iran (with ASCII digits).
    public var description: String {
        DateTimeText.pad(year, 4) + "/" + DateTimeText.pad(month, 2) + "/" + DateTimeText.pad(day, 2)
    }

    /// Borkowski's break years: the years in which the 33-year cycle's phase changes.
    private static let breaks = [-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262,
                                 2324, 2394, 2456, 3178]

    /// Nowruz of `year` as days since the epoch, and the year's place in its
    /// leap cycle (0: leap). `year` must be in ``supportedYears``.
    private static func yearInfo(_ year: Int) -> (nowruzDaysSinceEpoch: Int, leap: Int) {
        let gregorianYear = year + 621
        var leapJ = -14
        var previous = breaks[0]
        var jump = 0
        for next in breaks.dropFirst() {
            jump = next - previous
            if year < next { break }
            leapJ += jump / 33 * 8 + (jump % 33) / 4
            previous = next
        }
        var n = year - previous
        leapJ += n / 33 * 8 + (n % 33 + 3) / 4
        if jump % 33 == 4 && jump - n == 4 { leapJ += 1 }
        let leapG = gregorianYear / 4 - (gregorianYear / 100 + 1) * 3 / 4 - 150
        let march = 20 + leapJ - leapG
        if jump - n < 6 { n = n - jump + (jump + 4) / 33 * 33 }
        var leap = ((n + 1) % 33 - 1) % 4
        if leap == -1 { leap = 4 }
        return (LocalDate(unchecked: gregorianYear, 3, 1).daysSinceEpoch + march - 1, leap)
    }
}
