/// The small text pieces dates are made of: padded numbers, fractions, UTC
/// offsets, digit sets and names. Shared by ``DateTimeFormatter``,
/// ``ISODuration`` and the descriptions of the date types.
enum DateTimeText {
    /// `value` with at least `width` digits (a leading `-` for negatives).
    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value.magnitude)
        let padded = digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        return value < 0 ? "-" + padded : padded
    }

    /// `.fffffffff` with trailing zeros removed, in groups of three (`.5` → `.500`); empty for 0.
    static func fraction(_ nanosecond: Int) -> String {
        guard nanosecond != 0 else { return "" }
        var digits = pad(nanosecond, 9)
        while digits.count > 3, digits.hasSuffix("000") { digits.removeLast(3) }
        return "." + digits
    }

    /// `+03:30` / `-05:00` (`+0330` without the colon).
    static func offset(_ seconds: Int, colon: Bool) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let magnitude = abs(seconds)
        var text = sign + pad(magnitude / 3600, 2) + (colon ? ":" : "") + pad(magnitude / 60 % 60, 2)
        if magnitude % 60 != 0 { text += (colon ? ":" : "") + pad(magnitude % 60, 2) }
        return text
    }

    /// Reads `Z`, `+hh:mm`, `+hhmm` or `+hh` at the start of `text`: the offset
    /// in seconds and how many UTF-8 bytes it took.
    static func parseOffset(_ text: Substring) -> (seconds: Int, consumed: Int)? {
        let bytes = Array(text.utf8.prefix(6))
        guard let first = bytes.first else { return nil }
        if first == UInt8(ascii: "Z") || first == UInt8(ascii: "z") { return (0, 1) }
        guard first == UInt8(ascii: "+") || first == UInt8(ascii: "-") else { return nil }
        func digit(_ i: Int) -> Int? {
            guard i < bytes.count, (48...57).contains(bytes[i]) else { return nil }
            return Int(bytes[i] - 48)
        }
        guard let h1 = digit(1), let h2 = digit(2) else { return nil }
        var consumed = 3
        var minutes = 0
        let minuteStart = bytes.count > 3 && bytes[3] == UInt8(ascii: ":") ? 4 : 3
        if let m1 = digit(minuteStart), let m2 = digit(minuteStart + 1) {
            minutes = m1 * 10 + m2
            consumed = minuteStart + 2
        } else if minuteStart == 4 {
            return nil
        }
        let hours = h1 * 10 + h2
        guard hours <= 18, minutes <= 59 else { return nil }
        let seconds = (hours * 60 + minutes) * 60
        return (first == UInt8(ascii: "-") ? -seconds : seconds, consumed)
    }

    /// ASCII digits in `text` replaced by Persian ones (U+06F0…U+06F9).
    static func persianDigits(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if (48...57).contains(scalar.value), let persian = Unicode.Scalar(0x06F0 + scalar.value - 48) {
                scalars.append(persian)
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// Persian (U+06F0…) and Arabic-Indic (U+0660…) digits in `text` replaced by ASCII ones.
    static func asciiDigits(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value >= 0x0660 }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x06F0...0x06F9: scalars.append(Unicode.Scalar(UInt8(48 + scalar.value - 0x06F0)))
            case 0x0660...0x0669: scalars.append(Unicode.Scalar(UInt8(48 + scalar.value - 0x0660)))
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    static let gregorianMonthsEnglish = ["January", "February", "March", "April", "May", "June", "July", "August",
                                         "September", "October", "November", "December"]
    static let gregorianMonthsPersian = ["ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر",
                                         "اکتبر", "نوامبر", "دسامبر"]
    static let persianMonthsEnglish = ["Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar", "Mehr",
                                       "Aban", "Azar", "Dey", "Bahman", "Esfand"]
    static let persianMonthsPersian = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر",
                                       "دی", "بهمن", "اسفند"]
    /// ISO order: Monday first.
    static let weekdaysEnglish = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    static let weekdaysPersian = ["دوشنبه", "سه\u{200C}شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه"]
}
