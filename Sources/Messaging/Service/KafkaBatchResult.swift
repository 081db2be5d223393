public import CoreProtocols

/// The outcome of ``KafkaService/sendBatch(topic:_:key:)``: one result per
/// message, in the order given.
public struct KafkaBatchResult: Sendable {
    /// Where each message was stored, or why it was not.
    public var results: [Result<KafkaDeliveryReport, WhaleError>]

    /// Creates a result.
    public init(results: [Result<KafkaDeliveryReport, WhaleError>]) {
        self.results = results
    }

    /// Whether every message was acknowledged (the spec's `send_batch` return value).
    public var allSucceeded: Bool {
        failures.isEmpty
    }

    /// How many messages were acknowledged.
    public var succeededCount: Int {
        results.count - failures.count
    }

    /// The failed messages: their index in the batch and the error.
    public var failures: [(index: Int, error: WhaleError)] {
        results.enumerated().compactMap { index, result in
            if case .failure(let error) = result { return (index, error) }
            return nil
        }
    }
}
