import CoreProtocols

/// The vocabularies a schema resource uses (its meta-schema's `$vocabulary`).
struct SchemaVocabularies: OptionSet, Sendable {
    let rawValue: UInt8
    static let applicator = SchemaVocabularies(rawValue: 1)
    static let unevaluated = SchemaVocabularies(rawValue: 2)
    static let validation = SchemaVocabularies(rawValue: 4)
    static let formatAnnotation = SchemaVocabularies(rawValue: 8)
    static let formatAssertion = SchemaVocabularies(rawValue: 16)
    static let content = SchemaVocabularies(rawValue: 32)
    static let metaData = SchemaVocabularies(rawValue: 64)
    static let standard: SchemaVocabularies = [.applicator, .unevaluated, .validation, .formatAnnotation, .content, .metaData]

    static let byURI: [String: SchemaVocabularies] = [
        "https://json-schema.org/draft/2020-12/vocab/applicator": .applicator,
        "https://json-schema.org/draft/2020-12/vocab/unevaluated": .unevaluated,
        "https://json-schema.org/draft/2020-12/vocab/validation": .validation,
        "https://json-schema.org/draft/2020-12/vocab/format-annotation": .formatAnnotation,
        "https://json-schema.org/draft/2020-12/vocab/format-assertion": .formatAssertion,
        "https://json-schema.org/draft/2020-12/vocab/content": .content,
        "https://json-schema.org/draft/2020-12/vocab/meta-data": .metaData,
        "https://json-schema.org/draft/2020-12/vocab/core": [],
    ]
}

/// The result of compiling: the root node and what references need at run time.
final class CompiledSchemaGraph: Sendable {
    let root: SchemaNode
    /// The target of each `$ref` / `$dynamicRef` slot (the static target for `$dynamicRef`).
    let refs: ContiguousArray<SchemaNode>
    /// For a `$dynamicRef` slot whose static target declares the same `$dynamicAnchor`: that name.
    let dynamicNames: ContiguousArray<String?>
    /// The `$dynamicAnchor`s each resource declares.
    let dynamicAnchors: ContiguousArray<[String: SchemaNode]>

    init(root: SchemaNode, refs: ContiguousArray<SchemaNode>, dynamicNames: ContiguousArray<String?>, dynamicAnchors: ContiguousArray<[String: SchemaNode]>) {
        self.root = root
        self.refs = refs
        self.dynamicNames = dynamicNames
        self.dynamicAnchors = dynamicAnchors
    }
}

/// Compiles a schema document (and the documents it references) into a
/// ``CompiledSchemaGraph``: one pass over the JSON per document, references
/// resolved afterwards through a work list, so neither step recurses along `$ref`.
final class SchemaCompiler {
    private struct Scope {
        var base: String
        var resource: Int
        /// Each enclosing resource with this location's JSON Pointer inside it.
        var enclosing: [(uri: String, pointer: String)]
        var vocabularies: SchemaVocabularies

        func appending(_ tokens: [String]) -> Scope {
            var copy = self
            let suffix = tokens.map { "/" + SchemaURI.escapeToken($0) }.joined()
            for index in copy.enclosing.indices { copy.enclosing[index].pointer += suffix }
            return copy
        }

        var location: String {
            guard let last = enclosing.last else { return base + "#" }
            return last.uri + "#" + last.pointer
        }
    }

    private struct PendingRef {
        let uri: String
        let dynamicName: String?
        let keyword: String
    }

    /// The deepest schema nesting compiled (levels of subschemas).
    static let maximumSchemaDepth = 512

    private let options: JSONSchemaOptions
    private let resolver: (any JSONSchemaResolver)?
    private var registry: [String: SchemaNode] = [:]
    private var documents: [String: (value: JSONValue, base: String)] = [:]
    private var dynamicAnchors: [[String: SchemaNode]] = []
    private var pending: [PendingRef] = []
    private var allNodes: [SchemaNode] = []

    init(options: JSONSchemaOptions, resolver: (any JSONSchemaResolver)?) {
        self.options = options
        self.resolver = resolver
    }

    func compile(_ schema: JSONValue) throws -> CompiledSchemaGraph {
        let base = SchemaURI.splitFragment(options.baseURI).base
        let root = try compileDocument(schema, uri: base)
        var refs = ContiguousArray<SchemaNode>()
        var names = ContiguousArray<String?>()
        var index = 0
        while index < pending.count {
            let reference = pending[index]
            let target = try lookup(reference.uri, keyword: reference.keyword)
            refs.append(target)
            names.append(reference.dynamicName != nil && target.dynamicAnchor == reference.dynamicName ? reference.dynamicName : nil)
            index += 1
        }
        try detectLoops(refs: refs)
        return CompiledSchemaGraph(root: root, refs: refs, dynamicNames: names, dynamicAnchors: ContiguousArray(dynamicAnchors))
    }

    // MARK: - Documents and references

    private func compileDocument(_ value: JSONValue, uri: String) throws -> SchemaNode {
        documents[uri] = (value, uri)
        dynamicAnchors.append([:])
        let vocabularies = try vocabularies(for: value["$schema"], inherited: defaultVocabularies)
        let scope = Scope(base: uri, resource: dynamicAnchors.count - 1, enclosing: [(uri, "")], vocabularies: vocabularies)
        return try compileNode(value, scope, depth: 0)
    }

    private var defaultVocabularies: SchemaVocabularies {
        options.formatAssertion ? SchemaVocabularies.standard.union(.formatAssertion) : .standard
    }

    private func lookup(_ uri: String, keyword: String) throws -> SchemaNode {
        let (base, fragment) = SchemaURI.splitFragment(uri)
        let key = base + "#" + (fragment ?? "")
        if let node = registry[key] { return node }
        if documents[base] == nil, let document = try retrieve(base) {
            _ = try compileDocument(document, uri: base)
            if let node = registry[key] { return node }
        }
        // A pointer into a location that is not a known subschema (an unknown keyword, …).
        if let document = documents[base], let tokens = SchemaURI.pointerTokens(fragment ?? "") {
            var value = document.value
            for token in tokens {
                switch value {
                case .object(let members) where members[token] != nil:
                    value = members[token] ?? .null
                case .array(let elements) where Int(token).map(elements.indices.contains) == true:
                    value = elements[Int(token) ?? 0]
                default:
                    throw WhaleError(.invalidInput, "\(keyword) '\(uri)' points at nothing in its document")
                }
            }
            dynamicAnchors.append([:])
            let scope = Scope(base: document.base, resource: dynamicAnchors.count - 1, enclosing: [(base, fragment ?? "")], vocabularies: defaultVocabularies)
            let node = try compileNode(value, scope, depth: 0)
            registry[key] = node
            return node
        }
        throw WhaleError(.invalidInput, "\(keyword) '\(uri)' cannot be resolved")
    }

    /// A document by URI: the embedded meta-schemas, then the resolver.
    private func retrieve(_ uri: String) throws -> JSONValue? {
        if let text = Metaschemas.documents[uri] { return try JSONValue(parsing: text) }
        guard let resolver else { return nil }
        do {
            return try resolver.schema(for: uri)
        } catch {
            throw WhaleError(.invalidInput, "the schema at '\(uri)' could not be retrieved", underlying: error)
        }
    }

    private func vocabularies(for schemaKeyword: JSONValue?, inherited: SchemaVocabularies) throws -> SchemaVocabularies {
        guard case .string(let uri)? = schemaKeyword else { return inherited }
        let base = SchemaURI.splitFragment(uri).base
        if base == Metaschemas.draft202012 { return defaultVocabularies }
        guard let metaschema = try? retrieve(base), case .object(let declared)? = metaschema["$vocabulary"] else {
            return defaultVocabularies
        }
        var result: SchemaVocabularies = []
        for (vocabulary, required) in declared {
            if let known = SchemaVocabularies.byURI[vocabulary] {
                result.formUnion(known)
            } else if required == .bool(true) {
                throw WhaleError(.invalidInput, "the meta-schema '\(uri)' requires the unsupported vocabulary '\(vocabulary)'")
            }
        }
        if options.formatAssertion && result.contains(.formatAnnotation) { result.insert(.formatAssertion) }
        return result
    }

    private func addReference(_ reference: String, scope: Scope, keyword: String) -> Int {
        let uri = SchemaURI.resolve(reference, against: scope.base)
        var dynamicName: String?
        if keyword == "$dynamicRef", let fragment = SchemaURI.splitFragment(uri).fragment, !fragment.isEmpty, !fragment.hasPrefix("/") {
            dynamicName = fragment
        }
        pending.append(PendingRef(uri: uri, dynamicName: dynamicName, keyword: keyword))
        return pending.count - 1
    }

    // MARK: - Nodes

    private func invalid(_ scope: Scope, _ keyword: String, _ problem: String) -> WhaleError {
        WhaleError(.invalidInput, "invalid schema at \(scope.location): '\(keyword)' \(problem)")
    }

    private func compileNode(_ value: JSONValue, _ outer: Scope, depth: Int) throws -> SchemaNode {
        guard depth < Self.maximumSchemaDepth else {
            throw WhaleError(.invalidInput, "the schema nests deeper than \(Self.maximumSchemaDepth) levels at \(outer.location)")
        }
        let members: [String: JSONValue]
        switch value {
        case .bool(let flag):
            let node = SchemaNode(boolean: flag, resource: outer.resource, absoluteLocation: outer.location, dynamicAnchor: nil)
            register(node, outer)
            return node
        case .object(let object):
            members = object
        default:
            throw WhaleError(.invalidInput, "invalid schema at \(outer.location): a schema is an object or a boolean, not \(value)")
        }
        var scope = outer
        if let id = members["$id"] {
            guard case .string(let text) = id else { throw invalid(scope, "$id", "must be a string") }
            let uri = SchemaURI.splitFragment(SchemaURI.resolve(text, against: scope.base)).base
            scope.base = uri
            if scope.enclosing.last?.uri != uri || scope.enclosing.last?.pointer.isEmpty != true {
                dynamicAnchors.append([:])
                scope.resource = dynamicAnchors.count - 1
                scope.enclosing.append((uri, ""))
            }
            if documents[uri] == nil { documents[uri] = (value, uri) }
            scope.vocabularies = try vocabularies(for: members["$schema"], inherited: scope.vocabularies)
        }
        let vocabularies = scope.vocabularies

        func child(_ subschema: JSONValue, _ tokens: String...) throws -> SchemaNode {
            try compileNode(subschema, scope.appending(tokens), depth: depth + 1)
        }
        func keyword(_ name: String, _ check: SchemaCheck) -> CompiledKeyword {
            CompiledKeyword(keyword: name, absoluteLocation: scope.location + "/" + SchemaURI.escapeToken(name), check: check)
        }
        func nonNegative(_ name: String) throws -> Int? {
            guard let raw = members[name] else { return nil }
            guard let number = raw.int64Value, number >= 0, let result = Int(exactly: number) else {
                throw invalid(scope, name, "must be a non-negative integer")
            }
            return result
        }
        func number(_ name: String) throws -> SchemaNumber? {
            guard let raw = members[name] else { return nil }
            guard let number = SchemaNumber(raw) else { throw invalid(scope, name, "must be a number") }
            return number
        }
        func schemaArray(_ name: String) throws -> [SchemaNode]? {
            guard let raw = members[name] else { return nil }
            guard case .array(let elements) = raw, !elements.isEmpty else { throw invalid(scope, name, "must be a non-empty array of schemas") }
            return try elements.enumerated().map { try child($0.element, name, String($0.offset)) }
        }
        func schemaMap(_ name: String) throws -> [(String, SchemaNode)]? {
            guard let raw = members[name] else { return nil }
            guard case .object(let map) = raw else { throw invalid(scope, name, "must be an object of schemas") }
            return try map.sorted { $0.key < $1.key }.map { ($0.key, try child($0.value, name, $0.key)) }
        }
        func regex(_ pattern: String, _ name: String) throws -> ECMARegex {
            do {
                return try ECMARegex(pattern)
            } catch let error as WhaleError {
                throw WhaleError(.invalidInput, "invalid schema at \(scope.location): '\(name)': \(error.message)")
            }
        }

        var anyChecks: [CompiledKeyword] = []
        var numberChecks: [CompiledKeyword] = []
        var stringChecks: [CompiledKeyword] = []
        var arrayChecks: [CompiledKeyword] = []
        var objectChecks: [CompiledKeyword] = []
        var unevaluatedItems: CompiledKeyword?
        var unevaluatedProperties: CompiledKeyword?

        // Core.
        if let defs = members["$defs"] {
            guard case .object = defs else { throw invalid(scope, "$defs", "must be an object of schemas") }
            _ = try schemaMap("$defs")
        }
        for name in ["$ref", "$dynamicRef"] {
            guard let raw = members[name] else { continue }
            guard case .string(let reference) = raw else { throw invalid(scope, name, "must be a string") }
            let slot = addReference(reference, scope: scope, keyword: name)
            anyChecks.append(keyword(name, name == "$ref" ? .ref(slot: slot) : .dynamicRef(slot: slot, anchor: nil)))
        }

        // Applicator.
        if vocabularies.contains(.applicator) {
            if let nodes = try schemaArray("allOf") { anyChecks.append(keyword("allOf", .allOf(nodes))) }
            if let nodes = try schemaArray("anyOf") { anyChecks.append(keyword("anyOf", .anyOf(nodes))) }
            if let nodes = try schemaArray("oneOf") { anyChecks.append(keyword("oneOf", .oneOf(nodes))) }
            if let raw = members["not"] { anyChecks.append(keyword("not", .not(try child(raw, "not")))) }
            if let raw = members["if"] {
                let condition = try child(raw, "if")
                let then = try members["then"].map { try child($0, "then") }
                let otherwise = try members["else"].map { try child($0, "else") }
                // Kept without `then`/`else` too: its annotations count for `unevaluated*`.
                anyChecks.append(keyword("if", .conditional(condition, then: then, otherwise: otherwise)))
            } else {
                _ = try members["then"].map { try child($0, "then") }
                _ = try members["else"].map { try child($0, "else") }
            }
            var prefixCount = 0
            if let nodes = try schemaArray("prefixItems") {
                prefixCount = nodes.count
                arrayChecks.append(keyword("prefixItems", .prefixItems(nodes)))
            }
            if let raw = members["items"] { arrayChecks.append(keyword("items", .items(try child(raw, "items"), from: prefixCount))) }
            if let raw = members["contains"] {
                let node = try child(raw, "contains")
                let minimum = vocabularies.contains(.validation) ? try nonNegative("minContains") ?? 1 : 1
                let maximum = vocabularies.contains(.validation) ? try nonNegative("maxContains") : nil
                arrayChecks.append(keyword("contains", .contains(node, minimum: minimum, maximum: maximum)))
            }
            var known: Set<String> = []
            if let pairs = try schemaMap("properties") {
                known = Set(pairs.map(\.0))
                objectChecks.append(keyword("properties", .properties(Dictionary(pairs, uniquingKeysWith: { a, _ in a }))))
            }
            var patterns: [ECMARegex] = []
            if let pairs = try schemaMap("patternProperties") {
                let compiled = try pairs.map { (try regex($0.0, "patternProperties"), $0.1) }
                patterns = compiled.map(\.0)
                objectChecks.append(keyword("patternProperties", .patternProperties(compiled)))
            }
            if let raw = members["additionalProperties"] {
                let node = try child(raw, "additionalProperties")
                objectChecks.append(keyword("additionalProperties", .additionalProperties(node, known: known, patterns: patterns)))
            }
            if let pairs = try schemaMap("dependentSchemas") { objectChecks.append(keyword("dependentSchemas", .dependentSchemas(pairs))) }
            // Draft 7's `dependencies`, still honoured for compatibility: arrays name
            // required properties, anything else is a schema.
            if case .object(let map)? = members["dependencies"] {
                var required: [(String, [String])] = []
                var schemas: [(String, SchemaNode)] = []
                for (name, dependency) in map.sorted(by: { $0.key < $1.key }) {
                    if case .array(let names) = dependency {
                        required.append((name, names.compactMap(\.stringValue)))
                    } else {
                        schemas.append((name, try child(dependency, "dependencies", name)))
                    }
                }
                if !required.isEmpty { objectChecks.append(keyword("dependencies", .dependentRequired(required))) }
                if !schemas.isEmpty { objectChecks.append(keyword("dependencies", .dependentSchemas(schemas))) }
            }
            if let raw = members["propertyNames"] { objectChecks.append(keyword("propertyNames", .propertyNames(try child(raw, "propertyNames")))) }
        }

        // Unevaluated.
        if vocabularies.contains(.unevaluated) {
            if let raw = members["unevaluatedItems"] {
                unevaluatedItems = keyword("unevaluatedItems", .unevaluatedItems(try child(raw, "unevaluatedItems")))
            }
            if let raw = members["unevaluatedProperties"] {
                unevaluatedProperties = keyword("unevaluatedProperties", .unevaluatedProperties(try child(raw, "unevaluatedProperties")))
            }
        }

        // Validation.
        if vocabularies.contains(.validation) {
            if let raw = members["type"] {
                var types: InputType = []
                let names: [JSONValue]
                switch raw {
                case .string: names = [raw]
                case .array(let elements): names = elements
                default: throw invalid(scope, "type", "must be a type name or an array of them")
                }
                for name in names {
                    guard let text = name.stringValue, let type = InputType(schemaName: text) else {
                        throw invalid(scope, "type", "names an unknown type \(name)")
                    }
                    types.insert(type)
                }
                anyChecks.insert(keyword("type", .type(types)), at: 0)
            }
            if let raw = members["const"] { anyChecks.append(keyword("const", .const(raw))) }
            if let raw = members["enum"] {
                guard case .array(let values) = raw else { throw invalid(scope, "enum", "must be an array") }
                let strings = values.compactMap(\.stringValue)
                let lookup = strings.count == values.count ? Dictionary(strings.map { ($0, $0) }, uniquingKeysWith: { a, _ in a }) : nil
                anyChecks.append(keyword("enum", .enumeration(values, strings: lookup)))
            }
            if let bound = try number("minimum") { numberChecks.append(keyword("minimum", .minimum(bound))) }
            if let bound = try number("maximum") { numberChecks.append(keyword("maximum", .maximum(bound))) }
            if let bound = try number("exclusiveMinimum") { numberChecks.append(keyword("exclusiveMinimum", .exclusiveMinimum(bound))) }
            if let bound = try number("exclusiveMaximum") { numberChecks.append(keyword("exclusiveMaximum", .exclusiveMaximum(bound))) }
            if let divisor = try number("multipleOf") {
                guard divisor.doubleValue > 0 else { throw invalid(scope, "multipleOf", "must be greater than 0") }
                numberChecks.append(keyword("multipleOf", .multipleOf(divisor)))
            }
            if let length = try nonNegative("minLength") { stringChecks.append(keyword("minLength", .minLength(length))) }
            if let length = try nonNegative("maxLength") { stringChecks.append(keyword("maxLength", .maxLength(length))) }
            if let raw = members["pattern"] {
                guard case .string(let pattern) = raw else { throw invalid(scope, "pattern", "must be a string") }
                stringChecks.append(keyword("pattern", .pattern(try regex(pattern, "pattern"))))
            }
            if let count = try nonNegative("minItems") { arrayChecks.append(keyword("minItems", .minItems(count))) }
            if let count = try nonNegative("maxItems") { arrayChecks.append(keyword("maxItems", .maxItems(count))) }
            if members["uniqueItems"] == .bool(true) { arrayChecks.append(keyword("uniqueItems", .uniqueItems)) }
            if let raw = members["required"] {
                guard case .array(let names) = raw, names.allSatisfy({ $0.stringValue != nil }) else {
                    throw invalid(scope, "required", "must be an array of strings")
                }
                if !names.isEmpty { objectChecks.insert(keyword("required", .required(names.compactMap(\.stringValue))), at: 0) }
            }
            if let count = try nonNegative("minProperties") { objectChecks.append(keyword("minProperties", .minProperties(count))) }
            if let count = try nonNegative("maxProperties") { objectChecks.append(keyword("maxProperties", .maxProperties(count))) }
            if let raw = members["dependentRequired"] {
                guard case .object(let map) = raw else { throw invalid(scope, "dependentRequired", "must be an object of string arrays") }
                let pairs = try map.sorted { $0.key < $1.key }.map { pair -> (String, [String]) in
                    guard case .array(let names) = pair.value, names.allSatisfy({ $0.stringValue != nil }) else {
                        throw invalid(scope, "dependentRequired", "must be an object of string arrays")
                    }
                    return (pair.key, names.compactMap(\.stringValue))
                }
                objectChecks.append(keyword("dependentRequired", .dependentRequired(pairs)))
            }
        }

        // Format.
        if let raw = members["format"], vocabularies.contains(.formatAssertion) {
            guard case .string(let name) = raw else { throw invalid(scope, "format", "must be a string") }
            if let format = SchemaFormat(rawValue: name) { stringChecks.append(keyword("format", .format(format))) }
        }

        var dynamicAnchor: String?
        if let raw = members["$dynamicAnchor"] {
            guard case .string(let name) = raw else { throw invalid(scope, "$dynamicAnchor", "must be a string") }
            dynamicAnchor = name
        }
        let node = SchemaNode(
            boolean: nil, resource: scope.resource, absoluteLocation: scope.location, dynamicAnchor: dynamicAnchor,
            anyChecks: anyChecks, numberChecks: numberChecks, stringChecks: stringChecks,
            arrayChecks: arrayChecks, objectChecks: objectChecks,
            unevaluatedItems: unevaluatedItems, unevaluatedProperties: unevaluatedProperties
        )
        register(node, scope)
        if let raw = members["$anchor"] {
            guard case .string(let name) = raw else { throw invalid(scope, "$anchor", "must be a string") }
            registry[scope.base + "#" + name] = registry[scope.base + "#" + name] ?? node
        }
        if let dynamicAnchor {
            registry[scope.base + "#" + dynamicAnchor] = registry[scope.base + "#" + dynamicAnchor] ?? node
            if dynamicAnchors[scope.resource][dynamicAnchor] == nil { dynamicAnchors[scope.resource][dynamicAnchor] = node }
        }
        return node
    }

    private func register(_ node: SchemaNode, _ scope: Scope) {
        allNodes.append(node)
        for (uri, pointer) in scope.enclosing {
            let key = uri + "#" + pointer
            if registry[key] == nil { registry[key] = node }
        }
    }

    // MARK: - Loops

    /// A cycle of subschemas applied to the same instance (`{"$ref": "#"}`, two
    /// `$defs` referring to each other through `allOf`) never terminates: a
    /// typed error at compile time.
    private func detectLoops(refs: ContiguousArray<SchemaNode>) throws {
        var state: [ObjectIdentifier: UInt8] = [:]  // 1 on the path, 2 done
        for start in allNodes where state[ObjectIdentifier(start)] == nil {
            var stack: [(node: SchemaNode, edges: [SchemaNodeEdge], next: Int)] = [(start, start.inPlaceChildren, 0)]
            state[ObjectIdentifier(start)] = 1
            while !stack.isEmpty {
                let top = stack.count - 1
                if stack[top].next == stack[top].edges.count {
                    state[ObjectIdentifier(stack[top].node)] = 2
                    stack.removeLast()
                    continue
                }
                let edge = stack[top].edges[stack[top].next]
                stack[top].next += 1
                let target: SchemaNode
                switch edge {
                case .node(let node): target = node
                case .slot(let slot): target = refs[slot]
                }
                switch state[ObjectIdentifier(target)] {
                case 1:
                    throw WhaleError(.invalidInput, "the schema recurses without end: \(target.absoluteLocation) applies itself to the same instance")
                case 2:
                    continue
                default:
                    state[ObjectIdentifier(target)] = 1
                    stack.append((target, target.inPlaceChildren, 0))
                }
            }
        }
    }
}
