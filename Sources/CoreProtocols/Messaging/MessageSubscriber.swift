/// Something that delivers messages of a topic to a handler, at least once.
public protocol MessageSubscriber: Sendable {
    /// Starts delivering messages of `topic` to `handler` as member of `group`.
    ///
    /// A message counts as handled (its offset is committed) only when the
    /// handler returns without throwing.
    /// - Returns: the subscription; cancel it to stop delivery.
    func subscribe(
        topic: String,
        group: String,
        handler: @escaping @Sendable (InboundMessage) async throws -> Void
    ) async throws -> any MessageSubscription
}

/// A running subscription.
public protocol MessageSubscription: Sendable {
    /// Stops delivery, commits what was handled and leaves the group.
    func cancel() async
}
