import CoreProtocols
import CoreUtils
import Foundation

/// The official JSON-Schema-Test-Suite, read from `../shared/testdata/json-schema-test-suite`
/// beside the package root (remotes served from its `remotes/` as `http://localhost:1234/`).
enum JSONSchemaTestSuite {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // CoreUtilsTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
    static let root = packageRoot.appendingPathComponent("../shared/testdata/json-schema-test-suite").standardized
    static let draft = root.appendingPathComponent("tests/draft2020-12")
    static let resolver = JSONSchemaDirectoryResolver(prefix: "http://localhost:1234/", directory: root.appendingPathComponent("remotes").path)

    struct Failure: CustomStringConvertible {
        let file: String
        let group: String
        let test: String
        let problem: String
        var description: String { "\(file): \(group) / \(test): \(problem)" }
    }

    struct Outcome {
        var passed = 0
        var failures: [Failure] = []
    }

    /// Runs every `*.json` file directly in `directory`.
    static func run(directory: URL, options: JSONSchemaOptions = JSONSchemaOptions()) throws -> Outcome {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        guard !files.isEmpty else { throw WhaleError(.notFound, "no test files in \(directory.path)") }
        var outcome = Outcome()
        for file in files {
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(file).path) else {
                throw WhaleError(.io, "cannot read \(file)")
            }
            guard case .array(let groups) = try JSONValue(parsing: data) else { throw WhaleError(.malformedData, "\(file) is not an array") }
            for group in groups {
                let description = group["description"]?.stringValue ?? "?"
                let tests = group["tests"]?.arrayValue ?? []
                let schema: JSONSchema
                do {
                    schema = try JSONSchema(group["schema"] ?? .null, options: options, resolver: resolver)
                } catch {
                    for test in tests {
                        outcome.failures.append(Failure(file: file, group: description, test: test["description"]?.stringValue ?? "?", problem: "compile: \(error)"))
                    }
                    continue
                }
                for test in tests {
                    let name = test["description"]?.stringValue ?? "?"
                    let expected = test["valid"]?.boolValue ?? false
                    do {
                        let fast = try schema.isValid(test["data"] ?? .null)
                        let detailed = try schema.validate(test["data"] ?? .null)
                        if fast == expected && detailed.isValid == expected && detailed.errors.isEmpty == expected {
                            outcome.passed += 1
                        } else {
                            outcome.failures.append(Failure(file: file, group: description, test: name, problem: "expected \(expected), got \(fast)/\(detailed.isValid) \(detailed.errors.prefix(2))"))
                        }
                    } catch {
                        outcome.failures.append(Failure(file: file, group: description, test: name, problem: "threw \(error)"))
                    }
                }
            }
        }
        return outcome
    }
}
