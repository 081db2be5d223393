public import CoreProtocols

/// The outcome of validating one instance: whether it is valid and, when it is
/// not, every failing keyword location (not only the first).
public struct JSONSchemaValidationResult: Sendable, Hashable {
    /// Whether the instance is valid against the schema.
    public var isValid: Bool
    /// Each failing keyword, in evaluation order; empty when valid.
    public var errors: [JSONSchemaOutputUnit]

    /// Creates a result.
    /// - Parameters:
    ///   - isValid: whether the instance is valid.
    ///   - errors: the failing keywords.
    public init(isValid: Bool, errors: [JSONSchemaOutputUnit]) {
        self.isValid = isValid
        self.errors = errors
    }

    /// The result in the spec's "basic" output format:
    /// `{"valid": false, "errors": [{"keywordLocation", "absoluteKeywordLocation", "instanceLocation", "error"}, …]}`.
    public var basicOutput: JSONValue {
        isValid ? ["valid": true] : ["valid": false, "errors": .array(errors.map(\.json))]
    }
}
