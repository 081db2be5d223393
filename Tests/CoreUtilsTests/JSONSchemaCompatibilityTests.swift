import CoreProtocols
import CoreUtils
import Testing

@Suite struct JSONSchemaCompatibilityTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let old: String
        let new: String
        /// Expected codes in backward and forward direction (empty: compatible).
        let backward: [String]
        let forward: [String]
        var testDescription: String { name }
    }

    static let object = #""type": "object""#

    static let cases: [Case] = [
        Case(name: "identical", old: #"{"type": "string"}"#, new: #"{"type": "string"}"#, backward: [], forward: []),
        Case(name: "new required field breaks backward",
             old: #"{\#(object), "properties": {"a": {"type": "string"}}}"#,
             new: #"{\#(object), "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "required": ["b"]}"#,
             backward: ["required_added", "property_added_open_model"], forward: []),
        Case(name: "optional field added to an open model",
             old: #"{\#(object), "properties": {"a": {"type": "string"}}}"#,
             new: #"{\#(object), "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}"#,
             backward: ["property_added_open_model"], forward: []),
        Case(name: "optional field added to a closed model",
             old: #"{\#(object), "properties": {"a": {}}, "additionalProperties": false}"#,
             new: #"{\#(object), "properties": {"a": {}, "b": {"type": "string"}}, "additionalProperties": false}"#,
             backward: [], forward: ["property_removed_closed_model"]),
        Case(name: "field removed under a closed model breaks forward",
             old: #"{\#(object), "properties": {"a": {}, "b": {}}, "additionalProperties": false}"#,
             new: #"{\#(object), "properties": {"a": {}}, "additionalProperties": false}"#,
             backward: ["property_removed_closed_model"], forward: []),
        Case(name: "field removed under an open model",
             old: #"{\#(object), "properties": {"a": {}, "b": {"type": "string"}}}"#,
             new: #"{\#(object), "properties": {"a": {}}}"#,
             backward: [], forward: ["property_added_open_model"]),
        Case(name: "number narrowed to integer",
             old: #"{"type": "number"}"#, new: #"{"type": "integer"}"#, backward: ["type_narrowed"], forward: []),
        Case(name: "type dropped from a union",
             old: #"{"type": ["string", "null"]}"#, new: #"{"type": "string"}"#, backward: ["type_narrowed"], forward: []),
        Case(name: "enum value removed",
             old: #"{"enum": ["a", "b", "c"]}"#, new: #"{"enum": ["a", "b"]}"#, backward: ["enum_narrowed"], forward: []),
        Case(name: "minimum raised, maximum lowered",
             old: #"{"type": "integer", "minimum": 0, "maximum": 10}"#, new: #"{"type": "integer", "minimum": 1, "maximum": 9}"#,
             backward: ["range_narrowed", "range_narrowed"], forward: []),
        Case(name: "maxLength lowered",
             old: #"{"type": "string", "maxLength": 64}"#, new: #"{"type": "string", "maxLength": 32}"#,
             backward: ["size_narrowed"], forward: ["size_narrowed"].filter { _ in false }),
        Case(name: "pattern added", old: #"{"type": "string"}"#, new: #"{"type": "string", "pattern": "^a"}"#,
             backward: ["pattern_changed"], forward: []),
        Case(name: "additionalProperties closed",
             old: #"{\#(object)}"#, new: #"{\#(object), "additionalProperties": false}"#,
             backward: ["additional_properties_narrowed"], forward: []),
        Case(name: "nested items narrowed through $ref",
             old: ##"{"type": "array", "items": {"$ref": "#/$defs/n"}, "$defs": {"n": {"type": "number"}}}"##,
             new: #"{"type": "array", "items": {"type": "integer"}}"#,
             backward: ["type_narrowed"], forward: []),
        Case(name: "anyOf branch removed",
             old: #"{"anyOf": [{"type": "string"}, {"type": "integer"}]}"#, new: #"{"anyOf": [{"type": "string"}]}"#,
             backward: ["combination_narrowed"], forward: []),
    ]

    @Test(arguments: cases) func rule(_ example: Case) throws {
        let old = try JSONValue(parsing: example.old)
        let new = try JSONValue(parsing: example.new)
        let backward = try JSONSchemaCompatibility.check(old: old, new: new, mode: .backward)
        let forward = try JSONSchemaCompatibility.check(old: old, new: new, mode: .forward)
        let full = try JSONSchemaCompatibility.check(old: old, new: new, mode: .full)
        #expect(backward.issues.map(\.code.rawValue).sorted() == example.backward.sorted(), "\(backward.issues)")
        #expect(forward.issues.map(\.code.rawValue).sorted() == example.forward.sorted(), "\(forward.issues)")
        #expect(full.issues.count == backward.issues.count + forward.issues.count)
        #expect(full.isCompatible == (example.backward.isEmpty && example.forward.isEmpty))
    }

    @Test func reasonsNameTheField() throws {
        let report = try JSONSchemaCompatibility.check(
            old: ["type": "object", "properties": ["window": ["type": "object", "properties": ["start": ["type": "string"]]]]],
            new: ["type": "object", "properties": ["window": ["type": "object", "properties": ["start": ["type": "string"]], "required": ["start"]]]]
        )
        #expect(report.issues.map(\.path) == ["/window/start"])
        #expect(report.issues.first?.message.contains("'start' became required") == true)
    }

    @Test func notASchemaIsATypedError() {
        #expect(throws: WhaleError.self) { try JSONSchemaCompatibility.check(old: 3, new: true) }
    }
}
