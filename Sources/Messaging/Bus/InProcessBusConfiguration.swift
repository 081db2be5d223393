/// The settings of an ``InProcessMessageBus``.
///
/// ```swift
/// var configuration = InProcessBusConfiguration()
/// configuration.topics["smartwhale.data.requests"] = InProcessTopicConfiguration(partitions: 5)
/// let bus = InProcessMessageBus(configuration: configuration)
/// ```
public struct InProcessBusConfiguration: Sendable {
    /// The configuration of a topic created on first use that ``topics`` does not
    /// name. Default: 1 partition, 100,000 messages / 256 MiB, drop oldest.
    public var defaultTopic: InProcessTopicConfiguration
    /// Configurations by topic name, used when that topic is created (on first
    /// use or by ``InProcessMessageBus/createTopic(_:configuration:)`` without a
    /// configuration). Default: none.
    public var topics: [String: InProcessTopicConfiguration]
    /// Whether publishing to or subscribing to a topic that does not exist
    /// creates it (Kafka's `auto.create.topics.enable`). When `false` both throw
    /// `WhaleError` `.notFound`; dead-letter topics are created regardless.
    /// Default: `true`.
    public var autoCreateTopics: Bool
    /// The largest message accepted, in bytes (key + value + header keys and
    /// values); a larger one is refused with `WhaleError` `.invalidInput`.
    /// Default: 1,048,576 (1 MiB, Kafka's `message.max.bytes` order).
    public var maxMessageBytes: Int

    /// Creates a configuration; every argument has the documented default.
    public init(
        defaultTopic: InProcessTopicConfiguration = InProcessTopicConfiguration(),
        topics: [String: InProcessTopicConfiguration] = [:],
        autoCreateTopics: Bool = true,
        maxMessageBytes: Int = 1_048_576
    ) {
        self.defaultTopic = defaultTopic
        self.topics = topics
        self.autoCreateTopics = autoCreateTopics
        self.maxMessageBytes = maxMessageBytes
    }

    /// The configuration a new topic called `name` gets.
    func configuration(forTopic name: String) -> InProcessTopicConfiguration {
        topics[name] ?? defaultTopic
    }
}
