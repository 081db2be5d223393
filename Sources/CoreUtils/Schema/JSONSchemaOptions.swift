/// How a ``JSONSchema`` is compiled and evaluated.
public struct JSONSchemaOptions: Sendable {
    /// Whether `format` asserts (an unknown value is invalid) instead of only
    /// annotating. A meta-schema declaring the format-assertion vocabulary turns
    /// it on too. Default: `false`, as draft 2020-12 prescribes.
    public var formatAssertion: Bool
    /// The base URI of a root schema without `$id`, against which its relative
    /// references resolve. Default: `whale:///schema.json`.
    public var baseURI: String
    /// Whether the schema is first checked against the draft 2020-12 meta-schema
    /// (when it declares no other `$schema`). Default: `true`.
    public var validatesSchema: Bool
    /// The deepest nesting of subschema evaluations (instance depth times the
    /// schema levels applied at each); deeper instances are rejected with
    /// `WhaleError` `.invalidInput` rather than exhausting the stack (a 1,000-level
    /// evaluation uses about half of a test thread's stack in a debug build). Default: 1,000.
    public var maximumDepth: Int

    /// Creates options; see each property for its default.
    public init(formatAssertion: Bool = false, baseURI: String = "whale:///schema.json", validatesSchema: Bool = true, maximumDepth: Int = 1_000) {
        self.formatAssertion = formatAssertion
        self.baseURI = baseURI
        self.validatesSchema = validatesSchema
        self.maximumDepth = maximumDepth
    }
}
