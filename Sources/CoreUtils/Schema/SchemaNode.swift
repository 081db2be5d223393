import CoreProtocols

/// One compiled subschema: its keywords, grouped by the instance type they apply
/// to, so evaluation switches on the instance once and runs only what applies.
/// Children are held directly; `$ref` / `$dynamicRef` targets by slot (see
/// ``CompiledSchemaGraph``), so reference cycles never become retain cycles.
final class SchemaNode: Sendable {
    /// `true` / `false` schemas; `nil` for object schemas.
    let boolean: Bool?
    /// Index of the schema resource (`$id` scope) this node belongs to.
    let resource: Int
    /// The node's absolute location, `uri#pointer`.
    let absoluteLocation: String
    /// The `$dynamicAnchor` this node declares, if any.
    let dynamicAnchor: String?
    /// Keywords for every instance type (type, enum, const, in-place applicators).
    let anyChecks: [CompiledKeyword]
    let numberChecks: [CompiledKeyword]
    let stringChecks: [CompiledKeyword]
    let arrayChecks: [CompiledKeyword]
    let objectChecks: [CompiledKeyword]
    /// `unevaluatedItems` / `unevaluatedProperties`, run after everything else.
    let unevaluatedItems: CompiledKeyword?
    let unevaluatedProperties: CompiledKeyword?

    init(
        boolean: Bool?, resource: Int, absoluteLocation: String, dynamicAnchor: String?,
        anyChecks: [CompiledKeyword] = [], numberChecks: [CompiledKeyword] = [], stringChecks: [CompiledKeyword] = [],
        arrayChecks: [CompiledKeyword] = [], objectChecks: [CompiledKeyword] = [],
        unevaluatedItems: CompiledKeyword? = nil, unevaluatedProperties: CompiledKeyword? = nil
    ) {
        self.boolean = boolean
        self.resource = resource
        self.absoluteLocation = absoluteLocation
        self.dynamicAnchor = dynamicAnchor
        self.anyChecks = anyChecks
        self.numberChecks = numberChecks
        self.stringChecks = stringChecks
        self.arrayChecks = arrayChecks
        self.objectChecks = objectChecks
        self.unevaluatedItems = unevaluatedItems
        self.unevaluatedProperties = unevaluatedProperties
    }

    /// Whether evaluating this node needs the evaluated-location annotations.
    var needsAnnotations: Bool { unevaluatedItems != nil || unevaluatedProperties != nil }

    /// The subschemas applied to the same instance (for loop detection).
    var inPlaceChildren: [SchemaNodeEdge] {
        var edges: [SchemaNodeEdge] = []
        for keyword in anyChecks + objectChecks {
            switch keyword.check {
            case .allOf(let nodes), .anyOf(let nodes), .oneOf(let nodes): edges += nodes.map { .node($0) }
            case .not(let node): edges.append(.node(node))
            case .conditional(let condition, let then, let otherwise):
                edges.append(.node(condition))
                if let then { edges.append(.node(then)) }
                if let otherwise { edges.append(.node(otherwise)) }
            case .dependentSchemas(let pairs): edges += pairs.map { .node($0.1) }
            case .ref(let slot), .dynamicRef(let slot, _): edges.append(.slot(slot))
            default: break
            }
        }
        return edges
    }
}

/// An edge of the in-place graph: a direct child or a reference slot.
enum SchemaNodeEdge {
    case node(SchemaNode)
    case slot(Int)
}

/// One keyword of a node, with what error output needs.
struct CompiledKeyword: Sendable {
    /// The keyword's name, the last segment of its keyword location.
    let keyword: String
    /// `uri#pointer` of the keyword (the basic output's `absoluteKeywordLocation`).
    let absoluteLocation: String
    let check: SchemaCheck
}

/// A number bound kept in the form it was written, so integers compare exactly.
enum SchemaNumber: Sendable {
    case integer(Int64)
    case double(Double)

    init?(_ value: JSONValue) {
        switch value {
        case .integer(let number): self = .integer(number)
        case .double(let number): self = .double(number)
        default: return nil
        }
    }

    var doubleValue: Double {
        switch self {
        case .integer(let number): Double(number)
        case .double(let number): number
        }
    }

    var json: JSONValue {
        switch self {
        case .integer(let number): .integer(number)
        case .double(let number): .double(number)
        }
    }

    /// -1, 0, 1 comparing `instance` with this bound.
    func compare(_ instance: JSONValue) -> Int {
        switch (instance, self) {
        case (.integer(let a), .integer(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.integer(let a), .double(let b)): return compareDoubles(Double(a), b)
        case (.double(let a), _): return compareDoubles(a, doubleValue)
        default: return 0
        }
    }

    private func compareDoubles(_ a: Double, _ b: Double) -> Int {
        a < b ? -1 : (a == b ? 0 : 1)
    }
}

extension InputType {
    /// A JSON Schema `type` name.
    init?(schemaName name: String) {
        switch name {
        case "null": self = .null
        case "boolean": self = .boolean
        case "integer": self = .integer
        case "number": self = .number
        case "string": self = .string
        case "array": self = .array
        case "object": self = .object
        default: return nil
        }
    }
}

/// What a keyword checks.
enum SchemaCheck: Sendable {
    // Any instance.
    case type(InputType)
    case const(JSONValue)
    /// `strings`: when every value is a string, each by itself (Swift's `String` equality is
    /// canonical equivalence; JSON's is code point by code point, checked after the lookup).
    case enumeration([JSONValue], strings: [String: String]?)
    case ref(slot: Int)
    case dynamicRef(slot: Int, anchor: String?)
    case allOf([SchemaNode])
    case anyOf([SchemaNode])
    case oneOf([SchemaNode])
    case not(SchemaNode)
    case conditional(SchemaNode, then: SchemaNode?, otherwise: SchemaNode?)
    // Numbers.
    case minimum(SchemaNumber)
    case maximum(SchemaNumber)
    case exclusiveMinimum(SchemaNumber)
    case exclusiveMaximum(SchemaNumber)
    case multipleOf(SchemaNumber)
    // Strings.
    case minLength(Int)
    case maxLength(Int)
    case pattern(ECMARegex)
    case format(SchemaFormat)
    // Arrays.
    case minItems(Int)
    case maxItems(Int)
    case uniqueItems
    case prefixItems([SchemaNode])
    case items(SchemaNode, from: Int)
    case contains(SchemaNode, minimum: Int, maximum: Int?)
    case unevaluatedItems(SchemaNode)
    // Objects.
    case required([String])
    case minProperties(Int)
    case maxProperties(Int)
    case properties([String: SchemaNode])
    case patternProperties([(ECMARegex, SchemaNode)])
    case additionalProperties(SchemaNode, known: Set<String>, patterns: [ECMARegex])
    case dependentRequired([(String, [String])])
    case dependentSchemas([(String, SchemaNode)])
    case propertyNames(SchemaNode)
    case unevaluatedProperties(SchemaNode)
}
