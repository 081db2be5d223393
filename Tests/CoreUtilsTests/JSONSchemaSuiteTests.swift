import CoreProtocols
import CoreUtils
import Foundation
import Testing

@Suite(.timeLimit(.minutes(5))) struct JSONSchemaSuiteTests {
    @Test("draft 2020-12 required tests: 100 % pass") func requiredSuite() throws {
        let outcome = try JSONSchemaTestSuite.run(directory: JSONSchemaTestSuite.draft)
        print("JSON-Schema-Test-Suite draft2020-12: \(outcome.passed) passed, \(outcome.failures.count) failed")
        for failure in outcome.failures.prefix(80) { print("  FAIL \(failure)") }
        #expect(outcome.failures.isEmpty)
        #expect(outcome.passed == 1_299)
    }

    @Test("draft 2020-12 optional format tests: the listed formats pass") func formatSuite() throws {
        let directory = JSONSchemaTestSuite.draft.appendingPathComponent("optional/format")
        let outcome = try JSONSchemaTestSuite.run(directory: directory, options: JSONSchemaOptions(formatAssertion: true))
        let total = outcome.passed + outcome.failures.count
        print("optional/format: \(outcome.passed) of \(total) passed (\(outcome.passed * 100 / max(total, 1)) %)")
        let listed: Set<String> = [
            "date-time", "date", "time", "duration", "email", "hostname", "ipv4", "ipv6", "uri", "uri-reference", "uuid", "regex", "json-pointer",
        ]
        let listedFailures = outcome.failures.filter { listed.contains(String($0.file.dropLast(5))) }
        for failure in listedFailures { print("  FAIL \(failure)") }
        #expect(listedFailures.isEmpty)
    }

    @Test("draft 2020-12 optional tests (not format): pass rate reported") func optionalSuite() throws {
        let outcome = try JSONSchemaTestSuite.run(directory: JSONSchemaTestSuite.draft.appendingPathComponent("optional"))
        let total = outcome.passed + outcome.failures.count
        print("optional: \(outcome.passed) of \(total) passed")
        for failure in outcome.failures { print("  optional FAIL \(failure)") }
        #expect(total > 0)
    }
}
