import CoreProtocols
import CoreUtils
import Foundation
import Testing

/// The official JSON-Schema-Test-Suite, read from `../shared/testdata/json-schema-test-suite`
/// beside the package root (remotes from its `remotes/`, as `http://localhost:1234/`).
/// A missing folder fails the tests (the runner throws `.notFound`); it never skips.
@Suite(.timeLimit(.minutes(5))) struct JSONSchemaSuiteTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // CoreUtilsTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
    static let suite = packageRoot.appendingPathComponent("../shared/testdata/json-schema-test-suite").standardized
    static let draft = suite.appendingPathComponent("tests/draft2020-12")
    static let remotes = suite.appendingPathComponent("remotes").path

    @Test("draft 2020-12 required tests: 100 % pass") func requiredSuite() throws {
        let outcome = try JSONSchemaTestSuiteRunner(directory: Self.draft.path, remotes: Self.remotes).run()
        print("JSON-Schema-Test-Suite draft2020-12: \(outcome.summary)")
        for failure in outcome.failures.prefix(80) { print("  FAIL \(failure)") }
        #expect(outcome.failures.isEmpty)
        #expect(outcome.passed == 1_299)
    }

    @Test("draft 2020-12 optional format tests: the listed formats pass") func formatSuite() throws {
        let directory = Self.draft.appendingPathComponent("optional/format").path
        let outcome = try JSONSchemaTestSuiteRunner(directory: directory, remotes: Self.remotes, options: JSONSchemaOptions(formatAssertion: true)).run()
        let total = outcome.passed + outcome.failures.count
        print("optional/format: \(outcome.passed) of \(total) passed (\(outcome.passed * 100 / max(total, 1)) %)")
        var failuresByFile: [String: Int] = [:]
        for failure in outcome.failures { failuresByFile[failure.file, default: 0] += 1 }
        print("optional/format failures by file (formats not listed in issue 6): \(failuresByFile.sorted { $0.key < $1.key })")
        let listed: Set<String> = [
            "date-time", "date", "time", "duration", "email", "hostname", "ipv4", "ipv6", "uri", "uri-reference", "uuid", "regex", "json-pointer",
        ]
        let listedFailures = outcome.failures.filter { listed.contains(String($0.file.dropLast(5))) }
        for failure in listedFailures { print("  FAIL \(failure)") }
        #expect(listedFailures.isEmpty)
    }

    @Test("draft 2020-12 optional tests (not format): pass rate reported") func optionalSuite() throws {
        let outcome = try JSONSchemaTestSuiteRunner(directory: Self.draft.appendingPathComponent("optional").path, remotes: Self.remotes).run()
        print("optional: \(outcome.summary)")
        for failure in outcome.failures { print("  optional FAIL \(failure)") }
        #expect(outcome.passed >= 161)
    }

    @Test func missingSuiteFolderFailsLoudly() {
        #expect { try JSONSchemaTestSuiteRunner(directory: "/nonexistent/suite").run() } throws: { ($0 as? WhaleError)?.code == .notFound }
    }
}
