import CoreProtocols

/// A Kafka topic name that passed Kafka's naming rules, and the validator for them.
///
/// The rules are those of Apache Kafka's `Topic.validate`: 1 to 249 characters,
/// each of them `a`–`z`, `A`–`Z`, `0`–`9`, `.`, `_` or `-`, and neither `"."`
/// nor `".."`. ``KafkaAdmin`` and ``TopicManager`` check every name with it
/// before anything is sent, because a broker may accept a name Kafka refuses
/// (the local Tansu broker creates `"bad name!"` without complaint).
///
/// ```swift
/// try KafkaTopicName.validate("smartwhale.data.requests")   // passes
/// KafkaTopicName.isValid("bad name!")                         // false
/// let name = try KafkaTopicName(validating: "smartwhale.core.logs")
/// ```
public struct KafkaTopicName: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The longest legal name, in characters (all legal characters are ASCII,
    /// so also in bytes): 249.
    public static let maximumLength = 249

    /// The name, known to be valid.
    public let rawValue: String

    /// Wraps `rawValue` when it is a valid topic name; `nil` otherwise.
    public init?(rawValue: String) {
        guard Self.problem(with: rawValue) == nil else { return nil }
        self.rawValue = rawValue
    }

    /// Wraps `name` after validating it.
    /// - Throws: ``CoreProtocols/WhaleError`` `.invalidInput` naming the broken rule.
    public init(validating name: String) throws {
        try Self.validate(name)
        self.rawValue = name
    }

    /// Checks `name` against Kafka's topic-name rules.
    /// - Parameter what: how the name is called in the error message.
    ///   Default: `"topic name"`.
    /// - Throws: ``CoreProtocols/WhaleError`` `.invalidInput` (not retriable) naming
    ///   the broken rule, e.g. `topic name 'a b' contains ' ': only a-z, A-Z,
    ///   0-9, '.', '_' and '-' are allowed`.
    public static func validate(_ name: String, what: String = "topic name") throws {
        if let problem = problem(with: name) {
            throw WhaleError(.invalidInput, "\(what) '\(name)' \(problem)")
        }
    }

    /// Whether `name` satisfies Kafka's topic-name rules.
    public static func isValid(_ name: String) -> Bool {
        problem(with: name) == nil
    }

    /// Whether `character` may appear in a topic name: `[a-zA-Z0-9._-]`.
    public static func isLegal(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return isLegal(ascii)
    }

    /// The name.
    public var description: String { rawValue }

    /// What is wrong with `name`, or `nil` when nothing is.
    private static func problem(with name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name == "." || name == ".." { return "is not allowed ('.' and '..' are reserved)" }
        let length = name.utf8.count
        if length > maximumLength {
            return "is \(length) bytes long; the limit is \(maximumLength)"
        }
        if let bad = name.first(where: { !isLegal($0) }) {
            return "contains '\(bad)': only a-z, A-Z, 0-9, '.', '_' and '-' are allowed"
        }
        return nil
    }

    private static func isLegal(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}
