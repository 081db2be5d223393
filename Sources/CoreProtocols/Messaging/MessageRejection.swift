/// Thrown by a message handler to say that a message can never be handled:
/// it is not retried, but goes to the dead-letter topic at once with
/// ``reason`` (or is skipped where dead letters are off).
///
/// For messages that are malformed, fail validation, or have expired: trying
/// them again cannot help, and retrying only holds up the messages behind
/// them. Every other error a handler throws is retried as the subscription's
/// options say.
///
/// ```swift
/// let subscription = try await subscriber.subscribe(topic: "orders", group: "billing") { message in
///     guard let order = try? Order(json: message.value) else {
///         throw MessageRejection("not an order: \(message.value.count) bytes")
///     }
///     try await bill(order)
/// }
/// ```
public struct MessageRejection: Error, CustomStringConvertible, Sendable {
    /// Why the message was rejected; it becomes the dead letter's error header.
    public var reason: String
    /// The error that showed the message to be unusable, if any.
    public var underlying: (any Error)?

    /// Creates a rejection.
    public init(_ reason: String, underlying: (any Error)? = nil) {
        self.reason = reason
        self.underlying = underlying
    }

    /// `rejected: <reason>`, then the underlying error.
    public var description: String {
        guard let underlying else { return "rejected: \(reason)" }
        return "rejected: \(reason): \(underlying)"
    }
}
