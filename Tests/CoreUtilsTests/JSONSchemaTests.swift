import CoreProtocols
import CoreUtils
import Testing

@Suite struct JSONSchemaTests {
    // MARK: - Bad input

    @Test func schemaThatIsNotJSONIsMalformedData() {
        #expect { try JSONSchema(parsing: ##"{"type": "string""##) } throws: { ($0 as? WhaleError)?.code == .malformedData }
    }

    @Test(arguments: [
        ##"{"type": "strng"}"##,
        ##"{"minLength": -1}"##,
        ##"{"properties": []}"##,
        ##"{"required": "a"}"##,
        ##"17"##,
    ])
    func schemaThatIsNotA202012SchemaIsInvalidInput(_ text: String) {
        #expect { try JSONSchema(parsing: text) } throws: { ($0 as? WhaleError)?.code == .invalidInput }
    }

    @Test func invalidPatternIsACompileError() throws {
        for pattern in ["^(abc", "[a-", "\\\\a(", "a{2,1}"] {
            let schema: JSONValue = ["pattern": .string(pattern)]
            #expect(throws: WhaleError.self, "pattern \(pattern)") { try JSONSchema(schema) }
        }
        #expect(throws: WhaleError.self) { try JSONSchema(["patternProperties": ["(": true]]) }
    }

    @Test(arguments: [
        ##"{"$ref": "#"}"##,
        ##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}"##,
        ##"{"anyOf": [{"type": "string"}, {"not": {"$ref": "#"}}]}"##,
    ])
    func schemaThatRecursesWithoutEndIsACompileError(_ text: String) {
        #expect { try JSONSchema(parsing: text) } throws: { error in
            guard let error = error as? WhaleError else { return false }
            return error.code == .invalidInput && error.message.contains("recurses")
        }
    }

    @Test func recursionThroughTheInstanceIsFine() throws {
        let schema = try JSONSchema(parsing: ##"{"type": "array", "items": {"$ref": "#"}}"##)
        #expect(try schema.isValid([[[], [[]]]]))
        #expect(try !schema.isValid([[1]]))
    }

    @Test func unresolvableRefIsACompileError() {
        #expect { try JSONSchema(parsing: ##"{"$ref": "#/$defs/missing"}"##) } throws: { ($0 as? WhaleError)?.code == .invalidInput }
        #expect { try JSONSchema(parsing: ##"{"$ref": "https://example.com/nowhere.json"}"##) } throws: { ($0 as? WhaleError)?.code == .invalidInput }
    }

    @Test func tenThousandLevelsOfTextAreRejectedByTheParser() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect { try JSONValue(parsing: text) } throws: { error in
            guard let error = error as? WhaleError else { return false }
            return error.code == .malformedData && error.message.contains("nesting deeper than 512")
        }
    }

    @Test func tenThousandLevelInstanceIsRejectedNotAStackOverflow() throws {
        var instance: JSONValue = 1
        for _ in 0..<10_000 { instance = .array([instance]) }
        let schema = try JSONSchema(parsing: ##"{"$defs": {"tree": {"type": ["array", "integer"], "items": {"$ref": "#/$defs/tree"}}}, "$ref": "#/$defs/tree"}"##)
        #expect { try schema.isValid(instance) } throws: { ($0 as? WhaleError)?.code == .invalidInput }
        #expect { try schema.validate(instance) } throws: { ($0 as? WhaleError)?.code == .invalidInput }
        // Within the limit the same shape validates.
        var shallow: JSONValue = 1
        for _ in 0..<100 { shallow = .array([shallow]) }
        #expect(try schema.isValid(shallow))
        // Tear the deep value down iteratively so its release does not recurse either.
        while case .array(let elements) = instance, let first = elements.first { instance = first }
    }

    // MARK: - Basic output

    @Test func basicOutputListsEveryFailingLocation() throws {
        let schema = try JSONSchema(
            parsing: ##"""
                {"$id": "https://example.com/polygon", "$defs": {"point": {"type": "object", "required": ["x", "y"],
                 "properties": {"x": {"type": "number"}, "y": {"type": "number"}}, "additionalProperties": false}},
                 "type": "array", "items": {"$ref": "#/$defs/point"}, "minItems": 3}
                """##)
        let result = try schema.validate(try JSONValue(parsing: ##"[{"x": 2.5, "y": 1.3}, {"x": 1, "z": 6.7}, {"x": "a", "y": 0}]"##))
        #expect(!result.isValid)
        let locations = Set(result.errors.map { "\($0.keywordLocation) @ \($0.instanceLocation)" })
        #expect(locations == [
            "/items/$ref/required @ /1",
            "/items/$ref/additionalProperties @ /1",
            "/items/$ref/properties/x/type @ /2/x",
        ])
        let required = try #require(result.errors.first { $0.keywordLocation.hasSuffix("required") })
        #expect(required.absoluteKeywordLocation == "https://example.com/polygon#/$defs/point/required")
        #expect(required.error.contains("'y'"))
        #expect(result.basicOutput["valid"] == false)
        #expect(result.basicOutput["errors"]?.arrayValue?.count == 3)
        #expect(try schema.validate([["x": 1, "y": 2], ["x": 1, "y": 2], ["x": 1, "y": 2]]).basicOutput == ["valid": true])
    }

    @Test func minItemsAndNestedFailuresAreAllReported() throws {
        let schema = try JSONSchema(parsing: ##"{"type": "object", "required": ["a", "b"], "properties": {"n": {"minimum": 5, "multipleOf": 2}}}"##)
        let result = try schema.validate(["n": 3])
        #expect(result.errors.map(\.keywordLocation).sorted() == ["/properties/n/minimum", "/properties/n/multipleOf", "/required", "/required"])
        #expect(result.errors.filter { $0.instanceLocation == "/n" }.count == 2)
    }

    // MARK: - Formats and regex

    @Test func formatAnnotatesByDefaultAndAssertsWhenAsked() throws {
        let annotating = try JSONSchema(["format": "email"])
        let asserting = try JSONSchema(["format": "email"], options: JSONSchemaOptions(formatAssertion: true))
        #expect(try annotating.isValid("not an address"))
        #expect(try !asserting.isValid("not an address"))
        #expect(try asserting.isValid("ali@example.ir"))
    }

    @Test func ecmaRegexDifferencesAreTranslated() throws {
        let digits = try JSONSchema(["pattern": "^\\d+$"])
        #expect(try digits.isValid("123"))
        #expect(try !digits.isValid("۱۲۳"))  // Persian digits are not \d in ECMA-262
        #expect(try !digits.isValid("123\n"))  // $ does not match before a final newline
        let long = try JSONSchema(["pattern": "^a*$"])
        #expect(try long.isValid(.string(String(repeating: "a", count: 5_000))))
        let behind = try JSONSchema(["pattern": "(?<=a+)b"])
        #expect(try behind.isValid("aab"))
        #expect(try !behind.isValid("cb"))
        #expect(throws: WhaleError.self) { try JSONSchema(["pattern": "(?i)abc"]) }
        let letters = try JSONSchema(["pattern": "^\\p{L}+$"])
        #expect(try letters.isValid("سلام"))
    }

    @Test func remoteReferencesGoThroughTheResolver() throws {
        struct Fixed: JSONSchemaResolver {
            func schema(for uri: String) throws -> JSONValue? {
                uri == "https://schemas.example/limit.json" ? ["type": "integer", "minimum": 1] : nil
            }
        }
        let schema = try JSONSchema(["properties": ["limit": ["$ref": "https://schemas.example/limit.json"]]], resolver: Fixed())
        #expect(try schema.isValid(["limit": 3]))
        let result = try schema.validate(["limit": 0])
        #expect(result.errors.first?.absoluteKeywordLocation == "https://schemas.example/limit.json#/minimum")
    }
}
