public import Dispatch

extension DispatchQueue {
    /// Runs blocking work (a C call into hiredis, SQLite or librdkafka) on this
    /// queue and awaits its result, keeping it off Swift's cooperative pool.
    ///
    /// Shared by the modules that wrap C libraries; not public API.
    package func runBlocking<Result: Sendable>(
        _ body: @escaping @Sendable () throws -> Result
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            self.async {
                continuation.resume(with: Result_(catching: body))
            }
        }
    }
}

private typealias Result_<Success> = Swift.Result<Success, any Error>
