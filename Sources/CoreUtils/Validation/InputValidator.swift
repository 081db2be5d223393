public import CoreProtocols

/// Checks input against an ``InputRule`` tree and reports every violation at
/// once (the spec's Input Validator: `validate_input`, `check_constraints`).
///
/// ```swift
/// let validator = try InputValidator(.object([
///     "start": .integer().required(), "end": .integer().required(),
/// ], constraints: [.ordered("start", before: "end")]))
/// let violations = validator.validate(["start": 10, "end": 5])
/// // [/end: 'end' must be after 'start' [constraint]]
/// ```
public struct InputValidator: Sendable {
    /// The rule the input is checked against.
    public let rule: InputRule
    private let patterns: [String: ECMARegex]
    /// The deepest input nesting checked; deeper values are one violation. Default: 512.
    public let maximumDepth: Int

    /// Creates a validator, compiling every pattern once.
    /// - Parameters:
    ///   - rule: the rule tree.
    ///   - maximumDepth: the deepest nesting checked. Default: 512 (as ``JSONValue``'s parser).
    /// - Throws: `WhaleError` `.invalidInput` when a pattern is not an ECMA-262 regular expression.
    public init(_ rule: InputRule, maximumDepth: Int = JSONValue.maximumNestingDepth) throws {
        self.rule = rule
        self.maximumDepth = maximumDepth
        var patterns: [String: ECMARegex] = [:]
        var pending = [rule]
        while let next = pending.popLast() {
            if let pattern = next.pattern, patterns[pattern] == nil { patterns[pattern] = try ECMARegex(pattern) }
            pending += next.fields.values
            if let elements = next.elements { pending.append(elements) }
        }
        self.patterns = patterns
    }

    /// Every violation in `input`, in document order per object (fields sorted); empty when valid.
    public func validate(_ input: JSONValue) -> [ValidationViolation] {
        var violations: [ValidationViolation] = []
        check(input, rule, path: "", depth: 0, into: &violations)
        return violations
    }

    /// Whether `input` breaks no rule.
    public func isValid(_ input: JSONValue) -> Bool { validate(input).isEmpty }

    /// Checks cross-field `constraints` on an object's fields alone (the spec's `check_constraints`).
    /// - Parameters:
    ///   - fields: the object's members.
    ///   - constraints: the constraints.
    ///   - path: the object's JSON Pointer, prefixed to each violation. Default: `""`.
    public static func checkConstraints(_ fields: [String: JSONValue], _ constraints: [InputConstraint], path: String = "") -> [ValidationViolation] {
        constraints.flatMap { constraint in
            constraint.check(fields).map { problem in
                ValidationViolation(
                    path: problem.field.map { path + "/" + SchemaURI.escapeToken($0) } ?? path, code: .constraint, message: problem.message
                )
            }
        }
    }

    private func check(_ value: JSONValue, _ rule: InputRule, path: String, depth: Int, into violations: inout [ValidationViolation]) {
        guard depth <= maximumDepth else {
            violations.append(ValidationViolation(path: path, code: .type, message: "nested deeper than \(maximumDepth) levels"))
            return
        }
        guard rule.types.accepts(value) else {
            violations.append(ValidationViolation(path: path, code: .type, message: "expected \(rule.types.names.joined(separator: " or ")), found \(Self.typeName(value))"))
            return
        }
        if let allowed = rule.allowedValues, !allowed.contains(where: { JSONEquality.equal($0, value) }) {
            violations.append(ValidationViolation(path: path, code: .enumeration, message: "\(value) is not one of \(JSONValue.array(allowed))"))
        }
        switch value {
        case .integer, .double:
            if let range = rule.range, let number = value.doubleValue, !range.contains(number) {
                violations.append(ValidationViolation(path: path, code: .range, message: "\(value) is outside \(Self.format(range.lowerBound))…\(Self.format(range.upperBound))"))
            }
        case .string(let string):
            if let length = rule.length {
                let count = string.unicodeScalars.count
                if !length.contains(count) {
                    violations.append(ValidationViolation(path: path, code: .length, message: "\(count) characters, expected \(length.lowerBound)…\(length.upperBound)"))
                }
            }
            if let pattern = rule.pattern, let regex = patterns[pattern], !regex.matches(string) {
                violations.append(ValidationViolation(path: path, code: .pattern, message: "'\(string)' does not match \(pattern)"))
            }
        case .array(let elements):
            if let count = rule.count, !count.contains(elements.count) {
                violations.append(ValidationViolation(path: path, code: .count, message: "\(elements.count) elements, expected \(count.lowerBound)…\(count.upperBound)"))
            }
            if let elementRule = rule.elements {
                for (index, element) in elements.enumerated() {
                    check(element, elementRule, path: path + "/" + String(index), depth: depth + 1, into: &violations)
                }
            }
        case .object(let members):
            for (name, fieldRule) in rule.fields.sorted(by: { $0.key < $1.key }) {
                let fieldPath = path + "/" + SchemaURI.escapeToken(name)
                guard let member = members[name], !(member.isNull && !fieldRule.types.contains(.null)) else {
                    if fieldRule.isRequired {
                        violations.append(ValidationViolation(path: fieldPath, code: .required, message: "'\(name)' is required"))
                    }
                    continue
                }
                check(member, fieldRule, path: fieldPath, depth: depth + 1, into: &violations)
            }
            if !rule.allowsUnknownFields {
                for name in members.keys.sorted() where rule.fields[name] == nil {
                    violations.append(ValidationViolation(path: path + "/" + SchemaURI.escapeToken(name), code: .unknownField, message: "'\(name)' is not a known field"))
                }
            }
            violations += Self.checkConstraints(members, rule.constraints, path: path)
        default:
            break
        }
        for (code, custom) in rule.checks {
            if let message = custom(value) { violations.append(ValidationViolation(path: path, code: code, message: message)) }
        }
    }

    private static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    private static func format(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}
