/// What a Kafka topic carries; the topic manager files each topic under one.
///
/// Python: `TopicCategory` (topic_manager). On the wire it is a lowercase string (`"request"`).
///
/// An extensible set rather than a closed `enum`: a newer peer may send a value
/// this version does not know, and that must not make the whole message
/// undecodable. An unknown value decodes to an instance with that raw value
/// (``isKnown`` is `false`) and is encoded back unchanged. Compare with the
/// static members; ``allKnown`` lists them.
public struct TopicCategory: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The wire value, e.g. `"request"`.
    public let rawValue: String

    /// Wraps a wire value; any string is accepted, known or not.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// `"request"`: Requests.
    public static let request = TopicCategory(rawValue: "request")
    /// `"response"`: Responses.
    public static let response = TopicCategory(rawValue: "response")
    /// `"event"`: Events.
    public static let event = TopicCategory(rawValue: "event")
    /// `"metric"`: Metrics.
    public static let metric = TopicCategory(rawValue: "metric")
    /// `"log"`: Logs.
    public static let log = TopicCategory(rawValue: "log")
    /// `"internal"`: Internal traffic between modules.
    public static let `internal` = TopicCategory(rawValue: "internal")
    /// `"command"`: Commands.
    public static let command = TopicCategory(rawValue: "command")
    /// `"notification"`: Notifications.
    public static let notification = TopicCategory(rawValue: "notification")

    /// Every value the contract defines, in the spec's order.
    public static let allKnown: [TopicCategory] = [.request, .response, .event, .metric, .log, .`internal`, .command, .notification]

    /// Whether this is one of ``allKnown`` (`false` for a value from a newer peer).
    public var isKnown: Bool { Self.allKnown.contains(self) }

    /// The wire value.
    public var description: String { rawValue }
}
