import CoreProtocols

/// The locations a subschema evaluated successfully, for `unevaluatedItems` and
/// `unevaluatedProperties`; only gathered when one of them needs it.
struct EvaluatedLocations {
    var properties: Set<String> = []
    var allProperties = false
    var itemPrefix = 0
    var allItems = false
    var itemIndices: Set<Int> = []

    mutating func merge(_ other: EvaluatedLocations) {
        if other.allProperties {
            allProperties = true
        } else if !allProperties && !other.properties.isEmpty {
            properties.formUnion(other.properties)
        }
        itemPrefix = max(itemPrefix, other.itemPrefix)
        allItems = allItems || other.allItems
        if !other.itemIndices.isEmpty { itemIndices.formUnion(other.itemIndices) }
    }
}

/// Evaluates an instance against a ``CompiledSchemaGraph``.
///
/// Two modes: `detailed == false` answers valid/invalid and stops at the first
/// failure, keeping no paths (the happy path allocates nothing); `detailed ==
/// true` visits every keyword and records each failing one with its keyword
/// and instance locations (the "basic" output format).
struct SchemaEvaluator {
    let graph: CompiledSchemaGraph
    let detailed: Bool
    let maximumDepth: Int
    /// Whether failures are recorded now (off inside `anyOf`, `oneOf`, `not`, `if`, `contains`).
    private var reporting: Bool
    private var depth = 0
    /// Set when nesting passed ``maximumDepth``; the result is then meaningless.
    private(set) var overflowed = false
    private var scope: [Int] = []
    private(set) var errors: [JSONSchemaOutputUnit] = []
    private var keywordPath: [String] = []
    private var instancePath: [String] = []

    init(graph: CompiledSchemaGraph, detailed: Bool, maximumDepth: Int) {
        self.graph = graph
        self.detailed = detailed
        self.reporting = detailed
        self.maximumDepth = maximumDepth
        scope.reserveCapacity(8)
    }

    mutating func run(_ instance: JSONValue) -> Bool {
        var annotations = EvaluatedLocations()
        return evaluate(graph.root, instance, &annotations, collect: false)
    }

    // MARK: - Reporting

    private static func pointer(_ segments: [String]) -> String {
        segments.isEmpty ? "" : "/" + segments.joined(separator: "/")
    }

    private mutating func fail(_ keyword: CompiledKeyword, _ message: @autoclosure () -> String) {
        guard reporting else { return }
        errors.append(
            JSONSchemaOutputUnit(
                keywordLocation: Self.pointer(keywordPath + [SchemaURI.escapeToken(keyword.keyword)]),
                absoluteKeywordLocation: keyword.absoluteLocation,
                instanceLocation: Self.pointer(instancePath),
                error: message()
            )
        )
    }

    private mutating func failFalseSchema(_ node: SchemaNode) {
        guard reporting else { return }
        errors.append(
            JSONSchemaOutputUnit(
                keywordLocation: Self.pointer(keywordPath), absoluteKeywordLocation: node.absoluteLocation,
                instanceLocation: Self.pointer(instancePath), error: "the schema 'false' allows nothing"
            )
        )
    }

    /// `condition`, recording `message` for `keyword` when it is false.
    private mutating func expect(_ condition: Bool, _ keyword: CompiledKeyword, _ message: @autoclosure () -> String) -> Bool {
        if !condition { fail(keyword, message()) }
        return condition
    }

    /// Runs `body` with failures not recorded (a probe whose failures are expected).
    /// Books one keyword's outcome into its group's `valid`; returns whether
    /// evaluation stops there (a failure while not reporting every location).
    @inline(__always)
    private func stops(after ok: Bool, _ valid: inout Bool) -> Bool {
        if ok { return false }
        valid = false
        return !reporting
    }

    private mutating func quietly<T>(_ body: (inout SchemaEvaluator) -> T) -> T {
        let saved = reporting
        reporting = false
        defer { reporting = saved }
        return body(&self)
    }

    // MARK: - Nodes

    private mutating func evaluate(_ node: SchemaNode, _ value: JSONValue, _ annotations: inout EvaluatedLocations, collect: Bool) -> Bool {
        if let boolean = node.boolean {
            if !boolean { failFalseSchema(node) }
            return boolean
        }
        depth += 1
        defer { depth -= 1 }
        guard depth <= maximumDepth else {
            overflowed = true
            return false
        }
        let entered = scope.last != node.resource
        if entered { scope.append(node.resource) }
        defer { if entered { scope.removeLast() } }

        let needs = collect || node.needsAnnotations
        var local = EvaluatedLocations()
        var valid = true
        switch value {
        case .object(let members):
            if !node.objectChecks.isEmpty { valid = evaluateObject(node, value, members, &local, needs) }
        case .array(let elements):
            if !node.arrayChecks.isEmpty { valid = evaluateArray(node, elements, &local, needs) }
        case .string(let string):
            if !node.stringChecks.isEmpty { valid = evaluateString(node, string) }
        case .integer, .double:
            if !node.numberChecks.isEmpty { valid = evaluateNumber(node, value) }
        default:
            break
        }
        if !valid && !reporting { return false }
        if !node.anyChecks.isEmpty { valid = evaluateAny(node, value, &local, needs) && valid }
        if !valid && !reporting { return false }
        if let keyword = node.unevaluatedItems, case .unevaluatedItems(let child) = keyword.check, case .array(let elements) = value {
            var ok = true
            if !local.allItems {
                for index in local.itemPrefix..<max(local.itemPrefix, elements.count) where !local.itemIndices.contains(index) {
                    if !evaluateChild(child, elements[index], keyword.keyword, nil, String(index)) {
                        ok = false
                        if !reporting { break }
                    }
                }
            }
            local.allItems = true
            valid = valid && ok
        }
        if let keyword = node.unevaluatedProperties, case .unevaluatedProperties(let child) = keyword.check, case .object(let members) = value {
            var ok = true
            if !local.allProperties {
                for (name, member) in members where !local.properties.contains(name) {
                    if !evaluateChild(child, member, keyword.keyword, nil, SchemaURI.escapeToken(name)) {
                        ok = false
                        if !reporting { break }
                    }
                }
            }
            local.allProperties = true
            valid = valid && ok
        }
        if valid && collect { annotations.merge(local) }
        return valid
    }

    /// A subschema applied to a member or element of the instance.
    private mutating func evaluateChild(
        _ node: SchemaNode, _ value: JSONValue, _ keyword: String, _ token: @autoclosure () -> String?, _ instanceToken: @autoclosure () -> String?
    ) -> Bool {
        var scratch = EvaluatedLocations()
        guard detailed else { return evaluate(node, value, &scratch, collect: false) }
        let keywordCount = keywordPath.count
        let instanceCount = instancePath.count
        keywordPath.append(SchemaURI.escapeToken(keyword))
        if let token = token() { keywordPath.append(SchemaURI.escapeToken(token)) }
        if let instanceToken = instanceToken() { instancePath.append(instanceToken) }
        let valid = evaluate(node, value, &scratch, collect: false)
        keywordPath.removeSubrange(keywordCount...)
        instancePath.removeSubrange(instanceCount...)
        return valid
    }

    /// A subschema applied to the instance itself.
    private mutating func evaluateInPlace(
        _ node: SchemaNode, _ value: JSONValue, _ annotations: inout EvaluatedLocations, _ collect: Bool,
        _ keyword: String, _ token: @autoclosure () -> String? = nil
    ) -> Bool {
        guard detailed else { return evaluate(node, value, &annotations, collect: collect) }
        let count = keywordPath.count
        keywordPath.append(keyword)
        if let token = token() { keywordPath.append(SchemaURI.escapeToken(token)) }
        let valid = evaluate(node, value, &annotations, collect: collect)
        keywordPath.removeSubrange(count...)
        return valid
    }

    // MARK: - Keywords for any instance

    private mutating func evaluateAny(_ node: SchemaNode, _ value: JSONValue, _ local: inout EvaluatedLocations, _ needs: Bool) -> Bool {
        var valid = true
        for keyword in node.anyChecks {
            var ok = true
            switch keyword.check {
            case .type(let types):
                if !types.accepts(value) {
                    ok = false
                    fail(keyword, "\(SchemaEvaluator.describe(value)) is not of type \(types.names.joined(separator: ", "))")
                }
            case .const(let expected):
                if !JSONEquality.equal(value, expected) {
                    ok = false
                    fail(keyword, "\(value) is not the constant \(expected)")
                }
            case .enumeration(let values, let strings):
                if let strings, case .string(let string) = value {
                    if let found = strings[string] {
                        ok = found.utf8.elementsEqual(string.utf8) || values.contains { JSONEquality.equal($0, value) }
                    } else {
                        ok = false
                    }
                } else {
                    ok = values.contains { JSONEquality.equal($0, value) }
                }
                if !ok { fail(keyword, "\(value) is not one of \(JSONValue.array(values))") }
            case .ref(let slot):
                ok = evaluateInPlace(graph.refs[slot], value, &local, needs, "$ref")
            case .dynamicRef(let slot, _):
                var target = graph.refs[slot]
                if let name = graph.dynamicNames[slot] {
                    for resource in scope {
                        if let anchored = graph.dynamicAnchors[resource][name] {
                            target = anchored
                            break
                        }
                    }
                }
                ok = evaluateInPlace(target, value, &local, needs, "$dynamicRef")
            case .allOf(let nodes):
                for (index, child) in nodes.enumerated() where !evaluateInPlace(child, value, &local, needs, "allOf", String(index)) {
                    ok = false
                    if !reporting { break }
                }
            case .anyOf(let nodes):
                ok = quietly { evaluator in
                    var matched = false
                    for (index, child) in nodes.enumerated() where evaluator.evaluateInPlace(child, value, &local, needs, "anyOf", String(index)) {
                        matched = true
                        if !needs { break }
                    }
                    return matched
                }
                if !ok { fail(keyword, "\(SchemaEvaluator.describe(value)) matches none of the \(nodes.count) subschemas") }
            case .oneOf(let nodes):
                var matches = 0
                var chosen = EvaluatedLocations()
                quietly { evaluator in
                    for (index, child) in nodes.enumerated() {
                        var branch = EvaluatedLocations()
                        if evaluator.evaluateInPlace(child, value, &branch, needs, "oneOf", String(index)) {
                            matches += 1
                            chosen = branch
                            if matches > 1 { break }
                        }
                    }
                }
                ok = matches == 1
                if ok {
                    if needs { local.merge(chosen) }
                } else {
                    fail(keyword, matches == 0 ? "\(SchemaEvaluator.describe(value)) matches none of the subschemas" : "\(SchemaEvaluator.describe(value)) matches more than one subschema")
                }
            case .not(let child):
                var scratch = EvaluatedLocations()
                let matched = quietly { $0.evaluateInPlace(child, value, &scratch, false, "not") }
                if matched {
                    ok = false
                    fail(keyword, "\(SchemaEvaluator.describe(value)) must not match the subschema")
                }
            case .conditional(let condition, let then, let otherwise):
                if then == nil && otherwise == nil && !needs { break }
                var branch = EvaluatedLocations()
                let holds = quietly { $0.evaluateInPlace(condition, value, &branch, needs, "if") }
                if holds {
                    if needs { local.merge(branch) }
                    if let then { ok = evaluateInPlace(then, value, &local, needs, "then") }
                } else if let otherwise {
                    ok = evaluateInPlace(otherwise, value, &local, needs, "else")
                }
            default:
                break
            }
            if stops(after: ok, &valid) { return false }
        }
        return valid
    }

    // MARK: - Numbers and strings

    private mutating func evaluateNumber(_ node: SchemaNode, _ value: JSONValue) -> Bool {
        var valid = true
        for keyword in node.numberChecks {
            var ok = true
            switch keyword.check {
            case .minimum(let bound):
                ok = expect(bound.compare(value) >= 0, keyword, "\(value) is less than the minimum \(bound.json)")
            case .maximum(let bound):
                ok = expect(bound.compare(value) <= 0, keyword, "\(value) is greater than the maximum \(bound.json)")
            case .exclusiveMinimum(let bound):
                ok = expect(bound.compare(value) > 0, keyword, "\(value) is not greater than \(bound.json)")
            case .exclusiveMaximum(let bound):
                ok = expect(bound.compare(value) < 0, keyword, "\(value) is not less than \(bound.json)")
            case .multipleOf(let divisor):
                ok = expect(SchemaEvaluator.isMultiple(value, of: divisor), keyword, "\(value) is not a multiple of \(divisor.json)")
            default:
                break
            }
            if stops(after: ok, &valid) { return false }
        }
        return valid
    }

    static func isMultiple(_ value: JSONValue, of divisor: SchemaNumber) -> Bool {
        if case .integer(let number) = value, case .integer(let step) = divisor {
            return number % step == 0
        }
        guard let number = value.doubleValue else { return true }
        let step = divisor.doubleValue
        guard number.isFinite else { return false }
        let quotient = number / step
        if quotient.isFinite {
            return abs(quotient - quotient.rounded()) <= 1e-9 * max(1, abs(quotient).squareRoot())
        }
        // The quotient overflows: the exact remainder decides.
        let remainder = abs(number).truncatingRemainder(dividingBy: step)
        return remainder == 0
    }

    private mutating func evaluateString(_ node: SchemaNode, _ string: String) -> Bool {
        var valid = true
        var length: Int?
        for keyword in node.stringChecks {
            var ok = true
            switch keyword.check {
            case .minLength(let minimum):
                let count = length ?? string.unicodeScalars.count
                length = count
                ok = expect(count >= minimum, keyword, "'\(string)' is shorter than \(minimum) characters")
            case .maxLength(let maximum):
                let count = length ?? string.unicodeScalars.count
                length = count
                ok = expect(count <= maximum, keyword, "'\(string)' is longer than \(maximum) characters")
            case .pattern(let regex):
                ok = expect(regex.matches(string), keyword, "'\(string)' does not match the pattern '\(regex.source)'")
            case .format(let format):
                ok = expect(format.validates(string), keyword, "'\(string)' is not a valid \(format.rawValue)")
            default:
                break
            }
            if stops(after: ok, &valid) { return false }
        }
        return valid
    }

    // MARK: - Arrays

    private mutating func evaluateArray(_ node: SchemaNode, _ elements: [JSONValue], _ local: inout EvaluatedLocations, _ needs: Bool) -> Bool {
        var valid = true
        for keyword in node.arrayChecks {
            var ok = true
            switch keyword.check {
            case .minItems(let minimum):
                ok = expect(elements.count >= minimum, keyword, "the array has \(elements.count) items, fewer than \(minimum)")
            case .maxItems(let maximum):
                ok = expect(elements.count <= maximum, keyword, "the array has \(elements.count) items, more than \(maximum)")
            case .uniqueItems:
                if let (first, second) = JSONEquality.firstDuplicate(elements) {
                    ok = false
                    fail(keyword, "items \(first) and \(second) are equal")
                }
            case .prefixItems(let nodes):
                let count = min(nodes.count, elements.count)
                for index in 0..<count where !evaluateChild(nodes[index], elements[index], "prefixItems", String(index), String(index)) {
                    ok = false
                    if !reporting { break }
                }
                if needs { local.itemPrefix = max(local.itemPrefix, count) }
            case .items(let child, let start):
                if start < elements.count {
                    for index in start..<elements.count where !evaluateChild(child, elements[index], "items", nil, String(index)) {
                        ok = false
                        if !reporting { break }
                    }
                }
                if needs { local.allItems = true }
            case .contains(let child, let minimum, let maximum):
                var count = 0
                quietly { evaluator in
                    for (index, element) in elements.enumerated() where evaluator.evaluateChild(child, element, "contains", nil, String(index)) {
                        count += 1
                        if needs { local.itemIndices.insert(index) }
                        if !needs && maximum == nil && count >= minimum { break }
                    }
                }
                if count < minimum {
                    ok = false
                    fail(keyword, "the array contains \(count) matching items, fewer than \(minimum)")
                } else if let maximum, count > maximum {
                    ok = false
                    fail(keyword, "the array contains \(count) matching items, more than \(maximum)")
                }
            default:
                break
            }
            if stops(after: ok, &valid) { return false }
        }
        return valid
    }

    // MARK: - Objects

    private mutating func evaluateObject(
        _ node: SchemaNode, _ value: JSONValue, _ members: [String: JSONValue], _ local: inout EvaluatedLocations, _ needs: Bool
    ) -> Bool {
        var valid = true
        for keyword in node.objectChecks {
            var ok = true
            switch keyword.check {
            case .required(let names):
                for name in names where members[name] == nil {
                    ok = false
                    fail(keyword, "the required property '\(name)' is missing")
                    if !reporting { break }
                }
            case .minProperties(let minimum):
                ok = expect(members.count >= minimum, keyword, "the object has \(members.count) properties, fewer than \(minimum)")
            case .maxProperties(let maximum):
                ok = expect(members.count <= maximum, keyword, "the object has \(members.count) properties, more than \(maximum)")
            case .properties(let map):
                if map.count <= members.count {
                    for (name, child) in map {
                        guard let member = members[name] else { continue }
                        if !evaluateChild(child, member, "properties", name, SchemaURI.escapeToken(name)) {
                            ok = false
                            if !reporting { break }
                        }
                        if needs { local.properties.insert(name) }
                    }
                } else {
                    for (name, member) in members {
                        guard let child = map[name] else { continue }
                        if !evaluateChild(child, member, "properties", name, SchemaURI.escapeToken(name)) {
                            ok = false
                            if !reporting { break }
                        }
                        if needs { local.properties.insert(name) }
                    }
                }
            case .patternProperties(let pairs):
                for (name, member) in members {
                    for (regex, child) in pairs where regex.matches(name) {
                        if !evaluateChild(child, member, "patternProperties", regex.source, SchemaURI.escapeToken(name)) {
                            ok = false
                            if !reporting { break }
                        }
                        if needs { local.properties.insert(name) }
                    }
                    if !ok && !reporting { break }
                }
            case .additionalProperties(let child, let known, let patterns):
                for (name, member) in members where !known.contains(name) && !patterns.contains(where: { $0.matches(name) }) {
                    if child.boolean == false {
                        ok = false
                        fail(keyword, "the additional property '\(name)' is not allowed")
                        if !reporting { break }
                    } else if !evaluateChild(child, member, "additionalProperties", nil, SchemaURI.escapeToken(name)) {
                        ok = false
                        if !reporting { break }
                    }
                    if needs { local.properties.insert(name) }
                }
            case .dependentRequired(let pairs):
                for (name, required) in pairs where members[name] != nil {
                    for dependency in required where members[dependency] == nil {
                        ok = false
                        fail(keyword, "'\(dependency)' is required when '\(name)' is present")
                    }
                    if !ok && !reporting { break }
                }
            case .dependentSchemas(let pairs):
                for (name, child) in pairs where members[name] != nil {
                    if !evaluateInPlace(child, value, &local, needs, "dependentSchemas", name) {
                        ok = false
                        if !reporting { break }
                    }
                }
            case .propertyNames(let child):
                for name in members.keys where !evaluateChild(child, .string(name), "propertyNames", nil, nil) {
                    ok = false
                    if !reporting { break }
                }
            default:
                break
            }
            if stops(after: ok, &valid) { return false }
        }
        return valid
    }

    static func describe(_ value: JSONValue) -> String {
        let text = value.description
        return text.count > 60 ? String(text.prefix(57)) + "…" : text
    }
}
