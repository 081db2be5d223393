public import CoreProtocols

/// Compatibility between two versions of a schema (the spec's
/// `check_compatibility`), with Confluent Schema Registry's rules for JSON Schema.
///
/// "A is readable as B" is checked structurally: every instance valid under A
/// must be valid under B. Backward checks old → new, forward new → old, full
/// both. What breaks it: a property that becomes required, a narrowed type,
/// a property removed under a closed content model (`additionalProperties:
/// false`), a property added to an open one with a narrower schema, a closed
/// `additionalProperties`, removed `enum` values, tighter bounds, a new
/// `pattern` or `format`, a narrower `items`. Local `$ref`s are followed.
///
/// ```swift
/// let old = try JSONValue(parsing: #"{"type": "object", "properties": {"a": {"type": "string"}}}"#)
/// let new = try JSONValue(parsing: #"{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}"#)
/// let report = try JSONSchemaCompatibility.check(old: old, new: new, mode: .backward)
/// report.isCompatible        // false: 'a' became required
/// ```
public enum JSONSchemaCompatibility {
    /// Checks `new` against `old` in `mode`.
    /// - Parameters:
    ///   - old: the registered schema.
    ///   - new: the proposed schema.
    ///   - mode: the direction(s). Default: ``JSONSchemaCompatibilityMode/backward`` (the registry's default).
    /// - Throws: `WhaleError` `.invalidInput` when either is not a schema (an object or a boolean).
    public static func check(old: JSONValue, new: JSONValue, mode: JSONSchemaCompatibilityMode = .backward) throws -> JSONSchemaCompatibilityReport {
        for (name, schema) in [("old", old), ("new", new)] where schema.objectValue == nil && schema.boolValue == nil {
            throw WhaleError(.invalidInput, "the \(name) schema is not a JSON Schema (an object or a boolean)")
        }
        var issues: [JSONSchemaCompatibilityReport.Issue] = []
        if mode.checksBackward {
            var checker = SubsetChecker(writerRoot: old, readerRoot: new, direction: .backward)
            checker.check(old, new, path: "", depth: 0)
            issues += checker.issues
        }
        if mode.checksForward {
            var checker = SubsetChecker(writerRoot: new, readerRoot: old, direction: .forward)
            checker.check(new, old, path: "", depth: 0)
            issues += checker.issues
        }
        return JSONSchemaCompatibilityReport(mode: mode, issues: issues)
    }
}

/// "Every instance valid under the writer's schema is valid under the reader's."
private struct SubsetChecker {
    typealias Code = JSONSchemaCompatibilityReport.Issue.Code
    let writerRoot: JSONValue
    let readerRoot: JSONValue
    let direction: JSONSchemaCompatibilityMode
    var issues: [JSONSchemaCompatibilityReport.Issue] = []
    private var visited: Set<String> = []

    init(writerRoot: JSONValue, readerRoot: JSONValue, direction: JSONSchemaCompatibilityMode) {
        self.writerRoot = writerRoot
        self.readerRoot = readerRoot
        self.direction = direction
    }

    private mutating func report(_ path: String, _ code: Code, _ message: String) {
        issues.append(.init(direction: direction, path: path, code: code, message: message))
    }

    /// A local `$ref` (`#/…`) followed, so both sides are compared by content.
    private static func dereference(_ schema: JSONValue, root: JSONValue) -> JSONValue {
        var current = schema
        for _ in 0..<32 {
            guard case .string(let reference)? = current["$ref"], reference.hasPrefix("#"),
                let tokens = SchemaURI.pointerTokens(SchemaURI.percentDecoded(String(reference.dropFirst())))
            else { return current }
            var target = root
            for token in tokens {
                guard let next = target[token] ?? Int(token).flatMap({ target[$0] }) else { return current }
                target = next
            }
            guard case .object(var merged) = target else { return target }
            if case .object(let siblings) = current {
                for (key, value) in siblings where key != "$ref" && merged[key] == nil { merged[key] = value }
            }
            current = .object(merged)
        }
        return current
    }

    private static func types(_ schema: [String: JSONValue]) -> Set<String>? {
        switch schema["type"] {
        case .string(let name)?: return name == "number" ? ["number", "integer"] : [name]
        case .array(let names)?:
            let set = Set(names.compactMap(\.stringValue))
            return set.contains("number") ? set.union(["integer"]) : set
        default: return nil
        }
    }

    private static func number(_ value: JSONValue?) -> Double? { value?.doubleValue }

    mutating func check(_ writerSchema: JSONValue, _ readerSchema: JSONValue, path: String, depth: Int) {
        guard depth < 64 else { return }
        let writer = Self.dereference(writerSchema, root: writerRoot)
        let reader = Self.dereference(readerSchema, root: readerRoot)
        let key = "\(path)|\(writer)|\(reader)"
        guard visited.insert(key).inserted else { return }
        if writer == .bool(false) || reader == .bool(true) || reader == [:] { return }
        if reader == .bool(false) {
            report(path, .combinationNarrowed, "the reader's schema is 'false' and rejects everything")
            return
        }
        guard case .object(let w) = writer == .bool(true) ? JSONValue.object([:]) : writer, case .object(let r) = reader else { return }

        // Types.
        let writerTypes = Self.types(w)
        if let readerTypes = Self.types(r) {
            let writable = writerTypes ?? ["null", "boolean", "integer", "number", "string", "array", "object"]
            let lost = writable.subtracting(readerTypes)
            if !lost.isEmpty {
                report(path, .typeNarrowed, "type narrowed: \(lost.sorted().joined(separator: ", ")) no longer accepted")
            }
        }

        // enum / const.
        let writerValues: [JSONValue]? = w["const"].map { [$0] } ?? w["enum"]?.arrayValue
        let readerValues: [JSONValue]? = r["const"].map { [$0] } ?? r["enum"]?.arrayValue
        if let readerValues {
            if let writerValues {
                let missing = writerValues.filter { value in !readerValues.contains { JSONEquality.equal($0, value) } }
                if !missing.isEmpty { report(path, .enumNarrowed, "allowed values removed: \(JSONValue.array(missing))") }
            } else {
                report(path, .enumNarrowed, "values restricted to \(JSONValue.array(readerValues))")
            }
        }

        // Bounds: the reader's must be no tighter than the writer's.
        for (name, isLower, isExclusive) in [
            ("minimum", true, false), ("exclusiveMinimum", true, true), ("maximum", false, false), ("exclusiveMaximum", false, true),
        ] {
            guard let bound = Self.number(r[name]) else { continue }
            let inclusive = Self.number(w[isLower ? "minimum" : "maximum"])
            let exclusive = Self.number(w[isLower ? "exclusiveMinimum" : "exclusiveMaximum"])
            // The writer's bound must be at least as tight as the reader's.
            let fits: Bool
            if isLower {
                fits = (exclusive.map { isExclusive ? $0 >= bound : $0 >= bound } ?? false) || (inclusive.map { isExclusive ? $0 > bound : $0 >= bound } ?? false)
            } else {
                fits = (exclusive.map { $0 <= bound } ?? false) || (inclusive.map { isExclusive ? $0 < bound : $0 <= bound } ?? false)
            }
            if !fits { report(path, .rangeNarrowed, "\(name) \(SchemaEvaluator.describe(r[name] ?? .null)) is tighter than before") }
        }
        if let step = r["multipleOf"], !JSONEquality.equal(step, w["multipleOf"] ?? .null) {
            report(path, .rangeNarrowed, "multipleOf \(step) added or changed")
        }
        for (minimum, maximum) in [("minLength", "maxLength"), ("minItems", "maxItems"), ("minProperties", "maxProperties")] {
            if let bound = Self.number(r[minimum]), bound > (Self.number(w[minimum]) ?? 0) {
                report(path, .sizeNarrowed, "\(minimum) raised to \(Int(bound))")
            }
            if let bound = Self.number(r[maximum]), bound < (Self.number(w[maximum]) ?? .infinity) {
                report(path, .sizeNarrowed, "\(maximum) lowered to \(Int(bound))")
            }
        }
        if let pattern = r["pattern"], pattern != w["pattern"] {
            report(path, .patternChanged, "pattern \(pattern) added or changed")
        }
        if let format = r["format"], format != w["format"] {
            report(path, .formatChanged, "format \(format) added or changed")
        }
        if r["uniqueItems"] == .bool(true) && w["uniqueItems"] != .bool(true) {
            report(path, .uniqueItemsAdded, "uniqueItems added")
        }

        checkObject(w, r, path: path, depth: depth)
        checkArray(w, r, path: path, depth: depth)
        checkCombinations(w, r, writer: writer, path: path, depth: depth)
    }

    private mutating func checkObject(_ w: [String: JSONValue], _ r: [String: JSONValue], path: String, depth: Int) {
        let writerProperties = w["properties"]?.objectValue ?? [:]
        let readerProperties = r["properties"]?.objectValue ?? [:]
        let writerRequired = Set((w["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        let readerRequired = Set((r["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        for name in readerRequired.subtracting(writerRequired).sorted() {
            report(path + "/" + SchemaURI.escapeToken(name), .requiredAdded,
                   writerProperties[name] == nil ? "new required property '\(name)'" : "property '\(name)' became required")
        }
        let writerAdditional = w["additionalProperties"] ?? .bool(true)
        let readerAdditional = r["additionalProperties"] ?? .bool(true)
        let readerPatterns = r["patternProperties"]?.objectValue ?? [:]
        for (name, schema) in writerProperties.sorted(by: { $0.key < $1.key }) {
            let propertyPath = path + "/" + SchemaURI.escapeToken(name)
            if let target = readerProperties[name] {
                check(schema, target, path: propertyPath, depth: depth + 1)
            } else if !readerPatterns.isEmpty {
                continue  // Pattern properties: not compared.
            } else if readerAdditional == .bool(false) {
                report(propertyPath, .propertyRemovedClosedModel, "property '\(name)' was removed and the content model is closed")
            } else {
                check(schema, readerAdditional, path: propertyPath, depth: depth + 1)
            }
        }
        for (name, schema) in readerProperties.sorted(by: { $0.key < $1.key }) where writerProperties[name] == nil {
            let propertyPath = path + "/" + SchemaURI.escapeToken(name)
            guard writerAdditional != .bool(false) else { continue }  // The writer never sends it.
            var nested = SubsetChecker(writerRoot: writerRoot, readerRoot: readerRoot, direction: direction)
            nested.check(writerAdditional, schema, path: propertyPath, depth: depth + 1)
            if !nested.issues.isEmpty {
                report(propertyPath, .propertyAddedOpenModel, "property '\(name)' was added to an open content model with a narrower schema")
            }
        }
        if readerAdditional == .bool(false) && writerAdditional != .bool(false) {
            report(path, .additionalPropertiesNarrowed, "additionalProperties closed: other properties are now rejected")
        } else if readerAdditional != .bool(true), writerAdditional != .bool(false), readerAdditional != .bool(false) {
            check(writerAdditional, readerAdditional, path: path + "/*", depth: depth + 1)
        }
    }

    private mutating func checkArray(_ w: [String: JSONValue], _ r: [String: JSONValue], path: String, depth: Int) {
        let writerPrefix = w["prefixItems"]?.arrayValue ?? []
        let readerPrefix = r["prefixItems"]?.arrayValue ?? []
        let writerItems = w["items"] ?? .bool(true)
        let readerItems = r["items"] ?? .bool(true)
        for index in 0..<max(writerPrefix.count, readerPrefix.count) {
            let writerElement = index < writerPrefix.count ? writerPrefix[index] : writerItems
            let readerElement = index < readerPrefix.count ? readerPrefix[index] : readerItems
            check(writerElement, readerElement, path: path + "/" + String(index), depth: depth + 1)
        }
        if r["items"] != nil { check(writerItems, readerItems, path: path + "/*", depth: depth + 1) }
    }

    private mutating func checkCombinations(_ w: [String: JSONValue], _ r: [String: JSONValue], writer: JSONValue, path: String, depth: Int) {
        // Each writer branch must fit some reader branch (anyOf / oneOf).
        for keyword in ["anyOf", "oneOf"] {
            guard let readerBranches = r[keyword]?.arrayValue else { continue }
            let writerBranches = w[keyword]?.arrayValue ?? w[keyword == "anyOf" ? "oneOf" : "anyOf"]?.arrayValue ?? [writer]
            for (index, branch) in writerBranches.enumerated() {
                let fits = readerBranches.contains { candidate in
                    var trial = SubsetChecker(writerRoot: writerRoot, readerRoot: readerRoot, direction: direction)
                    trial.check(branch, candidate, path: path, depth: depth + 1)
                    return trial.issues.isEmpty
                }
                if !fits { report(path, .combinationNarrowed, "\(keyword): \(writerBranches.count == 1 ? "the schema" : "branch \(index)") fits none of the new branches") }
            }
        }
        if let readerAll = r["allOf"]?.arrayValue {
            for branch in readerAll { check(writer, branch, path: path, depth: depth + 1) }
        }
        if let not = r["not"], not != w["not"] {
            report(path, .combinationNarrowed, "'not' added or changed")
        }
    }
}
