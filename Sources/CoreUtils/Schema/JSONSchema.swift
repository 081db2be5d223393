public import CoreProtocols

/// A JSON Schema (draft 2020-12) compiled once into an evaluator: the spec's
/// Schema Validator `validate_schema`.
///
/// Compiling resolves every `$ref`, `$anchor`, `$dynamicAnchor` and remote
/// document (through a ``JSONSchemaResolver``), compiles every `pattern` and
/// groups each subschema's keywords by the instance type they apply to, so
/// validating an instance never walks the schema's JSON again.
///
/// ```swift
/// let schema = try JSONSchema(parsing: #"{"type": "object", "required": ["model_id"], "properties": {"limit": {"type": "integer", "minimum": 1}}}"#)
/// let result = try schema.validate(try JSONValue(parsing: #"{"limit": 0}"#))
/// result.isValid            // false
/// result.errors.map(\.instanceLocation)   // ["", "/limit"]
/// ```
///
/// Compile errors are `WhaleError`s: `.malformedData` for text that is not
/// JSON, `.invalidInput` for a schema that is not a valid 2020-12 schema, whose
/// `pattern` is not a regular expression, whose `$ref` cannot be resolved, or
/// which applies itself to the same instance without end (`{"$ref": "#"}`).
public struct JSONSchema: Sendable {
    /// The schema document as given.
    public let document: JSONValue
    /// The options it was compiled with.
    public let options: JSONSchemaOptions
    let graph: CompiledSchemaGraph

    /// Compiles a schema.
    /// - Parameters:
    ///   - document: the schema (an object or a boolean).
    ///   - options: compilation and evaluation options. Default: ``JSONSchemaOptions/init(formatAssertion:baseURI:validatesSchema:maximumDepth:)``'s defaults.
    ///   - resolver: supplies referenced documents other than the built-in meta-schemas. Default: none.
    /// - Throws: `WhaleError` `.invalidInput` naming the problem and its location.
    public init(_ document: JSONValue, options: JSONSchemaOptions = JSONSchemaOptions(), resolver: (any JSONSchemaResolver)? = nil) throws {
        if options.validatesSchema, JSONSchema.declaresDraft202012(document) {
            let metaschema = try JSONSchema.metaschema.get()
            var evaluator = SchemaEvaluator(graph: metaschema, detailed: true, maximumDepth: options.maximumDepth)
            if !evaluator.run(document) {
                if evaluator.overflowed { throw WhaleError(.invalidInput, "the schema nests too deeply to be checked") }
                let first = evaluator.errors.first.map { "\($0.instanceLocation.isEmpty ? "/" : $0.instanceLocation): \($0.error)" } ?? "rejected by the meta-schema"
                throw WhaleError(.invalidInput, "not a valid draft 2020-12 schema: \(first)")
            }
        }
        self.document = document
        self.options = options
        self.graph = try SchemaCompiler(options: options, resolver: resolver).compile(document)
    }

    /// Parses and compiles a schema given as JSON text.
    /// - Parameters:
    ///   - text: the schema's JSON.
    ///   - options: compilation and evaluation options. Default: the defaults.
    ///   - resolver: supplies referenced documents. Default: none.
    /// - Throws: `WhaleError` `.malformedData` when the text is not JSON, else as ``init(_:options:resolver:)``.
    public init(parsing text: String, options: JSONSchemaOptions = JSONSchemaOptions(), resolver: (any JSONSchemaResolver)? = nil) throws {
        try self.init(JSONValue(parsing: text), options: options, resolver: resolver)
    }

    /// Whether `instance` is valid: stops at the first failure and records nothing.
    /// - Throws: `WhaleError` `.invalidInput` when the instance nests deeper than
    ///   ``JSONSchemaOptions/maximumDepth`` allows.
    public func isValid(_ instance: JSONValue) throws -> Bool {
        var evaluator = SchemaEvaluator(graph: graph, detailed: false, maximumDepth: options.maximumDepth)
        let valid = evaluator.run(instance)
        if evaluator.overflowed { throw depthError }
        return valid
    }

    /// Validates `instance`, listing every failing keyword location (basic output format).
    ///
    /// Valid instances take the fast path of ``isValid(_:)``; only an invalid
    /// one is evaluated again with locations recorded.
    /// - Throws: `WhaleError` `.invalidInput` when the instance nests deeper than
    ///   ``JSONSchemaOptions/maximumDepth`` allows.
    public func validate(_ instance: JSONValue) throws -> JSONSchemaValidationResult {
        if try isValid(instance) { return JSONSchemaValidationResult(isValid: true, errors: []) }
        var evaluator = SchemaEvaluator(graph: graph, detailed: true, maximumDepth: options.maximumDepth)
        let valid = evaluator.run(instance)
        if evaluator.overflowed { throw depthError }
        return JSONSchemaValidationResult(isValid: valid, errors: evaluator.errors)
    }

    private var depthError: WhaleError {
        WhaleError(.invalidInput, "the instance nests deeper than the \(options.maximumDepth) levels of evaluation allowed")
    }

    private static func declaresDraft202012(_ document: JSONValue) -> Bool {
        guard case .object(let members) = document else { return document.boolValue != nil }
        guard let declared = members["$schema"] else { return true }
        return declared.stringValue.map { SchemaURI.splitFragment($0).base == Metaschemas.draft202012 } ?? true
    }

    /// The draft 2020-12 meta-schema, compiled once.
    static let metaschema: Result<CompiledSchemaGraph, any Error> = Result {
        guard let text = Metaschemas.documents[Metaschemas.draft202012] else {
            throw WhaleError(.internalError, "the draft 2020-12 meta-schema is missing")
        }
        let options = JSONSchemaOptions(baseURI: Metaschemas.draft202012, validatesSchema: false)
        return try SchemaCompiler(options: options, resolver: nil).compile(try JSONValue(parsing: text))
    }
}
