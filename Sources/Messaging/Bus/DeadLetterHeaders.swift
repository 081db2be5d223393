import CoreProtocols

/// The dead-letter convention shared by the in-process bus and the Kafka service:
/// the topic a message goes to after its last failed attempt, and the headers
/// that say why.
///
/// A dead-lettered message keeps its key, value and original headers; these
/// headers are added after them (all values UTF-8 text):
///
/// | header | value |
/// | --- | --- |
/// | ``error`` | the last error, as `String(describing:)` |
/// | ``attempts`` | how many times the handler was called, e.g. `3` |
/// | ``originalTopic`` | the topic it was read from |
/// | ``originalPartition`` | the partition it was read from, e.g. `0` |
/// | ``originalOffset`` | its offset there, e.g. `41` |
/// | ``group`` | the consumer group whose handler failed |
///
/// ```swift
/// let dlq = DeadLetterHeaders.topic(for: "smartwhale.data.requests")  // "smartwhale.data.requests.dlq"
/// let reason = message.headers.first { $0.key == DeadLetterHeaders.error }
/// ```
public enum DeadLetterHeaders {
    /// The suffix of a dead-letter topic: `".dlq"`.
    public static let topicSuffix = ".dlq"
    /// The last error's text: `"x-whale-dlq-error"`.
    public static let error = "x-whale-dlq-error"
    /// How many attempts were made, as a decimal integer: `"x-whale-dlq-attempts"`.
    public static let attempts = "x-whale-dlq-attempts"
    /// The topic the message was read from: `"x-whale-dlq-original-topic"`.
    public static let originalTopic = "x-whale-dlq-original-topic"
    /// The partition it was read from, as a decimal integer: `"x-whale-dlq-original-partition"`.
    public static let originalPartition = "x-whale-dlq-original-partition"
    /// Its offset in that partition, as a decimal integer: `"x-whale-dlq-original-offset"`.
    public static let originalOffset = "x-whale-dlq-original-offset"
    /// The consumer group whose handler gave up on it: `"x-whale-dlq-group"`.
    public static let group = "x-whale-dlq-group"

    /// The dead-letter topic of `topic`: `"<topic>.dlq"`.
    public static func topic(for topic: String) -> String {
        topic + topicSuffix
    }

    /// The longest ``error`` value written, in UTF-8 bytes; longer texts are cut.
    static let maxErrorBytes = 4096

    /// `message`'s headers followed by the dead-letter headers for a message of
    /// `group` given up after `attempts` calls with `error`.
    static func headers(for message: InboundMessage, group: String, error: any Error, attempts: Int) -> [MessageHeader] {
        var errorText = String(describing: error)
        if errorText.utf8.count > maxErrorBytes {
            errorText = String(decoding: errorText.utf8.prefix(maxErrorBytes), as: UTF8.self)
        }
        return message.headers + [
            MessageHeader(key: Self.error, string: errorText),
            MessageHeader(key: Self.attempts, string: String(attempts)),
            MessageHeader(key: originalTopic, string: message.topic),
            MessageHeader(key: originalPartition, string: String(message.partition)),
            MessageHeader(key: originalOffset, string: String(message.offset)),
            MessageHeader(key: Self.group, string: group),
        ]
    }
}
