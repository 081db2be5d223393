public import CoreProtocols

/// Infers a draft 2020-12 schema from sample documents (the spec's `generate_schema`).
///
/// Types seen anywhere are merged (`integer` and `number` become `number`;
/// `null` beside another type makes it nullable); an object property is
/// `required` when every sample object has it; array items are merged across
/// every element of every sample; a string `format` (`date-time`, `date`,
/// `time`, `email`, `uuid`, `ipv4`, `ipv6`, `uri`) is set when every sample
/// string has it.
///
/// ```swift
/// let schema = try JSONSchemaGenerator.generate(from: [
///     ["id": "9f0c8a52-4a55-4bd5-9a3b-4a1f6f7e2c11", "n": 1],
///     ["id": "0b4e51a2-2b0c-4d8e-8f5b-7e2e0c8f9d10", "n": 2.5, "note": "x"],
/// ])
/// // {"$schema": "…/2020-12/schema", "type": "object", "required": ["id", "n"],
/// //  "properties": {"id": {"type": "string", "format": "uuid"}, "n": {"type": "number"}, "note": {"type": "string"}}}
/// ```
public enum JSONSchemaGenerator {
    /// The inferred schema for `samples`.
    /// - Parameters:
    ///   - samples: one or more sample documents.
    ///   - detectsFormats: whether string formats are inferred. Default: `true`.
    /// - Throws: `WhaleError` `.invalidInput` for no samples or samples nested deeper than ``JSONValue/maximumNestingDepth``.
    public static func generate(from samples: [JSONValue], detectsFormats: Bool = true) throws -> JSONValue {
        guard !samples.isEmpty else { throw WhaleError(.invalidInput, "give at least one sample to infer a schema from") }
        var shape = Shape()
        for sample in samples { try shape.add(sample, depth: 0) }
        guard case .object(var schema) = shape.schema(detectsFormats: detectsFormats) else { return shape.schema(detectsFormats: detectsFormats) }
        schema["$schema"] = .string(Metaschemas.draft202012)
        return .object(schema)
    }

    /// What the samples at one location looked like.
    private struct Shape {
        var types: Set<String> = []
        var objectCount = 0
        var properties: [String: Shape] = [:]
        var propertyCounts: [String: Int] = [:]
        var items: [Shape] = []  // zero or one: the merged element shape
        var formats: Set<SchemaFormat>?
        static let candidateFormats: [SchemaFormat] = [.dateTime, .date, .time, .email, .uuid, .ipv4, .ipv6, .uri]

        mutating func add(_ value: JSONValue, depth: Int) throws {
            guard depth <= JSONValue.maximumNestingDepth else {
                throw WhaleError(.invalidInput, "the sample nests deeper than \(JSONValue.maximumNestingDepth) levels")
            }
            switch value {
            case .null: types.insert("null")
            case .bool: types.insert("boolean")
            case .integer: types.insert("integer")
            case .double(let number): types.insert(number.rounded(.towardZero) == number && number.isFinite ? "integer" : "number")
            case .string(let string):
                types.insert("string")
                let matching = Set((formats.map(Array.init) ?? Self.candidateFormats).filter { $0.validates(string) })
                formats = matching
            case .array(let elements):
                types.insert("array")
                if items.isEmpty && !elements.isEmpty { items = [Shape()] }
                for element in elements { try items[0].add(element, depth: depth + 1) }
            case .object(let members):
                types.insert("object")
                objectCount += 1
                for (name, member) in members {
                    propertyCounts[name, default: 0] += 1
                    try properties[name, default: Shape()].add(member, depth: depth + 1)
                }
            }
        }

        func schema(detectsFormats: Bool) -> JSONValue {
            var schema: [String: JSONValue] = [:]
            var names = types
            if names.contains("number") { names.remove("integer") }
            let order = ["null", "boolean", "integer", "number", "string", "array", "object"]
            let sorted = order.filter(names.contains)
            if sorted.count == 1 {
                schema["type"] = .string(sorted[0])
            } else if !sorted.isEmpty {
                schema["type"] = .array(sorted.map { .string($0) })
            }
            if detectsFormats, types.contains("string"), let formats, let best = Self.candidateFormats.first(where: formats.contains) {
                schema["format"] = .string(best.rawValue)
            }
            if types.contains("object") {
                schema["properties"] = .object(properties.mapValues { $0.schema(detectsFormats: detectsFormats) })
                let required = propertyCounts.filter { $0.value == objectCount }.keys.sorted()
                if !required.isEmpty { schema["required"] = .array(required.map { .string($0) }) }
            }
            if types.contains("array"), let element = items.first {
                schema["items"] = element.schema(detectsFormats: detectsFormats)
            }
            return .object(schema)
        }
    }
}
