/// The `format` values checked when formats assert, each by hand-written
/// grammar (no regular expressions): RFC 3339 dates and times, ISO 8601
/// durations (RFC 3339 appendix A), RFC 5321 e-mail addresses, RFC 1123
/// hostnames (with IDNA 2008 A-labels), IPv4/IPv6, RFC 3986 URIs, UUIDs,
/// ECMA-262 regular expressions and JSON Pointers.
enum SchemaFormat: String, Sendable {
    case dateTime = "date-time"
    case date
    case time
    case duration
    case email
    case hostname
    case ipv4
    case ipv6
    case uri
    case uriReference = "uri-reference"
    case uuid
    case regex
    case jsonPointer = "json-pointer"

    func validates(_ string: String) -> Bool {
        let bytes = Array(string.utf8)
        switch self {
        case .dateTime: return Self.isDateTime(bytes[...])
        case .date: return Self.isDate(bytes[...])
        case .time: return Self.isTime(bytes[...])
        case .duration: return Self.isDuration(bytes)
        case .email: return Self.isEmail(string)
        case .hostname: return Self.isHostname(string)
        case .ipv4: return Self.isIPv4(bytes[...])
        case .ipv6: return Self.isIPv6(bytes[...])
        case .uri: return SchemaURIGrammar.isURI(bytes, allowRelative: false)
        case .uriReference: return SchemaURIGrammar.isURI(bytes, allowRelative: true)
        case .uuid: return Self.isUUID(bytes)
        case .regex: return (try? ECMARegex(string)) != nil
        case .jsonPointer: return Self.isJSONPointer(bytes)
        }
    }

    // MARK: - Dates and times

    private static func digits(_ bytes: ArraySlice<UInt8>, _ offset: Int, _ count: Int) -> Int? {
        let start = bytes.startIndex + offset
        guard start + count <= bytes.endIndex else { return nil }
        var value = 0
        for byte in bytes[start..<(start + count)] {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    private static func isDate(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count == 10, bytes[bytes.startIndex + 4] == UInt8(ascii: "-"), bytes[bytes.startIndex + 7] == UInt8(ascii: "-"),
            let year = digits(bytes, 0, 4), let month = digits(bytes, 5, 2), let day = digits(bytes, 8, 2),
            (1...12).contains(month), day >= 1
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    private static func isTime(_ bytes: ArraySlice<UInt8>) -> Bool {
        let s = bytes.startIndex
        guard bytes.count >= 9, bytes[s + 2] == UInt8(ascii: ":"), bytes[s + 5] == UInt8(ascii: ":"),
            let hour = digits(bytes, 0, 2), let minute = digits(bytes, 3, 2), let second = digits(bytes, 6, 2),
            hour <= 23, minute <= 59, second <= 60
        else { return false }
        var index = s + 8
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.endIndex, bytes[index] >= 0x30 && bytes[index] <= 0x39 { index += 1 }
            guard index > start else { return false }
        }
        guard index < bytes.endIndex else { return false }
        var offsetMinutes = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.endIndex else { return false }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let rest = bytes[(index + 1)...]
            guard rest.count == 5, rest[rest.startIndex + 2] == UInt8(ascii: ":"),
                let offsetHour = digits(rest, 0, 2), let offsetMinute = digits(rest, 3, 2), offsetHour <= 23, offsetMinute <= 59
            else { return false }
            offsetMinutes = (offsetHour * 60 + offsetMinute) * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return false
        }
        if second == 60 {
            // A leap second is 23:59:60 in UTC.
            let utc = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
            return utc == 23 * 60 + 59
        }
        return true
    }

    private static func isDateTime(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count > 11 else { return false }
        let separator = bytes[bytes.startIndex + 10]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") else { return false }
        return isDate(bytes.prefix(10)) && isTime(bytes.dropFirst(11))
    }

    private static func isDuration(_ bytes: [UInt8]) -> Bool {
        guard bytes.first == UInt8(ascii: "P"), bytes.count > 1 else { return false }
        var index = 1
        var inTime = false
        var sawTimeElement = false
        var sawAny = false
        var lastRank = -1
        var sawWeek = false
        var elements = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "T") {
                guard !inTime else { return false }
                inTime = true
                index += 1
                continue
            }
            let start = index
            while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 { index += 1 }
            guard index > start, index < bytes.count else { return false }
            let designator = bytes[index]
            index += 1
            let rank: Int
            switch (designator, inTime) {
            case (UInt8(ascii: "Y"), false): rank = 0
            case (UInt8(ascii: "M"), false): rank = 1
            case (UInt8(ascii: "D"), false): rank = 2
            case (UInt8(ascii: "W"), false): rank = 7
            case (UInt8(ascii: "H"), true): rank = 4
            case (UInt8(ascii: "M"), true): rank = 5
            case (UInt8(ascii: "S"), true): rank = 6
            default: return false
            }
            guard rank > lastRank else { return false }
            // RFC 3339 appendix A: Y [M [D]], H [M [S]]; no gaps inside the date or the time part.
            if lastRank >= 0, (lastRank < 4) == (rank < 4), rank != lastRank + 1 { return false }
            if rank == 7 { sawWeek = true }
            lastRank = rank
            elements += 1
            sawAny = true
            if inTime { sawTimeElement = true }
        }
        if inTime && !sawTimeElement { return false }
        if sawWeek && (elements != 1 || inTime) { return false }
        return sawAny
    }

    // MARK: - Addresses

    static func isIPv4(_ bytes: ArraySlice<UInt8>) -> Bool {
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for part in parts {
            guard (1...3).contains(part.count), let value = digits(part, 0, part.count), value <= 255 else { return false }
            if part.count > 1 && part.first == UInt8(ascii: "0") { return false }
        }
        return true
    }

    static func isIPv6(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard !bytes.isEmpty else { return false }
        var groups = 0
        var doubleColon = false
        var parts = bytes.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)[...]
        // Leading or trailing "::" leaves empty parts at the ends.
        if parts.first?.isEmpty == true {
            guard parts.count > 1, parts[parts.startIndex + 1].isEmpty else { return false }
            parts = parts.dropFirst()
        }
        if parts.last?.isEmpty == true {
            guard parts.count > 1, parts[parts.endIndex - 2].isEmpty else { return false }
            parts = parts.dropLast()
        }
        for (position, part) in parts.enumerated() {
            if part.isEmpty {
                guard !doubleColon else { return false }
                doubleColon = true
                continue
            }
            if position == parts.count - 1, part.contains(UInt8(ascii: ".")) {
                guard isIPv4(part) else { return false }
                groups += 2
                continue
            }
            guard part.count <= 4, part.allSatisfy({ SchemaURI.hexValue($0) != nil }) else { return false }
            groups += 1
        }
        return doubleColon ? groups <= 7 : groups == 8
    }

    private static func isEmail(_ string: String) -> Bool {
        guard let at = string.lastIndex(of: "@") else { return false }
        let local = string[..<at]
        let domain = string[string.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty else { return false }
        // Local part: a dot-atom or a quoted string.
        if local.hasPrefix("\"") {
            guard local.count >= 2, local.hasSuffix("\"") else { return false }
            var escaped = false
            for character in local.dropFirst().dropLast() {
                guard character.isASCII else { return false }
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    return false
                }
            }
            if escaped { return false }
        } else {
            let atext = Set("!#$%&'*+-/=?^_`{|}~")
            let atoms = local.split(separator: ".", omittingEmptySubsequences: false)
            for atom in atoms {
                guard !atom.isEmpty, atom.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || atext.contains($0)) }) else {
                    return false
                }
            }
        }
        if domain.hasPrefix("[") {
            guard domain.hasSuffix("]") else { return false }
            let literal = domain.dropFirst().dropLast()
            if literal.hasPrefix("IPv6:") { return isIPv6(Array(literal.dropFirst(5).utf8)[...]) }
            return isIPv4(Array(literal.utf8)[...])
        }
        return isHostname(String(domain))
    }

    private static func isUUID(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else if SchemaURI.hexValue(byte) == nil {
                return false
            }
        }
        return true
    }

    private static func isJSONPointer(_ bytes: [UInt8]) -> Bool {
        if bytes.isEmpty { return true }
        guard bytes.first == UInt8(ascii: "/") else { return false }
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "~") {
            guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "0") || bytes[index + 1] == UInt8(ascii: "1") else { return false }
        }
        return true
    }

    // MARK: - Hostnames

    static func isHostname(_ string: String) -> Bool {
        guard !string.isEmpty, string.utf8.count <= 253, string.allSatisfy(\.isASCII) else { return false }
        let labels = string.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            let bytes = Array(label.utf8)
            guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else { return false }
            guard bytes.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == UInt8(ascii: "-") }) else {
                return false
            }
            if bytes.count >= 4, bytes[2] == UInt8(ascii: "-"), bytes[3] == UInt8(ascii: "-") {
                // Reserved LDH labels: only IDNA A-labels ("xn--…").
                guard bytes[0] | 0x20 == UInt8(ascii: "x"), bytes[1] | 0x20 == UInt8(ascii: "n"),
                    let decoded = Punycode.decode(Array(bytes[4...])), isULabel(decoded)
                else { return false }
            }
        }
        return true
    }

    /// IDNA 2008 (RFC 5891 §5.4, RFC 5892) checks on a decoded label, with the
    /// exceptions and contextual rules spelled out and letters, marks and digits
    /// otherwise allowed.
    private static func isULabel(_ scalars: [Unicode.Scalar]) -> Bool {
        guard let first = scalars.first else { return false }
        if scalars.count >= 4, scalars[2] == "-", scalars[3] == "-" { return false }
        if scalars.first == "-" || scalars.last == "-" { return false }
        switch first.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return false
        default: break
        }
        let disallowed: Set<UInt32> = [0x0640, 0x07FA, 0x302E, 0x302F, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303B]
        let exceptionallyValid: Set<UInt32> = [0x00DF, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x3007]
        var arabicIndic = false
        var extendedArabicIndic = false
        for (index, scalar) in scalars.enumerated() {
            let value = scalar.value
            if scalar.isASCII {
                let byte = UInt8(value)
                guard (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "-") else { return false }
                continue
            }
            if disallowed.contains(value) { return false }
            if exceptionallyValid.contains(value) { continue }
            let previous = index > 0 ? scalars[index - 1] : nil
            let next = index + 1 < scalars.count ? scalars[index + 1] : nil
            switch value {
            case 0x00B7:  // MIDDLE DOT: between two 'l'.
                guard previous == "l", next == "l" else { return false }
                continue
            case 0x0375:  // GREEK LOWER NUMERAL SIGN: followed by Greek.
                guard let next, isGreek(next) else { return false }
                continue
            case 0x05F3, 0x05F4:  // HEBREW GERESH / GERSHAYIM: preceded by Hebrew.
                guard let previous, (0x0590...0x05FF).contains(previous.value) else { return false }
                continue
            case 0x30FB:  // KATAKANA MIDDLE DOT: the label has Hiragana, Katakana or Han.
                guard scalars.contains(where: { $0.value != 0x30FB && isJapanese($0) }) else { return false }
                continue
            case 0x200D:  // ZERO WIDTH JOINER: after a virama.
                guard let previous, previous.properties.canonicalCombiningClass == .virama else { return false }
                continue
            case 0x200C:  // ZERO WIDTH NON-JOINER: after a virama, or between joining letters.
                if let previous, previous.properties.canonicalCombiningClass == .virama { continue }
                guard let previous, let next, isArabicLetter(previous), isArabicLetter(next) else { return false }
                continue
            case 0x0660...0x0669: arabicIndic = true
            case 0x06F0...0x06F9: extendedArabicIndic = true
            default: break
            }
            switch scalar.properties.generalCategory {
            case .lowercaseLetter, .otherLetter, .modifierLetter, .nonspacingMark, .spacingMark, .decimalNumber: break
            default: return false
            }
        }
        return !(arabicIndic && extendedArabicIndic)
    }

    private static func isGreek(_ scalar: Unicode.Scalar) -> Bool {
        (0x0370...0x03FF).contains(scalar.value) || (0x1F00...0x1FFF).contains(scalar.value)
    }

    private static func isJapanese(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (0x3040...0x30FF).contains(value) || (0x31F0...0x31FF).contains(value) || (0x3400...0x4DBF).contains(value)
            || (0x4E00...0x9FFF).contains(value) || (0xF900...0xFAFF).contains(value) || (0x20000...0x2FA1F).contains(value)
    }

    private static func isArabicLetter(_ scalar: Unicode.Scalar) -> Bool {
        (0x0620...0x064A).contains(scalar.value) || (0x066E...0x06D3).contains(scalar.value)
            || (0x06FA...0x06FC).contains(scalar.value)
    }
}

/// RFC 3492 Punycode decoding.
enum Punycode {
    static func decode(_ input: [UInt8]) -> [Unicode.Scalar]? {
        let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700
        var output: [UInt32] = []
        var rest = input[...]
        if let delimiter = input.lastIndex(of: UInt8(ascii: "-")) {
            for byte in input[..<delimiter] {
                guard byte < 0x80 else { return nil }
                output.append(UInt32(byte))
            }
            rest = input[(delimiter + 1)...]
        }
        var n = 128
        var i = 0
        var bias = 72
        var position = rest.startIndex
        while position < rest.endIndex {
            let oldI = i
            var w = 1
            var k = base
            while true {
                guard position < rest.endIndex else { return nil }
                let byte = rest[position]
                position += 1
                let digit: Int
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"): digit = Int(byte - UInt8(ascii: "a"))
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit = Int(byte - UInt8(ascii: "A"))
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0")) + 26
                default: return nil
                }
                let (product, overflow) = digit.multipliedReportingOverflow(by: w)
                guard !overflow, i <= Int(Int32.max) - product else { return nil }
                i += product
                let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                if digit < t { break }
                w *= base - t
                guard w <= Int(Int32.max) else { return nil }
                k += base
            }
            // Bias adaptation.
            var delta = oldI == 0 ? (i - oldI) / damp : (i - oldI) / 2
            delta += delta / (output.count + 1)
            var kk = 0
            while delta > ((base - tMin) * tMax) / 2 {
                delta /= base - tMin
                kk += base
            }
            bias = kk + (base - tMin + 1) * delta / (delta + skew)
            n += i / (output.count + 1)
            i %= output.count + 1
            guard n <= 0x10FFFF else { return nil }
            output.insert(UInt32(n), at: i)
            i += 1
        }
        let scalars = output.compactMap(Unicode.Scalar.init)
        return scalars.count == output.count ? scalars : nil
    }
}

/// RFC 3986 syntax checks for the `uri` and `uri-reference` formats.
enum SchemaURIGrammar {
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
    }

    private static func isSubDelim(_ byte: UInt8) -> Bool {
        "!$&'()*+,;=".utf8.contains(byte)
    }

    /// Whether `bytes` consist of unreserved, sub-delims, percent-encodings and `extra`.
    private static func isComponent(_ bytes: ArraySlice<UInt8>, extra: String) -> Bool {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex, SchemaURI.hexValue(bytes[index + 1]) != nil, SchemaURI.hexValue(bytes[index + 2]) != nil else {
                    return false
                }
                index += 3
                continue
            }
            guard isUnreserved(byte) || isSubDelim(byte) || extra.utf8.contains(byte) else { return false }
            index += 1
        }
        return true
    }

    static func isURI(_ bytes: [UInt8], allowRelative: Bool) -> Bool {
        var rest = bytes[...]
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) {
            guard isComponent(rest[(hash + 1)...], extra: ":@/?") else { return false }
            rest = rest[..<hash]
        }
        if let question = rest.firstIndex(of: UInt8(ascii: "?")) {
            guard isComponent(rest[(question + 1)...], extra: ":@/?") else { return false }
            rest = rest[..<question]
        }
        var hasScheme = false
        if let colon = rest.firstIndex(of: UInt8(ascii: ":")), !rest[..<colon].contains(UInt8(ascii: "/")) {
            let scheme = rest[..<colon]
            guard let first = scheme.first, (first | 0x20) >= 0x61 && (first | 0x20) <= 0x7A,
                scheme.allSatisfy({ isUnreserved($0) && $0 != UInt8(ascii: "_") && $0 != UInt8(ascii: "~") || $0 == UInt8(ascii: "+") })
            else { return false }
            hasScheme = true
            rest = rest[(colon + 1)...]
        }
        guard hasScheme || allowRelative else { return false }
        var path = rest
        if rest.starts(with: "//".utf8) {
            let authorityStart = rest.startIndex + 2
            let authorityEnd = rest[authorityStart...].firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
            guard isAuthority(rest[authorityStart..<authorityEnd]) else { return false }
            path = rest[authorityEnd...]
        } else if !hasScheme, let firstSlash = path.firstIndex(of: UInt8(ascii: "/")) ?? Optional(path.endIndex),
            path[..<firstSlash].contains(UInt8(ascii: ":"))
        {
            return false  // path-noscheme
        }
        return isComponent(path, extra: ":@/")
    }

    private static func isAuthority(_ authority: ArraySlice<UInt8>) -> Bool {
        var hostPort = authority
        if let at = authority.firstIndex(of: UInt8(ascii: "@")) {
            guard isComponent(authority[..<at], extra: ":") else { return false }
            hostPort = authority[(at + 1)...]
        }
        var host = hostPort
        if hostPort.first == UInt8(ascii: "[") {
            guard let close = hostPort.firstIndex(of: UInt8(ascii: "]")) else { return false }
            let literal = hostPort[(hostPort.startIndex + 1)..<close]
            guard SchemaFormat.isIPv6(literal) || (literal.first.map { $0 | 0x20 == UInt8(ascii: "v") } ?? false) else { return false }
            let after = hostPort[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":"), after.dropFirst().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
            }
            return true
        }
        if let colon = hostPort.lastIndex(of: UInt8(ascii: ":")) {
            guard hostPort[(colon + 1)...].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
            host = hostPort[..<colon]
        }
        return isComponent(host, extra: "")
    }
}
