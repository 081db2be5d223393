public import CoreProtocols

/// Formats instants as text and parses them back (`format_datetime`): ISO 8601,
/// RFC 3339, RFC 1123 (HTTP dates) and LDML-style patterns, in the Gregorian or
/// the Persian (Solar Hijri) calendar, with ASCII or Persian digits.
///
/// A formatter is a value: build it once (the pattern is compiled then) and use
/// it from any task.
///
/// ```swift
/// let tehran = try WhaleTimeZone(identifier: "Asia/Tehran")
/// let instant = WhaleInstant(secondsSinceEpoch: 1_764_950_400)   // 2025-12-05T16:00:00Z
/// try DateTimeFormatter(.rfc3339, timeZone: tehran).string(from: instant)
/// // "2025-12-05T19:30:00+03:30"
/// try DateTimeFormatter(.pattern("EEEE d MMMM yyyy HH:mm"), timeZone: tehran,
///                       calendar: .persian, digits: .persian).string(from: instant)
/// // "جمعه ۱۴ آذر ۱۴۰۴ ۱۹:۳۰"
/// ```
///
/// Pattern letters (LDML, as in Java's `DateTimeFormatter` and ICU): `yyyy`,
/// `yy`, `y` year; `M`, `MM` month number, `MMM` short and `MMMM` full month
/// name; `d`, `dd` day; `D` day of year; `E`/`EEE` short and `EEEE` full
/// weekday; `H`, `HH` hour 0–23; `h`, `hh` hour 1–12 with `a` (AM/PM, ق.ظ/ب.ظ);
/// `m`, `mm`; `s`, `ss`; `S`… fraction of a second to that many digits; `X`,
/// `XX`, `XXX` offset with `Z` for UTC, `x`, `xx`, `xxx` without it, `Z`
/// `+hhmm`; `z` abbreviation; `VV` zone identifier; `'text'` a literal, `''`
/// a quote. Every other ASCII letter is rejected; other characters are literal.
public struct DateTimeFormatter: Sendable {
    /// The text format.
    public enum Style: Hashable, Sendable {
        /// `2026-12-05T21:58:25.123+03:30`: extended ISO 8601, with a fraction only
        /// when there is one. Parsing also accepts a date alone, a space for `T`,
        /// and no offset (read in the formatter's zone).
        case iso8601
        /// ISO 8601 as RFC 3339 restricts it: parsing requires the full date,
        /// time and offset.
        case rfc3339
        /// `Sat, 05 Dec 2026 18:28:25 GMT`, always in GMT and English (HTTP dates).
        case rfc1123
        /// An LDML pattern such as `yyyy/MM/dd HH:mm`.
        case pattern(String)
    }

    /// The calendar a pattern's year, month and day are in. ISO 8601, RFC 3339
    /// and RFC 1123 are Gregorian by definition.
    public enum CalendarSystem: Hashable, Sendable {
        /// The proleptic Gregorian calendar.
        case gregorian
        /// The Persian (Solar Hijri) calendar (``PersianDate``).
        case persian
    }

    /// The digits written. Parsing accepts ASCII, Persian and Arabic-Indic digits whatever this says.
    public enum Digits: Hashable, Sendable {
        /// 0123456789.
        case ascii
        /// ۰۱۲۳۴۵۶۷۸۹ (U+06F0…U+06F9).
        case persian
    }

    /// The language of month and weekday names and of AM/PM.
    public enum Language: Hashable, Sendable {
        /// English names (Gregorian months, or Farvardin … Esfand).
        case english
        /// Persian names (ژانویه … or فروردین …).
        case persian
    }

    /// The format.
    public let style: Style
    /// The zone instants are shown in, and text without an offset is read in.
    public var timeZone: WhaleTimeZone
    /// The calendar of pattern fields.
    public var calendar: CalendarSystem
    /// The digits written.
    public var digits: Digits
    /// The language of names.
    public var language: Language
    /// How text naming a repeated or skipped local time (and no offset) is resolved.
    public var resolution: LocalTimeResolution
    private let tokens: [Token]

    /// Creates a formatter, or throws `WhaleError(.invalidInput)` for a pattern
    /// with an unknown letter or an unterminated quote. `language` defaults to
    /// Persian for the Persian calendar and English otherwise.
    public init(_ style: Style = .iso8601, timeZone: WhaleTimeZone = .utc, calendar: CalendarSystem = .gregorian,
                digits: Digits = .ascii, language: Language? = nil, resolution: LocalTimeResolution = .default)
        throws(WhaleError)
    {
        self.style = style
        self.timeZone = style == .rfc1123 ? .utc : timeZone
        self.calendar = calendar
        self.digits = digits
        self.language = language ?? (calendar == .persian ? .persian : .english)
        self.resolution = resolution
        if case .pattern(let pattern) = style {
            self.tokens = try Token.compile(pattern)
        } else {
            self.tokens = []
        }
    }

    // MARK: - Formatting

    /// `instant` as text. Throws `WhaleError(.invalidInput)` only when the date is
    /// outside the Persian calendar's supported years.
    public func string(from instant: WhaleInstant) throws(WhaleError) -> String {
        let offset = timeZone.offset(at: instant)
        let local = LocalDateTime(instant: instant, offsetSeconds: offset)
        let text: String
        switch style {
        case .iso8601, .rfc3339:
            text = "\(local.date)T" + DateTimeText.pad(local.time.hour, 2) + ":" + DateTimeText.pad(local.time.minute, 2)
                + ":" + DateTimeText.pad(local.time.second, 2) + DateTimeText.fraction(local.time.nanosecond)
                + (offset == 0 ? "Z" : DateTimeText.offset(offset, colon: true))
        case .rfc1123:
            let date = local.date
            text = String(DateTimeText.weekdaysEnglish[date.weekday - 1].prefix(3)) + ", " + DateTimeText.pad(date.day, 2)
                + " " + String(DateTimeText.gregorianMonthsEnglish[date.month - 1].prefix(3)) + " "
                + DateTimeText.pad(date.year, 4) + " " + DateTimeText.pad(local.time.hour, 2) + ":"
                + DateTimeText.pad(local.time.minute, 2) + ":" + DateTimeText.pad(local.time.second, 2) + " GMT"
        case .pattern:
            text = try formatPattern(local, offset: offset, instant: instant)
        }
        return digits == .persian ? DateTimeText.persianDigits(text) : text
    }

    private func formatPattern(_ local: LocalDateTime, offset: Int, instant: WhaleInstant) throws(WhaleError) -> String {
        let fields = try CalendarFields(local.date, calendar)
        var out = ""
        for token in tokens {
            switch token {
            case .literal(let text):
                out += text
            case .field(let letter, let count):
                switch letter {
                case "y": out += count == 2 ? DateTimeText.pad(fields.year % 100, 2) : DateTimeText.pad(fields.year, count)
                case "M": out += count >= 3 ? monthName(fields.month, short: count == 3) : DateTimeText.pad(fields.month, count)
                case "d": out += DateTimeText.pad(fields.day, count)
                case "D": out += DateTimeText.pad(fields.dayOfYear, count)
                case "E": out += weekdayName(local.date.weekday, short: count < 4)
                case "H": out += DateTimeText.pad(local.time.hour, count)
                case "h": out += DateTimeText.pad((local.time.hour + 11) % 12 + 1, count)
                case "a": out += dayPeriods[local.time.hour < 12 ? 0 : 1]
                case "m": out += DateTimeText.pad(local.time.minute, count)
                case "s": out += DateTimeText.pad(local.time.second, count)
                case "S": out += String(DateTimeText.pad(local.time.nanosecond, 9).prefix(count))
                case "X" where offset == 0: out += "Z"
                case "X", "x": out += offsetText(offset, count: count)
                case "Z": out += count == 5 ? DateTimeText.offset(offset, colon: true) : DateTimeText.offset(offset, colon: false)
                case "z": out += timeZone.abbreviation(at: instant)
                default: out += timeZone.identifier  // "V"
                }
            }
        }
        return out
    }

    private func offsetText(_ offset: Int, count: Int) -> String {
        if count == 1 && offset % 3600 == 0 { return String(DateTimeText.offset(offset, colon: false).prefix(3)) }
        return DateTimeText.offset(offset, colon: count >= 3)
    }

    private var monthNames: [String] {
        switch (calendar, language) {
        case (.gregorian, .english): DateTimeText.gregorianMonthsEnglish
        case (.gregorian, .persian): DateTimeText.gregorianMonthsPersian
        case (.persian, .english): DateTimeText.persianMonthsEnglish
        case (.persian, .persian): DateTimeText.persianMonthsPersian
        }
    }

    private var dayPeriods: [String] { language == .persian ? ["ق.ظ", "ب.ظ"] : ["AM", "PM"] }

    private func monthName(_ month: Int, short: Bool) -> String {
        let name = monthNames[month - 1]
        return short && language == .english ? String(name.prefix(3)) : name
    }

    private func weekdayName(_ weekday: Int, short: Bool) -> String {
        let name = (language == .persian ? DateTimeText.weekdaysPersian : DateTimeText.weekdaysEnglish)[weekday - 1]
        return short && language == .english ? String(name.prefix(3)) : name
    }

    // MARK: - Parsing

    /// The instant `text` names, or `WhaleError(.invalidInput)` saying what is
    /// wrong and where. Text without an offset is read in ``timeZone`` and
    /// resolved as ``resolution`` says.
    public func instant(from text: String) throws(WhaleError) -> WhaleInstant {
        var scanner = Scanner(DateTimeText.asciiDigits(text))
        var parsed = ParsedFields()
        switch style {
        case .iso8601, .rfc3339:
            try scanner.iso8601(into: &parsed, requireTimeAndOffset: style == .rfc3339)
        case .rfc1123:
            try scanner.rfc1123(into: &parsed)
        case .pattern:
            try parsePattern(&scanner, into: &parsed)
        }
        guard scanner.isAtEnd else { throw scanner.error("unexpected text") }
        let fieldCalendar: CalendarSystem = if case .pattern = style { calendar } else { .gregorian }
        return try parsed.instant(calendar: fieldCalendar, zone: timeZone, resolution: resolution, text: text)
    }

    private func parsePattern(_ scanner: inout Scanner, into parsed: inout ParsedFields) throws(WhaleError) {
        var pm: Bool?
        for token in tokens {
            switch token {
            case .literal(let text):
                try scanner.expect(text)
            case .field(let letter, let count):
                switch letter {
                case "y": parsed.year = try scanner.number(minDigits: count == 2 ? 2 : 1, maxDigits: count == 2 ? 2 : 6)
                    if count == 2, let year = parsed.year { parsed.year = 2000 + year }
                case "M" where count >= 3:
                    parsed.month = try scanner.name(from: monthNames.map { count == 3 && language == .english ? String($0.prefix(3)) : $0 }) + 1
                case "M": parsed.month = try scanner.number(minDigits: count, maxDigits: 2)
                case "d": parsed.day = try scanner.number(minDigits: count, maxDigits: 2)
                case "D": parsed.dayOfYear = try scanner.number(minDigits: count, maxDigits: 3)
                case "E":
                    let names = (language == .persian ? DateTimeText.weekdaysPersian : DateTimeText.weekdaysEnglish)
                    parsed.weekday = try scanner.name(from: names.map { count < 4 && language == .english ? String($0.prefix(3)) : $0 }) + 1
                case "H": parsed.hour = try scanner.number(minDigits: count, maxDigits: 2)
                case "h": parsed.hour = try scanner.number(minDigits: count, maxDigits: 2)
                case "a": pm = try scanner.name(from: dayPeriods) == 1
                case "m": parsed.minute = try scanner.number(minDigits: count, maxDigits: 2)
                case "s": parsed.second = try scanner.number(minDigits: count, maxDigits: 2)
                case "S": parsed.nanosecond = try scanner.fraction(digits: count)
                case "X", "x", "Z": parsed.offset = try scanner.offset()
                case "z", "V": throw WhaleError(.invalidInput, "patterns with '\(letter)' can format but not parse")
                default: break
                }
            }
        }
        if let pm, let hour = parsed.hour {
            guard (1...12).contains(hour) else { throw WhaleError(.invalidInput, "hour \(hour) is not 1...12 with AM/PM") }
            parsed.hour = hour % 12 + (pm ? 12 : 0)
        }
    }
}

// MARK: - Pattern tokens

extension DateTimeFormatter {
    enum Token: Hashable, Sendable {
        case literal(String)
        case field(Character, Int)

        static let letters: Set<Character> = ["y", "M", "d", "D", "E", "H", "h", "a", "m", "s", "S", "X", "x", "Z", "z", "V"]

        static func compile(_ pattern: String) throws(WhaleError) -> [Token] {
            var tokens: [Token] = []
            var literal = ""
            var characters = pattern[...]
            func flush() {
                if !literal.isEmpty { tokens.append(.literal(literal)) }
                literal = ""
            }
            while let c = characters.first {
                if c == "'" {
                    characters.removeFirst()
                    if characters.first == "'" {
                        literal.append("'")
                        characters.removeFirst()
                        continue
                    }
                    guard let end = characters.firstIndex(of: "'") else {
                        throw WhaleError(.invalidInput, "the pattern '\(pattern)' has an unterminated quote")
                    }
                    literal += characters[..<end]
                    characters = characters[characters.index(after: end)...]
                } else if c.isASCII, c.isLetter {
                    guard letters.contains(c) else {
                        throw WhaleError(.invalidInput, "the pattern letter '\(c)' in '\(pattern)' is not supported")
                    }
                    let count = characters.prefix { $0 == c }.count
                    flush()
                    tokens.append(.field(c, count))
                    characters.removeFirst(count)
                } else {
                    literal.append(c)
                    characters.removeFirst()
                }
            }
            flush()
            return tokens
        }
    }

    /// Year, month, day and day of year in the chosen calendar.
    struct CalendarFields {
        var year: Int
        var month: Int
        var day: Int
        var dayOfYear: Int

        init(_ date: LocalDate, _ calendar: CalendarSystem) throws(WhaleError) {
            switch calendar {
            case .gregorian:
                (year, month, day, dayOfYear) = (date.year, date.month, date.day, date.dayOfYear)
            case .persian:
                let persian = try PersianDate(date)
                (year, month, day) = (persian.year, persian.month, persian.day)
                dayOfYear = (month - 1) * 31 - (month > 7 ? month - 7 : 0) + day
            }
        }
    }
}

// MARK: - Parsed fields

extension DateTimeFormatter {
    struct ParsedFields {
        var year: Int?
        var month: Int?
        var day: Int?
        var dayOfYear: Int?
        var weekday: Int?
        var hour: Int?
        var minute: Int?
        var second: Int?
        var nanosecond: Int?
        var offset: Int?

        func instant(calendar: CalendarSystem, zone: WhaleTimeZone, resolution: LocalTimeResolution, text: String)
            throws(WhaleError) -> WhaleInstant
        {
            guard let year else { throw WhaleError(.invalidInput, "'\(text)' has no year") }
            let date: LocalDate
            switch calendar {
            case .gregorian:
                if let dayOfYear, month == nil {
                    guard (1...(LocalDate.isLeapYear(year) ? 366 : 365)).contains(dayOfYear) else {
                        throw WhaleError(.invalidInput, "\(year) has no day \(dayOfYear)")
                    }
                    date = LocalDate(unchecked: year, 1, 1).adding(days: dayOfYear - 1)
                } else {
                    date = try LocalDate(year: year, month: month ?? 1, day: day ?? 1)
                }
            case .persian:
                date = try PersianDate(year: year, month: month ?? 1, day: day ?? 1).gregorian
            }
            if let weekday, weekday != date.weekday {
                throw WhaleError(.invalidInput, "'\(text)' names the wrong weekday for \(date)")
            }
            var second = self.second ?? 0
            var nanosecond = nanosecond ?? 0
            if second == 60 {  // a leap second, read as the last instant before the next minute
                second = 59
                nanosecond = 999_999_999
            }
            let local = LocalDateTime(date: date, time: try LocalTime(hour: hour ?? 0, minute: minute ?? 0, second: second,
                                                                      nanosecond: nanosecond))
            if let offset { return local.instant(offsetSeconds: offset) }
            return try zone.instant(for: local, resolving: resolution)
        }
    }

    /// Reads text scalar by scalar, with errors that say where.
    struct Scanner {
        let scalars: [Unicode.Scalar]
        var position = 0
        let text: String

        init(_ text: String) {
            self.text = text
            self.scalars = Array(text.unicodeScalars)
        }

        var isAtEnd: Bool { position == scalars.count }
        var peek: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

        func error(_ what: String) -> WhaleError {
            WhaleError(.invalidInput, "'\(text)' is not a valid date-time: \(what) at offset \(position)")
        }

        mutating func number(minDigits: Int, maxDigits: Int) throws(WhaleError) -> Int {
            var value = 0
            var count = 0
            while count < maxDigits, let s = peek, (48...57).contains(s.value) {
                value = value * 10 + Int(s.value - 48)
                count += 1
                position += 1
            }
            guard count >= max(minDigits, 1) else { throw error("expected \(max(minDigits, 1)) digits") }
            return value
        }

        mutating func fraction(digits: Int?) throws(WhaleError) -> Int {
            var value = 0
            var count = 0
            while let s = peek, (48...57).contains(s.value), count < (digits ?? .max) {
                if count < 9 { value = value * 10 + Int(s.value - 48) }
                count += 1
                position += 1
            }
            guard count > 0, digits == nil || count == digits else { throw error("expected a fraction of a second") }
            for _ in min(count, 9)..<9 { value *= 10 }
            return value
        }

        mutating func expect(_ literal: String) throws(WhaleError) {
            for s in literal.unicodeScalars {
                guard peek == s else { throw error("expected '\(literal)'") }
                position += 1
            }
        }

        mutating func accept(_ s: Unicode.Scalar) -> Bool {
            guard peek == s else { return false }
            position += 1
            return true
        }

        /// The index of the longest name in `names` the text starts with (English names case-insensitively).
        mutating func name(from names: [String]) throws(WhaleError) -> Int {
            var best: (index: Int, length: Int)?
            for (index, name) in names.enumerated() {
                let candidate = Array(name.lowercased().unicodeScalars)
                guard position + candidate.count <= scalars.count, candidate.count > (best?.length ?? 0) else { continue }
                let slice = String(String.UnicodeScalarView(scalars[position..<position + candidate.count])).lowercased()
                if Array(slice.unicodeScalars) == candidate { best = (index, candidate.count) }
            }
            guard let best else { throw error("expected one of \(names.joined(separator: ", "))") }
            position += best.length
            return best.index
        }

        mutating func offset() throws(WhaleError) -> Int {
            let rest = String(String.UnicodeScalarView(scalars[position...]))
            guard let (seconds, consumed) = DateTimeText.parseOffset(Substring(rest)) else { throw error("expected a UTC offset") }
            position += consumed  // offsets are ASCII: bytes are scalars
            return seconds
        }

        mutating func iso8601(into parsed: inout ParsedFields, requireTimeAndOffset: Bool) throws(WhaleError) {
            let negative = accept("-")
            let year = try number(minDigits: 4, maxDigits: 4)
            parsed.year = negative ? -year : year
            try expect("-")
            parsed.month = try number(minDigits: 2, maxDigits: 2)
            try expect("-")
            parsed.day = try number(minDigits: 2, maxDigits: 2)
            guard accept("T") || accept("t") || accept(" ") else {
                if requireTimeAndOffset { throw error("expected 'T' and a time") }
                return
            }
            parsed.hour = try number(minDigits: 2, maxDigits: 2)
            try expect(":")
            parsed.minute = try number(minDigits: 2, maxDigits: 2)
            if accept(":") {
                parsed.second = try number(minDigits: 2, maxDigits: 2)
                if accept(".") || accept(",") { parsed.nanosecond = try fraction(digits: nil) }
            } else if requireTimeAndOffset {
                throw error("expected seconds")
            }
            if isAtEnd {
                if requireTimeAndOffset { throw error("expected a UTC offset") }
                return
            }
            parsed.offset = try offset()
        }

        mutating func rfc1123(into parsed: inout ParsedFields) throws(WhaleError) {
            let weekdays = DateTimeText.weekdaysEnglish.map { String($0.prefix(3)) }
            parsed.weekday = try name(from: weekdays) + 1
            try expect(", ")
            parsed.day = try number(minDigits: 1, maxDigits: 2)
            try expect(" ")
            parsed.month = try name(from: DateTimeText.gregorianMonthsEnglish.map { String($0.prefix(3)) }) + 1
            try expect(" ")
            parsed.year = try number(minDigits: 4, maxDigits: 4)
            try expect(" ")
            parsed.hour = try number(minDigits: 2, maxDigits: 2)
            try expect(":")
            parsed.minute = try number(minDigits: 2, maxDigits: 2)
            try expect(":")
            parsed.second = try number(minDigits: 2, maxDigits: 2)
            try expect(" ")
            if (try? name(from: ["GMT", "UT", "UTC"])) != nil {
                parsed.offset = 0
            } else {
                let sign = peek
                guard sign == "+" || sign == "-" else { throw error("expected GMT or an offset") }
                parsed.offset = try offset()
            }
        }
    }
}
