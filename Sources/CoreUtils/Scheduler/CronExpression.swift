public import CoreProtocols

/// A cron expression: five fields (minute, hour, day of month, month, day of
/// week) or six (a leading second), with the syntax of Vixie cron, robfig/cron
/// and Quartz combined.
///
/// Each field takes `*`, a value, a range `a-b`, a step `*/n`, `a-b/n` or `a/n`
/// (from `a` to the field's end), and lists of those separated by commas.
/// Months take `JAN`…`DEC`, weekdays `SUN`…`SAT` (any case); weekdays are 0–7
/// with both 0 and 7 Sunday. Month and weekday ranges may wrap around
/// (`NOV-FEB`, `SAT-WED`: the Iranian working week); in other fields a
/// backwards range is an error. The day-of-month field also takes `L` (the last
/// day), `L-n` (n days before it), `nW` (the weekday nearest day n, never
/// crossing into another month; no fire when the month has no day n) and `LW`
/// (the last weekday); the day-of-week field takes `nL` (the last weekday n of
/// the month: `5L`, `FRIL`), `n#k` (the k-th weekday n: `1#1` is the first
/// Monday) and `?` (as `*`, for Quartz habits). `@yearly`, `@annually`,
/// `@monthly`, `@weekly`, `@daily`, `@midnight` and `@hourly` are shorthands.
///
/// When both day fields are restricted, a day matches when either does
/// (Vixie cron's rule, as robfig/cron and croniter apply it): `0 0 13 * FRI`
/// fires on every 13th and on every Friday. A field is unrestricted only when
/// it is exactly `*` or `?`.
///
/// The expression itself knows no time zone: ``nextMatch(after:)`` works on
/// wall-clock readings, and ``CronSchedule`` places them in a zone.
public struct CronExpression: Hashable, Sendable, CustomStringConvertible {
    /// The text it was parsed from.
    public let text: String
    var seconds: UInt64 = 1
    var minutes: UInt64 = 0
    var hours: UInt64 = 0
    var daysOfMonth: UInt64 = 0
    var months: UInt64 = 0
    /// Bit 0 is Sunday … bit 6 Saturday.
    var daysOfWeek: UInt64 = 0
    var daysOfMonthUnrestricted = false
    var daysOfWeekUnrestricted = false
    /// `L` / `L-n`: n days before the month's last day.
    var lastDayOffsets: Set<Int> = []
    /// `nW`.
    var nearestWeekdays: Set<Int> = []
    /// `LW`.
    var lastWeekday = false
    /// `n#k`: (weekday 0–6, k 1–5).
    var nthWeekdays: Set<Pair> = []
    /// `nL`: weekday 0–6.
    var lastWeekdaysOfMonth: Set<Int> = []

    struct Pair: Hashable, Sendable {
        var weekday: Int
        var ordinal: Int
    }

    /// Whether the hour field is `*`: such expressions fire in both occurrences
    /// of a repeated hour (Vixie cron's rule for wildcard jobs).
    public var hasWildcardHour: Bool { hours == (1 << 24) - 1 }

    /// The longest expression ``init(_:)`` reads.
    public static let maximumLength = 1024

    /// Parses `text`, or throws `WhaleError(.invalidInput)` naming the field that is wrong.
    public init(_ text: String) throws(WhaleError) {
        guard text.utf8.count <= Self.maximumLength else {
            throw WhaleError(.invalidInput, "a cron expression of \(text.utf8.count) bytes is longer than \(Self.maximumLength)")
        }
        self.text = text
        let trimmed = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        var fields = trimmed
        if fields.count == 1, let macro = Self.macros[fields[0].lowercased()] {
            fields = macro.split(separator: " ").map(String.init)
        }
        guard fields.count == 5 || fields.count == 6 else {
            throw WhaleError(.invalidInput, "'\(text)' has \(fields.count) fields; a cron expression has 5 (minute hour day month weekday) or 6 (with seconds first)")
        }
        if fields.count == 6 {
            seconds = try Self.parse(fields.removeFirst(), name: "second", range: 0...59, in: text).bits
        }
        minutes = try Self.parse(fields[0], name: "minute", range: 0...59, in: text).bits
        hours = try Self.parse(fields[1], name: "hour", range: 0...23, in: text).bits
        try parseDaysOfMonth(fields[2])
        months = try Self.parse(fields[3], name: "month", range: 1...12, names: Self.monthNames, in: text).bits
        try parseDaysOfWeek(fields[4])
    }

    static let macros = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let weekdayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    private mutating func parseDaysOfMonth(_ field: String) throws(WhaleError) {
        if field == "*" || field == "?" {
            daysOfMonthUnrestricted = true
            daysOfMonth = Self.bits(1...31)
            return
        }
        var plain: [String] = []
        for item in field.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let upper = item.uppercased()
            if upper == "L" {
                lastDayOffsets.insert(0)
            } else if upper == "LW" {
                lastWeekday = true
            } else if upper.hasPrefix("L-"), let n = Int(upper.dropFirst(2)), (0...30).contains(n) {
                lastDayOffsets.insert(n)
            } else if upper.hasSuffix("W"), let n = Int(upper.dropLast()), (1...31).contains(n) {
                nearestWeekdays.insert(n)
            } else if upper.contains("L") || upper.contains("W") {
                throw WhaleError(.invalidInput, "'\(item)' in '\(text)' is not a day of the month (L, L-n, LW or nW with n in 1...31)")
            } else {
                plain.append(item)
            }
        }
        if !plain.isEmpty {
            daysOfMonth = try Self.parse(plain.joined(separator: ","), name: "day of month", range: 1...31, in: text).bits
        }
    }

    private mutating func parseDaysOfWeek(_ field: String) throws(WhaleError) {
        if field == "*" || field == "?" {
            daysOfWeekUnrestricted = true
            daysOfWeek = Self.bits(0...6)
            return
        }
        var plain: [String] = []
        for item in field.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let upper = item.uppercased()
            if let hash = upper.firstIndex(of: "#") {
                let weekday = try Self.weekday(String(upper[..<hash]), item: item, in: text)
                guard let ordinal = Int(upper[upper.index(after: hash)...]), (1...5).contains(ordinal) else {
                    throw WhaleError(.invalidInput, "'\(item)' in '\(text)': the k in n#k must be 1...5")
                }
                nthWeekdays.insert(Pair(weekday: weekday, ordinal: ordinal))
            } else if upper == "L" {
                daysOfWeek |= 1 << 6  // Quartz: L alone is Saturday, the week's last day
            } else if upper.count > 1, upper.hasSuffix("L") {
                lastWeekdaysOfMonth.insert(try Self.weekday(String(upper.dropLast()), item: item, in: text))
            } else {
                plain.append(item)
            }
        }
        if !plain.isEmpty {
            let parsed = try Self.parse(plain.joined(separator: ","), name: "day of week", range: 0...7, names: Self.weekdayNames, in: text).bits
            daysOfWeek |= (parsed & 0x7F) | (parsed >> 7 & 1)  // 7 is Sunday too
        }
    }

    private static func weekday(_ text: String, item: String, in expression: String) throws(WhaleError) -> Int {
        if let index = weekdayNames.firstIndex(of: text) { return index }
        guard let value = Int(text), (0...7).contains(value) else {
            throw WhaleError(.invalidInput, "'\(item)' in '\(expression)' does not name a weekday (0-7 or SUN-SAT)")
        }
        return value % 7
    }

    static func bits(_ range: ClosedRange<Int>) -> UInt64 {
        var bits: UInt64 = 0
        for value in range { bits |= 1 << UInt64(value) }
        return bits
    }

    /// One field's list of `*`, values, ranges and steps as a bit set.
    private static func parse(_ field: String, name: String, range: ClosedRange<Int>, names: [String] = [],
                              in expression: String) throws(WhaleError) -> (bits: UInt64, unrestricted: Bool)
    {
        func value(_ text: Substring) throws(WhaleError) -> Int {
            if let number = Int(text), range.contains(number) { return number }
            if let index = names.firstIndex(of: text.uppercased()) { return index + range.lowerBound }
            throw WhaleError(.invalidInput, "'\(text)' in '\(expression)' is not a \(name) (\(range.lowerBound)-\(range.upperBound)\(names.isEmpty ? "" : " or a name"))")
        }
        var bits: UInt64 = 0
        for item in field.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw WhaleError(.invalidInput, "'\(expression)' has an empty item in its \(name) field") }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw WhaleError(.invalidInput, "'\(item)' in '\(expression)' has two steps") }
            var step = 1
            if parts.count == 2 {
                guard let parsed = Int(parts[1]), parsed > 0, parsed <= range.upperBound - range.lowerBound + 1 else {
                    throw WhaleError(.invalidInput, "'\(item)' in '\(expression)': the step must be 1...\(range.upperBound - range.lowerBound + 1)")
                }
                step = parsed
            }
            let base = parts[0]
            let low: Int
            let high: Int
            if base == "*" || base == "?" {
                guard base == "*" || name.hasPrefix("day") else {
                    throw WhaleError(.invalidInput, "'?' in '\(expression)' is only for the day fields")
                }
                (low, high) = (range.lowerBound, range.upperBound)
            } else if let dash = base.firstIndex(of: "-"), dash != base.startIndex {
                low = try value(base[..<dash])
                high = try value(base[base.index(after: dash)...])
                guard low <= high || !names.isEmpty else {
                    throw WhaleError(.invalidInput, "'\(item)' in '\(expression)' is a backwards range")
                }
            } else {
                low = try value(base)
                high = parts.count == 2 ? range.upperBound : low
            }
            // Months and weekdays wrap around: NOV-FEB, FRI-MON.
            let values = low <= high ? Array(stride(from: low, through: high, by: step))
                : Array(stride(from: low, through: high + range.upperBound - range.lowerBound + 1, by: step)).map {
                    $0 > range.upperBound ? $0 - (range.upperBound - range.lowerBound + 1) : $0
                }
            for v in values { bits |= 1 << UInt64(v) }
        }
        return (bits, field == "*" || field == "?")
    }

    // MARK: - Matching

    /// Whether the expression fires at `local` (to the second; nanoseconds ignored).
    public func matches(_ local: LocalDateTime) -> Bool {
        Self.contains(seconds, local.time.second) && Self.contains(minutes, local.time.minute)
            && Self.contains(hours, local.time.hour) && Self.contains(months, local.date.month)
            && dayMatches(year: local.date.year, month: local.date.month, day: local.date.day)
    }

    /// The first wall-clock reading strictly after `local` that matches, or `nil`
    /// when none does in the next ``searchYears`` years (an expression such as
    /// `0 0 30 2 *` never matches).
    public func nextMatch(after local: LocalDateTime) -> LocalDateTime? {
        firstMatch(from: local.date, hour: local.time.hour, minute: local.time.minute, second: local.time.second + 1)
    }

    /// The first matching reading at or after `local` (rounded up to the whole second).
    public func firstMatch(atOrAfter local: LocalDateTime) -> LocalDateTime? {
        firstMatch(from: local.date, hour: local.time.hour, minute: local.time.minute,
                   second: local.time.second + (local.time.nanosecond > 0 ? 1 : 0))
    }

    /// How far ``nextMatch(after:)`` looks: long enough for 29 February across
    /// a century without one (2096 → 2104).
    public static let searchYears = 12

    private func firstMatch(from date: LocalDate, hour: Int, minute: Int, second: Int) -> LocalDateTime? {
        var (y, mo, d, h, mi, s) = (date.year, date.month, date.day, hour, minute, second)
        let limit = date.year + Self.searchYears
        while y <= limit {
            // Normalise carries (second 60, minute 60, ...).
            if s > 59 { s = 0; mi += 1 }
            if mi > 59 { mi = 0; h += 1 }
            if h > 23 { h = 0; d += 1 }
            if d > LocalDate.daysInMonth(year: y, month: mo) { d = 1; mo += 1 }
            if mo > 12 { mo = 1; y += 1; continue }
            guard Self.contains(months, mo) else {
                mo += 1; d = 1; h = 0; mi = 0; s = 0
                if mo > 12 { mo = 1; y += 1 }
                continue
            }
            guard dayMatches(year: y, month: mo, day: d) else {
                d += 1; h = 0; mi = 0; s = 0
                continue
            }
            guard let nextHour = Self.next(hours, from: h) else {
                d += 1; h = 0; mi = 0; s = 0
                continue
            }
            if nextHour != h { (h, mi, s) = (nextHour, 0, 0) }
            guard let nextMinute = Self.next(minutes, from: mi) else {
                h += 1; mi = 0; s = 0
                continue
            }
            if nextMinute != mi { (mi, s) = (nextMinute, 0) }
            guard let nextSecond = Self.next(seconds, from: s) else {
                mi += 1; s = 0
                continue
            }
            return LocalDateTime(date: LocalDate(unchecked: y, mo, d), time: LocalTime(unchecked: h, mi, nextSecond, 0))
        }
        return nil
    }

    @inline(__always)
    static func contains(_ bits: UInt64, _ value: Int) -> Bool { bits >> UInt64(value) & 1 == 1 }

    /// The smallest set bit at or above `value`.
    @inline(__always)
    static func next(_ bits: UInt64, from value: Int) -> Int? {
        guard value < 64 else { return nil }
        let rest = bits >> UInt64(value)
        return rest == 0 ? nil : value + rest.trailingZeroBitCount
    }

    func dayMatches(year: Int, month: Int, day: Int) -> Bool {
        let daysInMonth = LocalDate.daysInMonth(year: year, month: month)
        let date = LocalDate(unchecked: year, month, day)
        var dayOfMonth = Self.contains(daysOfMonth, day) || lastDayOffsets.contains(daysInMonth - day)
        if !dayOfMonth, !nearestWeekdays.isEmpty || lastWeekday {
            dayOfMonth = nearestWeekdays.contains { Self.nearestWeekday(to: $0, year: year, month: month) == day }
                || (lastWeekday && Self.nearestWeekday(to: daysInMonth, year: year, month: month) == day)
        }
        let weekday = date.weekday % 7  // 0 is Sunday
        let dayOfWeek = Self.contains(daysOfWeek, weekday)
            || nthWeekdays.contains(Pair(weekday: weekday, ordinal: (day - 1) / 7 + 1))
            || (lastWeekdaysOfMonth.contains(weekday) && day + 7 > daysInMonth)
        switch (daysOfMonthUnrestricted, daysOfWeekUnrestricted) {
        case (true, true): return true
        case (true, false): return dayOfWeek
        case (false, true): return dayOfMonth
        case (false, false): return dayOfMonth || dayOfWeek
        }
    }

    /// The weekday (Monday–Friday) nearest day `target` in the same month, or nil when the month is shorter.
    static func nearestWeekday(to target: Int, year: Int, month: Int) -> Int? {
        let daysInMonth = LocalDate.daysInMonth(year: year, month: month)
        guard target <= daysInMonth else { return nil }
        switch LocalDate(unchecked: year, month, target).weekday {
        case 6: return target == 1 ? 3 : target - 1  // Saturday: Friday, or Monday the 3rd
        case 7: return target == daysInMonth ? target - 2 : target + 1  // Sunday: Monday, or Friday
        default: return target
        }
    }

    public var description: String { text }

    public static func == (lhs: CronExpression, rhs: CronExpression) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }
}
