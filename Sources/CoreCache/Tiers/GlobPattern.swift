import CoreProtocols

/// A glob over cache keys with Redis's `MATCH` semantics, so one pattern
/// means the same in every tier: L1 scans with ``matches(_:)``, Redis gets
/// ``pattern`` as `SCAN … MATCH`, SQLite narrows by ``literalPrefix`` and
/// filters with ``matches(_:)``.
///
/// - `*` matches any run of bytes, also an empty one;
/// - `?` matches one byte;
/// - `[abc]`, `[a-z]`, `[^a-z]` match one byte in (or not in) a set;
/// - `\x` matches `x` literally, also inside a set.
///
/// Matching is on UTF-8 bytes and case-sensitive, like Redis.
///
/// ```swift
/// let pattern = try GlobPattern("user:*:profile")
/// pattern.matches("user:42:profile")   // true
/// ```
public struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    /// The bytes every matching key starts with (the part before the first
    /// `*`, `?` or `[`, with escapes resolved).
    public let literalPrefix: [UInt8]
    /// Whether the pattern has no wildcard: it matches exactly one key.
    public let isLiteral: Bool

    private let tokens: [Token]

    private enum Token: Hashable {
        case byte(UInt8)
        case any
        case star
        case set(ranges: [ClosedRange<UInt8>], negated: Bool)

        func matches(_ byte: UInt8) -> Bool {
            switch self {
            case .byte(let expected): byte == expected
            case .any: true
            case .star: false
            case .set(let ranges, let negated): ranges.contains { $0.contains(byte) } != negated
            }
        }
    }

    /// Parses `pattern`.
    /// - Throws: `WhaleError(.invalidInput)` for an empty pattern, an
    ///   unterminated `[` set or a trailing `\`.
    public init(_ pattern: String) throws {
        guard !pattern.isEmpty else { throw WhaleError(.invalidInput, "empty cache key pattern") }
        var tokens: [Token] = []
        let bytes = Array(pattern.utf8)
        var index = 0
        func escaped(at position: Int) throws -> UInt8 {
            guard position < bytes.count else {
                throw WhaleError(.invalidInput, "cache key pattern '\(pattern)' ends with a lone '\\'")
            }
            return bytes[position]
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "*"):
                if tokens.last != .star { tokens.append(.star) }
                index += 1
            case UInt8(ascii: "?"):
                tokens.append(.any)
                index += 1
            case UInt8(ascii: "\\"):
                tokens.append(.byte(try escaped(at: index + 1)))
                index += 2
            case UInt8(ascii: "["):
                index += 1
                var negated = false
                if index < bytes.count, bytes[index] == UInt8(ascii: "^") {
                    negated = true
                    index += 1
                }
                var ranges: [ClosedRange<UInt8>] = []
                var closed = false
                while index < bytes.count {
                    var low = bytes[index]
                    if low == UInt8(ascii: "]") {
                        closed = true
                        index += 1
                        break
                    }
                    if low == UInt8(ascii: "\\") {
                        low = try escaped(at: index + 1)
                        index += 1
                    }
                    index += 1
                    if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "-"), bytes[index + 1] != UInt8(ascii: "]") {
                        var high = bytes[index + 1]
                        index += 2
                        if high == UInt8(ascii: "\\") {
                            high = try escaped(at: index)
                            index += 1
                        }
                        ranges.append(min(low, high)...max(low, high))
                    } else {
                        ranges.append(low...low)
                    }
                }
                guard closed else {
                    throw WhaleError(.invalidInput, "cache key pattern '\(pattern)' has an unterminated '['")
                }
                tokens.append(.set(ranges: ranges, negated: negated))
            default:
                tokens.append(.byte(byte))
                index += 1
            }
        }
        self.pattern = pattern
        self.tokens = tokens
        var prefix: [UInt8] = []
        for token in tokens {
            guard case .byte(let byte) = token else { break }
            prefix.append(byte)
        }
        self.literalPrefix = prefix
        self.isLiteral = prefix.count == tokens.count
    }

    /// Whether `key` matches the whole pattern.
    public func matches(_ key: String) -> Bool {
        var key = key
        return key.withUTF8 { matches(bytes: $0) }
    }

    /// Whether the UTF-8 bytes `key` match the whole pattern.
    public func matches(bytes key: UnsafeBufferPointer<UInt8>) -> Bool {
        // Greedy with backtracking to the last `*`: linear for patterns with
        // one star, O(n·m) at worst; no recursion.
        var token = 0
        var position = 0
        var starToken = -1
        var starPosition = 0
        while position < key.count {
            if token < tokens.count, tokens[token] == .star {
                starToken = token
                starPosition = position
                token += 1
            } else if token < tokens.count, tokens[token].matches(key[position]) {
                token += 1
                position += 1
            } else if starToken >= 0 {
                token = starToken + 1
                starPosition += 1
                position = starPosition
            } else {
                return false
            }
        }
        while token < tokens.count, tokens[token] == .star { token += 1 }
        return token == tokens.count
    }

    /// A string with every glob metacharacter of `literal` escaped, to put a
    /// fixed prefix (a namespace) in front of a pattern.
    public static func escape(_ literal: String) -> String {
        var escaped = ""
        for character in literal {
            if "*?[]\\^-".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    public var description: String { pattern }
}
