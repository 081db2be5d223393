public import CoreProtocols

/// An ISO-8601 date-time of the message contract (`timestamp`, `expires_at`):
/// the instant it names and the exact text it was written as.
///
/// Python peers write `datetime.now().isoformat()`: local time with no zone,
/// microseconds only when non-zero (`2024-05-01T12:30:45.123456`,
/// `2024-05-01T12:30:45`); others add an offset (`+00:00`, `Z`). All of these
/// parse, with or without fractional seconds (1 to 9 digits are kept; more are
/// truncated), with `T`, `t` or a space between date and time, minutes-only times
/// (`12:30`) and date-only values (`2024-05-01`, midnight).
///
/// **A timestamp without an offset is read as UTC** (``hasExplicitOffset`` is
/// `false`): the naive local time Python writes has no zone to read, and Smart
/// Whale's services run in UTC.
///
/// Round trips are lossless: a parsed timestamp is encoded back as the text it
/// came from (``text``). A timestamp made here from an instant is written in UTC
/// with microseconds and an explicit offset, `2024-05-01T12:30:45.123456+00:00`,
/// which Python's `datetime.fromisoformat` reads.
public struct MessageTimestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The instant named, nanoseconds since the Unix epoch.
    public let instant: WhaleInstant
    /// The text as it appears on the wire.
    public let text: String
    /// The UTC offset the text carries, in seconds east of UTC; `nil` when the
    /// text has none (read as UTC).
    public let utcOffsetSeconds: Int?

    /// Whether the text carries a zone (`Z` or `±HH:MM`).
    public var hasExplicitOffset: Bool { utcOffsetSeconds != nil }

    /// Parses an ISO-8601 date-time as Python's `isoformat()` writes it.
    /// - Throws: `WhaleError` `.malformedData` when `text` is not such a date-time
    ///   or names an impossible date or time.
    public init(parsing text: String) throws {
        guard let parsed = ISO8601Parser.parse(Array(text.utf8)) else {
            throw WhaleError(.malformedData, "'\(text)' is not an ISO-8601 date-time")
        }
        self.instant = WhaleInstant(nanosecondsSinceEpoch: parsed.nanoseconds)
        self.text = text
        self.utcOffsetSeconds = parsed.offsetSeconds
    }

    /// The timestamp of an instant, truncated to whole microseconds and written in
    /// UTC as `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`.
    public init(_ instant: WhaleInstant) {
        let micros = instant.nanosecondsSinceEpoch.floorDivided(by: 1_000).quotient
        let (seconds, fraction) = micros.floorDivided(by: 1_000_000)
        let (days, secondOfDay) = seconds.floorDivided(by: 86_400)
        let (year, month, day) = GregorianDays.civil(fromDays: Int(days))
        self.instant = WhaleInstant(nanosecondsSinceEpoch: micros &* 1_000)
        self.text = Self.pad(year, 4) + "-" + Self.pad(month, 2) + "-" + Self.pad(day, 2)
            + "T" + Self.pad(secondOfDay / 3_600, 2) + ":" + Self.pad(secondOfDay % 3_600 / 60, 2)
            + ":" + Self.pad(secondOfDay % 60, 2) + "." + Self.pad(fraction, 6) + "+00:00"
        self.utcOffsetSeconds = 0
    }

    /// The current time of `clock`. Default clock: ``CoreProtocols/SystemClock``.
    public static func now(clock: any WhaleClock = SystemClock()) -> MessageTimestamp {
        MessageTimestamp(clock.now)
    }

    /// A new timestamp `seconds` later, written in UTC (for `expires_at` = `timestamp` + `ttl`).
    public func advanced(bySeconds seconds: Int) -> MessageTimestamp {
        MessageTimestamp(instant.advanced(by: .seconds(seconds)))
    }

    /// Orders by instant.
    public static func < (lhs: MessageTimestamp, rhs: MessageTimestamp) -> Bool {
        lhs.instant < rhs.instant
    }

    /// The wire text.
    public var description: String { text }

    /// Decodes from a string; see ``init(parsing:)``.
    public init(from decoder: any Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes ``text``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    // MARK: Text (day numbers come from CoreProtocols' GregorianDays)

    private static func pad(_ value: some BinaryInteger, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// The ISO-8601 subset Python's `datetime.isoformat()` / `fromisoformat()` use.
private enum ISO8601Parser {
    struct Result {
        var nanoseconds: Int64
        var offsetSeconds: Int?
    }

    static func parse(_ bytes: [UInt8]) -> Result? {
        var cursor = Cursor(bytes: bytes)
        guard let year = cursor.digits(4), cursor.take("-"),
              let month = cursor.digits(2), cursor.take("-"),
              let day = cursor.digits(2),
              (1...12).contains(month), (1...Int64(GregorianDays.daysInMonth(year: Int(year), month: Int(month)))).contains(day)
        else { return nil }
        var secondOfDay: Int64 = 0
        var fraction: Int64 = 0
        var offset: Int?
        if !cursor.isAtEnd {
            guard cursor.take("T") || cursor.take("t") || cursor.take(" ") else { return nil }
            guard let hour = cursor.digits(2), cursor.take(":"), let minute = cursor.digits(2),
                  (0...23).contains(hour), (0...59).contains(minute)
            else { return nil }
            var second: Int64 = 0
            if cursor.take(":") {
                guard let value = cursor.digits(2), (0...59).contains(value) else { return nil }
                second = value
                if cursor.take(".") || cursor.take(",") {
                    guard let nanos = cursor.fractionNanoseconds() else { return nil }
                    fraction = nanos
                }
            }
            secondOfDay = hour * 3_600 + minute * 60 + second
            if cursor.take("Z") || cursor.take("z") {
                offset = 0
            } else if let sign = cursor.sign() {
                guard let hours = cursor.digits(2), hours <= 23 else { return nil }
                var minutes: Int64 = 0
                var seconds: Int64 = 0
                if cursor.take(":") {
                    guard let value = cursor.digits(2), value <= 59 else { return nil }
                    minutes = value
                    if cursor.take(":") {
                        guard let value = cursor.digits(2), value <= 59 else { return nil }
                        seconds = value
                        // Python may add microseconds to an odd offset; they do not move the instant here.
                        if cursor.take(".") { guard cursor.fractionNanoseconds() != nil else { return nil } }
                    }
                } else if let value = cursor.digits(2) {
                    guard value <= 59 else { return nil }
                    minutes = value
                }
                offset = Int(sign * (hours * 3_600 + minutes * 60 + seconds))
            }
            guard cursor.isAtEnd else { return nil }
        }
        let days = Int64(GregorianDays.days(year: Int(year), month: Int(month), day: Int(day)))
        let seconds = days * 86_400 + secondOfDay - Int64(offset ?? 0)
        return Result(nanoseconds: seconds * 1_000_000_000 + fraction, offsetSeconds: offset)
    }

    struct Cursor {
        let bytes: [UInt8]
        var index = 0

        var isAtEnd: Bool { index == bytes.count }

        mutating func take(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        mutating func sign() -> Int64? {
            if take("+") { return 1 }
            if take("-") { return -1 }
            return nil
        }

        mutating func digits(_ count: Int) -> Int64? {
            guard bytes.count - index >= count else { return nil }
            var value: Int64 = 0
            for offset in 0..<count {
                let byte = bytes[index + offset]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }

        /// One or more digits after the decimal point, as nanoseconds (digits past the ninth are dropped).
        mutating func fractionNanoseconds() -> Int64? {
            var value: Int64 = 0
            var count = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                if count < 9 { value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0")) }
                count += 1
                index += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<max(count, 9) { value *= 10 }
            return value
        }
    }
}
