import ArgumentParser
import CoreProtocols
import CoreUtils
import Foundation

/// `whale schema`: JSON Schema 2020-12 validation, compatibility, inference and
/// the official test-suite runner from the command line.
struct SchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Validate JSON documents against a JSON Schema 2020-12, compare schema versions, infer a schema, run the JSON-Schema-Test-Suite.",
        subcommands: [Validate.self, Compat.self, Infer.self, TestSuite.self]
    )

    /// A JSON file, parsed; a missing file or bad JSON is a `WhaleError` naming the path.
    static func readJSON(_ path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WhaleError(.io, "cannot read '\(path)'")
        }
        do {
            return try JSONValue(parsing: data)
        } catch let error as WhaleError {
            throw WhaleError(.malformedData, "\(path): \(error.message)")
        }
    }

    /// Remote `$ref`s resolved as files next to the schema: `whale:///x.json` → `<dir>/x.json`.
    static func compile(_ path: String, formatAssertion: Bool) throws -> JSONSchema {
        let document = try readJSON(path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let options = JSONSchemaOptions(formatAssertion: formatAssertion)
        do {
            return try JSONSchema(document, options: options, resolver: JSONSchemaDirectoryResolver(prefix: "whale:///", directory: directory))
        } catch let error as WhaleError {
            throw WhaleError(error.code, "\(path): \(error.message)")
        }
    }
}

extension SchemaCommand {
    struct Validate: LineOutputCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate each DOC against the schema; print every failing location (exit 1 when any is invalid).",
            discussion: "Each error line is `  <instance location>: <message> (at <keyword location>)`, the basic output format's fields."
        )
        @Option(help: "The JSON Schema file.") var schema: String
        @Flag(help: "Treat `format` as an assertion (default: annotation only).") var formatAssertion = false
        @Flag(help: "Print the basic output format as JSON instead of lines.") var json = false
        @Argument(help: "The JSON documents to validate.") var documents: [String]

        func execute(environment: [String: String], _ output: (String) -> Void) async throws {
            guard !documents.isEmpty else { throw WhaleError(.invalidInput, "name at least one document to validate") }
            let compiled = try SchemaCommand.compile(schema, formatAssertion: formatAssertion)
            var invalid = 0
            for path in documents {
                let result = try compiled.validate(try SchemaCommand.readJSON(path))
                if !result.isValid { invalid += 1 }
                if json {
                    output("\(path): \(result.basicOutput.encodedString())")
                } else {
                    output("\(path): \(result.isValid ? "valid" : "invalid (\(result.errors.count) errors)")")
                    for error in result.errors { output("  \(error)") }
                }
            }
            if invalid > 0 { throw WhaleError(.invalidInput, "\(invalid) of \(documents.count) documents are invalid") }
        }
    }

    struct Compat: LineOutputCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that NEW is compatible with OLD (Schema Registry rules); print each reason it is not (exit 1 when incompatible)."
        )
        @Option(help: "backward (new readers read old data), forward (old readers read new data) or full.") var mode: String = "backward"
        @Argument(help: "The registered schema.") var old: String
        @Argument(help: "The proposed schema.") var new: String

        func execute(environment: [String: String], _ output: (String) -> Void) async throws {
            guard let compatibility = JSONSchemaCompatibilityMode(name: mode) else {
                throw WhaleError(.invalidInput, "--mode must be backward, forward or full, not '\(mode)'")
            }
            let report = try JSONSchemaCompatibility.check(old: try SchemaCommand.readJSON(old), new: try SchemaCommand.readJSON(new), mode: compatibility)
            guard report.isCompatible else {
                for issue in report.issues { output(issue.description) }
                throw WhaleError(.invalidInput, "\(new) is not \(compatibility) compatible with \(old): \(report.issues.count) issues")
            }
            output("compatible (\(compatibility))")
        }
    }

    struct Infer: LineOutputCommand {
        static let configuration = CommandConfiguration(abstract: "Print a JSON Schema 2020-12 inferred from the SAMPLE documents.")
        @Flag(help: "Do not infer string formats.") var noFormats = false
        @Argument(help: "Sample JSON documents.") var samples: [String]

        func execute(environment: [String: String], _ output: (String) -> Void) async throws {
            let documents = try samples.map(SchemaCommand.readJSON)
            output(try JSONSchemaGenerator.generate(from: documents, detectsFormats: !noFormats).encodedString(prettyPrinted: true))
        }
    }

    struct TestSuite: LineOutputCommand {
        static let configuration = CommandConfiguration(
            commandName: "test-suite",
            abstract: "Run a JSON-Schema-Test-Suite folder (e.g. tests/draft2020-12); print `N passed, M failed` and the failures.",
            discussion: "Remote references (http://localhost:1234/…) are served from the `remotes/` folder beside DIR or two levels up."
        )
        @Flag(help: "Treat `format` as an assertion (for optional/format).") var formatAssertion = false
        @Option(help: "The remotes folder (default: found beside DIR).") var remotes: String?
        @Argument(help: "The folder of test files.") var directory: String

        func execute(environment: [String: String], _ output: (String) -> Void) async throws {
            let runner = JSONSchemaTestSuiteRunner(directory: directory, remotes: remotes, options: JSONSchemaOptions(formatAssertion: formatAssertion))
            let outcome = try runner.run()
            output(outcome.summary)
            for failure in outcome.failures { output("FAIL \(failure)") }
            if !outcome.failures.isEmpty { throw ExitCode.failure }
        }
    }
}
