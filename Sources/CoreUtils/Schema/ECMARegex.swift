import CoreProtocols
import Foundation

/// An ECMA-262 regular expression (JSON Schema's `pattern`, `patternProperties`
/// and the `regex` format), translated once to ICU syntax and compiled with
/// `NSRegularExpression`, which is thread-safe.
///
/// What differs and is translated: `\d`, `\w`, `\b` and their negations are
/// ASCII-only; `\s` is ECMA's white-space set (with U+FEFF); `$` matches only at
/// the very end; `.` excludes only the four ECMA line terminators; `\v`, `\cX`,
/// `\u{…}`, `[^]` and `[]`; `[` inside a class is a literal. Escapes that ECMA's
/// Unicode mode rejects (`\a`, `\e`, `\z`, …) are errors.
final class ECMARegex: @unchecked Sendable {
    /// The pattern as written.
    let source: String
    private let regex: NSRegularExpression
    /// Set when the pattern is a literal prefix test (`^abc`), matched without ICU.
    private let literalPrefix: String?

    init(_ source: String) throws {
        self.source = source
        let translated = try ECMARegex.translate(source)
        do {
            regex = try NSRegularExpression(pattern: translated, options: [])
        } catch {
            throw WhaleError(.invalidInput, "pattern '\(source)' is not a valid regular expression", underlying: error)
        }
        literalPrefix = ECMARegex.plainPrefix(source)
    }

    /// Whether the expression matches anywhere in `string` (JSON Schema patterns are not anchored).
    func matches(_ string: String) -> Bool {
        if let literalPrefix { return string.hasPrefix(literalPrefix) }
        let utf16Count = string.utf16.count
        return regex.firstMatch(in: string, options: [], range: NSRange(location: 0, length: utf16Count)) != nil
    }

    /// `^` followed only by letters, digits, `_` or `-`: a prefix test.
    private static func plainPrefix(_ source: String) -> String? {
        guard source.hasPrefix("^"), source.count > 1 else { return nil }
        let body = source.dropFirst()
        guard body.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") })
        else { return nil }
        return String(body)
    }

    private static let wordClass = "a-zA-Z0-9_"
    private static let spaceClass = "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}"

    /// ECMA-262 (Unicode mode) to ICU.
    static func translate(_ source: String) throws -> String {
        let scalars = Array(source.unicodeScalars)
        var output = ""
        var index = 0
        var inClass = false
        var classStart = false
        var groups: [Bool] = []  // open groups: whether each is a look-behind
        func fail(_ why: String) -> WhaleError {
            WhaleError(.invalidInput, "pattern '\(source)' is not a valid ECMA-262 regular expression: \(why)")
        }
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            if scalar == "\\" {
                guard index < scalars.count else { throw fail("it ends with '\\'") }
                let escaped = scalars[index]
                index += 1
                switch escaped {
                case "d": output += inClass ? "0-9" : "[0-9]"
                case "D": output += "[^0-9]"
                case "w": output += inClass ? wordClass : "[\(wordClass)]"
                case "W": output += "[^\(wordClass)]"
                case "s": output += inClass ? spaceClass : "[\(spaceClass)]"
                case "S": output += "[^\(spaceClass)]"
                case "b":
                    if inClass {
                        output += "\\x{08}"
                    } else {
                        output += "(?:(?<=[\(wordClass)])(?![\(wordClass)])|(?<![\(wordClass)])(?=[\(wordClass)]))"
                    }
                case "B":
                    guard !inClass else { throw fail("\\B inside a class") }
                    output += "(?:(?<=[\(wordClass)])(?=[\(wordClass)])|(?<![\(wordClass)])(?![\(wordClass)]))"
                case "v": output += "\\x{0B}"
                case "f", "n", "r", "t": output += "\\" + String(escaped)
                case "0":
                    if index < scalars.count, ("0"..."9").contains(scalars[index]) { throw fail("octal escape") }
                    output += "\\x{00}"
                case "1"..."9":
                    guard !inClass else { throw fail("a back-reference inside a class") }
                    output += "\\" + String(escaped)
                    while index < scalars.count, ("0"..."9").contains(scalars[index]) {
                        output.unicodeScalars.append(scalars[index])
                        index += 1
                    }
                case "c":
                    guard index < scalars.count, scalars[index].isASCII, scalars[index].properties.isAlphabetic else {
                        throw fail("\\c without a control letter")
                    }
                    output += "\\x{" + String(scalars[index].value % 32, radix: 16) + "}"
                    index += 1
                case "x":
                    guard index + 1 < scalars.count, hex(scalars[index]) != nil, hex(scalars[index + 1]) != nil else {
                        throw fail("\\x needs two hex digits")
                    }
                    output += "\\x{" + String(scalars[index]) + String(scalars[index + 1]) + "}"
                    index += 2
                case "u":
                    if index < scalars.count, scalars[index] == "{" {
                        var digits = ""
                        index += 1
                        while index < scalars.count, scalars[index] != "}" {
                            guard hex(scalars[index]) != nil else { throw fail("\\u{…} needs hex digits") }
                            digits.unicodeScalars.append(scalars[index])
                            index += 1
                        }
                        guard index < scalars.count, !digits.isEmpty, let value = UInt32(digits, radix: 16), value <= 0x10FFFF else {
                            throw fail("bad \\u{…} escape")
                        }
                        index += 1
                        output += "\\x{" + digits + "}"
                    } else {
                        guard index + 3 < scalars.count, (0..<4).allSatisfy({ hex(scalars[index + $0]) != nil }) else {
                            throw fail("\\u needs four hex digits")
                        }
                        output += "\\x{" + String(String.UnicodeScalarView(scalars[index..<(index + 4)])) + "}"
                        index += 4
                    }
                case "p", "P":
                    guard index < scalars.count, scalars[index] == "{" else { throw fail("\\\(escaped) without {…}") }
                    var name = ""
                    index += 1
                    while index < scalars.count, scalars[index] != "}" {
                        name.unicodeScalars.append(scalars[index])
                        index += 1
                    }
                    guard index < scalars.count, !name.isEmpty else { throw fail("unterminated \\\(escaped){") }
                    index += 1
                    output += "\\" + String(escaped) + "{" + name + "}"
                case "k":
                    output += "\\k"
                default:
                    if escaped.isASCII && (escaped.properties.isAlphabetic || ("0"..."9").contains(escaped)) {
                        throw fail("'\\\(escaped)' is not an ECMA-262 escape")
                    }
                    output += "\\" + String(escaped)
                }
                classStart = false
                continue
            }
            if inClass {
                if scalar == "]" {
                    inClass = false
                    output += "]"
                } else if scalar == "[" || scalar == "&" || scalar == "~" {
                    output += "\\" + String(scalar)
                } else if scalar == "^" && classStart && output.hasSuffix("[") {
                    output += "^"
                    classStart = false
                    // `[^]` matches anything.
                    if index < scalars.count, scalars[index] == "]" {
                        output += "\\x{0}-\\x{10FFFF}]"
                        index += 1
                        inClass = false
                    }
                    continue
                } else {
                    output.unicodeScalars.append(scalar)
                }
                classStart = false
                continue
            }
            switch scalar {
            case "(":
                var lookbehind = false
                if index < scalars.count, scalars[index] == "?" {
                    let next = index + 1 < scalars.count ? scalars[index + 1] : " "
                    let after = index + 2 < scalars.count ? scalars[index + 2] : " "
                    switch (next, after) {
                    case (":", _), ("=", _), ("!", _): break
                    case ("<", "="), ("<", "!"): lookbehind = true
                    case ("<", _):
                        guard let close = scalars[(index + 2)...].firstIndex(of: ">"), close > index + 2,
                            scalars[(index + 2)..<close].allSatisfy({ $0.properties.isAlphabetic || $0 == "_" || $0 == "$" || ("0"..."9").contains($0) })
                        else { throw fail("a malformed named group") }
                    default:
                        throw fail("'(?\(next)' is not ECMA-262 group syntax")
                    }
                }
                groups.append(lookbehind)
                output += "("
            case ")":
                if !groups.isEmpty { groups.removeLast() }
                output += ")"
            case "*" where groups.contains(true):
                // ICU needs a bounded look-behind; ECMA-262 (ES2018) allows any.
                output += "{0,1000}"
            case "+" where groups.contains(true):
                output += "{1,1000}"
            case "[":
                if index < scalars.count, scalars[index] == "]" {
                    output += "(?!)"
                    index += 1
                } else {
                    inClass = true
                    classStart = true
                    output += "["
                }
            case "$": output += "(?![\\x{0}-\\x{10FFFF}])"
            case ".": output += "[^\\n\\r\\x{2028}\\x{2029}]"
            default: output.unicodeScalars.append(scalar)
            }
        }
        guard !inClass else { throw fail("an unterminated character class") }
        return output
    }

    private static func hex(_ scalar: Unicode.Scalar) -> UInt8? {
        scalar.isASCII ? SchemaURI.hexValue(UInt8(scalar.value)) : nil
    }
}
