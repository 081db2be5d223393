public import CoreProtocols

/// One failing keyword in the JSON Schema "basic" output format (draft 2020-12
/// core §12.4.2): where in the schema it failed, for which part of the instance, and why.
public struct JSONSchemaOutputUnit: Sendable, Hashable, CustomStringConvertible {
    /// The keyword's path as evaluated from the root schema, through any `$ref`
    /// (a JSON Pointer such as `/properties/limit/$ref/minimum`).
    public var keywordLocation: String
    /// The keyword's absolute URI with a JSON Pointer fragment (`https://…/schema#/$defs/limit/minimum`).
    public var absoluteKeywordLocation: String
    /// The failing part of the instance (a JSON Pointer; `""` is the whole instance).
    public var instanceLocation: String
    /// A readable message naming the problem.
    public var error: String

    /// Creates an output unit.
    /// - Parameters:
    ///   - keywordLocation: the keyword's evaluation path (JSON Pointer).
    ///   - absoluteKeywordLocation: the keyword's absolute URI.
    ///   - instanceLocation: the failing part of the instance (JSON Pointer).
    ///   - error: a readable message.
    public init(keywordLocation: String, absoluteKeywordLocation: String, instanceLocation: String, error: String) {
        self.keywordLocation = keywordLocation
        self.absoluteKeywordLocation = absoluteKeywordLocation
        self.instanceLocation = instanceLocation
        self.error = error
    }

    /// The unit as the basic format's JSON object.
    public var json: JSONValue {
        [
            "valid": false, "keywordLocation": .string(keywordLocation),
            "absoluteKeywordLocation": .string(absoluteKeywordLocation),
            "instanceLocation": .string(instanceLocation), "error": .string(error),
        ]
    }

    /// `instanceLocation: error (keywordLocation)`.
    public var description: String {
        "\(instanceLocation.isEmpty ? "/" : instanceLocation): \(error) (at \(keywordLocation.isEmpty ? "/" : keywordLocation))"
    }
}
