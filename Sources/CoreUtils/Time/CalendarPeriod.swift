public import CoreProtocols

/// An ISO 8601 duration such as `P1Y2M10DT2H30M`: calendar fields (years,
/// months, weeks, days), which move the wall clock, and an exact time part.
///
/// ```swift
/// let period = try CalendarPeriod(iso8601: "P1DT2H30M")
/// period.days            // 1
/// period.time            // 9,000 seconds
/// period.iso8601         // "P1DT2H30M"
/// ```
public struct CalendarPeriod: Hashable, Sendable, CustomStringConvertible {
    /// Calendar years.
    public var years: Int
    /// Calendar months.
    public var months: Int
    /// Weeks of seven calendar days.
    public var weeks: Int
    /// Calendar days (23, 24 or 25 hours across DST changes).
    public var days: Int
    /// Exact time: the `T` part (hours, minutes, seconds).
    public var time: Duration

    /// Creates a period.
    public init(years: Int = 0, months: Int = 0, weeks: Int = 0, days: Int = 0, time: Duration = .zero) {
        self.years = years
        self.months = months
        self.weeks = weeks
        self.days = days
        self.time = time
    }

    /// The largest text ``init(iso8601:)`` reads.
    public static let maximumTextLength = 128

    /// Parses an ISO 8601 duration: `P[nY][nM][nW][nD][T[nH][nM][n[.f]S]]`, with an
    /// optional leading `-` that negates every field, or throws
    /// `WhaleError(.invalidInput)` naming what is wrong.
    public init(iso8601 text: String) throws(WhaleError) {
        guard text.utf8.count <= Self.maximumTextLength else {
            throw WhaleError(.invalidInput, "an ISO 8601 duration of \(text.utf8.count) bytes is longer than \(Self.maximumTextLength)")
        }
        var bytes = Array(DateTimeText.asciiDigits(text).utf8)[...]
        let negative = bytes.first == UInt8(ascii: "-")
        if negative || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        guard bytes.popFirst() == UInt8(ascii: "P"), !bytes.isEmpty else {
            throw WhaleError(.invalidInput, "'\(text)' is not an ISO 8601 duration (it must start with P)")
        }
        self.init()
        var inTime = false
        var seen = 0
        var lastRank = -1
        var timeNanos: Int64 = 0
        while !bytes.isEmpty {
            if bytes.first == UInt8(ascii: "T") {
                guard !inTime else { throw WhaleError(.invalidInput, "'\(text)' has two T designators") }
                inTime = true
                bytes = bytes.dropFirst()
                guard !bytes.isEmpty else { throw WhaleError(.invalidInput, "'\(text)' has a T with no time after it") }
                continue
            }
            var whole: Int64 = 0
            var digits = 0
            while let b = bytes.first, (48...57).contains(b) {
                let (product, o1) = whole.multipliedReportingOverflow(by: 10)
                let (sum, o2) = product.addingReportingOverflow(Int64(b - 48))
                guard !o1, !o2 else { throw WhaleError(.invalidInput, "'\(text)' has a number too large") }
                whole = sum
                digits += 1
                bytes = bytes.dropFirst()
            }
            var fractionNanos: Int64 = 0
            if let b = bytes.first, b == UInt8(ascii: ".") || b == UInt8(ascii: ",") {
                bytes = bytes.dropFirst()
                var scale: Int64 = 100_000_000
                var fractionDigits = 0
                while let b = bytes.first, (48...57).contains(b) {
                    fractionNanos += Int64(b - 48) * scale
                    scale /= 10
                    fractionDigits += 1
                    bytes = bytes.dropFirst()
                }
                guard fractionDigits > 0, bytes.first == UInt8(ascii: "S"), inTime else {
                    throw WhaleError(.invalidInput, "'\(text)': only seconds may have a fraction")
                }
            }
            guard digits > 0, let designator = bytes.popFirst() else {
                throw WhaleError(.invalidInput, "'\(text)' is not an ISO 8601 duration (expected a number and a designator)")
            }
            let rank: Int
            switch (inTime, designator) {
            case (false, UInt8(ascii: "Y")): rank = 0
            case (false, UInt8(ascii: "M")): rank = 1
            case (false, UInt8(ascii: "W")): rank = 2
            case (false, UInt8(ascii: "D")): rank = 3
            case (true, UInt8(ascii: "H")): rank = 4
            case (true, UInt8(ascii: "M")): rank = 5
            case (true, UInt8(ascii: "S")): rank = 6
            default: throw WhaleError(.invalidInput, "'\(text)' has an unknown or misplaced designator '\(Character(Unicode.Scalar(designator)))'")
            }
            guard rank > lastRank else { throw WhaleError(.invalidInput, "'\(text)' has its fields out of order") }
            lastRank = rank
            seen += 1
            guard rank >= 4 || whole <= Int64(Int32.max) else { throw WhaleError(.invalidInput, "'\(text)' has a number too large") }
            switch rank {
            case 0: years = Int(whole)
            case 1: months = Int(whole)
            case 2: weeks = Int(whole)
            case 3: days = Int(whole)
            default:
                let unit: Int64 = rank == 4 ? 3_600_000_000_000 : rank == 5 ? 60_000_000_000 : 1_000_000_000
                let (nanos, overflow) = whole.multipliedReportingOverflow(by: unit)
                let (total, overflow2) = timeNanos.addingReportingOverflow(nanos &+ fractionNanos)
                guard !overflow, !overflow2 else { throw WhaleError(.invalidInput, "'\(text)' is longer than 292 years of time") }
                timeNanos = total
            }
        }
        guard seen > 0 else { throw WhaleError(.invalidInput, "'\(text)' has no fields") }
        time = .nanoseconds(timeNanos)
        if negative { self = negated }
    }

    /// Every field negated.
    public var negated: CalendarPeriod {
        CalendarPeriod(years: -years, months: -months, weeks: -weeks, days: -days, time: .zero - time)
    }

    /// The ISO 8601 text: `P1Y2M3DT4H5M6.5S`, `PT0S` for zero, a leading `-`
    /// when every field is negative or zero.
    public var iso8601: String {
        let nanos = time.whaleNanoseconds
        let fields = [Int64(years), Int64(months), Int64(weeks), Int64(days), nanos]
        let negative = fields.contains { $0 < 0 } && !fields.contains { $0 > 0 }
        let sign: Int64 = negative ? -1 : 1
        var text = negative ? "-P" : "P"
        for (value, designator) in [(years, "Y"), (months, "M"), (weeks, "W"), (days, "D")] where value != 0 {
            text += "\(Int64(value) * sign)\(designator)"
        }
        let timeNanos = nanos * sign
        if timeNanos != 0 {
            text += "T"
            let hours = timeNanos / 3_600_000_000_000
            let minutes = timeNanos / 60_000_000_000 % 60
            let seconds = timeNanos / 1_000_000_000 % 60
            let fraction = Int(timeNanos % 1_000_000_000)
            if hours != 0 { text += "\(hours)H" }
            if minutes != 0 { text += "\(minutes)M" }
            if seconds != 0 || fraction != 0 {
                var fractionText = DateTimeText.fraction(abs(fraction))
                while fractionText.hasSuffix("0") { fractionText.removeLast() }
                text += (fraction < 0 && seconds == 0 ? "-" : "") + "\(seconds)" + fractionText + "S"
            }
        }
        return text == "P" || text == "-P" ? "PT0S" : text
    }

    public var description: String { iso8601 }
}

/// Durations for people: `2 h 5 min`, `۲ ساعت و ۵ دقیقه`.
public enum DurationText {
    /// The language of the units: English (`1 d 2 h 5 min 3 s`, or with
    /// ``Style/long`` `1 day, 2 hours, 5 minutes`) or Persian (`۱ روز و ۲ ساعت`,
    /// Persian digits unless `digits` says ASCII).
    public typealias Language = DateTimeFormatter.Language

    /// Unit abbreviations or words (English only; Persian always uses words).
    public enum Style: Hashable, Sendable {
        /// `2 h 5 min`.
        case short
        /// `2 hours, 5 minutes`.
        case long
    }

    /// `duration` in days, hours, minutes, seconds and milliseconds: the first
    /// `maximumUnits` non-zero units, largest first, the rest dropped (1 h 59 min
    /// 59 s with two units is `1 h 59 min`; zero units are skipped, so 1 h 0 min
    /// 5 s is `1 h 5 s`). Zero is `0 s`; a negative duration gets a `-`.
    public static func humanReadable(_ duration: Duration, language: Language = .english, style: Style = .short,
                                     maximumUnits: Int = 2, digits: DateTimeFormatter.Digits? = nil) -> String
    {
        let nanos = duration.whaleNanoseconds
        let magnitude = nanos.magnitude
        let units: [(UInt64, short: String, singular: String, plural: String, persian: String)] = [
            (86_400_000_000_000, "d", "day", "days", "روز"),
            (3_600_000_000_000, "h", "hour", "hours", "ساعت"),
            (60_000_000_000, "min", "minute", "minutes", "دقیقه"),
            (1_000_000_000, "s", "second", "seconds", "ثانیه"),
            (1_000_000, "ms", "millisecond", "milliseconds", "میلی\u{200C}ثانیه"),
        ]
        var parts: [String] = []
        var rest = magnitude
        for unit in units where parts.count < max(1, maximumUnits) {
            let count = rest / unit.0
            rest %= unit.0
            guard count > 0 else { continue }
            switch language {
            case .english: parts.append(style == .short ? "\(count) \(unit.short)" : "\(count) \(count == 1 ? unit.singular : unit.plural)")
            case .persian: parts.append("\(count) \(unit.persian)")
            }
        }
        if parts.isEmpty {
            parts = [language == .persian ? "0 ثانیه" : style == .short ? "0 s" : "0 seconds"]
        }
        let separator = language == .persian ? " و " : style == .short ? " " : ", "
        let text = (nanos < 0 && magnitude >= 1_000_000 ? "-" : "") + parts.joined(separator: separator)
        let useDigits = digits ?? (language == .persian ? .persian : .ascii)
        return useDigits == .persian ? DateTimeText.persianDigits(text) : text
    }
}
