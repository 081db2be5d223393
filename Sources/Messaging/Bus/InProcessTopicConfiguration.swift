import CoreProtocols

/// How one topic of an ``InProcessMessageBus`` is laid out and how much it keeps.
///
/// ```swift
/// let topic = InProcessTopicConfiguration(
///     partitions: 3,
///     retention: .init(maxMessages: 10_000, maxBytes: 64 << 20, overflow: .rejectPublish)
/// )
/// try bus.createTopic("smartwhale.data.requests", configuration: topic)
/// ```
public struct InProcessTopicConfiguration: Sendable, Hashable {
    /// What a topic keeps: a bound on its messages and bytes (summed over its
    /// partitions) and what happens when a publish would pass it.
    public struct Retention: Sendable, Hashable {
        /// At most this many messages in the topic; `nil` for no bound. Default: 100,000.
        public var maxMessages: Int?
        /// At most this many bytes (key + value + header keys and values) in the
        /// topic; `nil` for no bound. Default: 256 MiB.
        public var maxBytes: Int?
        /// What a publish that would pass the bound does. Default: ``Overflow/dropOldest``.
        public var overflow: Overflow

        /// Creates a retention bound; every argument has the documented default.
        public init(maxMessages: Int? = 100_000, maxBytes: Int? = 256 << 20, overflow: Overflow = .dropOldest) {
            self.maxMessages = maxMessages
            self.maxBytes = maxBytes
            self.overflow = overflow
        }

        /// No bound at all: the topic grows until the process runs out of memory.
        public static let unbounded = Retention(maxMessages: nil, maxBytes: nil)
    }

    /// What a publish does when the topic is at its retention bound.
    public struct Overflow: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case dropOldest
            case rejectPublish
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Kafka's retention: the oldest messages of the topic (by publish order,
        /// across partitions) are removed to make room, whether or not every group
        /// has handled them. A group behind the new start of a partition skips the
        /// removed messages; those are counted in `whale_bus_messages_dropped` and
        /// logged at `warning`. Publishing never fails for room.
        public static let dropOldest = Overflow(.dropOldest)

        /// Back-pressure on the publisher: messages that every group known to the
        /// topic has committed are removed first; when that is not enough the
        /// publish throws `WhaleError` `.resourceExhausted` (retriable) and the
        /// topic is unchanged. A topic no group has subscribed to keeps
        /// everything, so it fills up and then refuses.
        public static let rejectPublish = Overflow(.rejectPublish)

        var isDropOldest: Bool { base == .dropOldest }

        /// `dropOldest` or `rejectPublish`.
        public var description: String { base.rawValue }
    }

    /// The number of partitions, at least 1; fixed once the topic exists. Default: 1.
    public var partitions: Int
    /// What the topic keeps. Default: ``Retention/init(maxMessages:maxBytes:overflow:)``
    /// with its defaults (100,000 messages, 256 MiB, drop oldest).
    public var retention: Retention

    /// Creates a topic configuration; every argument has the documented default.
    public init(partitions: Int = 1, retention: Retention = Retention()) {
        self.partitions = partitions
        self.retention = retention
    }

    /// Checks the values.
    /// - Throws: `WhaleError` `.invalidInput` naming the value: fewer than 1 or more
    ///   than 10,000 partitions, a retention bound below 1.
    public func validate() throws {
        guard (1...10_000).contains(partitions) else {
            throw WhaleError(.invalidInput, "partitions: \(partitions) is not in 1…10000")
        }
        if let maxMessages = retention.maxMessages, maxMessages < 1 {
            throw WhaleError(.invalidInput, "retention.maxMessages: \(maxMessages) is below 1")
        }
        if let maxBytes = retention.maxBytes, maxBytes < 1 {
            throw WhaleError(.invalidInput, "retention.maxBytes: \(maxBytes) is below 1")
        }
    }
}
