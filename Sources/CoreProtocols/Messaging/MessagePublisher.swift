/// Something that publishes messages: the Kafka service, the in-process bus,
/// or a test double. The Kafka log handler and cache invalidation use this
/// protocol so they never import the messaging module.
public protocol MessagePublisher: Sendable {
    /// Publishes one message and returns once the transport has accepted it
    /// durably (for Kafka: acknowledged by the broker), or throws.
    func publish(_ message: OutboundMessage) async throws
}
