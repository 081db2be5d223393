public import CoreProtocols
import Foundation

/// Cleans text from outside before it is stored, logged or shown (the spec's
/// `sanitize_data`), and checks names used as keys or file names.
///
/// ```swift
/// Sanitizer.sanitize("  می\u{200C}خواهم\u{200B} ")      // "می‌خواهم" (ZWNJ kept, ZWSP removed)
/// Sanitizer.sanitize("<b>x</b>", options: SanitizerOptions(escapesHTML: true))  // "&lt;b&gt;x&lt;/b&gt;"
/// try Sanitizer.safeName("../etc/passwd")              // throws .invalidInput
/// ```
public enum Sanitizer {
    /// `text` cleaned as `options` say.
    /// - Parameters:
    ///   - text: the input.
    ///   - options: what to do. Default: NFC, unsafe characters removed, trimmed.
    public static func sanitize(_ text: String, options: SanitizerOptions = SanitizerOptions()) -> String {
        var result = text
        if !options.normalization.isNone {
            result = options.normalization.isCompatibility ? result.precomposedStringWithCompatibilityMapping : result.precomposedStringWithCanonicalMapping
        }
        if options.removesControlCharacters || options.removesZeroWidthCharacters {
            result = removingUnsafeScalars(result, control: options.removesControlCharacters, zeroWidth: options.removesZeroWidthCharacters)
        }
        if options.collapsesWhitespace {
            var collapsed = ""
            var inSpace = false
            for character in result {
                if character.isWhitespace {
                    if !inSpace { collapsed.append(" ") }
                    inSpace = true
                } else {
                    collapsed.append(character)
                    inSpace = false
                }
            }
            result = collapsed
        }
        if options.trims { result = result.trimmingCharacters(in: .whitespacesAndNewlines) }
        if let maximum = options.maximumLength, result.count > maximum { result = String(result.prefix(max(0, maximum))) }
        if options.escapesHTML { result = escapingHTML(result) }
        return result
    }

    /// Every string (and object key) in `value` sanitised; numbers, booleans and `null` unchanged.
    /// - Parameters:
    ///   - value: the input.
    ///   - options: what to do with each string. Default: as ``sanitize(_:options:)``.
    /// - Throws: `WhaleError` `.invalidInput` when nested deeper than ``JSONValue/maximumNestingDepth``
    ///   or when two keys become equal after sanitising.
    public static func sanitize(_ value: JSONValue, options: SanitizerOptions = SanitizerOptions()) throws -> JSONValue {
        try sanitize(value, options: options, depth: 0)
    }

    private static func sanitize(_ value: JSONValue, options: SanitizerOptions, depth: Int) throws -> JSONValue {
        guard depth <= JSONValue.maximumNestingDepth else {
            throw WhaleError(.invalidInput, "the value nests deeper than \(JSONValue.maximumNestingDepth) levels")
        }
        switch value {
        case .string(let text):
            return .string(sanitize(text, options: options))
        case .array(let elements):
            return .array(try elements.map { try sanitize($0, options: options, depth: depth + 1) })
        case .object(let members):
            var result: [String: JSONValue] = [:]
            for (key, member) in members {
                let cleanKey = sanitize(key, options: options)
                guard result[cleanKey] == nil else {
                    throw WhaleError(.invalidInput, "two keys become '\(cleanKey)' after sanitising")
                }
                result[cleanKey] = try sanitize(member, options: options, depth: depth + 1)
            }
            return .object(result)
        default:
            return value
        }
    }

    /// `name` when it is safe as a cache key segment or a file name: not empty,
    /// at most `maximumBytes` UTF-8 bytes, not `.` or `..`, no `/` or `\`, no NUL
    /// or other control characters, no zero-width or bidirectional controls.
    /// - Parameters:
    ///   - name: the proposed name.
    ///   - maximumBytes: the longest name in UTF-8 bytes. Default: 255 (most file systems).
    /// - Throws: `WhaleError` `.invalidInput` naming what is wrong.
    @discardableResult
    public static func safeName(_ name: String, maximumBytes: Int = 255) throws -> String {
        guard !name.isEmpty else { throw WhaleError(.invalidInput, "the name is empty") }
        guard name.utf8.count <= maximumBytes else { throw WhaleError(.invalidInput, "the name is longer than \(maximumBytes) bytes") }
        guard name != ".", name != ".." else { throw WhaleError(.invalidInput, "'\(name)' names a directory, not a file") }
        for scalar in name.unicodeScalars {
            if scalar == "\0" { throw WhaleError(.invalidInput, "the name contains a NUL character") }
            if scalar == "/" || scalar == "\\" { throw WhaleError(.invalidInput, "the name contains a path separator ('\(scalar)'): path traversal is not allowed") }
            if scalar.properties.generalCategory == .control || isInvisibleFormat(scalar) {
                throw WhaleError(.invalidInput, "the name contains the control character U+\(String(scalar.value, radix: 16, uppercase: true))")
            }
        }
        return name
    }

    /// `text` with `&`, `<`, `>`, `"` and `'` escaped for HTML text and attribute values.
    public static func escapingHTML(_ text: String) -> String {
        guard text.contains(where: { "&<>\"'".contains($0) }) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 16)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// Zero-width and bidirectional-override characters (not LRM/RLM/ALM, which Persian text uses).
    private static func isInvisibleFormat(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    private static func isArabicScriptLetter(_ scalar: Unicode.Scalar?) -> Bool {
        guard let scalar, scalar.properties.isAlphabetic || scalar.properties.generalCategory == .nonspacingMark else { return false }
        switch scalar.value {
        case 0x0600...0x06FF, 0x0750...0x077F, 0x08A0...0x08FF, 0xFB50...0xFDFF, 0xFE70...0xFEFF: return true
        default: return false
        }
    }

    private static func removingUnsafeScalars(_ text: String, control: Bool, zeroWidth: Bool) -> String {
        let scalars = Array(text.unicodeScalars)
        var view = String.UnicodeScalarView()
        for (index, scalar) in scalars.enumerated() {
            if control, scalar.properties.generalCategory == .control, scalar != "\t", scalar != "\n", scalar != "\r" { continue }
            if zeroWidth, isInvisibleFormat(scalar) {
                let previous = index > 0 ? scalars[index - 1] : nil
                let next = index + 1 < scalars.count ? scalars[index + 1] : nil
                if scalar.value == 0x200C, isArabicScriptLetter(previous), isArabicScriptLetter(next) {
                    view.append(scalar)  // Persian ZWNJ inside a word.
                } else if scalar.value == 0x200D, previous?.properties.isEmoji == true, next?.properties.isEmoji == true {
                    view.append(scalar)  // An emoji ZWJ sequence.
                }
                continue
            }
            view.append(scalar)
        }
        return String(view)
    }
}
