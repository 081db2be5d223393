public import CoreProtocols

/// One broken rule found by ``InputValidator``: where (a JSON Pointer into the
/// input), what kind (a machine-readable ``Code``) and a readable message.
public struct ValidationViolation: Sendable, Hashable, CustomStringConvertible {
    /// What kind of rule was broken. New codes may be added; switch with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code as a stable lowercase string (`"required"`, `"range"`, …).
        public let rawValue: String
        /// A code; custom rules may define their own.
        public init(_ rawValue: String) { self.rawValue = rawValue }

        /// A required field is missing (or `null`).
        public static let required = Code("required")
        /// The value has the wrong JSON type.
        public static let type = Code("type")
        /// A number is outside its range.
        public static let range = Code("range")
        /// A string's length (in characters) is outside its bounds.
        public static let length = Code("length")
        /// A string does not match its pattern.
        public static let pattern = Code("pattern")
        /// The value is not one of the allowed values.
        public static let enumeration = Code("enum")
        /// An array's element count is outside its bounds.
        public static let count = Code("count")
        /// An object has a field its rule does not declare (closed objects only).
        public static let unknownField = Code("unknown_field")
        /// A cross-field constraint failed (``InputConstraint``).
        public static let constraint = Code("constraint")
        /// A custom rule failed.
        public static let custom = Code("custom")

        public var description: String { rawValue }
    }

    /// The JSON Pointer of the offending value (`""` for the whole input, `/window/end`).
    public var path: String
    /// What kind of rule was broken.
    public var code: Code
    /// A readable message naming the problem.
    public var message: String

    /// Creates a violation.
    /// - Parameters:
    ///   - path: the JSON Pointer of the offending value.
    ///   - code: what kind of rule was broken.
    ///   - message: a readable message.
    public init(path: String, code: Code, message: String) {
        self.path = path
        self.code = code
        self.message = message
    }

    /// `path: message [code]`.
    public var description: String { "\(path.isEmpty ? "/" : path): \(message) [\(code)]" }
}
