public import CoreProtocols

/// The rules for one input value, declared in Swift and checked by
/// ``InputValidator``: type, range, length, pattern, allowed values, custom
/// checks, and for objects and arrays the rules of their fields and elements.
///
/// ```swift
/// let rule = InputRule.object([
///     "model_id": .string(length: 1...64, pattern: "^[a-z0-9-]+$").required(),
///     "limit": .integer(range: 1...1_000),
///     "tags": .array(of: .string(length: 1...32), count: 0...10),
/// ], constraints: [.atLeastOne(of: ["query", "url"])])
/// ```
public struct InputRule: Sendable {
    /// A custom check: returns a message when `value` is not acceptable, `nil` when it is.
    public typealias Check = @Sendable (_ value: JSONValue) -> String?

    /// The accepted types. Default: any.
    public var types: InputType = .any
    /// Whether an object field with this rule must be present and not `null`. Default: `false`.
    public var isRequired = false
    /// The allowed numeric range (inclusive). Default: none.
    public var range: ClosedRange<Double>?
    /// The allowed string length in characters (Unicode scalars). Default: none.
    public var length: ClosedRange<Int>?
    /// An ECMA-262 pattern a string must match (unanchored). Default: none.
    public var pattern: String?
    /// The allowed values. Default: any.
    public var allowedValues: [JSONValue]?
    /// The allowed element count of an array. Default: any.
    public var count: ClosedRange<Int>?
    /// The rules of an object's fields.
    public var fields: [String: InputRule] = [:]
    /// Whether an object may carry fields not in ``fields``. Default: `true`.
    public var allowsUnknownFields = true
    /// The cross-field constraints of an object.
    public var constraints: [InputConstraint] = []
    /// Custom checks, each with its violation code.
    public var checks: [(code: ValidationViolation.Code, check: Check)] = []
    /// The rule of every array element (boxed: rules nest).
    var elementBox: [InputRule] = []

    /// A rule with no restriction.
    public init() {}

    /// The rule of every array element.
    public var elements: InputRule? {
        get { elementBox.first }
        set { elementBox = newValue.map { [$0] } ?? [] }
    }

    /// Any value.
    public static var any: InputRule { InputRule() }

    /// A string.
    /// - Parameters:
    ///   - length: allowed length in characters. Default: any.
    ///   - pattern: an ECMA-262 pattern it must match. Default: none.
    ///   - oneOf: the allowed strings. Default: any.
    public static func string(length: ClosedRange<Int>? = nil, pattern: String? = nil, oneOf: [String]? = nil) -> InputRule {
        var rule = InputRule()
        rule.types = .string
        rule.length = length
        rule.pattern = pattern
        rule.allowedValues = oneOf?.map { .string($0) }
        return rule
    }

    /// An integer (an integral double such as `3.0` also counts).
    /// - Parameter range: the allowed range. Default: any.
    public static func integer(range: ClosedRange<Int64>? = nil) -> InputRule {
        var rule = InputRule()
        rule.types = .integer
        rule.range = range.map { Double($0.lowerBound)...Double($0.upperBound) }
        return rule
    }

    /// A number.
    /// - Parameter range: the allowed range. Default: any.
    public static func number(range: ClosedRange<Double>? = nil) -> InputRule {
        var rule = InputRule()
        rule.types = .number
        rule.range = range
        return rule
    }

    /// `true` or `false`.
    public static var boolean: InputRule {
        var rule = InputRule()
        rule.types = .boolean
        return rule
    }

    /// An array.
    /// - Parameters:
    ///   - elements: the rule of each element. Default: any.
    ///   - count: the allowed element count. Default: any.
    public static func array(of elements: InputRule? = nil, count: ClosedRange<Int>? = nil) -> InputRule {
        var rule = InputRule()
        rule.types = .array
        rule.elements = elements
        rule.count = count
        return rule
    }

    /// An object.
    /// - Parameters:
    ///   - fields: the rules of its fields (mark required ones with ``required()``).
    ///   - allowsUnknownFields: whether other fields are allowed. Default: `true`.
    ///   - constraints: cross-field constraints (``InputConstraint``). Default: none.
    public static func object(_ fields: [String: InputRule], allowsUnknownFields: Bool = true, constraints: [InputConstraint] = []) -> InputRule {
        var rule = InputRule()
        rule.types = .object
        rule.fields = fields
        rule.allowsUnknownFields = allowsUnknownFields
        rule.constraints = constraints
        return rule
    }

    /// This rule, for a field that must be present and not `null`.
    public func required() -> InputRule {
        var copy = self
        copy.isRequired = true
        return copy
    }

    /// This rule, also accepting `null`.
    public func nullable() -> InputRule {
        var copy = self
        copy.types.insert(.null)
        return copy
    }

    /// This rule with a custom check added.
    /// - Parameters:
    ///   - code: the violation code when it fails. Default: ``ValidationViolation/Code/custom``.
    ///   - check: returns a message when the value is not acceptable.
    public func custom(_ code: ValidationViolation.Code = .custom, _ check: @escaping Check) -> InputRule {
        var copy = self
        copy.checks.append((code, check))
        return copy
    }
}
