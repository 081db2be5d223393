/// Any JSON value, kept exactly as it was parsed.
///
/// The free-form parts of Smart Whale messages (`parameters`, `data`, `metrics`, …)
/// and the fields a newer peer sends that this version does not know are held as
/// `JSONValue`s, so a message survives a decode → encode round trip unchanged.
///
/// Numbers keep their kind: `42` parses to ``integer(_:)`` and is written back as
/// `42`, `42.0` parses to ``double(_:)`` and is written back as `42.0`. The two
/// cases are never equal to each other (`.integer(1) != .double(1)`), so a
/// structural comparison also compares how a number was written. An integer
/// outside the range of `Int64` becomes a ``double(_:)``. (Through Foundation's
/// `JSONEncoder`, an integral double such as `12.0` comes out as `12`; use
/// ``encoded(prettyPrinted:)`` when the exact form matters.)
///
/// ```swift
/// let value = try JSONValue(parsing: #"{"model_id": "m1", "limit": 10, "tags": ["a"]}"#)
/// value["limit"]?.intValue        // 10
/// value["tags"]?[0]?.stringValue  // "a"
/// let text = value.encodedString() // {"limit":10,"model_id":"m1","tags":["a"]}
/// ```
///
/// Parsing follows RFC 8259 with two liberties taken from Python's `json` module,
/// the peer that writes most Smart Whale messages: the literals `NaN`, `Infinity`
/// and `-Infinity` are accepted (and written back the same way), and a leading
/// UTF-8 byte-order mark is skipped. Duplicate object keys keep the last value, as
/// Python does. Nesting deeper than ``maximumNestingDepth`` is rejected with a
/// `WhaleError` rather than exhausting the stack; the parser itself is iterative.
public enum JSONValue: Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number written without a fraction or an exponent that fits in `Int64`.
    case integer(Int64)
    /// Any other number (also `NaN` and the infinities Python writes).
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object. Key order is not kept; ``encoded(prettyPrinted:)`` writes keys sorted.
    case object([String: JSONValue])

    /// The deepest nesting of arrays and objects `init(parsing:maximumDepth:)`
    /// accepts by default: 512 levels, as Foundation's `JSONDecoder`.
    public static let maximumNestingDepth = 512
}

// MARK: - Parsing and writing

extension JSONValue {
    /// Parses JSON text.
    /// - Parameters:
    ///   - text: the JSON document.
    ///   - maximumDepth: the deepest nesting of arrays and objects accepted.
    ///     Default: ``maximumNestingDepth`` (512).
    /// - Throws: `WhaleError` `.malformedData` naming the problem and its byte
    ///   offset: malformed JSON, invalid UTF-8, nesting deeper than `maximumDepth`.
    public init(parsing text: String, maximumDepth: Int = JSONValue.maximumNestingDepth) throws {
        var text = text
        self = try text.withUTF8 { buffer in
            var parser = JSONParser(bytes: buffer, maximumDepth: maximumDepth)
            return try parser.parseDocument()
        }
    }

    /// Parses JSON from UTF-8 bytes (`[UInt8]`, `Data`, a slice, …).
    /// - Parameters:
    ///   - bytes: the JSON document, UTF-8 encoded.
    ///   - maximumDepth: the deepest nesting of arrays and objects accepted.
    ///     Default: ``maximumNestingDepth`` (512).
    /// - Throws: `WhaleError` `.malformedData` naming the problem and its byte
    ///   offset: malformed JSON, invalid UTF-8, nesting deeper than `maximumDepth`.
    public init(parsing bytes: some Collection<UInt8>, maximumDepth: Int = JSONValue.maximumNestingDepth) throws {
        let parsed = try bytes.withContiguousStorageIfAvailable { buffer in
            var parser = JSONParser(bytes: buffer, maximumDepth: maximumDepth)
            return try parser.parseDocument()
        }
        if let parsed {
            self = parsed
        } else {
            let copy = Array(bytes)
            self = try copy.withUnsafeBufferPointer { buffer in
                var parser = JSONParser(bytes: buffer, maximumDepth: maximumDepth)
                return try parser.parseDocument()
            }
        }
    }

    /// The value as compact (or indented) UTF-8 JSON, object keys sorted.
    ///
    /// Doubles are written in their shortest round-trip form and always with a
    /// fraction or an exponent (`1.0`, `1e+20`), so they parse back as doubles;
    /// non-finite doubles are written as Python writes them (`NaN`, `Infinity`,
    /// `-Infinity`). Strings are written as UTF-8; only `"`, `\` and control
    /// characters are escaped.
    /// - Parameter prettyPrinted: indent nested values by two spaces per level.
    ///   Default: `false`.
    public func encoded(prettyPrinted: Bool = false) -> [UInt8] {
        var writer = JSONWriter(prettyPrinted: prettyPrinted)
        writer.write(self, level: 0)
        return writer.output
    }

    /// The value as a JSON string; see ``encoded(prettyPrinted:)``.
    /// - Parameter prettyPrinted: indent nested values by two spaces per level.
    ///   Default: `false`.
    public func encodedString(prettyPrinted: Bool = false) -> String {
        String(decoding: encoded(prettyPrinted: prettyPrinted), as: UTF8.self)
    }
}

// MARK: - Accessors

extension JSONValue {
    /// The member `key` of an object; `nil` when this is not an object or has no such member.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The element at `index` of an array; `nil` when this is not an array or the
    /// index is out of bounds.
    public subscript(index: Int) -> JSONValue? {
        if case .array(let elements) = self, elements.indices.contains(index) { return elements[index] }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The boolean, if this is one.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The number as an `Int64` if it is an integer, or a double with an exact
    /// integral value inside `Int64`'s range; otherwise `nil`.
    public var int64Value: Int64? {
        switch self {
        case .integer(let value):
            return value
        case .double(let value):
            return Int64(exactly: value)
        default:
            return nil
        }
    }

    /// The number as an `Int` under the same rules as ``int64Value``.
    public var intValue: Int? {
        int64Value.flatMap { Int(exactly: $0) }
    }

    /// The number as a `Double` (an integer is converted, rounding to nearest
    /// above 2^53); `nil` for anything else.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value):
            return Double(value)
        case .double(let value):
            return value
        default:
            return nil
        }
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, if this is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }
}

// MARK: - Equality

extension JSONValue: Hashable {
    /// Structural equality. `.integer` and `.double` are never equal to each
    /// other; two `NaN` doubles are equal, so equality stays reflexive.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null):
            return true
        case (.bool(let a), .bool(let b)):
            return a == b
        case (.integer(let a), .integer(let b)):
            return a == b
        case (.double(let a), .double(let b)):
            return a == b || (a.isNaN && b.isNaN)
        case (.string(let a), .string(let b)):
            return a == b
        case (.array(let a), .array(let b)):
            return a == b
        case (.object(let a), .object(let b)):
            return a == b
        default:
            return false
        }
    }

    /// Hashes consistently with ``==(_:_:)``: the case, then the value (every `NaN` alike).
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null:
            hasher.combine(0 as UInt8)
        case .bool(let value):
            hasher.combine(1 as UInt8)
            hasher.combine(value)
        case .integer(let value):
            hasher.combine(2 as UInt8)
            hasher.combine(value)
        case .double(let value):
            hasher.combine(3 as UInt8)
            if value.isNaN {
                hasher.combine(UInt64.max)
            } else {
                hasher.combine(value)
            }
        case .string(let value):
            hasher.combine(4 as UInt8)
            hasher.combine(value)
        case .array(let value):
            hasher.combine(5 as UInt8)
            hasher.combine(value)
        case .object(let value):
            hasher.combine(6 as UInt8)
            hasher.combine(value)
        }
    }
}

// MARK: - Codable

extension JSONValue: Codable {
    /// Decodes whatever the decoder holds at this position: null, a boolean, an
    /// integer (preferred over a double when the decoder yields one exactly), a
    /// double, a string, an array or an object with string keys.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    /// Encodes the value as the matching primitive, array or keyed object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null:
            try container.encodeNil()
        case .bool(let value):
            try container.encode(value)
        case .integer(let value):
            try container.encode(value)
        case .double(let value):
            try container.encode(value)
        case .string(let value):
            try container.encode(value)
        case .array(let value):
            try container.encode(value)
        case .object(let value):
            try container.encode(value)
        }
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByNilLiteral {
    /// `nil` is `null`.
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    /// `true` / `false`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    /// An integer literal is an ``integer(_:)``.
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

extension JSONValue: ExpressibleByFloatLiteral {
    /// A float literal is a ``double(_:)``.
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension JSONValue: ExpressibleByStringLiteral {
    /// A string literal is a ``string(_:)``.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    /// An array literal is an ``array(_:)``.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// A dictionary literal is an ``object(_:)``; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var members: [String: JSONValue] = [:]
        members.reserveCapacity(elements.count)
        for (key, value) in elements { members[key] = value }
        self = .object(members)
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact JSON text, keys sorted.
    public var description: String { encodedString() }
}

// MARK: - Parser

/// An iterative RFC 8259 parser over a contiguous UTF-8 buffer: containers under
/// construction live on an explicit stack, so depth is bounded by a counter and
/// never by the thread's stack.
private struct JSONParser {
    private enum Frame {
        case array([JSONValue])
        case object([String: JSONValue], key: String)
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let maximumDepth: Int
    private var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    mutating func parseDocument() throws -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            position = 3
        }
        skipWhitespace()
        guard position < bytes.count else {
            throw error(bytes.isEmpty ? "empty input" : "no value, only whitespace")
        }
        let value = try parseValue()
        skipWhitespace()
        guard position == bytes.count else {
            throw error("unexpected \(describeByte(at: position)) after the value")
        }
        return value
    }

    private mutating func parseValue() throws -> JSONValue {
        var stack: [Frame] = []
        while true {
            // Parse the start of a value; containers push a frame and loop for their first element.
            var value: JSONValue
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input, expected a value") }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                guard stack.count < maximumDepth else {
                    throw error("nesting deeper than \(maximumDepth) levels")
                }
                position += 1
                skipWhitespace()
                if peek() == UInt8(ascii: "}") {
                    position += 1
                    value = .object([:])
                } else {
                    let key = try parseKey()
                    stack.append(.object([:], key: key))
                    continue
                }
            case UInt8(ascii: "["):
                guard stack.count < maximumDepth else {
                    throw error("nesting deeper than \(maximumDepth) levels")
                }
                position += 1
                skipWhitespace()
                if peek() == UInt8(ascii: "]") {
                    position += 1
                    value = .array([])
                } else {
                    stack.append(.array([]))
                    continue
                }
            default:
                value = try parseScalar()
            }

            // Hand the finished value to its container, closing as many containers as end here.
            while true {
                guard let frame = stack.popLast() else { return value }
                skipWhitespace()
                switch frame {
                case .array(var elements):
                    elements.append(value)
                    switch peek() {
                    case UInt8(ascii: ","):
                        position += 1
                        stack.append(.array(elements))
                    case UInt8(ascii: "]"):
                        position += 1
                        value = .array(elements)
                        continue
                    default:
                        throw error("expected ',' or ']' in an array, found \(describeByte(at: position))")
                    }
                case .object(var members, let key):
                    members[key] = value
                    switch peek() {
                    case UInt8(ascii: ","):
                        position += 1
                        skipWhitespace()
                        let nextKey = try parseKey()
                        stack.append(.object(members, key: nextKey))
                    case UInt8(ascii: "}"):
                        position += 1
                        value = .object(members)
                        continue
                    default:
                        throw error("expected ',' or '}' in an object, found \(describeByte(at: position))")
                    }
                }
                break
            }
        }
    }

    /// A member name and the `:` after it; the position is on its opening quote.
    private mutating func parseKey() throws -> String {
        guard peek() == UInt8(ascii: "\"") else {
            throw error("expected a string key, found \(describeByte(at: position))")
        }
        let key = try parseString()
        skipWhitespace()
        guard peek() == UInt8(ascii: ":") else {
            throw error("expected ':' after an object key, found \(describeByte(at: position))")
        }
        position += 1
        return key
    }

    private mutating func parseScalar() throws -> JSONValue {
        switch bytes[position] {
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "N"):
            try expectLiteral("NaN")
            return .double(.nan)
        case UInt8(ascii: "I"):
            try expectLiteral("Infinity")
            return .double(.infinity)
        case UInt8(ascii: "-") where position + 1 < bytes.count && bytes[position + 1] == UInt8(ascii: "I"):
            try expectLiteral("-Infinity")
            return .double(-.infinity)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            throw error("unexpected \(describeByte(at: position)), expected a value")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let start = position
        let count = literal.utf8CodeUnitCount
        guard bytes.count - position >= count else {
            throw error("invalid literal, expected '\(literal)'", at: start)
        }
        let matches = literal.withUTF8Buffer { expected in
            for offset in 0..<count where bytes[position + offset] != expected[offset] { return false }
            return true
        }
        guard matches else { throw error("invalid literal, expected '\(literal)'", at: start) }
        position += count
    }

    private mutating func parseNumber() throws -> JSONValue {
        let start = position
        var isNegative = false
        if bytes[position] == UInt8(ascii: "-") {
            isNegative = true
            position += 1
        }
        guard let first = peek(), isDigit(first) else {
            throw error("invalid number: expected a digit", at: start)
        }
        // Integer part: accumulate negatively so Int64.min fits.
        var accumulated: Int64 = 0
        var overflowed = false
        if first == UInt8(ascii: "0") {
            position += 1
            if let next = peek(), isDigit(next) {
                throw error("invalid number: leading zero", at: start)
            }
        } else {
            while let byte = peek(), isDigit(byte) {
                if !overflowed {
                    let (times10, o1) = accumulated.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times10.subtractingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
                    if o1 || o2 { overflowed = true } else { accumulated = sum }
                }
                position += 1
            }
        }
        var isInteger = true
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard let digit = peek(), isDigit(digit) else {
                throw error("invalid number: expected a digit after '.'", at: start)
            }
            while let byte = peek(), isDigit(byte) { position += 1 }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { position += 1 }
            guard let digit = peek(), isDigit(digit) else {
                throw error("invalid number: expected a digit in the exponent", at: start)
            }
            while let byte = peek(), isDigit(byte) { position += 1 }
        }
        if isInteger && !overflowed {
            if isNegative { return .integer(accumulated) }
            let (positive, overflow) = Int64(0).subtractingReportingOverflow(accumulated)
            if !overflow { return .integer(positive) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let double = Double(text) else {
            throw error("invalid number '\(text)'", at: start)
        }
        return .double(double)
    }

    /// A string; the position is on its opening quote.
    private mutating func parseString() throws -> String {
        let start = position
        position += 1
        let contentStart = position
        // Fast path: no escapes.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let content = UnsafeBufferPointer(rebasing: bytes[contentStart..<position])
                position += 1
                guard let string = String(validating: content, as: UTF8.self) else {
                    throw error("invalid UTF-8 in a string", at: start)
                }
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("unescaped control character in a string") }
            position += 1
        }
        guard position < bytes.count else { throw error("unterminated string", at: start) }

        // Slow path: copy into a buffer, decoding escapes.
        var buffer = Array(UnsafeBufferPointer(rebasing: bytes[contentStart..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let string = String(validating: buffer, as: UTF8.self) else {
                    throw error("invalid UTF-8 in a string", at: start)
                }
                return string
            case UInt8(ascii: "\\"):
                position += 1
                guard let escaped = peek() else { throw error("unterminated string", at: start) }
                position += 1
                switch escaped {
                case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "u"):
                    let scalar = try parseUnicodeEscape()
                    UTF8.encode(scalar) { buffer.append($0) }
                default:
                    throw error("invalid escape '\\\(Character(Unicode.Scalar(escaped)))' in a string", at: position - 2)
                }
            default:
                if byte < 0x20 { throw error("unescaped control character in a string") }
                buffer.append(byte)
                position += 1
            }
        }
        throw error("unterminated string", at: start)
    }

    /// The scalar of a `\uXXXX` escape (the position is after the `u`), joining a
    /// surrogate pair. A lone surrogate, which Swift strings cannot hold, becomes U+FFFD.
    private mutating func parseUnicodeEscape() throws -> Unicode.Scalar {
        let high = try parseHex4()
        if (0xD800...0xDBFF).contains(high) {
            if position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                let saved = position
                position += 2
                let low = try parseHex4()
                if (0xDC00...0xDFFF).contains(low) {
                    let value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    return Unicode.Scalar(value) ?? "\u{FFFD}"
                }
                position = saved
            }
            return "\u{FFFD}"
        }
        return Unicode.Scalar(high) ?? "\u{FFFD}"
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard bytes.count - position >= 4 else { throw error("incomplete \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit \(describeByte(at: position)) in a \\u escape")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    private func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                position += 1
            default:
                return
            }
        }
    }

    private func describeByte(at offset: Int) -> String {
        guard offset < bytes.count else { return "end of input" }
        let byte = bytes[offset]
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private func error(_ problem: String, at offset: Int? = nil) -> WhaleError {
        WhaleError(.malformedData, "JSON: \(problem) at byte \(offset ?? position)")
    }
}

// MARK: - Writer

private struct JSONWriter {
    let prettyPrinted: Bool
    var output: [UInt8] = []

    init(prettyPrinted: Bool) {
        self.prettyPrinted = prettyPrinted
    }

    mutating func write(_ value: JSONValue, level: Int) {
        switch value {
        case .null:
            append("null")
        case .bool(let flag):
            append(flag ? "true" : "false")
        case .integer(let number):
            append(String(number))
        case .double(let number):
            if number.isNaN {
                append("NaN")
            } else if number.isInfinite {
                append(number < 0 ? "-Infinity" : "Infinity")
            } else {
                // Swift's description is the shortest round-trip form and always
                // carries a '.' or an exponent ("1.0", "1e+20", "5e-324").
                append(number.description)
            }
        case .string(let string):
            writeString(string)
        case .array(let elements):
            if elements.isEmpty {
                append("[]")
                return
            }
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(level: level + 1)
                write(element, level: level + 1)
            }
            newline(level: level)
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty {
                append("{}")
                return
            }
            output.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(level: level + 1)
                writeString(key)
                output.append(UInt8(ascii: ":"))
                if prettyPrinted { output.append(UInt8(ascii: " ")) }
                if let member = members[key] { write(member, level: level + 1) }
            }
            newline(level: level)
            output.append(UInt8(ascii: "}"))
        }
    }

    private mutating func newline(level: Int) {
        guard prettyPrinted else { return }
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: level * 2))
    }

    private mutating func append(_ text: String) {
        output.append(contentsOf: text.utf8)
    }

    private mutating func writeString(_ string: String) {
        output.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""):
                append("\\\"")
            case UInt8(ascii: "\\"):
                append("\\\\")
            case 0x0A:
                append("\\n")
            case 0x0D:
                append("\\r")
            case 0x09:
                append("\\t")
            case 0x08:
                append("\\b")
            case 0x0C:
                append("\\f")
            case 0..<0x20:
                let hex = String(byte, radix: 16)
                append("\\u00" + (hex.count == 1 ? "0" + hex : hex))
            default:
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
