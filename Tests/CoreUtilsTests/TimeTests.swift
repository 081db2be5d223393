import CoreProtocols
import CoreUtils
import Foundation
import Testing

private func instant(_ text: String) throws -> WhaleInstant {
    try DateTimeFormatter(.rfc3339).instant(from: text)
}

private let newYork = (try? WhaleTimeZone(identifier: "America/New_York")) ?? .utc
private let tehran = (try? WhaleTimeZone(identifier: "Asia/Tehran")) ?? .utc

@Suite struct LocalDateTests {
    @Test func civilDaysRoundTripAndWeekdays() throws {
        #expect(LocalDate(daysSinceEpoch: 0) == (try LocalDate(year: 1970, month: 1, day: 1)))
        #expect(try LocalDate(year: 2026, month: 1, day: 1).daysSinceEpoch == 20_454)
        #expect(try LocalDate(year: 2000, month: 2, day: 29).weekday == 2)  // a Tuesday
        #expect(try LocalDate(year: 2026, month: 12, day: 5).weekday == 6)  // a Saturday
        #expect(try LocalDate(year: 1969, month: 12, day: 31).daysSinceEpoch == -1)
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            #expect(LocalDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(try LocalDate(year: 2024, month: 1, day: 31).adding(months: 1) == (try LocalDate(year: 2024, month: 2, day: 29)))
        #expect(try LocalDate(year: 2025, month: 3, day: 31).adding(months: -13) == (try LocalDate(year: 2024, month: 2, day: 29)))
        #expect(try LocalDate(year: 2024, month: 12, day: 31).dayOfYear == 366)
    }

    @Test func impossibleDatesAreTypedErrors() {
        #expect(throws: WhaleError.self) { try LocalDate(year: 2025, month: 2, day: 29) }
        #expect(throws: WhaleError.self) { try LocalDate(year: 1900, month: 2, day: 29) }
        #expect(throws: WhaleError.self) { try LocalDate(year: 2026, month: 13, day: 1) }
        #expect(throws: WhaleError.self) { try LocalTime(hour: 24) }
        #expect(throws: WhaleError.self) { try LocalTime(hour: 1, minute: 60) }
        #expect(throws: WhaleError.self) { try WhaleTimeZone(identifier: "Mars/Olympus_Mons") }
        #expect(throws: WhaleError.self) { try WhaleTimeZone(identifier: "") }
    }
}

@Suite struct TimeZoneTests {
    @Test func convertsBetweenZones() throws {
        // 2026-03-07 09:00 EST (-5) is 14:00Z, 17:30 in Tehran (+3:30, no DST since 2022).
        let local = try LocalDateTime(year: 2026, month: 3, day: 7, hour: 9)
        #expect(try TimeUtilities.convertTimeZone(local, from: newYork, to: tehran) == (try LocalDateTime(year: 2026, month: 3, day: 7, hour: 17, minute: 30)))
        #expect(try TimeUtilities.convertTimeZone(local, from: newYork, to: .utc) == (try LocalDateTime(year: 2026, month: 3, day: 7, hour: 14)))
        #expect(tehran.offset(at: try instant("2026-06-01T00:00:00Z")) == 12_600)
        #expect(newYork.offset(at: try instant("2026-06-01T00:00:00Z")) == -14_400)
        #expect(try WhaleTimeZone(identifier: "+03:30").offset(at: try instant("2026-06-01T00:00:00Z")) == 12_600)
        #expect(try WhaleTimeZone(identifier: "UTC") == .utc)
    }

    @Test func gapsShiftForwardAndOverlapsTakeTheEarlierInstant() throws {
        // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT. 02:30 does not exist.
        let skipped = try LocalDateTime(year: 2026, month: 3, day: 8, hour: 2, minute: 30)
        #expect(try newYork.instant(for: skipped) == (try instant("2026-03-08T03:30:00-04:00")))
        #expect(try newYork.instant(for: skipped, resolving: LocalTimeResolution(skipped: .nextValid)) == (try instant("2026-03-08T03:00:00-04:00")))
        #expect(throws: WhaleError.self) { try newYork.instant(for: skipped, resolving: .strict) }
        guard case .skipped(_, let gap) = newYork.mapping(of: skipped) else { Issue.record("not a gap"); return }
        #expect(gap == .seconds(3600))

        // 2026-11-01: 02:00 EDT goes back to 01:00 EST. 01:30 happens twice.
        let repeated = try LocalDateTime(year: 2026, month: 11, day: 1, hour: 1, minute: 30)
        #expect(newYork.mapping(of: repeated) == .ambiguous(earlier: try instant("2026-11-01T01:30:00-04:00"), later: try instant("2026-11-01T01:30:00-05:00")))
        #expect(try newYork.instant(for: repeated) == (try instant("2026-11-01T05:30:00Z")))
        #expect(try newYork.instant(for: repeated, resolving: LocalTimeResolution(ambiguous: .later)) == (try instant("2026-11-01T06:30:00Z")))
        #expect(throws: WhaleError.self) { try newYork.instant(for: repeated, resolving: .strict) }

        // Tehran kept DST until 2022: 2021-03-22 00:00 → 01:00, 2021-09-21 24:00 → 23:00.
        let tehranGap = try LocalDateTime(year: 2021, month: 3, day: 22, hour: 0, minute: 15)
        #expect(try tehran.instant(for: tehranGap) == (try instant("2021-03-22T01:15:00+04:30")))
        let tehranOverlap = try LocalDateTime(year: 2021, month: 9, day: 21, hour: 23, minute: 15)
        #expect(tehran.mapping(of: tehranOverlap) == .ambiguous(earlier: try instant("2021-09-21T23:15:00+04:30"), later: try instant("2021-09-21T23:15:00+03:30")))
        #expect(tehran.mapping(of: try LocalDateTime(year: 2026, month: 3, day: 22)) == .unique(try instant("2026-03-21T20:30:00Z")))
    }

    @Test func calendarArithmeticKeepsTheWallClockAcrossDST() throws {
        let before = try ZonedDateTime(try LocalDateTime(year: 2026, month: 3, day: 7, hour: 9), in: newYork)
        let dayLater = try before.adding(CalendarPeriod(days: 1))
        #expect(dayLater.local == (try LocalDateTime(year: 2026, month: 3, day: 8, hour: 9)))
        #expect(before.instant.duration(to: dayLater.instant) == .seconds(23 * 3600))
        let hours = try before.adding(CalendarPeriod(time: .seconds(24 * 3600)))
        #expect(hours.local == (try LocalDateTime(year: 2026, month: 3, day: 8, hour: 10)))
        let fallBack = try ZonedDateTime(try LocalDateTime(year: 2026, month: 10, day: 31, hour: 12), in: newYork)
        #expect(fallBack.instant.duration(to: try fallBack.adding(CalendarPeriod(days: 1)).instant) == .seconds(25 * 3600))
        let endOfJanuary = try ZonedDateTime(try LocalDateTime(year: 2026, month: 1, day: 31, hour: 8), in: tehran)
        #expect(try endOfJanuary.adding(CalendarPeriod(months: 1)).local == (try LocalDateTime(year: 2026, month: 2, day: 28, hour: 8)))
        // Into the gap: 2026-03-07 02:30 + 1 day is shifted forward to 03:30.
        let night = try ZonedDateTime(try LocalDateTime(year: 2026, month: 3, day: 7, hour: 2, minute: 30), in: newYork)
        #expect(try night.adding(CalendarPeriod(days: 1)).local == (try LocalDateTime(year: 2026, month: 3, day: 8, hour: 3, minute: 30)))
        #expect(throws: WhaleError.self) { try night.adding(CalendarPeriod(days: 1), resolving: .strict) }
        #expect(try dayLater.subtracting(CalendarPeriod(days: 1)) == before)
    }

    @Test func calculatesDurationsExactlyAndOnTheCalendar() throws {
        let start = try instant("2024-01-31T10:00:00Z")
        let end = try instant("2025-03-01T12:30:05Z")
        #expect(TimeUtilities.calculateDuration(from: start, to: end) == .seconds(end.secondsSinceEpoch - start.secondsSinceEpoch))
        let period = TimeUtilities.calculateDuration(from: start, to: end, in: .utc)
        #expect(period == CalendarPeriod(years: 1, months: 1, days: 1, time: .seconds(2 * 3600 + 30 * 60 + 5)))
        #expect(try ZonedDateTime(start, in: .utc).adding(period).instant == end)
        let back = TimeUtilities.calculateDuration(from: end, to: start, in: .utc)
        #expect(back == period.negated)
        // Across the spring-forward night: one calendar day, not 23 hours.
        let a = try instant("2026-03-07T09:00:00-05:00")
        let b = try instant("2026-03-08T09:00:00-04:00")
        #expect(TimeUtilities.calculateDuration(from: a, to: b, in: newYork) == CalendarPeriod(days: 1))
        #expect(TimeUtilities.calculateDuration(from: a, to: b, in: .utc) == CalendarPeriod(time: .seconds(23 * 3600)))
    }

    @Test func agreesWithFoundationOnOffsetsAroundEveryTransition() throws {
        // Foundation's TimeZone (ICU) is the independent reference here.
        for name in ["America/New_York", "Asia/Tehran", "Europe/London", "Australia/Lord_Howe"] {
            let zone = try WhaleTimeZone(identifier: name)
            guard let reference = TimeZone(identifier: name) else { Issue.record("no \(name)"); continue }
            var date = Date(timeIntervalSince1970: 1_500_000_000)
            for _ in 0..<12 {
                guard let next = reference.nextDaylightSavingTimeTransition(after: date) else { break }
                for delta in [-1.0, 0, 1, 1800] {
                    let at = next.addingTimeInterval(delta)
                    let whale = WhaleInstant(secondsSinceEpoch: Int64(at.timeIntervalSince1970))
                    #expect(zone.offset(at: whale) == reference.secondsFromGMT(for: at), "\(name) at \(at)")
                    // Every instant round-trips through its wall-clock reading (the earlier one in overlaps is itself or earlier).
                    let local = zone.localDateTime(at: whale)
                    switch zone.mapping(of: local) {
                    case .unique(let back): #expect(back == whale)
                    case .ambiguous(let earlier, let later): #expect(earlier == whale || later == whale)
                    case .skipped: Issue.record("\(local) is a reading of \(whale), it cannot be skipped")
                    }
                }
                date = next
            }
        }
    }
}

@Suite struct PersianDateTests {
    @Test func knownDates() throws {
        #expect(try PersianDate(year: 1405, month: 1, day: 1).gregorian == (try LocalDate(year: 2026, month: 3, day: 21)))
        #expect(try PersianDate(year: 1404, month: 1, day: 1).gregorian == (try LocalDate(year: 2025, month: 3, day: 21)))
        #expect(try PersianDate(try LocalDate(year: 2025, month: 12, day: 5)) == (try PersianDate(year: 1404, month: 9, day: 14)))
        #expect(try PersianDate(try LocalDate(year: 1979, month: 2, day: 11)) == (try PersianDate(year: 1357, month: 11, day: 22)))
        #expect(try PersianDate(year: 1403, month: 12, day: 30).gregorian == (try LocalDate(year: 2025, month: 3, day: 20)))
        #expect(PersianDate.isLeapYear(1403))
        #expect(!PersianDate.isLeapYear(1404))
        #expect(throws: WhaleError.self) { try PersianDate(year: 1404, month: 12, day: 30) }
        #expect(throws: WhaleError.self) { try PersianDate(year: 1404, month: 7, day: 31) }
        #expect(throws: WhaleError.self) { try PersianDate(year: 4000, month: 1, day: 1) }
        #expect(throws: WhaleError.self) { try PersianDate(try LocalDate(year: 9000, month: 1, day: 1)) }
    }

    @Test func roundTripsAndAgreesWithFoundationFor1300To1500() throws {
        var calendar = Calendar(identifier: .persian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        var disagreements: [String] = []
        let first = try PersianDate(year: 1300, month: 1, day: 1).daysSinceEpoch
        let last = try PersianDate(year: 1500, month: 1, day: 1).daysSinceEpoch
        for days in stride(from: first, to: last, by: 1) {
            let gregorian = LocalDate(daysSinceEpoch: days)
            let persian = try PersianDate(gregorian)
            #expect(persian.daysSinceEpoch == days)
            if days % 7 == 0 || (persian.month == 12 && persian.day >= 29) || (persian.month == 1 && persian.day == 1) {
                let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(days) * 86_400))
                if parts.year != persian.year || parts.month != persian.month || parts.day != persian.day {
                    disagreements.append("\(gregorian): \(persian) vs ICU \(parts.year ?? 0)/\(parts.month ?? 0)/\(parts.day ?? 0)")
                }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
        print("Persian calendar vs ICU, 1300-1500: \(disagreements.count) sampled days differ: \(disagreements.prefix(3))")
    }
}

@Suite struct DateTimeFormatterTests {
    let instant = WhaleInstant(secondsSinceEpoch: 1_764_950_400)  // 2025-12-05T16:00:00Z, a Friday

    @Test func standardFormats() throws {
        #expect(try DateTimeFormatter(.iso8601).string(from: instant) == "2025-12-05T16:00:00Z")
        #expect(try DateTimeFormatter(.rfc3339, timeZone: tehran).string(from: instant) == "2025-12-05T19:30:00+03:30")
        #expect(try DateTimeFormatter(.rfc3339, timeZone: newYork).string(from: instant.advanced(by: .milliseconds(250))) == "2025-12-05T11:00:00.250-05:00")
        #expect(try DateTimeFormatter(.rfc1123, timeZone: tehran).string(from: instant) == "Fri, 05 Dec 2025 16:00:00 GMT")
        #expect(try TimeUtilities.formatDateTime(instant, timeZone: tehran, digits: .persian) == "۲۰۲۵-۱۲-۰۵T۱۹:۳۰:۰۰+۰۳:۳۰")
    }

    @Test func patternsInBothCalendars() throws {
        #expect(try DateTimeFormatter(.pattern("EEEE d MMMM yyyy HH:mm"), timeZone: tehran, calendar: .persian, digits: .persian).string(from: instant) == "جمعه ۱۴ آذر ۱۴۰۴ ۱۹:۳۰")
        #expect(try DateTimeFormatter(.pattern("yyyy/MM/dd"), timeZone: tehran, calendar: .persian).string(from: instant) == "1404/09/14")
        #expect(try DateTimeFormatter(.pattern("d MMMM yyyy"), calendar: .persian, language: .english).string(from: instant) == "14 Azar 1404")
        #expect(try DateTimeFormatter(.pattern("EEE, MMM d ''yy h:mm a XXX"), timeZone: newYork).string(from: instant) == "Fri, Dec 5 '25 11:00 AM -05:00")
        #expect(try DateTimeFormatter(.pattern("yyyy-MM-dd'T'HH:mm:ss.SSSX"), timeZone: .utc).string(from: instant.advanced(by: .milliseconds(7))) == "2025-12-05T16:00:00.007Z")
        #expect(try DateTimeFormatter(.pattern("hh:mm a"), timeZone: tehran, language: .persian).string(from: instant) == "07:30 ب.ظ")
        #expect(try DateTimeFormatter(.pattern("D VV"), timeZone: tehran).string(from: instant) == "339 Asia/Tehran")
        #expect(try DateTimeFormatter(.pattern("D"), calendar: .persian).string(from: instant) == "260")
        // The abbreviation is whatever the system's ICU data says: "EST" or "GMT-5".
        #expect(["EST", "GMT-5"].contains(try DateTimeFormatter(.pattern("z"), timeZone: newYork).string(from: instant)))
    }

    @Test func parsesWhatItFormats() throws {
        let styles: [(DateTimeFormatter.Style, DateTimeFormatter.CalendarSystem, DateTimeFormatter.Digits)] = [
            (.iso8601, .gregorian, .ascii), (.rfc3339, .gregorian, .persian), (.rfc1123, .gregorian, .ascii),
            (.pattern("EEEE d MMMM yyyy HH:mm:ss XXX"), .persian, .persian),
            (.pattern("yyyy/MM/dd hh:mm:ss.SSS a"), .gregorian, .ascii),
        ]
        for (style, calendar, digits) in styles {
            for zone in [WhaleTimeZone.utc, tehran, newYork] {
                let formatter = try DateTimeFormatter(style, timeZone: zone, calendar: calendar, digits: digits)
                for offset in [0, 86_400 * 100 + 3_723, -86_400 * 3000] {
                    let value = instant.advanced(by: .seconds(offset))
                    let text = try formatter.string(from: value)
                    #expect(try formatter.instant(from: text) == value, "\(style) \(zone) \(text)")
                }
            }
        }
    }

    @Test func parsesTheLenientISOShapes() throws {
        let iso = try DateTimeFormatter(.iso8601, timeZone: tehran)
        #expect(try iso.instant(from: "2025-12-05") == (try self.instantOf("2025-12-04T20:30:00Z")))
        #expect(try iso.instant(from: "2025-12-05 19:30") == instant)
        #expect(try iso.instant(from: "2025-12-05T16:00:00.000000000001Z") == instant)  // beyond nanoseconds: truncated
        #expect(try iso.instant(from: "۲۰۲۵-۱۲-۰۵T۱۶:۰۰:۰۰Z") == instant)
        #expect(try iso.instant(from: "2016-12-31T23:59:60Z") == (try self.instantOf("2016-12-31T23:59:59.999999999Z")))
    }

    @Test func badTextIsATypedError() throws {
        let rfc3339 = try DateTimeFormatter(.rfc3339)
        for text in ["", "2025-12-05", "2025-12-05T16:00:00", "2025-13-05T16:00:00Z", "2025-02-29T00:00:00Z",
                     "2025-12-05T25:00:00Z", "2025-12-05T16:00:00+19:00", "2025-12-05T16:00:00Zjunk", "yesterday",
                     String(repeating: "9", count: 10_000)] {
            #expect(throws: WhaleError.self, "\(text.prefix(40))") { try rfc3339.instant(from: text) }
        }
        #expect(throws: WhaleError.self) { try DateTimeFormatter(.rfc1123).instant(from: "Sat, 05 Dec 2025 16:00:00 GMT") }  // a Friday
        #expect(throws: WhaleError.self) { try DateTimeFormatter(.pattern("yyyy-MM-dd Q")) }
        #expect(throws: WhaleError.self) { try DateTimeFormatter(.pattern("'unterminated")) }
        #expect(throws: WhaleError.self) { try DateTimeFormatter(.pattern("yyyy/MM/dd"), calendar: .persian).instant(from: "1404/12/30") }
        #expect(throws: WhaleError.self) { try DateTimeFormatter(.pattern("z")).instant(from: "EST") }
    }

    private func instantOf(_ text: String) throws -> WhaleInstant { try DateTimeFormatter(.rfc3339).instant(from: text) }
}

@Suite struct CalendarPeriodTests {
    @Test func parsesAndFormatsISO8601Durations() throws {
        let cases: [(String, CalendarPeriod, String)] = [
            ("P1Y2M3DT4H5M6S", CalendarPeriod(years: 1, months: 2, days: 3, time: .seconds(4 * 3600 + 5 * 60 + 6)), "P1Y2M3DT4H5M6S"),
            ("PT0S", CalendarPeriod(), "PT0S"),
            ("P2W", CalendarPeriod(weeks: 2), "P2W"),
            ("PT1.5S", CalendarPeriod(time: .milliseconds(1500)), "PT1.5S"),
            ("PT36H", CalendarPeriod(time: .seconds(36 * 3600)), "PT36H"),
            ("-P1DT1H", CalendarPeriod(days: -1, time: .seconds(-3600)), "-P1DT1H"),
            ("P0D", CalendarPeriod(), "PT0S"),
            ("PT0,25S", CalendarPeriod(time: .milliseconds(250)), "PT0.25S"),
        ]
        for (text, period, canonical) in cases {
            #expect(try CalendarPeriod(iso8601: text) == period, "\(text)")
            #expect(period.iso8601 == canonical)
        }
    }

    @Test func badDurationsAreTypedErrors() {
        for text in ["", "P", "PT", "1D", "P1H", "PT1D", "P1DT", "P1M1Y", "P1.5D", "PT1.5M", "P-1D", "PTS",
                     "P99999999999999999999D", "PT9999999999999999H", String(repeating: "P1D", count: 100)] {
            #expect(throws: WhaleError.self, "\(text.prefix(30))") { try CalendarPeriod(iso8601: text) }
        }
    }

    @Test func humanReadableInEnglishAndPersian() {
        #expect(DurationText.humanReadable(.seconds(2 * 3600 + 5 * 60 + 9)) == "2 h 5 min")
        #expect(DurationText.humanReadable(.seconds(2 * 3600 + 5 * 60 + 9), maximumUnits: 3) == "2 h 5 min 9 s")
        #expect(DurationText.humanReadable(.seconds(3605)) == "1 h 5 s")
        #expect(DurationText.humanReadable(.seconds(90061), style: .long, maximumUnits: 4) == "1 day, 1 hour, 1 minute, 1 second")
        #expect(DurationText.humanReadable(.milliseconds(250)) == "250 ms")
        #expect(DurationText.humanReadable(.zero) == "0 s")
        #expect(DurationText.humanReadable(.seconds(-90)) == "-1 min 30 s")
        #expect(DurationText.humanReadable(.seconds(2 * 3600 + 5 * 60), language: .persian) == "۲ ساعت و ۵ دقیقه")
        #expect(DurationText.humanReadable(.seconds(86_400), language: .persian, digits: .ascii) == "1 روز")
    }
}
