import ArgumentParser
import CoreProtocols

import Foundation

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
