/// An error that says whether trying again unchanged may succeed.
///
/// ``WhaleError`` conforms; a module's own error types may conform too. The
/// resilience policies read ``isRetriable`` to decide on another attempt, and
/// treat every error that does not conform as not retriable.
public protocol RetriableError: Error, Sendable {
    /// Whether trying the same operation again unchanged may succeed.
    var isRetriable: Bool { get }
}

extension Error {
    /// `isRetriable` of a ``RetriableError``; `false` for every other error,
    /// including `CancellationError`.
    public var isWhaleRetriable: Bool {
        (self as? any RetriableError)?.isRetriable ?? false
    }
}
