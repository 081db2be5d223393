import ArgumentParser
import CoreProtocols

import Foundation

/// A command whose output is lines, produced by ``execute(environment:_:)``
/// so tests can read them; `run()` prints them and reports failures as one
/// line on stderr (``reportingFailures(_:)``).
protocol LineOutputCommand: AsyncParsableCommand {
    /// Runs the command in `environment`, handing each output line to `output`.
    func execute(environment: [String: String], _ output: (String) -> Void) async throws
}

extension LineOutputCommand {
    /// Runs the command in this process's environment.
    func execute(_ output: (String) -> Void) async throws {
        try await execute(environment: ProcessInfo.processInfo.environment, output)
    }

    func run() async throws {
        try await reportingFailures { try await execute { print($0) } }
    }
}

/// Runs a command body; a failure becomes one line on stderr naming the
/// problem and exit status 1, never a stack trace.
func reportingFailures<Result>(_ body: () async throws -> Result) async throws -> Result {
    do {
        return try await body()
    } catch let error as ExitCode {
        throw error
    } catch {
        printError(oneLine(error))
        throw ExitCode.failure
    }
}

/// Writes `whale: error: <line>` to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data("whale: error: \(line)\n".utf8))
}

private func oneLine(_ error: any Error) -> String {
    if let error = error as? WhaleError { return error.message }
    return String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
}
