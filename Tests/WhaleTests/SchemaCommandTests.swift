import ArgumentParser
import CoreProtocols
import Foundation
import Testing

@testable import whale

/// `whale schema …` on files in a temporary folder and on the official suite.
@Suite(.timeLimit(.minutes(2)))
struct SchemaCommandTests {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("whale-schema-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    private func write(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func validatePrintsEveryFailingLocation() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let schema = try write("s.json", #"{"type": "object", "required": ["id"], "properties": {"n": {"type": "integer", "minimum": 1}}}"#)
        let good = try write("good.json", #"{"id": "a", "n": 2}"#)
        let bad = try write("bad.json", #"{"n": 0}"#)
        var lines: [String] = []
        try await SchemaCommand.Validate.parse(["--schema", schema, good]).execute(environment: [:]) { lines.append($0) }
        #expect(lines == ["\(good): valid"])
        lines = []
        await #expect(throws: WhaleError.self) {
            try await SchemaCommand.Validate.parse(["--schema", schema, good, bad]).execute(environment: [:]) { lines.append($0) }
        }
        #expect(lines.count == 4, "\(lines)")
        #expect(lines.contains { $0.contains("/n:") && $0.contains("minimum") })
        #expect(lines.contains { $0.contains("'id'") })
    }

    @Test func badInputExitsOneWithOneLine() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let notJSON = try write("broken.json", #"{"type": "#)
        let badPattern = try write("pattern.json", #"{"pattern": "(unclosed"}"#)
        let doc = try write("doc.json", "1")
        for arguments in [["--schema", notJSON, doc], ["--schema", badPattern, doc], ["--schema", directory + "/missing.json", doc]] {
            await #expect(throws: ExitCode.failure, "\(arguments)") { try await SchemaCommand.Validate.parse(arguments).run() }
        }
        await #expect(throws: ExitCode.failure) { try await SchemaCommand.Compat.parse(["--mode", "sideways", doc, doc]).run() }
    }

    @Test func compatAndInfer() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let old = try write("old.json", #"{"type": "object", "properties": {"a": {"type": "string"}}}"#)
        let new = try write("new.json", #"{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}"#)
        var lines: [String] = []
        try await SchemaCommand.Compat.parse([old, old]).execute(environment: [:]) { lines.append($0) }
        #expect(lines == ["compatible (backward)"])
        lines = []
        await #expect(throws: WhaleError.self) { try await SchemaCommand.Compat.parse([old, new]).execute(environment: [:]) { lines.append($0) } }
        #expect(lines.first?.contains("required_added") == true)
        try await SchemaCommand.Compat.parse(["--mode", "forward", old, new]).execute(environment: [:]) { lines.append($0) }

        let sample = try write("sample.json", #"{"id": "9f0c8a52-4a55-4bd5-9a3b-4a1f6f7e2c11", "n": 1}"#)
        lines = []
        try await SchemaCommand.Infer.parse([sample]).execute(environment: [:]) { lines.append($0) }
        let inferred = try JSONValue(parsing: lines.joined(separator: "\n"))
        #expect(inferred["properties"]?["id"]?["format"] == "uuid")
        #expect(inferred["required"] == ["id", "n"])
    }

    @Test func testSuiteRunsTheOfficialSuite() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let suite = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("../shared/testdata/json-schema-test-suite/tests/draft2020-12").standardized.path
        var lines: [String] = []
        try await SchemaCommand.TestSuite.parse([suite]).execute(environment: [:]) { lines.append($0) }
        #expect(lines == ["1299 passed, 0 failed"])
    }
}
