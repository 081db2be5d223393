public import CoreProtocols

/// What ``TextPatternFinder`` looks for.
public struct TextPatternKinds: OptionSet, Hashable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `name@example.com`.
    public static let email = TextPatternKinds(rawValue: 1 << 0)
    /// `https://…`, `http://…`, `www.…`.
    public static let url = TextPatternKinds(rawValue: 1 << 1)
    /// Iranian mobile and landline numbers in every common shape, and international `+` numbers.
    public static let phone = TextPatternKinds(rawValue: 1 << 2)
    /// `2026-12-05`, `1403/09/15`, in either digit set.
    public static let date = TextPatternKinds(rawValue: 1 << 3)
    /// `#هوش_مصنوعی`, `#AI`.
    public static let hashtag = TextPatternKinds(rawValue: 1 << 4)
    /// `@user`.
    public static let mention = TextPatternKinds(rawValue: 1 << 5)
    /// `1,234.5`, `۱۲٬۳۴۵٫۶`, `-7`.
    public static let number = TextPatternKinds(rawValue: 1 << 6)
    /// Everything.
    public static let all: TextPatternKinds = [.email, .url, .phone, .date, .hashtag, .mention, .number]
}

/// One pattern found in a text.
public struct TextMatch: Hashable, Sendable, CustomStringConvertible {
    /// What was found.
    public enum Kind: String, Hashable, Sendable {
        case email, url, phone, date, hashtag, mention, number
    }

    /// What was found.
    public let kind: Kind
    /// Where, in the searched string.
    public let range: Range<String.Index>
    /// The matched text as written.
    public let text: String
    /// A canonical form: emails lower-cased; URLs as written (with `http://` for `www.`);
    /// phones in E.164 (`+989121234567`); dates `YYYY-MM-DD` in their own
    /// calendar (years below 1700 are Persian); hashtags and mentions without
    /// the sign, digits ASCII; numbers as a plain decimal (`1234.5`).
    public let normalized: String

    public var description: String { "\(kind)(\(text) → \(normalized))" }
}

/// `find_patterns`: emails, URLs, phone numbers (Iranian formats included),
/// dates, hashtags, mentions and numbers, in Persian or ASCII digits, found by
/// one left-to-right scan (no regular expressions). Matches do not overlap: at
/// each position the longest-reaching kind wins in the order URL, email, phone,
/// date, mention, hashtag, number, so the digits of a URL are not numbers and
/// an email is not a mention.
///
/// ```swift
/// let found = try TextPatternFinder.find(in: "تماس: ۰۹۱۲ ۳۴۵ ۶۷۸۹ یا ali@example.com #هوش_مصنوعی")
/// found.map(\.normalized)   // ["+989123456789", "ali@example.com", "هوش_مصنوعی"]
/// ```
public enum TextPatternFinder {
    /// The matches of `kinds` in `text`, in order; `WhaleError(.invalidInput)`
    /// when the text is longer than ``TextLimits/maximumBytes``.
    public static func find(in text: String, kinds: TextPatternKinds = .all) throws(WhaleError) -> [TextMatch] {
        guard text.utf8.count <= TextLimits.maximumBytes else {
            throw WhaleError(.invalidInput, "the text is \(text.utf8.count) bytes; the limit is \(TextLimits.maximumBytes)")
        }
        let scanner = Scan(text)
        var matches: [TextMatch] = []
        var position = 0
        while position < scanner.count {
            if let (kind, end, normalized) = scanner.match(at: position, kinds: kinds) {
                matches.append(TextMatch(kind: kind, range: scanner.indices[position]..<scanner.indices[end],
                                         text: String(text.unicodeScalars[scanner.indices[position]..<scanner.indices[end]]),
                                         normalized: normalized))
                position = end
            } else {
                // Skip the rest of a word, so matches start at word starts only.
                let wordLike = scanner.isWord(position)
                position += 1
                while wordLike, position < scanner.count, scanner.isWord(position) { position += 1 }
            }
        }
        return matches
    }

    struct Scan {
        let scalars: [Unicode.Scalar]
        /// `indices[i]` is the string index of scalar i; `indices[count]` the end.
        let indices: [String.Index]
        var count: Int { scalars.count }

        init(_ text: String) {
            var scalars: [Unicode.Scalar] = []
            var indices: [String.Index] = []
            var index = text.unicodeScalars.startIndex
            while index < text.unicodeScalars.endIndex {
                scalars.append(text.unicodeScalars[index])
                indices.append(index)
                index = text.unicodeScalars.index(after: index)
            }
            indices.append(text.unicodeScalars.endIndex)
            self.scalars = scalars
            self.indices = indices
        }

        func at(_ i: Int) -> Unicode.Scalar? { i >= 0 && i < scalars.count ? scalars[i] : nil }
        func isWord(_ i: Int) -> Bool { at(i).map(TextScalars.isWordScalar) ?? false }
        func digit(_ i: Int) -> Int? { at(i).flatMap(TextScalars.digitValue) }
        func isASCIIAlnum(_ i: Int) -> Bool {
            guard let s = at(i), s.isASCII else { return false }
            return (0x30...0x39).contains(s.value) || (0x41...0x5A).contains(s.value) || (0x61...0x7A).contains(s.value)
        }

        func match(at i: Int, kinds: TextPatternKinds) -> (TextMatch.Kind, Int, String)? {
            // Patterns start at a word boundary.
            if isWord(i - 1) || at(i - 1) == "@" || at(i - 1) == "#" { return nil }
            if kinds.contains(.url), let (end, value) = url(at: i) { return (.url, end, value) }
            if kinds.contains(.email), let (end, value) = email(at: i) { return (.email, end, value) }
            if kinds.contains(.phone), let (end, value) = phone(at: i) { return (.phone, end, value) }
            if kinds.contains(.date), let (end, value) = date(at: i) { return (.date, end, value) }
            if kinds.contains(.mention), let (end, value) = tag(at: i, sign: "@") { return (.mention, end, value) }
            if kinds.contains(.hashtag), let (end, value) = tag(at: i, sign: "#") { return (.hashtag, end, value) }
            if kinds.contains(.number), let (end, value) = number(at: i) { return (.number, end, value) }
            return nil
        }

        func hasPrefix(_ prefix: String, at i: Int) -> Bool {
            var j = i
            for p in prefix.unicodeScalars {
                guard let s = at(j), s.properties.lowercaseMapping == String(p) || s == p else { return false }
                j += 1
            }
            return true
        }

        func url(at i: Int) -> (Int, String)? {
            let prefixLength: Int
            if hasPrefix("https://", at: i) { prefixLength = 8 } else if hasPrefix("http://", at: i) { prefixLength = 7 } else if hasPrefix("www.", at: i) { prefixLength = 4 } else { return nil }
            var end = i + prefixLength
            while let s = at(end), !TextScalars.isWhitespace(s), !"<>\"«»“”".unicodeScalars.contains(s) { end += 1 }
            // Trailing punctuation belongs to the sentence, not the URL.
            while end > i + prefixLength, let s = at(end - 1), ".,;:!?)]}'،؛؟".unicodeScalars.contains(s) { end -= 1 }
            guard end > i + prefixLength, isWord(i + prefixLength) else { return nil }
            let text = String(String.UnicodeScalarView(scalars[i..<end]))
            return (end, prefixLength == 4 ? "http://" + text : text)
        }

        func email(at i: Int) -> (Int, String)? {
            var j = i
            func local(_ s: Unicode.Scalar) -> Bool { s.isASCII && (isASCIIAlnum(j) || "._%+-".unicodeScalars.contains(s)) }
            while let s = at(j), local(s) { j += 1 }
            guard j > i, at(j) == "@", at(i) != ".", at(j - 1) != "." else { return nil }
            let domainStart = j + 1
            var k = domainStart
            var lastDot = -1
            while let s = at(k), s.isASCII, isASCIIAlnum(k) || s == "-" || (s == "." && isASCIIAlnum(k + 1)) {
                if s == "." { lastDot = k }
                k += 1
            }
            guard lastDot > domainStart, k - lastDot - 1 >= 2,
                (lastDot + 1..<k).allSatisfy({ at($0).map { (0x41...0x5A).contains($0.value) || (0x61...0x7A).contains($0.value) } ?? false }),
                !isWord(k)
            else { return nil }
            return (k, String(String.UnicodeScalarView(scalars[i..<k])).lowercased())
        }

        /// Digits (either set) with single separators among `separators`; the digits and where it ended.
        func digitRun(at i: Int, separators: String, maximumDigits: Int) -> (digits: [Int], end: Int)? {
            var digits: [Int] = []
            var j = i
            while j < count, digits.count < maximumDigits {
                if let d = digit(j) {
                    digits.append(d)
                    j += 1
                } else if let s = at(j), separators.unicodeScalars.contains(s), digit(j + 1) != nil, !digits.isEmpty {
                    j += 1
                } else {
                    break
                }
            }
            return digits.isEmpty ? nil : (digits, j)
        }

        func phone(at i: Int) -> (Int, String)? {
            var j = i
            var international = false
            if at(j) == "+" {
                international = true
                j += 1
            } else if at(j) == "(" {
                j += 1
            }
            guard digit(j) != nil else { return nil }
            guard let (raw, end) = digitRun(at: j, separators: " -.)(", maximumDigits: 16), !isWord(end) else { return nil }
            var digits = raw
            if !international, digits.starts(with: [0, 0]) {
                international = true
                digits.removeFirst(2)
            }
            let text = digits.map(String.init).joined()
            if international {
                if digits.starts(with: [9, 8]) {
                    let national = Array(digits.dropFirst(2))
                    guard national.count == 10, national[0] != 0 else { return nil }
                    return (end, "+98" + national.map(String.init).joined())
                }
                guard (8...15).contains(digits.count), digits[0] != 0 else { return nil }
                return (end, "+" + text)
            }
            // Iranian national formats: 09xx xxx xxxx (mobile), 0AA xxxxxxxx (landline), 9xxxxxxxxx.
            if digits.count == 11, digits[0] == 0, digits[1] != 0 { return (end, "+98" + digits.dropFirst().map(String.init).joined()) }
            if digits.count == 10, digits[0] == 9 { return (end, "+98" + text) }
            return nil
        }

        func date(at i: Int) -> (Int, String)? {
            guard let (year, afterYear) = fixedDigits(at: i, count: 4) else { return nil }
            guard let separator = at(afterYear), "-/.".unicodeScalars.contains(separator) else { return nil }
            guard let (month, afterMonth) = flexibleDigits(at: afterYear + 1), at(afterMonth) == separator,
                let (day, end) = flexibleDigits(at: afterMonth + 1), !isWord(end)
            else { return nil }
            let persian = year < 1700
            guard (1...12).contains(month), (1...31).contains(day) else { return nil }
            if persian {
                guard (try? PersianDate(year: year, month: month, day: day)) != nil else { return nil }
            } else {
                guard (try? LocalDate(year: year, month: month, day: day)) != nil else { return nil }
            }
            return (end, DateTimeText.pad(year, 4) + "-" + DateTimeText.pad(month, 2) + "-" + DateTimeText.pad(day, 2))
        }

        func fixedDigits(at i: Int, count n: Int) -> (Int, Int)? {
            var value = 0
            for k in 0..<n {
                guard let d = digit(i + k) else { return nil }
                value = value * 10 + d
            }
            return digit(i + n) == nil ? (value, i + n) : nil
        }

        func flexibleDigits(at i: Int) -> (Int, Int)? {
            if let two = fixedDigits(at: i, count: 2) { return two }
            return fixedDigits(at: i, count: 1)
        }

        func tag(at i: Int, sign: Unicode.Scalar) -> (Int, String)? {
            guard at(i) == sign else { return nil }
            var j = i + 1
            var sawLetter = false
            while let s = at(j), TextScalars.isWordScalar(s) || s == "_" || (s == TextScalars.zwnj && isWord(j + 1)) {
                if TextScalars.digitValue(s) == nil && s != "_" { sawLetter = true }
                j += 1
            }
            guard j > i + 1, sawLetter else { return nil }
            if sign == "@", at(j) == ".", isWord(j + 1) { return nil }  // part of something else
            return (j, DateTimeText.asciiDigits(String(String.UnicodeScalarView(scalars[(i + 1)..<j]))))
        }

        func number(at i: Int) -> (Int, String)? {
            var j = i
            var sign = ""
            if at(j) == "-" || at(j) == "+" || at(j) == "\u{2212}" {
                guard digit(j + 1) != nil else { return nil }
                sign = at(j) == "+" ? "" : "-"
                j += 1
            }
            guard digit(j) != nil else { return nil }
            var integer = ""
            // Grouped thousands: 1,234,567 or ۱٬۲۳۴ (groups of exactly three).
            while let d = digit(j) {
                integer.append(String(d))
                j += 1
                if let s = at(j), s == "," || s.value == 0x066C, fixedDigits(at: j + 1, count: 3) != nil {
                    j += 1
                }
            }
            var fraction = ""
            if let s = at(j), s == "." || s.value == 0x066B, digit(j + 1) != nil {
                j += 1
                while let d = digit(j) {
                    fraction.append(String(d))
                    j += 1
                }
            }
            guard !isWord(j) else { return nil }  // "10kg", "3rd": part of a word
            let trimmed = integer.drop { $0 == "0" }
            return (j, sign + (trimmed.isEmpty ? "0" : String(trimmed)) + (fraction.isEmpty ? "" : "." + fraction))
        }
    }
}
