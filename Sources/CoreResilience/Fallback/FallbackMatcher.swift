public import CoreProtocols

/// Which errors a fallback alternative handles.
///
/// Task cancellation (`CancellationError`, `WhaleError` `.cancelled`, or any
/// error thrown while the current task is cancelled) is never matched, by any
/// matcher: a cancelled call is not a failure to cover up.
///
/// ```swift
/// .code(.circuitOpen)                       // the breaker refused the call
/// .codes([.timeout, .unavailable])
/// .predicate { $0 is DecodingError }
/// ```
public struct FallbackMatcher: Sendable {
    private let test: @Sendable (any Error) -> Bool

    /// A matcher from a predicate; cancellation is excluded before it is asked.
    public init(_ test: @escaping @Sendable (any Error) -> Bool) {
        self.test = test
    }

    /// Every error except cancellation.
    public static var any: FallbackMatcher { FallbackMatcher { _ in true } }

    /// A `WhaleError` with this code, e.g. `.circuitOpen`, `.timeout`,
    /// `.rateLimited`, `.bulkheadFull`.
    public static func code(_ code: WhaleError.Code) -> FallbackMatcher {
        FallbackMatcher { ($0 as? WhaleError)?.code == code }
    }

    /// A `WhaleError` with any of these codes.
    public static func codes(_ codes: Set<WhaleError.Code>) -> FallbackMatcher {
        FallbackMatcher { error in (error as? WhaleError).map { codes.contains($0.code) } ?? false }
    }

    /// An error of type `type`.
    public static func type<E: Error>(_ type: E.Type) -> FallbackMatcher {
        FallbackMatcher { $0 is E }
    }

    /// An error whose `isWhaleRetriable` is true (a transient failure).
    public static var retriable: FallbackMatcher { FallbackMatcher { $0.isWhaleRetriable } }

    /// Errors for which `predicate` returns true.
    public static func predicate(_ predicate: @escaping @Sendable (any Error) -> Bool) -> FallbackMatcher {
        FallbackMatcher(predicate)
    }

    /// Whether this matcher accepts `error`; always false for cancellation.
    public func matches(_ error: any Error) -> Bool {
        !Self.isCancellation(error) && test(error)
    }

    /// Whether `error` means the task was cancelled: `CancellationError`,
    /// `WhaleError` `.cancelled`, or anything thrown while the current task is cancelled.
    public static func isCancellation(_ error: any Error) -> Bool {
        error is CancellationError || (error as? WhaleError)?.code == .cancelled || Task.isCancelled
    }
}
