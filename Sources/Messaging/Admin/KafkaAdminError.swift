/// The error code a Kafka broker (or librdkafka on its behalf) answered an
/// admin request with.
///
/// ``KafkaAdmin`` throws `WhaleError`s; when the failure came with a Kafka
/// error code, this is the `WhaleError`'s `underlying` error, so a caller can
/// tell `TOPIC_AUTHORIZATION_FAILED` from `POLICY_VIOLATION` without parsing the
/// message:
///
/// ```swift
/// do {
///     try await admin.deleteTopic("smartwhale.core.logs")
/// } catch let error as WhaleError {
///     if let detail = error.underlying as? KafkaAdminError, detail.name == "TOPIC_DELETION_DISABLED" { … }
/// }
/// ```
public struct KafkaAdminError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The numeric code: a Kafka protocol error code (positive, e.g. 36 for
    /// `TOPIC_ALREADY_EXISTS`) or a librdkafka-local one (negative, e.g. -185
    /// for `_TIMED_OUT`).
    public var code: Int32
    /// librdkafka's name for the code, e.g. `"TOPIC_ALREADY_EXISTS"`,
    /// `"_UNSUPPORTED_FEATURE"` (local codes start with `_`).
    public var name: String
    /// The broker's or librdkafka's explanation.
    public var reason: String
    /// What was being done, e.g. `"creating topic 'orders'"`.
    public var operation: String

    /// Creates a description of a failed admin request.
    public init(code: Int32, name: String, reason: String, operation: String) {
        self.code = code
        self.name = name
        self.reason = reason
        self.operation = operation
    }

    /// Whether the code is librdkafka's own (negative) rather than the broker's.
    public var isLocal: Bool { code < 0 }

    /// `"<operation>: <NAME> (<code>): <reason>"`.
    public var description: String { "\(operation): \(name) (\(code)): \(reason)" }
}
