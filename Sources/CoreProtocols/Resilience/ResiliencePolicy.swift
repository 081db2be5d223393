/// Runs an async operation under a policy: a circuit breaker, retries, a
/// timeout, a bulkhead, or a pipeline of them.
///
/// The cache and messaging modules accept `any ResiliencePolicy` so they can be
/// protected without importing the resilience module; the caller wires the
/// concrete pipeline in.
public protocol ResiliencePolicy: Sendable {
    /// Runs `operation` under the policy and returns its result, or throws the
    /// operation's error or the policy's own (`WhaleError` with `.circuitOpen`,
    /// `.rateLimited`, `.bulkheadFull`, `.timeout`, …).
    func execute<Result: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result
}

/// The policy that runs every operation once, unprotected.
public struct PassthroughPolicy: ResiliencePolicy {
    public init() {}

    public func execute<Result: Sendable>(
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await operation()
    }
}
