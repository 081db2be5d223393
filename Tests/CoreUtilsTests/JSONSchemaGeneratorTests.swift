import CoreProtocols
import CoreUtils
import Testing

@Suite struct JSONSchemaGeneratorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let samples: [String]
        let expected: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "scalar", samples: ["1"], expected: #"{"type": "integer"}"#),
        Case(name: "integer and number merge to number", samples: ["1", "2.5"], expected: #"{"type": "number"}"#),
        Case(name: "null makes a union", samples: [#""a""#, "null"], expected: #"{"type": ["null", "string"]}"#),
        Case(name: "required only when in every sample",
             samples: [#"{"a": 1, "b": "x"}"#, #"{"a": 2}"#],
             expected: #"{"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}}, "required": ["a"]}"#),
        Case(name: "array items merged across samples",
             samples: [#"[1, 2]"#, #"["a"]"#, "[]"],
             expected: #"{"type": "array", "items": {"type": ["integer", "string"]}}"#),
        Case(name: "formats detected when every string has them",
             samples: [#"{"t": "2026-01-01T10:00:00Z", "d": "2026-01-01", "u": "9f0c8a52-4a55-4bd5-9a3b-4a1f6f7e2c11", "e": "ali@example.ir", "ip": "10.0.0.1"}"#],
             expected: #"{"type": "object", "properties": {"t": {"type": "string", "format": "date-time"}, "d": {"type": "string", "format": "date"}, "u": {"type": "string", "format": "uuid"}, "e": {"type": "string", "format": "email"}, "ip": {"type": "string", "format": "ipv4"}}, "required": ["d", "e", "ip", "t", "u"]}"#),
        Case(name: "a format dropped when one string lacks it",
             samples: [#""2026-01-01""#, #""tomorrow""#], expected: #"{"type": "string"}"#),
        Case(name: "nested objects",
             samples: [#"{"m": {"id": "x", "p": 1}}"#, #"{"m": {"id": "y"}}"#],
             expected: #"{"type": "object", "properties": {"m": {"type": "object", "properties": {"id": {"type": "string"}, "p": {"type": "integer"}}, "required": ["id"]}}, "required": ["m"]}"#),
    ]

    @Test(arguments: cases) func rule(_ example: Case) throws {
        let samples = try example.samples.map { try JSONValue(parsing: $0) }
        let generated = try JSONSchemaGenerator.generate(from: samples)
        guard case .object(var members) = generated else {
            Issue.record("not an object: \(generated)")
            return
        }
        #expect(members.removeValue(forKey: "$schema") == "https://json-schema.org/draft/2020-12/schema")
        #expect(JSONValue.object(members) == (try JSONValue(parsing: example.expected)))
        // The inferred schema compiles and accepts every sample.
        let schema = try JSONSchema(generated, options: JSONSchemaOptions(formatAssertion: true))
        for sample in samples { #expect(try schema.isValid(sample)) }
    }

    @Test func noSamplesIsATypedError() {
        #expect(throws: WhaleError.self) { try JSONSchemaGenerator.generate(from: []) }
    }
}
