import CoreProtocols
import CoreUtils
import Testing

/// Expected next fire times, worked out by hand from the calendar and the tz
/// database's transitions (`zdump -v America/New_York Asia/Tehran`), the way
/// robfig/cron's and croniter's tables are.
@Suite struct CronTests {
    struct Case: CustomStringConvertible {
        var expression: String
        var zone: String
        var after: String
        var expected: [String]
        var description: String { "\(expression) in \(zone) after \(after)" }
    }

    static let cases: [Case] = [
        // Plain fields, steps, lists, names, shorthands.
        Case(expression: "0 0 * * *", zone: "UTC", after: "2026-12-05T21:00:00Z", expected: ["2026-12-06T00:00:00Z", "2026-12-07T00:00:00Z"]),
        Case(expression: "*/15 * * * *", zone: "UTC", after: "2026-12-05T21:07:30Z", expected: ["2026-12-05T21:15:00Z", "2026-12-05T21:30:00Z", "2026-12-05T21:45:00Z"]),
        Case(expression: "0 9 * * MON-FRI", zone: "UTC", after: "2026-12-04T10:00:00Z", expected: ["2026-12-07T09:00:00Z", "2026-12-08T09:00:00Z"]),
        Case(expression: "0 12 1 JAN,jul *", zone: "UTC", after: "2026-06-01T00:00:00Z", expected: ["2026-07-01T12:00:00Z", "2027-01-01T12:00:00Z"]),
        Case(expression: "@hourly", zone: "UTC", after: "2026-12-05T21:30:00Z", expected: ["2026-12-05T22:00:00Z"]),
        Case(expression: "@yearly", zone: "UTC", after: "2026-12-05T21:30:00Z", expected: ["2027-01-01T00:00:00Z"]),
        Case(expression: "0 0 * * 7", zone: "UTC", after: "2026-12-05T12:00:00Z", expected: ["2026-12-06T00:00:00Z", "2026-12-13T00:00:00Z"]),
        Case(expression: "10-20/5 8 * * *", zone: "UTC", after: "2026-12-05T08:12:00Z", expected: ["2026-12-05T08:15:00Z", "2026-12-05T08:20:00Z", "2026-12-06T08:10:00Z"]),
        Case(expression: "50/5 * * * *", zone: "UTC", after: "2026-12-05T08:52:00Z", expected: ["2026-12-05T08:55:00Z", "2026-12-05T09:50:00Z"]),
        Case(expression: "*/20 * * * * *", zone: "UTC", after: "2026-12-05T21:00:05Z", expected: ["2026-12-05T21:00:20Z", "2026-12-05T21:00:40Z", "2026-12-05T21:01:00Z"]),
        Case(expression: "0 0 0 1 1 ?", zone: "UTC", after: "2026-12-05T21:00:05Z", expected: ["2027-01-01T00:00:00Z"]),
        // Leap years and expressions that never fire.
        Case(expression: "0 0 29 2 *", zone: "UTC", after: "2026-01-01T00:00:00Z", expected: ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"]),
        Case(expression: "0 0 29 2 *", zone: "UTC", after: "2096-03-01T00:00:00Z", expected: ["2104-02-29T00:00:00Z"]),
        Case(expression: "0 0 30 2 *", zone: "UTC", after: "2026-01-01T00:00:00Z", expected: []),
        Case(expression: "0 0 31 4,6,9,11 *", zone: "UTC", after: "2026-01-01T00:00:00Z", expected: []),
        // L, W, #.
        Case(expression: "0 0 L * *", zone: "UTC", after: "2026-02-01T00:00:00Z", expected: ["2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z"]),
        Case(expression: "0 0 L * *", zone: "UTC", after: "2028-02-01T00:00:00Z", expected: ["2028-02-29T00:00:00Z"]),
        Case(expression: "0 0 L-2 * *", zone: "UTC", after: "2026-02-01T00:00:00Z", expected: ["2026-02-26T00:00:00Z", "2026-03-29T00:00:00Z"]),
        Case(expression: "0 0 15W * *", zone: "UTC", after: "2026-08-01T00:00:00Z", expected: ["2026-08-14T00:00:00Z", "2026-09-15T00:00:00Z"]),
        Case(expression: "0 0 1W * *", zone: "UTC", after: "2026-07-31T12:00:00Z", expected: ["2026-08-03T00:00:00Z"]),
        Case(expression: "0 0 LW * *", zone: "UTC", after: "2026-10-01T00:00:00Z", expected: ["2026-10-30T00:00:00Z", "2026-11-30T00:00:00Z"]),
        Case(expression: "0 0 31W * *", zone: "UTC", after: "2026-11-01T00:00:00Z", expected: ["2026-12-31T00:00:00Z"]),
        Case(expression: "0 0 * * 5#3", zone: "UTC", after: "2026-12-05T00:00:00Z", expected: ["2026-12-18T00:00:00Z", "2027-01-15T00:00:00Z"]),
        Case(expression: "0 0 * * FRIL", zone: "UTC", after: "2026-12-05T00:00:00Z", expected: ["2026-12-25T00:00:00Z", "2027-01-29T00:00:00Z"]),
        Case(expression: "0 0 * * MON#5", zone: "UTC", after: "2026-12-05T00:00:00Z", expected: ["2027-03-29T00:00:00Z"]),
        // Both day fields restricted: either matches.
        Case(expression: "0 0 13 * FRI", zone: "UTC", after: "2026-12-05T00:00:00Z", expected: ["2026-12-11T00:00:00Z", "2026-12-13T00:00:00Z", "2026-12-18T00:00:00Z"]),
        // New York, 2026-03-08: 02:00 EST → 03:00 EDT; 2026-11-01: 02:00 EDT → 01:00 EST.
        Case(expression: "30 2 * * *", zone: "America/New_York", after: "2026-03-07T12:00:00-05:00", expected: ["2026-03-08T03:30:00-04:00", "2026-03-09T02:30:00-04:00"]),
        Case(expression: "0 2 * * *", zone: "America/New_York", after: "2026-03-07T12:00:00-05:00", expected: ["2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00"]),
        Case(expression: "30 1 * * *", zone: "America/New_York", after: "2026-10-31T12:00:00-04:00", expected: ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]),
        Case(expression: "15 1 * * *", zone: "America/New_York", after: "2026-11-01T01:05:00-05:00", expected: ["2026-11-02T01:15:00-05:00"]),
        Case(expression: "*/30 * * * *", zone: "America/New_York", after: "2026-11-01T00:45:00-04:00", expected: ["2026-11-01T01:00:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-01T01:00:00-05:00", "2026-11-01T01:30:00-05:00", "2026-11-01T02:00:00-05:00"]),
        Case(expression: "0 * * * *", zone: "America/New_York", after: "2026-03-08T00:30:00-05:00", expected: ["2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T04:00:00-04:00"]),
        Case(expression: "0 9 * * *", zone: "America/New_York", after: "2026-03-07T10:00:00-05:00", expected: ["2026-03-08T09:00:00-04:00"]),
        // Tehran: DST until 2022 (2021-03-22 00:00 → 01:00, 2021-09-21 24:00 → 23:00), none since.
        Case(expression: "30 0 * * *", zone: "Asia/Tehran", after: "2021-03-21T12:00:00+03:30", expected: ["2021-03-22T01:30:00+04:30", "2021-03-23T00:30:00+04:30"]),
        Case(expression: "30 23 * * *", zone: "Asia/Tehran", after: "2021-09-21T12:00:00+04:30", expected: ["2021-09-21T23:30:00+04:30", "2021-09-22T23:30:00+03:30"]),
        Case(expression: "*/30 * * * *", zone: "Asia/Tehran", after: "2021-09-21T22:45:00+04:30", expected: ["2021-09-21T23:00:00+04:30", "2021-09-21T23:30:00+04:30", "2021-09-21T23:00:00+03:30", "2021-09-21T23:30:00+03:30", "2021-09-22T00:00:00+03:30"]),
        Case(expression: "0 0 * * *", zone: "Asia/Tehran", after: "2026-03-20T12:00:00Z", expected: ["2026-03-20T20:30:00Z", "2026-03-21T20:30:00Z"]),
        Case(expression: "0 0 1 NOV-FEB *", zone: "UTC", after: "2026-12-05T00:00:00Z", expected: ["2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z", "2027-11-01T00:00:00Z"]),
        Case(expression: "0 8 * * SAT", zone: "Asia/Tehran", after: "2026-12-05T00:00:00Z", expected: ["2026-12-05T04:30:00Z", "2026-12-12T04:30:00Z"]),
    ]

    @Test(arguments: cases)
    func nextFireTimes(_ entry: Case) throws {
        let rfc3339 = try DateTimeFormatter(.rfc3339)
        let schedule = try CronSchedule(entry.expression, in: try WhaleTimeZone(identifier: entry.zone))
        let expected = try entry.expected.map { try rfc3339.instant(from: $0) }
        let actual = schedule.nextFireTimes(after: try rfc3339.instant(from: entry.after), count: entry.expected.count + (entry.expected.isEmpty ? 1 : 0))
        let zone = schedule.timeZone
        let shown = actual.map { ZonedDateTime($0, in: zone).description }
        #expect(actual == expected, "\(entry): \(shown)")
    }

    @Test func matchesReadings() throws {
        let cron = try CronExpression("0 9-17/2 * * MON-FRI")
        #expect(cron.matches(try LocalDateTime(year: 2026, month: 12, day: 7, hour: 11)))
        #expect(!cron.matches(try LocalDateTime(year: 2026, month: 12, day: 7, hour: 12)))
        #expect(!cron.matches(try LocalDateTime(year: 2026, month: 12, day: 5, hour: 11)))  // Saturday
        #expect(!cron.hasWildcardHour)
        #expect(try CronExpression("*/5 * * * *").hasWildcardHour)
    }

    @Test func badExpressionsAreTypedErrors() {
        let bad = ["", "* * * *", "* * * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 13 *",
                   "* * * * 8", "*/0 * * * *", "*/61 * * * *", "5-1 * * * *", "a * * * *", "* * * * MON#6", "* * 32W * *",
                   "1,,2 * * * *", "? * * * *", "* * * FOO *", "1/2/3 * * * *", "* * LX * *", "* * * * 9L", "-1 * * * *",
                   "@every", String(repeating: "1,", count: 600) + "1 * * * *"]
        for text in bad {
            #expect(throws: WhaleError.self, "\(text.prefix(40))") { try CronExpression(text) }
        }
    }
}
