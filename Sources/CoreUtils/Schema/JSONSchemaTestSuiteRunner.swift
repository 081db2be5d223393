public import CoreProtocols
import Foundation

/// Runs a directory in the JSON-Schema-Test-Suite layout: each `*.json` file an
/// array of `{"description", "schema", "tests": [{"description", "data", "valid"}]}`,
/// remote documents served from a `remotes/` folder as `http://localhost:1234/`.
/// Each schema is compiled once; each test checks both ``JSONSchema/isValid(_:)``
/// and ``JSONSchema/validate(_:)`` (which must list errors exactly when invalid).
public struct JSONSchemaTestSuiteRunner: Sendable {
    /// One failing test.
    public struct Failure: Sendable, CustomStringConvertible {
        /// The test file's name.
        public var file: String
        /// The test group's description.
        public var group: String
        /// The test's description.
        public var test: String
        /// What went wrong.
        public var problem: String
        /// `file: group / test: problem`.
        public var description: String { "\(file): \(group) / \(test): \(problem)" }
    }

    /// What a run found.
    public struct Outcome: Sendable {
        /// Tests that passed.
        public var passed = 0
        /// Tests that failed, in file order.
        public var failures: [Failure] = []
        /// `N passed, M failed`.
        public var summary: String { "\(passed) passed, \(failures.count) failed" }
    }

    /// The folder of test files.
    public let directory: String
    /// The resolver serving the remotes.
    public let resolver: JSONSchemaDirectoryResolver
    /// The options every schema is compiled with.
    public let options: JSONSchemaOptions

    /// Creates a runner.
    /// - Parameters:
    ///   - directory: the folder of test files (`tests/draft2020-12`).
    ///   - remotes: the remotes folder. Default: the first `remotes/` found beside
    ///     `directory` or two levels up (the suite's own layout).
    ///   - options: compile options. Default: the defaults (formats annotate).
    public init(directory: String, remotes: String? = nil, options: JSONSchemaOptions = JSONSchemaOptions()) {
        self.directory = directory
        let base = URL(fileURLWithPath: directory)
        let found = remotes ?? [
            base.deletingLastPathComponent().appendingPathComponent("remotes"),
            base.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("remotes"),
        ].map(\.path).first { FileManager.default.fileExists(atPath: $0) } ?? base.appendingPathComponent("remotes").path
        self.resolver = JSONSchemaDirectoryResolver(prefix: "http://localhost:1234/", directory: found)
        self.options = options
    }

    /// Runs every `*.json` file directly in ``directory``, in name order.
    /// - Throws: `WhaleError` `.notFound` when the folder is missing or has no test
    ///   files, `.io` / `.malformedData` when a file cannot be read or parsed.
    public func run() throws -> Outcome {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw WhaleError(.notFound, "no test-suite folder at \(directory)", underlying: error)
        }
        guard !names.isEmpty else { throw WhaleError(.notFound, "no *.json test files in \(directory)") }
        var outcome = Outcome()
        for name in names {
            guard let data = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(name)) else {
                throw WhaleError(.io, "cannot read \(name)")
            }
            guard case .array(let groups) = try JSONValue(parsing: data) else {
                throw WhaleError(.malformedData, "\(name) is not an array of test groups")
            }
            for group in groups { run(group, file: name, into: &outcome) }
        }
        return outcome
    }

    private func run(_ group: JSONValue, file: String, into outcome: inout Outcome) {
        let description = group["description"]?.stringValue ?? "?"
        let tests = group["tests"]?.arrayValue ?? []
        let schema: JSONSchema
        do {
            schema = try JSONSchema(group["schema"] ?? .null, options: options, resolver: resolver)
        } catch {
            for test in tests {
                outcome.failures.append(Failure(file: file, group: description, test: test["description"]?.stringValue ?? "?", problem: "does not compile: \(error)"))
            }
            return
        }
        for test in tests {
            let name = test["description"]?.stringValue ?? "?"
            let expected = test["valid"]?.boolValue ?? false
            let data = test["data"] ?? .null
            do {
                let fast = try schema.isValid(data)
                let detailed = try schema.validate(data)
                if fast == expected && detailed.isValid == expected && detailed.errors.isEmpty == expected {
                    outcome.passed += 1
                } else {
                    let errors = detailed.errors.prefix(3).map(\.description).joined(separator: "; ")
                    outcome.failures.append(Failure(file: file, group: description, test: name, problem: "expected \(expected ? "valid" : "invalid"), got \(fast ? "valid" : "invalid") \(errors)"))
                }
            } catch {
                outcome.failures.append(Failure(file: file, group: description, test: name, problem: "threw \(error)"))
            }
        }
    }
}
