import CoreProtocols
import CoreUtils
import Testing

@Suite struct InputValidatorTests {
    static let request = InputRule.object(
        [
            "model_id": .string(length: 1...16, pattern: "^[a-z0-9-]+$").required(),
            "limit": .integer(range: 1...100),
            "kind": .string(oneOf: ["text", "image"]),
            "tags": .array(of: .string(length: 1...8), count: 0...3),
            "window": .object(["start": .integer().required(), "end": .integer().required()], constraints: [.ordered("start", before: "end")]),
            "score": .number(range: 0...1).custom { ($0.doubleValue ?? 0) == 0.5 ? "0.5 is reserved" : nil },
            "query": .string(), "url": .string(),
        ],
        allowsUnknownFields: false,
        constraints: [.atLeastOne(of: ["query", "url"])]
    )

    @Test func validInputHasNoViolations() throws {
        let validator = try InputValidator(Self.request)
        let input: JSONValue = ["model_id": "m-1", "limit": 10, "kind": "text", "tags": ["a"], "window": ["start": 1, "end": 2], "query": "x"]
        #expect(validator.validate(input) == [])
    }

    @Test func everyViolationIsReportedAtOnce() throws {
        let validator = try InputValidator(Self.request)
        let input: JSONValue = [
            "limit": 0, "kind": "video", "tags": ["ok", "much-too-long", 3, "a", "b"],
            "window": ["start": 5, "end": 5], "score": 0.5, "extra": true,
        ]
        let found = validator.validate(input).map { "\($0.path) \($0.code)" }
        // Fields in name order, then unknown fields, then the object's constraints.
        #expect(found == [
            "/kind enum", "/limit range", "/model_id required", "/score custom", "/tags count", "/tags/1 length",
            "/tags/2 type", "/window/end constraint", "/extra unknown_field", " constraint",
        ])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let input: JSONValue
        let path: String
        let code: ValidationViolation.Code
        var testDescription: String { "\(input) → \(path) \(code)" }
    }

    static let cases: [Case] = [
        Case(input: ["model_id": "Bad Id", "query": "q"], path: "/model_id", code: .pattern),
        Case(input: ["model_id": "a-much-too-long-model-id", "query": "q"], path: "/model_id", code: .length),
        Case(input: ["model_id": 7, "query": "q"], path: "/model_id", code: .type),
        Case(input: ["model_id": "m", "query": "q", "limit": 2.5], path: "/limit", code: .type),
        Case(input: ["model_id": "m", "query": "q", "window": ["start": 1]], path: "/window/end", code: .required),
        Case(input: ["model_id": "m"], path: "", code: .constraint),
        Case(input: ["model_id": nil, "url": "u"], path: "/model_id", code: .required),
    ]

    @Test(arguments: cases) func eachRuleHasItsCode(_ example: Case) throws {
        let violations = try InputValidator(Self.request).validate(example.input)
        #expect(violations.count == 1, "\(violations)")
        #expect(violations.first?.path == example.path)
        #expect(violations.first?.code == example.code)
    }

    @Test func crossFieldConstraints() {
        let constraints: [InputConstraint] = [
            .ordered("start", before: "end"), .exactlyOne(of: ["a", "b"]), .requires(["password"], when: "user"),
        ]
        #expect(InputValidator.checkConstraints(["start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z", "a": 1], constraints) == [])
        let violations = InputValidator.checkConstraints(["start": 3, "end": 1, "a": 1, "b": 2, "user": "u"], constraints, path: "/q")
        #expect(violations.map(\.path) == ["/q/end", "/q", "/q/password"])
        #expect(violations.allSatisfy { $0.code == .constraint })
        #expect(violations[1].message.contains("only one"))
    }

    @Test func invalidPatternIsATypedError() {
        #expect(throws: WhaleError.self) { try InputValidator(.string(pattern: "([a-")) }
    }

    @Test func deepInputIsOneViolationNotACrash() throws {
        var value: JSONValue = 1
        for _ in 0..<600 { value = .array([value]) }
        var rule = InputRule.array()
        for _ in 0..<600 { rule = .array(of: rule) }
        let violations = try InputValidator(rule).validate(value)
        #expect(violations.count == 1)
        #expect(violations.first?.message.contains("deeper") == true)
    }
}

